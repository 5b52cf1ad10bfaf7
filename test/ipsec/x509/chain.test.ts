import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../ipsec/x509/certificate.js';
import { type ChainError, type Signed, verifyChain } from '../../../ipsec/x509/chain.js';
import { parseCrl } from '../../../ipsec/x509/crl.js';
import { formatDn } from '../../../ipsec/x509/name.js';
import { SignatureOid } from '../../../ipsec/x509/oids.js';
import type { Certificate, Crl } from '../../../ipsec/x509/types.js';
import {
  buildCertificate,
  buildCrl,
  type CertOptions,
  DAY,
  generateKey,
  type Issuer,
  keyId,
  T0,
} from '../../support/x509-builder.js';

/** The verify callback: node:crypto with the issuer's SPKI, signature OID mapped by hand. */
function verify(issuer: Certificate, s: Signed): boolean {
  const key = createPublicKey({ key: Buffer.from(issuer.spki), format: 'der', type: 'spki' });
  const hash: Record<string, string | null> = {
    [SignatureOid.sha256WithRSAEncryption]: 'sha256',
    [SignatureOid.sha384WithRSAEncryption]: 'sha384',
    [SignatureOid.sha512WithRSAEncryption]: 'sha512',
    [SignatureOid['ecdsa-with-SHA256']]: 'sha256',
    [SignatureOid['ecdsa-with-SHA384']]: 'sha384',
    [SignatureOid['ecdsa-with-SHA512']]: 'sha512',
    [SignatureOid['id-Ed25519']]: null,
    [SignatureOid['id-Ed448']]: null,
  };
  if (!(s.algorithm.oid in hash)) return false;
  try {
    return nodeVerify(hash[s.algorithm.oid]!, s.tbs, key, s.signature);
  } catch {
    return false;
  }
}

const cert = (der: Uint8Array): Certificate => {
  const r = parseCertificate(der);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const crl = (der: Uint8Array): Crl => {
  const r = parseCrl(der);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const rootKey = generateKey('rsa');
const interKey = generateKey('ecdsa-p256');
const eeKey = generateKey('ed25519');
const ROOT = 'C=CH, O=test, CN=Root';
const INTER = 'C=CH, O=test, CN=Inter';
const EE = 'C=CH, O=test, CN=gw.example.org';
const rootIssuer: Issuer = { name: ROOT, key: rootKey, keyId: keyId(rootKey.spki) };
const interIssuer: Issuer = { name: INTER, key: interKey, keyId: keyId(interKey.spki) };

const root = cert(
  buildCertificate({
    subject: ROOT,
    key: rootKey,
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    signatureHash: 'sha384',
  }),
);
const interOpts: CertOptions = {
  subject: INTER,
  key: interKey,
  issuer: rootIssuer,
  ca: true,
  pathLen: 0,
  serial: 2,
  signatureHash: 'sha512',
};
const inter = cert(buildCertificate(interOpts));
const eeOpts: CertOptions = {
  subject: EE,
  key: eeKey,
  issuer: interIssuer,
  serial: 3,
  keyUsage: ['digitalSignature'],
};
const ee = cert(buildCertificate(eeOpts));
const NOW = T0;

type Input = Parameters<typeof verifyChain>[0];
const run = (over: Partial<Input> = {}) =>
  verifyChain({
    end: ee,
    candidates: [inter],
    anchors: [root],
    crls: [],
    now: NOW,
    revocation: 'relaxed',
    verify,
    ...over,
  });
const code = (over: Partial<Input> = {}): ChainError['code'] | 'ok' => {
  const r = run(over);
  return r.ok ? 'ok' : r.error.code;
};

describe('verifyChain', () => {
  it('builds end..anchor through an intermediate (RSA sha384/sha512, ECDSA, Ed25519 signatures)', () => {
    const r = run();
    expect(r.ok && r.value.map((c) => formatDn(c.subject))).toEqual([EE, INTER, ROOT]);
  });
  it('accepts a pinned intermediate or a pinned end entity as anchor', () => {
    expect(code({ anchors: [inter], candidates: [] })).toBe('ok');
    const r = run({ anchors: [ee], candidates: [] });
    expect(r.ok && r.value).toEqual([ee]);
  });
  it('UNTRUSTED without a path to an anchor', () => {
    expect(code({ candidates: [] })).toBe('UNTRUSTED');
    const other = generateKey('ecdsa-p256');
    const otherRoot = cert(buildCertificate({ subject: 'CN=Other', key: other, ca: true }));
    const r = run({ anchors: [otherRoot] });
    expect(!r.ok && r.error.message).toContain('C=CH, O=test, CN=Root');
  });
  it('BAD_SIGNATURE when the issuer key does not verify', () => {
    const impostor = generateKey('ecdsa-p256');
    const forged = cert(
      buildCertificate({ ...eeOpts, issuer: { name: INTER, key: impostor, keyId: interIssuer.keyId } }),
    );
    const r = run({ end: forged });
    expect(!r.ok && r.error.code).toBe('BAD_SIGNATURE');
    expect(!r.ok && r.error.message).toContain(EE);
  });
  it('EXPIRED / NOT_YET_VALID for the end entity, an intermediate and the anchor', () => {
    expect(code({ now: T0 + 400 * DAY })).toBe('EXPIRED');
    expect(code({ now: T0 - 2 * DAY })).toBe('NOT_YET_VALID');
    const oldInter = cert(buildCertificate({ ...interOpts, notAfter: T0 - DAY / 2 }));
    const r = run({ candidates: [oldInter] });
    expect(!r.ok && r.error).toMatchObject({ code: 'EXPIRED' });
    expect(!r.ok && r.error.message).toContain(INTER);
    const oldRoot = cert(buildCertificate({ subject: ROOT, key: rootKey, ca: true, notAfter: T0 - DAY / 2 }));
    expect(code({ anchors: [oldRoot] })).toBe('EXPIRED');
  });
  it('NOT_A_CA when an issuer lacks basicConstraints cA', () => {
    const notCa = cert(buildCertificate({ ...interOpts, ca: undefined, pathLen: undefined }));
    expect(code({ candidates: [notCa] })).toBe('NOT_A_CA');
  });
  it('KEY_USAGE for an issuer without keyCertSign and an end entity without digitalSignature', () => {
    const noSign = cert(buildCertificate({ ...interOpts, keyUsage: ['cRLSign'] }));
    expect(code({ candidates: [noSign] })).toBe('KEY_USAGE');
    const enc = cert(buildCertificate({ ...eeOpts, keyUsage: ['keyEncipherment'] }));
    expect(code({ end: enc })).toBe('KEY_USAGE');
  });
  it('PATH_LENGTH when pathLenConstraint is exceeded', () => {
    const subKey = generateKey('ecdsa-p384');
    const sub = cert(buildCertificate({ subject: 'CN=Sub', key: subKey, issuer: interIssuer, ca: true }));
    const below = cert(
      buildCertificate({ ...eeOpts, issuer: { name: 'CN=Sub', key: subKey, keyId: keyId(subKey.spki) } }),
    );
    const r = run({ end: below, candidates: [inter, sub] });
    expect(!r.ok && r.error.code).toBe('PATH_LENGTH');
    expect(!r.ok && r.error.message).toContain(INTER);
    const loose = cert(buildCertificate({ ...interOpts, pathLen: 1 }));
    expect(code({ end: below, candidates: [loose, sub] })).toBe('ok');
  });
  it('UNKNOWN_CRITICAL for an unknown critical extension', () => {
    const odd = cert(
      buildCertificate({ ...eeOpts, extraExtensions: [['1.3.6.1.4.1.99999.1', true, Uint8Array.of(5, 0)]] }),
    );
    expect(code({ end: odd })).toBe('UNKNOWN_CRITICAL');
  });
  it('TOO_DEEP beyond maxDepth', () => {
    expect(code({ maxDepth: 2 })).toBe('TOO_DEEP');
    expect(code({ maxDepth: 3 })).toBe('ok');
  });
  it('stops at issuer loops', () => {
    const aKey = generateKey('ed25519');
    const bKey = generateKey('ed25519');
    const a = cert(
      buildCertificate({ subject: 'CN=A', key: aKey, issuer: { name: 'CN=B', key: bKey }, ca: true }),
    );
    const b = cert(
      buildCertificate({ subject: 'CN=B', key: bKey, issuer: { name: 'CN=A', key: aKey }, ca: true }),
    );
    const leaf = cert(
      buildCertificate({ subject: 'CN=leaf', key: eeKey, issuer: { name: 'CN=A', key: aKey } }),
    );
    expect(code({ end: leaf, candidates: [a, b] })).toBe('UNTRUSTED');
  });

  describe('revocation', () => {
    const interCrl = (o: Partial<Parameters<typeof buildCrl>[0]> = {}) =>
      crl(buildCrl({ issuer: interIssuer, ...o }));
    const rootCrl = crl(buildCrl({ issuer: rootIssuer }));
    it('REVOKED when the issuer CRL lists the serial, in every mode', () => {
      const revoking = interCrl({ revoked: [{ serial: 3, reason: 1 }] });
      for (const revocation of ['strict', 'ifuri', 'relaxed'] as const) {
        const r = run({ crls: [revoking, rootCrl], revocation });
        expect(!r.ok && r.error.code).toBe('REVOKED');
        expect(!r.ok && r.error.message).toContain(EE);
      }
      expect(code({ crls: [interCrl({ revoked: [{ serial: 4 }] }), rootCrl], revocation: 'strict' })).toBe(
        'ok',
      );
    });
    it('strict needs a current CRL for every non-anchor certificate', () => {
      expect(code({ revocation: 'strict' })).toBe('CRL_MISSING');
      expect(code({ revocation: 'strict', crls: [interCrl()] })).toBe('CRL_MISSING'); // inter has none from root
      expect(code({ revocation: 'strict', crls: [interCrl(), rootCrl] })).toBe('ok');
      const stale = interCrl({ thisUpdate: T0 - 40 * DAY, nextUpdate: T0 - DAY });
      expect(code({ revocation: 'strict', crls: [stale, rootCrl] })).toBe('CRL_MISSING');
      expect(code({ revocation: 'relaxed', crls: [stale] })).toBe('ok');
      const future = interCrl({ thisUpdate: T0 + DAY });
      expect(code({ revocation: 'strict', crls: [future, rootCrl] })).not.toBe('ok');
    });
    it('CRL_BAD when the only CRL does not verify', () => {
      const impostor = generateKey('ecdsa-p256');
      const forged = crl(buildCrl({ issuer: { ...interIssuer, key: impostor } }));
      expect(code({ revocation: 'strict', crls: [forged, rootCrl] })).toBe('CRL_BAD');
      // A forged CRL that lists the serial revokes nothing.
      const forgedRevoke = crl(
        buildCrl({ issuer: { ...interIssuer, key: impostor }, revoked: [{ serial: 3 }] }),
      );
      expect(code({ revocation: 'relaxed', crls: [forgedRevoke] })).toBe('ok');
    });
    it('ifuri needs a CRL only for certificates with cRLDistributionPoints', () => {
      expect(code({ revocation: 'ifuri' })).toBe('ok');
      const withUri = cert(buildCertificate({ ...eeOpts, crlUris: ['http://crl.example.org/inter.crl'] }));
      expect(code({ end: withUri, revocation: 'ifuri' })).toBe('CRL_MISSING');
      expect(code({ end: withUri, revocation: 'ifuri', crls: [interCrl()] })).toBe('ok');
    });
  });

  it('validates the strongSwan pki chain with its CRL', () => {
    const FIX = new URL('../../fixtures/pki/', import.meta.url);
    const load = (f: string) => new Uint8Array(readFileSync(new URL(f, FIX)));
    const [r, i, ed, p384] = ['root.der', 'inter.der', 'ee-ed25519.der', 'ee-p384.der'].map((f) =>
      cert(load(f)),
    ) as [Certificate, Certificate, Certificate, Certificate];
    const c = crl(load('inter.crl.der'));
    const now = Date.UTC(2026, 11, 20);
    const base: Input = {
      end: ed,
      candidates: [i],
      anchors: [r],
      crls: [c],
      now,
      revocation: 'relaxed',
      verify,
    };
    const ok = verifyChain(base);
    expect(ok.ok ? ok.value.length : ok.error).toBe(3);
    const revoked = verifyChain({ ...base, end: p384 });
    expect(!revoked.ok && revoked.error.code).toBe('REVOKED');
    // The intermediate has a CRL URI but there is no CRL from the root.
    const ifuri = verifyChain({ ...base, revocation: 'ifuri' });
    expect(!ifuri.ok && ifuri.error.code).toBe('CRL_MISSING');
    expect(!ifuri.ok && ifuri.error.message).toContain('CN=Test Intermediate CA');
  });
});
