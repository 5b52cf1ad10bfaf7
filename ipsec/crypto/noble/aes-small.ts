/**
 * AES encryption (FIPS 197) on 5 KiB of tables, with aes.ts's interface and noble's word layout
 * (a state word holds four state bytes, little-endian): what the mote firmware links instead of
 * noble's 1.28 MiB of tables (scripts/build-mote.mjs). Encryption only: decrypting a block
 * throws (no suite of the mote decrypts a block; AES-CBC would need the inverse cipher).
 * Same outputs as noble's, checked by test/ipsec/crypto/aes-small.test.ts.
 *
 * Tables: the S-box (FIPS 197 §5.1.1) and T0..T3, where T0[x] is the MixColumns column of
 * S(x) (FIPS 197 §5.1.3: {02}S, S, S, {03}S as bytes 0..3 of a little-endian word) and
 * Tk = T0 rotated left by 8k bits: one round of a column is four look-ups and XORs.
 */
import { CryptoError } from '../errors.js';
import type { AesBlock, AesState } from './aes.js';

/** x * {02} in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2.1). */
const xtime = (b: number): number => ((b << 1) ^ (0x11b & -(b >> 7))) & 0xff;

const SBOX = new Uint8Array(256);
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);
{
  // FIPS 197 §5.1.1: S(x) = affine(x^-1). Walk x = 3^i (a generator) and its inverse 3^-i.
  let p = 1;
  let q = 1;
  do {
    p ^= xtime(p); // p *= 3
    q ^= q << 1; // q /= 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const s =
      q ^ ((q << 1) | (q >> 7)) ^ ((q << 2) | (q >> 6)) ^ ((q << 3) | (q >> 5)) ^ ((q << 4) | (q >> 4));
    SBOX[p] = (s ^ 0x63) & 0xff;
  } while (p !== 1);
  SBOX[0] = 0x63;
  const rotl8 = (w: number): number => (w << 8) | (w >>> 24);
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x]!;
    const s2 = xtime(s);
    T0[x] = (s2 | (s << 8) | (s << 16) | ((s2 ^ s) << 24)) >>> 0;
    T1[x] = rotl8(T0[x]!) >>> 0;
    T2[x] = rotl8(T1[x]!) >>> 0;
    T3[x] = rotl8(T2[x]!) >>> 0;
  }
}

/** SubWord on a little-endian word, byte by byte. */
const subWord = (w: number): number =>
  SBOX[w & 0xff]! |
  (SBOX[(w >>> 8) & 0xff]! << 8) |
  (SBOX[(w >>> 16) & 0xff]! << 16) |
  (SBOX[w >>> 24]! << 24);

/** FIPS 197 §5.2 KeyExpansion, words little-endian: RotWord is a right rotation by 8 bits. */
function expandKeyLE(key: Uint8Array): Uint32Array {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32)
    throw new CryptoError('INVALID_KEY_LENGTH', `AES key of ${key.length} bytes`);
  const nk = key.length / 4;
  const xk = new Uint32Array(key.length + 28); // 4 * (Nr + 1) words, Nr = Nk + 6
  const v = new DataView(key.buffer, key.byteOffset, key.length);
  for (let i = 0; i < nk; i++) xk[i] = v.getUint32(4 * i, true);
  let rcon = 1;
  for (let i = nk; i < xk.length; i++) {
    let t = xk[i - 1]!;
    if (i % nk === 0) {
      t = subWord((t >>> 8) | (t << 24)) ^ rcon;
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk === 4) t = subWord(t);
    xk[i] = xk[i - nk]! ^ t;
  }
  return xk;
}

/** One column of a full round (SubBytes, ShiftRows, MixColumns); the caller adds the round key. */
const column = (a: number, b: number, c: number, d: number): number =>
  T0[a & 0xff]! ^ T1[(b >>> 8) & 0xff]! ^ T2[(c >>> 16) & 0xff]! ^ T3[d >>> 24]!;

/** The last round's column (no MixColumns). */
const lastColumn = (a: number, b: number, c: number, d: number): number =>
  SBOX[a & 0xff]! |
  (SBOX[(b >>> 8) & 0xff]! << 8) |
  (SBOX[(c >>> 16) & 0xff]! << 16) |
  (SBOX[d >>> 24]! << 24);

/** FIPS 197 §5.1 Cipher over the four little-endian state words. */
function encrypt(xk: Uint32Array, s0: number, s1: number, s2: number, s3: number): AesState {
  let k = 0;
  s0 ^= xk[k++]!;
  s1 ^= xk[k++]!;
  s2 ^= xk[k++]!;
  s3 ^= xk[k++]!;
  const rounds = xk.length / 4 - 2;
  for (let i = 0; i < rounds; i++) {
    const t0 = xk[k++]! ^ column(s0, s1, s2, s3);
    const t1 = xk[k++]! ^ column(s1, s2, s3, s0);
    const t2 = xk[k++]! ^ column(s2, s3, s0, s1);
    const t3 = xk[k++]! ^ column(s3, s0, s1, s2);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  return {
    s0: xk[k++]! ^ lastColumn(s0, s1, s2, s3),
    s1: xk[k++]! ^ lastColumn(s1, s2, s3, s0),
    s2: xk[k++]! ^ lastColumn(s2, s3, s0, s1),
    s3: xk[k++]! ^ lastColumn(s3, s0, s1, s2),
  };
}

const noInverse = (): never => {
  throw new CryptoError('UNSUPPORTED_TRANSFORM', 'AES decryption is not in this build');
};

function encryptBlock(xk: Uint32Array, block: Uint8Array): Uint8Array {
  const v = new DataView(block.buffer, block.byteOffset, 16);
  const r = encrypt(
    xk,
    v.getUint32(0, true),
    v.getUint32(4, true),
    v.getUint32(8, true),
    v.getUint32(12, true),
  );
  v.setUint32(0, r.s0, true);
  v.setUint32(4, r.s1, true);
  v.setUint32(8, r.s2, true);
  v.setUint32(12, r.s3, true);
  return block;
}

function ctr32(
  xk: Uint32Array,
  isLE: boolean,
  nonce: Uint8Array,
  src: Uint8Array,
  dst?: Uint8Array,
): Uint8Array {
  const out = dst ?? new Uint8Array(src.length);
  const counter = new DataView(nonce.buffer, nonce.byteOffset, 16);
  const at = isLE ? 0 : 12;
  const ks = new Uint8Array(16);
  for (let i = 0; i < src.length; i += 16) {
    ks.set(nonce.subarray(0, 16));
    encryptBlock(xk, ks);
    const n = Math.min(16, src.length - i);
    for (let j = 0; j < n; j++) out[i + j] = src[i + j]! ^ ks[j]!;
    // noble advances the counter after whole blocks only
    if (n === 16) counter.setUint32(at, (counter.getUint32(at, isLE) + 1) >>> 0, isLE);
  }
  ks.fill(0);
  return out;
}

/** RFC 4493 §2.3: shift left one bit; if the top bit was set, XOR Rb = 0x87 into the last byte. */
function dbl(block: Uint8Array): Uint8Array {
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    const top = block[i]! >>> 7;
    block[i] = ((block[i]! << 1) | carry) & 0xff;
    carry = top;
  }
  block[15]! ^= 0x87 & -carry;
  return block;
}

export const aes: AesBlock = {
  expandKeyLE,
  expandKeyDecLE: noInverse,
  encrypt,
  decrypt: noInverse,
  encryptBlock,
  ctr32,
  dbl,
};
