/**
 * X.509 v1/v3 certificates (RFC 5280 §4.1) parsed strictly from DER: wrong tags, bad lengths and
 * trailing octets are errors, nothing throws. Extensions understood (RFC 5280 §4.2.1):
 * basicConstraints, keyUsage, extKeyUsage, subjectAltName, subjectKeyIdentifier,
 * authorityKeyIdentifier, cRLDistributionPoints; other critical ones are listed in
 * `unknownCritical` for the path validator to reject.
 */
import { err, ok, type Result } from '../result.js';
import { equalBytes } from '../util/bytes.js';
import {
  checkInteger,
  type DerError,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  derError,
  expectTag,
  readChildren,
  readSingle,
  Tag,
  type Tlv,
} from './der.js';
import { nameEquals, parseNameDer } from './name.js';
import { ExtensionOid } from './oids.js';
import type { AlgorithmIdentifier, Certificate, GeneralName, KeyUsage, Name } from './types.js';

/** A structurally valid DER that is not a valid certificate / CRL. */
export interface X509Error {
  readonly code: 'BAD_VERSION' | 'BAD_EXTENSION' | 'DUPLICATE_EXTENSION' | 'ALGORITHM_MISMATCH';
  readonly message: string;
}

export const x509Error = (code: X509Error['code'], message: string): X509Error => ({ code, message });

type R<T> = Result<T, DerError | X509Error>;

/** The children of a constructed TLV of `tag`, checked to number between min and max. */
export function childrenOf(
  tlv: Tlv | undefined,
  tag: number,
  what: string,
  min = 0,
  max = Infinity,
): R<Tlv[]> {
  const t = expectTag(tlv, tag, what);
  if (!t.ok) return t;
  const kids = readChildren(t.value.value);
  if (!kids.ok) return kids;
  if (kids.value.length < min || kids.value.length > max)
    return err(derError('UNEXPECTED_TAG', `${what}: ${kids.value.length} elements`, t.value.start));
  return kids;
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 §4.1.1.2). */
export function parseAlgorithmIdentifier(tlv: Tlv | undefined, what: string): R<AlgorithmIdentifier> {
  const kids = childrenOf(tlv, Tag.SEQUENCE, what, 1, 2);
  if (!kids.ok) return kids;
  const oidTlv = expectTag(kids.value[0], Tag.OID, what);
  if (!oidTlv.ok) return oidTlv;
  const oid = decodeOid(oidTlv.value.value);
  if (!oid.ok) return oid;
  const params = kids.value[1];
  return ok(
    params ? { oid: oid.value, parameters: params.der, der: tlv!.der } : { oid: oid.value, der: tlv!.der },
  );
}

/** A BIT STRING with no unused bits (signatures, public keys), as its octets. */
export function octetsOfBitString(tlv: Tlv | undefined, what: string): R<Uint8Array> {
  const t = expectTag(tlv, Tag.BIT_STRING, what);
  if (!t.ok) return t;
  const b = decodeBitString(t.value.value);
  if (!b.ok) return b;
  if (b.value.unusedBits !== 0) return err(derError('BAD_BIT_STRING', `${what}: unused bits`, t.value.start));
  return ok(b.value.bytes);
}

const text = (b: Uint8Array): string => String.fromCharCode(...b);

/** GeneralName (RFC 5280 §4.2.1.6), by its context tag. */
export function parseGeneralName(tlv: Tlv): R<GeneralName> {
  switch (tlv.tag) {
    case 0x81: // rfc822Name [1] IA5String
      return ok({ type: 'email', value: text(tlv.value) });
    case 0x82: // dNSName [2] IA5String
      return ok({ type: 'dns', value: text(tlv.value) });
    case 0x86: // uniformResourceIdentifier [6] IA5String
      return ok({ type: 'uri', value: text(tlv.value) });
    case 0x87: // iPAddress [7] OCTET STRING: 4 or 16 octets
      if (tlv.value.length !== 4 && tlv.value.length !== 16)
        return err(x509Error('BAD_EXTENSION', `iPAddress of ${tlv.value.length} octets`));
      return ok({ type: 'ip', value: tlv.value });
    case 0xa4: {
      // directoryName [4] Name (EXPLICIT, a CHOICE)
      const inner = readSingle(tlv.value, Tag.SEQUENCE);
      if (!inner.ok) return inner;
      const n = parseNameDer(inner.value.der);
      return n.ok ? ok({ type: 'dn', value: n.value }) : n;
    }
    default:
      if ((tlv.tag & 0xc0) !== 0x80)
        return err(derError('UNEXPECTED_TAG', 'GeneralName is not context-specific', tlv.start));
      return ok({ type: 'other', tag: tlv.tag & 0x1f });
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, given the contents. */
export function parseGeneralNames(value: Uint8Array): R<GeneralName[]> {
  const kids = readChildren(value);
  if (!kids.ok) return kids;
  const out: GeneralName[] = [];
  for (const k of kids.value) {
    const g = parseGeneralName(k);
    if (!g.ok) return g;
    out.push(g.value);
  }
  return ok(out);
}

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** extnValue's contents: the DER of the extension's own value. */
  readonly value: Uint8Array;
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 §4.1.2.9), duplicates rejected (§4.2). */
export function parseExtensions(tlv: Tlv): R<Extension[]> {
  const kids = readChildren(tlv.value);
  if (!kids.ok) return kids;
  const out: Extension[] = [];
  for (const ext of kids.value) {
    const parts = childrenOf(ext, Tag.SEQUENCE, 'Extension', 2, 3);
    if (!parts.ok) return parts;
    const oidTlv = expectTag(parts.value[0], Tag.OID, 'extnID');
    if (!oidTlv.ok) return oidTlv;
    const oid = decodeOid(oidTlv.value.value);
    if (!oid.ok) return oid;
    let critical = false;
    if (parts.value.length === 3) {
      const c = expectTag(parts.value[1], Tag.BOOLEAN, 'critical');
      if (!c.ok) return c;
      const b = decodeBoolean(c.value.value);
      if (!b.ok) return b;
      critical = b.value;
    }
    const v = expectTag(parts.value[parts.value.length - 1], Tag.OCTET_STRING, 'extnValue');
    if (!v.ok) return v;
    if (out.some((e) => e.oid === oid.value))
      return err(x509Error('DUPLICATE_EXTENSION', `extension ${oid.value} appears twice`));
    out.push({ oid: oid.value, critical, value: v.value.value });
  }
  return ok(out);
}

/** AuthorityKeyIdentifier's keyIdentifier [0] (RFC 5280 §4.2.1.1). */
export function parseAuthorityKeyId(value: Uint8Array): R<Uint8Array | undefined> {
  const seq = readSingle(value, Tag.SEQUENCE);
  if (!seq.ok) return seq;
  const kids = readChildren(seq.value.value);
  if (!kids.ok) return kids;
  return ok(kids.value.find((k) => k.tag === 0x80)?.value);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Extensions = Pick<
  Mutable<Certificate>,
  | 'basicConstraints'
  | 'keyUsage'
  | 'extendedKeyUsage'
  | 'subjectAltNames'
  | 'subjectKeyId'
  | 'authorityKeyId'
  | 'crlDistributionPoints'
  | 'unknownCritical'
>;

const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
] as const;

function applyExtension(ext: Extension, out: Extensions): R<void> {
  const E = ExtensionOid;
  switch (ext.oid) {
    case E.basicConstraints: {
      // RFC 5280 §4.2.1.9: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
      const seq = readSingle(ext.value, Tag.SEQUENCE);
      if (!seq.ok) return seq;
      const kids = readChildren(seq.value.value);
      if (!kids.ok) return kids;
      let i = 0;
      let ca = false;
      if (kids.value[i]?.tag === Tag.BOOLEAN) {
        const b = decodeBoolean(kids.value[i++]!.value);
        if (!b.ok) return b;
        ca = b.value;
      }
      let pathLen: number | undefined;
      if (kids.value[i]?.tag === Tag.INTEGER) {
        const n = decodeSmallInteger(kids.value[i++]!.value);
        if (!n.ok) return n;
        pathLen = n.value;
      }
      if (i !== kids.value.length)
        return err(x509Error('BAD_EXTENSION', 'basicConstraints: unexpected element'));
      out.basicConstraints = pathLen === undefined ? { ca } : { ca, pathLen };
      return ok(undefined);
    }
    case E.keyUsage: {
      // RFC 5280 §4.2.1.3: KeyUsage ::= BIT STRING, bit 0 = digitalSignature (the MSB).
      const t = readSingle(ext.value, Tag.BIT_STRING);
      if (!t.ok) return t;
      const b = decodeBitString(t.value.value);
      if (!b.ok) return b;
      const bit = (n: number): boolean => ((b.value.bytes[n >> 3] ?? 0) & (0x80 >> (n & 7))) !== 0;
      out.keyUsage = Object.fromEntries(KEY_USAGE_BITS.map((k, n) => [k, bit(n)])) as unknown as KeyUsage;
      return ok(undefined);
    }
    case E.extKeyUsage: {
      // RFC 5280 §4.2.1.12: SEQUENCE SIZE (1..MAX) OF KeyPurposeId
      const seq = readSingle(ext.value, Tag.SEQUENCE);
      if (!seq.ok) return seq;
      const kids = readChildren(seq.value.value);
      if (!kids.ok) return kids;
      const oids: string[] = [];
      for (const k of kids.value) {
        const t = expectTag(k, Tag.OID, 'KeyPurposeId');
        if (!t.ok) return t;
        const o = decodeOid(k.value);
        if (!o.ok) return o;
        oids.push(o.value);
      }
      out.extendedKeyUsage = oids;
      return ok(undefined);
    }
    case E.subjectAltName: {
      // RFC 5280 §4.2.1.6
      const seq = readSingle(ext.value, Tag.SEQUENCE);
      if (!seq.ok) return seq;
      const names = parseGeneralNames(seq.value.value);
      if (!names.ok) return names;
      out.subjectAltNames = names.value;
      return ok(undefined);
    }
    case E.subjectKeyIdentifier: {
      // RFC 5280 §4.2.1.2: KeyIdentifier ::= OCTET STRING
      const t = readSingle(ext.value, Tag.OCTET_STRING);
      if (!t.ok) return t;
      out.subjectKeyId = t.value.value;
      return ok(undefined);
    }
    case E.authorityKeyIdentifier: {
      const k = parseAuthorityKeyId(ext.value);
      if (!k.ok) return k;
      if (k.value) out.authorityKeyId = k.value;
      return ok(undefined);
    }
    case E.cRLDistributionPoints: {
      // RFC 5280 §4.2.1.13: SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0] } ... }
      const seq = readSingle(ext.value, Tag.SEQUENCE);
      if (!seq.ok) return seq;
      const points = readChildren(seq.value.value);
      if (!points.ok) return points;
      const uris: string[] = [];
      for (const p of points.value) {
        const fields = childrenOf(p, Tag.SEQUENCE, 'DistributionPoint');
        if (!fields.ok) return fields;
        const dpName = fields.value.find((f) => f.tag === 0xa0);
        if (!dpName) continue;
        const choice = readChildren(dpName.value);
        if (!choice.ok) return choice;
        for (const c of choice.value) {
          if (c.tag !== 0xa0) continue; // nameRelativeToCRLIssuer [1] is not a URI
          const names = parseGeneralNames(c.value);
          if (!names.ok) return names;
          for (const n of names.value) if (n.type === 'uri') uris.push(n.value);
        }
      }
      out.crlDistributionPoints = uris;
      return ok(undefined);
    }
    default:
      // RFC 5280 §4.2: a critical extension that is not recognized must make the certificate fail.
      if (ext.critical) out.unknownCritical = [...out.unknownCritical, ext.oid];
      return ok(undefined);
  }
}

/** Validity ::= SEQUENCE { notBefore Time, notAfter Time } (RFC 5280 §4.1.2.5). */
function parseValidity(tlv: Tlv | undefined): R<{ notBefore: number; notAfter: number }> {
  const kids = childrenOf(tlv, Tag.SEQUENCE, 'Validity', 2, 2);
  if (!kids.ok) return kids;
  const nb = decodeTime(kids.value[0]!);
  if (!nb.ok) return nb;
  const na = decodeTime(kids.value[1]!);
  if (!na.ok) return na;
  return ok({ notBefore: nb.value, notAfter: na.value });
}

export function parseName(tlv: Tlv | undefined, what: string): R<Name> {
  const t = expectTag(tlv, Tag.SEQUENCE, what);
  if (!t.ok) return t;
  return parseNameDer(t.value.der);
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1). */
export function parseCertificate(der: Uint8Array): Result<Certificate, DerError | X509Error> {
  const outer = readSingle(der, Tag.SEQUENCE);
  if (!outer.ok) return outer;
  const top = childrenOf(outer.value, Tag.SEQUENCE, 'Certificate', 3, 3);
  if (!top.ok) return top;
  const [tbsTlv, sigAlgTlv, sigTlv] = top.value as [Tlv, Tlv, Tlv];
  const signatureAlgorithm = parseAlgorithmIdentifier(sigAlgTlv, 'signatureAlgorithm');
  if (!signatureAlgorithm.ok) return signatureAlgorithm;
  const signature = octetsOfBitString(sigTlv, 'signatureValue');
  if (!signature.ok) return signature;

  const f = childrenOf(tbsTlv, Tag.SEQUENCE, 'TBSCertificate', 6, 10);
  if (!f.ok) return f;
  const fields = f.value;
  let i = 0;
  let version = 1;
  if (fields[0]!.tag === 0xa0) {
    // RFC 5280 §4.1.2.1: version [0] EXPLICIT Version DEFAULT v1; v1(0), v2(1), v3(2).
    const v = readSingle(fields[0]!.value, Tag.INTEGER);
    if (!v.ok) return v;
    const n = decodeSmallInteger(v.value.value);
    if (!n.ok) return n;
    if (n.value > 2) return err(x509Error('BAD_VERSION', `unknown certificate version ${n.value + 1}`));
    version = n.value + 1;
    i++;
  }
  // RFC 5280 §4.1.2.2: serialNumber INTEGER.
  const serialTlv = expectTag(fields[i++], Tag.INTEGER, 'serialNumber');
  if (!serialTlv.ok) return serialTlv;
  const serial = checkInteger(serialTlv.value.value);
  if (!serial.ok) return serial;
  const tbsAlg = parseAlgorithmIdentifier(fields[i++], 'signature');
  if (!tbsAlg.ok) return tbsAlg;
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
  if (!equalBytes(tbsAlg.value.der, signatureAlgorithm.value.der))
    return err(x509Error('ALGORITHM_MISMATCH', 'signatureAlgorithm differs from tbsCertificate.signature'));
  const issuer = parseName(fields[i++], 'issuer');
  if (!issuer.ok) return issuer;
  const validity = parseValidity(fields[i++]);
  if (!validity.ok) return validity;
  const subject = parseName(fields[i++], 'subject');
  if (!subject.ok) return subject;
  // RFC 5280 §4.1.2.7: SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
  const spkiTlv = fields[i++];
  const spki = childrenOf(spkiTlv, Tag.SEQUENCE, 'subjectPublicKeyInfo', 2, 2);
  if (!spki.ok) return spki;
  const publicKeyAlgorithm = parseAlgorithmIdentifier(spki.value[0], 'subjectPublicKeyInfo.algorithm');
  if (!publicKeyAlgorithm.ok) return publicKeyAlgorithm;
  const publicKey = octetsOfBitString(spki.value[1], 'subjectPublicKey');
  if (!publicKey.ok) return publicKey;

  const ext: Extensions = { subjectAltNames: [], crlDistributionPoints: [], unknownCritical: [] };
  // RFC 5280 §4.1.2.8: unique identifiers [1] [2] only in v2/v3; §4.1.2.9: extensions [3] only in v3.
  for (const [tag, minVersion] of [
    [0x81, 2],
    [0x82, 2],
    [0xa3, 3],
  ] as const) {
    if (fields[i]?.tag !== tag) continue;
    if (version < minVersion)
      return err(x509Error('BAD_VERSION', `field [${tag & 0x1f}] in a v${version} certificate`));
    if (tag === 0xa3) {
      const seq = readSingle(fields[i]!.value, Tag.SEQUENCE);
      if (!seq.ok) return seq;
      const exts = parseExtensions(seq.value);
      if (!exts.ok) return exts;
      if (exts.value.length === 0) return err(x509Error('BAD_EXTENSION', 'empty extensions'));
      for (const e of exts.value) {
        const r = applyExtension(e, ext);
        if (!r.ok) return err(x509Error('BAD_EXTENSION', `extension ${e.oid}: ${r.error.message}`));
      }
    }
    i++;
  }
  if (i !== fields.length)
    return err(derError('TRAILING_DATA', 'TBSCertificate: unexpected fields', fields[i]!.start));

  return ok({
    der: outer.value.der,
    tbs: tbsTlv.der,
    version,
    serial: serial.value,
    signatureAlgorithm: signatureAlgorithm.value,
    signature: signature.value,
    issuer: issuer.value,
    subject: subject.value,
    notBefore: validity.value.notBefore,
    notAfter: validity.value.notAfter,
    spki: spkiTlv!.der,
    publicKeyAlgorithm: publicKeyAlgorithm.value,
    publicKey: publicKey.value,
    ...ext,
  });
}

/** RFC 5280 §6.1: self-issued when subject and issuer are the same name. */
export const isSelfIssued = (cert: Certificate): boolean => nameEquals(cert.subject, cert.issuer);
