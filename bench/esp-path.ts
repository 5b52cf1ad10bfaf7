/**
 * The whole ESP data path over real UDP on loopback, next to raw UDP in the same process and
 * run (DESIGN.md: the hot path measured "against the raw cipher and raw UDP"). Run:
 * `npm run bench:esp-path`. Settings: BENCH_CELL_MS (sending time per
 * cell and path, default 1000), BENCH_BURST (packets per burst, default 64), BENCH_ONLY
 * (suites whose label contains the text).
 *
 * Rows per suite and inner size (an IPv4/UDP packet 10.1.0.1 -> 10.2.0.1):
 * - ESP: host A's pipeline.send(inner) -> flow + SPD lookup -> outbound SA -> espEncapsulate
 *   -> UdpTransport.send (ESP-in-UDP, RFC 3948) -> kernel loopback -> host B's UdpTransport
 *   -> NAT-T classification -> SPI lookup -> espDecapsulate (replay window) -> inner selector
 *   check -> delivered$, counted. Hosts from createEspHost with node:crypto, a pooled CSPRNG
 *   and the system clock; one SA installed by hand through the backend (tunnel mode,
 *   10.1.0.0/24 -> 10.2.0.0/24), as test/actors/esp-pipeline.test.ts does.
 * - raw UDP: bare node:dgram sockets, one prepared datagram of the ESP-in-UDP size (`wire B`,
 *   inner + the suite's ESP overhead, read off the first ESP datagram), 'message' counted.
 * - raw UDP+cipher: the same plus the bare node:crypto calls of one ESP packet (seal before
 *   each send, authenticate and decrypt on receipt): the ceiling the pipeline can approach.
 * - ESP send only: host C, whose SA points at a closed loopback port: flow, SPD, SA, encrypt
 *   and the transport's send, no receiver; "delivered" = sends the kernel accepted.
 *
 * One discipline for all: bursts of BENCH_BURST packets with setImmediate between them (the
 * receiver, in the same thread, runs in the poll phase in between) for trials of TRIAL_MS,
 * then the stragglers are drained until nothing arrived for QUIET_MS. Trials of the paths
 * alternate in rotating order until each has sent for BENCH_CELL_MS, so drift hits all alike.
 * sent/s is over the sending time; delivered/s over the time from a trial's start to its last
 * arrival (the rate sender and receiver sustain together on one thread); loss % is what the
 * socket buffer (4 MiB) could not hold of a trial's backlog. Mbit/s counts inner bytes
 * delivered (raw as if it carried the inner packets). ESP/this = ESP delivered/s / this row's. */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createEspHost, type EspHost } from '../actors/esp-host.js';
import type { AddSaParams, SaEndpoint } from '../actors/ipsec-backend.js';
import { mustSelector } from '../ipsec/policy/selector.js';
import { systemClock } from '../ipsec/util/clock.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { createUdpTransport, DEFAULT_RECV_BUFFER_SIZE, type UdpTransport } from '../transport/udp.js';
import {
  BENCH_SIZES,
  type BenchSuite,
  benchRandom,
  CBC_SHA256_SUITE,
  GCM_SUITE,
  innerPacket,
} from './suites.js';
import { type Cell, printTable } from './table.js';

const CELL_MS = Number(process.env.BENCH_CELL_MS ?? 1000);
const BURST = Number(process.env.BENCH_BURST ?? 64);
const ONLY = process.env.BENCH_ONLY ?? '';
/** Sides alternate in trials this long. */
const TRIAL_MS = 50;
/** A trial ends once nothing has arrived for this long after its last burst. */
const QUIET_MS = 10;
const LOOPBACK = '127.0.0.1';
const REQID = 1;

/** GCM and CBC + HMAC: the two families; bench/esp.ts has all four suites. */
const SUITES: readonly BenchSuite[] = [GCM_SUITE, CBC_SHA256_SUITE];

type Keys = Pick<AddSaParams, 'encr' | 'integ'>;

/** Fresh keys for one SA of `s` (KEYMAT slices, salt included). */
function keys(s: BenchSuite): Keys {
  const encr = { transform: s.encr, key: benchRandom(s.encr.keyLength) };
  return s.integ ? { encr, integ: { transform: s.integ, key: benchRandom(s.integ.keyLength) } } : { encr };
}

/**
 * The bare node:crypto work of one ESP packet of `wire` bytes, for the "raw UDP+cipher" side:
 * seal() builds a datagram of that size (8-byte header, IV, ciphertext, 16-byte ICV), open()
 * authenticates and decrypts one. A fixed IV/nonce: this measures cost, it protects nothing.
 */
function rawCrypto(s: BenchSuite, wire: number): { seal(): Buffer; open(m: Buffer): boolean } {
  const key = randomBytes(16);
  const ivLength = s.integ ? 16 : 8;
  const head = 8 + ivLength;
  const iv = randomBytes(s.integ ? 16 : 12);
  const plain = randomBytes(wire - head - 16);
  const icvEnd = wire - 16;
  if (!s.integ) {
    const gcm = { authTagLength: 16 } as const;
    return {
      seal: () => {
        const out = Buffer.allocUnsafe(wire);
        const c = createCipheriv('aes-128-gcm', key, iv, gcm).setAAD(out.subarray(0, 8));
        out.set(c.update(plain), head);
        c.final();
        out.set(c.getAuthTag(), icvEnd);
        return out;
      },
      open: (m) => {
        const d = createDecipheriv('aes-128-gcm', key, iv, gcm).setAAD(m.subarray(0, 8));
        d.setAuthTag(m.subarray(icvEnd));
        d.update(m.subarray(head, icvEnd));
        try {
          d.final();
          return true;
        } catch {
          return false;
        }
      },
    };
  }
  const macKey = randomBytes(32);
  return {
    seal: () => {
      const out = Buffer.allocUnsafe(wire);
      const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
      out.set(c.update(plain), head);
      c.final();
      out.set(createHmac('sha256', macKey).update(out.subarray(0, icvEnd)).digest().subarray(0, 16), icvEnd);
      return out;
    },
    open: (m) => {
      const icv = createHmac('sha256', macKey).update(m.subarray(0, icvEnd)).digest().subarray(0, 16);
      if (!timingSafeEqual(icv, m.subarray(icvEnd))) return false;
      const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
      d.update(m.subarray(head, icvEnd));
      d.final();
      return true;
    },
  };
}

interface Node {
  readonly host: EspHost;
  readonly transport: UdpTransport;
  readonly outer: SaEndpoint;
}

/** A host on its own UDP socket (ephemeral port, which is then its NAT-T port). */
async function node(): Promise<Node> {
  const transport = await createUdpTransport({ bind: [{ address: LOOPBACK, port: 0 }] });
  const outer = transport.endpoints[0]!;
  const host = createEspHost({
    clock: systemClock,
    provider: nodeProvider,
    random: benchRandom,
    transport,
    natTPort: outer.port,
  });
  return { host, transport, outer };
}

function must(r: { ok: boolean }, what: string): void {
  if (!r.ok) throw new Error(`${what} failed: ${JSON.stringify(r)}`);
}

/** One direction of an SA (and its policy) on `me`, by hand through the backend. */
function install(me: Node, direction: 'in' | 'out', spi: Uint8Array, peer: SaEndpoint, keys: Keys): void {
  const [local, remote] =
    direction === 'out' ? ['10.1.0.0/24', '10.2.0.0/24'] : ['10.2.0.0/24', '10.1.0.0/24'];
  const localTs = [mustSelector(local)];
  const remoteTs = [mustSelector(remote)];
  must(
    me.host.backend.addPolicy({ direction, action: 'PROTECT', reqid: REQID, localTs, remoteTs }),
    'addPolicy',
  );
  const [src, dst] = direction === 'out' ? [me.outer, peer] : [peer, me.outer];
  const sa: AddSaParams = {
    spi,
    direction,
    reqid: REQID,
    mode: 'tunnel',
    encap: true,
    src,
    dst,
    localTs,
    remoteTs,
    ...keys,
  };
  must(me.host.backend.addSa(sa), 'addSa');
}

const closeSocket = (s: Socket): Promise<void> => new Promise((resolve) => s.close(() => resolve()));

async function rawSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, LOOPBACK, resolve));
  s.setRecvBufferSize(DEFAULT_RECV_BUFFER_SIZE); // as the transport asks
  return s;
}

/** A loopback port with nothing bound to it (bound, read and closed again). */
async function closedPort(): Promise<number> {
  const s = await rawSocket();
  const { port } = s.address();
  await closeSocket(s);
  return port;
}

/** One side of a cell: sends a packet, counts what arrived at its end. */
interface Side {
  send(): void;
  arrived(): number;
}

interface Totals {
  sent: number;
  sendSeconds: number;
  arrived: number;
  arriveSeconds: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One trial: bursts with setImmediate between them for `ms`, then drain the stragglers. */
async function trial(side: Side, ms: number, into: Totals): Promise<void> {
  const before = side.arrived();
  let last = before;
  const start = performance.now();
  let lastAt = start;
  let sent = 0;
  let now = start;
  const observe = (): void => {
    now = performance.now();
    const a = side.arrived();
    if (a !== last) {
      last = a;
      lastAt = now;
    }
  };
  while (now - start < ms) {
    for (let i = 0; i < BURST; i++) side.send();
    sent += BURST;
    await tick();
    observe();
  }
  const sendEnd = now;
  do {
    await tick();
    observe();
  } while (now - lastAt < QUIET_MS);
  into.sent += sent;
  into.sendSeconds += (sendEnd - start) / 1000;
  into.arrived += last - before;
  into.arriveSeconds += (Math.max(lastAt, sendEnd) - start) / 1000;
}

/** Trials of every side in rotating order until the first side has sent for CELL_MS. */
async function compare(sides: readonly Side[]): Promise<Totals[]> {
  const warm = (): Totals => ({ sent: 0, sendSeconds: 0, arrived: 0, arriveSeconds: 0 });
  for (const s of sides) await trial(s, TRIAL_MS, warm());
  const totals = sides.map(warm);
  for (let i = 0; totals[0]!.sendSeconds * 1000 < CELL_MS; i++) {
    for (let k = 0; k < sides.length; k++) {
      const j = (i + k) % sides.length;
      await trial(sides[j]!, TRIAL_MS, totals[j]!);
    }
  }
  return totals;
}

/** The sides of a cell, in the order of their rows. */
const PATHS = ['ESP', 'raw UDP', 'raw UDP+cipher', 'ESP send only'] as const;

const round = (x: number): number => (x >= 100 ? Math.round(x) : Math.round(x * 100) / 100);

/** One suite: hosts A -> B plus the send-only host C, raw sockets, all sizes. */
async function runSuite(suite: BenchSuite, rows: Cell[][], notes: string[]): Promise<void> {
  const [a, b, c] = [await node(), await node(), await node()];
  const ab = b.host.backend.allocSpi();
  if (!ab.ok) throw new Error('allocSpi failed');
  const k = keys(suite);
  install(a, 'out', ab.value, b.outer, k);
  install(b, 'in', ab.value, a.outer, k);
  const nowhere = { address: LOOPBACK, port: await closedPort() };
  install(c, 'out', Uint8Array.of(0xc0, 0, 0, 1), nowhere, keys(suite));
  let delivered = 0;
  b.host.pipeline.delivered$.subscribe(() => delivered++);

  const [rawTx, rawRx, cryptoRx] = [await rawSocket(), await rawSocket(), await rawSocket()];
  const [rxPort, cryptoPort] = [rawRx.address().port, cryptoRx.address().port];
  let rawArrived = 0;
  let opened = 0;
  let open: (m: Buffer) => boolean = () => false;
  rawRx.on('message', () => rawArrived++);
  cryptoRx.on('message', (m) => {
    if (open(m)) opened++;
  });

  for (const size of BENCH_SIZES) {
    const inner = innerPacket(size);
    // One packet through A -> B tells the ESP-in-UDP size the raw side has to send.
    let wireSize = 0;
    const tap = b.transport.datagrams$.subscribe((d) => {
      wireSize = d.data.length;
    });
    a.host.pipeline.send(inner);
    for (let t = performance.now(); wireSize === 0 && performance.now() - t < 1000; ) await tick();
    tap.unsubscribe();
    if (wireSize === 0) throw new Error('no ESP datagram reached B');
    const datagram = new Uint8Array(wireSize).fill(0xab);
    const crypto = rawCrypto(suite, wireSize);
    open = crypto.open;
    const sides: Side[] = [
      { send: () => a.host.pipeline.send(inner), arrived: () => delivered },
      { send: () => rawTx.send(datagram, rxPort, LOOPBACK), arrived: () => rawArrived },
      { send: () => rawTx.send(crypto.seal(), cryptoPort, LOOPBACK), arrived: () => opened },
      { send: () => c.host.pipeline.send(inner), arrived: () => c.transport.counters.sent },
    ];
    const totals = await compare(sides);
    const deliveredRate = (t: Totals): number => t.arrived / t.arriveSeconds;
    const esp = deliveredRate(totals[0]!);
    PATHS.forEach((path, i) => {
      const t = totals[i]!;
      rows.push([
        suite.label,
        size,
        wireSize,
        path,
        round(t.sent / t.sendSeconds),
        round(deliveredRate(t)),
        i === 3 ? '-' : round(Math.max(0, (100 * (t.sent - t.arrived)) / t.sent)),
        round(deliveredRate(t) * size * 8e-6),
        i === 1 || i === 2 ? `${Math.round((100 * esp) / deliveredRate(t))}%` : '',
      ]);
    });
  }

  // Where ESP packets went missing, by drop reason (kernel drops show only as loss).
  for (const [name, n] of Object.entries({ A: a, B: b, C: c })) {
    const drops = Object.entries(n.host.pipeline.counters().drops).filter(([, v]) => v > 0);
    if (drops.length > 0)
      notes.push(`${suite.label} host ${name} drops: ${JSON.stringify(Object.fromEntries(drops))}`);
    const t = n.transport.counters;
    if (t.sendErrors + t.sendNoSocket + t.socketErrors > 0)
      notes.push(`${suite.label} host ${name} transport: ${JSON.stringify(t)}`);
  }
  for (const n of [a, b, c]) {
    n.host.close();
    n.transport.close();
  }
  await Promise.all([a, b, c].map((n) => n.transport.closed));
  await Promise.all([rawTx, rawRx, cryptoRx].map(closeSocket));
}

async function main(): Promise<void> {
  const rows: Cell[][] = [];
  const notes: string[] = [];
  for (const suite of SUITES) if (suite.label.includes(ONLY)) await runSuite(suite, rows, notes);
  printTable(rows, {
    title:
      `ESP data path over UDP loopback vs raw UDP (node:crypto, ${CELL_MS} ms per side, ` +
      `bursts of ${BURST}, trials of ${TRIAL_MS} ms; Mbit/s of inner bytes delivered)`,
    header: ['suite', 'inner B', 'wire B', 'path', 'sent/s', 'delivered/s', 'loss %', 'Mbit/s', 'ESP/this'],
  });
  for (const n of notes) console.log(n);
}

await main();
