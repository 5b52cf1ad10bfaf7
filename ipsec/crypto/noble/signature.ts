/**
 * Signatures on @noble/curves (issue 16), for the portable provider: ECDSA on P-256/384/521 in both
 * encodings (RFC 7427 §3 ASN.1 Ecdsa-Sig-Value, RFC 4754 §7 r | s) with any of the SHA hashes, and
 * Ed25519 / Ed448 (RFC 8032 §5, RFC 8420). RSA is not covered: its keys need the node provider.
 * Key structure (SPKI, PKCS#8, SEC1) is read by ipsec/x509/keys.ts. Peer input never throws.
 */
import { ed448 } from '@noble/curves/ed448.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { err, ok, type Result } from '../../result.js';
import { equalBytes } from '../../util/bytes.js';
import type { DerError } from '../../x509/der.js';
import { type KeyError, privateKeyInfo, spkiFromRaw, spkiInfo } from '../../x509/keys.js';
import { CryptoError } from '../errors.js';
import type {
  EcCurve,
  KeyType,
  PrivateKey,
  PrivateKeyFormat,
  PublicKey,
  SignatureHash,
  SignatureProvider,
  SignatureScheme,
} from '../signature-types.js';

const HASH: Readonly<Record<SignatureHash, (data: Uint8Array) => Uint8Array>> = {
  sha1,
  sha256,
  sha384,
  sha512,
};
const ECDSA = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
const EDDSA = { ed25519, ed448 } as const;

/** Our key handles: the raw public value (EC point, EdDSA key) and the raw secret. */
interface NoblePublic {
  readonly noble: 'public';
  readonly key: Uint8Array;
}
interface NobleSecret {
  readonly noble: 'secret';
  readonly secret: Uint8Array;
}
const isOurs = <K extends 'public' | 'secret'>(h: unknown, kind: K): boolean =>
  typeof h === 'object' && h !== null && (h as { noble?: unknown }).noble === kind;

const RSA_UNSUPPORTED = (): { ok: false; error: CryptoError } =>
  err(new CryptoError('UNSUPPORTED_TRANSFORM', 'RSA keys need the node provider'));

const keyError = (e: DerError | KeyError): CryptoError =>
  new CryptoError(e.code === 'UNSUPPORTED_KEY' ? 'UNSUPPORTED_TRANSFORM' : 'INVALID_INPUT', e.message);

/** The raw public value is a valid point (SEC1 §3.2.2.1 / RFC 8032 §5.1.3 decoding). */
function validPoint(type: KeyType, curve: EcCurve | undefined, key: Uint8Array): boolean {
  try {
    if (type === 'ecdsa' && curve) ECDSA[curve].Point.fromBytes(key).assertValidity();
    else if (type === 'ed25519' || type === 'ed448') EDDSA[type].Point.fromBytes(key, false);
    else return false;
    return true;
  } catch {
    return false;
  }
}

function importPublicKey(spki: Uint8Array): Result<PublicKey, CryptoError> {
  const info = spkiInfo(spki);
  if (!info.ok) return err(keyError(info.error));
  const { type, curve, bits, key } = info.value;
  if (type === 'rsa') return RSA_UNSUPPORTED();
  if (!validPoint(type, curve, key))
    return err(new CryptoError('INVALID_PUBLIC_VALUE', `${type} public key is not a valid point`));
  const handle: NoblePublic = { noble: 'public', key: key.slice() };
  return ok({ type, ...(curve ? { curve } : {}), bits, spki: spki.slice(), handle });
}

/** The public value of a secret: the uncompressed EC point (SEC1 §2.3.3) or the EdDSA key. */
function derivePublic(type: KeyType, curve: EcCurve | undefined, secret: Uint8Array): Uint8Array {
  if (type === 'ecdsa' && curve) return ECDSA[curve].getPublicKey(secret, false);
  if (type === 'ed25519' || type === 'ed448') return EDDSA[type].getPublicKey(secret);
  throw new CryptoError('UNSUPPORTED_TRANSFORM', `${type} keys`);
}

function importPrivateKey(der: Uint8Array, format: PrivateKeyFormat): Result<PrivateKey, CryptoError> {
  const info = privateKeyInfo(der, format);
  if (!info.ok) return err(keyError(info.error));
  const { type, curve, bits, privateKey, publicKey: carried } = info.value;
  if (type === 'rsa') return RSA_UNSUPPORTED();
  let key: Uint8Array;
  try {
    key = derivePublic(type, curve, privateKey);
  } catch (e) {
    return err(new CryptoError('INVALID_INPUT', `${type} private key: ${(e as Error).message}`));
  }
  // A public key the encoding carries (RFC 5915 §3, RFC 5958 §2) must be the secret's.
  if (carried && !equalBytes(carried, key) && !(curve && equalBytes(carried, compressed(curve, key))))
    return err(new CryptoError('INVALID_INPUT', `${type} private key does not match its public key`));
  const withCurve = curve ? { curve } : {};
  const publicKey: PublicKey = {
    type,
    ...withCurve,
    bits,
    spki: spkiFromRaw(type, curve, key),
    handle: { noble: 'public', key } satisfies NoblePublic,
  };
  const handle: NobleSecret = { noble: 'secret', secret: privateKey.slice() };
  return ok({ type, ...withCurve, bits, publicKey, handle });
}

const compressed = (curve: EcCurve, point: Uint8Array): Uint8Array =>
  ECDSA[curve].Point.fromBytes(point).toBytes(true);

const KEY_TYPE_OF: Readonly<Record<SignatureScheme['kind'], KeyType>> = {
  'rsa-pkcs1': 'rsa',
  'rsa-pss': 'rsa',
  ecdsa: 'ecdsa',
  ed25519: 'ed25519',
  ed448: 'ed448',
};

/** noble's name of a signature encoding: 'der' (RFC 7427 §3) or 'compact' r | s (RFC 4754 §7). */
const format = (encoding: 'der' | 'ieee-p1363'): 'der' | 'compact' =>
  encoding === 'der' ? 'der' : 'compact';

function sign(key: PrivateKey, scheme: SignatureScheme, data: Uint8Array): Uint8Array {
  if (!isOurs(key.handle, 'secret'))
    throw new CryptoError('INVALID_INPUT', 'private key was not imported by the noble provider');
  if (KEY_TYPE_OF[scheme.kind] !== key.type)
    throw new CryptoError('UNSUPPORTED_TRANSFORM', `${scheme.kind} signature with a ${key.type} key`);
  const { secret } = key.handle as NobleSecret;
  switch (scheme.kind) {
    case 'ecdsa': // FIPS 186-5 §6.4.1 over the caller's hash; RFC 6979 deterministic nonce
      return ECDSA[key.curve!].sign(HASH[scheme.hash](data), secret, {
        prehash: false,
        format: format(scheme.encoding),
      });
    case 'ed25519': // RFC 8032 §5.1.6 / §5.2.6: PureEdDSA over the message (RFC 8420 §2)
    case 'ed448':
      return EDDSA[scheme.kind].sign(data, secret);
    default:
      throw new CryptoError('UNSUPPORTED_TRANSFORM', 'RSA keys need the node provider');
  }
}

/** Our public value of a key; one imported by another provider is re-read from its SPKI. */
function publicValue(key: PublicKey): Uint8Array | undefined {
  if (isOurs(key.handle, 'public')) return (key.handle as NoblePublic).key;
  const k = importPublicKey(key.spki);
  return k.ok ? (k.value.handle as NoblePublic).key : undefined;
}

function verify(key: PublicKey, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (KEY_TYPE_OF[scheme.kind] !== key.type) return false;
    const pub = publicValue(key);
    if (!pub) return false;
    switch (scheme.kind) {
      case 'ecdsa':
        // lowS: false — OpenSSL and strongSwan make high-S signatures too; both are valid ECDSA.
        return ECDSA[key.curve!].verify(signature, HASH[scheme.hash](data), pub, {
          prehash: false,
          lowS: false,
          format: format(scheme.encoding),
        });
      case 'ed25519': // RFC 8032 §5.1.7 strict encodings (zip215 off), as OpenSSL checks
      case 'ed448':
        return EDDSA[scheme.kind].verify(signature, data, pub, { zip215: false });
      default:
        return false;
    }
  } catch {
    return false;
  }
}

export const nobleSignatures: SignatureProvider = {
  importPublicKey,
  importPrivateKey,
  sign,
  verify,
  lacks: ['RSA'],
};
