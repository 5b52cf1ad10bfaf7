/**
 * X.509 v1/v2 CRLs (RFC 5280 §5) parsed strictly from DER. Understood: the reasonCode entry
 * extension (§5.3.1), authorityKeyIdentifier (§5.2.1) and cRLNumber (§5.2.3). An unknown critical
 * CRL or entry extension makes the CRL unusable (§5.2, §5.3) and is an error here.
 */
import { err, ok, type Result } from '../result.js';
import { equalBytes } from '../util/bytes.js';
import {
  childrenOf,
  type Extension,
  octetsOfBitString,
  parseAlgorithmIdentifier,
  parseAuthorityKeyId,
  parseExtensions,
  parseName,
  type X509Error,
  x509Error,
} from './certificate.js';
import {
  checkInteger,
  type DerError,
  decodeSmallInteger,
  decodeTime,
  derError,
  expectTag,
  readChildren,
  readSingle,
  Tag,
  type Tlv,
} from './der.js';
import { ExtensionOid } from './oids.js';
import type { Crl, RevokedEntry } from './types.js';

type R<T> = Result<T, DerError | X509Error>;

const ENUMERATED = 0x0a;
const isTime = (t: Tlv | undefined): boolean => t?.tag === Tag.UTCTime || t?.tag === Tag.GeneralizedTime;

function unknownCritical(
  exts: readonly Extension[],
  known: readonly string[],
  where: string,
): X509Error | undefined {
  const bad = exts.find((e) => e.critical && !known.includes(e.oid));
  return bad ? x509Error('BAD_EXTENSION', `unknown critical ${where} extension ${bad.oid}`) : undefined;
}

/** revokedCertificates entry: SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }. */
function parseEntry(tlv: Tlv): R<RevokedEntry> {
  const kids = childrenOf(tlv, Tag.SEQUENCE, 'revoked entry', 2, 3);
  if (!kids.ok) return kids;
  const serialTlv = expectTag(kids.value[0], Tag.INTEGER, 'userCertificate');
  if (!serialTlv.ok) return serialTlv;
  const serial = checkInteger(serialTlv.value.value);
  if (!serial.ok) return serial;
  const date = decodeTime(kids.value[1]!);
  if (!date.ok) return date;
  const entry: { serial: Uint8Array; revocationDate: number; reason?: number } = {
    serial: serial.value,
    revocationDate: date.value,
  };
  if (kids.value[2]) {
    const extsTlv = expectTag(kids.value[2], Tag.SEQUENCE, 'crlEntryExtensions');
    if (!extsTlv.ok) return extsTlv;
    const exts = parseExtensions(extsTlv.value);
    if (!exts.ok) return exts;
    for (const e of exts.value) {
      if (e.oid !== ExtensionOid.reasonCode) continue;
      // RFC 5280 §5.3.1: CRLReason ::= ENUMERATED
      const t = readSingle(e.value, ENUMERATED);
      if (!t.ok) return t;
      const n = decodeSmallInteger(t.value.value);
      if (!n.ok) return n;
      entry.reason = n.value;
    }
    const bad = unknownCritical(
      exts.value,
      [ExtensionOid.reasonCode, ExtensionOid.invalidityDate],
      'CRL entry',
    );
    if (bad) return err(bad);
  }
  return ok(entry);
}

/** CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue } (RFC 5280 §5.1). */
export function parseCrl(der: Uint8Array): Result<Crl, DerError | X509Error> {
  const outer = readSingle(der, Tag.SEQUENCE);
  if (!outer.ok) return outer;
  const top = childrenOf(outer.value, Tag.SEQUENCE, 'CertificateList', 3, 3);
  if (!top.ok) return top;
  const [tbsTlv, sigAlgTlv, sigTlv] = top.value as [Tlv, Tlv, Tlv];
  const signatureAlgorithm = parseAlgorithmIdentifier(sigAlgTlv, 'signatureAlgorithm');
  if (!signatureAlgorithm.ok) return signatureAlgorithm;
  const signature = octetsOfBitString(sigTlv, 'signatureValue');
  if (!signature.ok) return signature;

  const f = childrenOf(tbsTlv, Tag.SEQUENCE, 'TBSCertList', 3, 7);
  if (!f.ok) return f;
  const fields = f.value;
  let i = 0;
  if (fields[0]!.tag === Tag.INTEGER) {
    // RFC 5280 §5.1.2.1: version, if present, MUST be v2 (1).
    const v = decodeSmallInteger(fields[i++]!.value);
    if (!v.ok) return v;
    if (v.value !== 1) return err(x509Error('BAD_VERSION', `CRL version ${v.value + 1}`));
  }
  const tbsAlg = parseAlgorithmIdentifier(fields[i++], 'signature');
  if (!tbsAlg.ok) return tbsAlg;
  // RFC 5280 §5.1.1.2: signatureAlgorithm MUST equal tbsCertList.signature.
  if (!equalBytes(tbsAlg.value.der, signatureAlgorithm.value.der))
    return err(x509Error('ALGORITHM_MISMATCH', 'signatureAlgorithm differs from tbsCertList.signature'));
  const issuer = parseName(fields[i++], 'issuer');
  if (!issuer.ok) return issuer;
  if (!fields[i]) return err(derError('TRUNCATED', 'TBSCertList: missing thisUpdate'));
  const thisUpdate = decodeTime(fields[i++]!);
  if (!thisUpdate.ok) return thisUpdate;
  let nextUpdate: number | undefined;
  if (isTime(fields[i])) {
    const n = decodeTime(fields[i++]!);
    if (!n.ok) return n;
    nextUpdate = n.value;
  }
  const revoked: RevokedEntry[] = [];
  if (fields[i]?.tag === Tag.SEQUENCE) {
    const entries = readChildren(fields[i++]!.value);
    if (!entries.ok) return entries;
    for (const e of entries.value) {
      const r = parseEntry(e);
      if (!r.ok) return r;
      revoked.push(r.value);
    }
  }
  let authorityKeyId: Uint8Array | undefined;
  let crlNumber: Uint8Array | undefined;
  if (fields[i]?.tag === 0xa0) {
    // RFC 5280 §5.1.2.7: crlExtensions [0] EXPLICIT Extensions
    const seq = readSingle(fields[i++]!.value, Tag.SEQUENCE);
    if (!seq.ok) return seq;
    const exts = parseExtensions(seq.value);
    if (!exts.ok) return exts;
    for (const e of exts.value) {
      if (e.oid === ExtensionOid.authorityKeyIdentifier) {
        const k = parseAuthorityKeyId(e.value);
        if (!k.ok) return k;
        authorityKeyId = k.value;
      } else if (e.oid === ExtensionOid.cRLNumber) {
        // RFC 5280 §5.2.3: CRLNumber ::= INTEGER (0..MAX)
        const t = readSingle(e.value, Tag.INTEGER);
        if (!t.ok) return t;
        const n = checkInteger(t.value.value);
        if (!n.ok) return n;
        crlNumber = n.value;
      }
    }
    const bad = unknownCritical(
      exts.value,
      [ExtensionOid.authorityKeyIdentifier, ExtensionOid.cRLNumber, ExtensionOid.issuingDistributionPoint],
      'CRL',
    );
    if (bad) return err(bad);
  }
  if (i !== fields.length)
    return err(derError('TRAILING_DATA', 'TBSCertList: unexpected fields', fields[i]!.start));

  return ok({
    der: outer.value.der,
    tbs: tbsTlv.der,
    signatureAlgorithm: signatureAlgorithm.value,
    signature: signature.value,
    issuer: issuer.value,
    thisUpdate: thisUpdate.value,
    ...(nextUpdate === undefined ? {} : { nextUpdate }),
    revoked,
    ...(authorityKeyId ? { authorityKeyId } : {}),
    ...(crlNumber ? { crlNumber } : {}),
  });
}
