/**
 * ENCR_AES_CCM_8/12/16 (RFC 4309): AES-CCM with a 3-byte salt from KEYMAT, an 8-byte explicit
 * IV, so an 11-byte nonce and L = 4 (RFC 4309 §4), and an ICV of 8, 12 or 16 bytes.
 *
 * noble has no CCM: this follows NIST SP 800-38C §6 / RFC 3610 §2 on noble's AES block
 * function. `ccmCore` is the generic mode (any nonce of 7..13 bytes, any valid tag length) so
 * that the published vectors for other nonce and tag sizes can test the formatting too.
 */

import { equalBytes } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { EncrId } from '../ids.js';
import type { Cipher, EncrTransform } from '../types.js';
import { AES_KEY_BITS, type EncrAlgorithm } from './encr.js';
import {
  AES_BLOCK,
  type AesKeySchedule,
  checkIv,
  ctr32,
  destroyedError,
  encryptWords,
  expandAesKeyBytes,
  splitKeyMaterial,
  view,
} from './encr-common.js';

/** RFC 4309 §4: the nonce is salt(3) | IV(8). */
const RFC4309_SALT = 3;

/** NIST SP 800-38C §A.1: Tlen in {4, 6, ..., 16} bytes; nonce length n in 7..13 (q = 15 - n). */
const CCM_TAG_LENGTHS = new Set([4, 6, 8, 10, 12, 14, 16]);

export interface CcmCore {
  /** Returns ciphertext || tag. Throws CryptoError INVALID_INPUT for lengths the nonce size cannot encode. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Returns the payload, or undefined if the tag does not verify or a length is impossible. */
  open(nonce: Uint8Array, aad: Uint8Array, input: Uint8Array): Uint8Array | undefined;
  /** Zeroes the key schedule: the caller must not seal or open afterwards. */
  destroy(): void;
}

/** CBC-MAC state over little-endian words (noble's AES layout). */
interface MacState {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
}

/** Absorbs `data` zero-padded to a block boundary: X_i = E_K(X_{i-1} xor B_i) (SP 800-38C §6.1 step 4). */
function absorb(xk: AesKeySchedule, st: MacState, data: Uint8Array): void {
  const whole = data.length - (data.length % AES_BLOCK);
  const d = view(data);
  for (let i = 0; i < whole; i += AES_BLOCK) {
    const x = encryptWords(
      xk,
      st.s0 ^ d.getUint32(i, true),
      st.s1 ^ d.getUint32(i + 4, true),
      st.s2 ^ d.getUint32(i + 8, true),
      st.s3 ^ d.getUint32(i + 12, true),
    );
    st.s0 = x.s0;
    st.s1 = x.s1;
    st.s2 = x.s2;
    st.s3 = x.s3;
  }
  if (whole < data.length) {
    const last = new Uint8Array(AES_BLOCK);
    last.set(data.subarray(whole));
    absorb(xk, st, last);
    last.fill(0);
  }
}

/** SP 800-38C §A.2.2: the encoding of a = len(A) that prefixes the associated data. */
function aadHeader(aad: Uint8Array): Uint8Array {
  const a = aad.length;
  let prefix: Uint8Array;
  if (a < 0xff00) {
    prefix = new Uint8Array(2);
    view(prefix).setUint16(0, a, false);
  } else if (a < 2 ** 32) {
    prefix = new Uint8Array(6);
    view(prefix).setUint16(0, 0xfffe, false);
    view(prefix).setUint32(2, a, false);
  } else {
    prefix = new Uint8Array(10);
    view(prefix).setUint16(0, 0xffff, false);
    view(prefix).setUint32(2, Math.floor(a / 2 ** 32), false);
    view(prefix).setUint32(6, a >>> 0, false);
  }
  const header = new Uint8Array(prefix.length + a);
  header.set(prefix, 0);
  header.set(aad, prefix.length);
  return header;
}

/** Generic CCM under AES key `key` (16, 24 or 32 bytes) with a `tagLength`-byte tag. */
export function ccmCore(key: Uint8Array, tagLength: number): CcmCore {
  if (!CCM_TAG_LENGTHS.has(tagLength))
    throw new CryptoError('UNSUPPORTED_TRANSFORM', `CCM tag length ${tagLength}`);
  const xk = expandAesKeyBytes(key);

  /** q = 15 - n octets of message length; false when the nonce size cannot encode this length. */
  function lengthFits(nonce: Uint8Array, payloadLength: number): boolean {
    const q = 15 - nonce.length;
    return q >= 8 || payloadLength < 2 ** (8 * q);
  }

  function checkNonce(nonce: Uint8Array): void {
    if (nonce.length < 7 || nonce.length > 13)
      throw new CryptoError('INVALID_IV_LENGTH', `CCM nonce must be 7..13 bytes, got ${nonce.length}`);
  }

  /** T = MSB_Tlen(CBC-MAC(B_0 | encoded A | P)), left unmasked (SP 800-38C §6.1 steps 2-5). */
  function mac(nonce: Uint8Array, aad: Uint8Array, payload: Uint8Array): Uint8Array {
    const q = 15 - nonce.length;
    // SP 800-38C §A.2.1 / RFC 3610 §2.2: B_0 = flags | N | Q,
    // flags = Adata << 6 | ((t - 2) / 2) << 3 | (q - 1).
    const b0 = new Uint8Array(AES_BLOCK);
    b0[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (q - 1);
    b0.set(nonce, 1);
    for (let i = 0, n = payload.length; i < q && i < 7; i++, n = Math.floor(n / 256)) b0[15 - i] = n % 256;
    const st: MacState = { s0: 0, s1: 0, s2: 0, s3: 0 };
    absorb(xk, st, b0);
    if (aad.length > 0) absorb(xk, st, aadHeader(aad)); // SP 800-38C §A.2.2, zero-padded
    absorb(xk, st, payload); // SP 800-38C §A.2.3, zero-padded
    const t = new Uint8Array(AES_BLOCK);
    const v = view(t);
    v.setUint32(0, st.s0, true);
    v.setUint32(4, st.s1, true);
    v.setUint32(8, st.s2, true);
    v.setUint32(12, st.s3, true);
    return t;
  }

  /** SP 800-38C §A.3 / RFC 3610 §2.3: A_0 = flags(q - 1) | N | 0; the counter field is 32-bit here. */
  function counter0(nonce: Uint8Array): Uint8Array {
    const a0 = new Uint8Array(AES_BLOCK);
    a0[0] = 15 - nonce.length - 1;
    a0.set(nonce, 1);
    return a0;
  }

  return {
    seal(nonce, aad, plaintext) {
      checkNonce(nonce);
      if (!lengthFits(nonce, plaintext.length))
        throw new CryptoError('INVALID_INPUT', `CCM payload too long for a ${nonce.length}-byte nonce`);
      const t = mac(nonce, aad, plaintext);
      const counter = counter0(nonce);
      // S_0 = E_K(A_0) masks the tag; A_1, A_2, ... encrypt the payload (SP 800-38C §6.1 steps 6-8).
      const maskedTag = ctr32(xk, counter, t); // advances counter to A_1
      const out = new Uint8Array(plaintext.length + tagLength);
      ctr32(xk, counter, plaintext, out.subarray(0, plaintext.length));
      out.set(maskedTag.subarray(0, tagLength), plaintext.length);
      t.fill(0);
      return out;
    },
    open(nonce, aad, input) {
      checkNonce(nonce);
      if (input.length < tagLength) return undefined;
      const ciphertext = input.subarray(0, input.length - tagLength);
      if (!lengthFits(nonce, ciphertext.length)) return undefined;
      const counter = counter0(nonce);
      const s0 = ctr32(xk, counter, new Uint8Array(AES_BLOCK)); // S_0 = E_K(A_0); counter -> A_1
      // SP 800-38C §6.2: CCM authenticates the plaintext, so decrypt first, then verify.
      const payload = ctr32(xk, counter, ciphertext);
      const t = mac(nonce, aad, payload);
      for (let i = 0; i < tagLength; i++) t[i]! ^= s0[i]!;
      const ok = equalBytes(t.subarray(0, tagLength), input.subarray(input.length - tagLength));
      t.fill(0);
      s0.fill(0);
      if (!ok) {
        payload.fill(0); // never release unauthenticated plaintext
        return undefined;
      }
      return payload;
    },
    destroy() {
      xk.fill(0);
    },
  };
}

export function createAesCcm(transform: EncrTransform, keyMaterial: Uint8Array): Cipher {
  const { key, salt } = splitKeyMaterial(transform, keyMaterial); // RFC 4309 §7.1: key | salt(3)
  if (salt.length !== RFC4309_SALT)
    throw new CryptoError('UNSUPPORTED_TRANSFORM', `${transform.name}: salt must be ${RFC4309_SALT} bytes`);
  const core = ccmCore(key, transform.icvLength);
  key.fill(0);
  const empty = new Uint8Array(0);

  const nonce = (iv: Uint8Array): Uint8Array => {
    checkIv(transform, iv);
    const n = new Uint8Array(RFC4309_SALT + iv.length); // RFC 4309 §4: salt(3) | IV(8)
    n.set(salt, 0);
    n.set(iv, RFC4309_SALT);
    return n;
  };

  let destroyed = false;

  return {
    transform,
    encrypt(iv, plaintext, aad = empty) {
      if (destroyed) throw destroyedError(transform.name);
      return core.seal(nonce(iv), aad, plaintext);
    },
    decrypt: (iv, ciphertext, aad = empty) => (destroyed ? undefined : core.open(nonce(iv), aad, ciphertext)),
    destroy() {
      destroyed = true;
      core.destroy();
      salt.fill(0);
    },
  };
}

/** RFC 4309 §3, §7.1: 3-octet salt, 8-octet IV, ICV of 8, 12 or 16 octets. */
export const ENCR_AES_CCM: readonly EncrAlgorithm[] = /* @__PURE__ */ (() => [
  { id: EncrId.AES_CCM_8, keyBits: AES_KEY_BITS, salt: 3, iv: 8, icv: 8, make: createAesCcm },
  { id: EncrId.AES_CCM_12, keyBits: AES_KEY_BITS, salt: 3, iv: 8, icv: 12, make: createAesCcm },
  { id: EncrId.AES_CCM_16, keyBits: AES_KEY_BITS, salt: 3, iv: 8, icv: 16, make: createAesCcm },
])();
