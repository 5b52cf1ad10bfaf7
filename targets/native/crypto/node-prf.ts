/**
 * PRF transforms on node:crypto: HMAC (createHmac) and AES-XCBC/CMAC (node-aes-mac.ts).
 *
 * The AES PRFs are keyed per call (SKEYSEED, prf+, AUTH), so the native per-key setup (two
 * cipher objects) is paid every time; measured (bench/crypto.ts "PRF" table) that is about on
 * par with noble's JS key schedule, and a PRF runs a handful of times per IKE SA, so speed
 * does not decide here. They stay on node AES rather than delegating to ipsec/crypto/noble:
 * delegation would make the noble-vs-node cross-test compare noble with itself for these.
 */
import { createHmac } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { PrfId } from '../../../ipsec/crypto/ids.js';
import type { Prf, PrfTransform } from '../../../ipsec/crypto/types.js';
import { type AesMacFn, aesCmac, aesXcbcMac } from './node-aes-mac.js';
import { view } from './node-bytes.js';

/** The hash of each HMAC PRF (RFC 2104, RFC 4868 §2.1). Any key length (RFC 2104 §3). */
const HMAC_HASH: Partial<Record<number, string>> = {
  [PrfId.HMAC_SHA1]: 'sha1',
  [PrfId.HMAC_SHA2_256]: 'sha256',
  [PrfId.HMAC_SHA2_384]: 'sha384',
  [PrfId.HMAC_SHA2_512]: 'sha512',
};

const AES_KEY = 16;
const ZERO_KEY = new Uint8Array(AES_KEY);
// The all-zero-key MACs that shorten long keys are public: keyed once, reused.
let zeroXcbc: AesMacFn | undefined;
let zeroCmac: AesMacFn | undefined;

/** RFC 4434 §2: shorter keys are padded with zeros, longer ones hashed with AES-XCBC-PRF-128(0^128, K). */
function xcbcPrfKey(key: Uint8Array): Uint8Array {
  if (key.length === AES_KEY) return key;
  if (key.length < AES_KEY) {
    const padded = new Uint8Array(AES_KEY);
    padded.set(key);
    return padded;
  }
  zeroXcbc ??= aesXcbcMac(ZERO_KEY);
  return zeroXcbc(key);
}

/** RFC 4615 §3: any key that is not exactly 128 bits becomes AES-CMAC(0^128, K). */
function cmacPrfKey(key: Uint8Array): Uint8Array {
  if (key.length === AES_KEY) return key;
  zeroCmac ??= aesCmac(ZERO_KEY);
  return zeroCmac(key);
}

export function createNodePrf(transform: PrfTransform): Prf {
  const hash = HMAC_HASH[transform.id];
  if (hash) return { transform, compute: (key, data) => view(createHmac(hash, key).update(data).digest()) };
  if (transform.id === PrfId.AES128_XCBC)
    return { transform, compute: (key, data) => aesXcbcMac(xcbcPrfKey(key))(data) }; // RFC 4434 §2
  if (transform.id === PrfId.AES128_CMAC)
    return { transform, compute: (key, data) => aesCmac(cmacPrfKey(key))(data) }; // RFC 4615 §3
  throw new CryptoError('UNSUPPORTED_TRANSFORM', `PRF transform ${transform.name}`);
}
