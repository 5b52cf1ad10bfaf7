/**
 * IKE SA setup cost against strongSwan (npm run bench:ike-setup; issue 14): a charon initiator
 * driven over VICI brings up SAS IKE SAs, each with one tunnel Child SA
 * (aes128gcm16-prfsha256-x25519, ESP aes128gcm16, PSK, IN_FLIGHT at a time), against
 *   (a) charon 5.9.8 as responder, and
 *   (b) our daemon as responder (`ikev2 daemon --log-level warn`, no --save-keys),
 * both in netns swan at 10.99.0.2, the initiator in netns swanc at 10.99.0.1 (the interop lab,
 * ../shared/interop). Rounds alternate A B A B (ROUNDS of each); every round starts a fresh
 * initiator and a fresh responder, reads the responder's /proc/PID/stat (utime + stime, all
 * threads) and /proc/PID/status (VmRSS) before and after the load, and stops both.
 *
 * Then, with WARM=1 (the default), the same responder takes a second batch of SAS new SAs while
 * the first stay up, read the same way: the cost of an SA once the process is warm (V8 has
 * compiled and optimized the hot code, the young generation has grown), which a fresh process's
 * first batch includes.
 *
 * Printed: per round, then the medians for charon and ours, ours/charon, and issue 14's goals
 * (CPU per SA <= 0.5 x charon's, RSS growth per SA <= 0.5 x, rate >= 1 x, RSS at start <= 40 MB)
 * met or not, for the first batch and the warm one. Timing is printed, never asserted.
 *
 * Env: ROUNDS (2), SAS (1000), WARM (1; 0 = first batch only), IN_FLIGHT (64), STALL_S (10: no SA up for this long, what is no
 * longer half-open on the initiator counts as lost), SETTLE_MS (1000: pause after a responder is
 * ready, before the first reading), IDLE_AFTER_S (5: RSS read again after this long idle, after the
 * load and the listing), OURS_NODE_ARGS (node flags for our daemon, e.g. --cpu-prof), SWANLAB_DIR (the lab), SWANLAB_RUN (runtime files; a temp
 * folder by default, removed after a clean run unless SWANLAB_KEEP=1).
 * Needs root, the lab and strongSwan (the lab's setup.sh) and a build (the npm script builds).
 * The namespaces and charons are torn down on exit, on errors and on Ctrl-C.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CHILD,
  type Charon,
  CONN,
  ESP_PROPOSAL,
  IKE_PROPOSAL,
  labDir,
  labInUse,
  netnsUp,
  OurResponder,
  type ProcSample,
  procName,
  procSample,
  repoRoot,
  sleep,
  startCharonResponder,
  startInitiator,
  teardownSync,
} from './ike-setup/lab.js';
import { charonEstablished, runLoad } from './ike-setup/load.js';
import { type Cell, printTable } from './table.js';

const int = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
};

const ROUNDS = int('ROUNDS', 2);
const SAS = int('SAS', 1000);
const IN_FLIGHT = int('IN_FLIGHT', 64);
const STALL_S = int('STALL_S', 10);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 1000);
const IDLE_AFTER_S = Number(process.env.IDLE_AFTER_S ?? 5);
const WARM = process.env.WARM !== '0';

type Responder = 'charon' | 'ours';

interface Round {
  readonly responder: Responder;
  readonly index: number;
  /** child-updown "up" events on the initiator; initiates refused; started but never up. */
  readonly ok: number;
  readonly refused: number;
  readonly lost: number;
  readonly stalls: number;
  /** ESTABLISHED with an INSTALLED Child SA, as each side lists them after the load. */
  readonly responderUp: number;
  readonly initiatorUp: number;
  /** The SAs the per-SA figures count: established on both ends. */
  readonly up: number;
  readonly wallMs: number;
  readonly rate: number;
  readonly cpuMsPerSa: number;
  /** The kernel's part of cpuMsPerSa (stime). */
  readonly sysMsPerSa: number;
  readonly rssKbPerSa: number;
  /** RSS growth per SA read again IDLE_AFTER_S after the load (and the listing). */
  readonly rssIdleKbPerSa: number;
  readonly rssStartKb: number;
  readonly rssEndKb: number;
  readonly cpuShare: number;
  readonly initiatorCpuMsPerSa: number;
  readonly errors: ReadonlyMap<string, number>;
  /** The second batch on the same, warm responder (WARM=1). */
  readonly warm?: Round;
}

// ---- preconditions and cleanup ----

function refuse(message: string): never {
  console.error(`bench:ike-setup: ${message}`);
  process.exit(2);
}

function preconditions(): void {
  if (process.platform !== 'linux') refuse('needs Linux (network namespaces)');
  if (process.getuid?.() !== 0)
    refuse(
      'needs root (network namespaces, port 500, charon): run it as root, e.g. sudo npm run bench:ike-setup',
    );
  if (!existsSync(path.join(labDir, 'charon.sh')))
    refuse(`the interop lab is not at ${labDir} (set SWANLAB_DIR to ../shared/interop)`);
  if (!existsSync('/usr/lib/ipsec/charon') || !existsSync('/usr/sbin/swanctl'))
    refuse(`strongSwan is not installed: run ${path.join(labDir, 'setup.sh')}`);
  if (!existsSync(path.join(repoRoot, 'dist', 'targets', 'native', 'ikev2.js')))
    refuse('dist/ has no ikev2 daemon: npm run build (npm run bench:ike-setup builds first)');
  const busy = labInUse();
  if (busy)
    refuse(
      `the lab is in use: netns ${busy} exists (an interop run or another bench?). ` +
        `If it is stale: ${path.join(labDir, 'teardown.sh')} with that run's SWANLAB_RUN, or ip netns del ${busy}`,
    );
}

let ours: OurResponder | undefined;
let ownRun = false;
let clean = false;
let tornDown = false;

function cleanup(): void {
  if (tornDown) return;
  tornDown = true;
  ours?.killSync();
  teardownSync();
  const run = process.env.SWANLAB_RUN!;
  if (clean && ownRun && !process.env.SWANLAB_KEEP) rmSync(run, { recursive: true, force: true });
  else console.error(`runtime files (configs, charon logs) kept in ${run}`);
}

// ---- one round ----

async function round(responder: Responder, index: number): Promise<Round> {
  let initiator: Charon | undefined;
  let charon: Charon | undefined;
  try {
    initiator = await startInitiator();
    let pid: number;
    if (responder === 'charon') {
      charon = await startCharonResponder();
      pid = charon.pid();
    } else {
      ours = await OurResponder.start();
      pid = ours.pid;
    }
    const expected = responder === 'charon' ? 'charon' : 'node';
    if (procName(pid) !== expected) throw new Error(`pid ${pid} is ${procName(pid)}, not ${expected}`);
    await sleep(SETTLE_MS);
    const init = initiator;
    const listed = async () => ({
      responder: charon ? await charonEstablished(charon.vici) : await ours!.established(),
      initiator: await charonEstablished(init.vici),
    });
    const first = await batch(responder, index, pid, init, listed, { responder: 0, initiator: 0 });
    if (!WARM) return first;
    // The second batch: SAS more SAs on the same responder, the first batch still up.
    const warm = await batch(responder, index, pid, init, listed, {
      responder: first.responderUp,
      initiator: first.initiatorUp,
    });
    return { ...first, warm };
  } finally {
    // the responder first: the initiator is still there to answer its Deletes
    if (charon) await charon.stop();
    if (ours) {
      await ours.stop();
      ours = undefined;
    }
    if (initiator) await initiator.stop();
  }
}

interface Listed {
  readonly responder: number;
  readonly initiator: number;
}

/**
 * One batch of SAS SAs: the responder's (and initiator's) CPU and RSS read before and after the
 * load, the SAs each side lists counted after the readings (listing costs the responder CPU
 * too; `earlier`: what they listed before this batch), and RSS again once the responder has
 * idled (V8 collects and returns pages when idle; charon's allocator keeps what it has): the
 * memory the established SAs hold, not the setup's garbage.
 */
async function batch(
  responder: Responder,
  index: number,
  pid: number,
  initiator: Charon,
  listed: () => Promise<Listed>,
  earlier: Listed,
): Promise<Round> {
  const initiatorPid = initiator.pid();
  const before = procSample(pid);
  const initiatorBefore = procSample(initiatorPid);
  const load = await runLoad(initiator.vici, {
    sas: SAS,
    inFlight: IN_FLIGHT,
    ike: CONN,
    child: CHILD,
    stallMs: STALL_S * 1000,
  });
  const after = procSample(pid);
  const initiatorAfter = procSample(initiatorPid);
  const now = await listed();
  const responderUp = now.responder - earlier.responder;
  const initiatorUp = now.initiator - earlier.initiator;
  const up = Math.min(load.up, responderUp, initiatorUp);
  await sleep(IDLE_AFTER_S * 1000);
  const idle = procSample(pid);
  return summary(responder, index, load, up, responderUp, initiatorUp, before, after, idle, {
    before: initiatorBefore,
    after: initiatorAfter,
  });
}

function summary(
  responder: Responder,
  index: number,
  load: Awaited<ReturnType<typeof runLoad>>,
  up: number,
  responderUp: number,
  initiatorUp: number,
  before: ProcSample,
  after: ProcSample,
  idle: ProcSample,
  initiator: { before: ProcSample; after: ProcSample },
): Round {
  const per = (x: number) => (up > 0 ? x / up : Number.NaN);
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    responder,
    index,
    ok: load.up,
    refused: load.refused,
    lost: load.lost,
    stalls: load.stalls,
    responderUp,
    initiatorUp,
    up,
    wallMs: load.wallMs,
    rate: up / (load.wallMs / 1000),
    cpuMsPerSa: per(cpuMs),
    sysMsPerSa: per(after.sysMs - before.sysMs),
    rssKbPerSa: per(after.rssKb - before.rssKb),
    rssIdleKbPerSa: per(idle.rssKb - before.rssKb),
    rssStartKb: before.rssKb,
    rssEndKb: after.rssKb,
    cpuShare: cpuMs / load.wallMs,
    initiatorCpuMsPerSa: per(initiator.after.cpuMs - initiator.before.cpuMs),
    errors: load.errors,
  };
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

function describeRound(r: Round): string {
  return r.warm ? `${describeBatch(r)}\n  warm: ${describeBatch(r.warm)}` : describeBatch(r);
}

function describeBatch(r: Round): string {
  const errors = [...r.errors].map(([m, n]) => `${n} x "${m}"`).join(', ');
  const trouble = r.refused + r.lost > 0 || r.stalls > 0;
  return (
    `round ${r.index} ${r.responder.padEnd(6)}: ${r.up}/${SAS} up ` +
    `(listed by the responder ${r.responderUp}, the initiator ${r.initiatorUp}) ` +
    `in ${f(r.wallMs / 1000)} s = ${f(r.rate, 0)} SA/s; ` +
    `responder CPU ${f(r.cpuMsPerSa)} ms/SA (kernel ${f(r.sysMsPerSa)}; ${f(r.cpuShare * 100, 0)} % of a core), ` +
    `RSS ${f(r.rssStartKb / 1024, 1)} -> ${f(r.rssEndKb / 1024, 1)} MB (${f(r.rssKbPerSa, 1)} KB/SA; ${f(r.rssIdleKbPerSa, 1)} after ${IDLE_AFTER_S} s idle); ` +
    `initiator CPU ${f(r.initiatorCpuMsPerSa)} ms/SA` +
    (trouble
      ? `\n    refused ${r.refused}, lost ${r.lost}, stalls ${r.stalls}${errors ? `: ${errors}` : ''}`
      : '')
  );
}

const median = (xs: readonly number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `fresh`: the first batch of each round (RSS at start is then the responder's at start). */
function report(rounds: readonly Round[], batch: string, fresh: boolean): void {
  const of = (who: Responder, pick: (r: Round) => number) =>
    median(rounds.filter((r) => r.responder === who).map(pick));
  const range = (who: Responder, pick: (r: Round) => number, digits: number) => {
    const xs = rounds.filter((r) => r.responder === who).map(pick);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return xs.length > 1 ? `${f(lo, digits)}-${f(hi, digits)}` : f(lo, digits);
  };
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  type Metric = {
    label: string;
    pick: (r: Round) => number;
    digits: number;
    goal: string;
    check: (ratio: number, ours: number) => boolean;
  };
  const metrics: Metric[] = [
    { label: 'IKE+CHILD SA/s', pick: (r) => r.rate, digits: 0, goal: '>= 1 x', check: (q) => q >= 1 },
    {
      label: 'responder CPU ms per SA',
      pick: (r) => r.cpuMsPerSa,
      digits: 2,
      goal: '<= 0.5 x',
      check: (q) => q <= 0.5,
    },
    {
      label: 'RSS growth KB per SA',
      pick: (r) => r.rssKbPerSa,
      digits: 1,
      goal: '<= 0.5 x',
      check: (q) => q <= 0.5,
    },
    {
      label: `RSS growth KB/SA, ${IDLE_AFTER_S} s idle`,
      pick: (r) => r.rssIdleKbPerSa,
      digits: 1,
      goal: '<= 0.5 x',
      check: (q) => q <= 0.5,
    },
  ];
  if (fresh)
    metrics.push({
      label: 'RSS at start MB',
      pick: (r) => r.rssStartKb / 1024,
      digits: 1,
      goal: '<= 40 MB',
      check: (_q, o) => o <= 40,
    });
  const rows: Cell[][] = metrics.map((m) => {
    const c = of('charon', m.pick);
    const o = of('ours', m.pick);
    const ratio = o / c;
    return [
      m.label,
      f(c, m.digits),
      range('charon', m.pick, m.digits),
      f(o, m.digits),
      range('ours', m.pick, m.digits),
      `${f(ratio, 2)} x`,
      m.goal,
      met(m.check(ratio, o)),
    ];
  });
  rows.push([
    'SAs up (median of rounds)',
    String(of('charon', (r) => r.up)),
    range('charon', (r) => r.up, 0),
    String(of('ours', (r) => r.up)),
    range('ours', (r) => r.up, 0),
    '',
    `${SAS}`,
    '',
  ]);
  printTable(rows, {
    title: `${batch}: medians over ${ROUNDS} round(s) each (ranges: min-max); ours/charon; issue 14's goals`,
    header: ['', 'charon', '(range)', 'ours', '(range)', 'ours/charon', 'goal', ''],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
  });
}

async function main(): Promise<void> {
  preconditions();
  if (!process.env.SWANLAB_RUN) {
    process.env.SWANLAB_RUN = mkdtempSync(path.join(tmpdir(), 'swanlab-bench-'));
    ownRun = true;
  }
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(sig, () => {
      console.error(`\n${sig}: tearing the lab down`);
      process.exit(130);
    });
  console.log(
    `IKE SA setup against strongSwan: ${SAS} IKE SAs + tunnel Child SA per round, ${IN_FLIGHT} in flight, ` +
      `${IKE_PROPOSAL} / ESP ${ESP_PROPOSAL}, PSK; charon initiator (netns swanc, reuse_ikesa = no) ` +
      `over VICI; responder in netns swan: charon 5.9.8 (log level 0) or ours ` +
      `(--log-level warn, no --save-keys); rounds A B x ${ROUNDS}`,
  );
  await netnsUp();
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    for (const who of ['charon', 'ours'] as const) {
      const r = await round(who, i);
      console.log(describeRound(r));
      rounds.push(r);
    }
  }
  report(rounds, `the first ${SAS} SAs of a fresh responder`, true);
  const warm = rounds.flatMap((r) => (r.warm ? [r.warm] : []));
  if (warm.length === rounds.length)
    report(warm, `the next ${SAS} SAs, same responder, the first ${SAS} still up (warm)`, false);
  console.log(
    '\nwhere the rest goes: docs/DESIGN.md "IKE SA setup cost"; profile it with ' +
      'OURS_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" here, or npm run bench:ike-scale with PROFILE=1 ' +
      '(top functions) and HEAPSNAPSHOT=1 (heap growth per SA by class)',
  );
  clean = true;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  if (ours) console.error(`--- our daemon's output (tail) ---\n${ours.log()}`);
  process.exitCode = 1;
});
