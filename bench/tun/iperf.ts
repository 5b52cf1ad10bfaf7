/**
 * iperf3 for bench/tun.ts: installed if missing (Debian's package, `apt-get install -y iperf3`),
 * one run = a one-off server (`iperf3 -s -1`) in one namespace and a client (`-J`) in the other,
 * the receiver's figures read from the client's JSON (iperf 3.12: end.sum_received, for TCP and
 * UDP alike; with -R the client is the receiver and the JSON still says so).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { sleep } from '../ike-setup/lab.js';
import { run } from './lab.js';

/** iperf3 on PATH, else `apt-get install -y iperf3` (we are root). */
export function ensureIperf3(): void {
  try {
    execFileSync('iperf3', ['--version'], { stdio: 'ignore' });
    return;
  } catch {
    // not installed
  }
  console.log('iperf3 missing: apt-get install -y iperf3');
  execFileSync('apt-get', ['install', '-y', 'iperf3'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
  execFileSync('iperf3', ['--version'], { stdio: 'ignore' });
}

export interface Traffic {
  /** Row label: 'TCP ->' (swanc sends to swan), 'TCP <-' (-R), 'UDP ->'. */
  readonly label: string;
  readonly udp: boolean;
  readonly reverse: boolean;
}

export interface IperfRun {
  readonly serverNs: string;
  readonly serverAddr: string;
  readonly clientNs: string;
  readonly clientAddr: string;
  readonly traffic: Traffic;
  readonly seconds: number;
  /** UDP target rate (iperf3 -b, e.g. 500M). */
  readonly udpRate: string;
  /** UDP datagram size (iperf3 -l): under the tunnel's inner MTU. */
  readonly udpLength: number;
}

export interface IperfResult {
  /** The receiver's rate, bit/s. */
  readonly bps: number;
  /** Bytes the receiver got. */
  readonly bytes: number;
  /** UDP: lost datagrams, % (NaN for TCP). */
  readonly lossPct: number;
  /** TCP: the sender's retransmits (NaN for UDP). */
  readonly retransmits: number;
  /** iperf3's own CPU (user + system) on the client and the server, % of one core. */
  readonly clientCpuPct: number;
  readonly serverCpuPct: number;
}

/** Processes spawned here and still running: killed by the exit handler. */
const live = new Set<ChildProcess>();

export function killIperfSync(): void {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

const PORT = '5201';

async function listening(ns: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', ns, 'ss', '-ltnH', `sport = :${PORT}`]);
  return r.code === 0 && r.stdout.trim() !== '';
}

export async function iperf(o: IperfRun): Promise<IperfResult> {
  // `ip netns exec` execs iperf3: the pid is iperf3's
  const server = spawn(
    'ip',
    ['netns', 'exec', o.serverNs, 'iperf3', '-s', '-1', '-B', o.serverAddr, '-p', PORT],
    {
      stdio: 'ignore',
    },
  );
  live.add(server);
  const serverGone = new Promise<void>((r) => server.once('exit', () => r()));
  server.once('exit', () => live.delete(server));
  try {
    const until = Date.now() + 5000;
    while (!(await listening(o.serverNs))) {
      if (server.exitCode !== null) throw new Error(`iperf3 server exited ${server.exitCode}`);
      if (Date.now() > until) throw new Error('iperf3 server: not listening after 5 s');
      await sleep(50);
    }
    const args = [
      'netns',
      'exec',
      o.clientNs,
      'iperf3',
      '-c',
      o.serverAddr,
      '-B',
      o.clientAddr,
      '-p',
      PORT,
      '-t',
      String(o.seconds),
      '-J',
      '--connect-timeout',
      '5000',
    ];
    if (o.traffic.reverse) args.push('-R');
    if (o.traffic.udp) args.push('-u', '-b', o.udpRate, '-l', String(o.udpLength));
    const r = await run('ip', args, (o.seconds + 30) * 1000);
    let json: {
      error?: string;
      end?: {
        sum_received?: { bytes: number; bits_per_second: number; lost_percent?: number };
        sum_sent?: { retransmits?: number };
        cpu_utilization_percent?: { host_total?: number; remote_total?: number };
      };
    };
    try {
      json = JSON.parse(r.stdout);
    } catch {
      throw new Error(`iperf3 client exited ${r.code}, no JSON\n${r.stdout}\n${r.stderr}`);
    }
    const recv = json.end?.sum_received;
    if (json.error || !recv) throw new Error(`iperf3: ${json.error ?? 'no end.sum_received'}`);
    return {
      bps: recv.bits_per_second,
      bytes: recv.bytes,
      lossPct: o.traffic.udp ? (recv.lost_percent ?? Number.NaN) : Number.NaN,
      retransmits: o.traffic.udp ? Number.NaN : (json.end?.sum_sent?.retransmits ?? Number.NaN),
      clientCpuPct: json.end?.cpu_utilization_percent?.host_total ?? Number.NaN,
      serverCpuPct: json.end?.cpu_utilization_percent?.remote_total ?? Number.NaN,
    };
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      await Promise.race([serverGone, sleep(2000)]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    await serverGone;
  }
}
