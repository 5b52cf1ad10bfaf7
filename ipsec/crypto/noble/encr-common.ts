/**
 * Shared checks and AES building blocks for the portable (noble) ENCR transforms.
 *
 * The AES round function comes from aes.ts (@noble/ciphers' `unsafe` exports), keyed once per SA
 * (the key schedule is expanded at construction, never per packet). Words are loaded and
 * stored through DataView in little-endian order, which is the word layout noble's round
 * function expects on every host, so callers may pass buffers at any byte offset.
 */

import { secretCopy } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import type { EncrTransform } from '../types.js';
import { aes } from './aes.js';

/** AES block size (FIPS 197 §3.1). */
export const AES_BLOCK = 16;

/** AES key sizes (FIPS 197 §5: Nk = 4, 6, 8 words). */
const AES_KEY_BYTES = new Set([16, 24, 32]);

/** An AES key schedule in noble's word layout. */
export type AesKeySchedule = Uint32Array;

/** Splits KEYMAT into the cipher key and the trailing salt (RFC 3686 §5.1, RFC 4106 §8.1, RFC 4309 §7.1, RFC 7634 §2). */
export function splitKeyMaterial(
  transform: EncrTransform,
  key: Uint8Array,
): { key: Uint8Array; salt: Uint8Array } {
  if (key.length !== transform.keyLength)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `${transform.name}: key material must be ${transform.keyLength} bytes, got ${key.length}`,
    );
  const keyBytes = transform.keyLength - transform.saltLength;
  // Copies: the caller may wipe its KEYMAT buffer once the SA is installed.
  return { key: secretCopy(key.subarray(0, keyBytes)), salt: secretCopy(key.subarray(keyBytes)) };
}

export function expandAesKey(transform: EncrTransform, key: Uint8Array): AesKeySchedule {
  if (key.length * 8 !== transform.keyBits)
    throw new CryptoError('INVALID_KEY_LENGTH', `${transform.name}: bad AES key length ${key.length}`);
  return expandAesKeyBytes(key);
}

export function expandAesKeyBytes(key: Uint8Array): AesKeySchedule {
  if (!AES_KEY_BYTES.has(key.length))
    throw new CryptoError('INVALID_KEY_LENGTH', `AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  return aes.expandKeyLE(key);
}

export function expandAesDecryptionKey(key: Uint8Array): AesKeySchedule {
  return aes.expandKeyDecLE(key);
}

/**
 * What encrypt() (and Mac.compute()) throw once destroy() has zeroed the keys: using a dead SA's
 * cipher for output is a programming error (types.ts Cipher.destroy).
 */
export function destroyedError(name: string): CryptoError {
  return new CryptoError('INVALID_INPUT', `${name}: key destroyed`);
}

/** The explicit IV is sliced by the caller at the transform's fixed length: anything else is a bug. */
export function checkIv(transform: EncrTransform, iv: Uint8Array): void {
  if (iv.length !== transform.ivLength)
    throw new CryptoError(
      'INVALID_IV_LENGTH',
      `${transform.name}: IV must be ${transform.ivLength} bytes, got ${iv.length}`,
    );
}

export const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Counter-mode keystream XOR with a 32-bit big-endian block counter in the last four bytes
 * of `counterBlock` (NIST SP 800-38D inc32; RFC 3686 §4; RFC 3610 §2.3 with L = 4).
 * `counterBlock` is advanced in place by the number of whole blocks processed.
 * `dst` must be a fresh (4-byte aligned) buffer of src.length bytes, or omitted.
 */
export function ctr32(
  xk: AesKeySchedule,
  counterBlock: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array = new Uint8Array(src.length),
): Uint8Array {
  // noble reads src and dst as Uint32Array views, which need 4-byte aligned offsets: packet
  // slices often are not, so copy those (dst is always ours).
  const input = src.byteOffset % 4 === 0 ? src : src.slice();
  aes.ctr32(xk, false, counterBlock, input, dst);
  if (input !== src) input.fill(0);
  return dst;
}

/** One AES block encryption over little-endian words (noble's layout). */
export const encryptWords = aes.encrypt;
export const decryptWords = aes.decrypt;
