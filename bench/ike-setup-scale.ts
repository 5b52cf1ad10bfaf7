/**
 * IKE SA setup at scale, in process, no strongSwan (issue 14, point 1): two of our hosts
 * (actors/ipsec-host.ts) on real loopback UDP, an initiator on 127.0.0.2 and a responder on
 * 127.0.0.1 (free ports), node:crypto, the system clock, aes128gcm16-prfsha256-x25519 for IKE
 * and aes128gcm16 for ESP, PSK, one tunnel Child SA per IKE SA. For 1k / 10k / 100k
 * established IKE SAs: setup rate, CPU per SA, heap and RSS per SA, RSS at start, and what the
 * idle SAs cost per second (timers, DPD), with event-loop delay. Timing is printed, never
 * asserted; the issue's goals are printed as met / not met.
 *
 * How N distinct IKE SAs come about: the initiator initiates its one connection (`gw`, child
 * `net`) N times, at most INFLIGHT (64) at once, as `ikev2 initiate` would: every
 * Supervisor.initiate spawns a new IKE SA (only the first carries INITIAL_CONTACT; `unique` is
 * `no`, so the responder keeps them all). One connection, so the configuration costs nothing
 * per SA. Every Child SA has the same selectors, hence one reqid and one pair of policies.
 *
 * Each size runs in a fresh process (this script with `worker N`, node --expose-gc and
 * --max-old-space-size) so that one size's heap does not inflate the next. Memory is taken
 * after forced full collections: per SA = (after N established - before any SA) / N.
 *   in process (default)   both hosts in the worker; CPU and RSS are both sides together. The
 *                          responder's heap alone is measured by closing the initiator (no
 *                          Deletes sent) after the idle phase and collecting again.
 *   RESPONDER_PROCESS=1    the responder in a child process (bench/ike-scale-responder.ts)
 *                          reporting its own memory and CPU over IPC: the issue's figures.
 *
 * Environment:
 *   SIZES=1000,10000,100000   IKE SAs per run (each run a fresh process)
 *   IDLE_S=10                 seconds the N SAs stay established, idle, while CPU is measured
 *   DPD_DELAY=300             swanctl dpd_delay (s) on both sides (0 = no DPD). Not 30: at 30 s the
 *                             first SAs probe while the rest are still being set up, and from 10k
 *                             SAs on the setup figures then measure DPD (measured: 13.5 datagrams
 *                             per SA instead of 2 at 10k). DPD_DELAY=30 IDLE_S=60 measures DPD idling.
 *   INFLIGHT=64               initiations in flight
 *   RESPONDER_PROCESS=1       responder in its own process (see above)
 *   MAX_SETUP_S=600           stop a size's setup after this long and report how far it got
 *   MAX_OLD_SPACE_MB=8192     --max-old-space-size of the worker (and responder)
 *   PROFILE=1                 --cpu-prof of the 10k run into bench-out/, top functions printed
 *   HEAPSNAPSHOT=1            heap snapshots of the responder before any SA and after 10k are
 *                             established (bench-out/), the classes that grow per SA printed
 *   OUT_DIR=bench-out
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import {
  cpuProfileTop,
  diffPerSa,
  ESP_PROPOSAL,
  heapClassTotals,
  hostReport,
  IKE_PROPOSAL,
  INITIATOR_ADDR,
  initiatorConfig,
  type LoopDelay,
  loopDelayMonitor,
  RESPONDER_ADDR,
  type ResponderReport,
  type ResponderRequest,
  responderConfig,
  type ScaleSettings,
  sample,
  startUdpHost,
  type TimerCounts,
  type UdpHost,
} from './ike-scale-common.js';
import { printTable } from './table.js';

const HERE = fileURLToPath(import.meta.url);
const env = process.env;
const PROFILE = env.PROFILE === '1';
const HEAPSNAPSHOT = env.HEAPSNAPSHOT === '1';
const SIZES = (env.SIZES ?? (PROFILE || HEAPSNAPSHOT ? '10000' : '1000,10000,100000'))
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const IDLE_S = Number(env.IDLE_S ?? 10);
const DPD_DELAY = Number(env.DPD_DELAY ?? 300);
const INFLIGHT = Number(env.INFLIGHT ?? 64);
const RESPONDER_PROCESS = env.RESPONDER_PROCESS === '1';
const MAX_SETUP_S = Number(env.MAX_SETUP_S ?? 600);
const MAX_OLD_SPACE_MB = Number(env.MAX_OLD_SPACE_MB ?? 8192);
const OUT_DIR = resolve(env.OUT_DIR ?? 'bench-out');
/** Both processes together stop growing at this RSS (there is no swap to fall back on). */
const RSS_LIMIT = Math.floor(totalmem() * 0.75);
/** Which size the profile and the snapshots are of: 10k if it runs, else the largest. */
const DETAIL_SIZE = SIZES.includes(10_000) ? 10_000 : Math.max(...SIZES);

// The issue's goals (charon 5.9.8 on the same machine: 17.8 KB RSS growth per SA; /proc kB).
const GOAL_BYTES_PER_SA = 0.5 * 17.8 * 1024;
const GOAL_100K_RSS = 1024 ** 3;
const GOAL_START_RSS = 40 * 1024 ** 2;

const KB = 1024;
const MB = 1024 ** 2;
const settings: ScaleSettings = { dpdDelay: DPD_DELAY };

// ---- the responder, here or in a child process ----

interface Responder {
  readonly port: number;
  readonly start: ResponderReport;
  report(gc: boolean): Promise<ResponderReport>;
  rss(): Promise<number>;
  resetLoop(): Promise<void>;
  snapshot(file: string): Promise<string>;
  close(): Promise<void>;
  /** Set when the responder process died (e.g. out of memory). */
  readonly died: () => string | undefined;
}

async function localResponder(): Promise<Responder & { host: UdpHost }> {
  const host = await startUdpHost(RESPONDER_ADDR, responderConfig(settings));
  let loop = loopDelayMonitor();
  return {
    host,
    port: host.ports.port,
    start: hostReport(host, loop, true),
    report: async (gc) => hostReport(host, loop, gc),
    rss: async () => process.memoryUsage.rss(),
    resetLoop: async () => {
      loop.histogram.disable();
      loop = loopDelayMonitor();
    },
    snapshot: async (file) => writeHeapSnapshot(file),
    close: () => host.close(),
    died: () => undefined,
  };
}

async function childResponder(execArgv: string[]): Promise<Responder & { child: ChildProcess }> {
  const child = fork(join(dirname(HERE), 'ike-scale-responder.js'), [], {
    execArgv,
    env: { ...env, SCALE_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let died: string | undefined;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ port: number; report: ResponderReport }>((ok, fail) => {
    child.once('message', (m) => ok(m as { port: number; report: ResponderReport }));
    child.once('exit', (code, signal) => fail(new Error(`responder exited (${code ?? signal})`)));
  });
  child.on('message', (m: { id?: number; result?: unknown }) => {
    if (m.id === undefined) return;
    pending.get(m.id)?.ok(m.result);
    pending.delete(m.id);
  });
  child.on('exit', (code, signal) => {
    died = `responder process exited (${signal ?? `code ${code}`})`;
    for (const p of pending.values()) p.fail(new Error(died));
    pending.clear();
  });
  const ask = <T>(req: ResponderRequest): Promise<T> =>
    new Promise<T>((ok, fail) => {
      if (died) return fail(new Error(died));
      const id = nextId++;
      pending.set(id, { ok: ok as (v: unknown) => void, fail });
      child.send({ id, req });
    });
  const { port, report } = await ready;
  return {
    child,
    port,
    start: report,
    report: (gc) => ask<ResponderReport>({ cmd: 'report', gc }),
    rss: () => ask<number>({ cmd: 'rss' }),
    resetLoop: () => ask<void>({ cmd: 'reset-loop' }),
    snapshot: (file) => ask<string>({ cmd: 'snapshot', file }),
    close: async () => {
      if (died) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      await ask<void>({ cmd: 'close' }).catch(() => undefined);
      await exited;
    },
    died: () => died,
  };
}

// ---- one size, in a worker process ----

interface IdleResult {
  readonly seconds: number;
  /** CPU of the responder (in process: both hosts) per second of idling. */
  readonly cpuMsPerS: number;
  /** The initiator's, with a responder process of its own. */
  readonly initiatorCpuMsPerS?: number;
  readonly timersFired: number;
  readonly timersSet: number;
  /** UDP datagrams the responder sent + received meanwhile (DPD exchanges: 2 per probe). */
  readonly datagrams: number;
  /** Timeout handles alive at the end (process.getActiveResourcesInfo), responder process. */
  readonly timeouts: number;
  readonly loop: LoopDelay;
}

interface SizeResult {
  readonly n: number;
  readonly mode: 'in process' | 'responder process';
  readonly maxOldSpaceMb: number;
  readonly launched: number;
  /** Established with their Child SA, as the initiator saw them. */
  readonly established: number;
  /** ... and as the responder holds them at the end of setup. */
  readonly responderEstablished: number;
  readonly failed: number;
  readonly stopped?: string;
  readonly setupS: number;
  readonly rate: number;
  /** CPU ms per SA: the responder's (responder process) or both hosts' (in process). */
  readonly cpuMsPerSa: number;
  readonly initiatorCpuMsPerSa?: number;
  /** UDP datagrams the responder received / sent per SA during setup (2 / 2 without retransmissions). */
  readonly inPerSa: number;
  readonly outPerSa: number;
  /** Retransmissions by the initiator's live IKE SAs; UDP receive-buffer drops (/proc/net/snmp, whole host). */
  readonly retransmits: number;
  readonly rcvbufErrors: number;
  /** The responder host at start, before any SA: its process (responder process) or the worker's. */
  readonly startRss: number;
  readonly startHeap: number;
  /** Per established SA: both hosts in process, the responder's alone with a process of its own. */
  readonly heapPerSa: number;
  readonly rssPerSa: number;
  /** In process: the responder's heap per SA once the initiator is closed. */
  readonly responderHeapPerSa: number;
  /** The responder's RSS at the end (all N established). */
  readonly endRss: number;
  /** What the initiator adds in total (heap, and RSS with a responder process). */
  readonly initiatorHeap: number;
  readonly initiatorRss?: number;
  readonly externalPerSa: number;
  readonly idle?: IdleResult;
  readonly responderTimers: TimerCounts;
  readonly snapshots?: { readonly before: string; readonly after: string; readonly sas: number };
}

/** UDP RcvbufErrors of the whole host (/proc/net/snmp): datagrams the kernel dropped. */
function udpRcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

function workerExecArgv(n: number, role: 'initiator' | 'both' | 'responder'): string[] {
  const args = ['--expose-gc', `--max-old-space-size=${MAX_OLD_SPACE_MB}`];
  if (PROFILE && n === DETAIL_SIZE)
    args.push('--cpu-prof', `--cpu-prof-dir=${OUT_DIR}`, `--cpu-prof-name=ike-scale-${n}-${role}.cpuprofile`);
  return args;
}

async function worker(n: number): Promise<SizeResult> {
  const log = (s: string) => process.stderr.write(`  [${n}] ${s}\n`);
  const responder = RESPONDER_PROCESS
    ? await childResponder(workerExecArgv(n, 'responder'))
    : await localResponder();
  const initiator = await startUdpHost(INITIATOR_ADDR, initiatorConfig(settings, responder.port));
  const detail = n === DETAIL_SIZE;
  let snapshotBefore: string | undefined;
  if (HEAPSNAPSHOT && detail) {
    mkdirSync(OUT_DIR, { recursive: true });
    snapshotBefore = await responder.snapshot(join(OUT_DIR, `ike-scale-${n}-before.heapsnapshot`));
  }
  const rBefore = await responder.report(true);
  const iBefore = RESPONDER_PROCESS ? sample(true) : rBefore.mem;

  // Setup: N initiations, INFLIGHT at once.
  const sup = initiator.host.supervisor;
  const done = new WeakSet<object>();
  let launched = 0;
  let established = 0;
  let failed = 0;
  let stopped: string | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((ok) => {
    finish = ok;
  });
  let pumping = false;
  const pump = () => {
    pumping = false;
    while (!stopped && launched - established - failed < INFLIGHT && launched < n) {
      launched++;
      try {
        sup.initiate('gw', 'net');
      } catch (e) {
        stopped = `initiate threw: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (stopped || established + failed >= n) finish();
  };
  const schedule = () => {
    if (pumping) return;
    pumping = true;
    setImmediate(pump);
  };
  const off = sup.on((e) => {
    const h = e.handle;
    if (
      (e.type === 'ike-established' && h.children.length > 0) ||
      (e.type === 'child-installed' && h.state === 'ESTABLISHED')
    ) {
      if (done.has(h)) return;
      done.add(h);
      established++;
      schedule();
    } else if (e.type === 'ike-failed' && !done.has(h)) {
      done.add(h);
      failed++;
      schedule();
    }
  });
  const udpErrors0 = udpRcvbufErrors();
  const t0 = performance.now();
  let lastProgress = { at: t0, count: 0 };
  let lastLog = t0;
  const guard = setInterval(() => {
    void (async () => {
      const now = performance.now();
      const rss = process.memoryUsage.rss() + (RESPONDER_PROCESS ? await responder.rss().catch(() => 0) : 0);
      if (established + failed > lastProgress.count) lastProgress = { at: now, count: established + failed };
      if (responder.died()) stopped = responder.died();
      else if (now - t0 > MAX_SETUP_S * 1000) stopped = `MAX_SETUP_S=${MAX_SETUP_S} s reached`;
      // Longer than the whole retransmission schedule (4 s x 1.8^0..5, about 150 s).
      else if (now - lastProgress.at > 200_000) stopped = 'no progress for 200 s';
      else if (rss > RSS_LIMIT)
        stopped = `RSS ${(rss / MB).toFixed(0)} MB > limit ${(RSS_LIMIT / MB).toFixed(0)} MB`;
      if (now - lastLog > 10_000) {
        lastLog = now;
        log(
          `${established} established, ${failed} failed, ${((established / (now - t0)) * 1000).toFixed(0)}/s, ` +
            `RSS ${(rss / MB).toFixed(0)} MB`,
        );
      }
      if (stopped) finish();
    })();
  }, 1000);
  schedule();
  await finished;
  const setupS = (performance.now() - t0) / 1000;
  clearInterval(guard);
  off();
  const rcvbufErrors = udpRcvbufErrors() - udpErrors0;
  let retransmits = 0;
  for (const h of sup.ikeSas) retransmits += h.actor.getSnapshot().context.stats.retransmits;
  if (stopped) log(`stopped: ${stopped}`);
  // Let what is in flight land, so that both sides hold the same SAs.
  await sleep(stopped ? 2000 : 200);

  const rAfter = await responder.report(true);
  const iAfter = RESPONDER_PROCESS ? sample(true) : rAfter.mem;
  const sas = Math.max(1, rAfter.established);
  const cpuMsPerSa = (rAfter.mem.cpuUs - rBefore.mem.cpuUs) / 1000 / Math.max(1, established);

  // Idle: the N SAs stay up; CPU, timers, datagrams and loop delay over IDLE_S seconds.
  let idle: IdleResult | undefined;
  if (IDLE_S > 0 && !responder.died()) {
    await responder.resetLoop();
    const r0 = await responder.report(false);
    const i0 = RESPONDER_PROCESS ? sample(false) : r0.mem;
    await sleep(IDLE_S * 1000);
    const r1 = await responder.report(false);
    const i1 = RESPONDER_PROCESS ? sample(false) : r1.mem;
    const seconds = (r1.mem.at - r0.mem.at) / 1000;
    idle = {
      seconds,
      cpuMsPerS: (r1.mem.cpuUs - r0.mem.cpuUs) / 1000 / seconds,
      ...(RESPONDER_PROCESS ? { initiatorCpuMsPerS: (i1.cpuUs - i0.cpuUs) / 1000 / seconds } : {}),
      timersFired: r1.timers.fired - r0.timers.fired,
      timersSet: r1.timers.set - r0.timers.set,
      datagrams: r1.udp.received + r1.udp.sent - r0.udp.received - r0.udp.sent,
      timeouts: r1.resources.Timeout ?? 0,
      loop: r1.loop,
    };
  }

  // The responder alone: with a process of its own it is; in process, close the initiator.
  let responderHeapPerSa = (rAfter.mem.heapUsed - rBefore.mem.heapUsed) / sas;
  let initiatorHeap = iAfter.heapUsed - iBefore.heapUsed;
  let rEnd = rAfter;
  if (!RESPONDER_PROCESS) {
    await initiator.close();
    rEnd = await responder.report(true);
    responderHeapPerSa = (rEnd.mem.heapUsed - responder.start.mem.heapUsed) / sas;
    initiatorHeap = rAfter.mem.heapUsed - rEnd.mem.heapUsed;
  }
  let snapshots: SizeResult['snapshots'];
  if (snapshotBefore && !responder.died()) {
    log('writing the heap snapshot');
    const after = await responder.snapshot(join(OUT_DIR, `ike-scale-${n}-after.heapsnapshot`));
    snapshots = { before: snapshotBefore, after, sas };
  }
  const result: SizeResult = {
    n,
    mode: RESPONDER_PROCESS ? 'responder process' : 'in process',
    maxOldSpaceMb: MAX_OLD_SPACE_MB,
    launched,
    established,
    responderEstablished: rAfter.established,
    failed,
    ...(stopped ? { stopped } : {}),
    setupS,
    rate: established / setupS,
    cpuMsPerSa,
    retransmits,
    rcvbufErrors,
    inPerSa: (rAfter.udp.received - rBefore.udp.received) / Math.max(1, established),
    outPerSa: (rAfter.udp.sent - rBefore.udp.sent) / Math.max(1, established),
    ...(RESPONDER_PROCESS
      ? {
          initiatorCpuMsPerSa: (iAfter.cpuUs - iBefore.cpuUs) / 1000 / Math.max(1, established),
          initiatorRss: iAfter.rss - iBefore.rss,
        }
      : {}),
    startRss: responder.start.mem.rss,
    startHeap: responder.start.mem.heapUsed,
    heapPerSa: (rAfter.mem.heapUsed - rBefore.mem.heapUsed) / sas,
    rssPerSa: (rAfter.mem.rss - rBefore.mem.rss) / sas,
    externalPerSa: (rAfter.mem.external - rBefore.mem.external) / sas,
    responderHeapPerSa,
    endRss: rAfter.mem.rss,
    initiatorHeap,
    ...(idle ? { idle } : {}),
    responderTimers: rEnd.timers,
    ...(snapshots ? { snapshots } : {}),
  };
  if (RESPONDER_PROCESS) await initiator.close();
  await responder.close();
  return result;
}

// ---- the orchestrator ----

function runWorker(n: number): Promise<SizeResult | { n: number; error: string }> {
  return new Promise((ok) => {
    const child = fork(HERE, ['worker', String(n)], {
      execArgv: workerExecArgv(n, RESPONDER_PROCESS ? 'initiator' : 'both'),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: SizeResult | undefined;
    child.on('message', (m) => {
      result = m as SizeResult;
    });
    child.on('exit', (code, signal) => {
      ok(result ?? { n, error: `worker exited (${signal ?? `code ${code}`}) before reporting` });
    });
  });
}

/** RSS of the real daemon (`ikev2 daemon`, one connection, --log-level warn) once it listens. */
async function daemonStartRss(): Promise<number | string> {
  const dir = mkdtempSync(join(tmpdir(), 'ike-scale-daemon-'));
  const conf = join(dir, 'swanctl.conf');
  const sock = join(dir, 'control.sock');
  writeFileSync(
    conf,
    [
      'daemon {',
      '  port = 0',
      '  port_nat_t = 0',
      '}',
      'connections {',
      '  rw {',
      `    local_addrs = ${RESPONDER_ADDR}`,
      `    proposals = ${IKE_PROPOSAL}`,
      '    local {',
      '      auth = psk',
      '      id = gw@bench',
      '    }',
      '    remote {',
      '      auth = psk',
      '      id = client@bench',
      '    }',
      '    children {',
      '      net {',
      '        local_ts = 10.98.2.0/24',
      '        remote_ts = 10.98.1.0/24',
      `        esp_proposals = ${ESP_PROPOSAL}`,
      '      }',
      '    }',
      '  }',
      '}',
      'secrets {',
      '  ike-bench {',
      '    id-1 = gw@bench',
      '    id-2 = client@bench',
      '    secret = bench-psk-0123456789abcdef',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const cli = join(dirname(HERE), '..', 'targets', 'native', 'ikev2.js');
  const child = spawn(
    process.execPath,
    [cli, 'daemon', '--config', conf, '--control', sock, '--log-level', 'warn'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  try {
    for (let i = 0; i < 200 && !existsSync(sock) && child.exitCode === null; i++) await sleep(50);
    if (!existsSync(sock)) return `daemon did not start: ${stderr.trim().split('\n')[0] ?? ''}`;
    await sleep(1000); // settle: what a freshly started daemon holds
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb * 1024;
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const ok = (met: boolean) => (met ? 'met' : 'NOT MET');

function printHeapDiff(r: SizeResult): void {
  if (!r.snapshots) return;
  process.stderr.write('  reading the heap snapshots...\n');
  const before = heapClassTotals(r.snapshots.before);
  const after = heapClassTotals(r.snapshots.after);
  const diff = diffPerSa(before, after, r.snapshots.sas);
  const total = (after.bytes - before.bytes) / r.snapshots.sas;
  printTable(
    diff
      .slice(0, 25)
      .map((d) => [
        d.key.length > 70 ? `${d.key.slice(0, 67)}...` : d.key,
        Math.round(d.countPerSa * 10) / 10,
        Math.round(d.bytesPerSa),
        `${((d.bytesPerSa / total) * 100).toFixed(1)} %`,
      ]),
    {
      title:
        `Responder heap growth per established SA by class (snapshot after ${r.snapshots.sas} SAs minus before; ` +
        `shallow sizes; ${Math.round(total)} B/SA in ${Math.round((after.nodes - before.nodes) / r.snapshots.sas)} objects/SA)\n` +
        `  ${r.snapshots.before}\n  ${r.snapshots.after}`,
      header: ['class (objects by constructor, closures by function)', 'objects/SA', 'bytes/SA', 'share'],
      digits: 1,
    },
  );
}

function printProfiles(n: number): void {
  if (!PROFILE || !existsSync(OUT_DIR)) return;
  for (const f of readdirSync(OUT_DIR).filter(
    (x) => x.startsWith(`ike-scale-${n}-`) && x.endsWith('.cpuprofile'),
  )) {
    const file = join(OUT_DIR, f);
    const { entries, totalMs } = cpuProfileTop(file);
    printTable(
      entries
        .slice(0, 25)
        .map((e) => [
          e.fn.length > 90 ? `${e.fn.slice(0, 87)}...` : e.fn,
          Math.round(e.selfMs),
          `${(e.share * 100).toFixed(1)} %`,
        ]),
      {
        title: `CPU profile ${file} (${Math.round(totalMs)} ms, setup and idle): top functions by self time`,
        header: ['function', 'self ms', 'share'],
      },
    );
  }
}

async function orchestrate(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  console.log(
    `IKE SA setup at scale: two hosts on loopback UDP (initiator ${INITIATOR_ADDR}, responder ${RESPONDER_ADDR}), ` +
      `IKE ${IKE_PROPOSAL}, ESP ${ESP_PROPOSAL} tunnel, PSK, node:crypto, system clock`,
  );
  console.log(
    `  one connection initiated N times, ${INFLIGHT} in flight; dpd_delay ${DPD_DELAY} s; DoS thresholds off; ` +
      `idle ${IDLE_S} s; ${RESPONDER_PROCESS ? 'responder in its own process (RESPONDER_PROCESS=1)' : 'both hosts in one process (RESPONDER_PROCESS=1: responder alone)'}; ` +
      `node ${process.version} --expose-gc --max-old-space-size=${MAX_OLD_SPACE_MB}; RSS limit ${mb(RSS_LIMIT)} MB`,
  );
  const results: SizeResult[] = [];
  for (const n of SIZES) {
    process.stderr.write(`  running ${n} ...\n`);
    const r = await runWorker(n);
    if ('error' in r) {
      console.log(`  ${n}: ${r.error} (out of memory? raise MAX_OLD_SPACE_MB, now ${MAX_OLD_SPACE_MB})`);
      continue;
    }
    results.push(r);
  }
  const daemonRss = await daemonStartRss();
  const inProcess = !RESPONDER_PROCESS;
  const both = inProcess ? ' (both hosts)' : '';

  printTable(
    results.map((r) => [
      r.n,
      r.established,
      r.responderEstablished,
      r.failed,
      Math.round(r.setupS * 10) / 10,
      Math.round(r.rate),
      r.cpuMsPerSa,
      r.initiatorCpuMsPerSa ?? '-',
      `${r.inPerSa.toFixed(2)} / ${r.outPerSa.toFixed(2)}`,
      r.retransmits,
      r.rcvbufErrors,
      r.stopped ?? '',
    ]),
    {
      title: 'Setup',
      header: [
        'SAs',
        'up (init)',
        'up (resp)',
        'failed',
        'setup s',
        'SA/s',
        `CPU ms/SA${inProcess ? ' (both)' : ' (resp)'}`,
        'CPU ms/SA (init)',
        'resp datagrams in / out per SA',
        'retransmits',
        'UDP rcvbuf drops',
        'stopped',
      ],
    },
  );
  printTable(
    results.map((r) => [
      r.n,
      mb(r.startRss),
      mb(r.startHeap),
      Math.round(r.heapPerSa / 100) / 10,
      Math.round(r.rssPerSa / 100) / 10,
      Math.round(r.responderHeapPerSa / 100) / 10,
      Math.round(r.externalPerSa / 100) / 10,
      mb(r.endRss),
      mb(r.initiatorHeap),
      r.initiatorRss === undefined ? '-' : mb(r.initiatorRss),
    ]),
    {
      title: `Memory (after forced GC; KB = 1024 B)${inProcess ? ': heap and RSS per SA are both hosts together' : ''}`,
      header: [
        'SAs',
        'RSS start MB',
        'heap start MB',
        `heap KB/SA${both}`,
        `RSS KB/SA${both}`,
        'heap KB/SA (resp)',
        `external KB/SA${both}`,
        `RSS end MB${both}`,
        'initiator heap MB',
        'initiator RSS MB',
      ],
      digits: 1,
    },
  );
  const idled = results.filter((r) => r.idle);
  if (idled.length)
    printTable(
      idled.map((r) => {
        const i = r.idle!;
        return [
          r.n,
          Math.round(i.seconds * 10) / 10,
          i.cpuMsPerS,
          (i.cpuMsPerS / r.responderEstablished) * 1000,
          i.initiatorCpuMsPerS ?? '-',
          Math.round(i.timersFired / i.seconds),
          Math.round(i.timersSet / i.seconds),
          Math.round(i.datagrams / i.seconds),
          i.timeouts,
          Math.round((i.timeouts / r.responderEstablished) * 10) / 10,
          i.loop.meanMs,
          i.loop.p99Ms,
          i.loop.maxMs,
        ];
      }),
      {
        title:
          `Idle (${IDLE_S} s, dpd_delay ${DPD_DELAY} s: SAs probe once they are that old)` +
          `${inProcess ? ': CPU, timers and datagrams of both hosts (timers: the responder clock)' : ': the responder process'}`,
        header: [
          'SAs',
          'idle s',
          'CPU ms/s',
          'CPU ms/s per 1k SA',
          'init CPU ms/s',
          'timers fired/s',
          'timers set/s',
          'datagrams/s (resp)',
          'Timeouts armed',
          'Timeouts/SA',
          'loop delay mean ms',
          'p99 ms',
          'max ms',
        ],
      },
    );

  // Goals (issue 14). Per-SA memory: the responder's RSS growth with a process of its own; in
  // process the RSS cannot be split, so the responder's heap per SA stands in (a lower bound).
  const last = results.filter((r) => !r.stopped).at(-1) ?? results.at(-1);
  console.log('\nGoals (issue 14)');
  if (last) {
    const perSa = RESPONDER_PROCESS ? last.rssPerSa : last.responderHeapPerSa;
    const what = RESPONDER_PROCESS
      ? 'responder RSS growth'
      : 'responder heap growth (in process; RSS needs RESPONDER_PROCESS=1)';
    console.log(
      `  memory per IKE SA + Child SA <= ${(GOAL_BYTES_PER_SA / KB).toFixed(1)} KB: ${ok(perSa <= GOAL_BYTES_PER_SA)} ` +
        `(${(perSa / KB).toFixed(1)} KB, ${what}, at ${last.responderEstablished} SAs)`,
    );
    const at100k = results.find((r) => r.n >= 100_000 && r.responderEstablished >= 100_000);
    if (at100k && RESPONDER_PROCESS) {
      console.log(
        `  100,000 SAs under 1 GiB RSS: ${ok(at100k.endRss < GOAL_100K_RSS)} (responder RSS ${mb(at100k.endRss)} MB)`,
      );
    } else {
      const rssPerSa = RESPONDER_PROCESS ? last.rssPerSa : last.rssPerSa / 2;
      const projected = last.startRss + 100_000 * rssPerSa;
      console.log(
        `  100,000 SAs under 1 GiB RSS: ${ok(projected < GOAL_100K_RSS)} (projected ${mb(projected)} MB = RSS at start + 100k x ` +
          `${(rssPerSa / KB).toFixed(1)} KB from the ${last.n} run${RESPONDER_PROCESS ? '' : ", half of both hosts' RSS growth"}` +
          `${at100k ? `; the in-process 100k run ended at ${mb(at100k.endRss)} MB for both hosts` : ''})`,
      );
    }
  }
  if (typeof daemonRss === 'number')
    console.log(
      `  daemon RSS at start <= 40 MB: ${ok(daemonRss <= GOAL_START_RSS)} (ikev2 daemon, one connection, --log-level warn: ` +
        `${mb(daemonRss)} MB; this bench's responder host at start: ${mb(results[0]?.startRss ?? Number.NaN)} MB)`,
    );
  else console.log(`  daemon RSS at start <= 40 MB: not measured (${daemonRss})`);

  for (const r of results) {
    printHeapDiff(r);
    printProfiles(r.n);
  }
}

if (process.argv[2] === 'worker') {
  worker(Number(process.argv[3]))
    .then((r) => process.send?.(r, () => process.exit(0)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
} else {
  orchestrate().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
