/**
 * One native host: Node UDP sockets, the ESP data plane (SAD/SPD/pipeline, node:crypto
 * provider), the supervisor with its IKE SA actors, and the inner host. The daemon and the
 * demo build on it.
 *
 * Sockets: daemon.port and daemon.port_nat_t (0 = a free port) on every local address of the
 * connections, or on the wildcard (0.0.0.0 / ::) when a connection accepts %any there; then
 * every local address of that family is the wildcard for the supervisor too (one socket per
 * port: a wildcard and a specific bind on the same port would conflict).
 *
 * The supervisor reads the effective configuration (runtime-config.ts) through a live view, so
 * a reload (SIGHUP) applies to new IKE SAs without restarting anything.
 */
import type { EspHost } from '../../actors/esp-host.js';
import type { InspectionHub } from '../../actors/inspection/hub.js';
import { createIpsecHost } from '../../actors/ipsec-host.js';
import type { Supervisor } from '../../actors/supervisor.js';
import type { Config } from '../../ipsec/config/model.js';
import { pooledRandom, secureRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider, RandomBytes } from '../../ipsec/crypto/types.js';
import type { PubkeyAuth } from '../../ipsec/ike/exchange/auth-signature.js';
import { type Clock, systemClock } from '../../ipsec/util/clock.js';
import type { Endpoint } from '../../transport/types.js';
import { createUdpTransport, type UdpTransport } from '../../transport/udp.js';
import { type BatchSyscalls, koffiSyscalls } from '../../transport/udp-batch.js';
import { nodeProvider } from './crypto/node-provider.js';
import { InnerHost } from './inner-host.js';
import type { Logger } from './logger.js';
import {
  bindAddresses,
  effectiveConfig,
  type LiveConfig,
  liveConfig,
  restartNeeded,
} from './runtime-config.js';
import type { TunHost } from './tun/tun-host.js';

export interface NativeHostOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly provider?: CryptoProvider;
  readonly random?: RandomBytes;
  readonly clock?: Clock;
  /** The inspection stream (--inspect, --record). */
  readonly inspection?: InspectionHub;
  /** Signature authentication with the loaded credentials (credentials/daemon-credentials.ts). */
  readonly pubkey?: PubkeyAuth;
}

export interface NativeHost {
  /** The effective configuration the supervisor reads (actual ports, bound addresses). */
  readonly config: LiveConfig;
  readonly transport: UdpTransport;
  readonly esp: EspHost;
  readonly supervisor: Supervisor;
  /** The in-process inner host (daemon.tun empty). */
  readonly inner?: InnerHost;
  /** The TUN device carrying this host's own traffic (daemon.tun). */
  readonly tun?: TunHost;
  readonly ports: { readonly port: number; readonly natT: number };
  /** Applies a reloaded configuration; returns what needs a restart to take effect. */
  reload(config: Config): string[];
  close(): Promise<void>;
}

/** Binds port and NAT-T port on `addresses`; port 0 resolves to one free port shared by all. */
async function bindAll(
  addresses: readonly string[],
  port: number,
  natT: number,
  logger: Logger,
  batch: BatchSyscalls | undefined,
) {
  let p = port;
  let n = natT;
  if ((p === 0 || n === 0) && addresses.length > 1) {
    // One probe on the first address picks the free ports that every address then binds.
    const probe = await createUdpTransport({
      bind: [
        { address: addresses[0]!, port: p },
        { address: addresses[0]!, port: n },
      ],
    });
    [p, n] = [probe.endpoints[0]!.port, probe.endpoints[1]!.port];
    probe.close();
    await probe.closed;
  }
  const bind: Endpoint[] = addresses.flatMap((address) => [
    { address, port: p },
    { address, port: n },
  ]);
  const transport = await createUdpTransport({
    bind,
    logger: logger.child({ component: 'udp' }),
    ...(batch ? { batch } : {}),
  });
  return { transport, port: transport.endpoints[0]!.port, natT: transport.endpoints[1]!.port };
}

export async function startNativeHost(o: NativeHostOptions): Promise<NativeHost> {
  const { logger } = o;
  const provider = o.provider ?? nodeProvider;
  const random = o.random ?? pooledRandom(secureRandom);
  const clock = o.clock ?? systemClock;
  const addresses = bindAddresses(o.config);
  const { transport, port, natT } = await bindAll(
    addresses,
    o.config.daemon.port,
    o.config.daemon.port_nat_t,
    logger,
    // With a TUN device every packet of the host's traffic is a send: batch them (sendmmsg).
    o.config.daemon.tun ? await koffiSyscalls() : undefined,
  );
  const ports = { port, natT };
  const live = liveConfig(effectiveConfig(o.config, ports, addresses));
  logger.info(
    { endpoints: transport.endpoints.map((e) => `${e.address}:${e.port}`) },
    'listening for IKE and ESP-in-UDP',
  );

  const { esp, supervisor } = createIpsecHost({
    config: live,
    provider,
    random,
    clock,
    transport,
    natTPort: natT,
    logger: logger.child({ component: 'ike' }),
    ...(o.inspection ? { inspection: o.inspection } : {}),
    ...(o.pubkey ? { pubkey: o.pubkey } : {}),
    ...(o.config.daemon.tun ? { pathMtu: o.config.daemon.path_mtu } : {}),
  });
  let inner: InnerHost | undefined;
  let tun: TunHost | undefined;
  if (o.config.daemon.tun) {
    try {
      tun = await startTun(o.config, esp, logger);
    } catch (e) {
      supervisor.close();
      esp.close();
      transport.close();
      await transport.closed;
      throw e;
    }
  } else {
    inner = new InnerHost({
      pipeline: esp.pipeline,
      addresses: innerAddresses(o.config),
      clock,
      random,
      logger: logger.child({ component: 'inner' }),
    });
  }
  let closed: Promise<void> | undefined;
  return {
    config: live,
    transport,
    esp,
    supervisor,
    ...(inner ? { inner } : {}),
    ...(tun ? { tun } : {}),
    ports,
    reload(config) {
      const next = effectiveConfig(config, ports, addresses);
      const needs = restartNeeded(live.current, config, addresses, ports);
      live.set(next);
      return needs;
    },
    close() {
      closed ??= (async () => {
        inner?.close();
        supervisor.close();
        await tun?.close();
        esp.close();
        transport.close();
        await transport.closed;
      })();
      return closed;
    },
  };
}

/**
 * The TUN device (daemon.tun): imported only when configured (koffi, start RSS). The peers kept
 * out of the tunnel are the connections' literal remote addresses (and, as SAs come, theirs).
 */
async function startTun(config: Config, esp: EspHost, logger: Logger): Promise<TunHost> {
  const { startTunHost } = await import('./tun/tun-host.js');
  const d = config.daemon;
  return startTunHost({
    name: d.tun,
    mtu: d.tun_mtu,
    table: d.tun_table,
    addresses: d.inner_addrs,
    pipeline: esp.pipeline,
    spd: esp.spd,
    sad: esp.sad,
    peers: [
      ...new Set(
        config.connections.flatMap((c) => c.remote_addrs.filter((a) => a !== '%any' && !a.includes('/'))),
      ),
    ],
    logger: logger.child({ component: 'tun' }),
  });
}

/**
 * The inner host's addresses: daemon.inner_addrs, plus our own outer address of every
 * connection with a transport-mode child (there the inner packets are addressed to the host
 * itself). None configured: it answers for every address (inner-host.ts).
 */
export function innerAddresses(config: Config): string[] {
  const inner = config.daemon.inner_addrs;
  if (inner.length === 0) return [];
  const transportLocal = config.connections
    .filter((c) => c.children.some((ch) => ch.mode === 'transport'))
    .flatMap((c) => c.local_addrs.filter((a) => a !== '%any' && !a.includes('/')));
  return [...new Set([...inner, ...transportLocal])];
}
