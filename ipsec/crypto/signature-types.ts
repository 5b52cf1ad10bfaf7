/**
 * The signature half of the crypto seam (issue 16): public and private keys as a provider holds
 * them, and the schemes IKE authentication uses (RFC 7296 §3.8 classic methods, RFC 7427 digital
 * signatures, RFC 8420 EdDSA). A provider that cannot do something says so in `lacks` and returns
 * an error on import; peer-controlled input (a signature, a key in a certificate) never throws.
 */
import type { Result } from '../result.js';
import type { CryptoError } from './errors.js';

export type SignatureHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type KeyType = 'rsa' | 'ecdsa' | 'ed25519' | 'ed448';
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export type SignatureScheme =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: SignatureHash }
  /** RSASSA-PSS with MGF1 over the same hash (RFC 8017 §8.1; RFC 7427 Appendix A.4). */
  | { readonly kind: 'rsa-pss'; readonly hash: SignatureHash; readonly saltLength: number }
  /**
   * ECDSA: 'der' is the ASN.1 Ecdsa-Sig-Value of RFC 7427 (method 14), 'ieee-p1363' the
   * fixed-size r | s of RFC 4754 (methods 9, 10, 11).
   */
  | { readonly kind: 'ecdsa'; readonly hash: SignatureHash; readonly encoding: 'der' | 'ieee-p1363' }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' };

export interface PublicKey {
  readonly type: KeyType;
  readonly curve?: EcCurve;
  /** Modulus bits (RSA), field bits (ECDSA), 256 / 456 (EdDSA). */
  readonly bits: number;
  /** The DER SubjectPublicKeyInfo it was imported from. */
  readonly spki: Uint8Array;
  /** The provider's own object (a node KeyObject, noble's raw point); opaque to everyone else. */
  readonly handle: unknown;
}

export interface PrivateKey {
  readonly type: KeyType;
  readonly curve?: EcCurve;
  readonly bits: number;
  readonly publicKey: PublicKey;
  readonly handle: unknown;
}

/** DER encodings a private key comes in: PKCS#8, PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey. */
export type PrivateKeyFormat = 'pkcs8' | 'pkcs1' | 'sec1';

export interface SignatureProvider {
  importPublicKey(spki: Uint8Array): Result<PublicKey, CryptoError>;
  importPrivateKey(der: Uint8Array, format: PrivateKeyFormat): Result<PrivateKey, CryptoError>;
  /** Throws CryptoError only for programming errors (a scheme the key cannot make). */
  sign(key: PrivateKey, scheme: SignatureScheme, data: Uint8Array): Uint8Array;
  /** False for any bad signature, wrong scheme for the key, or malformed input; never throws. */
  verify(key: PublicKey, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean;
  /** What this provider does not do, in words (e.g. 'RSA'), for error messages and docs. */
  readonly lacks: readonly string[];
}
