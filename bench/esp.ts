/**
 * ESP data-path throughput with the node:crypto provider, next to the raw node:crypto
 * cipher on the same bytes in the same run (the ceiling). Run: `npm run bench:esp`.
 * Settings: BENCH_CELL_MS (time per cell and side, default 1000), BENCH_PROCESSES (fresh
 * processes per cell, default 3), BENCH_ONLY (transforms whose label contains the text).
 *
 * "ESP" is espEncapsulate / espDecapsulate on an SA (tunnel mode, no ESN): sequence number,
 * padding, IV, cipher, ICV, framing, replay window. "raw" is the bare node:crypto calls such
 * a packet needs (createCipheriv + update/final [+ tag] [+ HMAC]) on the padded ESP
 * plaintext, without framing or a packet buffer. ratio = ESP / raw: the goal is 80% or more.
 * Within a process, 50 ms trials of ESP and raw alternate and the totals are divided
 * (measure.ts compareOps), so that background load moves both sides alike; each cell runs in
 * several fresh processes and the median one is shown, with the lowest and highest ratio.
 * For AES-XCBC the raw ceiling is an AES-128-CBC pass over the authenticated bytes (the
 * CBC-MAC at the heart of XCBC, RFC 3566 §4); node:crypto has no XCBC of its own, and ours
 * keeps one native CBC cipher per key instead of one per packet, hence ratios above 100%. */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EncrId } from '../ipsec/crypto/ids.js';
import { espDecapsulate, espEncapsulate } from '../ipsec/esp/esp.js';
import { createEspSa, createEspSaFromKeys, type EspSa } from '../ipsec/esp/sa.js';
import { IpProto } from '../ipsec/packet/proto.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { type Comparison, compareOps } from './measure.js';
import { BENCH_SIZES, BENCH_SUITES, type BenchSuite, benchRandom, innerPacket } from './suites.js';
import { type Cell, printTable } from './table.js';

const CELL_MS = Number(process.env.BENCH_CELL_MS ?? 1000);
const SCRIPT = fileURLToPath(import.meta.url);
/** Fresh processes per cell (BENCH_PROCESSES); the median one is reported. */
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
/** BENCH_ONLY=text runs only the transforms whose label contains it. */
const ONLY = process.env.BENCH_ONLY ?? '';
/** ESP and raw alternate in trials this long (bench/measure.ts compareOps). */
const TRIAL_MS = 50;
/** Distinct packets prepared for the decrypt loops (each may be accepted only once). */
const RING = 2048;

/** ESP encrypt and decrypt loops for one suite and size. */
function espJobs(s: BenchSuite, size: number): { encrypt: () => void; decrypt: () => void } {
  const encrKey = benchRandom(s.encr.keyLength);
  const integKey = s.integ ? benchRandom(s.integ.keyLength) : undefined;
  const keys = {
    provider: nodeProvider,
    encr: s.encr,
    encrKey,
    ...(s.integ && integKey ? { integ: s.integ, integKey } : {}),
    random: benchRandom,
  };
  const must = (r: ReturnType<typeof createEspSa>): EspSa => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const out = must(createEspSaFromKeys(keys, { spi: 0x1000, direction: 'outbound', mode: 'tunnel' }));
  const inbound = must(createEspSaFromKeys(keys, { spi: 0x1000, direction: 'inbound', mode: 'tunnel' }));
  const payload = innerPacket(size);
  const packets = Array.from({ length: RING }, () => {
    const r = espEncapsulate(out, payload, IpProto.IPV4);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  });
  // The replay window accepts each packet once: start a fresh SA state on the same keyed
  // transforms at every lap (one small allocation per RING packets).
  let sa = inbound;
  let i = 0;
  return {
    encrypt: () => {
      if (!espEncapsulate(out, payload, IpProto.IPV4).ok) throw new Error('encapsulate failed');
    },
    decrypt: () => {
      if (i === RING) {
        sa = must(
          createEspSa({
            spi: 0x1000,
            direction: 'inbound',
            mode: 'tunnel',
            cipher: inbound.cipher,
            ...(inbound.mac ? { mac: inbound.mac } : {}),
          }),
        );
        i = 0;
      }
      if (!espDecapsulate(sa, packets[i++]!).ok) throw new Error('decapsulate failed');
    },
  };
}

/**
 * The bare node:crypto work of one packet: same key sizes, same plaintext length, no framing.
 * Encrypt repeats one plaintext (as the ESP side does); decrypt walks RING distinct packets (as
 * the ESP side must: each sequence number is accepted once).
 */
function rawJobs(s: BenchSuite, size: number): { encrypt: () => void; decrypt: () => void } {
  const align = Math.max(s.encr.blockSize, 4);
  const length = Math.ceil((size + 2) / align) * align; // the padded ESP plaintext (RFC 4303 §2.4)
  const plaintext = benchRandom(length);
  const aad = benchRandom(8);
  const key = benchRandom(s.encr.keyLength - s.encr.saltLength);
  switch (s.encr.id) {
    case EncrId.AES_GCM_16:
    case EncrId.CHACHA20_POLY1305: {
      const algorithm = s.encr.id === EncrId.AES_GCM_16 ? 'aes-128-gcm' : 'chacha20-poly1305';
      const nonce = benchRandom(12);
      const seal = (): [Uint8Array, Buffer] => {
        const c = createCipheriv(algorithm as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
        c.setAAD(aad);
        const ct = c.update(plaintext);
        c.final();
        return [ct, c.getAuthTag()];
      };
      // Decrypt walks RING distinct packets, as the ESP side must (each sequence number once):
      // the same memory traffic on both sides of the ratio.
      const sealed = Array.from({ length: RING }, () => {
        const n = benchRandom(12);
        const c = createCipheriv(algorithm as 'aes-128-gcm', key, n, { authTagLength: 16 });
        c.setAAD(aad);
        const ct = c.update(benchRandom(length));
        c.final();
        return { n, ct, tag: c.getAuthTag() };
      });
      let i = 0;
      return {
        encrypt: () => void seal(),
        decrypt: () => {
          const p = sealed[i++ % RING]!;
          const d = createDecipheriv(algorithm as 'aes-128-gcm', key, p.n, { authTagLength: 16 });
          d.setAAD(aad);
          d.setAuthTag(p.tag);
          d.update(p.ct);
          d.final();
        },
      };
    }
    case EncrId.AES_CBC: {
      const iv = benchRandom(16);
      const macKey = benchRandom(s.integ!.keyLength);
      const header = benchRandom(8 + 16);
      const encrypt = (): void => {
        const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
        const ct = c.update(plaintext);
        c.final();
        createHmac('sha256', macKey).update(header).update(ct).digest();
      };
      const cts = Array.from({ length: RING }, () =>
        createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(benchRandom(length)),
      );
      let i = 0;
      return {
        encrypt,
        decrypt: () => {
          const ct = cts[i++ % RING]!;
          createHmac('sha256', macKey).update(header).update(ct).digest();
          const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
          d.update(ct);
          d.final();
        },
      };
    }
    case EncrId.AES_CTR: {
      const counter = benchRandom(16);
      const macKey = benchRandom(16);
      const zeroIv = new Uint8Array(16);
      const authenticated = benchRandom(Math.ceil((8 + 8 + length) / 16) * 16);
      const cbcMac = (): void => {
        const c = createCipheriv('aes-128-cbc', macKey, zeroIv).setAutoPadding(false);
        c.update(authenticated);
        c.final();
      };
      const ctr = (input: Uint8Array): void => {
        const c = createCipheriv('aes-128-ctr', key, counter);
        c.update(input);
        c.final();
      };
      const received = Array.from({ length: RING }, () => benchRandom(length));
      let i = 0;
      return {
        encrypt: () => {
          ctr(plaintext);
          cbcMac();
        },
        decrypt: () => {
          cbcMac();
          ctr(received[i++ % RING]!);
        },
      };
    }
    default:
      throw new Error(`no raw ceiling for ${s.label}`);
  }
}

const round = (x: number): number => (x >= 100 ? Math.round(x) : Math.round(x * 100) / 100);

type Op = 'encrypt' | 'decrypt';
const OPS: readonly Op[] = ['encrypt', 'decrypt'];

/** One cell in this process: both ops of one suite and size, printed as one JSON line. */
function runCell(suiteIndex: number, size: number): void {
  const s = BENCH_SUITES[suiteIndex]!;
  const esp = espJobs(s, size);
  const raw = rawJobs(s, size);
  const result: Partial<Record<Op, Comparison>> = {};
  for (const op of OPS) result[op] = compareOps(esp[op], raw[op], CELL_MS, TRIAL_MS);
  console.log(JSON.stringify(result));
}

/** Runs one cell in a fresh node process: its result, or the first line of its error. */
function cellInChild(index: number, size: number): Record<Op, Comparison> | string {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, SCRIPT, 'cell', String(index), String(size)],
    { encoding: 'utf8', env: process.env },
  );
  if (child.status !== 0) return `cell failed: ${child.stderr.trim().split('\n')[0] ?? child.status}`;
  return JSON.parse(child.stdout) as Record<Op, Comparison>;
}

/**
 * Every cell runs in PROCESSES fresh node processes and the table shows the process with the
 * median ratio (and the lowest and highest ratio of all): a long run degrades a process (malloc
 * arenas fragment under millions of small native buffers), which moved later cells by tens of
 * points, and JIT and memory layout differ from process to process by several points.
 */
function main(): void {
  const started = performance.now();
  console.log(
    `ESP data path, node provider vs raw node:crypto (node ${process.version}; per cell ${PROCESSES} processes, each ${CELL_MS} ms per side in ${TRIAL_MS} ms trials)`,
  );
  console.log(
    'bytes = inner packet size; Mbit/s = 10^6 bits of inner packet per second; ratio = ESP / raw of the median process\n',
  );
  const rows: Cell[][] = [];
  BENCH_SUITES.forEach((s, index) => {
    if (!s.label.includes(ONLY)) return;
    for (const size of BENCH_SIZES) {
      const runs: Record<Op, Comparison>[] = [];
      for (let p = 0; p < PROCESSES; p++) {
        const r = cellInChild(index, size);
        if (typeof r === 'string') {
          rows.push([s.label, size, 'n/a', r]);
          return;
        }
        runs.push(r);
      }
      for (const op of OPS) {
        const sorted = runs.map((r) => r[op]).sort((x, y) => x.ratio - y.ratio);
        const c = sorted[Math.floor(sorted.length / 2)]!;
        const pct = (x: number): number => Math.round(100 * x);
        rows.push([
          s.label,
          size,
          op,
          Math.round(c.a),
          round((c.a * size * 8) / 1e6),
          Math.round(c.b),
          round((c.b * size * 8) / 1e6),
          `${pct(c.ratio)}%`,
          `${pct(sorted[0]!.ratio)}-${pct(sorted[sorted.length - 1]!.ratio)}%`,
        ]);
      }
    }
  });
  printTable(rows, {
    header: [
      'transform',
      'bytes',
      'op',
      'ESP pkt/s',
      'ESP Mbit/s',
      'raw pkt/s',
      'raw Mbit/s',
      'ratio',
      'processes min-max',
    ],
    align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[2] === 'cell') runCell(Number(process.argv[3]), Number(process.argv[4]));
else main();
