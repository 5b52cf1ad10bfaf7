/**
 * AES-CMAC (RFC 4493) with the key schedule and subkeys kept per key, so that the per-packet
 * cost of AES-CMAC-96 (RFC 4494) is the CBC-MAC alone. noble's `cmac` re-expands the key on
 * every call; this reuses its AES block and doubling primitives instead.
 */

import { wipe } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { aes } from './aes.js';
import { AES_BLOCK, tweakedCbcMac } from './xcbc.js';

/** RFC 4493 §1 / RFC 4494 §2: AES-128 only. */
export const CMAC_KEY_LENGTH = 16;

/** Per-key state of AES-CMAC: the expanded key K and the subkeys K1, K2. */
export interface CmacKey {
  readonly xk: Uint32Array;
  readonly k1: Uint8Array;
  readonly k2: Uint8Array;
}

/** RFC 4493 §2.3 Generate_Subkey. */
export function cmacKey(key: Uint8Array): CmacKey {
  if (key.length !== CMAC_KEY_LENGTH)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `AES-CMAC needs a ${CMAC_KEY_LENGTH}-byte key, got ${key.length}`,
    );
  const xk = aes.expandKeyLE(key);
  const l = aes.encryptBlock(xk, new Uint8Array(AES_BLOCK)); // L := AES-128(K, const_Zero)
  const k1 = aes.dbl(l.slice()); // K1 := L << 1, XOR const_Rb if MSB(L) = 1
  const k2 = aes.dbl(k1.slice()); // K2 := K1 << 1, XOR const_Rb if MSB(K1) = 1
  wipe(l);
  return { xk, k1, k2 };
}

/** The full 128-bit AES-CMAC (RFC 4493 §2.4); AES-CMAC-96 keeps the first 12 bytes (RFC 4494 §2.1). */
export function aesCmac(key: CmacKey, data: Uint8Array): Uint8Array {
  return tweakedCbcMac(key.xk, key.k1, key.k2, data);
}

/** Zeroes a key's derived material. */
export function wipeCmacKey(key: CmacKey): void {
  key.xk.fill(0);
  wipe(key.k1, key.k2);
}
