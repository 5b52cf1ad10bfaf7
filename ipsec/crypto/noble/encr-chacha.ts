/**
 * ENCR_CHACHA20_POLY1305 (RFC 7634): the RFC 8439 AEAD with a 32-byte key and a 4-byte salt
 * from KEYMAT and an 8-byte explicit IV; the ICV is the 16-byte Poly1305 tag.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { EncrId } from '../ids.js';
import type { Cipher, EncrTransform } from '../types.js';
import type { EncrAlgorithm } from './encr.js';
import { checkIv, destroyedError, splitKeyMaterial } from './encr-common.js';

/** RFC 8439 §2.8: the Poly1305 tag. */
const TAG_LENGTH = 16;

export function createChaCha20Poly1305(transform: EncrTransform, keyMaterial: Uint8Array): Cipher {
  const { key, salt } = splitKeyMaterial(transform, keyMaterial); // RFC 7634 §2: key(32) | salt(4)
  const empty = new Uint8Array(0);

  const nonce = (iv: Uint8Array): Uint8Array => {
    checkIv(transform, iv);
    const n = new Uint8Array(salt.length + iv.length); // RFC 7634 §2: nonce = salt(4) | IV(8)
    n.set(salt, 0);
    n.set(iv, salt.length);
    return n;
  };

  let destroyed = false;

  return {
    transform,
    encrypt(iv, plaintext, aad = empty) {
      if (destroyed) throw destroyedError(transform.name);
      return chacha20poly1305(key, nonce(iv), aad).encrypt(plaintext);
    },
    decrypt(iv, ciphertext, aad = empty) {
      if (destroyed) return undefined;
      const n = nonce(iv);
      if (ciphertext.length < TAG_LENGTH) return undefined; // peer input: no room for the tag
      try {
        // noble verifies the tag (constant-time) before decrypting and throws on mismatch.
        return chacha20poly1305(key, n, aad).decrypt(ciphertext);
      } catch {
        return undefined;
      }
    },
    destroy() {
      destroyed = true;
      key.fill(0);
      salt.fill(0);
    },
  };
}

/** RFC 7634 §2: 256-bit key, 4-octet salt, 8-octet IV, 16-octet ICV. */
export const ENCR_CHACHA20_POLY1305: EncrAlgorithm = /* @__PURE__ */ (() => ({
  id: EncrId.CHACHA20_POLY1305,
  keyBits: [256],
  salt: 4,
  iv: 8,
  icv: 16,
  make: createChaCha20Poly1305,
}))();
