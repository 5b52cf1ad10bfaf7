/**
 * The IKE SA key schedule (RFC 7296 §2.14, rekey §2.18):
 *   SKEYSEED = prf(Ni | Nr, g^ir)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
 *   rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old IKE SA's PRF.
 */
import { PrfId } from '../../crypto/ids.js';
import type { CryptoProvider, PrfTransform } from '../../crypto/types.js';
import { concatBytes, wipe } from '../../util/bytes.js';
import { prfPlus } from './prf-plus.js';
import { type IkeSuite, ikeKeyLengths } from './suite.js';

/** The key of an absent transform (SK_ai/SK_ar with an AEAD, RFC 5282 §7.1): shared, nothing to wipe. */
export const NO_KEY: Uint8Array = new Uint8Array(0);

/** RFC 7296 §2.14: "only the first 64 bits of Ni and the first 64 bits of Nr are used". */
const FIXED_KEY_PRF_NONCE_OCTETS = 8;

/** The keys of one IKE SA. Zero them with wipeIkeSaKeys() when the SA dies. */
export interface IkeSaKeys {
  readonly suite: IkeSuite;
  /** SK_d: keys the Child SAs and the next IKE SA (§2.17, §2.18). */
  readonly skD: Uint8Array;
  /** SK_ai / SK_ar: integrity of the initiator's / responder's messages (empty for AEAD). */
  readonly skAi: Uint8Array;
  readonly skAr: Uint8Array;
  /** SK_ei / SK_er: encryption of the initiator's / responder's messages, salt included. */
  readonly skEi: Uint8Array;
  readonly skEr: Uint8Array;
  /** SK_pi / SK_pr: the AUTH payload computation (§2.15). */
  readonly skPi: Uint8Array;
  readonly skPr: Uint8Array;
}

/** The inputs of §2.14 besides the transforms. */
export interface IkeKeyInputs {
  /** g^ir: the shared secret of the key exchange (RFC 5903 §7: the x-coordinate for ECP). */
  readonly sharedSecret: Uint8Array;
  /** Ni, Nr: nonce payload data, without headers. */
  readonly ni: Uint8Array;
  readonly nr: Uint8Array;
  /** SPIi, SPIr: the new IKE SA's SPIs (8 octets each). */
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
}

/** PRFs with a fixed key size that take the truncated nonces in SKEYSEED (RFC 7296 §2.14). */
export function isFixedKeyPrf(prf: PrfTransform): boolean {
  return prf.id === PrfId.AES128_XCBC || prf.id === PrfId.AES128_CMAC; // RFC 4434, RFC 4615
}

/** SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14). */
export function computeSkeyseed(
  provider: CryptoProvider,
  prfTransform: PrfTransform,
  ni: Uint8Array,
  nr: Uint8Array,
  sharedSecret: Uint8Array,
): Uint8Array {
  const key = isFixedKeyPrf(prfTransform)
    ? // §2.14: for AES-XCBC-PRF-128 / AES-CMAC-PRF-128 only Ni[0:8] | Nr[0:8] key the PRF
      concatBytes(ni.subarray(0, FIXED_KEY_PRF_NONCE_OCTETS), nr.subarray(0, FIXED_KEY_PRF_NONCE_OCTETS))
    : concatBytes(ni, nr);
  const skeyseed = provider.prf(prfTransform).compute(key, sharedSecret); // §2.14
  wipe(key);
  return skeyseed;
}

/** SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old IKE SA's PRF (RFC 7296 §2.18). */
export function computeRekeySkeyseed(
  provider: CryptoProvider,
  old: IkeSaKeys,
  sharedSecret: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
): Uint8Array {
  const data = concatBytes(sharedSecret, ni, nr);
  const skeyseed = provider.prf(old.suite.prf).compute(old.skD, data); // §2.18
  wipe(data);
  return skeyseed;
}

/** {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr) (§2.14). */
export function deriveIkeSaKeysFromSkeyseed(
  provider: CryptoProvider,
  suite: IkeSuite,
  skeyseed: Uint8Array,
  inputs: Omit<IkeKeyInputs, 'sharedSecret'>,
): IkeSaKeys {
  const len = ikeKeyLengths(suite);
  const seed = concatBytes(inputs.ni, inputs.nr, inputs.spiI, inputs.spiR); // §2.14
  const stream = prfPlus(provider.prf(suite.prf), skeyseed, seed, len.d + 2 * len.a + 2 * len.e + 2 * len.p);
  // The keys are views of the one prf+ output (one backing store per IKE SA, issue 14):
  // wipeIkeSaKeys() zeroes all of it.
  let offset = 0;
  const take = (n: number): Uint8Array => {
    if (n === 0) return NO_KEY;
    const key = stream.subarray(offset, offset + n);
    offset += n;
    return key;
  };
  const keys: IkeSaKeys = {
    suite,
    skD: take(len.d), // §2.14, in this order
    skAi: take(len.a),
    skAr: take(len.a),
    skEi: take(len.e),
    skEr: take(len.e),
    skPi: take(len.p),
    skPr: take(len.p),
  };
  wipe(seed);
  return keys;
}

/** The keys of a new IKE SA from IKE_SA_INIT (§2.14). SKEYSEED is zeroed after use. */
export function deriveIkeSaKeys(provider: CryptoProvider, suite: IkeSuite, inputs: IkeKeyInputs): IkeSaKeys {
  const skeyseed = computeSkeyseed(provider, suite.prf, inputs.ni, inputs.nr, inputs.sharedSecret);
  const keys = deriveIkeSaKeysFromSkeyseed(provider, suite, skeyseed, inputs);
  wipe(skeyseed);
  return keys;
}

/**
 * The keys of the IKE SA that rekeys `old` in CREATE_CHILD_SA (§2.18): SKEYSEED from the old
 * SK_d and PRF; the SK_* stream from the new suite, the new nonces and the new SPIs.
 */
export function deriveRekeyedIkeSaKeys(
  provider: CryptoProvider,
  old: IkeSaKeys,
  suite: IkeSuite,
  inputs: IkeKeyInputs,
): IkeSaKeys {
  const skeyseed = computeRekeySkeyseed(provider, old, inputs.sharedSecret, inputs.ni, inputs.nr);
  const keys = deriveIkeSaKeysFromSkeyseed(provider, suite, skeyseed, inputs);
  wipe(skeyseed);
  return keys;
}

/** Zeroes every key of the set (when the IKE SA is deleted or replaced). */
export function wipeIkeSaKeys(keys: IkeSaKeys): void {
  wipe(keys.skD, keys.skAi, keys.skAr, keys.skEi, keys.skEr, keys.skPi, keys.skPr);
}
