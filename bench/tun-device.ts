/**
 * The TUN device's read and write rates (targets/native/tun/tun-device.ts), slab views vs
 * copies. Needs root and /dev/net/tun. Run: `npm run bench:tun-device`.
 * Settings: BENCH_SECONDS (per cell, default 3), BENCH_SENDERS (sender processes, default 2),
 * BENCH_SIZE (UDP payload bytes, default 64), BENCH_ROUNDS (default 2; the best is shown).
 *
 * A throwaway network namespace holds the device (opened here, moved there: 10.90.0.1/24,
 * 10.91.0.0/24 routed into it). BENCH_SENDERS node processes in the namespace flood UDP from
 * 10.90.0.1 to 10.91.0.9 for BENCH_SECONDS. Cells:
 *   read   this process reads and counts every packet (nothing written back);
 *   echo   it also turns each packet around in place (IPv4 addresses and UDP ports swapped,
 *          both checksums unchanged) and writes it back; the senders count what returns.
 * sent/s is what the senders' sockets accepted, read/s and written/s this process's counters,
 * back/s what reached the senders; kernel drop/s is the device's tx_dropped (the TUN queue
 * overflowing while we were busy); cpu us/pkt this process's CPU time per packet read;
 * pkts/batch the mean packets read per readable event (reads until EAGAIN, at most 256).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  addressAdd,
  ip,
  linkSetNetns,
  linkSetup,
  netnsAdd,
  netnsDelete,
  routeReplace,
} from '../targets/native/tun/iproute.js';
import { openTun, type TunBuffering, type TunDevice } from '../targets/native/tun/tun-device.js';
import { type Cell, printTable } from './table.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 2);
const SIZE = Number(process.env.BENCH_SIZE ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOCAL = '10.90.0.1';
const REMOTE = '10.91.0.9';

/** Floods REMOTE:9 from LOCAL:port for `seconds`, counts datagrams back; prints {sent, back}. */
const SENDER = `
const dgram = require('node:dgram');
const [local, remote, port, seconds, size] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
let sent = 0, back = 0, stop = false;
s.on('message', () => back++);
s.bind(Number(port), local, () => {
  const b = Buffer.alloc(Number(size), 0x5a);
  const end = Date.now() + Number(seconds) * 1000;
  const burst = () => {
    if (Date.now() >= end) { stop = true; setTimeout(() => { console.log(JSON.stringify({ sent, back })); s.close(); }, 300); return; }
    for (let i = 0; i < 64; i++) s.send(b, 9, remote, (e) => { if (!e) sent++; });
    setImmediate(burst);
  };
  burst();
});`;

function nsExec(ns: string, argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' }, (e, out, err) =>
      e ? reject(new Error(`${argv[0]} failed: ${err || e.message}`)) : resolve(out),
    ),
  );
}

async function txDropped(ns: string, name: string): Promise<number> {
  const [l] = JSON.parse(await ip(['-j', '-s', 'link', 'show', 'dev', name], { netns: ns })) as {
    stats64?: { tx?: { dropped?: number } };
  }[];
  return l?.stats64?.tx?.dropped ?? 0;
}

/** Swaps IPv4 src/dst and UDP ports in place: the reply of a UDP packet, checksums still valid. */
function turnAround(p: Uint8Array): boolean {
  if (p.length < 28 || p[0] !== 0x45 || p[9] !== 17) return false;
  for (let i = 12; i < 16; i++) {
    const t = p[i]!;
    p[i] = p[i + 4]!;
    p[i + 4] = t;
  }
  for (let i = 20; i < 22; i++) {
    const t = p[i]!;
    p[i] = p[i + 2]!;
    p[i + 2] = t;
  }
  return true;
}

interface CellResult {
  sent: number;
  back: number;
  read: number;
  written: number;
  dropped: number;
  cpuUs: number;
  batch: number;
}

async function runCell(ns: string, dev: TunDevice, echo: boolean): Promise<CellResult> {
  const before = dev.counters();
  const droppedBefore = await txDropped(ns, dev.name);
  const sub = dev.packets$.subscribe((p) => {
    if (echo && turnAround(p)) dev.write(p);
  });
  const cpu = process.cpuUsage();
  const outs = await Promise.all(
    Array.from({ length: SENDERS }, (_, i) =>
      nsExec(ns, [
        process.execPath,
        '-e',
        SENDER,
        LOCAL,
        REMOTE,
        String(41000 + i),
        String(SECONDS),
        String(SIZE),
      ]),
    ),
  );
  const used = process.cpuUsage(cpu);
  sub.unsubscribe();
  const after = dev.counters();
  const totals = outs
    .map((o) => JSON.parse(o) as { sent: number; back: number })
    .reduce((a, b) => ({ sent: a.sent + b.sent, back: a.back + b.back }), { sent: 0, back: 0 });
  const read = after.packetsRead - before.packetsRead;
  return {
    ...totals,
    read,
    written: after.packetsWritten - before.packetsWritten,
    dropped: (await txDropped(ns, dev.name)) - droppedBefore,
    cpuUs: read > 0 ? (used.user + used.system) / read : 0,
    batch: read / Math.max(1, after.readBatches - before.readBatches),
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/tun-device needs root (netns, /dev/net/tun)');
  const ns = `ikb-${randomBytes(4).toString('hex')}`;
  await netnsAdd(ns);
  const rows: Cell[][] = [];
  try {
    for (const mode of ['read', 'echo'] as const) {
      for (const buffering of ['slab', 'copy'] as TunBuffering[]) {
        let best: CellResult | undefined;
        for (let r = 0; r < ROUNDS; r++) {
          const dev = openTun('ikb%d', { buffering, maxPacketSize: 2048 });
          try {
            await linkSetNetns(dev.name, ns);
            await addressAdd(dev.name, `${LOCAL}/24`, { netns: ns });
            await linkSetup(dev.name, { netns: ns, up: true, mtu: 1500, txqueuelen: 1000 });
            await routeReplace({ netns: ns, prefix: '10.91.0.0/24', dev: dev.name, src: LOCAL });
            const res = await runCell(ns, dev, mode === 'echo');
            if (!best || res.read > best.read) best = res;
          } finally {
            dev.close();
          }
        }
        const b = best!;
        const per = (n: number) => Math.round(n / SECONDS);
        rows.push([
          mode,
          buffering,
          per(b.sent),
          per(b.read),
          per(b.written),
          per(b.back),
          per(b.dropped),
          Number(b.cpuUs.toFixed(2)),
          Number(b.batch.toFixed(1)),
        ]);
      }
    }
  } finally {
    await netnsDelete(ns);
  }
  printTable(rows, {
    title: `TUN device: ${SENDERS} UDP senders, ${SIZE}-byte payloads, ${SECONDS} s per cell, best of ${ROUNDS}`,
    header: [
      'cell',
      'buffers',
      'sent/s',
      'read/s',
      'written/s',
      'back/s',
      'kernel drop/s',
      'cpu us/pkt',
      'pkts/batch',
    ],
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
