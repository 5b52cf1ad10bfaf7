/**
 * Signatures on node:crypto (issue 16): RSA PKCS#1 v1.5 and RSASSA-PSS (RFC 8017 §8), ECDSA on
 * P-256/384/521 in both encodings (RFC 7427 ASN.1, RFC 4754 r | s), Ed25519 / Ed448 (RFC 8420).
 * Keys are node KeyObjects (the `handle`); a key imported by another provider is re-imported from
 * its SubjectPublicKeyInfo for verification. Peer input (keys, signatures) never throws.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  type SignKeyObjectInput,
} from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import type {
  EcCurve,
  KeyType,
  PrivateKey,
  PrivateKeyFormat,
  PublicKey,
  SignatureProvider,
  SignatureScheme,
} from '../../../ipsec/crypto/signature-types.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import { view } from './node-bytes.js';

/** OpenSSL's curve names (KeyObject.asymmetricKeyDetails.namedCurve) for the NIST curves. */
const CURVES: Readonly<Record<string, { curve: EcCurve; bits: number }>> = {
  prime256v1: { curve: 'P-256', bits: 256 },
  secp384r1: { curve: 'P-384', bits: 384 },
  secp521r1: { curve: 'P-521', bits: 521 },
};

interface KeyFacts {
  readonly type: KeyType;
  readonly curve?: EcCurve;
  readonly bits: number;
}

/** Type, curve and size of a KeyObject; RSA-PSS restricted keys ('rsa-pss') count as 'rsa'. */
function keyFacts(k: KeyObject): Result<KeyFacts, CryptoError> {
  const details = k.asymmetricKeyDetails ?? {};
  switch (k.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return ok({ type: 'rsa', bits: details.modulusLength ?? 0 });
    case 'ec': {
      const c = CURVES[details.namedCurve ?? ''];
      if (!c) return err(new CryptoError('UNSUPPORTED_TRANSFORM', `EC curve ${details.namedCurve}`));
      return ok({ type: 'ecdsa', curve: c.curve, bits: c.bits });
    }
    case 'ed25519':
      return ok({ type: 'ed25519', bits: 256 });
    case 'ed448':
      return ok({ type: 'ed448', bits: 456 });
    default:
      return err(new CryptoError('UNSUPPORTED_TRANSFORM', `key type ${k.asymmetricKeyType}`));
  }
}

const withCurve = (f: KeyFacts) => (f.curve ? { curve: f.curve } : {});

function publicKeyOf(k: KeyObject, spki: Uint8Array): Result<PublicKey, CryptoError> {
  const facts = keyFacts(k);
  if (!facts.ok) return facts;
  const f = facts.value;
  return ok({ type: f.type, ...withCurve(f), bits: f.bits, spki, handle: k });
}

function importPublicKey(spki: Uint8Array): Result<PublicKey, CryptoError> {
  let k: KeyObject;
  try {
    k = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    return err(new CryptoError('INVALID_INPUT', `SubjectPublicKeyInfo: ${(e as Error).message}`));
  }
  return publicKeyOf(k, spki.slice());
}

function importPrivateKey(der: Uint8Array, format: PrivateKeyFormat): Result<PrivateKey, CryptoError> {
  let k: KeyObject;
  try {
    k = createPrivateKey({ key: Buffer.from(der), format: 'der', type: format });
  } catch (e) {
    return err(new CryptoError('INVALID_INPUT', `${format} private key: ${(e as Error).message}`));
  }
  const pub = createPublicKey(k);
  const spki = view(pub.export({ format: 'der', type: 'spki' }));
  const publicKey = publicKeyOf(pub, spki);
  if (!publicKey.ok) return publicKey;
  const { type, curve, bits } = publicKey.value;
  return ok({ type, ...(curve ? { curve } : {}), bits, publicKey: publicKey.value, handle: k });
}

/** The key type a scheme signs with. */
const KEY_TYPE_OF: Readonly<Record<SignatureScheme['kind'], KeyType>> = {
  'rsa-pkcs1': 'rsa',
  'rsa-pss': 'rsa',
  ecdsa: 'ecdsa',
  ed25519: 'ed25519',
  ed448: 'ed448',
};

/** node:crypto's algorithm (digest) and options for `scheme` with key `key`. */
function nodeParams(
  scheme: SignatureScheme,
  key: KeyObject,
): { algorithm: string | null; options: SignKeyObjectInput } {
  switch (scheme.kind) {
    case 'rsa-pkcs1': // RFC 8017 §8.2 RSASSA-PKCS1-v1_5
      return { algorithm: scheme.hash, options: { key, padding: constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss': // RFC 8017 §8.1 RSASSA-PSS, MGF1 with the same hash
      return {
        algorithm: scheme.hash,
        options: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength },
      };
    case 'ecdsa': // RFC 7427 §3: ASN.1 Ecdsa-Sig-Value ('der'); RFC 4754 §7: r | s ('ieee-p1363')
      return { algorithm: scheme.hash, options: { key, dsaEncoding: scheme.encoding } };
    default: // RFC 8420 §2: EdDSA signs the message itself (no separate hash)
      return { algorithm: null, options: { key } };
  }
}

function sign(key: PrivateKey, scheme: SignatureScheme, data: Uint8Array): Uint8Array {
  if (!(key.handle instanceof KeyObject) || key.handle.type !== 'private')
    throw new CryptoError('INVALID_INPUT', 'private key was not imported by the node provider');
  if (KEY_TYPE_OF[scheme.kind] !== key.type)
    throw new CryptoError('UNSUPPORTED_TRANSFORM', `${scheme.kind} signature with a ${key.type} key`);
  const p = nodeParams(scheme, key.handle);
  try {
    return view(nodeSign(p.algorithm, data, p.options));
  } catch (e) {
    throw new CryptoError('UNSUPPORTED_TRANSFORM', `${scheme.kind} signature: ${(e as Error).message}`);
  }
}

/** The KeyObject of a public key; one imported by another provider is re-imported from its SPKI. */
function publicHandle(key: PublicKey): KeyObject | undefined {
  if (key.handle instanceof KeyObject && key.handle.type === 'public') return key.handle;
  const k = importPublicKey(key.spki);
  return k.ok ? (k.value.handle as KeyObject) : undefined;
}

function verify(key: PublicKey, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (KEY_TYPE_OF[scheme.kind] !== key.type) return false;
    const k = publicHandle(key);
    if (!k) return false;
    const p = nodeParams(scheme, k);
    return nodeVerify(p.algorithm, data, p.options, signature);
  } catch {
    return false;
  }
}

export const nodeSignatures: SignatureProvider = {
  importPublicKey,
  importPrivateKey,
  sign,
  verify,
  lacks: [],
};
