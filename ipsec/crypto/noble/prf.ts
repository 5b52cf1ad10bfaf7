/**
 * Pseudo-random functions (RFC 7296 §3.3.2 Transform Type 2) on @noble/*: PRF_HMAC_SHA1
 * (RFC 2104), PRF_HMAC_SHA2_256/384/512 (RFC 4868 §2.1), PRF_AES128_XCBC (RFC 4434) and
 * PRF_AES128_CMAC (RFC 4615), one entry each, composed into a provider by compose.ts. The key changes per call (SKEYSEED, prf+ with SK_d, AUTH), so no
 * per-key state is kept beyond the call; derived key material is wiped after use.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { wipe } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { PrfId } from '../ids.js';
import type { Prf, PrfTransform } from '../types.js';
import { aesCmac, CMAC_KEY_LENGTH, type CmacKey, cmacKey, wipeCmacKey } from './cmac.js';
import { aesXcbcMac, wipeXcbcKey, XCBC_KEY_LENGTH, type XcbcKey, xcbcKey } from './xcbc.js';

type PrfFunction = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/** RFC 2104 §2 / RFC 4868 §2.1: HMAC takes a key of any length, hashed first if over a block. */
const hmacPrf = (hash: CHash, key: Uint8Array, data: Uint8Array): Uint8Array => hmac(hash, key, data);

// The all-zero 128-bit keys used to shorten over-long keys are public: schedule them once.
let zeroXcbc: XcbcKey | undefined;
let zeroCmac: CmacKey | undefined;

/** RFC 4434 §2: the 128-bit AES-XCBC key K derived from a PRF key of any length. */
function xcbcPrfKey(key: Uint8Array): Uint8Array {
  if (key.length === XCBC_KEY_LENGTH) return key.slice(); // exactly 128 bits: used as is
  if (key.length < XCBC_KEY_LENGTH) {
    const padded = new Uint8Array(XCBC_KEY_LENGTH); // shorter: padded on the right with zero bits
    padded.set(key);
    return padded;
  }
  zeroXcbc ??= xcbcKey(new Uint8Array(XCBC_KEY_LENGTH));
  return aesXcbcMac(zeroXcbc, key); // longer: K = AES-XCBC-PRF-128(0^128, key)
}

/** RFC 4615 §3 step 1: K = key if it is 128 bits, else K = AES-CMAC(0^128, key). */
function cmacPrfKey(key: Uint8Array): Uint8Array {
  if (key.length === CMAC_KEY_LENGTH) return key.slice();
  zeroCmac ??= cmacKey(new Uint8Array(CMAC_KEY_LENGTH));
  return aesCmac(zeroCmac, key);
}

function xcbcPrf(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = xcbcPrfKey(key);
  const keyed = xcbcKey(k);
  const out = aesXcbcMac(keyed, data); // RFC 4434 §2: the full 128-bit AES-XCBC-MAC, untruncated
  wipe(k);
  wipeXcbcKey(keyed);
  return out;
}

function cmacPrf(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = cmacPrfKey(key);
  const keyed = cmacKey(k);
  const out = aesCmac(keyed, data); // RFC 4615 §3 step 2: PRF = AES-CMAC(K, M), 128 bits
  wipe(k);
  wipeCmacKey(keyed);
  return out;
}

/** One PRF transform: its function of (key, data). */
export interface PrfAlgorithm {
  readonly id: number;
  readonly compute: PrfFunction;
}

export const PRF_HMAC_SHA1: PrfAlgorithm = /* @__PURE__ */ (() => ({
  id: PrfId.HMAC_SHA1,
  compute: (k, d) => hmacPrf(sha1, k, d),
}))();
// RFC 4868 §2.1: PRF output is the full, untruncated HMAC
export const PRF_HMAC_SHA2_256: PrfAlgorithm = /* @__PURE__ */ (() => ({
  id: PrfId.HMAC_SHA2_256,
  compute: (k, d) => hmacPrf(sha256, k, d),
}))();
export const PRF_HMAC_SHA2_384: PrfAlgorithm = /* @__PURE__ */ (() => ({
  id: PrfId.HMAC_SHA2_384,
  compute: (k, d) => hmacPrf(sha384, k, d),
}))();
export const PRF_HMAC_SHA2_512: PrfAlgorithm = /* @__PURE__ */ (() => ({
  id: PrfId.HMAC_SHA2_512,
  compute: (k, d) => hmacPrf(sha512, k, d),
}))();
export const PRF_AES128_XCBC: PrfAlgorithm = /* @__PURE__ */ (() => ({
  id: PrfId.AES128_XCBC,
  compute: xcbcPrf,
}))();
export const PRF_AES128_CMAC: PrfAlgorithm = /* @__PURE__ */ (() => ({
  id: PrfId.AES128_CMAC,
  compute: cmacPrf,
}))();

export type PrfFactory = (transform: PrfTransform) => Prf;

/** The provider's prf over `algorithms`; any other transform throws UNSUPPORTED_TRANSFORM. */
export function prfFactory(algorithms: readonly PrfAlgorithm[]): PrfFactory {
  const byId = new Map(algorithms.map((a) => [a.id, a.compute]));
  return (transform) => {
    const compute = byId.get(transform.id);
    if (!compute) throw new CryptoError('UNSUPPORTED_TRANSFORM', `PRF ${transform.name} (${transform.id})`);
    return { transform, compute };
  };
}
