/**
 * Randomness sources. Production code receives a RandomBytes function; tests use
 * `seededRandom(seed)` so that every run reproduces from its seed.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes as cryptoRandomBytes } from '@noble/hashes/utils.js';
import { utf8 } from '../util/bytes.js';
import type { RandomBytes } from './types.js';

/** The platform CSPRNG (globalThis.crypto.getRandomValues, via @noble/hashes). */
export const secureRandom: RandomBytes = (length) => cryptoRandomBytes(length);

/**
 * Draws from `source` in blocks of `blockSize` bytes and hands out fresh, never reused slices:
 * one CSPRNG call per block instead of one per packet (CBC IVs on the ESP hot path).
 */
export function pooledRandom(source: RandomBytes, blockSize = 4096): RandomBytes {
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return (length) => {
    if (length > blockSize) return source(length);
    if (offset + length > pool.length) {
      pool = source(blockSize);
      offset = 0;
    }
    const out = pool.slice(offset, offset + length);
    pool.fill(0, offset, offset + length); // the pool never keeps what it handed out
    offset += length;
    return out;
  };
}

/**
 * A deterministic source for tests and simulations: the ChaCha20 keystream under
 * key = SHA-256(seed). Not for production keys.
 */
export function seededRandom(seed: string | number | Uint8Array): RandomBytes {
  const key = sha256(typeof seed === 'object' ? seed : utf8(String(seed)));
  const nonce = new Uint8Array(12);
  let counter = 0;
  let buffer = new Uint8Array(0);
  let offset = 0;
  return (length) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (offset >= buffer.length) {
        buffer = chacha20(key, nonce, new Uint8Array(1024), undefined, counter);
        counter += 16; // 1024 bytes = 16 ChaCha20 blocks
        offset = 0;
      }
      const n = Math.min(length - filled, buffer.length - offset);
      out.set(buffer.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
    }
    return out;
  };
}
