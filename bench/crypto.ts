/**
 * noble vs node:crypto provider throughput (run: `npm run bench:crypto`).
 *
 * Every cell is a time-boxed loop (CELL_MS after a short warm-up), so the whole run stays
 * well under a minute on a slow machine. Numbers are for comparison on one machine only;
 * nothing here is asserted anywhere.
 */
import { randomBytes } from 'node:crypto';
import { EncrId, IntegId, PrfId } from '../ipsec/crypto/ids.js';
import { nobleProvider } from '../ipsec/crypto/noble/index.js';
import { KE_TRANSFORMS, mustEncr, mustInteg, mustPrf } from '../ipsec/crypto/transforms.js';
import type {
  CryptoProvider,
  EncrTransform,
  IntegTransform,
  KeTransform,
  RandomBytes,
} from '../ipsec/crypto/types.js';
import { nodeProvider } from '../targets/native/crypto/node-provider.js';
import { measureOps } from './measure.js';
import { type Cell, printTable } from './table.js';

const CELL_MS = Number(process.env.BENCH_CELL_MS ?? 150);
const WARMUP_MS = 20;
const PROVIDERS: readonly CryptoProvider[] = [nobleProvider, nodeProvider];
const SIZES = [64, 1400, 16384] as const;

const random: RandomBytes = (n) => new Uint8Array(randomBytes(n));

const opsPerSecond = (op: () => void, ms = CELL_MS): number => measureOps(op, ms, WARMUP_MS);

/** Plaintext length for a nominal packet size: CBC needs whole blocks (ESP pads, RFC 4303 §2.4). */
const alignedLength = (t: EncrTransform, size: number): number => Math.ceil(size / t.blockSize) * t.blockSize;

interface Workload {
  readonly label: string;
  /** Per provider: a sealing and an opening closure for one packet of `size` bytes, and the bytes it processes. */
  make(p: CryptoProvider, size: number): { seal: () => void; open: () => void; bytes: number };
}

/** An AEAD as ESP uses it: seal(IV, payload, AAD = SPI | sequence number). */
function aeadWorkload(label: string, t: EncrTransform): Workload {
  return {
    label,
    make(p, size) {
      const cipher = p.cipher(t, random(t.keyLength));
      const iv = random(t.ivLength);
      const aad = random(8);
      const plaintext = random(alignedLength(t, size));
      const sealed = cipher.encrypt(iv, plaintext, aad);
      return {
        seal: () => void cipher.encrypt(iv, plaintext, aad),
        open: () => {
          if (!cipher.decrypt(iv, sealed, aad)) throw new Error(`${label}: open failed`);
        },
        bytes: plaintext.length,
      };
    },
  };
}

/** Encrypt-then-MAC as ESP does it: ICV over SPI | seq | IV | ciphertext (RFC 4303 §3.3.2). */
function etmWorkload(label: string, e: EncrTransform, i: IntegTransform): Workload {
  return {
    label,
    make(p, size) {
      const cipher = p.cipher(e, random(e.keyLength));
      const mac = p.mac(i, random(i.keyLength));
      const iv = random(e.ivLength);
      const plaintext = random(alignedLength(e, size));
      const packet = new Uint8Array(8 + iv.length + plaintext.length);
      packet.set(iv, 8);
      const seal = (): Uint8Array => {
        packet.set(cipher.encrypt(iv, plaintext), 8 + iv.length);
        return mac.compute(packet);
      };
      const icv = seal();
      return {
        seal: () => void seal(),
        open: () => {
          if (!mac.verify(packet, icv)) throw new Error(`${label}: verify failed`);
          cipher.decrypt(iv, packet.subarray(8 + iv.length));
        },
        bytes: plaintext.length,
      };
    },
  };
}

/** MAC alone (the AES-XCBC/CMAC on node AES vs noble comparison behind node-aes-mac.ts). */
function macWorkload(label: string, i: IntegTransform): Workload {
  return {
    label,
    make(p, size) {
      const mac = p.mac(i, random(i.keyLength));
      const data = random(size);
      const icv = mac.compute(data);
      return {
        seal: () => void mac.compute(data),
        open: () => {
          if (!mac.verify(data, icv)) throw new Error(`${label}: verify failed`);
        },
        bytes: size,
      };
    },
  };
}

const ratio = (node: number, noble: number): string => `${(node / noble).toFixed(1)}x`;
const round = (x: number): number => (x >= 100 ? Math.round(x) : Math.round(x * 100) / 100);

function packetTable(title: string, workloads: readonly Workload[]): void {
  const rows: Cell[][] = [];
  for (const w of workloads) {
    for (const size of SIZES) {
      for (const direction of ['seal', 'open'] as const) {
        const results = PROVIDERS.map((p) => {
          const job = w.make(p, size);
          const pps = opsPerSecond(job[direction]);
          return { pps, mbps: (pps * job.bytes) / 1e6 };
        });
        const [noble, node] = results as [(typeof results)[0], (typeof results)[0]];
        rows.push([
          w.label,
          size,
          direction,
          Math.round(noble.pps),
          round(noble.mbps),
          Math.round(node.pps),
          round(node.mbps),
          ratio(node.pps, noble.pps),
        ]);
      }
    }
  }
  printTable(rows, {
    title,
    header: [
      'transform',
      'bytes',
      'op',
      'noble pkt/s',
      'noble MB/s',
      'node pkt/s',
      'node MB/s',
      'node/noble',
    ],
    align: ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right'],
  });
}

/** PRFs are keyed per call (IKE only): the AES ones pay their key setup every time. */
function prfTable(): void {
  const rows: Cell[][] = [];
  for (const id of [PrfId.AES128_XCBC, PrfId.AES128_CMAC, PrfId.HMAC_SHA2_256])
    for (const [keyLength, size] of [
      [16, 64],
      [32, 64],
      [32, 512],
    ] as const) {
      const t = mustPrf(id);
      const key = random(keyLength);
      const data = random(size);
      const [noble, node] = PROVIDERS.map((p) => {
        const prf = p.prf(t);
        return opsPerSecond(() => prf.compute(key, data));
      }) as [number, number];
      rows.push([t.name, keyLength, size, Math.round(noble), Math.round(node), ratio(node, noble)]);
    }
  printTable(rows, {
    title: 'PRF (key per call, as in SKEYSEED / prf+ / AUTH), operations/s',
    header: ['prf', 'key bytes', 'data bytes', 'noble ops/s', 'node ops/s', 'node/noble'],
    align: ['left', 'right', 'right', 'right', 'right', 'right'],
  });
}

/** One key exchange: fresh key pair, then g^ir against a fixed peer value. */
function keTable(groups: readonly KeTransform[]): void {
  const rows: Cell[][] = [];
  for (const t of groups) {
    const peer = nodeProvider.keyExchange(t, random).publicValue;
    const results = PROVIDERS.map((p) =>
      opsPerSecond(() => {
        const ke = p.keyExchange(t, random);
        if (!ke.computeSharedSecret(peer).ok) throw new Error(`${t.name}: key exchange failed`);
        ke.destroy();
      }, 2 * CELL_MS),
    );
    const [noble, node] = results as [number, number];
    rows.push([t.name, round(noble), round(node), ratio(node, noble)]);
  }
  printTable(rows, {
    title: 'Key exchange: key pair + shared secret, operations/s',
    header: ['group', 'noble ops/s', 'node ops/s', 'node/noble'],
    align: ['left', 'right', 'right', 'right'],
  });
}

function main(): void {
  const started = performance.now();
  console.log(`crypto providers: noble vs node:crypto (node ${process.version}, ${CELL_MS} ms per cell)`);
  console.log('MB/s = 10^6 bytes of payload per second; pkt/s = packets per second');
  packetTable('AEAD (seal = encrypt, open = decrypt + verify; AAD = 8 bytes)', [
    aeadWorkload('AES-GCM-16 128', mustEncr(EncrId.AES_GCM_16, 128)),
    aeadWorkload('AES-GCM-16 256', mustEncr(EncrId.AES_GCM_16, 256)),
    aeadWorkload('AES-CCM-16 128', mustEncr(EncrId.AES_CCM_16, 128)),
    aeadWorkload('ChaCha20-Poly1305', mustEncr(EncrId.CHACHA20_POLY1305)),
  ]);
  packetTable('Encrypt + MAC (ICV over 8-byte header | IV | ciphertext; CBC payload padded to 16)', [
    etmWorkload(
      'AES-CBC-128 + HMAC-SHA2-256-128',
      mustEncr(EncrId.AES_CBC, 128),
      mustInteg(IntegId.HMAC_SHA2_256_128),
    ),
    etmWorkload('AES-CTR-128 + AES-XCBC-96', mustEncr(EncrId.AES_CTR, 128), mustInteg(IntegId.AES_XCBC_96)),
    etmWorkload('AES-CBC-128 + HMAC-SHA1-96', mustEncr(EncrId.AES_CBC, 128), mustInteg(IntegId.HMAC_SHA1_96)),
  ]);
  packetTable('MAC only (why node-aes-mac.ts builds XCBC/CMAC on node AES)', [
    macWorkload('AES-XCBC-96', mustInteg(IntegId.AES_XCBC_96)),
    macWorkload('AES-CMAC-96', mustInteg(IntegId.AES_CMAC_96)),
  ]);
  prfTable();
  keTable(KE_TRANSFORMS);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
