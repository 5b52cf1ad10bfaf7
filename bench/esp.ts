/**
 * ESP data-path throughput with the node:crypto provider, next to the raw node:crypto
 * cipher on the same bytes in the same run (the ceiling). Run: `npm run build` then
 * `node dist/bench/esp.js` (BENCH_CELL_MS sets the time per cell and side, default 500).
 *
 * "ESP" is espEncapsulate / espDecapsulate on an SA (tunnel mode, no ESN): sequence number,
 * padding, IV, cipher, ICV, framing, replay window. "raw" is the bare node:crypto calls such
 * a packet needs (createCipheriv + update/final [+ tag] [+ HMAC]) on the padded ESP
 * plaintext, without framing. ratio = ESP / raw: the goal is 80% or more. Each cell
 * alternates ESP and raw rounds and keeps the best of each, so that background load (other
 * processes on a small machine) does not decide the ratio.
 * For AES-XCBC the raw ceiling is an AES-128-CBC pass over the authenticated bytes (the
 * CBC-MAC at the heart of XCBC, RFC 3566 §4); node:crypto has no XCBC of its own.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { EncrId, IntegId } from '../ipsec/crypto/ids.js';
import { pooledRandom } from '../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../ipsec/crypto/transforms.js';
import type { EncrTransform, IntegTransform, RandomBytes } from '../ipsec/crypto/types.js';
import { espDecapsulate, espEncapsulate } from '../ipsec/esp/esp.js';
import { createEspSa, createEspSaFromKeys, type EspSa } from '../ipsec/esp/sa.js';
import { buildIpv4 } from '../ipsec/packet/ipv4.js';
import { IpProto } from '../ipsec/packet/proto.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { measureOps } from './measure.js';
import { type Cell, printTable } from './table.js';

const CELL_MS = Number(process.env.BENCH_CELL_MS ?? 500);
const WARMUP_MS = 20;
/** Each cell alternates ESP and raw this many times and keeps the best rate of each. */
const ROUNDS = 5;
const SIZES = [64, 1400] as const;
/** Distinct packets prepared for the decrypt loops (each may be accepted only once). */
const RING = 2048;

/** As the daemon draws: one CSPRNG call per 4 KiB, slices for the CBC IVs. */
const random: RandomBytes = pooledRandom((n) => new Uint8Array(randomBytes(n)));

const opsPerSecond = (op: () => void, ms = CELL_MS): number => measureOps(op, ms, WARMUP_MS);

interface Suite {
  readonly label: string;
  readonly encr: EncrTransform;
  readonly integ?: IntegTransform;
}

const SUITES: readonly Suite[] = [
  { label: 'AES-GCM-16-128', encr: mustEncr(EncrId.AES_GCM_16, 128) },
  {
    label: 'AES-CBC-128 + HMAC-SHA2-256-128',
    encr: mustEncr(EncrId.AES_CBC, 128),
    integ: mustInteg(IntegId.HMAC_SHA2_256_128),
  },
  {
    label: 'AES-CTR-128 + AES-XCBC-96',
    encr: mustEncr(EncrId.AES_CTR, 128),
    integ: mustInteg(IntegId.AES_XCBC_96),
  },
  { label: 'ChaCha20-Poly1305', encr: mustEncr(EncrId.CHACHA20_POLY1305) },
];

/** An inner IPv4/UDP packet of exactly `size` bytes (what tunnel mode carries). */
function innerPacket(size: number): Uint8Array {
  return buildIpv4({
    src: Uint8Array.of(10, 0, 0, 1),
    dst: Uint8Array.of(10, 0, 0, 2),
    protocol: IpProto.UDP,
    payload: random(size - 20),
  });
}

/** ESP encrypt and decrypt loops for one suite and size. */
function espJobs(s: Suite, size: number): { encrypt: () => void; decrypt: () => void } {
  const encrKey = random(s.encr.keyLength);
  const integKey = s.integ ? random(s.integ.keyLength) : undefined;
  const keys = {
    provider: nodeProvider,
    encr: s.encr,
    encrKey,
    ...(s.integ && integKey ? { integ: s.integ, integKey } : {}),
    random,
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
function rawJobs(s: Suite, size: number): { encrypt: () => void; decrypt: () => void } {
  const align = Math.max(s.encr.blockSize, 4);
  const length = Math.ceil((size + 2) / align) * align; // the padded ESP plaintext (RFC 4303 §2.4)
  const plaintext = random(length);
  const aad = random(8);
  const key = random(s.encr.keyLength - s.encr.saltLength);
  switch (s.encr.id) {
    case EncrId.AES_GCM_16:
    case EncrId.CHACHA20_POLY1305: {
      const algorithm = s.encr.id === EncrId.AES_GCM_16 ? 'aes-128-gcm' : 'chacha20-poly1305';
      const nonce = random(12);
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
        const n = random(12);
        const c = createCipheriv(algorithm as 'aes-128-gcm', key, n, { authTagLength: 16 });
        c.setAAD(aad);
        const ct = c.update(random(length));
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
      const iv = random(16);
      const macKey = random(s.integ!.keyLength);
      const header = random(8 + 16);
      const encrypt = (): void => {
        const c = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
        const ct = c.update(plaintext);
        c.final();
        createHmac('sha256', macKey).update(header).update(ct).digest();
      };
      const cts = Array.from({ length: RING }, () =>
        createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(random(length)),
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
      const counter = random(16);
      const macKey = random(16);
      const zeroIv = new Uint8Array(16);
      const authenticated = random(Math.ceil((8 + 8 + length) / 16) * 16);
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
      const received = Array.from({ length: RING }, () => random(length));
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

function main(): void {
  const started = performance.now();
  console.log(
    `ESP data path, node provider vs raw node:crypto (node ${process.version}, ${CELL_MS} ms per cell)`,
  );
  console.log(
    'bytes = inner packet size; Mbit/s = 10^6 bits of inner packet per second; ratio = ESP / raw\n',
  );
  const rows: Cell[][] = [];
  for (const s of SUITES) {
    for (const size of SIZES) {
      let esp: ReturnType<typeof espJobs>;
      try {
        esp = espJobs(s, size);
      } catch (e) {
        rows.push([s.label, size, 'n/a', `ESP setup failed: ${(e as Error).message}`]);
        continue;
      }
      const raw = rawJobs(s, size);
      for (const op of ['encrypt', 'decrypt'] as const) {
        // Interleaved rounds, best of each: background load hits both sides alike.
        let espPps = 0;
        let rawPps = 0;
        for (let r = 0; r < ROUNDS; r++) {
          espPps = Math.max(espPps, opsPerSecond(esp[op], CELL_MS / ROUNDS));
          rawPps = Math.max(rawPps, opsPerSecond(raw[op], CELL_MS / ROUNDS));
        }
        rows.push([
          s.label,
          size,
          op,
          Math.round(espPps),
          round((espPps * size * 8) / 1e6),
          Math.round(rawPps),
          round((rawPps * size * 8) / 1e6),
          `${Math.round((100 * espPps) / rawPps)}%`,
        ]);
      }
    }
  }
  printTable(rows, {
    header: ['transform', 'bytes', 'op', 'ESP pkt/s', 'ESP Mbit/s', 'raw pkt/s', 'raw Mbit/s', 'ratio'],
    align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right'],
  });
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
