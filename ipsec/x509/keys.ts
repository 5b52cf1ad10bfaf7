/**
 * The structure of public and private keys, no cryptography: SubjectPublicKeyInfo (RFC 5280
 * §4.1.2.7; RFC 3279 §2.3.1, RFC 5480 §2, RFC 8410 §4), PKCS#8 (RFC 5208 §5, RFC 5958 §2),
 * PKCS#1 RSAPrivateKey (RFC 8017 Appendix A.1.2) and SEC1 ECPrivateKey (RFC 5915 §3).
 */
import type { EcCurve, KeyType, PrivateKeyFormat } from '../crypto/signature-types.js';
import { err, ok, type Result } from '../result.js';
import {
  checkInteger,
  type DerError,
  decodeBitString,
  decodeOid,
  decodeSmallInteger,
  readChildren,
  readSingle,
  Tag,
  type Tlv,
} from './der.js';
import { derBitString, derNull, derOid, derSequence } from './der-write.js';
import { CurveOid, KeyOid } from './oids.js';

export interface KeyError {
  readonly code: 'UNSUPPORTED_KEY' | 'BAD_KEY';
  readonly message: string;
}

type R<T> = Result<T, DerError | KeyError>;
const bad = (message: string): { ok: false; error: KeyError } => err({ code: 'BAD_KEY', message });
const unsupported = (message: string): { ok: false; error: KeyError } =>
  err({ code: 'UNSUPPORTED_KEY', message });

export interface SpkiInfo {
  readonly type: KeyType;
  readonly curve?: EcCurve;
  readonly bits: number;
  /** BIT STRING contents: the EC point, the EdDSA key, or the RSAPublicKey DER. */
  readonly key: Uint8Array;
}

export interface PrivateKeyInfo {
  readonly type: KeyType;
  readonly curve?: EcCurve;
  readonly bits: number;
  /** The EC scalar, the EdDSA seed, or for RSA the PKCS#1 RSAPrivateKey DER. */
  readonly privateKey: Uint8Array;
  /** The EC point / EdDSA key / RSAPublicKey DER, when the encoding carries it. */
  readonly publicKey?: Uint8Array;
}

const CURVES: Readonly<Record<string, { curve: EcCurve; bits: number }>> = {
  [CurveOid.prime256v1]: { curve: 'P-256', bits: 256 },
  [CurveOid.secp384r1]: { curve: 'P-384', bits: 384 },
  [CurveOid.secp521r1]: { curve: 'P-521', bits: 521 },
};
const CURVE_OID: Readonly<Record<EcCurve, string>> = {
  'P-256': CurveOid.prime256v1,
  'P-384': CurveOid.secp384r1,
  'P-521': CurveOid.secp521r1,
};
const ED: Readonly<Record<string, { type: KeyType; bits: number; length: number }>> = {
  [KeyOid['id-Ed25519']]: { type: 'ed25519', bits: 256, length: 32 }, // RFC 8410 §3
  [KeyOid['id-Ed448']]: { type: 'ed448', bits: 456, length: 57 },
};

function children(der: Uint8Array, what: string, min: number): R<Tlv[]> {
  const seq = readSingle(der, Tag.SEQUENCE);
  if (!seq.ok) return seq;
  const kids = readChildren(seq.value.value);
  if (!kids.ok) return kids;
  if (kids.value.length < min) return bad(`${what}: ${kids.value.length} elements`);
  return kids;
}

function oidOf(tlv: Tlv | undefined, what: string): R<string> {
  if (tlv?.tag !== Tag.OID) return bad(`${what}: not an OBJECT IDENTIFIER`);
  return decodeOid(tlv.value);
}

/** AlgorithmIdentifier's OID and parameters TLV. */
function algorithm(tlv: Tlv | undefined): R<{ oid: string; params?: Tlv }> {
  if (tlv?.tag !== Tag.SEQUENCE) return bad('AlgorithmIdentifier is not a SEQUENCE');
  const kids = readChildren(tlv.value);
  if (!kids.ok) return kids;
  if (kids.value.length < 1 || kids.value.length > 2) return bad('AlgorithmIdentifier: bad element count');
  const oid = oidOf(kids.value[0], 'algorithm');
  if (!oid.ok) return oid;
  return ok(kids.value[1] ? { oid: oid.value, params: kids.value[1] } : { oid: oid.value });
}

/** Bit length of an unsigned big-endian integer (leading zeros ignored). */
function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 Appendix A.1.1). */
function rsaModulusBits(der: Uint8Array, min: number, what: string): R<number> {
  const kids = children(der, what, min);
  if (!kids.ok) return kids;
  const offset = min === 2 ? 0 : 1; // RSAPrivateKey starts with its version
  for (const k of kids.value) if (k.tag !== Tag.INTEGER) return bad(`${what}: element is not an INTEGER`);
  const n = checkInteger(kids.value[offset]!.value);
  if (!n.ok) return n;
  if (n.value[0]! >= 0x80) return bad(`${what}: negative modulus`);
  return ok(bitLength(n.value));
}

function ecCurve(params: Tlv | undefined): R<{ curve: EcCurve; bits: number }> {
  // RFC 5480 §2.1.1: namedCurve only (implicitCurve / specifiedCurve are not supported).
  const oid = oidOf(params, 'EC parameters');
  if (!oid.ok) return unsupported('EC key without a named curve');
  const c = CURVES[oid.value];
  return c ? ok(c) : unsupported(`unsupported curve ${oid.value}`);
}

function checkPoint(point: Uint8Array, bits: number): R<void> {
  const len = Math.ceil(bits / 8);
  // SEC1 §2.3.3: 04 || X || Y uncompressed, 02/03 || X compressed.
  if (
    (point[0] === 4 && point.length === 1 + 2 * len) ||
    ((point[0] === 2 || point[0] === 3) && point.length === 1 + len)
  )
    return ok(undefined);
  return bad(`EC point of ${point.length} octets for a ${bits}-bit curve`);
}

/** What a SubjectPublicKeyInfo holds (RFC 5280 §4.1.2.7). */
export function spkiInfo(spki: Uint8Array): R<SpkiInfo> {
  const kids = children(spki, 'SubjectPublicKeyInfo', 2);
  if (!kids.ok) return kids;
  if (kids.value.length !== 2) return bad('SubjectPublicKeyInfo: bad element count');
  const alg = algorithm(kids.value[0]);
  if (!alg.ok) return alg;
  if (kids.value[1]!.tag !== Tag.BIT_STRING) return bad('subjectPublicKey is not a BIT STRING');
  const bs = decodeBitString(kids.value[1]!.value);
  if (!bs.ok) return bs;
  if (bs.value.unusedBits !== 0) return bad('subjectPublicKey has unused bits');
  const key = bs.value.bytes;
  switch (alg.value.oid) {
    case KeyOid.rsaEncryption:
    case KeyOid['id-RSASSA-PSS']: {
      const bits = rsaModulusBits(key, 2, 'RSAPublicKey');
      if (!bits.ok) return bits;
      return ok({ type: 'rsa', bits: bits.value, key });
    }
    case KeyOid['id-ecPublicKey']: {
      const c = ecCurve(alg.value.params);
      if (!c.ok) return c;
      const p = checkPoint(key, c.value.bits);
      if (!p.ok) return p;
      return ok({ type: 'ecdsa', curve: c.value.curve, bits: c.value.bits, key });
    }
    default: {
      const ed = ED[alg.value.oid];
      if (!ed) return unsupported(`unsupported public key algorithm ${alg.value.oid}`);
      // RFC 8410 §3: parameters MUST be absent.
      if (alg.value.params) return bad('EdDSA AlgorithmIdentifier with parameters');
      if (key.length !== ed.length) return bad(`${ed.type} key of ${key.length} octets`);
      return ok({ type: ed.type, bits: ed.bits, key });
    }
  }
}

/** RSAPublicKey DER (n, e) out of an RSAPrivateKey (RFC 8017 Appendix A.1.2). */
function rsaPublicFromPrivate(kids: readonly Tlv[]): Uint8Array {
  return derSequence(kids[1]!.der, kids[2]!.der);
}

function pkcs1(der: Uint8Array): R<PrivateKeyInfo> {
  const bits = rsaModulusBits(der, 9, 'RSAPrivateKey');
  if (!bits.ok) return bits;
  const kids = children(der, 'RSAPrivateKey', 9);
  if (!kids.ok) return kids;
  return ok({ type: 'rsa', bits: bits.value, privateKey: der, publicKey: rsaPublicFromPrivate(kids.value) });
}

/** ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey } (RFC 5915 §3). */
function sec1(der: Uint8Array, outerParams?: Tlv): R<PrivateKeyInfo> {
  const kids = children(der, 'ECPrivateKey', 2);
  if (!kids.ok) return kids;
  const [version, key, ...rest] = kids.value;
  if (version!.tag !== Tag.INTEGER) return bad('ECPrivateKey: version is not an INTEGER');
  const v = decodeSmallInteger(version!.value);
  if (!v.ok) return v;
  if (v.value !== 1) return bad(`ECPrivateKey version ${v.value}`);
  if (key!.tag !== Tag.OCTET_STRING) return bad('ECPrivateKey: privateKey is not an OCTET STRING');
  let params = outerParams;
  let publicKey: Uint8Array | undefined;
  for (const r of rest) {
    if (r.tag === 0xa0) {
      const inner = readSingle(r.value);
      if (!inner.ok) return inner;
      params ??= inner.value;
    } else if (r.tag === 0xa1) {
      const bs = readSingle(r.value, Tag.BIT_STRING);
      if (!bs.ok) return bs;
      const b = decodeBitString(bs.value.value);
      if (!b.ok) return b;
      publicKey = b.value.bytes;
    } else return bad('ECPrivateKey: unexpected element');
  }
  const c = ecCurve(params);
  if (!c.ok) return c;
  if (key!.value.length !== Math.ceil(c.value.bits / 8))
    return bad(`EC private key of ${key!.value.length} octets`);
  if (publicKey) {
    const p = checkPoint(publicKey, c.value.bits);
    if (!p.ok) return p;
  }
  return ok({
    type: 'ecdsa',
    curve: c.value.curve,
    bits: c.value.bits,
    privateKey: key!.value,
    ...(publicKey ? { publicKey } : {}),
  });
}

/** PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2). */
function pkcs8(der: Uint8Array): R<PrivateKeyInfo> {
  const kids = children(der, 'PrivateKeyInfo', 3);
  if (!kids.ok) return kids;
  const [version, algTlv, keyTlv, ...rest] = kids.value;
  if (version!.tag !== Tag.INTEGER) return bad('PrivateKeyInfo: version is not an INTEGER');
  const v = decodeSmallInteger(version!.value);
  if (!v.ok) return v;
  if (v.value > 1) return bad(`PrivateKeyInfo version ${v.value}`);
  const alg = algorithm(algTlv);
  if (!alg.ok) return alg;
  if (keyTlv!.tag !== Tag.OCTET_STRING) return bad('PrivateKeyInfo: privateKey is not an OCTET STRING');
  const inner = keyTlv!.value;
  let publicKey: Uint8Array | undefined;
  for (const r of rest) {
    // attributes [0] IMPLICIT, publicKey [1] IMPLICIT BIT STRING (RFC 5958 §2).
    if (r.tag === 0x81) {
      const b = decodeBitString(r.value);
      if (!b.ok) return b;
      publicKey = b.value.bytes;
    } else if (r.tag !== 0xa0) return bad('PrivateKeyInfo: unexpected element');
  }
  switch (alg.value.oid) {
    case KeyOid.rsaEncryption:
    case KeyOid['id-RSASSA-PSS']:
      return pkcs1(inner);
    case KeyOid['id-ecPublicKey']:
      return sec1(inner, alg.value.params);
    default: {
      const ed = ED[alg.value.oid];
      if (!ed) return unsupported(`unsupported private key algorithm ${alg.value.oid}`);
      // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING
      const seed = readSingle(inner, Tag.OCTET_STRING);
      if (!seed.ok) return seed;
      if (seed.value.value.length !== ed.length)
        return bad(`${ed.type} private key of ${seed.value.value.length} octets`);
      return ok({
        type: ed.type,
        bits: ed.bits,
        privateKey: seed.value.value,
        ...(publicKey ? { publicKey } : {}),
      });
    }
  }
}

/** What a private key in `format` holds. */
export function privateKeyInfo(der: Uint8Array, format: PrivateKeyFormat): R<PrivateKeyInfo> {
  if (format === 'pkcs1') return pkcs1(der);
  if (format === 'sec1') return sec1(der);
  return pkcs8(der);
}

/** Guesses the format of an unencrypted private key from its structure; undefined if none fits. */
export function detectPrivateKeyFormat(der: Uint8Array): PrivateKeyFormat | undefined {
  const kids = children(der, 'private key', 2);
  if (!kids.ok) return undefined;
  const tags = kids.value.map((k) => k.tag);
  if (tags[0] !== Tag.INTEGER) return undefined;
  if (tags[1] === Tag.SEQUENCE && tags[2] === Tag.OCTET_STRING) return 'pkcs8';
  if (tags[1] === Tag.OCTET_STRING) return 'sec1';
  if (tags.length >= 9 && tags.slice(0, 9).every((t) => t === Tag.INTEGER)) return 'pkcs1';
  return undefined;
}

/**
 * A SubjectPublicKeyInfo from a raw key: the EC point (RFC 5480 §2), the EdDSA key (RFC 8410 §4)
 * or the RSAPublicKey DER (RFC 3279 §2.3.1, NULL parameters).
 */
export function spkiFromRaw(type: KeyType, curve: EcCurve | undefined, key: Uint8Array): Uint8Array {
  let alg: Uint8Array;
  if (type === 'ecdsa') {
    if (!curve) throw new TypeError('an EC key needs its curve');
    alg = derSequence(derOid(KeyOid['id-ecPublicKey']), derOid(CURVE_OID[curve]));
  } else if (type === 'rsa') alg = derSequence(derOid(KeyOid.rsaEncryption), derNull());
  else alg = derSequence(derOid(type === 'ed25519' ? KeyOid['id-Ed25519'] : KeyOid['id-Ed448']));
  return derSequence(alg, derBitString(key));
}
