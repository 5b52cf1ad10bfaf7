/**
 * The VICI commands about the daemon itself, with charon's message layouts (vici_query.c,
 * vici_config.c): version, stats (with the data plane's counters: data-plane-stats.ts),
 * reload-settings, get-algorithms, get-counters, reset-counters, get-pools.
 *
 * Where charon reports something we do not have, the answer keeps charon's layout with what
 * stands for it here: one worker (Node's event loop, busy answering this command), no job
 * queues, one "plugin" (this stack) providing every algorithm, no address pools.
 */
import { readFileSync } from 'node:fs';
import { arch, release, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IKE_MESSAGE_COUNTER_NAMES, type IkeMessageCounts } from '../../../../actors/ike-message-counters.js';
import {
  ENCR_TRANSFORMS,
  INTEG_TRANSFORMS,
  KE_TRANSFORMS,
  PRF_TRANSFORMS,
} from '../../../../ipsec/crypto/transforms.js';
import { type ViciInput, viciSection, viciString } from '../message.js';
import type { ViciServer } from '../server-types.js';
import { dataPlaneStats } from './data-plane-stats.js';
import type { ViciDaemonContext } from './index.js';

/** The name charon's `daemon` key and its plugins carry here. */
export const VICI_DAEMON_NAME = 'ikev2-actors';

/** charon's counter names (vici_query.c vici_counter_type_names), in its order. */
export const VICI_COUNTER_NAMES = [
  'ike-rekey-init',
  'ike-rekey-resp',
  'child-rekey',
  'invalid',
  'invalid-spi',
  'ike-init-in-req',
  'ike-init-in-resp',
  'ike-init-out-req',
  'ike-init-out-resp',
  'ike-auth-in-req',
  'ike-auth-in-resp',
  'ike-auth-out-req',
  'ike-auth-out-resp',
  'create-child-in-req',
  'create-child-in-resp',
  'create-child-out-req',
  'create-child-out-resp',
  'info-in-req',
  'info-in-resp',
  'info-out-req',
  'info-out-resp',
] as const;
export type ViciCounterName = (typeof VICI_COUNTER_NAMES)[number];
type Counts = Record<ViciCounterName, number>;

const zeroCounts = (): Counts => Object.fromEntries(VICI_COUNTER_NAMES.map((n) => [n, 0])) as Counts;

let packageVersion: string | undefined;
/** The version in this package's package.json (the nearest one named ikev2-actors). */
export function daemonVersion(): string {
  if (packageVersion !== undefined) return packageVersion;
  packageVersion = 'unknown';
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === VICI_DAEMON_NAME && typeof pkg.version === 'string') {
        packageVersion = pkg.version;
        break;
      }
    } catch {
      // no package.json here
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return packageVersion;
}

const UNITS: readonly [number, string][] = [
  [86_400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
];

/** strongSwan's %V: the time delta in its largest unit ("5 seconds", "2 hours"). */
export function timeDelta(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  for (const [size, unit] of UNITS)
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  return `${s} second${s === 1 ? '' : 's'}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** strongSwan's %T (local time): "Jan 02 15:04:05 2006". */
export function timeStamp(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

const unique = (names: Iterable<string>) => [...new Set(names)];
const byPlugin = (names: Iterable<string>): ViciInput =>
  Object.fromEntries(unique(names).map((n) => [n, VICI_DAEMON_NAME]));

/** get-algorithms: charon's sections, each algorithm (strongSwan's name) -> its plugin. */
export function algorithms(): ViciInput {
  return {
    encryption: byPlugin(ENCR_TRANSFORMS.filter((t) => !t.aead).map((t) => t.name)),
    integrity: byPlugin(INTEG_TRANSFORMS.map((t) => t.name)),
    aead: byPlugin(ENCR_TRANSFORMS.filter((t) => t.aead).map((t) => t.name)),
    hasher: byPlugin(['HASH_SHA1', 'HASH_SHA2_256', 'HASH_SHA2_384', 'HASH_SHA2_512']),
    prf: byPlugin(PRF_TRANSFORMS.map((t) => t.name)),
    xof: {},
    dh: byPlugin(KE_TRANSFORMS.map((t) => t.name)),
    rng: byPlugin(['RNG_WEAK', 'RNG_STRONG', 'RNG_TRUE']),
    'nonce-gen': { NONCE_GEN: VICI_DAEMON_NAME },
  };
}

/**
 * The counters charon's counters plugin keeps, from what this daemon counts: `invalid` and
 * `invalid-spi` from the supervisor (malformed datagrams, unknown SPIs), the IKE messages per
 * exchange from its message counters (actors/ike-message-counters.ts), IKE SA and Child SA
 * rekeys from its events (globally and per connection). reset-counters takes the current values
 * as the new zero.
 */
class Counters {
  private readonly perConn = new Map<string, Counts>();
  private global = zeroCounts();
  private base = { invalid: 0, invalidSpi: 0 };
  /** The message counts at the last reset: globally, and per connection. */
  private messageBase: Partial<IkeMessageCounts> = {};
  private readonly connMessageBase = new Map<string, Partial<IkeMessageCounts>>();
  readonly off: () => void;

  constructor(private readonly ctx: ViciDaemonContext) {
    this.off = ctx.host.supervisor.on((e) => {
      let key: ViciCounterName;
      if (e.type === 'ike-rekeyed') key = e.handle.initiator ? 'ike-rekey-init' : 'ike-rekey-resp';
      else if (e.type === 'child-installed' && e.child.record.rekeyOf) key = 'child-rekey';
      else return;
      this.global[key]++;
      const c = this.perConn.get(e.handle.name) ?? zeroCounts();
      c[key]++;
      this.perConn.set(e.handle.name, c);
    });
  }

  private get messages() {
    return this.ctx.host.supervisor.messageCounters;
  }

  /** `counts` with the message counts since the last reset added. */
  private withMessages(
    counts: Counts,
    now: Readonly<IkeMessageCounts> | undefined,
    base: Partial<IkeMessageCounts> | undefined,
  ): Counts {
    if (!now) return counts;
    const out = { ...counts };
    for (const n of IKE_MESSAGE_COUNTER_NAMES) out[n] += now[n] - (base?.[n] ?? 0);
    return out;
  }

  private live() {
    const c = this.ctx.host.supervisor.counters;
    return { invalid: c.malformed, invalidSpi: c.unknownSpi };
  }

  /** The global counters (charon's unnamed section). */
  globals(): Counts {
    const l = this.live();
    return this.withMessages(
      {
        ...this.global,
        invalid: l.invalid - this.base.invalid,
        'invalid-spi': l.invalidSpi - this.base.invalidSpi,
      },
      this.messages.totals(),
      this.messageBase,
    );
  }

  /** A connection's counters: undefined for a connection neither configured nor counted. */
  of(name: string): Counts | undefined {
    const c = this.perConn.get(name);
    const m = this.messages.of(name);
    if (!c && !m && !this.ctx.config().connections.some((x) => x.name === name)) return undefined;
    return this.withMessages(c ? { ...c } : zeroCounts(), m, this.connMessageBase.get(name));
  }

  names(): string[] {
    return unique([
      ...this.ctx.config().connections.map((c) => c.name),
      ...this.perConn.keys(),
      ...this.messages.names(),
    ]);
  }

  reset(name: string | undefined, all: boolean): void {
    if (all || name === undefined) {
      this.global = zeroCounts();
      this.base = this.live();
      this.messageBase = { ...this.messages.totals() };
    }
    const resetConn = (n: string) => {
      this.perConn.delete(n);
      const m = this.messages.of(n);
      if (m) this.connMessageBase.set(n, { ...m });
    };
    if (all) for (const n of this.names()) resetConn(n);
    else if (name !== undefined) resetConn(name);
  }
}

const yes = (v: string | undefined) => v === 'yes' || v === 'true' || v === '1';

/**
 * Registers version, stats, reload-settings, get-algorithms, get-counters, reset-counters and
 * get-pools; returns what unsubscribes the counters from the supervisor.
 */
export function registerCoreCommands(server: ViciServer, ctx: ViciDaemonContext): () => void {
  const counters = new Counters(ctx);

  server.command('version', () =>
    viciSection({
      daemon: VICI_DAEMON_NAME,
      version: daemonVersion(),
      sysname: type(),
      release: release(),
      machine: machineName(),
    }),
  );

  server.command('stats', () => {
    const now = ctx.clock.now();
    const sup = ctx.host.supervisor;
    const mem = process.memoryUsage();
    return viciSection({
      uptime: {
        running: timeDelta((now - ctx.startedAt) / 1000),
        since: timeStamp(Date.now() - (now - ctx.startedAt)),
      },
      // One worker: Node's event loop, busy answering this command.
      workers: { total: 1, idle: 0, active: { critical: 0, high: 0, medium: 1, low: 0 } },
      queues: { critical: 0, high: 0, medium: 0, low: 0 },
      scheduled: 0,
      ikesas: { total: sup.ikeSas.length, 'half-open': sup.dos.halfOpen },
      // Ours (swanctl --stats shows only charon's sections): the front door's counters (§2.6 cookies).
      dos: {
        datagrams: sup.counters.datagrams,
        malformed: sup.counters.malformed,
        'unknown-spi': sup.counters.unknownSpi,
        'cookies-sent': sup.counters.cookiesSent,
        'init-dropped': sup.counters.dosDropped,
      },
      ...dataPlaneStats({
        esp: ctx.host.esp.pipeline.counters(),
        udp: ctx.host.transport.counters,
        ...(ctx.host.tun ? { tun: ctx.host.tun } : {}),
      }),
      plugins: [VICI_DAEMON_NAME, 'vici'],
      // charon's glibc mallinfo, here V8's heap: sbrk = heap reserved, mmap = buffers outside it.
      mallinfo: {
        sbrk: mem.heapTotal,
        mmap: mem.external,
        used: mem.heapUsed,
        free: Math.max(0, mem.heapTotal - mem.heapUsed),
      },
    });
  });

  server.command('reload-settings', () => {
    const r = ctx.reload();
    if (r.ok) return viciSection({ success: 'yes' });
    return viciSection({
      success: 'no',
      errmsg: `configuration has ${r.errors.length} error(s), kept the running one: ${r.errors[0] ?? ''}`,
    });
  });

  server.command('get-algorithms', () => viciSection(algorithms()));

  server.command('get-counters', (req) => {
    const name = viciString(req, 'name');
    const all = yes(viciString(req, 'all'));
    const sections: Record<string, Counts> = {};
    let errmsg: string | undefined;
    if (all) {
      for (const n of counters.names()) {
        const c = counters.of(n);
        if (c) sections[n] = c;
      }
    } else if (name === undefined || name === '') {
      sections[''] = counters.globals();
    } else {
      const c = counters.of(name);
      if (c) sections[name] = c;
      else errmsg = 'no counters found for this connection';
    }
    return viciSection({
      counters: sections,
      success: errmsg ? 'no' : 'yes',
      ...(errmsg ? { errmsg } : {}),
    });
  });

  server.command('reset-counters', (req) => {
    const name = viciString(req, 'name');
    counters.reset(name === '' ? undefined : name, yes(viciString(req, 'all')));
    return viciSection({ success: 'yes' });
  });

  // No virtual IP address pools (load-pool is not supported): an empty answer, as charon's with none.
  server.command('get-pools', () => viciSection({}));

  return counters.off;
}

/** uname -m's name for this machine. */
function machineName(): string {
  const a = arch();
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7l' };
  return names[a] ?? a;
}
