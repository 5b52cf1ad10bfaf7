/**
 * An IKE SA rekey from the supervisor's side (RFC 7296 §2.18): the rekeyed IKE SA continues in
 * a new actor under its new SPIs, with the Child SAs moved to it, and work that reaches the old
 * actor afterwards goes on to its successor.
 */
import type { ChildSaRecord, IkeSession } from '../ipsec/ike/exchange/session.js';
import type { Clock } from '../ipsec/util/clock.js';
import type { IkeTask } from '../machines/ike-sa.types.js';
import type { IkeSaIndex } from './supervisor-index.js';
import type { IkeSaHandle, SupervisorEvent } from './supervisor-types.js';

/** What the hand-over needs of the supervisor. */
export interface IkeRekeyHost {
  readonly clock: Clock;
  readonly index: IkeSaIndex;
  /** Spawns the IKE SA of `session` on `old`'s path, already established. */
  spawnSuccessor(
    old: IkeSaHandle,
    session: IkeSession,
    established: { children: readonly ChildSaRecord[]; retired?: boolean },
  ): IkeSaHandle;
  emit(e: SupervisorEvent): void;
}

export class IkeRekeyHandover {
  /** A rekeyed IKE SA's successor (or, until it is spawned, the tasks waiting for it). */
  private readonly successors = new WeakMap<IkeSaHandle, IkeSaHandle | IkeTask[]>();

  constructor(private readonly host: IkeRekeyHost) {}

  /** `old` was rekeyed into `session`; `queue` is the work `old` had not started. */
  rekeyed(
    old: IkeSaHandle,
    session: IkeSession,
    children: readonly ChildSaRecord[],
    queue: readonly IkeTask[],
    redundant: boolean,
  ): void {
    const { clock, index } = this.host;
    if (redundant) {
      // §2.8.2: the collision's redundant IKE SA: no children; ours deletes itself (queued
      // deleteIke), the peer's waits for the peer's Delete (or its retire time).
      clock.setTimeout(() => {
        const h = this.host.spawnSuccessor(old, session, { children: [], retired: queue.length === 0 });
        for (const task of queue) h.actor.send({ type: 'TASK', task });
      }, 0);
      return;
    }
    const moved = index.detach(old);
    const forwarded: IkeTask[] = queue.filter((t) => t.kind !== 'rekeyIke');
    this.successors.set(old, forwarded);
    // Spawned right after the current transition, not from inside another actor's action;
    // the peer's next message cannot arrive before: the network takes time.
    clock.setTimeout(() => {
      const next = this.host.spawnSuccessor(old, session, { children });
      for (const c of moved) index.attach(next, c);
      this.successors.set(old, next);
      for (const task of forwarded) next.actor.send({ type: 'TASK', task });
      this.host.emit({ type: 'ike-rekeyed', handle: next, old });
    }, 0);
  }

  /** A task that reached a replaced IKE SA goes to its successor (§2.18). */
  forward(old: IkeSaHandle, task: IkeTask): void {
    if (task.kind === 'rekeyIke') return; // the successor is that rekey: nothing left to do
    let next = this.successors.get(old);
    while (next && !Array.isArray(next) && next.state === 'DESTROYED') next = this.successors.get(next);
    if (Array.isArray(next)) next.push(task);
    else next?.actor.send({ type: 'TASK', task });
  }
}
