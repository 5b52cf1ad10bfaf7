/**
 * What follows when an IKE SA or a Child SA ends without us asking (swanctl.conf):
 * - keyingtries: an initiation the peer never answered is tried again (new SPIs) until it has
 *   been tried keyingtries times (0 = for ever);
 * - dpd_action (the peer was found dead) and close_action (the peer deleted the Child SA or its
 *   IKE SA): the child is trapped again, or negotiated again;
 * - over_time: an IKE SA still there at rekey_time + over_time (its rekey never completed) is
 *   deleted.
 * The supervisor reports the endings; this file decides and schedules, always after the
 * current transition (never from inside the dying actor's action).
 */
import type { Config } from '../ipsec/config/model.js';
import type { Clock } from '../ipsec/util/clock.js';
import type { IkeSaHandle, InstalledChild, SupervisorLogger } from './supervisor-types.js';

/** What the endings need of the supervisor. */
export interface EndingsHost {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger?: SupervisorLogger;
  /** Whether a Child SA of a live IKE SA uses `reqid` (supervisor-index.ts, no scan). */
  readonly reqidInUse: (reqid: number) => boolean;
  /** Initiates `connection` with its first child `child`, as attempt number `attempt`. */
  readonly initiate: (connection: string, child: string | undefined, attempt: number) => void;
  /** Traps or negotiates a child again (start-actions.ts restore). */
  readonly restore: (connection: string, child: string, how: 'trap' | 'start') => void;
  /** Removes an IKE SA at once, without a Delete exchange. */
  readonly destroy: (h: IkeSaHandle) => void;
}

export class IkeSaEndings {
  /** The IKE SAs we initiated: with which first child, and which attempt. */
  private readonly initiations = new WeakMap<IkeSaHandle, { child: string | undefined; attempt: number }>();

  constructor(private readonly o: EndingsHost) {}

  initiated(h: IkeSaHandle, child: string | undefined, attempt: number): void {
    this.initiations.set(h, { child, attempt });
  }

  /** An IKE SA is gone; `lost` are the Child SAs that went with it. */
  ended(h: IkeSaHandle, wasUp: boolean, lost: readonly InstalledChild[]): void {
    if (!wasUp && h.failure?.timeout) this.retryInitiation(h);
    else if (wasUp && h.failure?.timeout) this.childrenLost(h.name, lost, 'dpd_action');
    else if (h.actor.getSnapshot().context.deletedByPeer) this.childrenLost(h.name, lost, 'close_action');
  }

  /** The peer deleted a Child SA of a live IKE SA. */
  childDeletedByPeer(h: IkeSaHandle, c: InstalledChild): void {
    this.childrenLost(h.name, [c], 'close_action');
  }

  /** over_time: arms the hard lifetime of an established IKE SA that rekeys itself. */
  armHardLifetime(h: IkeSaHandle): void {
    const { session, ikeRekeyMs, retired } = h.actor.getSnapshot().context;
    if (ikeRekeyMs <= 0 || retired) return;
    h.lifetimeTimer = this.o.clock.setTimeout(
      () => this.hardExpire(h),
      ikeRekeyMs + 1000 * session.config.over_time,
    );
  }

  /**
   * The IKE SA outlived rekey_time + over_time: deleted with a Delete exchange if the window is
   * free, else (a rekey still being retransmitted) at once.
   */
  private hardExpire(h: IkeSaHandle): void {
    if (h.state === 'DESTROYED') return;
    this.o.logger?.info(
      { ike: h.uniqueid },
      'IKE SA hard lifetime reached (rekey_time + over_time), deleting',
    );
    h.failure = { reason: 'hard lifetime reached (rekey_time + over_time)' };
    if (h.actor.getSnapshot().context.outstanding === undefined) {
      h.actor.send({ type: 'TERMINATE' });
      return;
    }
    h.actor.stop();
    this.o.destroy(h);
  }

  private retryInitiation(h: IkeSaHandle): void {
    const first = this.initiations.get(h);
    const tries = this.o.config.connections.find((c) => c.name === h.name)?.keyingtries;
    if (!first || tries === undefined || (tries !== 0 && first.attempt >= tries)) return;
    const attempt = first.attempt + 1;
    this.o.logger?.info(
      { connection: h.name, attempt, keyingtries: tries },
      'peer not responding, trying again',
    );
    this.o.clock.setTimeout(() => this.o.initiate(h.name, first.child, attempt), 0);
  }

  /**
   * dpd_action / close_action per child config of the lost Child SAs: `trap` installs its trap
   * policies, `start` / `restart` negotiates it again (on an IKE SA that is up, else a new one).
   * Nothing happens for a Child SA whose reqid lives on elsewhere: a rekey's or a collision's
   * loser was replaced.
   */
  private childrenLost(
    connection: string,
    lost: readonly InstalledChild[],
    which: 'dpd_action' | 'close_action',
  ): void {
    const done = new Set<string>();
    for (const c of lost) {
      const child = c.record.config;
      const action = child[which];
      if (action === 'clear' || action === 'none' || done.has(child.name)) continue;
      if (this.o.reqidInUse(c.reqid)) continue;
      done.add(child.name);
      this.o.logger?.info({ connection, child: child.name, [which]: action }, `${which}: ${action}`);
      this.o.clock.setTimeout(
        () => this.o.restore(connection, child.name, action === 'trap' ? 'trap' : 'start'),
        0,
      );
    }
  }
}
