/**
 * Support for the TUN interop tests (tun.test.ts): a network namespace of our own for our
 * daemon (`swant`, 10.98.0.1, joined to charon's `swan` by a second veth pair: 10.98.0.2 there),
 * so that the daemon's TUN device, routes and policy rule live in a namespace the test made
 * and deletes, never in the root namespace; programs run inside a namespace; a checksummed TCP
 * transfer between two namespaces; the daemon's configuration with `daemon.tun`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { LAB, mustRun, type RunResult, run } from './lab.js';

export const TUN_LAB = {
  ns: 'swant',
  ours: '10.98.0.1',
  charon: '10.98.0.2',
  dev: 'ipsec0',
  table: 220,
} as const;

/** `swant` with its veth pair to `swan` (idempotent: an old one is deleted first). */
export async function tunNetnsUp(): Promise<void> {
  await tunNetnsDown();
  await mustRun('ip', ['netns', 'add', TUN_LAB.ns]);
  await mustRun('ip', [
    'link',
    'add',
    'swantr',
    'netns',
    LAB.charonNs,
    'type',
    'veth',
    'peer',
    'name',
    'swantp',
    'netns',
    TUN_LAB.ns,
  ]);
  const inNs = (ns: string, ...args: string[]) => mustRun('ip', ['-n', ns, ...args]);
  await inNs(TUN_LAB.ns, 'link', 'set', 'lo', 'up');
  await inNs(TUN_LAB.ns, 'addr', 'add', `${TUN_LAB.ours}/24`, 'dev', 'swantp');
  await inNs(TUN_LAB.ns, 'link', 'set', 'swantp', 'up');
  await inNs(LAB.charonNs, 'addr', 'add', `${TUN_LAB.charon}/24`, 'dev', 'swantr');
  await inNs(LAB.charonNs, 'link', 'set', 'swantr', 'up');
  for (let i = 0; i < 40; i++) {
    if ((await nsRun(TUN_LAB.ns, ['ping', '-c', '1', '-W', '1', TUN_LAB.charon])).code === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`swant cannot reach ${TUN_LAB.charon}`);
}

/** Deletes `swant` (its veth pair goes with it). */
export async function tunNetnsDown(): Promise<void> {
  await run('ip', ['netns', 'del', TUN_LAB.ns]);
}

export function nsRun(ns: string, argv: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, ...argv], {}, timeoutMs);
}

/** `ip -j ...` inside `ns`, parsed ([] when ip printed nothing). */
export async function nsIpJson<T>(ns: string, ...args: string[]): Promise<T[]> {
  const out = (await mustRun('ip', ['-n', ns, '-j', ...args])).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

/** The routes of table 220 in `ns` through `dev`, as 'prefix src address'. */
export async function tunRoutes(ns: string, dev: string = TUN_LAB.dev): Promise<string[]> {
  const r = await run('ip', ['-n', ns, '-j', 'route', 'show', 'table', String(TUN_LAB.table), 'dev', dev]);
  if (r.code !== 0) return []; // no such device
  const list = (r.stdout.trim() ? JSON.parse(r.stdout) : []) as { dst: string; prefsrc?: string }[];
  return list.map((x) => `${x.dst}${x.prefsrc ? ` src ${x.prefsrc}` : ''}`);
}

/**
 * The receiving end of a transfer: listens on address:port inside `ns`, hashes what one
 * connection sends, then prints {bytes, sha256, maxGapMs} (the longest pause between two reads
 * after the first) and exits.
 */
const SINK = `
const net = require('node:net');
const { createHash } = require('node:crypto');
const [address, port] = process.argv.slice(1);
const server = net.createServer((s) => {
  const h = createHash('sha256');
  let bytes = 0, last = 0, maxGapMs = 0;
  s.on('data', (d) => {
    const now = Date.now();
    if (last) maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    bytes += d.length;
    h.update(d);
  });
  s.on('end', () => {
    console.log(JSON.stringify({ bytes, sha256: h.digest('hex'), maxGapMs }));
    s.end();
    server.close();
  });
});
server.listen(Number(port), address, () => console.log('listening'));`;

/** The sending end: `bytes` pseudo-random octets from `from` to address:port; prints {bytes, sha256}. */
const SOURCE = `
const net = require('node:net');
const { createHash } = require('node:crypto');
const [from, address, port, total] = process.argv.slice(1);
const h = createHash('sha256');
const chunk = Buffer.alloc(65536);
let x = 0x9e3779b9, sent = 0;
const s = net.connect({ host: address, port: Number(port), localAddress: from }, () => {
  const pump = () => {
    while (sent < Number(total)) {
      const n = Math.min(chunk.length, Number(total) - sent);
      for (let i = 0; i < n; i += 4) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; chunk.writeInt32LE(x | 0, i); }
      const b = Buffer.from(chunk.subarray(0, n));
      h.update(b);
      sent += n;
      if (!s.write(b)) return s.once('drain', pump);
    }
    s.end();
  };
  pump();
});
s.on('close', () => console.log(JSON.stringify({ bytes: sent, sha256: h.digest('hex') })));
s.on('error', (e) => { console.error(String(e)); process.exit(1); });`;

export interface TransferResult {
  readonly sent: { bytes: number; sha256: string };
  readonly received: { bytes: number; sha256: string; maxGapMs: number };
}

/**
 * A TCP transfer of `bytes` from `from` (inside fromNs) to `to`:port (inside toNs); `during` runs
 * once the sender started (e.g. a rekey). Rejects with both sides' output on failure.
 */
export async function tcpTransfer(o: {
  fromNs: string;
  from: string;
  toNs: string;
  to: string;
  port: number;
  bytes: number;
  during?: () => Promise<void>;
  timeoutMs?: number;
}): Promise<TransferResult> {
  const sink: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', o.toNs, process.execPath, '-e', SINK, o.to, String(o.port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  sink.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  sink.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const exited = new Promise<void>((resolve) => sink.on('exit', () => resolve()));
  try {
    for (let i = 0; !out.includes('listening'); i++) {
      if (i > 100) throw new Error(`the sink did not listen: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const sending = nsRun(
      o.fromNs,
      [process.execPath, '-e', SOURCE, o.from, o.to, String(o.port), String(o.bytes)],
      o.timeoutMs ?? 120_000,
    );
    if (o.during) await o.during();
    const sent = await sending;
    if (sent.code !== 0) throw new Error(`the source failed (${sent.code}): ${sent.stderr}`);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    const received = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? 'null');
    if (!received) throw new Error(`the sink printed no result: ${out} ${err}`);
    return { sent: JSON.parse(sent.stdout.trim().split('\n').pop()!), received };
  } finally {
    sink.kill('SIGKILL');
  }
}

/** Our daemon's swanctl.conf for the TUN tests: daemon.tun, child `net` 10.99.2.0/24 <-> 10.99.1.0/24. */
export function tunDaemonConf(
  o: { startAction?: 'none' | 'trap'; esp?: string; tunMtu?: number } = {},
): string {
  return `# generated by test/interop/tun-support.ts
daemon {
    tun = ${TUN_LAB.dev}
    tun_mtu = ${o.tunMtu ?? 1400}
    inner_addrs = ${LAB.ourInner}
    retransmit_timeout = 1
    retransmit_tries = 3
}
connections {
    swan {
        local_addrs = ${TUN_LAB.ours}
        remote_addrs = ${TUN_LAB.charon}
        proposals = aes128gcm16-prfsha256-x25519
        encap = yes
        mobike = no
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = alice@example.org
        }
        remote {
            auth = psk
            id = bob@example.org
        }
        children {
            net {
                local_ts = ${LAB.ourNet}
                remote_ts = ${LAB.charonNet}
                esp_proposals = ${o.esp ?? 'aes128gcm16'}
                start_action = ${o.startAction ?? 'none'}
                rekey_time = 0
                life_time = 0
            }
        }
    }
}
secrets {
    ike-swan {
        id-a = alice@example.org
        id-b = bob@example.org
        secret = "${LAB.psk}"
    }
}
`;
}
