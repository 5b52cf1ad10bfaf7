/**
 * The table of bench/tun.ts: per case, suite and traffic the median receiver rate over the
 * rounds (and its range), UDP loss or TCP retransmits, each side's CPU (utime + stime of charon
 * or our daemon, all threads) per GB delivered and as a share of one core, and for the rows of
 * our daemon ours / charon<->charon (same suite and traffic, medians of the same run) against
 * issue 15's goal of 1.5 x for TCP.
 */
import { type Cell, printTable } from '../table.js';
import type { Drops } from './netstat.js';

export interface Sample {
  readonly round: number;
  readonly caseName: string;
  readonly suite: string;
  readonly traffic: string;
  readonly bps: number;
  readonly bytes: number;
  readonly lossPct: number;
  readonly retransmits: number;
  readonly wallMs: number;
  /** CPU ms of the peer in swanc / swan during the run (NaN: no peer, the bare veth). */
  readonly cpuMsSwanc: number;
  readonly cpuMsSwan: number;
  /** The kernel's part (stime) of cpuMsSwanc / cpuMsSwan. */
  readonly sysMsSwanc: number;
  readonly sysMsSwan: number;
  /** iperf3's own CPU, % of one core (its JSON). */
  readonly clientCpuPct: number;
  readonly serverCpuPct: number;
  /** All CPUs busy during the run, % (100 = every core busy). */
  readonly hostBusyPct: number;
  /** UDP receive-buffer and ipsec0 transmit drops in swanc / swan during the run. */
  readonly dropsSwanc: Drops;
  readonly dropsSwan: Drops;
}

export interface Failure {
  readonly round: number;
  readonly caseName: string;
  readonly suite: string;
  readonly message: string;
}

export const GOAL = 1.5;
/** The baseline the ratio is taken against. */
export const BASELINE = 'charon<->charon';

export const median = (xs: readonly number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const f = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** CPU seconds per GB (10^9 bytes) delivered. */
const perGb = (cpuMs: number, bytes: number): number => cpuMs / 1000 / (bytes / 1e9);

/** A drop count of both sides as `swanc/swan`. */
const pair = (s: Sample, pick: (d: Drops) => number): string =>
  `${f(pick(s.dropsSwanc))}/${f(pick(s.dropsSwan))}`;

export function describeSample(s: Sample): string {
  const extra = s.traffic.startsWith('UDP') ? `loss ${f(s.lossPct, 2)} %` : `retr ${f(s.retransmits)}`;
  const cpu = (ms: number, sys: number) =>
    `${f(perGb(ms, s.bytes), 1)} s/GB (${f((ms / s.wallMs) * 100)} % of a core, ${f((sys / s.wallMs) * 100)} % sys)`;
  return (
    `round ${s.round} ${s.caseName.padEnd(15)} ${s.suite.padEnd(13)} ${s.traffic}: ` +
    `${f(s.bps / 1e6, 1)} Mbit/s, ${extra}; CPU swanc ${cpu(s.cpuMsSwanc, s.sysMsSwanc)}, swan ${cpu(s.cpuMsSwan, s.sysMsSwan)}; ` +
    `iperf3 client ${f(s.clientCpuPct)} %, server ${f(s.serverCpuPct)} %; host ${f(s.hostBusyPct)} % busy; ` +
    `drops UDP rcvbuf ${pair(s, (d) => d.udpRcvbuf)}, ipsec0 tx ${pair(s, (d) => d.tunTx)} (swanc/swan)`
  );
}

export function report(samples: readonly Sample[], failures: readonly Failure[], rounds: number): void {
  const keys: string[] = [];
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = `${s.caseName}|${s.suite}|${s.traffic}`;
    if (!groups.has(k)) {
      groups.set(k, []);
      keys.push(k);
    }
    groups.get(k)!.push(s);
  }
  const mbps = (k: string): number => median((groups.get(k) ?? []).map((s) => s.bps / 1e6));
  const rows: Cell[][] = [];
  for (const k of keys) {
    const g = groups.get(k)!;
    const [caseName, suite, traffic] = k.split('|') as [string, string, string];
    const m = mbps(k);
    const lo = Math.min(...g.map((s) => s.bps / 1e6));
    const hi = Math.max(...g.map((s) => s.bps / 1e6));
    const udp = traffic.startsWith('UDP');
    const extra = udp
      ? `${f(median(g.map((s) => s.lossPct)), 2)} % lost`
      : `${f(median(g.map((s) => s.retransmits)))} retr`;
    const cpu = (pick: (s: Sample) => number) => f(median(g.map((s) => perGb(pick(s), s.bytes))), 1);
    const pct = (pick: (s: Sample) => number) => f(median(g.map((s) => (pick(s) / s.wallMs) * 100)));
    const core = (all: (s: Sample) => number, sys: (s: Sample) => number) => `${pct(all)}/${pct(sys)}`;
    const drop = (pick: (d: Drops) => number) =>
      `${f(median(g.map((s) => pick(s.dropsSwanc))))}/${f(median(g.map((s) => pick(s.dropsSwan))))}`;
    let ratio = '';
    if (caseName.startsWith('ours')) {
      const base = mbps(`${BASELINE}|${suite}|${traffic}`);
      const q = m / base;
      if (Number.isFinite(q)) {
        ratio = `${q.toFixed(2)} x`;
        if (!udp) ratio += q >= GOAL ? ' met' : ' NOT met';
      }
    }
    rows.push([
      caseName,
      suite,
      traffic,
      f(m, 1),
      g.length > 1 ? `${f(lo)}-${f(hi)}` : '',
      extra,
      cpu((s) => s.cpuMsSwanc),
      core(
        (s) => s.cpuMsSwanc,
        (s) => s.sysMsSwanc,
      ),
      cpu((s) => s.cpuMsSwan),
      core(
        (s) => s.cpuMsSwan,
        (s) => s.sysMsSwan,
      ),
      `${f(median(g.map((s) => s.clientCpuPct)))}/${f(median(g.map((s) => s.serverCpuPct)))}`,
      f(median(g.map((s) => s.hostBusyPct))),
      drop((d) => d.udpRcvbuf),
      drop((d) => d.tunTx),
      ratio,
    ]);
  }
  printTable(rows, {
    title:
      `medians over ${rounds} round(s) (range min-max); CPU = utime+stime of charon / our daemon ` +
      `in that namespace, s per GB delivered and ` +
      `% of one core (all/kernel); iperf3's own CPU client/server; host: all cores busy; drops swanc/swan ` +
      `(UDP receive buffer full, ipsec0 queue to user space full); ours / ${BASELINE} (goal TCP >= ${GOAL} x)`,
    header: [
      'case',
      'suite',
      'traffic',
      'Mbit/s',
      '(range)',
      'loss/retr',
      'swanc s/GB',
      '%core/sys',
      'swan s/GB',
      '%core/sys',
      'iperf3 %c/s',
      'host %',
      'rcvbuf drops',
      'tun drops',
      'ours/charon',
    ],
    // case, suite, traffic left; the figures right; ours/charon left
    align: ['left', 'left', 'left', ...Array<'right'>(11).fill('right'), 'left'],
  });
  if (failures.length > 0) {
    console.log(`\n${failures.length} failed case run(s):`);
    for (const x of failures)
      console.log(`  round ${x.round} ${x.caseName} ${x.suite}: ${x.message.split('\n')[0]}`);
  }
}
