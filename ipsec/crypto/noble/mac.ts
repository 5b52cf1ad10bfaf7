/**
 * Integrity transforms (RFC 7296 §3.3.2 Transform Type 3) on @noble/*: HMAC-SHA1-96 (RFC 2404),
 * HMAC-SHA2-256-128 / -384-192 / -512-256 (RFC 4868), AES-XCBC-MAC-96 (RFC 3566) and
 * AES-CMAC-96 (RFC 4494), one entry each (INTEG_*), composed into a provider by compose.ts.
 * Per-key work (HMAC pads, AES key schedules, subkeys) is done once at
 * construction; compute() costs only the per-packet MAC.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { CryptoError } from '../errors.js';
import { IntegId } from '../ids.js';
import { checkMacKey, truncatedMac } from '../truncated-mac.js';
import type { IntegTransform, Mac } from '../types.js';
import { aesCmac, cmacKey, wipeCmacKey } from './cmac.js';
import { aesXcbcMac, wipeXcbcKey, xcbcKey } from './xcbc.js';

/** The untruncated MAC under a fixed key, and how to zero that key's state. */
interface FullMac {
  readonly mac: (data: Uint8Array) => Uint8Array;
  readonly wipe: () => void;
}

/** HMAC (RFC 2104) with the keyed inner/outer hash states computed once and cloned per call. */
function hmacFull(hash: CHash, key: Uint8Array): FullMac {
  const keyed = hmac.create(hash, key);
  return {
    mac: (data) => keyed.clone().update(data).digest(),
    wipe: () => keyed.destroy(), // zeroes the keyed inner and outer hash states
  };
}

/** One integrity transform: the untruncated MAC under a key (truncated by truncated-mac.ts). */
export interface IntegAlgorithm {
  readonly id: number;
  readonly full: (key: Uint8Array) => FullMac;
}

export const INTEG_HMAC_SHA1_96: IntegAlgorithm = /* @__PURE__ */ (() => ({
  id: IntegId.HMAC_SHA1_96, // RFC 2404 §2
  full: (key) => hmacFull(sha1, key),
}))();
export const INTEG_HMAC_SHA2_256_128: IntegAlgorithm = /* @__PURE__ */ (() => ({
  id: IntegId.HMAC_SHA2_256_128, // RFC 4868 §2.1
  full: (key) => hmacFull(sha256, key),
}))();
export const INTEG_HMAC_SHA2_384_192: IntegAlgorithm = /* @__PURE__ */ (() => ({
  id: IntegId.HMAC_SHA2_384_192,
  full: (key) => hmacFull(sha384, key),
}))();
export const INTEG_HMAC_SHA2_512_256: IntegAlgorithm = /* @__PURE__ */ (() => ({
  id: IntegId.HMAC_SHA2_512_256,
  full: (key) => hmacFull(sha512, key),
}))();
export const INTEG_AES_XCBC_96: IntegAlgorithm = /* @__PURE__ */ (() => ({
  id: IntegId.AES_XCBC_96,
  full: (key) => {
    const k = xcbcKey(key); // RFC 3566 §4 step 1, once per SA
    return { mac: (data) => aesXcbcMac(k, data), wipe: () => wipeXcbcKey(k) };
  },
}))();
export const INTEG_AES_CMAC_96: IntegAlgorithm = /* @__PURE__ */ (() => ({
  id: IntegId.AES_CMAC_96,
  full: (key) => {
    const k = cmacKey(key); // RFC 4493 §2.3, once per SA
    return { mac: (data) => aesCmac(k, data), wipe: () => wipeCmacKey(k) };
  },
}))();

export type MacFactory = (transform: IntegTransform, key: Uint8Array) => Mac;

/** The provider's mac over `algorithms`; any other transform throws UNSUPPORTED_TRANSFORM. */
export function macFactory(algorithms: readonly IntegAlgorithm[]): MacFactory {
  const byId = new Map(algorithms.map((a) => [a.id, a]));
  return (transform, key) => {
    checkMacKey(transform, key);
    const algorithm = byId.get(transform.id);
    if (!algorithm)
      throw new CryptoError(
        'UNSUPPORTED_TRANSFORM',
        `integrity transform ${transform.name} (${transform.id})`,
      );
    const { mac, wipe } = algorithm.full(key);
    return truncatedMac(transform, { full: mac, wipe });
  };
}
