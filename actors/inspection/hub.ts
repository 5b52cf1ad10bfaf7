/**
 * The inspection hub: one ordered stream of InspectionEvents (events.ts) for the statechart
 * inspector and `--record`, bounded in memory.
 *
 * publish(event) stamps `seq` (1, 2, ... without gaps) and `t` (the injected clock), keeps the
 * event in its actor's ring (supervisor-level events and those of no actor in the global ring)
 * and hands it to every listener, in order. Rings hold the last `ringSize` events of an actor;
 * an actor that ended (actor.stopped, or a final snapshot) keeps its ring until `endedActors`
 * more have ended, then ages out.
 *
 * Cheap when nobody listens: `active` is false without listeners (unless `retain`), and
 * producers check it before they build an event (no decode, no summary); publish() then drops
 * the event without stamping it. `snapshot()` (GET /api/actors) asks the registered tree
 * providers for the live actors, so it answers even for actors created while nobody listened.
 */

import type { Clock } from '../../ipsec/util/clock.js';
import { childSaMachine } from '../../machines/child-sa.machine.js';
import { ikeSaMachine } from '../../machines/ike-sa.machine.js';
import type { ActorKind, ChildSaSummary, IkeSaSummary, InspectionEvent, MachineGraph } from './events.js';
import { machineGraph } from './graph.js';
import { type InspectedSupervisor, SupervisorInspector } from './supervisor-inspector.js';

/** An event as a producer hands it over: the hub adds `seq` and `t`. */
export type InspectionEventInit = InspectionEvent extends infer E
  ? E extends InspectionEvent
    ? Omit<E, 'seq' | 't'>
    : never
  : never;

export type InspectionListener = (event: InspectionEvent) => void;

/** One actor of the tree (GET /api/actors). */
export interface ActorNode {
  readonly id: string;
  readonly kind: ActorKind;
  readonly parent?: string;
  readonly machine?: string;
  /** XState state value, when known. */
  readonly value?: unknown;
  /** 'active' | 'done' | 'error' | 'stopped' */
  readonly status: string;
  readonly ike?: IkeSaSummary;
  readonly child?: ChildSaSummary;
}

export interface InspectionHubOptions {
  readonly clock: Clock;
  /** Secrets in the `keys` fields of summaries (--inspect-keys / --record-keys). Default false. */
  readonly keys?: boolean;
  /** Events kept per actor (default 500). */
  readonly ringSize?: number;
  /** Events kept in the global ring: supervisor-level and actor-less events (default 2000). */
  readonly globalRingSize?: number;
  /** Ended actors whose rings are kept (default 100). */
  readonly endedActors?: number;
  /** Active even without listeners: the rings fill for a page that connects later. */
  readonly retain?: boolean;
}

/** A bounded FIFO: the last `size` values pushed. */
export class Ring<T> {
  private readonly items: T[] = [];
  private head = 0;
  constructor(readonly size: number) {}
  push(v: T): void {
    if (this.items.length < this.size) this.items.push(v);
    else {
      this.items[this.head] = v;
      this.head = (this.head + 1) % this.size;
    }
  }
  get length(): number {
    return this.items.length;
  }
  toArray(): T[] {
    return [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }
}

export const GLOBAL = 'supervisor';

export class InspectionHub {
  readonly keys: boolean;
  readonly clock: Clock;
  private readonly ringSize: number;
  private readonly endedLimit: number;
  private readonly listeners = new Set<InspectionListener>();
  private readonly activity = new Set<(active: boolean) => void>();
  private readonly rings = new Map<string, Ring<InspectionEvent>>();
  private readonly global: Ring<InspectionEvent>;
  private readonly ended: string[] = [];
  private readonly endedSet = new Set<string>();
  private readonly providers = new Set<() => readonly ActorNode[]>();
  private readonly retain: boolean;
  private graphs?: readonly MachineGraph[];
  private seq = 0;

  constructor(o: InspectionHubOptions) {
    this.clock = o.clock;
    this.keys = o.keys ?? false;
    this.ringSize = o.ringSize ?? 500;
    this.endedLimit = o.endedActors ?? 100;
    this.global = new Ring(o.globalRingSize ?? 2000);
    this.retain = o.retain ?? false;
  }

  /**
   * This hub's view of a supervisor (its actors, IKE messages, drops). Made here, not by the
   * supervisor, so that a supervisor without a hub never reaches the inspector's code (a mote's
   * firmware carries none of it). supervisor-inspector.ts imports this module back: neither
   * uses the other while the modules load.
   */
  inspect(supervisor: InspectedSupervisor): SupervisorInspector {
    return new SupervisorInspector(this, supervisor);
  }

  /** Someone wants events: producers build them only then. */
  get active(): boolean {
    return this.retain || this.listeners.size > 0;
  }

  /** Every event from now on, in order; returns the unsubscribe function. */
  subscribe(listener: InspectionListener): () => void {
    const was = this.active;
    this.listeners.add(listener);
    if (!was) this.activeChanged(true);
    return () => this.unsubscribe(listener);
  }

  unsubscribe(listener: InspectionListener): void {
    const was = this.active;
    this.listeners.delete(listener);
    if (was && !this.active) this.activeChanged(false);
  }

  /** Calls `listener` when `active` changes (producers attach and detach their taps); returns the remover. */
  onActiveChange(listener: (active: boolean) => void): () => void {
    this.activity.add(listener);
    return () => this.activity.delete(listener);
  }

  private activeChanged(active: boolean): void {
    for (const l of this.activity) l(active);
  }

  /** Stamps and delivers `e`; returns it, or undefined when the hub is not active. */
  publish(e: InspectionEventInit): InspectionEvent | undefined {
    if (!this.active) return undefined;
    const event = { seq: ++this.seq, t: this.clock.now(), ...e } as InspectionEvent;
    const actor = 'actor' in event ? event.actor : undefined;
    if (actor === undefined || actor === GLOBAL) this.global.push(event);
    else this.ringOf(actor).push(event);
    if (
      actor !== undefined &&
      (event.kind === 'actor.stopped' ||
        (event.kind === 'actor.snapshot' && event.status !== 'active' && event.actor !== GLOBAL))
    )
      this.end(actor);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's bug must not stop the stream nor the IKE SA that published.
      }
    }
    return event;
  }

  private ringOf(actor: string): Ring<InspectionEvent> {
    let r = this.rings.get(actor);
    if (!r) {
      r = new Ring(this.ringSize);
      this.rings.set(actor, r);
    }
    return r;
  }

  private end(actor: string): void {
    if (this.endedSet.has(actor)) return;
    this.endedSet.add(actor);
    this.ended.push(actor);
    while (this.ended.length > this.endedLimit) {
      const old = this.ended.shift()!;
      this.endedSet.delete(old);
      this.rings.delete(old);
    }
  }

  /** The kept events of one actor ('supervisor': the global ring), oldest first. */
  events(actor: string): InspectionEvent[] {
    if (actor === GLOBAL) return this.global.toArray();
    return this.rings.get(actor)?.toArray() ?? [];
  }

  /** Every kept event, all rings merged in `seq` order. */
  history(): InspectionEvent[] {
    const all = [this.global, ...this.rings.values()].flatMap((r) => r.toArray());
    return all.sort((a, b) => a.seq - b.seq);
  }

  /** Actors with a ring (live, or ended and not yet aged out). */
  actorsWithEvents(): string[] {
    return [...this.rings.keys()];
  }

  /** Registers a source of live actors for snapshot(); returns the function that removes it. */
  addTreeProvider(provider: () => readonly ActorNode[]): () => void {
    this.providers.add(provider);
    return () => this.providers.delete(provider);
  }

  /** The actor tree now (GET /api/actors): ids, kinds, parents, states and summaries. */
  snapshot(): { readonly actors: readonly ActorNode[] } {
    return { actors: [...this.providers].flatMap((p) => p()) };
  }

  /** The statecharts the stream's actors run: ikeSa and childSa. */
  machines(): readonly MachineGraph[] {
    this.graphs ??= [machineGraph(ikeSaMachine), machineGraph(childSaMachine)];
    return this.graphs;
  }
}
