/**
 * The portable ENCR transforms (RFC 7296 §3.3.2 Transform Type 1) on @noble/ciphers.
 * Dispatches by IANA id; every descriptor is checked against the sizes its RFC fixes so that
 * a malformed descriptor fails at construction rather than producing a non-interoperable SA.
 */
import { CryptoError } from '../errors.js';
import { EncrId } from '../ids.js';
import { encrMatchesShape } from '../transforms.js';
import type { Cipher, EncrTransform } from '../types.js';
import { createAesCbc } from './encr-cbc.js';
import { createAesCcm } from './encr-ccm.js';
import { createChaCha20Poly1305 } from './encr-chacha.js';
import { checkIv, destroyedError, splitKeyMaterial } from './encr-common.js';
import { createAesCtr } from './encr-ctr.js';
import { createAesGcm } from './encr-gcm.js';

interface Shape {
  readonly salt: number;
  readonly iv: number;
  readonly icv: number;
  readonly make: (transform: EncrTransform, key: Uint8Array) => Cipher;
}

const AES_BITS = [128, 192, 256];

/** Sizes per transform id, from the defining RFCs. */
const SHAPES: ReadonlyMap<number, Shape & { keyBits: readonly number[] }> = new Map([
  [EncrId.NULL, { keyBits: [0], salt: 0, iv: 0, icv: 0, make: createNull }], // RFC 2410 §2
  [EncrId.AES_CBC, { keyBits: AES_BITS, salt: 0, iv: 16, icv: 0, make: createAesCbc }], // RFC 3602 §3
  [EncrId.AES_CTR, { keyBits: AES_BITS, salt: 4, iv: 8, icv: 0, make: createAesCtr }], // RFC 3686 §3, §5.1
  [EncrId.AES_GCM_8, { keyBits: AES_BITS, salt: 4, iv: 8, icv: 8, make: createAesGcm }], // RFC 4106 §3, §8.1
  [EncrId.AES_GCM_12, { keyBits: AES_BITS, salt: 4, iv: 8, icv: 12, make: createAesGcm }],
  [EncrId.AES_GCM_16, { keyBits: AES_BITS, salt: 4, iv: 8, icv: 16, make: createAesGcm }],
  [EncrId.AES_CCM_8, { keyBits: AES_BITS, salt: 3, iv: 8, icv: 8, make: createAesCcm }], // RFC 4309 §3, §7.1
  [EncrId.AES_CCM_12, { keyBits: AES_BITS, salt: 3, iv: 8, icv: 12, make: createAesCcm }],
  [EncrId.AES_CCM_16, { keyBits: AES_BITS, salt: 3, iv: 8, icv: 16, make: createAesCcm }],
  [EncrId.CHACHA20_POLY1305, { keyBits: [256], salt: 4, iv: 8, icv: 16, make: createChaCha20Poly1305 }], // RFC 7634 §2
]);

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

export function createNobleCipher(transform: EncrTransform, key: Uint8Array): Cipher {
  const shape = SHAPES.get(transform.id);
  if (!shape)
    throw new CryptoError('UNSUPPORTED_TRANSFORM', `ENCR transform ${transform.id} (${transform.name})`);
  if (!encrMatchesShape(transform, shape))
    throw new CryptoError(
      'UNSUPPORTED_TRANSFORM',
      `${transform.name}: descriptor does not match its RFC sizes`,
    );
  return shape.make(transform, key);
}
