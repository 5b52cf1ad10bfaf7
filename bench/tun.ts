/**
 * Throughput of a real tunnel through TUN devices (npm run bench:tun; issue 15 point 3): iperf3
 * between the lab's inner addresses, client 10.99.2.1 in netns swanc, server 10.99.1.1 in netns
 * swan, through
 *   veth             the bare veth (10.99.0.1 -> 10.99.0.2, no tunnel): the ceiling;
 *   charon<->charon  charon (kernel-libipsec, its TUN ipsec0) on both sides: the baseline;
 *   ours<->charon    our daemon (`daemon.tun = ipsec0`) initiating in swanc, charon in swan;
 *   ours<->ours      our daemon on both sides (the one in swan the responder);
 * for the ESP suites aes128gcm16 and aes128-sha256 (IKE aes128gcm16-prfsha256-x25519, PSK,
 * ESP in UDP on 4500). Traffic per tunnel: TCP swanc -> swan, TCP swan -> swanc (-R), UDP
 * swanc -> swan at UDP_RATE. Rounds alternate A B A B (every case and suite once per round, a
 * fresh pair of peers each time); the CPU of the peer on each side (utime + stime from
 * /proc/PID/stat, all threads) is read around every iperf3 run.
 *
 * Printed: one line per run, then per case, suite and traffic the median rate over the rounds,
 * CPU s/GB and % of a core per side, and ours / charon<->charon (issue 15's goal: TCP 1.5 x).
 *
 * Env: ROUNDS (2), DURATION (8: seconds per iperf3 run), UDP_RATE (300M), UDP_LEN (1350: UDP
 * payload, under the 1400 inner MTU), CASES (all: veth,charon<->charon,ours<->charon,ours<->ours;
 * names or their first word's prefix, e.g. CASES=charon,ours<->charon), SUITES (all),
 * TRAFFIC (all: tcp,tcp-r,udp), TUN_MTU (1400, our daemon's tun_mtu), OURS_NODE_ARGS (node flags
 * for our daemons, e.g. `--cpu-prof --cpu-prof-dir=DIR`), SWANLAB_DIR (the lab), SWANLAB_RUN
 * (runtime files; a temp folder by default, removed after a clean run unless SWANLAB_KEEP=1).
 * Needs root, the lab and strongSwan (the lab's setup.sh), iperf3 (installed with apt-get when
 * missing) and a build (the npm script builds). Namespaces, charons, daemons and iperf3 are torn
 * down on exit, on errors and on Ctrl-C.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  labDir,
  labInUse,
  netnsUp,
  procName,
  procSample,
  repoRoot,
  sleep,
  teardownSync,
} from './ike-setup/lab.js';
import { ensureIperf3, iperf, killIperfSync, type Traffic } from './tun/iperf.js';
import {
  initiate,
  LAB,
  type Peer,
  SUITES,
  type Suite,
  startPeer,
  waitForNoDevice,
  waitForTunnel,
} from './tun/lab.js';
import { drops, dropsSince } from './tun/netstat.js';
import { describeSample, type Failure, report, type Sample } from './tun/report.js';

const int = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
};

const ROUNDS = int('ROUNDS', 2);
const DURATION = int('DURATION', 8);
const UDP_RATE = process.env.UDP_RATE || '300M';
const UDP_LEN = int('UDP_LEN', 1350);

type Kind = 'charon' | 'ours';
interface Case {
  readonly name: string;
  /** The peers in swanc (initiator) and swan (responder); none: the bare veth. */
  readonly peers?: { readonly initiator: Kind; readonly responder: Kind };
}

const ALL_CASES: readonly Case[] = [
  { name: 'veth' },
  { name: 'charon<->charon', peers: { initiator: 'charon', responder: 'charon' } },
  { name: 'ours<->charon', peers: { initiator: 'ours', responder: 'charon' } },
  { name: 'ours<->ours', peers: { initiator: 'ours', responder: 'ours' } },
];

const ALL_TRAFFIC: readonly (Traffic & { key: string })[] = [
  { key: 'tcp', label: 'TCP ->', udp: false, reverse: false },
  { key: 'tcp-r', label: 'TCP <-', udp: false, reverse: true },
  { key: 'udp', label: 'UDP ->', udp: true, reverse: false },
];

/** A comma list from the environment: entries equal to a name or a prefix of it. */
function pick<T>(env: string, all: readonly T[], name: (t: T) => string): T[] {
  const v = process.env[env];
  if (!v) return [...all];
  const wanted = v.split(',').map((s) => s.trim());
  // a name selects itself only (tcp is not tcp-r); anything else selects the names it begins
  const exact = (w: string) => all.some((t) => name(t) === w);
  const out = all.filter((t) => wanted.some((w) => name(t) === w || (!exact(w) && name(t).startsWith(w))));
  if (out.length === 0) throw new Error(`${env}=${v} selects nothing of ${all.map(name).join(', ')}`);
  return out;
}

const CASES = pick('CASES', ALL_CASES, (c) => c.name);
const SUITES_RUN = pick('SUITES', SUITES, (s) => s.name);
const TRAFFIC = pick('TRAFFIC', ALL_TRAFFIC, (t) => t.key);

// ---- preconditions and cleanup ----

function refuse(message: string): never {
  console.error(`bench:tun: ${message}`);
  process.exit(2);
}

function preconditions(): void {
  if (process.platform !== 'linux') refuse('needs Linux (network namespaces, TUN)');
  if (process.getuid?.() !== 0) refuse('needs root (network namespaces, TUN devices, port 500, charon)');
  if (!existsSync(path.join(labDir, 'charon.sh')))
    refuse(`the interop lab is not at ${labDir} (set SWANLAB_DIR to ../shared/interop)`);
  if (!existsSync('/usr/lib/ipsec/charon') || !existsSync('/usr/sbin/swanctl'))
    refuse(`strongSwan is not installed: run ${path.join(labDir, 'setup.sh')}`);
  if (!existsSync(path.join(repoRoot, 'dist', 'targets', 'native', 'ikev2.js')))
    refuse('dist/ has no ikev2 daemon: npm run build (npm run bench:tun builds first)');
  const busy = labInUse();
  if (busy)
    refuse(
      `the lab is in use: netns ${busy} exists (an interop run or another bench?). ` +
        `If it is stale: ${path.join(labDir, 'teardown.sh')} with that run's SWANLAB_RUN, or ip netns del ${busy}`,
    );
}

const livePeers = new Set<Peer>();
let ownRun = false;
let clean = false;
let tornDown = false;

function cleanup(): void {
  if (tornDown) return;
  tornDown = true;
  killIperfSync();
  for (const p of livePeers) p.killSync();
  teardownSync();
  const run = process.env.SWANLAB_RUN!;
  if (clean && ownRun && !process.env.SWANLAB_KEEP) rmSync(run, { recursive: true, force: true });
  else console.error(`runtime files (configs, charon logs) kept in ${run}`);
}

// ---- one case ----

const NO_CPU = { cpuMs: Number.NaN, sysMs: Number.NaN };
const cpu = (pid: number | undefined) => (pid === undefined ? NO_CPU : procSample(pid));

/** Busy and total jiffies of all CPUs (/proc/stat `cpu` line; idle and iowait are not busy). */
function hostCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3]! - v[4]!, total };
}

const hostBusyPct = (a: { busy: number; total: number }, b: { busy: number; total: number }): number =>
  ((b.busy - a.busy) / (b.total - a.total)) * 100;

async function traffic(
  round: number,
  c: Case,
  suite: string,
  pids: { swanc?: number; swan?: number },
): Promise<Sample[]> {
  const inner = c.peers !== undefined;
  const out: Sample[] = [];
  for (const t of TRAFFIC) {
    if (!inner && t.udp) continue; // the veth ceiling: TCP only
    const dropsBefore = { swanc: drops(pids.swanc), swan: drops(pids.swan) };
    const before = { swanc: cpu(pids.swanc), swan: cpu(pids.swan), host: hostCpu(), at: performance.now() };
    const r = await iperf({
      serverNs: LAB.responderNs,
      serverAddr: inner ? LAB.responderInner : LAB.responder,
      clientNs: LAB.initiatorNs,
      clientAddr: inner ? LAB.initiatorInner : LAB.initiator,
      traffic: t,
      seconds: DURATION,
      udpRate: UDP_RATE,
      udpLength: UDP_LEN,
    });
    const s: Sample = {
      round,
      caseName: c.name,
      suite,
      traffic: t.label,
      ...r,
      wallMs: performance.now() - before.at,
      cpuMsSwanc: cpu(pids.swanc).cpuMs - before.swanc.cpuMs,
      sysMsSwanc: cpu(pids.swanc).sysMs - before.swanc.sysMs,
      cpuMsSwan: cpu(pids.swan).cpuMs - before.swan.cpuMs,
      sysMsSwan: cpu(pids.swan).sysMs - before.swan.sysMs,
      hostBusyPct: hostBusyPct(before.host, hostCpu()),
      dropsSwanc: dropsSince(dropsBefore.swanc, drops(pids.swanc)),
      dropsSwan: dropsSince(dropsBefore.swan, drops(pids.swan)),
    };
    console.log(describeSample(s));
    out.push(s);
  }
  return out;
}

async function tunnelCase(round: number, c: Case, suite: Suite): Promise<Sample[]> {
  const { initiator: ik, responder: rk } = c.peers!;
  let responder: Peer | undefined;
  let initiator: Peer | undefined;
  try {
    responder = await startPeer(rk, 'responder', suite);
    livePeers.add(responder);
    initiator = await startPeer(ik, 'initiator', suite);
    livePeers.add(initiator);
    for (const p of [initiator, responder]) {
      const expected = p.kind === 'charon' ? 'charon' : 'node';
      if (procName(p.pid) !== expected)
        throw new Error(`pid ${p.pid} is ${procName(p.pid)}, not ${expected}`);
    }
    try {
      await initiate(initiator);
      await waitForTunnel();
    } catch (e) {
      const logs = [initiator, responder].map((p) => `--- ${p.kind} ${p.role} (log tail) ---\n${p.log()}`);
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs.join('\n')}`);
    }
    return await traffic(round, c, suite.name, { swanc: initiator.pid, swan: responder.pid });
  } finally {
    for (const p of [initiator, responder]) {
      if (!p) continue;
      await p.stop();
      livePeers.delete(p);
    }
    await waitForNoDevice();
  }
}

async function main(): Promise<void> {
  preconditions();
  ensureIperf3();
  if (!process.env.SWANLAB_RUN) {
    process.env.SWANLAB_RUN = mkdtempSync(path.join(tmpdir(), 'swanlab-tun-'));
    ownRun = true;
  }
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(sig, () => {
      console.error(`\n${sig}: tearing the lab down`);
      process.exit(130);
    });
  console.log(
    `TUN throughput: iperf3 ${LAB.initiatorInner} (swanc) -> ${LAB.responderInner} (swan), ` +
      `${DURATION} s per run, UDP at ${UDP_RATE} x ${UDP_LEN} B; cases ${CASES.map((c) => c.name).join(', ')}; ` +
      `suites ${SUITES_RUN.map((s) => `ESP ${s.esp} (IKE ${s.ike})`).join(', ')}; rounds A B x ${ROUNDS}`,
  );
  await netnsUp();
  const samples: Sample[] = [];
  const failures: Failure[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of CASES.filter((x) => !x.peers)) samples.push(...(await traffic(round, c, '-', {})));
    for (const suite of SUITES_RUN) {
      for (const c of CASES.filter((x) => x.peers)) {
        try {
          samples.push(...(await tunnelCase(round, c, suite)));
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          console.error(`round ${round} ${c.name} ${suite.name}: FAILED: ${message}`);
          failures.push({ round, caseName: c.name, suite: suite.name, message });
          await sleep(500);
        }
      }
    }
  }
  report(samples, failures, ROUNDS);
  clean = failures.length === 0;
  if (!clean) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
