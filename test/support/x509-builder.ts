/**
 * Test-only: real X.509 certificates and CRLs (RFC 5280) built with our DER writer and signed by
 * node:crypto, to drive the parser and path validation tests.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readChildren, readSingle, Tag } from '../../ipsec/x509/der.js';
import {
  derBitString,
  derBoolean,
  derContext,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derTime,
  derTlv,
} from '../../ipsec/x509/der-write.js';
import { parseDnText } from '../../ipsec/x509/name.js';
import { ExtensionOid, HashOid, SignatureOid } from '../../ipsec/x509/oids.js';

export type BuilderKeyType =
  | 'rsa'
  | 'rsa-pss'
  | 'ecdsa-p256'
  | 'ecdsa-p384'
  | 'ecdsa-p521'
  | 'ed25519'
  | 'ed448';

export interface TestKey {
  readonly type: BuilderKeyType;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Uint8Array;
  readonly pkcs8: Uint8Array;
}

export function generateKey(type: BuilderKeyType, bits = 2048): TestKey {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (type === 'rsa') pair = generateKeyPairSync('rsa', { modulusLength: bits });
  else if (type === 'rsa-pss') pair = generateKeyPairSync('rsa-pss', { modulusLength: bits });
  else if (type === 'ed25519') pair = generateKeyPairSync('ed25519');
  else if (type === 'ed448') pair = generateKeyPairSync('ed448');
  else
    pair = generateKeyPairSync('ec', {
      namedCurve: { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' }[type],
    });
  return {
    type,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    spki: new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })),
    pkcs8: new Uint8Array(pair.privateKey.export({ type: 'pkcs8', format: 'der' })),
  };
}

export type Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512';
const RSA_SIG: Record<Hash, string> = {
  sha1: SignatureOid.sha1WithRSAEncryption,
  sha256: SignatureOid.sha256WithRSAEncryption,
  sha384: SignatureOid.sha384WithRSAEncryption,
  sha512: SignatureOid.sha512WithRSAEncryption,
};
const EC_SIG: Record<Hash, string> = {
  sha1: SignatureOid['ecdsa-with-SHA1'],
  sha256: SignatureOid['ecdsa-with-SHA256'],
  sha384: SignatureOid['ecdsa-with-SHA384'],
  sha512: SignatureOid['ecdsa-with-SHA512'],
};

/** RFC 4055 §3.1 RSASSA-PSS-params with MGF1 over the same hash, salt = hash length. */
function pssParams(hash: Hash): Uint8Array {
  const h = derSequence(derOid(HashOid[hash]), derNull());
  const salt = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[hash];
  return derSequence(
    derContext(0, true, h),
    derContext(1, true, derSequence(derOid(HashOid['id-mgf1']), h)),
    derContext(2, true, derInteger(salt)),
  );
}

/** The AlgorithmIdentifier DER and a signer for `key`. */
export function signatureAlgorithm(
  key: TestKey,
  hash: Hash = 'sha256',
  pss = false,
): { alg: Uint8Array; sign: (d: Uint8Array) => Uint8Array } {
  const k = key.privateKey;
  if (key.type === 'ed25519' || key.type === 'ed448')
    return {
      alg: derSequence(derOid(key.type === 'ed25519' ? '1.3.101.112' : '1.3.101.113')),
      sign: (d) => new Uint8Array(sign(null, d, k)),
    };
  if (key.type.startsWith('ecdsa'))
    return { alg: derSequence(derOid(EC_SIG[hash])), sign: (d) => new Uint8Array(sign(hash, d, k)) };
  if (pss || key.type === 'rsa-pss')
    return {
      alg: derSequence(derOid(SignatureOid['id-RSASSA-PSS']), pssParams(hash)),
      sign: (d) =>
        new Uint8Array(
          sign(hash, d, {
            key: k,
            padding: 6 /* RSA_PKCS1_PSS_PADDING */,
            saltLength: { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[hash],
          }),
        ),
    };
  return {
    alg: derSequence(derOid(RSA_SIG[hash]), derNull()),
    sign: (d) => new Uint8Array(sign(hash, d, k)),
  };
}

export type SanInput =
  | { dns: string }
  | { email: string }
  | { ip: Uint8Array }
  | { uri: string }
  | { dn: string };

function generalName(g: SanInput): Uint8Array {
  const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  if ('dns' in g) return derContext(2, false, ascii(g.dns));
  if ('email' in g) return derContext(1, false, ascii(g.email));
  if ('ip' in g) return derContext(7, false, g.ip);
  if ('uri' in g) return derContext(6, false, ascii(g.uri));
  return derContext(4, true, dn(g.dn));
}

export function dn(text: string): Uint8Array {
  const n = parseDnText(text);
  if (!n.ok) throw new Error(n.error);
  return n.value.der;
}

const extension = (oid: string, critical: boolean, value: Uint8Array): Uint8Array =>
  derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));

const KEY_USAGE = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
];

function keyUsageBits(names: readonly string[]): Uint8Array {
  let v = 0;
  for (const n of names) {
    const i = KEY_USAGE.indexOf(n);
    if (i < 0) throw new Error(`unknown keyUsage ${n}`);
    v |= 0x80 >> i;
  }
  // DER named bit list (X.690 §11.2.2): trailing zero bits removed.
  if (v === 0) return derBitString(new Uint8Array(0));
  let unused = 0;
  while (!(v & (1 << unused))) unused++;
  return derBitString(Uint8Array.of(v), unused);
}

/** The subject key identifier we use: the first 20 octets of the SPKI's BIT STRING... simple and unique. */
export function keyId(spki: Uint8Array): Uint8Array {
  const seq = readSingle(spki, Tag.SEQUENCE);
  if (!seq.ok) throw new Error('bad spki');
  const kids = readChildren(seq.value.value);
  if (!kids.ok) throw new Error('bad spki');
  const bits = kids.value[1]!.value;
  return bits.slice(Math.max(1, bits.length - 20));
}

export interface Issuer {
  readonly name: string;
  readonly key: TestKey;
  /** Omit to leave out authorityKeyIdentifier. */
  readonly keyId?: Uint8Array;
}

export interface CertOptions {
  readonly subject: string;
  /** The subject's key (its public half goes into the certificate). */
  readonly key: TestKey;
  /** Defaults to self-signed by `key`. */
  readonly issuer?: Issuer;
  readonly serial?: number | bigint | Uint8Array;
  readonly notBefore?: number;
  readonly notAfter?: number;
  readonly ca?: boolean;
  readonly pathLen?: number;
  readonly keyUsage?: readonly string[];
  readonly extKeyUsage?: readonly string[];
  readonly san?: readonly SanInput[];
  readonly crlUris?: readonly string[];
  /** Extra extensions: [oid, critical, value DER]. */
  readonly extraExtensions?: readonly (readonly [string, boolean, Uint8Array])[];
  readonly signatureHash?: Hash;
  readonly rsaPss?: boolean;
  /** Leave out subjectKeyIdentifier / authorityKeyIdentifier. */
  readonly noKeyIds?: boolean;
  /** Version 1 (no extensions at all). */
  readonly v1?: boolean;
}

export const DAY = 86_400_000;
export const T0 = Date.UTC(2030, 0, 1);

export function buildCertificate(o: CertOptions): Uint8Array {
  const issuer: Issuer = o.issuer ?? { name: o.subject, key: o.key, keyId: keyId(o.key.spki) };
  const { alg, sign: signer } = signatureAlgorithm(issuer.key, o.signatureHash, o.rsaPss);
  const exts: Uint8Array[] = [];
  if (o.ca !== undefined || o.pathLen !== undefined)
    exts.push(
      extension(
        ExtensionOid.basicConstraints,
        true,
        derSequence(
          ...(o.ca ? [derBoolean(true)] : []),
          ...(o.pathLen !== undefined ? [derInteger(o.pathLen)] : []),
        ),
      ),
    );
  if (o.keyUsage) exts.push(extension(ExtensionOid.keyUsage, true, keyUsageBits(o.keyUsage)));
  if (o.extKeyUsage)
    exts.push(extension(ExtensionOid.extKeyUsage, false, derSequence(...o.extKeyUsage.map(derOid))));
  if (o.san?.length)
    exts.push(extension(ExtensionOid.subjectAltName, false, derSequence(...o.san.map(generalName))));
  if (!o.noKeyIds) {
    exts.push(extension(ExtensionOid.subjectKeyIdentifier, false, derOctetString(keyId(o.key.spki))));
    if (issuer.keyId)
      exts.push(
        extension(
          ExtensionOid.authorityKeyIdentifier,
          false,
          derSequence(derContext(0, false, issuer.keyId)),
        ),
      );
  }
  if (o.crlUris?.length)
    exts.push(
      extension(
        ExtensionOid.cRLDistributionPoints,
        false,
        derSequence(
          ...o.crlUris.map((u) =>
            derSequence(derContext(0, true, derContext(0, true, generalName({ uri: u })))),
          ),
        ),
      ),
    );
  for (const [oid, critical, value] of o.extraExtensions ?? []) exts.push(extension(oid, critical, value));
  const notBefore = o.notBefore ?? T0 - DAY;
  const notAfter = o.notAfter ?? T0 + 365 * DAY;
  const tbs = derSequence(
    ...(o.v1 ? [] : [derContext(0, true, derInteger(2))]),
    derInteger(o.serial ?? BigInt(Math.floor(Math.random() * 2 ** 48)) + 1n),
    alg,
    dn(issuer.name),
    derSequence(derTime(notBefore), derTime(notAfter)),
    dn(o.subject),
    o.key.spki,
    ...(o.v1 || exts.length === 0 ? [] : [derContext(3, true, derSequence(...exts))]),
  );
  return derSequence(tbs, alg, derBitString(signer(tbs)));
}

export interface CrlOptions {
  readonly issuer: Issuer;
  readonly revoked?: readonly { serial: number | bigint | Uint8Array; reason?: number; date?: number }[];
  readonly thisUpdate?: number;
  /** null: no nextUpdate. */
  readonly nextUpdate?: number | null;
  readonly crlNumber?: number;
  readonly signatureHash?: Hash;
}

export function buildCrl(o: CrlOptions): Uint8Array {
  const { alg, sign: signer } = signatureAlgorithm(o.issuer.key, o.signatureHash);
  const thisUpdate = o.thisUpdate ?? T0 - DAY;
  const nextUpdate = o.nextUpdate === undefined ? T0 + 30 * DAY : o.nextUpdate;
  const entries = (o.revoked ?? []).map((r) =>
    derSequence(
      derInteger(r.serial),
      derTime(r.date ?? thisUpdate),
      ...(r.reason === undefined
        ? []
        : [derSequence(extension(ExtensionOid.reasonCode, false, derTlv(0x0a, Uint8Array.of(r.reason))))]),
    ),
  );
  const exts: Uint8Array[] = [extension(ExtensionOid.cRLNumber, false, derInteger(o.crlNumber ?? 1))];
  if (o.issuer.keyId)
    exts.push(
      extension(
        ExtensionOid.authorityKeyIdentifier,
        false,
        derSequence(derContext(0, false, o.issuer.keyId)),
      ),
    );
  const tbs = derSequence(
    derInteger(1),
    alg,
    dn(o.issuer.name),
    derTime(thisUpdate),
    ...(nextUpdate === null ? [] : [derTime(nextUpdate)]),
    ...(entries.length ? [derSequence(...entries)] : []),
    derContext(0, true, derSequence(...exts)),
  );
  return derSequence(tbs, alg, derBitString(signer(tbs)));
}
