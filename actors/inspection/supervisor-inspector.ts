/**
 * The supervisor's side of the inspection stream (hub.ts), kept out of supervisor.ts: it hands
 * the `inspect` option of the IKE SA and Child SA actors, wraps the supervisor's IKE datagrams
 * in and out, and answers the hub's actor tree.
 *
 *  - XState inspection ('@xstate.actor', '@xstate.event', '@xstate.snapshot' of each actor's
 *    root) -> actor.created / actor.event / actor.snapshot with our ids ('ike:<uniqueid>',
 *    'child:<ike uniqueid>:<child uniqueid>'); the IKE SA's end (supervisor event) and a Child
 *    SA's final state -> actor.stopped.
 *  - Inbound datagram, in order: decode + describe with the SA's SK keys (ike.message 'in') ->
 *    the router -> what it dropped (inbound-drops.ts: router counters, the SA's dropped count,
 *    fragment drops) as ike.drop -> counters (on a drop, else at most once a second when they
 *    changed).
 *  - Outbound message -> ike.message 'out', before it is sent. A protected message built in the
 *    transition that derived its keys (our IKE_AUTH request) waits for that transition's
 *    snapshot, when the keys are in the IKE SA's context.
 *  - `retransmission`: the same octets already went this way with the same SPIs, Message ID and
 *    fragment number (RFC 7296 §2.1: retransmissions are identical).
 *
 * Cheap when the hub is not active: one boolean test per datagram and per XState inspection
 * event; nothing is decoded, described or allocated.
 */
import { Observable } from 'rxjs';
import type { InspectionEvent as XStateInspectionEvent } from 'xstate';
import type { ChildSaRecord, IkeSession } from '../../ipsec/ike/exchange/session.js';
import { describeIkeMessage } from '../../ipsec/ike/wire/describe.js';
import { type IkeHeader, isInitiator } from '../../ipsec/ike/wire/header.js';
import { type DecodedMessage, decodeMessage } from '../../ipsec/ike/wire/message.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { Endpoint } from '../../transport/types.js';
import type { ChildLifecycleInspection, ChildLifecycleObserver } from '../child-lifecycle.js';
import type { IpsecBackend } from '../ipsec-backend.js';
import type { IkeSaHandle, SupervisorEvent, SupervisorOptions } from '../supervisor-types.js';
import { type ActorNode, GLOBAL, type InspectionHub } from './hub.js';
import { watchDrops } from './inbound-drops.js';
import { ReassemblyView } from './reassembly-view.js';
import { childSummary, ikeSummary, safeEvent } from './summaries.js';
import {
  actorTree,
  childTraffic,
  countersEvent,
  type InspectedSupervisor,
  Retransmissions,
} from './supervisor-view.js';

export type { InspectedSupervisor };

interface IkeEntry {
  readonly id: string;
  readonly session: IkeSession;
  readonly handle: () => IkeSaHandle | undefined;
  readonly createdAt: number;
  root?: unknown;
  /** Inspected: through createActor's option, or through system.inspect (activate). */
  attached?: boolean | 'option';
  announced: boolean;
  lastState?: string;
  pending: { decoded: DecodedMessage; raw: Uint8Array; local: Endpoint; remote: Endpoint }[];
}

interface ChildEntry {
  readonly id: string;
  readonly parent: string;
  readonly record: ChildSaRecord;
  root?: unknown;
  attached?: boolean | 'option';
  announced: boolean;
}

type Inspect = { readonly inspect: (e: XStateInspectionEvent) => void };

const endpoint = (e: Endpoint): string => `${e.address}:${e.port}`;
const IKE_PORT = 500; // RFC 7296 §2
const COUNTERS_INTERVAL_MS = 1000;

export class SupervisorInspector {
  private readonly bySpi = new Map<string, IkeEntry>();
  private readonly byId = new Map<string, IkeEntry>();
  private readonly childIds = new WeakMap<object, string>();
  private readonly children = new WeakMap<ChildSaRecord, ChildEntry>();
  private readonly detach: { unsubscribe(): void }[] = [];
  private readonly seen = new Retransmissions();
  private readonly whole = new ReassemblyView();
  private supervisorAnnounced = false;
  private lastCounters = '';
  private lastCountersAt = Number.NEGATIVE_INFINITY;

  /** The data plane, for the Child SAs' packet and byte counts (read-only). */
  private backend?: Pick<IpsecBackend, 'querySa'>;

  constructor(
    readonly hub: InspectionHub,
    private readonly sup: InspectedSupervisor,
  ) {
    hub.addTreeProvider(() => this.tree());
    hub.onActiveChange((active) => (active ? this.activate() : this.deactivate()));
    sup.on((e) => this.onSupervisorEvent(e));
  }

  private get now(): number {
    return this.hub.clock.now();
  }

  private announceSupervisor(): void {
    if (this.supervisorAnnounced) return;
    this.supervisorAnnounced = true;
    this.hub.publish({ kind: 'actor.created', actor: GLOBAL, actorKind: 'supervisor' });
  }

  // ---- actors ----

  /**
   * The createActor options of IKE SA `uniqueid` (spread into its options): `inspect` while the
   * hub is active; otherwise none, and activate() attaches to the actor's system later.
   */
  ikeSa(uniqueid: number, session: IkeSession, handle: () => IkeSaHandle | undefined): Partial<Inspect> {
    const entry: IkeEntry = {
      id: `ike:${uniqueid}`,
      session,
      handle,
      createdAt: this.now,
      announced: false,
      pending: [],
    };
    this.bySpi.set(toHex(session.role === 'initiator' ? session.spiI : session.spiR), entry);
    this.byId.set(entry.id, entry);
    if (!this.hub.active) return {};
    entry.attached = 'option';
    return { inspect: (e) => this.onIkeInspection(entry, e) };
  }

  /**
   * The hub became active: attach to the XState system of every live actor created while it
   * was not (XState calls an inspection observer for every event, action and microstep, so
   * none is attached while nobody listens). Detached when the hub goes quiet again.
   */
  private activate(): void {
    for (const h of this.sup.ikeSas) {
      const entry = this.byId.get(`ike:${h.uniqueid}`);
      if (entry && !entry.attached) {
        entry.root = h.actor;
        entry.attached = true;
        this.detach.push(h.actor.system.inspect((e) => this.onIkeInspection(entry, e)));
      }
      for (const c of h.children) {
        const child = this.children.get(c.record);
        if (!child || child.attached) continue;
        child.root = c.lifecycle;
        child.attached = true;
        this.detach.push(c.lifecycle.system.inspect((e) => this.onChildInspection(child, e)));
      }
    }
  }

  private deactivate(): void {
    for (const d of this.detach.splice(0)) d.unsubscribe();
    for (const e of this.byId.values()) if (e.attached === true) e.attached = false;
    for (const h of this.sup.ikeSas)
      for (const c of h.children) {
        const child = this.children.get(c.record);
        if (child?.attached === true) child.attached = false;
      }
  }

  private sessionOf(entry: IkeEntry): IkeSession {
    return entry.handle()?.actor.getSnapshot().context.session ?? entry.session;
  }

  private announce(entry: IkeEntry): void {
    this.announceSupervisor();
    if (entry.announced) return;
    entry.announced = true;
    this.hub.publish({
      kind: 'actor.created',
      actor: entry.id,
      actorKind: 'ike-sa',
      parent: GLOBAL,
      machine: 'ikeSa',
      ike: ikeSummary(this.sessionOf(entry), entry.handle(), entry.createdAt, this.hub.keys),
    });
  }

  private onIkeInspection(entry: IkeEntry, e: XStateInspectionEvent): void {
    if (e.type === '@xstate.actor') entry.root ??= e.actorRef;
    if (!this.hub.active || e.actorRef !== entry.root) return;
    this.announce(entry);
    if (e.type === '@xstate.event') {
      this.hub.publish({ kind: 'actor.event', actor: entry.id, event: safeEvent(e.event) });
    } else if (e.type === '@xstate.snapshot') {
      this.flush(entry);
      const s = e.snapshot as { value?: unknown; status: string; context?: { session: IkeSession } };
      const session = s.context?.session ?? entry.session;
      const ike = ikeSummary(session, entry.handle(), entry.createdAt, this.hub.keys);
      this.hub.publish({ kind: 'actor.snapshot', actor: entry.id, value: s.value, status: s.status, ike });
      if (ike.state !== entry.lastState) {
        entry.lastState = ike.state;
        this.counters(false);
      }
    }
  }

  /** The options of a Child SA's lifecycle (actors/child-lifecycle.ts; see ikeSa). */
  childSa(ike: IkeSaHandle, uniqueid: number, record: ChildSaRecord): { inspect?: ChildLifecycleObserver } {
    const child: ChildEntry = {
      id: `child:${ike.uniqueid}:${uniqueid}`,
      parent: `ike:${ike.uniqueid}`,
      record,
      announced: false,
    };
    this.children.set(record, child);
    if (!this.hub.active) return {};
    child.attached = 'option';
    return { inspect: (e) => this.onChildInspection(child, e) };
  }

  private onChildInspection(child: ChildEntry, e: ChildLifecycleInspection): void {
    if (e.type === '@xstate.actor') child.root ??= e.actorRef;
    if (!this.hub.active || e.actorRef !== child.root) return;
    this.childIds.set(e.actorRef, child.id);
    this.announceSupervisor();
    if (!child.announced) {
      child.announced = true;
      this.hub.publish({
        kind: 'actor.created',
        actor: child.id,
        actorKind: 'child-sa',
        parent: child.parent,
        machine: 'childSa',
        child: childSummary(child.record, 'INSTALLING', this.hub.keys),
      });
    }
    if (e.type === '@xstate.event') {
      this.hub.publish({ kind: 'actor.event', actor: child.id, event: safeEvent(e.event) });
    } else if (e.type === '@xstate.snapshot') {
      const s = e.snapshot;
      const state = typeof s.value === 'string' ? s.value.toUpperCase() : String(s.value);
      const summary = childSummary(child.record, state, this.hub.keys);
      this.hub.publish({
        kind: 'actor.snapshot',
        actor: child.id,
        value: s.value,
        status: s.status,
        child: summary,
      });
      if (s.status !== 'active') this.hub.publish({ kind: 'actor.stopped', actor: child.id });
    }
  }

  private onSupervisorEvent(e: SupervisorEvent): void {
    if (e.type !== 'ike-failed' && e.type !== 'ike-closed') return;
    const id = `ike:${e.handle.uniqueid}`;
    const entry = this.byId.get(id);
    if (entry && this.hub.active) {
      this.flush(entry);
      if (entry.announced) this.hub.publish({ kind: 'actor.stopped', actor: id });
      this.counters(false);
    }
    this.byId.delete(id);
    this.whole.forget(id);
    const spi = e.handle.ourSpi;
    if (this.bySpi.get(spi) === entry) this.bySpi.delete(spi);
  }

  // ---- datagrams ----

  /** `o` with its IKE datagrams in and out seen by the inspector. */
  wrap(o: SupervisorOptions): SupervisorOptions {
    this.backend = o.backend;
    const source = o.ikeIn$;
    return {
      ...o,
      ikeIn$: new Observable((sub) =>
        source.subscribe({
          next: (d) => {
            if (!this.hub.active) return sub.next(d);
            const after = this.inbound(d);
            sub.next(d);
            after();
          },
          error: (err) => sub.error(err),
          complete: () => sub.complete(),
        }),
      ),
      send: (data, from, to, natT) => {
        if (this.hub.active) this.outbound(data, from, to);
        o.send(data, from, to, natT);
      },
    };
  }

  private entryFor(h: IkeHeader, ourSpiIsInitiators: boolean): IkeEntry | undefined {
    return this.bySpi.get(toHex(ourSpiIsInitiators ? h.spiI : h.spiR));
  }

  private outbound(data: Uint8Array, from: Endpoint, to: Endpoint): void {
    const d = decodeMessage(data);
    if (!d.ok) return; // a NAT-keepalive (RFC 3948 §2.3) is not an IKE message
    const h = d.value.header;
    const entry = this.entryFor(h, isInitiator(h)); // we set the I flag if we initiated the IKE SA
    // SK or SKF sent in the step that creates the keys: shown once the snapshot holds them.
    if (entry && d.value.sk && !this.sessionOf(entry).sk) {
      entry.pending.push({ decoded: d.value, raw: data, local: from, remote: to });
      return;
    }
    this.message('out', entry, d.value, data, from, to);
  }

  private flush(entry: IkeEntry): void {
    for (const p of entry.pending.splice(0)) this.message('out', entry, p.decoded, p.raw, p.local, p.remote);
  }

  private message(
    direction: 'in' | 'out',
    entry: IkeEntry | undefined,
    decoded: DecodedMessage,
    raw: Uint8Array,
    local: Endpoint,
    remote: Endpoint,
  ): string | undefined {
    if (entry) this.announce(entry);
    else this.announceSupervisor();
    const sk = entry ? this.sessionOf(entry).sk : undefined;
    const view = describeIkeMessage(decoded, raw, sk);
    const h = decoded.header;
    const key = `${direction}|${toHex(h.spiI)}|${toHex(h.spiR)}|${h.messageId}|${h.flags}|${h.exchangeType}|${view.fragment?.number ?? 0}`;
    const retransmission = this.seen.repeated(key, raw);
    this.hub.publish({
      kind: 'ike.message',
      ...(entry ? { actor: entry.id } : {}),
      direction,
      local: endpoint(local),
      remote: endpoint(remote),
      ...view,
      retransmission,
    });
    // RFC 7383: the last fragment of a message also shows the whole message, decoded.
    const whole =
      entry && sk && view.fragment ? this.whole.add(entry.id, direction, decoded, raw, sk) : undefined;
    if (whole)
      this.hub.publish({
        kind: 'ike.message',
        actor: entry!.id,
        direction,
        local: endpoint(local),
        remote: endpoint(remote),
        exchange: view.exchange,
        messageId: view.messageId,
        response: view.response,
        initiatorFlag: view.initiatorFlag,
        length: whole.length,
        retransmission: false,
        payloads: whole.payloads,
        reassembled: { fragments: whole.fragments },
      });
    return view.opaque;
  }

  /** Publishes the inbound datagram; returns what to do once the router has handled it. */
  private inbound(datagram: {
    data: Uint8Array;
    local: Endpoint;
    remote: Endpoint;
    natT?: boolean;
  }): () => void {
    let data = datagram.data;
    const { local, remote } = datagram;
    // The non-ESP marker, as the router strips it (RFC 3948 §2.2).
    if (!datagram.natT && local.port !== IKE_PORT && remote.port !== IKE_PORT && data.length >= 4)
      if (data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 0) data = data.subarray(4);
    const d = decodeMessage(data);
    const entry = d.ok ? this.entryFor(d.value.header, !isInitiator(d.value.header)) : undefined;
    const opaque = d.ok ? this.message('in', entry, d.value, data, local, remote) : undefined;
    const dropsSince = watchDrops(this.sup.counters, entry?.handle(), d, opaque);
    return () => {
      const drops = dropsSince();
      for (const drop of drops)
        this.hub.publish({
          kind: 'ike.drop',
          ...(entry ? { actor: entry.id } : {}),
          remote: endpoint(remote),
          ...drop,
        });
      this.counters(drops.length > 0);
    };
  }

  /** A counters event when they changed: at once after a drop, else at most once a second. */
  private counters(force: boolean): void {
    if (!this.hub.active) return;
    if (!force && this.now - this.lastCountersAt < COUNTERS_INTERVAL_MS) return;
    const event = countersEvent(this.sup);
    const text = JSON.stringify(event);
    if (text === this.lastCounters) return;
    this.lastCounters = text;
    this.lastCountersAt = this.now;
    this.hub.publish(event);
  }

  private tree(): ActorNode[] {
    return actorTree(
      this.sup,
      this.hub.keys,
      (id) => this.byId.get(id)?.createdAt,
      (lifecycle) => this.childIds.get(lifecycle),
      (c) => (this.backend ? childTraffic(this.backend, c) : undefined),
    );
  }
}
