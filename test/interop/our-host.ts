/**
 * Our stack as one in-process host on real UDP, wired like test/support/two-hosts.ts but with
 * the Node transport (IKE and NAT-T ports on the lab addresses), the node:crypto provider,
 * secure randomness and the system clock. Its inner host answers ICMP echo requests and
 * collects echo replies, so both directions of a ping can be checked through the tunnel.
 */
import { filter, firstValueFrom, timeout as rxTimeout } from 'rxjs';
import type { EspHost } from '../../actors/esp-host.js';
import { createIpsecHost } from '../../actors/ipsec-host.js';
import type { IkeSaHandle, Supervisor, SupervisorEvent } from '../../actors/supervisor.js';
import {
  type Config,
  type ConnectionConfig,
  DAEMON_DEFAULTS,
  type DaemonConfig,
  type IkeSecret,
} from '../../ipsec/config/model.js';
import { secureRandom } from '../../ipsec/crypto/random.js';
import { PayloadType } from '../../ipsec/ike/wire/constants.js';
import { decodeHeader, isResponse } from '../../ipsec/ike/wire/header.js';
import { decodeMessage } from '../../ipsec/ike/wire/message.js';
import { parseIp } from '../../ipsec/packet/address.js';
import { answerEcho } from '../../ipsec/packet/echo.js';
import { buildIcmpEcho, decodeIcmp, echoFields, IcmpType } from '../../ipsec/packet/icmp.js';
import { decodeIp } from '../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../ipsec/packet/ipv4.js';
import { IpProto } from '../../ipsec/packet/proto.js';
import { systemClock } from '../../ipsec/util/clock.js';
import { nodeProvider } from '../../targets/native/crypto/node-provider.js';
import type { Endpoint } from '../../transport/types.js';
import { createUdpTransport, type UdpTransport } from '../../transport/udp.js';

export interface OurHostOptions {
  /** Outer addresses to bind the IKE and NAT-T ports on (default: the lab's 10.99.0.1). */
  readonly addresses: readonly string[];
  readonly connections: readonly ConnectionConfig[];
  readonly secrets: readonly IkeSecret[];
  readonly daemon?: Partial<DaemonConfig>;
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: object;
}

export interface EchoSeen {
  readonly src: string;
  readonly dst: string;
  readonly identifier: number;
  readonly sequence: number;
}

/** An IKE message on our wire (outer payloads only: SK contents stay encrypted). */
export interface IkeSeen {
  readonly dir: 'in' | 'out';
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly exchangeType: number;
  readonly response: boolean;
  readonly messageId: number;
  /** Notify types of the unencrypted payloads (IKE_SA_INIT: COOKIE, INVALID_KE_PAYLOAD, NAT-D). */
  readonly notifies: readonly number[];
  /** The datagram as sent or received (a retransmission is byte-identical: RFC 7296 §2.1). */
  readonly data: Uint8Array;
}

/** Our IKE requests held back (collision tests): released on demand or by a received message. */
class RequestHold {
  on = false;
  readonly held: (() => void)[] = [];
  releaseWhen?: (m: IkeSeen) => boolean;

  release(): void {
    this.on = false;
    this.releaseWhen = undefined;
    for (const send of this.held.splice(0)) send();
  }
}

export class OurHost {
  readonly events: SupervisorEvent[] = [];
  /** Echo requests our inner host answered (from charon's ping). */
  readonly answered: EchoSeen[] = [];
  /** Echo replies our inner host received (to our pings). */
  readonly replies: EchoSeen[] = [];

  private constructor(
    readonly transport: UdpTransport,
    readonly esp: EspHost,
    readonly supervisor: Supervisor,
    /** What the supervisor logged (IKE SA failures, child SA failures, ...). */
    readonly log: LogLine[],
    /** Every IKE message we received and sent, in order. */
    readonly ike: IkeSeen[],
    private readonly hold: RequestHold,
  ) {}

  /**
   * Holds our IKE requests (responses still go out) until a received message satisfies `until`;
   * they are sent before that message is processed, so that our request and the peer's cross
   * on the wire (collisions, RFC 7296 §2.25).
   */
  holdRequests(until: (m: IkeSeen) => boolean): void {
    this.hold.on = true;
    this.hold.releaseWhen = until;
  }

  /** Sends the held requests now and stops holding. */
  releaseRequests(): void {
    this.hold.release();
  }

  static async start(o: OurHostOptions): Promise<OurHost> {
    const daemon = { ...DAEMON_DEFAULTS, ...o.daemon };
    const transport = await createUdpTransport({
      bind: o.addresses.flatMap((address) => [
        { address, port: daemon.port },
        { address, port: daemon.port_nat_t },
      ]),
    });
    const config: Config = { daemon, connections: o.connections, secrets: o.secrets };
    const log: LogLine[] = [];
    const ike: IkeSeen[] = [];
    const at = (level: string) => (obj: object, msg: string) => log.push({ level, msg, obj });
    const hold = new RequestHold();
    const { esp, supervisor } = createIpsecHost({
      config,
      provider: nodeProvider,
      random: secureRandom,
      clock: systemClock,
      transport,
      logger: { info: at('info'), warn: at('warn'), debug: at('debug') },
      // Before the supervisor: a request is traced (and held requests of ours are released)
      // before our answer to it.
      tapIkeIn: (d) => {
        const seen = trace(ike, 'in', d.data, d.remote, d.local);
        if (seen && hold.releaseWhen?.(seen)) hold.release();
      },
      wrapSend: (send) => (data, from, to, natT) => {
        const out = () => {
          trace(ike, 'out', data, from, to);
          send(data, from, to, natT);
        };
        const h = decodeHeader(data);
        if (hold.on && h.ok && !isResponse(h.value)) hold.held.push(out);
        else out();
      },
    });
    const host = new OurHost(transport, esp, supervisor, log, ike, hold);
    supervisor.on((e) => host.events.push(e));
    // The inner host: answers echo requests, records echo replies.
    esp.pipeline.delivered$.pipe(filter((p) => p.spi !== undefined)).subscribe((p) => {
      const seen = echoOf(p.packet);
      const reply = answerEcho(p.packet);
      if (reply.ok) {
        if (seen) host.answered.push(seen);
        esp.pipeline.send(reply.value);
      } else if (seen) host.replies.push(seen);
    });
    return host;
  }

  /** Starts an IKE SA (supervisor.initiate) and waits until it is established with a child. */
  async initiate(connection: string, child: string, timeoutMs = 20_000): Promise<IkeSaHandle> {
    const handle = this.supervisor.initiate(connection, child);
    await this.waitFor(
      () => (handle.state === 'ESTABLISHED' && handle.children.length > 0) || handle.state === 'DESTROYED',
      timeoutMs,
    );
    if (handle.state !== 'ESTABLISHED' || handle.children.length === 0)
      throw new Error(
        `IKE SA ${connection} not established with a child: state ${handle.state}, ` +
          `failure ${JSON.stringify(handle.failure)}, log ${JSON.stringify(this.log.slice(-10))}`,
      );
    return handle;
  }

  /** Our established IKE SA with a child (responder side), once there is one. */
  async established(timeoutMs = 10_000): Promise<IkeSaHandle> {
    let found: IkeSaHandle | undefined;
    await this.waitFor(() => {
      found = this.supervisor.ikeSas.find((h) => h.state === 'ESTABLISHED' && h.children.length > 0);
      return found !== undefined;
    }, timeoutMs);
    if (!found)
      throw new Error(
        `no established IKE SA with a child: ${JSON.stringify(
          this.supervisor.ikeSas.map((h) => ({ state: h.state, failure: h.failure })),
        )}, log ${JSON.stringify(this.log.slice(-10))}`,
      );
    return found;
  }

  /** Polls `cond` every 20 ms until it holds or `timeoutMs` passes (then resolves anyway). */
  async waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /**
   * Sends `count` ICMP echo requests from our inner address `src` to `dst` through the tunnel
   * and returns the sequence numbers of the replies that came back (in order of arrival).
   */
  async ping(src: string, dst: string, count = 3, timeoutMs = 3000): Promise<number[]> {
    const s = parseIp(src);
    const d = parseIp(dst);
    if (!s || !d || s.length !== 4 || d.length !== 4) throw new Error('ping: IPv4 addresses only');
    const identifier = 0x5157;
    const got: number[] = [];
    for (let sequence = 1; sequence <= count; sequence++) {
      const data = new TextEncoder().encode(`interop ping ${sequence}`.padEnd(56, '.'));
      const icmp = buildIcmpEcho(IcmpType.ECHO_REQUEST, { identifier, sequence, data });
      const wait = firstValueFrom(
        this.esp.pipeline.delivered$.pipe(
          filter((p) => {
            const e = echoOf(p.packet);
            return (
              p.spi !== undefined &&
              e !== undefined &&
              e.identifier === identifier &&
              e.sequence === sequence &&
              e.src === dst &&
              e.dst === src &&
              isEchoReply(p.packet)
            );
          }),
          rxTimeout(timeoutMs),
        ),
      ).then(
        () => true,
        () => false,
      );
      this.esp.pipeline.send(
        buildIpv4({ src: s, dst: d, protocol: IpProto.ICMP, payload: icmp, identification: sequence }),
      );
      if (await wait) got.push(sequence);
    }
    return got;
  }

  async close(): Promise<void> {
    this.supervisor.close();
    this.esp.close();
    this.transport.close();
    await this.transport.closed;
  }
}

function trace(
  out: IkeSeen[],
  dir: 'in' | 'out',
  data: Uint8Array,
  from: Endpoint,
  to: Endpoint,
): IkeSeen | undefined {
  const m = decodeMessage(data);
  if (!m.ok) return undefined;
  const h = m.value.header;
  const seen: IkeSeen = {
    dir,
    from,
    to,
    exchangeType: h.exchangeType,
    response: isResponse(h),
    messageId: h.messageId,
    notifies: m.value.payloads.flatMap((p) => (p.type === PayloadType.N ? [p.notifyType] : [])),
    data: Uint8Array.from(data),
  };
  out.push(seen);
  return seen;
}

function echoOf(packet: Uint8Array): EchoSeen | undefined {
  const ip = decodeIp(packet);
  if (!ip.ok || ip.value.version !== 4 || ip.value.protocol !== IpProto.ICMP) return undefined;
  const m = decodeIcmp(ip.value.payload);
  if (!m.ok) return undefined;
  const f = echoFields(m.value);
  const fmt = (a: Uint8Array) => Array.from(a).join('.');
  return { src: fmt(ip.value.src), dst: fmt(ip.value.dst), identifier: f.identifier, sequence: f.sequence };
}

function isEchoReply(packet: Uint8Array): boolean {
  const ip = decodeIp(packet);
  return ip.ok && ip.value.version === 4 && ip.value.payload[0] === IcmpType.ECHO_REPLY;
}
