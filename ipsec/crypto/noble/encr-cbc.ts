/**
 * ENCR_AES_CBC (RFC 3602): AES in CBC mode with a 16-byte explicit IV.
 * No padding here: ESP (RFC 4303 §2.4) and the IKE SK payload (RFC 7296 §3.14) pad the
 * plaintext to the block size themselves, so the input must already be block-aligned.
 */
import { CryptoError } from '../errors.js';
import { EncrId } from '../ids.js';
import type { Cipher, EncrTransform } from '../types.js';
import { AES_KEY_BITS, type EncrAlgorithm } from './encr.js';
import {
  AES_BLOCK,
  checkIv,
  decryptWords,
  destroyedError,
  encryptWords,
  expandAesDecryptionKey,
  expandAesKey,
  splitKeyMaterial,
  view,
} from './encr-common.js';

export function createAesCbc(transform: EncrTransform, keyMaterial: Uint8Array): Cipher {
  const { key } = splitKeyMaterial(transform, keyMaterial);
  const xk = expandAesKey(transform, key);
  const xkDec = expandAesDecryptionKey(key);
  key.fill(0);
  let destroyed = false;

  return {
    transform,
    encrypt(iv, plaintext) {
      if (destroyed) throw destroyedError(transform.name);
      checkIv(transform, iv);
      // RFC 3602 §2.4: the caller pads; a ragged length is a programming error.
      if (plaintext.length % AES_BLOCK !== 0)
        throw new CryptoError(
          'INVALID_INPUT',
          `AES-CBC plaintext length ${plaintext.length} is not a multiple of 16`,
        );
      const out = new Uint8Array(plaintext.length);
      const p = view(plaintext);
      const o = view(out);
      const v = view(iv);
      // RFC 3602 §2.3 / NIST SP 800-38A §6.2: C_i = E_K(P_i xor C_{i-1}), C_0 = IV.
      let s0 = v.getUint32(0, true);
      let s1 = v.getUint32(4, true);
      let s2 = v.getUint32(8, true);
      let s3 = v.getUint32(12, true);
      for (let i = 0; i < plaintext.length; i += AES_BLOCK) {
        ({ s0, s1, s2, s3 } = encryptWords(
          xk,
          s0 ^ p.getUint32(i, true),
          s1 ^ p.getUint32(i + 4, true),
          s2 ^ p.getUint32(i + 8, true),
          s3 ^ p.getUint32(i + 12, true),
        ));
        o.setUint32(i, s0, true);
        o.setUint32(i + 4, s1, true);
        o.setUint32(i + 8, s2, true);
        o.setUint32(i + 12, s3, true);
      }
      return out;
    },
    decrypt(iv, ciphertext) {
      if (destroyed) return undefined;
      checkIv(transform, iv);
      if (ciphertext.length % AES_BLOCK !== 0) return undefined; // peer input: impossible length
      const out = new Uint8Array(ciphertext.length);
      const c = view(ciphertext);
      const o = view(out);
      const v = view(iv);
      // NIST SP 800-38A §6.2: P_i = D_K(C_i) xor C_{i-1}, C_0 = IV.
      let p0 = v.getUint32(0, true);
      let p1 = v.getUint32(4, true);
      let p2 = v.getUint32(8, true);
      let p3 = v.getUint32(12, true);
      for (let i = 0; i < ciphertext.length; i += AES_BLOCK) {
        const c0 = c.getUint32(i, true);
        const c1 = c.getUint32(i + 4, true);
        const c2 = c.getUint32(i + 8, true);
        const c3 = c.getUint32(i + 12, true);
        const d = decryptWords(xkDec, c0, c1, c2, c3);
        o.setUint32(i, d.s0 ^ p0, true);
        o.setUint32(i + 4, d.s1 ^ p1, true);
        o.setUint32(i + 8, d.s2 ^ p2, true);
        o.setUint32(i + 12, d.s3 ^ p3, true);
        p0 = c0;
        p1 = c1;
        p2 = c2;
        p3 = c3;
      }
      return out;
    },
    destroy() {
      destroyed = true;
      xk.fill(0);
      xkDec.fill(0);
    },
  };
}

/** RFC 3602 §3: 16-octet IV. */
export const ENCR_AES_CBC: EncrAlgorithm = /* @__PURE__ */ (() => ({
  id: EncrId.AES_CBC,
  keyBits: AES_KEY_BITS,
  salt: 0,
  iv: 16,
  icv: 0,
  make: createAesCbc,
}))();
