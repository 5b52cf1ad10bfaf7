/**
 * Shared by bench/ike-setup-scale.ts and bench/ike-scale-responder.ts: the two hosts' configs
 * (aes128gcm16-prfsha256-x25519, ESP aes128gcm16, PSK, one tunnel Child SA), a host on real
 * loopback UDP (actors/ipsec-host.ts, as targets/native/host.ts builds it, without the inner
 * host and the logger), a clock that counts the timers it runs, memory/CPU samples, and the
 * readers of heap snapshots and CPU profiles that the bench prints.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { createIpsecHost, type IpsecHost } from '../actors/ipsec-host.js';
import {
  type Config,
  type ConnectionConfig,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
} from '../ipsec/config/model.js';
import { pooledRandom, secureRandom } from '../ipsec/crypto/random.js';
import { utf8 } from '../ipsec/util/bytes.js';
import { type Clock, systemClock } from '../ipsec/util/clock.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { effectiveConfig } from '../targets/native/runtime-config.js';
import { createUdpTransport, type UdpTransport } from '../transport/udp.js';

export const IKE_PROPOSAL = 'aes128gcm16-prfsha256-x25519';
export const ESP_PROPOSAL = 'aes128gcm16';
export const RESPONDER_ADDR = '127.0.0.1';
export const INITIATOR_ADDR = '127.0.0.2';

export interface ScaleSettings {
  /** swanctl dpd_delay (s) on both sides; 0 = no DPD. */
  readonly dpdDelay: number;
}

/**
 * The DoS knobs are off (0): one initiator address with 64 IKE_SA_INITs in flight would
 * otherwise get COOKIEs (cookie_threshold_ip 3) and drops (block_threshold 5), as charon's
 * defaults would do too; the bench measures setup, not the DoS guard.
 */
const BENCH_DAEMON = {
  ...DAEMON_DEFAULTS,
  port: 0,
  port_nat_t: 0,
  cookie_threshold: 0,
  cookie_threshold_ip: 0,
  block_threshold: 0,
  init_limit_half_open: 0,
};

const SECRETS = [
  { name: 'bench', id: ['client@bench', 'gw@bench'], secret: utf8('bench-psk-0123456789abcdef') },
];

function connection(o: {
  name: string;
  local: string;
  remote: string;
  remotePort: number;
  localId: string;
  remoteId: string;
  localTs: string;
  remoteTs: string;
  dpdDelay: number;
}): ConnectionConfig {
  return connectionWithDefaults({
    name: o.name,
    local_addrs: [o.local],
    remote_addrs: [o.remote],
    remote_port: o.remotePort,
    proposals: [IKE_PROPOSAL],
    dpd_delay: o.dpdDelay,
    local: { auth: 'psk', id: o.localId },
    remote: { auth: 'psk', id: o.remoteId },
    children: [
      {
        name: 'net',
        mode: 'tunnel',
        local_ts: [o.localTs],
        remote_ts: [o.remoteTs],
        esp_proposals: [ESP_PROPOSAL],
      },
    ],
  });
}

/** The responder: connection `rw` from %any. */
export function responderConfig(s: ScaleSettings): Config {
  return {
    daemon: BENCH_DAEMON,
    connections: [
      connection({
        name: 'rw',
        local: RESPONDER_ADDR,
        remote: '%any',
        remotePort: 500,
        localId: 'gw@bench',
        remoteId: 'client@bench',
        localTs: '10.98.2.0/24',
        remoteTs: '10.98.1.0/24',
        dpdDelay: s.dpdDelay,
      }),
    ],
    secrets: SECRETS,
  };
}

/** The initiator: connection `gw` to the responder's IKE port, initiated once per IKE SA. */
export function initiatorConfig(s: ScaleSettings, responderPort: number): Config {
  return {
    daemon: BENCH_DAEMON,
    connections: [
      connection({
        name: 'gw',
        local: INITIATOR_ADDR,
        remote: RESPONDER_ADDR,
        remotePort: responderPort,
        localId: 'client@bench',
        remoteId: 'gw@bench',
        localTs: '10.98.1.0/24',
        remoteTs: '10.98.2.0/24',
        dpdDelay: s.dpdDelay,
      }),
    ],
    secrets: SECRETS,
  };
}

/** Timers set, fired and cleared through the injected clock (XState `after`, SAD lifetimes, ...). */
export interface TimerCounts {
  set: number;
  fired: number;
  cleared: number;
}

/** systemClock, counting its timers (a few increments per timer: negligible next to a timer). */
export function countingClock(): { clock: Clock; counts: TimerCounts } {
  const counts: TimerCounts = { set: 0, fired: 0, cleared: 0 };
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      counts.set++;
      return systemClock.setTimeout((...args) => {
        counts.fired++;
        fn(...args);
      }, ms);
    },
    clearTimeout: (h) => {
      counts.cleared++;
      systemClock.clearTimeout(h);
    },
  };
  return { clock, counts };
}

export interface UdpHost {
  readonly host: IpsecHost;
  readonly transport: UdpTransport;
  readonly ports: { readonly port: number; readonly natT: number };
  readonly timers: TimerCounts;
  close(): Promise<void>;
}

/** One host on loopback UDP: IKE and NAT-T ports (free ones) on `address`. */
export async function startUdpHost(address: string, config: Config): Promise<UdpHost> {
  const transport = await createUdpTransport({
    bind: [
      { address, port: 0 },
      { address, port: 0 },
    ],
  });
  const ports = { port: transport.endpoints[0]!.port, natT: transport.endpoints[1]!.port };
  const { clock, counts } = countingClock();
  const host = createIpsecHost({
    config: effectiveConfig(config, ports, [address]),
    provider: nodeProvider,
    random: pooledRandom(secureRandom),
    clock,
    transport,
    natTPort: ports.natT,
  });
  return {
    host,
    transport,
    ports,
    timers: counts,
    async close() {
      host.supervisor.close();
      host.esp.close();
      transport.close();
      await transport.closed;
    },
  };
}

/** IKE SAs ESTABLISHED with at least one Child SA installed. */
export function establishedWithChild(h: IpsecHost): number {
  let n = 0;
  for (const s of h.supervisor.ikeSas) if (s.state === 'ESTABLISHED' && s.children.length > 0) n++;
  return n;
}

export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** process.cpuUsage(): user + system, microseconds since the process started. */
  readonly cpuUs: number;
  readonly at: number;
}

type Gc = () => void;

/**
 * CPU so far (read first, so that the forced collections do not count), then memory after
 * full garbage collections (node --expose-gc; without it, memory as it stands).
 */
export function sample(gc = true): MemorySample {
  const c = process.cpuUsage();
  const at = performance.now();
  const g = (globalThis as { gc?: Gc }).gc;
  if (gc && g) {
    g();
    g(); // a second pass collects what the first one's finalizers released
  }
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    cpuUs: c.user + c.system,
    at,
  };
}

/** Active libuv/Node resources by kind (Timeout, UDPWRAP, ...): what stays armed per SA. */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

export interface LoopDelay {
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Sampling interval of the loop-delay histogram, subtracted from what it reports. */
const LOOP_RESOLUTION_MS = 10;

/** Event-loop delay (perf_hooks), as the excess over the histogram's own 10 ms timer. */
export function loopDelayMonitor(): { histogram: IntervalHistogram; read(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  histogram.enable();
  const excess = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  return {
    histogram,
    read: () => ({
      meanMs: excess(histogram.mean),
      p99Ms: excess(histogram.percentile(99)),
      maxMs: excess(histogram.max),
    }),
  };
}

/** What a responder reports about itself: memory, CPU, SAs, timers, sockets, loop delay. */
export interface ResponderReport {
  readonly mem: MemorySample;
  readonly ikeSas: number;
  readonly established: number;
  readonly timers: TimerCounts;
  readonly resources: Record<string, number>;
  readonly udp: { readonly received: number; readonly sent: number; readonly errors: number };
  readonly loop: LoopDelay;
}

export function hostReport(u: UdpHost, loop: { read(): LoopDelay }, gc: boolean): ResponderReport {
  const mem = sample(gc);
  const c = u.transport.counters;
  return {
    mem,
    ikeSas: u.host.supervisor.ikeSas.length,
    established: establishedWithChild(u.host),
    timers: { ...u.timers },
    resources: activeResources(),
    udp: { received: c.received, sent: c.sent, errors: c.sendErrors + c.sendNoSocket + c.socketErrors },
    loop: loop.read(),
  };
}

/** Requests to a responder (in this process or bench/ike-scale-responder.ts over IPC). */
export type ResponderRequest =
  | { readonly cmd: 'report'; readonly gc: boolean }
  | { readonly cmd: 'rss' }
  | { readonly cmd: 'reset-loop' }
  | { readonly cmd: 'snapshot'; readonly file: string }
  | { readonly cmd: 'close' };

// ---- heap snapshots ----

export interface HeapClassTotals {
  /** Aggregation key -> [count, shallow bytes]. */
  readonly classes: Map<string, [number, number]>;
  readonly nodes: number;
  readonly bytes: number;
}

/**
 * Shallow sizes by class from a .heapsnapshot file, without JSON.parse of the whole file (a
 * snapshot of 10k SAs is larger than V8's longest string): the file is read as bytes, the
 * `nodes` integers and the `strings` table are scanned directly. Keys as DevTools' summary
 * groups them: objects by constructor, closures by function name, the rest by node type.
 */
export function heapClassTotals(file: string): HeapClassTotals {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) off += readSync(fd, buf, off, size - off, off);
  closeSync(fd);

  const metaEnd = buf.indexOf('"nodes":');
  const head = buf.subarray(0, metaEnd).toString('utf8');
  const metaJson = head.slice(head.indexOf('{"meta"'), head.lastIndexOf('}') + 1);
  const snapshot = JSON.parse(metaJson) as {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]] };
    node_count: number;
  };
  const fields = snapshot.meta.node_fields;
  const nf = fields.length;
  const typeNames = snapshot.meta.node_types[0];

  // nodes: [int, int, ...]; kept: type, name, self_size (3 per node)
  const kept = new Uint32Array(snapshot.node_count * 3);
  const slot = fields.map((f) => (f === 'type' ? 0 : f === 'name' ? 1 : f === 'self_size' ? 2 : -1));
  let p = buf.indexOf('[', metaEnd) + 1;
  let k = 0;
  let v = 0;
  let inNum = false;
  const total = snapshot.node_count * nf;
  for (; k < total; p++) {
    const ch = buf[p]!;
    if (ch >= 48 && ch <= 57) {
      v = v * 10 + (ch - 48);
      inNum = true;
    } else if (inNum) {
      const s = slot[k % nf]!;
      if (s >= 0) kept[Math.floor(k / nf) * 3 + s] = v;
      k++;
      v = 0;
      inNum = false;
    }
  }

  // strings: ["...", "...", ...] (the last section of the file)
  const stringsAt = buf.lastIndexOf('"strings":');
  const strings: string[] = [];
  p = buf.indexOf('[', stringsAt) + 1;
  for (;;) {
    while (buf[p] !== 34 && buf[p] !== 93) p++; // '"' or ']'
    if (buf[p] === 93) break;
    const start = p;
    p++;
    let escaped = false;
    for (;;) {
      const ch = buf[p]!;
      if (escaped) escaped = false;
      else if (ch === 92) escaped = true;
      else if (ch === 34) break;
      p++;
    }
    p++;
    // Long strings (source code) are only ever names of code or strings: keep a prefix.
    const raw = buf.subarray(start, Math.min(p, start + 4096)).toString('utf8');
    strings.push(p - start > 4096 ? '(long string)' : (JSON.parse(raw) as string));
  }

  const classes = new Map<string, [number, number]>();
  let bytes = 0;
  for (let i = 0; i < snapshot.node_count; i++) {
    const type = typeNames[kept[i * 3]!] ?? '?';
    const name = strings[kept[i * 3 + 1]!] ?? '?';
    const self = kept[i * 3 + 2]!;
    bytes += self;
    let key: string;
    switch (type) {
      case 'object':
      case 'native':
        key = name;
        break;
      case 'closure':
        key = `(closure) ${name || '(anonymous)'}`;
        break;
      case 'array':
        key = `(array) ${name}`;
        break;
      case 'string':
      case 'concatenated string':
      case 'sliced string':
        key = '(string)';
        break;
      case 'code':
        key = '(compiled code)';
        break;
      case 'hidden':
        key = `(system) ${name.startsWith('system / ') ? name.slice(9) : name}`;
        break;
      default:
        key = `(${type})`;
    }
    const c = classes.get(key);
    if (c) {
      c[0]++;
      c[1] += self;
    } else classes.set(key, [1, self]);
  }
  return { classes, nodes: snapshot.node_count, bytes };
}

export interface HeapClassDiff {
  readonly key: string;
  readonly countPerSa: number;
  readonly bytesPerSa: number;
}

/** after - before, by class, per SA; sorted by bytes, largest first. */
export function diffPerSa(before: HeapClassTotals, after: HeapClassTotals, sas: number): HeapClassDiff[] {
  const out: HeapClassDiff[] = [];
  for (const [key, [count, bytes]] of after.classes) {
    const b = before.classes.get(key) ?? [0, 0];
    out.push({ key, countPerSa: (count - b[0]) / sas, bytesPerSa: (bytes - b[1]) / sas });
  }
  return out.sort((a, b) => b.bytesPerSa - a.bytesPerSa);
}

// ---- CPU profiles ----

export interface ProfileEntry {
  readonly fn: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Self time by function (name + file:line) from a .cpuprofile (node --cpu-prof). */
export function cpuProfileTop(file: string): { entries: ProfileEntry[]; totalMs: number } {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: {
      id: number;
      hitCount?: number;
      callFrame: { functionName: string; url: string; lineNumber: number };
    }[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const hits = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const h = n.hitCount ?? 0;
    total += h;
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
    const fn =
      `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
    hits.set(fn, (hits.get(fn) ?? 0) + h);
  }
  const totalMs = (prof.endTime - prof.startTime) / 1000;
  const entries = [...hits]
    .map(([fn, h]) => ({ fn, selfMs: (h / Math.max(1, total)) * totalMs, share: h / Math.max(1, total) }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { entries, totalMs };
}
