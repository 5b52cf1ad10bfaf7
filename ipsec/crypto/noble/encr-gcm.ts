/**
 * ENCR_AES_GCM_8/12/16 (RFC 4106): AES-GCM with a 4-byte salt from KEYMAT, an 8-byte explicit
 * IV and an ICV of 8, 12 or 16 bytes.
 *
 * Built from noble's AES counter mode and GHASH rather than noble's `gcm`, which only accepts
 * 16-byte tags. Per packet: one GCTR pass and one GHASH pass over the ciphertext; the key
 * schedule, the hash subkey H and the GHASH multiplication table are computed once per SA.
 * Decryption verifies the (truncated) tag in constant time before producing any plaintext.
 */
import { GHASH } from '@noble/ciphers/_polyval.js';
import { equalBytes } from '../../util/bytes.js';
import { EncrId } from '../ids.js';
import type { Cipher, EncrTransform } from '../types.js';
import { AES_KEY_BITS, type EncrAlgorithm } from './encr.js';
import {
  AES_BLOCK,
  checkIv,
  ctr32,
  destroyedError,
  expandAesKey,
  splitKeyMaterial,
  view,
} from './encr-common.js';

/** GHASH precomputation hint: > 1 KiB selects noble's 4-bit window (512 table entries per SA). */
const GHASH_TABLE_HINT = 2048;

const ZERO_BLOCK = new Uint8Array(AES_BLOCK);

/** GHASH whose per-key table survives between messages: reset() clears only the accumulator. */
class KeyedGhash extends GHASH {
  reset(): void {
    this.s0 = 0;
    this.s1 = 0;
    this.s2 = 0;
    this.s3 = 0;
    this.finished = false;
  }
}

/** NIST SP 800-38D §7.1 step 5: [len(A)]_64 || [len(C)]_64 in bits, big-endian. */
function lengthBlock(aadBytes: number, ctBytes: number): Uint8Array {
  const block = new Uint8Array(AES_BLOCK);
  const v = view(block);
  v.setUint32(0, Math.floor(aadBytes / 0x20000000), false);
  v.setUint32(4, (aadBytes * 8) >>> 0, false);
  v.setUint32(8, Math.floor(ctBytes / 0x20000000), false);
  v.setUint32(12, (ctBytes * 8) >>> 0, false);
  return block;
}

export function createAesGcm(transform: EncrTransform, keyMaterial: Uint8Array): Cipher {
  const { key, salt } = splitKeyMaterial(transform, keyMaterial); // RFC 4106 §8.1: key | salt(4)
  const xk = expandAesKey(transform, key);
  key.fill(0);
  const icvLength = transform.icvLength;
  // NIST SP 800-38D §6.4: H = CIPH_K(0^128).
  const h = ctr32(xk, new Uint8Array(AES_BLOCK), ZERO_BLOCK);
  const ghash = new KeyedGhash(h, GHASH_TABLE_HINT);
  h.fill(0);

  /** Returns the counter block advanced to inc32(J0), and E_K(J0) for the tag. */
  function start(iv: Uint8Array): { counter: Uint8Array; tagMask: Uint8Array } {
    checkIv(transform, iv);
    // RFC 4106 §4: nonce = salt(4) | IV(8); NIST SP 800-38D §7.1 step 2: J0 = nonce | 0^31 | 1.
    const counter = new Uint8Array(AES_BLOCK);
    counter.set(salt, 0);
    counter.set(iv, 4);
    counter[15] = 1;
    const tagMask = ctr32(xk, counter, ZERO_BLOCK); // E_K(J0); counter is now inc32(J0)
    return { counter, tagMask };
  }

  /** NIST SP 800-38D §7.1 steps 5-6: T = MSB_t(GCTR_K(J0, GHASH_H(A || 0^v || C || 0^u || len))). */
  function tag(aad: Uint8Array, ciphertext: Uint8Array, tagMask: Uint8Array): Uint8Array {
    ghash.reset();
    if (aad.length > 0) ghash.update(aad); // noble pads each update() to a block boundary
    if (ciphertext.length > 0) ghash.update(ciphertext);
    ghash.update(lengthBlock(aad.length, ciphertext.length));
    const s = new Uint8Array(AES_BLOCK);
    ghash.digestInto(s);
    for (let i = 0; i < AES_BLOCK; i++) s[i]! ^= tagMask[i]!;
    return s.subarray(0, icvLength); // RFC 4106 §3: the ICV is the leftmost icvLength bytes
  }

  let destroyed = false;

  return {
    transform,
    encrypt(iv, plaintext, aad = ZERO_BLOCK.subarray(0, 0)) {
      if (destroyed) throw destroyedError(transform.name);
      const { counter, tagMask } = start(iv);
      const out = new Uint8Array(plaintext.length + icvLength);
      const ciphertext = ctr32(xk, counter, plaintext, out.subarray(0, plaintext.length));
      out.set(tag(aad, ciphertext, tagMask), plaintext.length);
      return out;
    },
    decrypt(iv, input, aad = ZERO_BLOCK.subarray(0, 0)) {
      if (destroyed) return undefined;
      const { counter, tagMask } = start(iv);
      if (input.length < icvLength) return undefined; // peer input: no room for the ICV
      const ciphertext = input.subarray(0, input.length - icvLength);
      const received = input.subarray(input.length - icvLength);
      // NIST SP 800-38D §7.2: verify before decrypting; equalBytes is constant-time.
      if (!equalBytes(tag(aad, ciphertext, tagMask), received)) return undefined;
      return ctr32(xk, counter, ciphertext);
    },
    destroy() {
      destroyed = true;
      xk.fill(0);
      salt.fill(0);
      ghash.reset(); // the accumulator of the last message
      ghash.destroy(); // zeroes noble's per-key multiplication table (multiples of H)
    },
  };
}

/** RFC 4106 §3, §8.1: 4-octet salt, 8-octet IV, ICV of 8, 12 or 16 octets. */
export const ENCR_AES_GCM: readonly EncrAlgorithm[] = /* @__PURE__ */ (() => [
  { id: EncrId.AES_GCM_8, keyBits: AES_KEY_BITS, salt: 4, iv: 8, icv: 8, make: createAesGcm },
  { id: EncrId.AES_GCM_12, keyBits: AES_KEY_BITS, salt: 4, iv: 8, icv: 12, make: createAesGcm },
  { id: EncrId.AES_GCM_16, keyBits: AES_KEY_BITS, salt: 4, iv: 8, icv: 16, make: createAesGcm },
])();
