/**
 * The transforms one SA's keys are derived for, and the key lengths they imply.
 * RFC 7296 §2.13/§2.14 (IKE SA), §2.17 (Child SA).
 */
import type { EncrTransform, IntegTransform, KeTransform, PrfTransform } from '../../crypto/types.js';

/** The negotiated transforms of an IKE SA. `integ` is absent exactly when `encr` is an AEAD cipher. */
export interface IkeSuite {
  readonly encr: EncrTransform;
  readonly prf: PrfTransform;
  readonly integ?: IntegTransform;
  /** The key exchange method; not needed to derive keys, kept for the SA's record. */
  readonly ke?: KeTransform;
}

/** The negotiated transforms of a Child SA (ESP). `integ` is absent for AEAD ciphers. */
export interface ChildSuite {
  readonly encr: EncrTransform;
  readonly integ?: IntegTransform;
}

/** Octet lengths of the SK_* keys (RFC 7296 §2.14). */
export interface IkeKeyLengths {
  /** SK_d, SK_pi, SK_pr: the PRF's preferred key length (§2.14). */
  readonly d: number;
  readonly p: number;
  /** SK_ai, SK_ar: the integrity key length; 0 for AEAD (RFC 5282 §7.1). */
  readonly a: number;
  /** SK_ei, SK_er: the cipher key, salt included (RFC 5282 §7.1, RFC 7634 §2). */
  readonly e: number;
}

/**
 * Checks the combination (a programming error if wrong: suites come from our own transform
 * table after negotiation). Throws on an AEAD cipher with an integrity transform, or a
 * classic cipher without one (RFC 5282 §8, RFC 7296 §3.3.3).
 */
export function assertSuite(suite: IkeSuite | ChildSuite, ike: boolean): void {
  if (suite.encr.aead && suite.integ)
    throw new Error(`${suite.encr.name} is AEAD: no integrity transform allowed`);
  if (ike && !suite.encr.aead && !suite.integ)
    throw new Error(`${suite.encr.name} needs an integrity transform for IKE`);
  if (ike && !suite.encr.ike) throw new Error(`${suite.encr.name} is not allowed for IKE`); // RFC 7296 §3.3.2
}

export function ikeKeyLengths(suite: IkeSuite): IkeKeyLengths {
  assertSuite(suite, true);
  return {
    d: suite.prf.keyLength, // RFC 7296 §2.13: "the preferred key length of the prf"
    p: suite.prf.keyLength,
    a: suite.integ?.keyLength ?? 0,
    e: suite.encr.keyLength,
  };
}

/** Octets of KEYMAT one direction of a Child SA takes: encryption key (with salt) then integrity key. */
export function childKeyLengths(suite: ChildSuite): { readonly encr: number; readonly integ: number } {
  assertSuite(suite, false);
  return { encr: suite.encr.keyLength, integ: suite.integ?.keyLength ?? 0 };
}
