/**
 * AES-XCBC-MAC (RFC 3566) on the raw AES block of @noble/ciphers, plus the CBC-MAC loop with a
 * keyed last-block tweak that it shares with AES-CMAC (cmac.ts).
 */

import { wipe } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { aes } from './aes.js';

/** AES block size in bytes (FIPS 197). */
export const AES_BLOCK = 16;

/** RFC 3566 §4: AES-XCBC-MAC is defined for AES-128 only. */
export const XCBC_KEY_LENGTH = 16;

/**
 * CBC-MAC over `data` whose last block is XORed with `completeKey` when it is a full block, or
 * padded with 10* and XORed with `paddedKey` otherwise (RFC 3566 §4 steps 3-4,
 * RFC 4493 §2.4 steps 4-6). An empty message is one padded block.
 * `xk` is an AES key schedule from `aes.expandKeyLE`.
 */
export function tweakedCbcMac(
  xk: Uint32Array,
  completeKey: Uint8Array,
  paddedKey: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  // Fresh, aligned state: encryptBlock works in place through a 32-bit view.
  const e = new Uint8Array(AES_BLOCK); // E[0] = 0x00000000000000000000000000000000 (RFC 3566 §4 step 2)
  const blocks = data.length === 0 ? 1 : Math.ceil(data.length / AES_BLOCK);
  let offset = 0;
  // E[i] = E[K1, M[i] XOR E[i-1]] for all but the last block (RFC 3566 §4 step 3)
  for (let i = 0; i < blocks - 1; i++, offset += AES_BLOCK) {
    for (let j = 0; j < AES_BLOCK; j++) e[j]! ^= data[offset + j]!;
    aes.encryptBlock(xk, e);
  }
  const lastLength = data.length - offset;
  if (lastLength === AES_BLOCK) {
    // Complete last block: M[n] XOR E[n-1] XOR K2 (RFC 3566 §4 step 4a)
    for (let j = 0; j < AES_BLOCK; j++) e[j]! ^= data[offset + j]! ^ completeKey[j]!;
  } else {
    // Incomplete last block: pad with a single 1 bit then 0 bits, XOR K3 (RFC 3566 §4 step 4b)
    for (let j = 0; j < lastLength; j++) e[j]! ^= data[offset + j]!;
    e[lastLength]! ^= 0x80;
    for (let j = 0; j < AES_BLOCK; j++) e[j]! ^= paddedKey[j]!;
  }
  aes.encryptBlock(xk, e);
  return e;
}

/** Per-key state of AES-XCBC-MAC: the expanded K1 schedule and the tweak keys K2, K3. */
export interface XcbcKey {
  readonly xk1: Uint32Array;
  readonly k2: Uint8Array;
  readonly k3: Uint8Array;
}

/** RFC 3566 §4 step 1: K1, K2, K3 = E(K, 0x01..), E(K, 0x02..), E(K, 0x03..). */
export function xcbcKey(key: Uint8Array): XcbcKey {
  if (key.length !== XCBC_KEY_LENGTH)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `AES-XCBC-MAC needs a ${XCBC_KEY_LENGTH}-byte key, got ${key.length}`,
    );
  const xk = aes.expandKeyLE(key);
  const derive = (constant: number) => aes.encryptBlock(xk, new Uint8Array(AES_BLOCK).fill(constant));
  const k1 = derive(0x01); // K1 = 0x01010101010101010101010101010101 encrypted with K
  const k2 = derive(0x02); // K2 = 0x02020202020202020202020202020202 encrypted with K
  const k3 = derive(0x03); // K3 = 0x03030303030303030303030303030303 encrypted with K
  const xk1 = aes.expandKeyLE(k1);
  wipe(k1);
  xk.fill(0);
  return { xk1, k2, k3 };
}

/** The full 128-bit AES-XCBC-MAC (RFC 3566 §4); AES-XCBC-MAC-96 keeps the first 12 bytes (§3). */
export function aesXcbcMac(key: XcbcKey, data: Uint8Array): Uint8Array {
  return tweakedCbcMac(key.xk1, key.k2, key.k3, data);
}

/** Zeroes a key's derived material. */
export function wipeXcbcKey(key: XcbcKey): void {
  key.xk1.fill(0);
  wipe(key.k2, key.k3);
}
