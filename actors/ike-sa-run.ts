/**
 * One IKE SA's statechart (machines/ike-sa.machine.ts) run without an XState actor.
 *
 * An XState actor per IKE SA cost a system of its own (a scheduler with its maps, a registry,
 * an inspection set, a mailbox, ~25 closures bound per actor) and a createActor per SA. Here an
 * IKE SA holds its snapshot, its pending delayed events and a small mailbox; the machine's own
 * `transition` (the one every XState actor calls) computes each step, with one actor scope
 * shared by every run (which run is stepping is set around each step). The statechart stays
 * the single source of behaviour: its actions, guards, delays and `after` timers are XState's,
 * resolved by XState; only the loop around them is here, and it keeps an XState actor's rules:
 *  - the initial step's actions wait for `start()` (the supervisor registers the SA first);
 *  - an event sent while a step runs is queued and taken after it (run-to-completion);
 *  - a delayed event (`after`, `raise` with a delay) is a timer on the injected clock, cancelled
 *    by `cancel` or when the run ends; the same id again replaces the earlier timer;
 *  - a final state ends the run (`next` sees the 'done' snapshot); an exception from a step or
 *    an action ends it as 'error' (`error` is called); `stop()` ends it without either;
 *  - with an `inspect` observer (or `system.inspect`), XState's inspection events
 *    ('@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.microstep',
 *    '@xstate.action') with this run as `actorRef`.
 */
import type { InspectionEvent } from 'xstate';
import type { Clock, TimerHandle } from '../ipsec/util/clock.js';
import type { ikeSaMachine } from '../machines/ike-sa.machine.js';
import type { IkeSaEvent, IkeSaInput } from '../machines/ike-sa.types.js';
import type { IkeSaEntry } from './ike-sa-actions.js';
import { publishTo, subscribeTo } from './observer-list.js';

type Machine = typeof ikeSaMachine;
export type IkeSaSnapshot = ReturnType<Machine['getInitialSnapshot']>;
type Scope = Parameters<Machine['transition']>[2];
type Observer = (e: InspectionEvent) => void;

/** A step's action as XState hands it to an actor's executor. */
interface ExecutableAction {
  readonly type: string;
  readonly params: unknown;
  readonly info: unknown;
  readonly exec?: (info: unknown, params: unknown) => void;
}

/** One observer may serve every run (it is told which): no closures per SA. */
export interface IkeSaRunObserver {
  /** After every step, with the new snapshot (the last one with status 'done'). */
  next(snapshot: IkeSaSnapshot, run: IkeSaRun): void;
  /** A step or an action threw: the run has ended. */
  error(err: unknown, run: IkeSaRun): void;
}

export interface IkeSaRunOptions {
  readonly clock: Clock;
  readonly input: IkeSaInput;
  readonly inspect?: Observer;
}

const NOT_STARTED = 0;
const RUNNING = 1;
const STOPPED = 2;

/** The run taking a step (steps nest when an action sends to another IKE SA). */
let current: IkeSaRun | undefined;

/** Only an inspection needs to know which run a scheduled event came from. */
const SYSTEM = {
  scheduler: {
    schedule: (_source: unknown, target: IkeSaRun, event: IkeSaEvent, delay: number, id?: string) =>
      target.schedule(event, delay, id),
    cancel: (source: IkeSaRun, id: string) => source.cancel(id),
  },
  _sendInspectionEvent: (e: InspectionEvent) => current?.inspection(e),
  _unregister: () => {},
};

/** The actor scope of every run: `self` is the stepping run (set by `step`). */
const SCOPE = {
  self: undefined as unknown,
  id: '',
  sessionId: '',
  logger: () => {},
  defer: (fn: () => void) => current?.deferred.push(fn),
  system: SYSTEM,
  stopChild: () => {},
  emit: () => {},
  actionExecutor: (action: ExecutableAction) => current?.execute(action),
};

let anonymous = 0;

export class IkeSaRun {
  /** What the supervisor keeps of this SA for the machine's effects (ike-sa-actions.ts). */
  entry: IkeSaEntry | undefined;
  #snapshot: IkeSaSnapshot;
  #status = NOT_STARTED;
  #mailbox: IkeSaEvent[] | undefined;
  #stepping = false;
  /** `stop()` came during a step: the step finishes as it would in an actor, then the run stops. */
  #stopAfterStep = false;
  /** Pending delayed events as [id, handle, id, handle, ...]: an SA has a few (a Map costs ~0.7 KB). */
  #timers: unknown[] | undefined;
  #observers: Observer[] | undefined;
  #observer: IkeSaRunObserver | undefined;
  readonly #machine: Machine;
  readonly #clock: Clock;
  /** Functions XState defers to the end of a step (scheduling, cancelling), and actions before start. */
  deferred: (() => void)[] = [];

  constructor(machine: Machine, options: IkeSaRunOptions) {
    this.#machine = machine;
    this.#clock = options.clock;
    if (options.inspect) this.#observers = [options.inspect];
    this.inspection({ type: '@xstate.actor', actorRef: this } as never);
    this.#snapshot = this.#step(() => machine.getInitialSnapshot(SCOPE as unknown as Scope, options.input));
  }

  /** As an actor's `subscribe`, for the one observer the supervisor has. */
  subscribe(observer: IkeSaRunObserver): void {
    this.#observer = observer;
  }

  /** The part of an XState actor's `system` the inspector attaches to. */
  get system(): { inspect(observer: Observer): { unsubscribe(): void } } {
    return { inspect: (observer) => this.#inspect(observer) };
  }

  getSnapshot(): IkeSaSnapshot {
    return this.#snapshot;
  }

  start(): this {
    if (this.#status !== NOT_STARTED) return this;
    this.#status = RUNNING;
    const init = { type: 'xstate.init', input: undefined };
    this.inspection({ type: '@xstate.event', sourceRef: undefined, actorRef: this, event: init } as never);
    if (this.#snapshot.status === 'error') {
      this.#fail((this.#snapshot as { error?: unknown }).error);
      return this;
    }
    this.#stepping = true; // events the initial actions send wait for the loop, as in an actor
    try {
      this.#update(init);
    } finally {
      this.#stepping = false;
    }
    if (this.#status === RUNNING) this.#drain();
    return this;
  }

  send(event: IkeSaEvent): void {
    if (this.#observers)
      this.inspection({ type: '@xstate.event', sourceRef: undefined, actorRef: this, event } as never);
    if (this.#status === STOPPED || this.#stopAfterStep) return;
    if (this.#mailbox) this.#mailbox.push(event);
    else this.#mailbox = [event];
    if (this.#status === RUNNING && !this.#stepping) this.#drain();
  }

  /** Ends the run: pending delayed events are cancelled, queued ones dropped, nobody is told. */
  stop(): void {
    if (this.#status === STOPPED) return;
    if (this.#stepping) {
      this.#stopAfterStep = true;
      this.#mailbox = undefined;
      return;
    }
    this.#status = STOPPED;
    this.#mailbox = undefined;
    this.#clearTimers();
    this.#snapshot = { ...this.#snapshot, status: 'stopped' } as IkeSaSnapshot;
    this.inspection({
      type: '@xstate.snapshot',
      actorRef: this,
      event: { type: 'xstate.stop' },
      snapshot: this.#snapshot,
    } as never);
    this.#observer = undefined;
  }

  /** @internal XState's scheduler, through the shared system. */
  schedule(event: IkeSaEvent, delay: number, id = `anon:${++anonymous}`): void {
    if (this.#status === STOPPED) return;
    this.cancel(id);
    const handle = this.#clock.setTimeout(() => {
      this.#forget(id);
      this.send(event);
    }, delay);
    if (this.#timers) this.#timers.push(id, handle);
    else this.#timers = [id, handle];
  }

  /** @internal */
  cancel(id: string): void {
    const handle = this.#forget(id);
    if (handle !== undefined) this.#clock.clearTimeout(handle);
  }

  /** Drops `id` from the pending timers; returns its handle. */
  #forget(id: string): TimerHandle | undefined {
    const timers = this.#timers;
    if (!timers) return undefined;
    for (let i = 0; i < timers.length; i += 2)
      if (timers[i] === id) {
        const handle = timers[i + 1];
        timers.splice(i, 2);
        return handle;
      }
    return undefined;
  }

  /** @internal An action of the step: run now, or at start for the initial step's. */
  execute(action: ExecutableAction): void {
    if (this.#status === RUNNING) this.#exec(action);
    else this.deferred.push(() => this.#exec(action));
  }

  #exec(action: ExecutableAction): void {
    if (this.#observers)
      this.inspection({
        type: '@xstate.action',
        actorRef: this,
        action: { type: action.type, params: action.params },
      } as never);
    action.exec?.(action.info, action.params);
  }

  /** @internal Callers on hot paths test `#observers` first, so that no event is built for nobody. */
  inspection(e: InspectionEvent): void {
    publishTo(this.#observers, e);
  }

  #inspect(observer: Observer): { unsubscribe(): void } {
    if (!this.#observers) this.#observers = [];
    return subscribeTo(this.#observers, observer);
  }

  /** `fn` with this run as the scope's `self` (restored after: steps nest across runs). */
  #step<T>(fn: () => T): T {
    const before = current;
    const self = SCOPE.self;
    current = this;
    SCOPE.self = this;
    try {
      return fn();
    } finally {
      current = before;
      SCOPE.self = self;
    }
  }

  #drain(): void {
    this.#stepping = true;
    try {
      for (let e = this.#mailbox?.shift(); e; e = this.#mailbox?.shift()) {
        if (this.#status !== RUNNING) return;
        let next: IkeSaSnapshot;
        try {
          next = this.#step(() =>
            this.#machine.transition(this.#snapshot, e as never, SCOPE as unknown as Scope),
          );
        } catch (err) {
          this.#snapshot = { ...this.#snapshot, status: 'error', error: err } as IkeSaSnapshot;
          this.#fail(err);
          return;
        }
        this.#snapshot = next;
        this.#update(e);
      }
    } finally {
      this.#stepping = false;
    }
    if (this.#stopAfterStep) {
      this.#stopAfterStep = false;
      this.stop();
    }
  }

  /** As an actor's `update`: deferred functions, then the observer, then the inspection. */
  #update(event: { readonly type: string }): void {
    const snapshot = this.#snapshot;
    try {
      this.#step(() => {
        for (let fn = this.deferred.shift(); fn; fn = this.deferred.shift()) fn();
      });
    } catch (err) {
      this.deferred.length = 0;
      this.#snapshot = { ...snapshot, status: 'error', error: err } as IkeSaSnapshot;
      this.#fail(err);
      return;
    }
    const observer = this.#observer;
    if (snapshot.status === 'active') observer?.next(snapshot, this);
    else if (snapshot.status === 'done') {
      observer?.next(snapshot, this);
      this.#end();
    } else if (snapshot.status === 'error') {
      this.#fail((snapshot as { error?: unknown }).error);
      return;
    }
    if (this.#observers)
      this.inspection({ type: '@xstate.snapshot', actorRef: this, event, snapshot } as never);
  }

  #fail(err: unknown): void {
    const observer = this.#observer;
    this.#end();
    if (observer) observer.error(err, this);
    else throw err;
  }

  #end(): void {
    this.#status = STOPPED;
    this.#mailbox = undefined;
    this.#clearTimers();
    this.#observer = undefined;
  }

  #clearTimers(): void {
    const timers = this.#timers;
    if (!timers) return;
    this.#timers = undefined;
    for (let i = 1; i < timers.length; i += 2) this.#clock.clearTimeout(timers[i]);
  }
}
