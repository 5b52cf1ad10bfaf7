/**
 * The inner host: the IP endpoint behind this daemon's Child SAs (there is no TUN device).
 * It owns `daemon.inner_addrs` (addresses or prefixes; none configured = it answers for every
 * address a Child SA delivers) and, for each inner packet delivered through a Child SA:
 *   1. decode the IP header                                   [malformed]
 *   2. destination must be ours                               [not-ours]
 *   3. ICMP/ICMPv6 echo request -> echo reply sent back through pipeline.send (RFC 792,
 *      RFC 4443 §4.2); echo reply -> the ping waiting for it;
 *      UDP -> the in-process socket bound to its port          [no-socket]
 *      anything else                                           [unhandled]
 * Outbound, ping() and the UDP sockets build IPv4/IPv6 packets and hand them to the ESP
 * pipeline, whose SPD picks the Child SA (the source address chooses which one).
 */
import { filter, Subject, type Subscription } from 'rxjs';
import type { EspPipeline, InboundPacket } from '../../actors/esp-pipeline.js';
import type { TrafficSelector } from '../../ipsec/ike/model.js';
import { formatIp, parseIp } from '../../ipsec/packet/address.js';
import { answerEcho } from '../../ipsec/packet/echo.js';
import { buildIcmpEcho, decodeIcmp, echoFields, IcmpType } from '../../ipsec/packet/icmp.js';
import { buildIcmpv6Echo, decodeIcmpv6, Icmpv6Type } from '../../ipsec/packet/icmpv6.js';
import { decodeIp, type IpPacket } from '../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../ipsec/packet/ipv6.js';
import { IpProto } from '../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp } from '../../ipsec/packet/udp.js';
import { addressInRange } from '../../ipsec/policy/selector.js';
import type { Clock } from '../../ipsec/util/clock.js';

export interface InnerHostLogger {
  debug(obj: object, msg: string): void;
}

export interface InnerHostOptions {
  readonly pipeline: Pick<EspPipeline, 'send' | 'delivered$'>;
  /** daemon.inner_addrs: 'a.b.c.d' or 'a.b.c.d/len' (IPv6 likewise). */
  readonly addresses: readonly string[];
  readonly clock: Clock;
  readonly random: (n: number) => Uint8Array;
  readonly logger?: InnerHostLogger;
}

export interface InnerHostCounters {
  received: number;
  echoAnswered: number;
  echoReplies: number;
  udpDelivered: number;
  dropped: Record<'malformed' | 'not-ours' | 'no-socket' | 'unhandled', number>;
}

export interface PingReply {
  readonly seq: number;
  readonly from: string;
  readonly bytes: number;
  readonly rttMs: number;
}

export interface PingOptions {
  readonly src: string;
  readonly dst: string;
  readonly count?: number;
  readonly intervalMs?: number;
  /** How long to wait for the last reply. */
  readonly timeoutMs?: number;
  /** Echo data length (default 56, as ping(8)). */
  readonly size?: number;
  readonly onReply?: (r: PingReply) => void;
}

export interface PingSummary {
  readonly sent: number;
  readonly received: number;
  readonly replies: readonly PingReply[];
}

export interface InnerDatagram {
  readonly data: Uint8Array;
  readonly from: { readonly address: string; readonly port: number };
  readonly to: { readonly address: string; readonly port: number };
}

/** A UDP socket of the inner host: datagrams travel through the Child SAs. */
export interface InnerUdpSocket {
  readonly address: string;
  readonly port: number;
  readonly messages$: Subject<InnerDatagram>;
  send(data: Uint8Array, to: { readonly address: string; readonly port: number }): void;
  close(): void;
}

interface Prefix {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

function prefixRange(text: string): Prefix | undefined {
  const [addr = '', len] = text.split('/');
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const bits = len === undefined ? bytes.length * 8 : Number(len);
  const start = new Uint8Array(bytes.length);
  const end = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    start[i] = bytes[i]! & mask;
    end[i] = (bytes[i]! & mask) | (~mask & 0xff);
  }
  return { start, end };
}

/** The first usable address of an inner_addrs entry: the address itself, or prefix + 1. */
export function hostAddressOf(entry: string): string | undefined {
  const [addr = '', len] = entry.split('/');
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  if (len === undefined || Number(len) === bytes.length * 8) return formatIp(bytes);
  const r = prefixRange(entry)!;
  const host = r.start.slice();
  host[host.length - 1] = host[host.length - 1]! | 1;
  return formatIp(host);
}

const tsCovers = (ts: readonly TrafficSelector[], a: Uint8Array): boolean =>
  ts.some((t) => t.startAddress.length === a.length && addressInRange(a, t.startAddress, t.endAddress));

const EPHEMERAL_FIRST = 49152; // RFC 6335 §6: dynamic ports

export class InnerHost {
  readonly counters: InnerHostCounters = {
    received: 0,
    echoAnswered: 0,
    echoReplies: 0,
    udpDelivered: 0,
    dropped: { malformed: 0, 'not-ours': 0, 'no-socket': 0, unhandled: 0 },
  };
  private readonly prefixes: readonly Prefix[];
  private readonly subscription: Subscription;
  private readonly pings = new Map<number, (ip: IpPacket, seq: number) => void>();
  private readonly sockets = new Map<number, InnerUdpSocket>();
  private nextEphemeral = EPHEMERAL_FIRST;

  constructor(private readonly o: InnerHostOptions) {
    this.prefixes = o.addresses.map(prefixRange).filter((p): p is Prefix => p !== undefined);
    this.subscription = o.pipeline.delivered$
      .pipe(filter((p) => p.spi !== undefined))
      .subscribe((p) => this.receive(p));
  }

  /** The configured inner addresses as host addresses (prefixes give their first host). */
  get addresses(): string[] {
    return this.o.addresses.map(hostAddressOf).filter((a): a is string => a !== undefined);
  }

  owns(address: Uint8Array): boolean {
    if (this.prefixes.length === 0) return true;
    return this.prefixes.some(
      (p) => p.start.length === address.length && addressInRange(address, p.start, p.end),
    );
  }

  /** An inner address inside `localTs` to send from, to reach `dst` through that Child SA. */
  sourceFor(localTs: readonly TrafficSelector[], fallback: readonly string[] = []): string | undefined {
    for (const a of [...this.addresses, ...fallback]) {
      const bytes = parseIp(a);
      if (bytes && tsCovers(localTs, bytes)) return a;
    }
    return undefined;
  }

  private receive(p: InboundPacket): void {
    this.counters.received++;
    const decoded = decodeIp(p.packet);
    if (!decoded.ok) {
      this.drop('malformed', p);
      return;
    }
    const ip = decoded.value;
    if (!this.owns(ip.dst)) {
      this.drop('not-ours', p);
      return;
    }
    if (ip.protocol === IpProto.ICMP || ip.protocol === IpProto.ICMPV6) {
      const reply = answerEcho(p.packet);
      if (reply.ok) {
        this.counters.echoAnswered++;
        this.o.pipeline.send(reply.value);
        return;
      }
      const m = ip.version === 4 ? decodeIcmp(ip.payload) : decodeIcmpv6(ip.src, ip.dst, ip.payload);
      const replyType = ip.version === 4 ? IcmpType.ECHO_REPLY : Icmpv6Type.ECHO_REPLY;
      if (m.ok && m.value.type === replyType) {
        const echo = echoFields(m.value);
        const waiter = this.pings.get(echo.identifier);
        if (waiter) {
          this.counters.echoReplies++;
          waiter(ip, echo.sequence);
          return;
        }
      }
      this.drop('unhandled', p);
      return;
    }
    if (ip.protocol === IpProto.UDP) {
      const udp = decodeUdp(ip.payload);
      if (!udp.ok) {
        this.drop('malformed', p);
        return;
      }
      const socket = this.sockets.get(udp.value.dstPort);
      const to = formatIp(ip.dst);
      if (!socket || (socket.address !== '0.0.0.0' && socket.address !== '::' && socket.address !== to)) {
        this.drop('no-socket', p);
        return;
      }
      this.counters.udpDelivered++;
      socket.messages$.next({
        data: udp.value.payload.slice(),
        from: { address: formatIp(ip.src), port: udp.value.srcPort },
        to: { address: to, port: udp.value.dstPort },
      });
      return;
    }
    this.drop('unhandled', p);
  }

  private drop(reason: keyof InnerHostCounters['dropped'], p: InboundPacket): void {
    this.counters.dropped[reason]++;
    this.o.logger?.debug({ reason, spi: p.spi, bytes: p.packet.length }, 'inner host: packet dropped');
  }

  /** Sends `count` echo requests from `src` to `dst`, one per interval; resolves after the last timeout. */
  ping(o: PingOptions): Promise<PingSummary> {
    const src = parseIp(o.src);
    const dst = parseIp(o.dst);
    if (!src || !dst || src.length !== dst.length)
      return Promise.reject(new Error(`cannot ping ${o.dst} from ${o.src}: addresses of different families`));
    const count = o.count ?? 3;
    const interval = o.intervalMs ?? 1000;
    const timeout = o.timeoutMs ?? 2000;
    const data = new Uint8Array(o.size ?? 56).map((_, i) => i & 0xff);
    let identifier = 0;
    do {
      const r = this.o.random(2);
      identifier = (r[0]! << 8) | r[1]!;
    } while (this.pings.has(identifier));
    const sentAt = new Map<number, number>();
    const replies: PingReply[] = [];
    const clock = this.o.clock;
    return new Promise((resolve) => {
      let sent = 0;
      let timer: unknown;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        this.pings.delete(identifier);
        resolve({ sent, received: replies.length, replies });
      };
      this.pings.set(identifier, (ip, seq) => {
        const at = sentAt.get(seq);
        if (at === undefined || replies.some((r) => r.seq === seq)) return; // unknown or duplicate
        const reply = { seq, from: formatIp(ip.src), bytes: ip.payload.length, rttMs: clock.now() - at };
        replies.push(reply);
        o.onReply?.(reply);
        if (replies.length === count && sent === count) finish();
      });
      const sendOne = () => {
        const seq = ++sent;
        sentAt.set(seq, clock.now());
        const echo = { identifier, sequence: seq, data };
        const packet =
          src.length === 4
            ? buildIpv4({
                src,
                dst,
                protocol: IpProto.ICMP,
                payload: buildIcmpEcho(IcmpType.ECHO_REQUEST, echo),
              })
            : buildIpv6({
                src,
                dst,
                nextHeader: IpProto.ICMPV6,
                payload: buildIcmpv6Echo(src, dst, Icmpv6Type.ECHO_REQUEST, echo),
              });
        timer = clock.setTimeout(sent < count ? sendOne : finish, sent < count ? interval : timeout);
        this.o.pipeline.send(packet);
      };
      sendOne();
    });
  }

  /** Binds an inner UDP socket (port 0 = an ephemeral port). */
  udp(port = 0, address = '0.0.0.0'): InnerUdpSocket {
    let p = port;
    if (p === 0) {
      while (this.sockets.has(this.nextEphemeral)) this.nextEphemeral++;
      p = this.nextEphemeral++;
    }
    if (this.sockets.has(p)) throw new Error(`inner UDP port ${p} is in use`);
    const messages$ = new Subject<InnerDatagram>();
    const pipeline = this.o.pipeline;
    const socket: InnerUdpSocket = {
      address,
      port: p,
      messages$,
      send: (data, to) => {
        const dst = parseIp(to.address);
        const fromText = address === '0.0.0.0' || address === '::' ? this.addresses[0] : address;
        const src = fromText ? parseIp(fromText) : undefined;
        if (!dst || !src || src.length !== dst.length)
          throw new Error(`no inner source address to send to ${to.address}`);
        const payload = buildUdp({ src, dst, srcPort: p, dstPort: to.port, payload: data });
        pipeline.send(
          src.length === 4
            ? buildIpv4({ src, dst, protocol: IpProto.UDP, payload })
            : buildIpv6({ src, dst, nextHeader: IpProto.UDP, payload }),
        );
      },
      close: () => {
        if (this.sockets.get(p) === socket) this.sockets.delete(p);
        messages$.complete();
      },
    };
    this.sockets.set(p, socket);
    return socket;
  }

  close(): void {
    this.subscription.unsubscribe();
    for (const s of [...this.sockets.values()]) s.close();
  }
}
