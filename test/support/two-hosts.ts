/**
 * Two complete hosts in one process on virtual time: memory network, ESP data plane
 * (SAD/SPD/pipeline), supervisor with IKE SA actors, and an inner host answering pings.
 */
import { filter } from 'rxjs';
import type { EspHost } from '../../actors/esp-host.js';
import { createIpsecHost } from '../../actors/ipsec-host.js';
import type { IkeSaHandle, Supervisor, SupervisorLogger } from '../../actors/supervisor.js';
import {
  type Config,
  type ConnectionConfig,
  DAEMON_DEFAULTS,
  type DaemonConfig,
  type IkeSecret,
} from '../../ipsec/config/model.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import type { PubkeyAuth } from '../../ipsec/ike/exchange/auth-signature.js';
import { encodeFor, type OutboundMessage } from '../../ipsec/ike/exchange/messages.js';
import { fragmentPlaintext } from '../../ipsec/ike/fragment/fragment.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import type { DecodedHeader } from '../../ipsec/ike/wire/header.js';
import { decodeMessage } from '../../ipsec/ike/wire/message.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { answerEcho } from '../../ipsec/packet/echo.js';
import { decodeIp } from '../../ipsec/packet/ip.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../transport/memory.js';
import type { Datagram, Endpoint, Transport } from '../../transport/types.js';
import {
  CLIENT_ADDR,
  clientConfig,
  GATEWAY_ADDR,
  gatewayConfig,
  type PeerOptions,
  PSK,
} from './ike-peers.js';

export interface Host {
  readonly name: string;
  readonly transport: Transport;
  readonly esp: EspHost;
  readonly supervisor: Supervisor;
  /** Inner packets delivered to this host's applications (echo replies included). */
  readonly received: Uint8Array[];
}

export interface TwoHostOptions {
  readonly seed?: string;
  readonly client?: PeerOptions;
  readonly gateway?: PeerOptions;
  readonly network?: Omit<MemoryNetworkOptions, 'clock' | 'random'>;
  readonly daemon?: Partial<DaemonConfig>;
  readonly provider?: CryptoProvider;
  readonly clientConnections?: ConnectionConfig[];
  readonly gatewayConnections?: ConnectionConfig[];
  /** Per-host daemon settings, over `daemon` (e.g. DoS thresholds at the gateway only). */
  readonly clientDaemon?: Partial<DaemonConfig>;
  readonly gatewayDaemon?: Partial<DaemonConfig>;
  /** Per-host secrets (swanctl `secrets`); default: PSK for alice and bob on both hosts. */
  readonly clientSecrets?: IkeSecret[];
  readonly gatewaySecrets?: IkeSecret[];
  readonly clientLogger?: SupervisorLogger;
  readonly gatewayLogger?: SupervisorLogger;
  /** Per-host signature authentication (certificates; issue 16). */
  readonly clientPubkey?: PubkeyAuth;
  readonly gatewayPubkey?: PubkeyAuth;
}

/** The secrets both hosts have unless told otherwise. */
export const DEFAULT_SECRETS: IkeSecret[] = [
  { name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: PSK },
];

/** What differs between hosts of one network. */
export interface HostOptions {
  readonly seed?: string;
  readonly daemon?: Partial<DaemonConfig>;
  readonly provider?: CryptoProvider;
  readonly secrets?: IkeSecret[];
  readonly logger?: SupervisorLogger;
  readonly pubkey?: PubkeyAuth;
}

/** One host on `net`: transport on the IKE and NAT-T ports, ESP data plane, supervisor, inner host. */
export function createHost(
  name: string,
  net: MemoryNetwork,
  clock: VirtualClock,
  address: string,
  connections: ConnectionConfig[],
  o: HostOptions,
): Host {
  const daemon = { ...DAEMON_DEFAULTS, ...o.daemon };
  const random = seededRandom(`${o.seed ?? 'seed'}/${name}`);
  const provider = o.provider ?? nobleProvider;
  const transport = net.bind({ address, port: daemon.port }, { address, port: daemon.port_nat_t });
  const config: Config = {
    daemon,
    connections,
    secrets: o.secrets ?? DEFAULT_SECRETS,
  };
  const { esp, supervisor } = createIpsecHost({
    config,
    provider,
    random,
    clock,
    transport,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.pubkey ? { pubkey: o.pubkey } : {}),
  });
  const received: Uint8Array[] = [];
  // The inner host: answers ICMP echo requests, keeps everything else.
  esp.pipeline.delivered$.pipe(filter((p) => p.spi !== undefined)).subscribe((p) => {
    const reply = answerEcho(p.packet);
    if (reply.ok) esp.pipeline.send(reply.value);
    else received.push(p.packet);
  });
  return { name, transport, esp, supervisor, received };
}

export function twoHosts(o: TwoHostOptions = {}) {
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({
    clock,
    random: seededRandom(`${o.seed ?? 'seed'}/net`),
    latencyMs: 5,
    ...o.network,
  });
  const hostOptions = (
    daemon?: Partial<DaemonConfig>,
    secrets?: IkeSecret[],
    logger?: SupervisorLogger,
    pubkey?: PubkeyAuth,
  ): HostOptions => ({
    ...(pubkey ? { pubkey } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.provider ? { provider: o.provider } : {}),
    daemon: { ...o.daemon, ...daemon },
    ...(secrets ? { secrets } : {}),
    ...(logger ? { logger } : {}),
  });
  const client = createHost(
    'client',
    net,
    clock,
    CLIENT_ADDR.address,
    o.clientConnections ?? [clientConfig(o.client)],
    hostOptions(o.clientDaemon, o.clientSecrets, o.clientLogger, o.clientPubkey),
  );
  const gateway = createHost(
    'gateway',
    net,
    clock,
    GATEWAY_ADDR.address,
    o.gatewayConnections ?? [gatewayConfig(o.gateway)],
    hostOptions(o.gatewayDaemon, o.gatewaySecrets, o.gatewayLogger, o.gatewayPubkey),
  );
  return { clock, net, client, gateway };
}

/** The ICMP type of an inner IPv4 packet (0 echo reply, 8 echo request). */
export function icmpType(packet: Uint8Array): number | undefined {
  const ip = decodeIp(packet);
  return ip.ok && ip.value.protocol === 1 ? ip.value.payload[0] : undefined;
}

/** The address of client `i` (1-based) of a fleet: 10.100.x.y, never a .0 host. */
export const fleetAddress = (i: number): string =>
  `10.100.${Math.floor((i - 1) / 250)}.${((i - 1) % 250) + 1}`;

export interface FleetOptions extends TwoHostOptions {
  /** Number of client hosts, each on its own address (fleetAddress). */
  readonly clients: number;
  /** Per-client connection options over `client` (e.g. its own inner network). */
  readonly clientOptions?: (i: number) => PeerOptions;
}

/** One gateway and `clients` client hosts (each with the `gw` connection) on one network. */
export function fleet(o: FleetOptions) {
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({
    clock,
    random: seededRandom(`${o.seed ?? 'seed'}/net`),
    latencyMs: 5,
    ...o.network,
  });
  const common = {
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.provider ? { provider: o.provider } : {}),
  };
  const gateway = createHost(
    'gateway',
    net,
    clock,
    GATEWAY_ADDR.address,
    o.gatewayConnections ?? [gatewayConfig(o.gateway)],
    {
      ...common,
      daemon: { ...o.daemon, ...o.gatewayDaemon },
      ...(o.gatewaySecrets ? { secrets: o.gatewaySecrets } : {}),
    },
  );
  const clients: Host[] = [];
  for (let i = 1; i <= o.clients; i++) {
    const address = fleetAddress(i);
    clients.push(
      createHost(
        `client${i}`,
        net,
        clock,
        address,
        [{ ...clientConfig({ ...o.client, ...o.clientOptions?.(i) }), local_addrs: [address] }],
        {
          ...common,
          daemon: { ...o.daemon, ...o.clientDaemon },
          ...(o.clientSecrets ? { secrets: o.clientSecrets } : {}),
        },
      ),
    );
  }
  return { clock, net, gateway, clients };
}

/** An IKE message seen on the network (MemoryNetwork.onSend), before any loss or filter. */
export interface IkeCapture {
  /** Virtual time of the send, in ms. */
  readonly at: number;
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** The IKE message (without the non-ESP marker, RFC 3948 §2.2). */
  readonly data: Uint8Array;
  readonly header: DecodedHeader;
  /** Outer payloads (for protected messages: up to and including SK). */
  readonly payloads: readonly Payload[];
}

/**
 * Taps every IKE datagram sent on `net` (chaining any earlier onSend tap). IKE is what is sent
 * to or from port 500, or to or from port 4500 with the non-ESP marker (RFC 3948 §2.2).
 */
export function captureIke(
  net: MemoryNetwork,
  clock: VirtualClock,
  port = 500,
  natTPort = 4500,
): IkeCapture[] {
  const out: IkeCapture[] = [];
  const previous = net.onSend;
  net.onSend = (d) => {
    previous?.(d);
    const m = ikeMessageOf(d, port, natTPort);
    if (!m) return;
    // The network's Datagram names the destination `local` and the source `remote`.
    out.push({ at: clock.now(), from: d.remote, to: d.local, ...m });
  };
  return out;
}

/**
 * The IKE message in a datagram: what is sent to or from port 500, or to or from port 4500
 * behind the non-ESP marker (RFC 3948 §2.2); undefined for ESP, keepalives and garbage.
 */
export function ikeMessageOf(
  d: Datagram,
  port = 500,
  natTPort = 4500,
): Pick<IkeCapture, 'data' | 'header' | 'payloads'> | undefined {
  const ports = [d.local.port, d.remote.port];
  let data: Uint8Array | undefined;
  if (ports.includes(port)) data = d.data;
  else if (ports.includes(natTPort) && d.data.length >= 4 && d.data.subarray(0, 4).every((b) => b === 0))
    data = d.data.subarray(4);
  if (!data) return undefined;
  const m = decodeMessage(data);
  return m.ok ? { data: data.slice(), header: m.value.header, payloads: m.value.payloads } : undefined;
}

/** The context of an IKE SA actor (session, Message IDs, cache, stats). */
export const ikeContext = (h: IkeSaHandle) => h.actor.getSnapshot().context;

/**
 * An INFORMATIONAL request from the initiator of `h` (our side initiated it), its inner chain
 * announcing a Notify over `plaintext`, cut into RFC 7383 fragments of at most `budget` octets
 * and sealed with the initiator's keys, IVs from `ivSeed`: what a peer may send, whatever was
 * negotiated. Message ID: the next one unless given.
 */
export function informationalFragments(
  h: IkeSaHandle,
  plaintext: Uint8Array,
  ivSeed: string,
  budget = 100,
  messageId = ikeContext(h).nextMessageId,
): Uint8Array[] {
  const { session } = ikeContext(h);
  const header = new Uint8Array(28);
  header.set(session.spiI, 0);
  header.set(session.spiR, 8);
  header[17] = 0x20; // IKEv2
  header[18] = ExchangeType.INFORMATIONAL;
  header[19] = 0x08; // Initiator
  new DataView(header.buffer).setUint32(20, messageId);
  const r = fragmentPlaintext(
    header,
    PayloadType.N,
    plaintext,
    session.sk!.initiator,
    seededRandom(ivSeed),
    budget,
    255,
  );
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

/** The state value of an IKE SA actor, as a dotted path ('established', 'initiator.auth.waiting'). */
export function ikeState(h: IkeSaHandle): string {
  const flat = (v: unknown): string =>
    typeof v === 'string'
      ? v
      : Object.entries(v as Record<string, unknown>)
          .map(([k, c]) => `${k}.${flat(c)}`)
          .join(',');
  return flat(h.actor.getSnapshot().value);
}

/**
 * The phase of an IKE SA actor: 'established', 'failed' or 'closed' whatever their substates,
 * else the full state path ('responder.halfOpen', 'initiator.auth.waiting').
 */
export function ikePhase(h: IkeSaHandle): string {
  const s = h.actor.getSnapshot();
  for (const top of ['established', 'failed', 'closed'] as const) if (s.matches(top)) return top;
  return ikeState(h);
}

/**
 * Sends a message of `h`'s IKE SA as `h` would (header from its session, SK-protected with its
 * keys), bypassing its statechart: for requests a compliant peer never sends.
 */
export function sendAs(host: Host, h: IkeSaHandle, m: OutboundMessage): Uint8Array {
  const ctx = ikeContext(h);
  const bytes = encodeFor(ctx.session, ctx.deps, m);
  host.transport.send(bytes, h.local, h.remote);
  return bytes;
}

/** Every IKE SA a supervisor has had, in creation order, including those already destroyed. */
export function trackSas(supervisor: Supervisor): () => IkeSaHandle[] {
  const seen = new Map<number, IkeSaHandle>();
  for (const h of supervisor.ikeSas) seen.set(h.uniqueid, h);
  supervisor.on((e) => seen.set(e.handle.uniqueid, e.handle));
  return () => {
    for (const h of supervisor.ikeSas) seen.set(h.uniqueid, h);
    return [...seen.values()].sort((a, b) => a.uniqueid - b.uniqueid);
  };
}

/** A logger that keeps what it is told (for asserting on 'child SA not created' and the like). */
export function memoryLogger() {
  const lines: { level: 'info' | 'warn' | 'debug'; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: 'info' | 'warn' | 'debug') => (obj: object, msg: string) =>
    lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), debug: at('debug') };
}
