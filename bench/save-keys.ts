/**
 * --save-keys cost (issue 14 point 3: setup rate with it >= 90 % of the rate without it).
 * In process on virtual time: two hosts (actors/ipsec-host.ts on a memory network, node:crypto,
 * aes128gcm16-prfsha256-x25519, ESP aes128gcm16, PSK), the client bringing up N IKE SAs with
 * one Child SA each, 64 in flight, all kept up to the end; with 'save-keys' both hosts' events
 * feed a SaveKeys (targets/native/save-keys.ts) writing into a real temporary directory, as
 * `ikev2 daemon --save-keys DIR` does. Trials alternate (A B B A ...) so that a machine that
 * speeds up or slows down moves both alike; it prints the median rates and the median of the
 * per-pair ratios. Timing is printed, never asserted.
 *
 * It also times the SaveKeys calls themselves (their share of the setup time, per SA per host).
 *
 *   SIZES=1000,10000 ROUNDS=3 npm run bench:save-keys
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpsecHost, type IpsecHost } from '../actors/ipsec-host.js';
import {
  type Config,
  type ConnectionConfig,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
} from '../ipsec/config/model.js';
import { seededRandom } from '../ipsec/crypto/random.js';
import { utf8 } from '../ipsec/util/bytes.js';
import { VirtualClock } from '../ipsec/util/clock.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { ESP_TABLE, IKEV2_TABLE, SaveKeys } from '../targets/native/save-keys.js';
import { MemoryNetwork } from '../transport/memory.js';
import { printTable } from './table.js';

const SIZES = (process.env.SIZES ?? '1000,10000').split(',').map(Number);
/** A/B pairs per size (default: 6 for up to 1,000 SAs, 2 above). */
const roundsFor = (n: number) => Number(process.env.ROUNDS ?? (n <= 1000 ? 6 : 2));
const IN_FLIGHT = 64;
const CLIENT = '10.98.0.1';
const GATEWAY = '10.98.0.2';
const PROPOSAL = 'aes128gcm16-prfsha256-x25519';

type Variant = 'no save-keys' | 'save-keys';

function connection(name: string, local: string, remote: string, ids: [string, string]): ConnectionConfig {
  return connectionWithDefaults({
    name,
    local_addrs: [local],
    remote_addrs: [remote],
    proposals: [PROPOSAL],
    local: { auth: 'psk', id: ids[0] },
    remote: { auth: 'psk', id: ids[1] },
    children: [
      {
        name: 'net',
        mode: 'tunnel',
        local_ts: name === 'gw' ? ['10.98.1.0/24'] : ['10.98.2.0/24'],
        remote_ts: name === 'gw' ? ['10.98.2.0/24'] : ['10.98.1.0/24'],
        esp_proposals: ['aes128gcm16'],
      },
    ],
  });
}

interface Result {
  /** Setups per second of wall time. */
  readonly rate: number;
  /** Setups per second of this process's CPU time (user + system): other load moves it less. */
  readonly cpuRate: number;
  readonly appends: number;
  readonly rewrites: number;
  readonly bytes: number;
  /** Milliseconds inside SaveKeys.event (both hosts). */
  readonly inside: number;
}

/** One trial: fresh hosts, n setups, all kept up; returns IKE+Child SA setups per second. */
function trial(variant: Variant, n: number, seed: number): Result {
  // the same heap state for both variants (node --expose-gc; without it, the trials alternate only)
  (globalThis as { gc?: () => void }).gc?.();
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({ clock, random: seededRandom(`save-keys/${seed}/net`), latencyMs: 5 });
  // The bench measures setup, not the DoS guard: one client address with 64 in flight.
  const daemon = { ...DAEMON_DEFAULTS, cookie_threshold: 0, cookie_threshold_ip: 0, block_threshold: 0 };
  const secrets = [{ name: 'ike', id: ['alice@bench', 'bob@bench'], secret: utf8('bench-psk-0123456789') }];
  const host = (name: string, address: string, c: ConnectionConfig): IpsecHost => {
    const config: Config = { daemon, connections: [c], secrets };
    return createIpsecHost({
      config,
      provider: nodeProvider,
      random: seededRandom(`save-keys/${seed}/${name}`),
      clock,
      transport: net.bind({ address, port: 500 }, { address, port: 4500 }),
    });
  };
  const client = host('client', CLIENT, connection('gw', CLIENT, GATEWAY, ['alice@bench', 'bob@bench']));
  const gateway = host('gateway', GATEWAY, connection('rw', GATEWAY, '%any', ['bob@bench', 'alice@bench']));
  const dirs: string[] = [];
  const writers: SaveKeys[] = [];
  let inside = 0;
  if (variant === 'save-keys')
    for (const h of [client, gateway]) {
      const dir = mkdtempSync(join(tmpdir(), 'ikev2-bench-keys-'));
      const keys = new SaveKeys(dir, undefined, { clock });
      h.supervisor.on((e) => {
        const t = performance.now();
        keys.event(e);
        inside += performance.now() - t;
      });
      dirs.push(dir);
      writers.push(keys);
    }
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i += IN_FLIGHT) {
    for (let k = i; k < Math.min(n, i + IN_FLIGHT); k++) client.supervisor.initiate('gw', 'net');
    clock.advance(50);
  }
  clock.advance(1000);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const up = client.supervisor.ikeSas.filter((h) => h.state === 'ESTABLISHED' && h.children.length === 1);
  if (up.length !== n) throw new Error(`${variant}: ${up.length} of ${n} IKE SAs with their Child SA up`);
  let bytes = 0;
  for (const [i, dir] of dirs.entries()) {
    const ike = readFileSync(join(dir, IKEV2_TABLE), 'utf8');
    const esp = readFileSync(join(dir, ESP_TABLE), 'utf8');
    const lines = (s: string) => s.split('\n').length - 1;
    if (lines(ike) !== n || lines(esp) !== 2 * n)
      throw new Error(`save-keys ${i}: ${lines(ike)} IKE and ${lines(esp)} ESP lines for ${n} SAs`);
    bytes += ike.length + esp.length;
  }
  for (const w of writers) w.close();
  client.supervisor.close();
  gateway.supervisor.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  return {
    rate: n / seconds,
    cpuRate: n / cpuSeconds,
    appends: writers.reduce((s, w) => s + w.stats.appends, 0),
    rewrites: writers.reduce((s, w) => s + w.stats.rewrites, 0),
    bytes,
    inside,
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const range = (xs: readonly number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;

function main(): void {
  for (let i = 0; i < 3; i++) for (const v of ['no save-keys', 'save-keys'] as const) trial(v, 500, -1 - i); // warm-up (JIT)
  const rows: (string | number)[][] = [];
  for (const n of SIZES) {
    const results: Record<Variant, Result[]> = { 'no save-keys': [], 'save-keys': [] };
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const rounds = roundsFor(n);
    for (let round = 0; round < rounds; round++) {
      // A B, then B A: each variant runs first as often as the other
      const order: Variant[] = round % 2 ? ['save-keys', 'no save-keys'] : ['no save-keys', 'save-keys'];
      const got = new Map<Variant, Result>();
      for (const v of order) {
        const r = trial(v, n, round);
        got.set(v, r);
        results[v].push(r);
        process.stderr.write(
          `  n=${n} round ${round + 1}/${rounds} ${v}: ${r.rate.toFixed(1)} SA/s, ${r.cpuRate.toFixed(1)} SA/CPU-s\n`,
        );
      }
      const a = got.get('no save-keys')!;
      const b = got.get('save-keys')!;
      ratios.push(b.rate / a.rate);
      cpuRatios.push(b.cpuRate / a.cpuRate);
    }
    const med = (v: Variant, f: (r: Result) => number) => median(results[v].map(f));
    const insideMs = med('save-keys', (r) => r.inside / n / 2); // per SA per host
    const last = results['save-keys'].at(-1)!;
    rows.push([
      n,
      rounds,
      Math.round(med('no save-keys', (r) => r.rate)),
      Math.round(med('save-keys', (r) => r.rate)),
      median(ratios),
      range(ratios),
      Math.round(med('no save-keys', (r) => r.cpuRate)),
      Math.round(med('save-keys', (r) => r.cpuRate)),
      median(cpuRatios),
      range(cpuRatios),
      insideMs * 1000,
      // both hosts' time in SaveKeys per setup over a setup's CPU time with save-keys
      (2 * insideMs) / (1000 / med('save-keys', (r) => r.cpuRate)),
      last.appends / n / 2,
      last.rewrites,
      Math.round(last.bytes / n / 2),
    ]);
  }
  console.log(
    `IKE SA + Child SA setups per second, both hosts in one process (${PROPOSAL}, ESP aes128gcm16, ` +
      `node:crypto, ${IN_FLIGHT} in flight, all SAs kept up), A/B rounds alternating, medians; ` +
      'save-keys on both hosts, each into its own temporary directory.\n' +
      "SA/s: per second of wall time; SA/CPU-s: per second of this process's CPU time (other load " +
      'on the machine moves it less). in SaveKeys: time inside SaveKeys.event per SA per host, and ' +
      "both hosts' share of a setup's CPU time. Goal: ratio >= 0.9.\n",
  );
  printTable(rows, {
    header: [
      'SAs',
      'rounds',
      'without SA/s',
      'with SA/s',
      'ratio',
      'range',
      'without SA/CPU-s',
      'with SA/CPU-s',
      'CPU ratio',
      'range',
      'in SaveKeys us/SA/host',
      'share',
      'writes/SA/host',
      'rewrites',
      'bytes/SA/host',
    ],
    digits: 3,
  });
}

main();
