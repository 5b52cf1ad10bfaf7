/**
 * ENCR_AES_CTR (RFC 3686): AES counter mode with a 4-byte nonce from KEYMAT and an 8-byte
 * explicit IV. Stream mode: any plaintext length, no padding needed.
 */

import { EncrId } from '../ids.js';
import type { Cipher, EncrTransform } from '../types.js';
import { AES_KEY_BITS, type EncrAlgorithm } from './encr.js';
import { AES_BLOCK, checkIv, ctr32, destroyedError, expandAesKey, splitKeyMaterial } from './encr-common.js';

export function createAesCtr(transform: EncrTransform, keyMaterial: Uint8Array): Cipher {
  const { key, salt: nonce } = splitKeyMaterial(transform, keyMaterial); // RFC 3686 §5.1: key | nonce(4)
  const xk = expandAesKey(transform, key);
  key.fill(0);

  // RFC 3686 §4: counter block = nonce(4) | IV(8) | block counter(4, big-endian), counter starts at 1.
  const counterBlock = (iv: Uint8Array): Uint8Array => {
    checkIv(transform, iv);
    const block = new Uint8Array(AES_BLOCK);
    block.set(nonce, 0);
    block.set(iv, 4);
    block[15] = 1;
    return block;
  };
  const apply = (iv: Uint8Array, data: Uint8Array): Uint8Array => ctr32(xk, counterBlock(iv), data);

  let destroyed = false;

  return {
    transform,
    encrypt(iv, plaintext) {
      if (destroyed) throw destroyedError(transform.name);
      return apply(iv, plaintext);
    },
    decrypt: (iv, ciphertext) => (destroyed ? undefined : apply(iv, ciphertext)),
    destroy() {
      destroyed = true;
      xk.fill(0);
      nonce.fill(0);
    },
  };
}

/** RFC 3686 §3, §5.1: 4-octet nonce (salt), 8-octet IV. */
export const ENCR_AES_CTR: EncrAlgorithm = /* @__PURE__ */ (() => ({
  id: EncrId.AES_CTR,
  keyBits: AES_KEY_BITS,
  salt: 4,
  iv: 8,
  icv: 0,
  make: createAesCtr,
}))();
