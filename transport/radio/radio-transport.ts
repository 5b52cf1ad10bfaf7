/**
 * The Transport seam over one node's 802.15.4 radio: UDP datagrams in IPv6, compressed by
 * 6LoWPAN (RFC 6282 IPHC + UDP NHC), fragmented per RFC 4944 when over one frame, routed over
 * static next hops (route-over, as Contiki's uIP: every hop reassembles, decompresses, decrements
 * the hop limit and sends the datagram on compressed for its own link).
 *
 * Outbound (send): bound source? -> destination in the addressing plan -> size limit -> UDP
 *   (checksum) + IPv6 (hop limit 64) -> next hop -> IPHC/NHC for (us, next hop) -> FRAG1/FRAGN
 *   -> radio, one frame after the other succeeded (a failed fragment aborts the datagram).
 * Inbound (frame): dispatch -> FRAG1 headers expanded / FRAGN -> reassembly by (link source,
 *   link destination, datagram_size, datagram_tag) -> IPv6 decode -> ours? UDP checksum ->
 *   bound port -> datagrams$ ; not ours: hop limit -> next hop -> outbound from IPHC on.
 *
 * Nothing here imports node: modules; time is the injected Clock, randomness injected.
 */
import { type Observable, Subject } from 'rxjs';
import type { RandomBytes } from '../../ipsec/crypto/types.js';
import { formatIpv6, parseIpv6 } from '../../ipsec/packet/address.js';
import {
  buildIpv6,
  decodeIpv6,
  IPV6_DEFAULT_HOP_LIMIT,
  IPV6_HEADER_LENGTH,
} from '../../ipsec/packet/ipv6.js';
import { IpProto } from '../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp, UDP_HEADER_LENGTH, verifyUdpChecksum } from '../../ipsec/packet/udp.js';
import type { Clock } from '../../ipsec/util/clock.js';
import { type Datagram, type Endpoint, endpointKey, type Transport } from '../types.js';
import {
  DEFAULT_RADIO_PREFIX,
  parseRadioPrefix,
  radioContexts,
  radioIpv6,
  shortAddressOf,
} from './addressing.js';
import { DatagramQueue } from './datagram-queue.js';
import { decodeFrame, encodeDatagram } from './sixlowpan/adaptation.js';
import type { SixlowpanErrorCode } from './sixlowpan/errors.js';
import { compressHeaders } from './sixlowpan/headers.js';
import type { ContextTable } from './sixlowpan/iphc.js';
import { DEFAULT_MAX_DATAGRAM_SIZE, Reassembler, type ReassemblyStats } from './sixlowpan/reassembly.js';
import { BROADCAST_ADDRESS, type RadioInterface, type ReceivedFrame, type ShortAddress } from './types.js';

const ALL_NODES = parseIpv6('ff02::1')!; // RFC 4291 §2.7.1, link-local all-nodes

export interface RadioTransportOptions {
  readonly radio: RadioInterface;
  readonly clock: Clock;
  /** Our endpoints (address: this node's address in the plan, e.g. fd00::ff:fe00:1 port 500). */
  readonly endpoints: readonly Endpoint[];
  /** Static routes: the neighbour to send a datagram for `dst` to; undefined: unroutable. */
  readonly nextHop: (dst: ShortAddress) => ShortAddress | undefined;
  /** Labels the frames of a datagram (the simulator attributes air bytes with it). */
  readonly tagOf?: (data: Uint8Array, from: Endpoint, to: Endpoint) => string | undefined;
  /** The /64 of the plan, context 0 (default fd00::/64). */
  readonly prefix?: string;
  /** Replaces the context table (default: the prefix as context 0). */
  readonly contexts?: ContextTable;
  /** Hop Limit of the datagrams we originate (default 64). */
  readonly hopLimit?: number;
  /** Seeds the first datagram_tag (else 0). */
  readonly random?: RandomBytes;
  /** Largest IPv6 datagram sent or reassembled (default 1280, at most 2047). */
  readonly maxDatagramSize?: number;
  readonly maxReassemblies?: number;
  readonly reassemblyTimeoutMs?: number;
  /** Datagrams waiting for the radio, beyond which sends are dropped (default 32). */
  readonly maxQueuedDatagrams?: number;
  /**
   * Milliseconds between a frame acknowledged and our next frame (default none): pacing for
   * multi-hop chains, see datagram-queue.ts.
   */
  readonly interFrameGapMs?: (octets: number) => number;
}

export type RadioDropReason =
  | 'unroutable' // no next hop, or a destination outside the addressing plan
  | 'tooBig' // over maxDatagramSize on send
  | 'unboundSource' // send from an endpoint not bound here
  | 'reassemblyTimeout'
  | 'decodeError' // malformed 6LoWPAN, IPv6 or UDP (by code in decodeErrors)
  | 'badChecksum'
  | 'notUdp' // for us, but not UDP
  | 'noListener' // for us, to a port not bound
  | 'hopLimit' // would be forwarded with hop limit 0 (RFC 8200 §3)
  | 'txFailure' // a frame ended CHANNEL_ACCESS_FAILURE or TRX_OFF (the datagram's other frames are not sent)
  | 'queueFull'; // maxQueuedDatagrams already waiting for the radio

export interface RadioTransportStats {
  /** Datagrams we originated and handed to the radio. */
  readonly datagramsSent: number;
  /** Datagrams emitted on datagrams$. */
  readonly datagramsReceived: number;
  readonly datagramsForwarded: number;
  /** Datagrams (originated or forwarded) that needed FRAG1/FRAGN. */
  readonly datagramsFragmented: number;
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Frames that ended NO_ACK: delivered or not, the rest of their datagram was sent. */
  readonly framesUnacknowledged: number;
  /** Octets of compressed IPv6 + UDP headers sent (IPHC + NHC, once per datagram). */
  readonly headerBytes: number;
  /** Octets of FRAG1 / FRAGN headers sent. */
  readonly fragmentHeaderBytes: number;
  readonly drops: Readonly<Record<RadioDropReason, number>>;
  readonly decodeErrors: Readonly<Partial<Record<SixlowpanErrorCode | 'ipv6' | 'udp', number>>>;
  readonly reassembly: Readonly<ReassemblyStats>;
}

const newDrops = (): Record<RadioDropReason, number> => ({
  unroutable: 0,
  tooBig: 0,
  unboundSource: 0,
  reassemblyTimeout: 0,
  decodeError: 0,
  badChecksum: 0,
  notUdp: 0,
  noListener: 0,
  hopLimit: 0,
  txFailure: 0,
  queueFull: 0,
});

export class RadioTransport implements Transport {
  readonly datagrams$: Observable<Datagram>;
  private readonly subject = new Subject<Datagram>();
  private readonly radio: RadioInterface;
  private readonly clock: Clock;
  private readonly prefix: Uint8Array;
  private readonly contexts: ContextTable;
  private readonly address: Uint8Array;
  private readonly ports: Set<number>;
  private readonly reassembler: Reassembler;
  private readonly maxDatagramSize: number;
  private readonly hopLimit: number;
  private tag: number;
  private closed = false;
  private readonly queue: DatagramQueue;
  private readonly counts = {
    datagramsSent: 0,
    datagramsReceived: 0,
    datagramsForwarded: 0,
    datagramsFragmented: 0,
    framesSent: 0,
    framesReceived: 0,
    framesUnacknowledged: 0,
    headerBytes: 0,
    fragmentHeaderBytes: 0,
  };
  private readonly drops = newDrops();
  private readonly decodeErrors: Partial<Record<SixlowpanErrorCode | 'ipv6' | 'udp', number>> = {};

  constructor(private readonly options: RadioTransportOptions) {
    this.radio = options.radio;
    this.clock = options.clock;
    this.prefix = parseRadioPrefix(options.prefix ?? DEFAULT_RADIO_PREFIX);
    this.contexts = options.contexts ?? radioContexts(this.prefix);
    this.address = radioIpv6(this.radio.address, this.prefix);
    this.hopLimit = options.hopLimit ?? IPV6_DEFAULT_HOP_LIMIT; // 64, which IPHC elides (RFC 6282 §3.1.1 HLIM=10)
    this.maxDatagramSize = options.maxDatagramSize ?? DEFAULT_MAX_DATAGRAM_SIZE;
    this.queue = new DatagramQueue(
      this.radio,
      {
        frameSent: () => this.counts.framesSent++,
        datagramFailed: () => this.drops.txFailure++,
        frameUnacknowledged: () => this.counts.framesUnacknowledged++,
      },
      options.maxQueuedDatagrams,
      options.interFrameGapMs ? { clock: this.clock, gapMs: options.interFrameGapMs } : undefined,
    );
    this.reassembler = new Reassembler({
      clock: this.clock,
      maxDatagramSize: this.maxDatagramSize,
      ...(options.maxReassemblies !== undefined ? { maxReassemblies: options.maxReassemblies } : {}),
      ...(options.reassemblyTimeoutMs !== undefined ? { timeoutMs: options.reassemblyTimeoutMs } : {}),
    });
    const own = formatIpv6(this.address);
    for (const e of options.endpoints) {
      const a = parseIpv6(e.address);
      if (!a || formatIpv6(a) !== own)
        throw new Error(`endpoint ${endpointKey(e)} is not this node's ${own}`);
    }
    this.ports = new Set(options.endpoints.map((e) => e.port));
    const r = options.random?.(2);
    this.tag = r ? (r[0]! << 8) | r[1]! : 0;
    this.datagrams$ = this.subject.asObservable();
    this.radio.onReceive((frame) => this.receive(frame));
  }

  get stats(): RadioTransportStats {
    return {
      ...this.counts,
      drops: { ...this.drops, reassemblyTimeout: this.reassembler.stats.timeouts },
      decodeErrors: { ...this.decodeErrors },
      reassembly: { ...this.reassembler.stats },
    };
  }

  /** This node's IPv6 address in text. */
  get localAddress(): string {
    return formatIpv6(this.address);
  }

  send(data: Uint8Array, from: Endpoint, to: Endpoint): void {
    if (this.closed) return;
    const src = parseIpv6(from.address);
    if (!src || !equal(src, this.address) || !this.ports.has(from.port)) {
      this.drops.unboundSource++;
      return;
    }
    const dst = parseIpv6(to.address);
    if (!dst) {
      this.drops.unroutable++;
      return;
    }
    if (IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH + data.length > this.maxDatagramSize) {
      this.drops.tooBig++;
      return;
    }
    const udp = buildUdp({ src, dst, srcPort: from.port, dstPort: to.port, payload: data });
    const datagram = buildIpv6({ src, dst, nextHeader: IpProto.UDP, payload: udp, hopLimit: this.hopLimit });
    if (equal(dst, this.address)) {
      // Loopback, still asynchronous as from the air.
      this.counts.datagramsSent++;
      this.clock.setTimeout(() => this.deliver(datagram), 0);
      return;
    }
    const tag = this.options.tagOf?.(data, from, to);
    if (this.transmit(datagram, dst, tag)) this.counts.datagramsSent++;
  }

  /**
   * Octets the compressed IPv6 + UDP headers take in a datagram to `to` from `from` (default:
   * the largest over our bound endpoints) on its first hop: what the IKE layer subtracts from a
   * frame. With `hop: 'any'`, the largest on any hop of the path: a forwarding mote can no
   * longer derive the source from its link address nor elide the decremented hop limit.
   */
  headerOverhead(to: Endpoint, from?: Endpoint, hop: 'first' | 'any' = 'first'): number {
    const dst = parseIpv6(to.address);
    if (!dst) return IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH + 1; // uncompressed dispatch: an upper bound
    const next = this.linkDestination(dst);
    const links = [{ src: this.radio.address, dst: next ?? BROADCAST_ADDRESS, hopLimit: this.hopLimit }];
    const final = shortAddressOf(dst, this.prefix);
    if (hop === 'any' && final !== undefined && next !== final) {
      // A forwarded hop: link addresses that are neither endpoint's, hop limit decremented.
      const other = (a: number) => (a ^ 0x8000) & 0xffff;
      links.push({ src: other(this.radio.address), dst: other(final), hopLimit: this.hopLimit - 1 });
    }
    let most = 0;
    for (const port of from ? [from.port] : this.ports.size ? [...this.ports] : [0])
      for (const link of links) {
        const payload = buildUdp({
          src: this.address,
          dst,
          srcPort: port,
          dstPort: to.port,
          payload: new Uint8Array(0),
        });
        const d = buildIpv6({
          src: this.address,
          dst,
          nextHeader: IpProto.UDP,
          payload,
          hopLimit: link.hopLimit,
        });
        const c = compressHeaders(d, link, this.contexts);
        most = Math.max(most, c.ok ? c.value.header.length : d.length + 1);
      }
    return most;
  }

  /** The largest UDP payload to `to` that travels in one frame on the first hop (or, with 'any', on every hop). */
  maxDatagramWithoutFragmentation(to: Endpoint, from?: Endpoint, hop: 'first' | 'any' = 'first'): number {
    return this.radio.maxPayload - this.headerOverhead(to, from, hop);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.radio.onReceive(() => {});
    this.reassembler.clear();
    this.queue.stop();
    this.subject.complete();
  }

  /** The link-layer destination for an IPv6 destination: all-nodes is broadcast, plan addresses are routed. */
  private linkDestination(dst: Uint8Array): ShortAddress | undefined {
    if (equal(dst, ALL_NODES)) return BROADCAST_ADDRESS;
    const short = shortAddressOf(dst, this.prefix);
    return short === undefined ? undefined : this.options.nextHop(short);
  }

  /** Compresses, fragments and sends one IPv6 datagram towards `dst`; false if it was dropped. */
  private transmit(datagram: Uint8Array, dst: Uint8Array, tag: string | undefined): boolean {
    const next = this.linkDestination(dst);
    if (next === undefined) {
      this.drops.unroutable++;
      return false;
    }
    const encoded = encodeDatagram(
      datagram,
      { src: this.radio.address, dst: next },
      this.contexts,
      this.tag,
      this.radio.maxPayload,
    );
    if (!encoded.ok) {
      if (encoded.error.code === 'too-big') this.drops.tooBig++;
      else this.countDecodeError(encoded.error.code);
      return false;
    }
    const { frames, headerLength, fragmentHeaderLength } = encoded.value;
    if (!this.queue.push(next, frames, tag)) {
      this.drops.queueFull++;
      return false;
    }
    if (frames.length > 1) {
      this.tag = (this.tag + 1) & 0xffff; // RFC 4944 §5.3: incremented for successive fragmented datagrams
      this.counts.datagramsFragmented++;
    }
    this.counts.headerBytes += headerLength;
    this.counts.fragmentHeaderBytes += fragmentHeaderLength;
    return true;
  }

  private countDecodeError(code: SixlowpanErrorCode | 'ipv6' | 'udp'): void {
    this.drops.decodeError++;
    this.decodeErrors[code] = (this.decodeErrors[code] ?? 0) + 1;
  }

  private receive(frame: ReceivedFrame): void {
    if (this.closed) return;
    this.counts.framesReceived++;
    const r = decodeFrame(frame.payload, { src: frame.src, dst: frame.dst }, this.contexts, this.reassembler);
    if (!r.ok) {
      this.countDecodeError(r.error.code);
      return;
    }
    if (r.value) this.deliver(r.value);
  }

  /** A whole IPv6 datagram: up to us, or forwarded. */
  private deliver(datagram: Uint8Array): void {
    if (this.closed) return;
    const ip = decodeIpv6(datagram);
    if (!ip.ok) {
      this.countDecodeError('ipv6');
      return;
    }
    const p = ip.value;
    const ours = equal(p.dst, this.address) || equal(p.dst, ALL_NODES);
    if (!ours) {
      this.forward(datagram.subarray(0, IPV6_HEADER_LENGTH + p.payloadLength), p);
      return;
    }
    if (p.protocol !== IpProto.UDP) {
      this.drops.notUdp++;
      return;
    }
    const udp = decodeUdp(p.payload);
    if (!udp.ok) {
      this.countDecodeError('udp');
      return;
    }
    // RFC 8200 §8.1: the checksum covers the pseudo-header; a zero checksum is invalid over IPv6.
    if (!verifyUdpChecksum(p.src, p.dst, p.payload.subarray(0, udp.value.length))) {
      this.drops.badChecksum++;
      return;
    }
    if (!this.ports.has(udp.value.dstPort)) {
      this.drops.noListener++;
      return;
    }
    this.counts.datagramsReceived++;
    this.subject.next({
      data: udp.value.payload.slice(),
      local: { address: formatIpv6(p.dst), port: udp.value.dstPort },
      remote: { address: formatIpv6(p.src), port: udp.value.srcPort },
    });
  }

  private forward(datagram: Uint8Array, p: { hopLimit: number; dst: Uint8Array; src: Uint8Array }): void {
    // RFC 8200 §3: discarded if the Hop Limit was zero when received or is decremented to zero.
    // (An ICMPv6 Time Exceeded, RFC 4443 §3.3, is not sent: motes of this profile do not.)
    if (p.hopLimit <= 1) {
      this.drops.hopLimit++;
      return;
    }
    datagram[7] = p.hopLimit - 1; // the Hop Limit octet of the fixed header
    const tag = this.tagOfForwarded(datagram);
    if (this.transmit(datagram, p.dst, tag)) this.counts.datagramsForwarded++;
  }

  /** The forwarded datagram's tag, from the same tagOf the originator used, on its UDP payload. */
  private tagOfForwarded(datagram: Uint8Array): string | undefined {
    if (!this.options.tagOf) return undefined;
    const ip = decodeIpv6(datagram);
    if (!ip.ok || ip.value.protocol !== IpProto.UDP) return undefined;
    const udp = decodeUdp(ip.value.payload);
    if (!udp.ok) return undefined;
    return this.options.tagOf(
      udp.value.payload,
      { address: formatIpv6(ip.value.src), port: udp.value.srcPort },
      { address: formatIpv6(ip.value.dst), port: udp.value.dstPort },
    );
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
