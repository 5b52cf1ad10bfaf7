/**
 * The portable ENCR transforms (RFC 7296 §3.3.2 Transform Type 1) on @noble/ciphers, composed
 * from the algorithms a provider is given (compose.ts; each algorithm's entry lives in its own
 * file, encr-ctr.ts ENCR_AES_CTR, ...). Dispatches by IANA id; every descriptor is checked
 * against the sizes its RFC fixes so that a malformed descriptor fails at construction rather
 * than producing a non-interoperable SA.
 */
import { CryptoError } from '../errors.js';
import { EncrId } from '../ids.js';
import { encrMatchesShape } from '../transforms.js';
import type { Cipher, EncrTransform } from '../types.js';
import { checkIv, destroyedError, splitKeyMaterial } from './encr-common.js';

/** One ENCR transform: its sizes from the defining RFC and its constructor. */
export interface EncrAlgorithm {
  readonly id: number;
  readonly keyBits: readonly number[];
  readonly salt: number;
  readonly iv: number;
  readonly icv: number;
  readonly make: (transform: EncrTransform, key: Uint8Array) => Cipher;
}

export const AES_KEY_BITS: readonly number[] = [128, 192, 256];

/** ENCR_NULL (RFC 2410 §2): the identity function, no IV, no key. */
function createNull(transform: EncrTransform, key: Uint8Array): Cipher {
  splitKeyMaterial(transform, key);
  let destroyed = false; // no key to zero, but a dead SA's cipher is unusable like any other
  return {
    transform,
    encrypt(iv, plaintext) {
      if (destroyed) throw destroyedError(transform.name);
      checkIv(transform, iv);
      return plaintext.slice();
    },
    decrypt(iv, ciphertext) {
      if (destroyed) return undefined;
      checkIv(transform, iv);
      return ciphertext.slice();
    },
    destroy() {
      destroyed = true;
    },
  };
}

/** RFC 2410 §2. */
export const ENCR_NULL: EncrAlgorithm = /* @__PURE__ */ (() => ({
  id: EncrId.NULL,
  keyBits: [0],
  salt: 0,
  iv: 0,
  icv: 0,
  make: createNull,
}))();

export type CipherFactory = (transform: EncrTransform, key: Uint8Array) => Cipher;

/** The provider's cipher over `algorithms`; any other transform throws UNSUPPORTED_TRANSFORM. */
export function cipherFactory(algorithms: readonly EncrAlgorithm[]): CipherFactory {
  const shapes = new Map(algorithms.map((a) => [a.id, a]));
  return (transform, key) => {
    const shape = shapes.get(transform.id);
    if (!shape)
      throw new CryptoError('UNSUPPORTED_TRANSFORM', `ENCR transform ${transform.id} (${transform.name})`);
    if (!encrMatchesShape(transform, shape))
      throw new CryptoError(
        'UNSUPPORTED_TRANSFORM',
        `${transform.name}: descriptor does not match its RFC sizes`,
      );
    return shape.make(transform, key);
  };
}
