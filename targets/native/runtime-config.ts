/**
 * The configuration as the running daemon applies it (after loading, before the supervisor):
 * - daemon.port / port_nat_t become the ports actually bound (0 = a free port);
 * - a connection's local_port follows daemon.port when it is the default 500 or daemon.port
 *   itself (swanctl.conf(5): "by default the port of the socket backend is used"), since the
 *   supervisor sends from local_port;
 * - local_addrs of a family bound on the wildcard become that wildcard (the socket to send from).
 * liveConfig() is a Config whose fields read the current value, so a reload reaches the
 * supervisor (which keeps the object it was given) for every IKE SA started afterwards.
 */
import { type Config, DAEMON_DEFAULTS } from '../../ipsec/config/model.js';

const WILDCARDS = new Set(['%any', '%any4', '%any6', '0.0.0.0', '::', '0.0.0.0/0', '::/0']);
const isV6 = (a: string) => a.includes(':') || a === '%any6';

/** The addresses to bind: every concrete local address, or the family's wildcard. */
export function bindAddresses(config: Pick<Config, 'connections'>): string[] {
  const all = config.connections.flatMap((c) => (c.local_addrs.length ? c.local_addrs : ['%any']));
  if (all.length === 0) return ['0.0.0.0'];
  const out: string[] = [];
  for (const v6 of [false, true]) {
    const family = all.filter((a) => isV6(a) === v6);
    if (family.length === 0) continue;
    if (family.some((a) => WILDCARDS.has(a))) out.push(v6 ? '::' : '0.0.0.0');
    else for (const a of family) if (!out.includes(a)) out.push(a);
  }
  return out;
}

export function effectiveConfig(
  config: Config,
  ports: { readonly port: number; readonly natT: number },
  bound: readonly string[],
): Config {
  const wild4 = bound.includes('0.0.0.0');
  const wild6 = bound.includes('::');
  const localAddr = (a: string) =>
    (a === '%any' || !isV6(a)) && wild4 ? '0.0.0.0' : isV6(a) && wild6 ? '::' : a;
  return {
    ...config,
    daemon: { ...config.daemon, port: ports.port, port_nat_t: ports.natT },
    connections: config.connections.map((c) => ({
      ...c,
      local_addrs: [...new Set((c.local_addrs.length ? c.local_addrs : ['%any']).map(localAddr))],
      local_port:
        c.local_port === DAEMON_DEFAULTS.port || c.local_port === config.daemon.port
          ? ports.port
          : c.local_port,
    })),
  };
}

export interface LiveConfig extends Config {
  readonly current: Config;
  set(config: Config): void;
}

export function liveConfig(initial: Config): LiveConfig {
  let current = initial;
  return {
    get current() {
      return current;
    },
    get daemon() {
      return current.daemon;
    },
    get connections() {
      return current.connections;
    },
    get secrets() {
      return current.secrets;
    },
    set(config: Config) {
      current = config;
    },
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** The settings of `reloaded` that the running host cannot apply without a restart. */
export function restartNeeded(
  running: Config,
  reloaded: Config,
  bound: readonly string[],
  ports: { readonly port: number; readonly natT: number },
): string[] {
  const d = reloaded.daemon;
  const out: string[] = [];
  if (d.port !== 0 && d.port !== ports.port) out.push('daemon.port');
  if (d.port_nat_t !== 0 && d.port_nat_t !== ports.natT) out.push('daemon.port_nat_t');
  if (!sameSet(bindAddresses(reloaded), bound)) out.push('connections.*.local_addrs (bound addresses)');
  if (!sameSet(d.inner_addrs, running.daemon.inner_addrs)) out.push('daemon.inner_addrs');
  for (const k of [
    'cookie_threshold',
    'cookie_threshold_ip',
    'block_threshold',
    'init_limit_half_open',
    'tun',
    'tun_mtu',
    'tun_table',
    'path_mtu',
    'vici',
  ] as const)
    if (d[k] !== running.daemon[k]) out.push(`daemon.${k}`);
  return out;
}
