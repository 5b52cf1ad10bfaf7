/**
 * Two complete hosts in one process on virtual time: memory network, ESP data plane
 * (SAD/SPD/pipeline), supervisor with IKE SA actors, and an inner host answering pings.
 */
import { filter } from 'rxjs';
import { createEspHost, type EspHost } from '../../actors/esp-host.js';
import { Supervisor } from '../../actors/supervisor.js';
import {
  type Config,
  type ConnectionConfig,
  DAEMON_DEFAULTS,
  type DaemonConfig,
} from '../../ipsec/config/model.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { addNonEspMarker } from '../../ipsec/esp/udp-encap.js';
import { answerEcho } from '../../ipsec/packet/echo.js';
import { decodeIp } from '../../ipsec/packet/ip.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../transport/memory.js';
import type { Transport } from '../../transport/types.js';
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
}

function host(
  name: string,
  net: MemoryNetwork,
  clock: VirtualClock,
  address: string,
  connections: ConnectionConfig[],
  o: TwoHostOptions,
): Host {
  const daemon = { ...DAEMON_DEFAULTS, ...o.daemon };
  const random = seededRandom(`${o.seed ?? 'seed'}/${name}`);
  const provider = o.provider ?? nobleProvider;
  const transport = net.bind({ address, port: daemon.port }, { address, port: daemon.port_nat_t });
  const esp = createEspHost({ clock, provider, random, transport, natTPort: daemon.port_nat_t });
  const config: Config = {
    daemon,
    connections,
    secrets: [{ name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: PSK }],
  };
  const supervisor = new Supervisor({
    config,
    provider,
    random,
    clock,
    backend: esp.backend,
    ikeIn$: esp.pipeline.ike$,
    send: (data, from, to, natT) => transport.send(natT ? addNonEspMarker(data) : data, from, to),
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
  const client = host(
    'client',
    net,
    clock,
    CLIENT_ADDR.address,
    o.clientConnections ?? [clientConfig(o.client)],
    o,
  );
  const gateway = host(
    'gateway',
    net,
    clock,
    GATEWAY_ADDR.address,
    o.gatewayConnections ?? [gatewayConfig(o.gateway)],
    o,
  );
  return { clock, net, client, gateway };
}

/** The ICMP type of an inner IPv4 packet (0 echo reply, 8 echo request). */
export function icmpType(packet: Uint8Array): number | undefined {
  const ip = decodeIp(packet);
  return ip.ok && ip.value.protocol === 1 ? ip.value.payload[0] : undefined;
}
