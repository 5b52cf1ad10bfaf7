/**
 * The ESP data path as RxJS streams over the SAD and SPD actors' tables. Packets never
 * become XState events: each stage reads the tables synchronously, and every packet leaves
 * either on an output or as one counted drop (esp-counters.ts, reason in brackets).
 *
 * Outbound (send(packet) / connect(app$)), RFC 4301 §5.1:
 *   1. parse        the inner IP packet's selector fields (Flow)                [malformed]
 *   2. SPD          first 'out' rule; none or DISCARD: drop                     [no-policy, discard-policy]
 *                   BYPASS: out in clear on the raw IP link (ends here)         [no-route]
 *   3. SA           newest outbound SA of the rule's reqid covering the packet; none: hold the
 *                   packet and raise 'ipsec.acquire' once per reqid (esp-acquire.ts)   [queue-full]
 *   4. encrypt      size check (pathMtu set): an IPv4 DF or IPv6 packet whose outer packet would
 *                   exceed the path MTU is answered with ICMP too big on tooBig$ (RFC 1191,
 *                   RFC 8201; ipsec/packet/too-big.ts)                           [too-big]
 *                   espEncapsulate - tunnel: the whole packet, Next Header 4/41; transport:
 *                   the upper-layer payload, Next Header = its protocol (RFC 4303 §2.6);
 *                   sequence number and lifetime accounting            [sa-expired, encrypt-failed]
 *   5. encapsulate  encap: the ESP packet is the UDP payload between the SA's ports (RFC 3948
 *                   §2.1); otherwise an outer IP header, protocol 50, for the raw IP link  [no-route]
 *   6. transport    one send per packet; then the SA's volume lifetimes are checked
 *
 * Inbound (transport datagrams and raw IP packets), RFC 4301 §5.2:
 *   1. classify     NAT-T port: keepalive (counted, discarded) | non-ESP marker: IKE -> ike$ |
 *                   ESP (RFC 3948 §2); other ports: IKE -> ike$; raw IP: protocol 50 is ESP,
 *                   anything else takes the clear path below                    [malformed]
 *   2. SPI lookup   SAD inbound by SPI (RFC 4303 §3.4.2)                         [no-sa]
 *   3. replay check \
 *   4. verify/decrypt > espDecapsulate, in this order (RFC 4303 §3.4.3, §3.4.4)
 *   5. replay commit /      [replay, icv, padding, dummy, malformed, sa-expired]
 *                   then the SA's volume lifetimes are checked (the packet was within them)
 *   6. rebuild      transport mode: the IP header from the SA's endpoints; with UDP encapsulation
 *                   the inner checksum is recomputed for them (RFC 3948 §3.1.2)    [malformed]
 *   7. policy check the inner packet must match the SA's selectors (RFC 4301 §5.2 step 4)
 *                                                                                [policy-mismatch]
 *   8. deliver      delivered$
 *   Clear path (RFC 4301 §5.2 step 3a): 'in' rule BYPASS -> deliver; PROTECT -> [clear-protected];
 *                   DISCARD -> [discard-policy]; none -> [no-policy]
 */
import { filter, map, merge, type Observable, Subject, type Subscription, share } from 'rxjs';
import { espDecapsulate, espEncapsulate, espMaxPayload, espPacketLength } from '../ipsec/esp/esp.js';
import type { EspSa } from '../ipsec/esp/sa.js';
import { classifyNatTDatagram, fixTransportChecksum, NAT_T_PORT } from '../ipsec/esp/udp-encap.js';
import { extractFlow, type Flow } from '../ipsec/packet/flow.js';
import { decodeIp, tunnelNextHeader } from '../ipsec/packet/ip.js';
import { buildIpv4, IPV4_MIN_HEADER_LENGTH } from '../ipsec/packet/ipv4.js';
import { buildIpv6, IPV6_HEADER_LENGTH } from '../ipsec/packet/ipv6.js';
import { IpProto } from '../ipsec/packet/proto.js';
import { mustNotFragment, tooBigError } from '../ipsec/packet/too-big.js';
import type { LifetimeCause } from '../ipsec/policy/lifetime.js';
import { type SadEntry, type SaEndpoint, sameEndpoint } from '../ipsec/policy/sad.js';
import { flowMatches } from '../ipsec/policy/selector.js';
import type { Policy } from '../ipsec/policy/spd.js';
import type { Datagram } from '../transport/types.js';
import { AcquireTable } from './esp-acquire.js';
import { Counters, type DataPlaneCounters } from './esp-counters.js';
import type { EspPipelineOptions, IkeDatagram, InboundPacket, TooBig } from './esp-pipeline-types.js';
import { type AcquireEvent, type IpsecEvent, type MappingEvent, spiToBytes } from './ipsec-backend.js';
import type { SadNotice } from './sad.js';

export type {
  EspPipelineOptions,
  IkeDatagram,
  InboundPacket,
  RawIpLink,
  TooBig,
} from './esp-pipeline-types.js';

interface Outbound {
  readonly packet: Uint8Array;
  readonly flow: Flow;
  readonly policy: Policy;
}
interface Protected {
  readonly sa: SadEntry;
  readonly esp: Uint8Array;
}
type Received =
  /** `from`: the UDP source of ESP-in-UDP (RFC 3948), for NAT mapping changes. */
  | { readonly kind: 'esp'; readonly packet: Uint8Array; readonly from?: SaEndpoint }
  | { readonly kind: 'clear'; readonly packet: Uint8Array };
interface Decrypted {
  readonly sa: SadEntry;
  readonly inner: Uint8Array;
}

const isDefined = <T>(v: T | undefined): v is T => v !== undefined;

function hardCause(esp: EspSa): LifetimeCause {
  const limit = esp.hardLimits.packets;
  return limit !== undefined && esp.lifetime.packets >= limit ? 'packets' : 'bytes';
}

export class EspPipeline {
  readonly #counters = new Counters();
  readonly #outbound$ = new Subject<Uint8Array>();
  readonly #delivered$ = new Subject<InboundPacket>();
  readonly #ike$ = new Subject<IkeDatagram>();
  readonly #acquires$ = new Subject<AcquireEvent>();
  readonly #events$ = new Subject<MappingEvent>();
  /** The last new source reported per inbound SA (#checkMapping). */
  readonly #mappings = new WeakMap<SadEntry, string>();
  readonly #tooBig$ = new Subject<TooBig>();
  readonly #acquire: AcquireTable;
  readonly #subscriptions: Subscription[] = [];
  readonly #natTPort: number;

  readonly delivered$: Observable<InboundPacket> = this.#delivered$.asObservable();
  readonly ike$: Observable<IkeDatagram> = this.#ike$.asObservable();
  /** Inner packets refused for their size, with the ICMP error to hand back to their sender. */
  readonly tooBig$: Observable<TooBig> = this.#tooBig$.asObservable();
  /** Acquires from the outbound path and soft/hard expiries from the SAD actor. */
  readonly events$: Observable<IpsecEvent>;

  constructor(private readonly options: EspPipelineOptions) {
    const { sad, transport, rawIp, clock } = options;
    this.#natTPort = options.natTPort ?? NAT_T_PORT;
    this.#acquire = new AcquireTable({
      clock,
      ...(options.acquireQueueLimit !== undefined ? { queueLimit: options.acquireQueueLimit } : {}),
      ...(options.acquireTimeoutMs !== undefined ? { timeoutMs: options.acquireTimeoutMs } : {}),
      raise: (e) => this.#acquires$.next(e),
      drop: (reason, n) => this.#counters.drop(reason, n),
    });
    this.events$ = merge(
      this.#acquires$,
      this.#events$,
      sad.events$.pipe(
        filter((n: SadNotice): n is Extract<SadNotice, IpsecEvent> => n.type === 'ipsec.expire'),
      ),
    );

    const outbound = this.#outbound$
      .pipe(
        map((packet) => this.#policyStage(packet)), // 1-2
        filter(isDefined),
        map((o) => this.#saStage(o)), // 3
        filter(isDefined),
        map((o) => this.#encryptStage(o.packet, o.sa)), // 4
        filter(isDefined),
      )
      .subscribe((p) => this.#sendStage(p)); // 5-6

    const received$ = merge(
      transport.datagrams$.pipe(map((d) => this.#classifyDatagram(d))),
      rawIp ? rawIp.packets$.pipe(map((p) => this.#classifyRaw(p))) : [],
    ).pipe(filter(isDefined), share()); // 1, shared by the ESP and the clear branch
    const clear = received$
      .pipe(filter((r) => r.kind === 'clear'))
      .subscribe((r) => this.#clearStage(r.packet));
    const inbound = received$
      .pipe(
        filter((r) => r.kind === 'esp'),
        map((r) => this.#spiStage(r)), // 2
        filter(isDefined),
        map((s) => this.#decryptStage(s.sa, s.packet, s.from)), // 3-6
        filter(isDefined),
        filter((d) => this.#policyCheckStage(d)), // 7
      )
      .subscribe((d) => this.#deliverStage(d)); // 8

    const installed = sad.events$.subscribe((n) => {
      if (n.type === 'sa.installed' && n.entry.direction === 'out') this.#releaseHeld(n.entry.reqid);
    });
    this.#subscriptions.push(outbound, clear, inbound, installed);
  }

  /** One application packet into the outbound path. */
  send(packet: Uint8Array): void {
    this.#outbound$.next(packet);
  }

  /** Feeds a stream of application packets into the outbound path. */
  connect(app$: Observable<Uint8Array>): Subscription {
    const sub = app$.subscribe((p) => this.send(p));
    this.#subscriptions.push(sub);
    return sub;
  }

  /** IKE could not set up the SA an acquire asked for. */
  acquireFailed(reqid: number): void {
    this.#acquire.fail(reqid);
  }

  isAcquirePending(reqid: number): boolean {
    return this.#acquire.isPending(reqid);
  }

  counters(): DataPlaneCounters {
    return this.#counters.snapshot();
  }

  close(): void {
    for (const s of this.#subscriptions) s.unsubscribe();
    this.#outbound$.complete();
    this.#delivered$.complete();
    this.#ike$.complete();
    this.#acquires$.complete();
    this.#tooBig$.complete();
  }

  // ---- outbound ----

  #policyStage(packet: Uint8Array): Outbound | undefined {
    const flow = extractFlow(packet);
    if (!flow.ok) return this.#drop('malformed');
    const policy = this.options.spd.table.lookup('out', flow.value);
    if (!policy) return this.#drop('no-policy');
    switch (policy.action) {
      case 'DISCARD':
        return this.#drop('discard-policy');
      case 'BYPASS':
        if (!this.options.rawIp) return this.#drop('no-route');
        this.options.rawIp.send(packet);
        this.#counters.totals.outBypassed++;
        return undefined;
      case 'PROTECT':
        return { packet, flow: flow.value, policy };
    }
  }

  #saStage(o: Outbound): { packet: Uint8Array; sa: SadEntry } | undefined {
    const sa = this.options.sad.table.outbound(o.policy.reqid!, o.flow);
    if (sa) return { packet: o.packet, sa };
    if (this.#acquire.hold(o.policy, o.flow, o.packet) === 'queue-full') return this.#drop('queue-full');
    this.#counters.totals.queued++;
    return undefined;
  }

  #encryptStage(packet: Uint8Array, sa: SadEntry): Protected | undefined {
    let payload = packet;
    let nextHeader: number | undefined;
    if (sa.mode === 'tunnel') {
      nextHeader = tunnelNextHeader(packet); // RFC 4303 §2.6: 4 (IPv4) or 41 (IPv6)
    } else {
      const ip = decodeIp(packet, { verifyChecksum: false });
      if (!ip.ok) return this.#drop('malformed');
      payload = ip.value.payload; // the upper-layer segment; IPv6 extension headers are not kept
      nextHeader = ip.value.protocol;
    }
    if (nextHeader === undefined) return this.#drop('malformed');
    if (this.options.pathMtu !== undefined && this.#tooBig(packet, payload, sa)) return this.#drop('too-big');
    const esp = espEncapsulate(sa.esp, payload, nextHeader);
    if (!esp.ok) {
      switch (esp.error.code) {
        case 'sequence-overflow':
          this.options.sad.expireNow(sa, 'sequence'); // RFC 4303 §3.3.3
          return this.#drop('sa-expired');
        case 'lifetime-expired':
        case 'sa-dead':
          this.options.sad.expireNow(sa, hardCause(sa.esp));
          return this.#drop('sa-expired');
        default:
          return this.#drop('encrypt-failed');
      }
    }
    return { sa, esp: esp.value };
  }

  /**
   * Stage 4's size check: whether the packet may not be fragmented and its outer packet would
   * exceed pathMtu; if so the ICMP error goes out on tooBig$ (none where the RFCs forbid one).
   */
  #tooBig(packet: Uint8Array, payload: Uint8Array, sa: SadEntry): boolean {
    const pathMtu = this.options.pathMtu!;
    const outerHeaders =
      (sa.srcAddress.length === 4 ? IPV4_MIN_HEADER_LENGTH : IPV6_HEADER_LENGTH) + (sa.encap ? 8 : 0); // RFC 3948 §2.1: UDP header
    if (outerHeaders + espPacketLength(sa.esp, payload.length) <= pathMtu) return false;
    if (!mustNotFragment(packet)) return false;
    // tunnel mode: the inner packet is the payload; transport mode: its IP header is rebuilt outside
    const mtu = espMaxPayload(sa.esp, pathMtu - outerHeaders) + (packet.length - payload.length);
    const icmp = tooBigError(packet, mtu);
    if (icmp) this.#tooBig$.next({ packet, mtu, icmp });
    return true;
  }

  #sendStage({ sa, esp }: Protected): void {
    if (sa.encap) {
      this.options.transport.send(esp, sa.src, sa.dst); // RFC 3948 §2.1: ESP as the UDP payload
    } else {
      const raw = this.options.rawIp;
      if (!raw) {
        this.#drop('no-route');
        return;
      }
      const outer =
        sa.srcAddress.length === 4
          ? buildIpv4({ src: sa.srcAddress, dst: sa.dstAddress, protocol: IpProto.ESP, payload: esp })
          : buildIpv6({ src: sa.srcAddress, dst: sa.dstAddress, nextHeader: IpProto.ESP, payload: esp });
      raw.send(outer);
    }
    this.#counters.totals.outProtected++;
    sa.lastUsedAt = this.options.clock.now();
    this.options.sad.afterPacket(sa);
  }

  #releaseHeld(reqid: number): void {
    for (const packet of this.#acquire.release(reqid)) {
      this.#counters.totals.released++;
      this.#outbound$.next(packet);
    }
  }

  // ---- inbound ----

  #classifyDatagram(d: Datagram): Received | undefined {
    if (d.local.port !== this.#natTPort) {
      this.#toIke(d, d.data, false);
      return undefined;
    }
    const c = classifyNatTDatagram(d.data);
    if (!c.ok) return this.#drop('malformed');
    switch (c.value.kind) {
      case 'keepalive':
        this.#counters.totals.keepalives++; // RFC 3948 §2.3: discard
        return undefined;
      case 'ike':
        this.#toIke(d, c.value.message, true);
        return undefined;
      case 'esp':
        return { kind: 'esp', packet: c.value.packet, from: d.remote };
    }
  }

  #classifyRaw(packet: Uint8Array): Received | undefined {
    const ip = decodeIp(packet);
    if (!ip.ok) return this.#drop('malformed');
    if (ip.value.protocol === IpProto.ESP) return { kind: 'esp', packet: ip.value.payload };
    return { kind: 'clear', packet };
  }

  #toIke(d: Datagram, message: Uint8Array, natT: boolean): void {
    this.#counters.totals.ike++;
    this.#ike$.next({ data: message, local: d.local, remote: d.remote, natT });
  }

  #clearStage(packet: Uint8Array): void {
    const flow = extractFlow(packet);
    if (!flow.ok) {
      this.#drop('malformed');
      return;
    }
    const policy = this.options.spd.table.lookup('in', flow.value);
    if (!policy) this.#drop('no-policy');
    else if (policy.action === 'DISCARD') this.#drop('discard-policy');
    else if (policy.action === 'PROTECT') this.#drop('clear-protected');
    else {
      this.#counters.totals.inBypassed++;
      this.#delivered$.next({ packet });
    }
  }

  #spiStage({ packet, from }: Received & { kind: 'esp' }) {
    if (packet.length < 8) return this.#drop('malformed');
    const spi = ((packet[0]! << 24) | (packet[1]! << 16) | (packet[2]! << 8) | packet[3]!) >>> 0;
    const sa = this.options.sad.table.inbound(spi);
    return sa ? { sa, packet, from } : this.#drop('no-sa');
  }

  /**
   * An authenticated ESP-in-UDP packet from another source than its SA's (a NAT mapping changed,
   * RFC 3948 with RFC 7296 §2.23): 'ipsec.mapping', once per new source and SA, as the kernel's
   * XFRM_MSG_MAPPING. Checked after the ICV only: a forged source moves nothing.
   */
  #checkMapping(sa: SadEntry, from: SaEndpoint | undefined): void {
    if (!from || !sa.encap || sameEndpoint(from, sa.src)) return;
    const key = `${from.address}|${from.port}`;
    if (this.#mappings.get(sa) === key) return;
    this.#mappings.set(sa, key);
    this.#counters.totals.mappings++;
    this.#events$.next({
      type: 'ipsec.mapping',
      spi: spiToBytes(sa.spi),
      reqid: sa.reqid,
      remote: { address: from.address, port: from.port },
    });
  }

  #decryptStage(sa: SadEntry, packet: Uint8Array, from?: SaEndpoint): Decrypted | undefined {
    const result = espDecapsulate(sa.esp, packet);
    if (!result.ok) {
      const reason = result.error.reason;
      if (reason === 'dummy') {
        this.options.sad.afterPacket(sa); // authenticated and counted by ESP
        return this.#drop('dummy');
      }
      if (reason === 'sa-dead' || reason === 'lifetime-expired') {
        this.options.sad.expireNow(sa, hardCause(sa.esp));
        return this.#drop('sa-expired');
      }
      return this.#drop(
        reason === 'replay' || reason === 'icv' || reason === 'padding' ? reason : 'malformed',
      );
    }
    this.options.sad.afterPacket(sa);
    this.#checkMapping(sa, from);
    const { payload, nextHeader } = result.value;
    if (sa.mode === 'tunnel') return { sa, inner: payload };
    let segment = payload;
    const addresses = { src: sa.srcAddress, dst: sa.dstAddress };
    if (sa.encap) {
      const fixed = fixTransportChecksum(payload, nextHeader, addresses, { kind: 'recompute' });
      if (!fixed.ok) return this.#drop('malformed');
      segment = fixed.value;
    }
    const inner =
      addresses.src.length === 4
        ? buildIpv4({ ...addresses, protocol: nextHeader, payload: segment })
        : buildIpv6({ ...addresses, nextHeader, payload: segment });
    return { sa, inner };
  }

  #policyCheckStage(d: Decrypted): boolean {
    const flow = extractFlow(d.inner);
    const reason = !flow.ok
      ? 'malformed'
      : flowMatches(flow.value, false, d.sa.localTs, d.sa.remoteTs)
        ? undefined
        : 'policy-mismatch';
    if (reason) this.#counters.drop(reason);
    return reason === undefined;
  }

  #deliverStage({ sa, inner }: Decrypted): void {
    this.#counters.totals.inProtected++;
    sa.lastUsedAt = this.options.clock.now();
    this.#delivered$.next({ packet: inner, spi: sa.spi, reqid: sa.reqid });
  }

  #drop(reason: Parameters<Counters['drop']>[0]): undefined {
    this.#counters.drop(reason);
    return undefined;
  }
}
