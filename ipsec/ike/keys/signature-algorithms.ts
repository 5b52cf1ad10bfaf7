/**
 * Signature AlgorithmIdentifiers (RFC 7427 §3, Appendix A; RFC 4055 §3.1 RSASSA-PSS; RFC 8420 §2
 * EdDSA) and the IKEv2 hash algorithm ids of RFC 7427 §7 that name their hashes. The same parser
 * reads the signatureAlgorithm of certificates and CRLs (RFC 5280 §4.1.1.2).
 */
import type { SignatureHash, SignatureScheme } from '../../crypto/signature-types.js';
import { decodeOid, decodeSmallInteger, readChildren, readSingle, Tag, type Tlv } from '../../x509/der.js';
import { derContext, derInteger, derNull, derOid, derSequence } from '../../x509/der-write.js';
import { HashOid, SignatureOid } from '../../x509/oids.js';

/** IKEv2 Hash Algorithms (RFC 7427 §7; IANA registry; Identity from RFC 8420 §2). */
export const HashAlgorithm = {
  SHA1: 1,
  SHA2_256: 2,
  SHA2_384: 3,
  SHA2_512: 4,
  IDENTITY: 5,
} as const;

const HASH_ALGORITHM_OF: Readonly<Record<SignatureHash, number>> = {
  sha1: HashAlgorithm.SHA1,
  sha256: HashAlgorithm.SHA2_256,
  sha384: HashAlgorithm.SHA2_384,
  sha512: HashAlgorithm.SHA2_512,
};

export function hashAlgorithmName(id: number): string {
  for (const [name, v] of Object.entries(HashAlgorithm)) if (v === id) return name;
  return `HASH_${id}`;
}

/** The RFC 7427 hash algorithm id a scheme uses (EdDSA hashes nothing first: Identity, RFC 8420 §2). */
export function hashAlgorithmOf(scheme: SignatureScheme): number {
  return scheme.kind === 'ed25519' || scheme.kind === 'ed448'
    ? HashAlgorithm.IDENTITY
    : HASH_ALGORITHM_OF[scheme.hash];
}

/** Digest octets: the RSASSA-PSS salt length strongSwan and RFC 7427 A.4 use. */
export const HASH_LENGTH: Readonly<Record<SignatureHash, number>> = {
  sha1: 20,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

const HASH_OID: Readonly<Record<SignatureHash, string>> = {
  sha1: HashOid.sha1,
  sha256: HashOid.sha256,
  sha384: HashOid.sha384,
  sha512: HashOid.sha512,
};
const RSA_PKCS1_OID: Readonly<Record<SignatureHash, string>> = {
  sha1: SignatureOid.sha1WithRSAEncryption, // RFC 7427 A.1.1
  sha256: SignatureOid.sha256WithRSAEncryption,
  sha384: SignatureOid.sha384WithRSAEncryption,
  sha512: SignatureOid.sha512WithRSAEncryption,
};
const ECDSA_OID: Readonly<Record<SignatureHash, string>> = {
  sha1: SignatureOid['ecdsa-with-SHA1'], // RFC 3279 §2.2.3 (certificates only: we never announce SHA-1)
  sha256: SignatureOid['ecdsa-with-SHA256'], // RFC 7427 A.3.1
  sha384: SignatureOid['ecdsa-with-SHA384'],
  sha512: SignatureOid['ecdsa-with-SHA512'],
};
const ID_RSASSA_PSS = SignatureOid['id-RSASSA-PSS']; // RFC 4055 §3.1
const ID_MGF1 = HashOid['id-mgf1']; // RFC 8017 Appendix B.2.1
const ID_ED25519 = SignatureOid['id-Ed25519']; // RFC 8420 §2, RFC 8410 §3
const ID_ED448 = SignatureOid['id-Ed448'];

const HASHES: readonly SignatureHash[] = ['sha1', 'sha256', 'sha384', 'sha512'];
const hashOf = (table: Readonly<Record<SignatureHash, string>>, oid: string): SignatureHash | undefined =>
  HASHES.find((h) => table[h] === oid);

/** RFC 4055 §2.1: hash AlgorithmIdentifiers carry NULL parameters (strongSwan and RFC 7427 A.4 do). */
const hashAlgorithmIdentifier = (hash: SignatureHash): Uint8Array =>
  derSequence(derOid(HASH_OID[hash]), derNull());

/** RFC 4055 §3.1 RSASSA-PSS-params; fields at their DEFAULT (SHA-1, MGF1-SHA-1, salt 20) are omitted (X.690 §11.5). */
function pssParams(hash: SignatureHash, saltLength: number): Uint8Array {
  const fields: Uint8Array[] = [];
  if (hash !== 'sha1') {
    fields.push(derContext(0, true, hashAlgorithmIdentifier(hash))); // hashAlgorithm [0]
    fields.push(derContext(1, true, derSequence(derOid(ID_MGF1), hashAlgorithmIdentifier(hash)))); // maskGenAlgorithm [1]
  }
  if (saltLength !== 20) fields.push(derContext(2, true, derInteger(saltLength))); // saltLength [2]
  return derSequence(...fields);
}

/** The DER AlgorithmIdentifier of a signature scheme (RFC 7427 Appendix A). */
export function algorithmIdentifierFor(scheme: SignatureScheme): Uint8Array {
  switch (scheme.kind) {
    case 'rsa-pkcs1': // RFC 7427 A.1: NULL parameters
      return derSequence(derOid(RSA_PKCS1_OID[scheme.hash]), derNull());
    case 'rsa-pss': // RFC 7427 A.4
      return derSequence(derOid(ID_RSASSA_PSS), pssParams(scheme.hash, scheme.saltLength));
    case 'ecdsa': // RFC 7427 A.3: parameters absent (RFC 5758 §3.2)
      return derSequence(derOid(ECDSA_OID[scheme.hash]));
    case 'ed25519': // RFC 8420 §2 / RFC 8410 §3: parameters absent
      return derSequence(derOid(ID_ED25519));
    case 'ed448':
      return derSequence(derOid(ID_ED448));
  }
}

/** Parameters that are absent or NULL (lenient: some encoders add NULL where RFCs say absent). */
const noParams = (params: readonly Tlv[]): boolean =>
  params.length === 0 ||
  (params.length === 1 && params[0]!.tag === Tag.NULL && params[0]!.value.length === 0);

/** An AlgorithmIdentifier SEQUENCE { OID, params? } split into the OID and its parameter TLVs. */
function splitAlgorithmIdentifier(der: Uint8Array): { oid: string; params: Tlv[] } | undefined {
  const seq = readSingle(der, Tag.SEQUENCE);
  if (!seq.ok) return undefined;
  const children = readChildren(seq.value.value);
  if (!children.ok || children.value.length < 1 || children.value.length > 2) return undefined;
  const [oidTlv, ...params] = children.value;
  if (oidTlv!.tag !== Tag.OID) return undefined;
  const oid = decodeOid(oidTlv!.value);
  return oid.ok ? { oid: oid.value, params } : undefined;
}

/** A hash AlgorithmIdentifier inside PSS parameters: OID with absent or NULL parameters (RFC 4055 §2.1). */
function parseHash(der: Uint8Array): SignatureHash | undefined {
  const a = splitAlgorithmIdentifier(der);
  return a && noParams(a.params) ? hashOf(HASH_OID, a.oid) : undefined;
}

/** Upper bound on a PSS salt we accept (RFC 8017 §9.1.1: emLen >= hLen + sLen + 2; 16384-bit keys). */
const MAX_SALT = 2048;

/** RFC 4055 §3.1 RSASSA-PSS-params, any field present or defaulted, in order, each at most once. */
function parsePssParams(params: readonly Tlv[]): SignatureScheme | undefined {
  if (params.length !== 1 || params[0]!.tag !== Tag.SEQUENCE) return undefined;
  const fields = readChildren(params[0]!.value);
  if (!fields.ok) return undefined;
  let hash: SignatureHash | undefined = 'sha1'; // DEFAULT sha1Identifier
  let mgfHash: SignatureHash | undefined = 'sha1'; // DEFAULT mgf1SHA1Identifier
  let saltLength = 20; // DEFAULT 20
  let last = -1;
  for (const f of fields.value) {
    const n = f.tag & 0x1f;
    if ((f.tag & 0xe0) !== 0xa0 || n > 3 || n <= last) return undefined; // [0]..[3] constructed, in order
    last = n;
    const inner = readSingle(f.value);
    if (!inner.ok) return undefined;
    if (n === 0) hash = parseHash(inner.value.der);
    else if (n === 1) {
      const mgf = splitAlgorithmIdentifier(inner.value.der);
      if (!mgf || mgf.oid !== ID_MGF1 || mgf.params.length !== 1) return undefined;
      mgfHash = parseHash(mgf.params[0]!.der);
    } else {
      if (inner.value.tag !== Tag.INTEGER) return undefined;
      const v = decodeSmallInteger(inner.value.value);
      if (!v.ok) return undefined;
      if (n === 2) saltLength = v.value;
      else if (v.value !== 1) return undefined; // trailerField: only trailerFieldBC (1)
    }
  }
  // Our schemes use MGF1 over the signature's hash (RFC 8017 §9.1 recommends it; RFC 7427 A.4).
  if (!hash || hash !== mgfHash || saltLength > MAX_SALT) return undefined;
  return { kind: 'rsa-pss', hash, saltLength };
}

/**
 * The scheme a DER AlgorithmIdentifier names, or undefined for anything unknown or malformed.
 * ECDSA schemes come back with the ASN.1 signature encoding (RFC 7427 §3, RFC 5280 §4.1.1.3).
 */
export function schemeForAlgorithmIdentifier(der: Uint8Array): SignatureScheme | undefined {
  const a = splitAlgorithmIdentifier(der);
  if (!a) return undefined;
  if (a.oid === ID_RSASSA_PSS) return parsePssParams(a.params);
  if (!noParams(a.params)) return undefined;
  if (a.oid === ID_ED25519) return { kind: 'ed25519' };
  if (a.oid === ID_ED448) return { kind: 'ed448' };
  const rsa = hashOf(RSA_PKCS1_OID, a.oid);
  if (rsa) return { kind: 'rsa-pkcs1', hash: rsa };
  const ecdsa = hashOf(ECDSA_OID, a.oid);
  if (ecdsa) return { kind: 'ecdsa', hash: ecdsa, encoding: 'der' };
  return undefined;
}
