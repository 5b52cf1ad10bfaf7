/**
 * A Child SA's lifecycle statechart (machines/child-sa.machine.ts) run without an actor.
 *
 * The machine has no context, no actions, no timers and no children: its snapshot is a function
 * of its state value. An XState actor per Child SA cost a system of its own (a scheduler, a
 * registry, ~20 closures, an Actor with its mailbox): ~3 KB and a createActor per SA for six
 * states. Here a Child SA holds one snapshot reference; the machine's own `transition` (with
 * one inert scope) computes the next one, and snapshots are interned per state value
 * (immutable, so every Child SA in one state shares one). The statechart stays the single
 * source of the states and their moves.
 *
 * What the supervisor and the inspector used of the actor is kept: `send`, `getSnapshot`, an
 * `inspect` option and `system.inspect` delivering XState's `@xstate.actor`, `@xstate.event`
 * and `@xstate.snapshot` inspection events with this object as `actorRef`.
 */
import { initialTransition, type SnapshotFrom } from 'xstate';
import { type ChildSaEvent, childSaMachine } from '../machines/child-sa.machine.js';
import { publishTo, subscribeTo } from './observer-list.js';

export type ChildSaSnapshot = SnapshotFrom<typeof childSaMachine>;

/** The inspection events a lifecycle emits, shaped as XState's own. */
export type ChildLifecycleInspection =
  | { readonly type: '@xstate.actor'; readonly actorRef: ChildLifecycle }
  | {
      readonly type: '@xstate.event';
      readonly actorRef: ChildLifecycle;
      readonly sourceRef: undefined;
      readonly event: { readonly type: string };
    }
  | {
      readonly type: '@xstate.snapshot';
      readonly actorRef: ChildLifecycle;
      readonly event: { readonly type: string };
      readonly snapshot: ChildSaSnapshot;
    };

export type ChildLifecycleObserver = (e: ChildLifecycleInspection) => void;

const INIT_EVENT = { type: 'xstate.init' } as const;

/** One snapshot per state value: contextless snapshots are equal when their values are. */
const interned = new Map<string, ChildSaSnapshot>();

function intern(s: ChildSaSnapshot): ChildSaSnapshot {
  const key = JSON.stringify(s.value);
  const known = interned.get(key);
  if (known && known.status === s.status) return known;
  interned.set(key, s);
  return s;
}

const initial = intern(initialTransition(childSaMachine)[0]);

/**
 * The actor scope of every step. XState's `transition()` builds an inert actor and system for
 * each call (a createActor per Child SA event: ~35 us); the machine has no actions, timers or
 * children, so one scope that does nothing serves every step of every Child SA.
 */
const SCOPE = {
  self: undefined,
  id: '',
  sessionId: '',
  logger: () => {},
  defer: () => {},
  system: {
    _sendInspectionEvent: () => {},
    _unregister: () => {},
    scheduler: { schedule() {}, cancel() {} },
  },
  stopChild: () => {},
  emit: () => {},
  actionExecutor: () => {},
} as unknown as Parameters<typeof childSaMachine.transition>[2];

export class ChildLifecycle {
  #snapshot: ChildSaSnapshot = initial;
  #observers: ChildLifecycleObserver[] | undefined;

  /** The part of an XState actor's `system` the inspector attaches to (built on demand: nothing per SA). */
  get system(): { inspect(observer: ChildLifecycleObserver): { unsubscribe(): void } } {
    return { inspect: (observer) => this.#inspect(observer) };
  }

  #inspect(observer: ChildLifecycleObserver): { unsubscribe(): void } {
    if (!this.#observers) this.#observers = [];
    return subscribeTo(this.#observers, observer);
  }

  /** `inspect` as createActor takes it: called from creation on, the initial snapshot included. */
  constructor(options?: { readonly inspect?: ChildLifecycleObserver }) {
    if (!options?.inspect) return;
    this.#observers = [options.inspect];
    this.#publish({ type: '@xstate.actor', actorRef: this });
    this.#publish({ type: '@xstate.event', actorRef: this, sourceRef: undefined, event: INIT_EVENT });
    this.#publish({ type: '@xstate.snapshot', actorRef: this, event: INIT_EVENT, snapshot: initial });
  }

  getSnapshot(): ChildSaSnapshot {
    return this.#snapshot;
  }

  /**
   * As an actor's send: an event the current state does not take changes nothing; after the
   * final state an event is still inspected (as XState does) but changes nothing.
   */
  send(event: ChildSaEvent): void {
    this.#publish({ type: '@xstate.event', actorRef: this, sourceRef: undefined, event });
    if (this.#snapshot.status !== 'active') return;
    const next = intern(childSaMachine.transition(this.#snapshot, event, SCOPE));
    this.#snapshot = next;
    this.#publish({ type: '@xstate.snapshot', actorRef: this, event, snapshot: next });
  }

  #publish(e: ChildLifecycleInspection): void {
    publishTo(this.#observers, e);
  }
}
