/**
 * The TUN host: this machine's own traffic through the Child SAs, as strongSwan's
 * kernel-libipsec does with `ipsec0` (daemon.tun). It takes the inner host's place (host.ts):
 *
 *   start   open the device (tun-device.ts; not persistent) -> `ip link set NAME mtu
 *           daemon.tun_mtu up` -> daemon.inner_addrs on the device -> the policy rule
 *           `priority 220 lookup daemon.tun_table` (unless the table is main, or the rule is
 *           there) -> a route for every routed policy already in the SPD
 *   out     device -> pipeline.send (SPD -> SAD -> ESP -> UDP; PROTECT without an SA raises an
 *           acquire: start_action = trap works for the host's own packets)
 *   in      pipeline.delivered$ -> device (the kernel delivers or forwards it)
 *   too big pipeline.tooBig$ (daemon.path_mtu) -> ICMP fragmentation needed / packet too big
 *           written back into the device (from the packet's destination)
 *   routes  SPD policy.added / policy.removed -> route-plan.ts -> `ip route replace|del PREFIX
 *           dev NAME [src ADDR] table T`; a route that would cover a peer's outer address is
 *           preceded by an exclude route for that peer through the main table's route to it
 *           (else IKE and ESP would loop into the tunnel)
 *   close   unsubscribe, delete the exclude routes and the rule we added, close the device:
 *           the kernel deletes it and every route through it. On a crash the fd closes with
 *           the process: the device and its routes go the same way (exclude routes and the
 *           rule stay; both point where the main table already does).
 *
 * `ip` commands run one at a time, in order (a route added then removed is removed last).
 */
import type { Subscription } from 'rxjs';
import type { EspPipeline } from '../../../actors/esp-pipeline.js';
import type { SadActor } from '../../../actors/sad.js';
import type { SpdActor } from '../../../actors/spd.js';
import { parseIp } from '../../../ipsec/packet/address.js';
import { type Prefix, prefixContains } from '../../../ipsec/policy/prefixes.js';
import { hostAddressOf } from '../inner-host.js';
import { coalescingWriter } from './coalescing-writer.js';
import { addressAdd, ip, linkSetup, routeDelete, routeReplace } from './iproute.js';
import { type PlannedRoute, RoutePlan } from './route-plan.js';
import { openTun, type TunCounters, type TunDevice } from './tun-device.js';

/** charon.routing_table_prio: the policy rule's priority, before the main table (32766). */
export const ROUTING_RULE_PRIORITY = 220;
/** The main routing table (rt_tables): no policy rule needed for it. */
const MAIN_TABLE = 254;

export interface TunHostLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface TunHostOptions {
  /** daemon.tun: the device name (or a `%d` pattern). */
  readonly name: string;
  readonly mtu: number;
  readonly table: number;
  /** daemon.inner_addrs: addresses or prefixes put on the device. */
  readonly addresses: readonly string[];
  readonly pipeline: Pick<EspPipeline, 'send' | 'delivered$' | 'tooBig$'>;
  readonly spd: Pick<SpdActor, 'events$' | 'table'>;
  readonly sad: Pick<SadActor, 'events$'>;
  /** Outer addresses of configured peers (remote_addrs literals): kept out of the tunnel. */
  readonly peers: readonly string[];
  readonly logger: TunHostLogger;
  /** For tests: the device opener (e.g. one that moves the device into a namespace). */
  readonly open?: (name: string) => TunDevice | Promise<TunDevice>;
  /** For tests: configure the device inside this network namespace (`ip -n NETNS`). */
  readonly netns?: string;
}

export interface TunHost {
  /** The device's name as the kernel gave it. */
  readonly name: string;
  /** The device's counters, and how many received TCP segments went in as how many packets. */
  counters(): TunCounters & {
    readonly coalesced: { readonly segmentsIn: number; readonly packetsOut: number };
  };
  /** The routes through the device now. */
  routes(): PlannedRoute[];
  /** Resolves when the `ip` commands issued so far have run. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** An inner_addrs entry as an address on the device: 'a/32' for an address, 'host/len' for a prefix. */
function deviceCidr(entry: string): string | undefined {
  const host = hostAddressOf(entry);
  if (!host) return undefined;
  const [, len] = entry.split('/');
  return `${host}/${len ?? (host.includes(':') ? 128 : 32)}`;
}

type Run = (args: readonly string[]) => Promise<string>;

interface MainRoute {
  readonly prefix: Prefix;
  readonly gateway?: string;
  readonly dev?: string;
}

/** The main table's routes of one family (`ip -j route show table main`), for exclude routes. */
async function mainRoutes(run: Run, family: 4 | 6): Promise<MainRoute[]> {
  const out = (await run([...(family === 6 ? ['-6'] : []), '-j', 'route', 'show', 'table', 'main'])).trim();
  const list: Record<string, unknown>[] = out ? JSON.parse(out) : [];
  const routes: MainRoute[] = [];
  for (const r of list) {
    const dst = String(r.dst);
    const [addr = '', len] = dst === 'default' ? [family === 4 ? '0.0.0.0' : '::', '0'] : dst.split('/');
    const bytes = parseIp(addr);
    if (!bytes) continue;
    routes.push({
      prefix: { address: bytes, length: len === undefined ? bytes.length * 8 : Number(len) },
      ...(typeof r.gateway === 'string' ? { gateway: r.gateway } : {}),
      ...(typeof r.dev === 'string' ? { dev: r.dev } : {}),
    });
  }
  return routes;
}

/**
 * Implementation default: the device's transmit queue, packets the host stack may queue for us
 * to read (the kernel's TUN default of 500 overflowed under a TCP burst while our one thread
 * was busy: bench:tun counted drops and retransmissions; Ethernet devices get 1000).
 */
export const TUN_TXQUEUELEN = 1000;

export async function startTunHost(o: TunHostOptions): Promise<TunHost> {
  const ns = o.netns ? { netns: o.netns } : {};
  const run: Run = (args) => ip(args, ns);
  // vnetHeader: received TCP goes into the host stack coalesced (coalescing-writer.ts)
  const device = await (o.open ?? ((n: string) => openTun(n, { vnetHeader: true })))(o.name);
  const inbound = coalescingWriter(device);
  const name = device.name;
  const log = o.logger;
  const deviceAddresses = o.addresses.map(deviceCidr).filter((c): c is string => c !== undefined);
  const hostBytes = deviceAddresses.map((c) => parseIp(c.split('/')[0]!)!);
  const plan = new RoutePlan(hostBytes);
  const ruleFamilies: (4 | 6)[] = [];
  const excluded = new Map<string, string[]>(); // peer -> the `ip route` arguments that added it
  const peers = new Set(o.peers.filter((p) => parseIp(p)));
  const subscriptions: Subscription[] = [];
  let queue: Promise<void> = Promise.resolve();
  let closed = false;

  /** Runs `ip` steps one after another; a failure is logged, not thrown (the data path goes on). */
  const enqueue = (what: string, step: () => Promise<void>) => {
    queue = queue.then(step).catch((e: unknown) => {
      log.warn({ err: e instanceof Error ? e.message : String(e), device: name }, `TUN: ${what} failed`);
    });
  };

  const exclude = async (peer: string) => {
    if (excluded.has(peer) || closed) return;
    const bytes = parseIp(peer)!;
    const family = bytes.length === 4 ? 4 : 6;
    // the longest main-table prefix toward the peer: where its packets went before the tunnel
    const best = (await mainRoutes(run, family))
      .filter((r) => prefixContains(r.prefix, bytes))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    if (!best?.dev) {
      log.warn({ peer, device: name }, 'TUN: no route to the peer in the main table; no exclude route');
      return;
    }
    const args = [
      ...(family === 6 ? ['-6'] : []),
      'route',
      'replace',
      `${peer}/${family === 4 ? 32 : 128}`,
      ...(best.gateway ? ['via', best.gateway] : []),
      'dev',
      best.dev,
      'table',
      String(o.table),
    ];
    await run(args);
    excluded.set(peer, args);
    log.debug(
      { peer, via: best.gateway ?? best.dev },
      'TUN: exclude route for a peer inside a routed prefix',
    );
  };

  const addRoutes = (routes: readonly PlannedRoute[]) => {
    if (routes.length === 0) return;
    enqueue('adding routes', async () => {
      for (const p of peers) if (plan.covers(parseIp(p)!)) await exclude(p);
      for (const r of routes) {
        await routeReplace({
          prefix: r.prefix,
          dev: name,
          table: o.table,
          ...(r.src ? { src: r.src } : {}),
          ...ns,
        });
        log.info({ route: r.prefix, src: r.src, device: name, table: o.table }, 'TUN route added');
      }
    });
  };
  const removeRoutes = (routes: readonly PlannedRoute[]) => {
    if (routes.length === 0) return;
    enqueue('removing routes', async () => {
      for (const r of routes) {
        await routeDelete({ prefix: r.prefix, dev: name, table: o.table, ...ns });
        log.info({ route: r.prefix, device: name }, 'TUN route removed');
      }
    });
  };

  try {
    await linkSetup(name, { mtu: o.mtu, txqueuelen: TUN_TXQUEUELEN, up: true, ...ns });
    for (const cidr of deviceAddresses) await addressAdd(name, cidr, ns);
    if (o.table !== MAIN_TABLE) {
      for (const family of [4, 6] as const) {
        const flag = family === 6 ? ['-6'] : [];
        const rules: Record<string, unknown>[] = JSON.parse(
          (await run([...flag, '-j', 'rule', 'show'])).trim() || '[]',
        );
        if (rules.some((r) => String(r.table) === String(o.table))) continue;
        try {
          await run([
            ...flag,
            'rule',
            'add',
            'priority',
            String(ROUTING_RULE_PRIORITY),
            'table',
            String(o.table),
          ]);
          ruleFamilies.push(family);
        } catch (e) {
          if (family === 4) throw e; // IPv6 may be off on this host
        }
      }
    }
  } catch (e) {
    device.close();
    throw e;
  }
  log.info({ device: name, mtu: o.mtu, addresses: deviceAddresses, table: o.table }, 'TUN device up');

  subscriptions.push(
    device.packets$.subscribe({
      next: (p) => o.pipeline.send(p),
      error: (e: unknown) => log.warn({ err: String(e), device: name }, 'TUN device failed'),
    }),
    o.pipeline.delivered$.subscribe((p) => inbound.write(p.packet)),
    // From the packet's destination: one from our own address would arrive as a martian (the
    // sender is this host); the kernel takes a too-big from any source that quotes its packet.
    o.pipeline.tooBig$.subscribe((t) => inbound.write(t.icmp)),
    o.spd.events$.subscribe((n) => {
      if (n.type === 'policy.added') addRoutes(plan.added(n.policy));
      else removeRoutes(plan.removed(n.policy));
    }),
    o.sad.events$.subscribe((n) => {
      if (n.type !== 'sa.installed' || n.entry.direction !== 'out') return;
      const peer = n.entry.dst.address;
      if (peers.has(peer)) return;
      peers.add(peer);
      if (plan.covers(n.entry.dstAddress)) enqueue('adding an exclude route', () => exclude(peer));
    }),
  );
  for (const p of o.spd.table.rules('out')) addRoutes(plan.added(p));

  let closing: Promise<void> | undefined;
  return {
    name,
    counters: () => ({ ...device.counters(), coalesced: inbound.counters() }),
    routes: () => plan.routes(),
    settled: () => queue,
    close() {
      closing ??= (async () => {
        for (const s of subscriptions) s.unsubscribe();
        inbound.flush(); // what ESP delivered goes in before the device goes
        await queue;
        closed = true;
        for (const args of excluded.values()) {
          const del = args.map((a) => (a === 'replace' ? 'del' : a));
          await run(del).catch(() => undefined);
        }
        for (const family of ruleFamilies)
          await run([
            ...(family === 6 ? ['-6'] : []),
            'rule',
            'del',
            'priority',
            String(ROUTING_RULE_PRIORITY),
            'table',
            String(o.table),
          ]).catch(() => undefined);
        device.close(); // the kernel deletes the device and its routes
        log.info({ device: name }, 'TUN device closed');
      })();
      return closing;
    },
  };
}
