import type { Cipher, EncrTransform } from '../types.js';

// STUB: replaced by the real implementation.
export function createNobleCipher(_transform: EncrTransform, _key: Uint8Array): Cipher {
  throw new Error('not implemented');
}
