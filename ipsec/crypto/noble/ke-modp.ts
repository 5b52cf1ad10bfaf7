/**
 * MODP key exchange, groups 14, 15, 16 (RFC 3526), in BigInt arithmetic.
 *
 * Timing: the exponentiation below uses a fixed window but BigInt arithmetic is not constant
 * time. This is the portable provider; the node:crypto provider is the fast, OpenSSL-backed one.
 */
import { ok } from '../../result.js';
import { CryptoError } from '../errors.js';
import { bigIntToBytes, bytesToBigInt } from '../ke-values.js';
import { MODP_GROUPS, type ModpGroup, validateModpPublic } from '../modp-groups.js';
import type { KeTransform, RandomBytes } from '../types.js';
import { type Engine, invalidPublic, invalidSecret, type KeMethod } from './ke.js';

/** Programming-error check of a caller-supplied exponent: 1 < x < p-1, at most the prime's length. */
function modpCheckPrivate(transform: KeTransform, group: ModpGroup, key: Uint8Array): Uint8Array {
  if (key.length === 0 || key.length > group.length)
    throw new CryptoError('INVALID_KEY_LENGTH', `${transform.name}: private key of ${key.length} bytes`);
  const x = bytesToBigInt(key);
  if (x <= 1n || x >= group.prime - 1n)
    throw new CryptoError('INVALID_INPUT', `${transform.name}: private exponent out of range`);
  return key.slice();
}

/**
 * A private exponent of group.exponentBits bits (rationale in modp-groups.ts): x in
 * [2, 2^N - 1], drawn again in the (2^-N) case x < 2.
 */
function modpRandomPrivate(group: ModpGroup, random: RandomBytes): Uint8Array {
  const length = Math.ceil(group.exponentBits / 8);
  for (;;) {
    const key = random(length);
    const excess = length * 8 - group.exponentBits;
    key[0]! &= 0xff >> excess;
    if (bytesToBigInt(key) > 1n) return key;
  }
}

function modpEngine(transform: KeTransform, group: ModpGroup, priv: Uint8Array): Engine {
  // RFC 7296 §3.4: g^x mod p, left-padded with zeros to the length of the prime.
  const publicValue = bigIntToBytes(modPow(group.generator, bytesToBigInt(priv), group.prime), group.length);
  return {
    publicValue,
    shared(peerPublic) {
      const y = bytesToBigInt(peerPublic);
      // RFC 6989 §2.1: 1 < y < p-1.
      if (!validateModpPublic(group.prime, y)) return invalidPublic(transform, 'not in (1, p-1)');
      const z = modPow(y, bytesToBigInt(priv), group.prime);
      // NIST SP 800-56A Rev. 3 §5.7.1.1: z = 1 is an error (unreachable for 1 < y < p-1 and
      // x < q with a safe prime, kept as a cheap guard).
      if (z <= 1n) return invalidSecret(transform, 'degenerate shared secret');
      // RFC 7296 §2.14: g^ir is left-padded to the length of the prime.
      return ok(bigIntToBytes(z, group.length));
    },
  };
}

/** Window width of the fixed-window exponentiation: 2^4 precomputed powers. */
const WINDOW_BITS = 4;

/**
 * base^exponent mod modulus, left-to-right fixed 4-bit windows (HAC 14.82): one squaring per
 * exponent bit and one multiplication per window, with a 16-entry table of base powers.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  const b = ((base % modulus) + modulus) % modulus;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 1 << WINDOW_BITS; i++) table.push((table[i - 1]! * b) % modulus);
  const windows = Math.ceil(exponent.toString(2).length / WINDOW_BITS);
  const mask = BigInt((1 << WINDOW_BITS) - 1);
  let result = 1n;
  for (let w = windows - 1; w >= 0; w--) {
    for (let s = 0; s < WINDOW_BITS; s++) result = (result * result) % modulus;
    const digit = Number((exponent >> BigInt(w * WINDOW_BITS)) & mask);
    result = (result * table[digit]!) % modulus;
  }
  return result;
}

/** The MODP groups of RFC 3526 (modp-groups.ts) as key exchange methods. */
export const KE_MODP: readonly KeMethod[] = /* @__PURE__ */ (() =>
  MODP_GROUPS.map(
    (group): KeMethod => ({
      id: group.id,
      kind: 'modp',
      privateKey: (transform, random, given) =>
        given ? modpCheckPrivate(transform, group, given) : modpRandomPrivate(group, random),
      engine: (transform, priv) => modpEngine(transform, group, priv),
    }),
  ))();
