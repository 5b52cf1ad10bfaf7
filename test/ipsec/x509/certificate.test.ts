import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../ipsec/util/bytes.js';
import { isSelfIssued, parseCertificate } from '../../../ipsec/x509/certificate.js';
import { formatDn } from '../../../ipsec/x509/name.js';
import { ExtKeyUsageOid, KeyOid, SignatureOid } from '../../../ipsec/x509/oids.js';
import type { Certificate } from '../../../ipsec/x509/types.js';
import { buildCertificate, generateKey } from '../../support/x509-builder.js';

const FIX = new URL('../../fixtures/pki/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, FIX)));
const parse = (f: string): Certificate => {
  const r = parseCertificate(load(f));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const printed = readFileSync(new URL('pki-print.txt', FIX), 'utf8');

describe('parseCertificate on strongSwan pki certificates', () => {
  it('reads the RSA root', () => {
    const c = parse('root.der');
    expect(c.version).toBe(3);
    expect(formatDn(c.subject)).toBe('C=CH, O=strongSwan Test, CN=Test Root CA');
    expect(isSelfIssued(c)).toBe(true);
    expect(c.basicConstraints).toEqual({ ca: true });
    expect(c.keyUsage?.keyCertSign).toBe(true);
    expect(c.keyUsage?.cRLSign).toBe(true);
    expect(c.keyUsage?.digitalSignature).toBe(false);
    expect(c.publicKeyAlgorithm.oid).toBe(KeyOid.rsaEncryption);
    expect(c.signatureAlgorithm.oid).toBe(SignatureOid.sha256WithRSAEncryption);
    expect(toHex(c.subjectKeyId!)).toBe('ef13f9e88ac81b32b988e8b5427d7eeb34a4254a');
  });
  it('reads the ECDSA intermediate with pathLen and CRL URI', () => {
    const c = parse('inter.der');
    expect(isSelfIssued(c)).toBe(false);
    expect(formatDn(c.issuer)).toBe('C=CH, O=strongSwan Test, CN=Test Root CA');
    expect(c.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    expect(c.crlDistributionPoints).toEqual(['http://crl.example.org/root.crl']);
    expect(toHex(c.authorityKeyId!)).toBe('ef13f9e88ac81b32b988e8b5427d7eeb34a4254a');
    expect(toHex(c.serial)).toBe('38f750df5646652d');
    expect(c.signatureAlgorithm.oid).toBe(SignatureOid.sha256WithRSAEncryption);
  });
  it('reads the end entities: SANs, EKU, validity, no basicConstraints', () => {
    const ed = parse('ee-ed25519.der');
    expect(ed.subjectAltNames).toEqual([
      { type: 'dns', value: 'gw.example.org' },
      { type: 'ip', value: Uint8Array.of(10, 0, 0, 1) },
      { type: 'email', value: 'a@example.org' },
    ]);
    expect(ed.extendedKeyUsage).toEqual([ExtKeyUsageOid.serverAuth]);
    expect(ed.basicConstraints).toBeUndefined();
    expect(ed.publicKeyAlgorithm.oid).toBe(KeyOid['id-Ed25519']);
    expect(ed.publicKey.length).toBe(32);
    expect(ed.signatureAlgorithm.oid).toBe(SignatureOid['ecdsa-with-SHA256']);
    expect(ed.notAfter - ed.notBefore).toBe(730 * 86_400_000);
    const p384 = parse('ee-p384.der');
    expect(p384.subjectAltNames[1]).toEqual({
      type: 'ip',
      value: Uint8Array.from([0xfe, 0xc0, ...new Array(13).fill(0), 1]),
    });
    expect(p384.crlDistributionPoints).toEqual([]);
    expect(p384.unknownCritical).toEqual([]);
  });
  it('formatDn prints what pki --print prints', () => {
    for (const f of ['root.der', 'inter.der', 'ee-ed25519.der', 'ee-p384.der']) {
      const c = parse(f);
      expect(printed).toContain(`subject:  "${formatDn(c.subject)}"`);
      expect(printed).toContain(`issuer:   "${formatDn(c.issuer)}"`);
    }
    expect(formatDn(parse('ee-p384.der').subject)).toBe(
      'C=CH, O=strongSwan Test, CN=client.example.org, E=client@example.org',
    );
  });
  it('agrees with node:crypto X509Certificate, and the chain verifies', () => {
    const files = ['root.der', 'inter.der', 'ee-ed25519.der', 'ee-p384.der'];
    const x = Object.fromEntries(files.map((f) => [f, new X509Certificate(load(f))]));
    for (const f of files) {
      const c = parse(f);
      const n = x[f]!;
      expect(toHex(c.serial).toUpperCase()).toBe(n.serialNumber.toUpperCase());
      expect(c.notBefore).toBe(Date.parse(n.validFrom));
      expect(c.notAfter).toBe(Date.parse(n.validTo));
      expect(n.subject.split('\n').map((l) => l.split('=')[1])).toEqual(
        c.subject.rdns.map((r) => r[0]!.value),
      );
      expect(toHex(new Uint8Array(n.publicKey.export({ type: 'spki', format: 'der' })))).toBe(toHex(c.spki));
      expect(n.ca).toBe(c.basicConstraints?.ca === true);
    }
    expect(x['ee-ed25519.der']!.subjectAltName).toBe(
      'DNS:gw.example.org, IP Address:10.0.0.1, email:a@example.org',
    );
    expect(x['root.der']!.verify(x['root.der']!.publicKey)).toBe(true);
    expect(x['inter.der']!.verify(x['root.der']!.publicKey)).toBe(true);
    expect(x['ee-ed25519.der']!.verify(x['inter.der']!.publicKey)).toBe(true);
    expect(x['ee-p384.der']!.verify(x['inter.der']!.publicKey)).toBe(true);
  });
});

describe('parseCertificate strictness', () => {
  const der = load('ee-ed25519.der');
  it('rejects trailing garbage, truncation and a wrong outer tag', () => {
    expect(parseCertificate(Uint8Array.from([...der, 0])).ok).toBe(false);
    expect(parseCertificate(der.subarray(0, der.length - 1)).ok).toBe(false);
    const wrong = der.slice();
    wrong[0] = 0x31;
    const r = parseCertificate(wrong);
    expect(!r.ok && r.error.code).toBe('UNEXPECTED_TAG');
  });
  it('lists unknown critical extensions and rejects duplicates', () => {
    const key = generateKey('ecdsa-p256');
    const c = parseCertificate(
      buildCertificate({
        subject: 'CN=x',
        key,
        extraExtensions: [
          ['1.2.3.4', true, Uint8Array.of(5, 0)],
          ['1.2.3.5', false, Uint8Array.of(5, 0)],
        ],
      }),
    );
    expect(c.ok && c.value.unknownCritical).toEqual(['1.2.3.4']);
    const dup = parseCertificate(
      buildCertificate({
        subject: 'CN=x',
        key,
        extraExtensions: [
          ['1.2.3.4', false, Uint8Array.of(5, 0)],
          ['1.2.3.4', false, Uint8Array.of(5, 0)],
        ],
      }),
    );
    expect(!dup.ok && dup.error.code).toBe('DUPLICATE_EXTENSION');
  });
  it('parses v1 certificates and builder certificates with every extension', () => {
    const key = generateKey('ed25519');
    const v1 = parseCertificate(buildCertificate({ subject: 'C=CH, CN=v1', key, v1: true }));
    expect(v1.ok && v1.value.version).toBe(1);
    expect(v1.ok && v1.value.subjectAltNames).toEqual([]);
    const full = parseCertificate(
      buildCertificate({
        subject: 'CN=full',
        key,
        ca: true,
        pathLen: 3,
        keyUsage: ['digitalSignature', 'keyCertSign'],
        san: [{ uri: 'https://x' }, { dn: 'O=org, CN=dir' }],
        crlUris: ['http://a/1.crl', 'ldap://b'],
      }),
    );
    if (!full.ok) throw new Error(full.error.message);
    expect(full.value.basicConstraints).toEqual({ ca: true, pathLen: 3 });
    expect(full.value.keyUsage).toMatchObject({ digitalSignature: true, keyCertSign: true, cRLSign: false });
    expect(full.value.subjectAltNames[0]).toEqual({ type: 'uri', value: 'https://x' });
    const d = full.value.subjectAltNames[1]!;
    expect(d.type === 'dn' && formatDn(d.value)).toBe('O=org, CN=dir');
    expect(full.value.crlDistributionPoints).toEqual(['http://a/1.crl', 'ldap://b']);
  });
  it('never throws on random bytes or mutations of a real certificate', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        parseCertificate(b);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(der.length),
        (edits, cut) => {
          const m = der.slice();
          for (const [i, v] of edits) m[i] = v;
          const r = parseCertificate(m.subarray(0, cut === der.length ? der.length : Math.max(cut, 0)));
          if (r.ok) expect(r.value.der.length).toBeLessThanOrEqual(der.length);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
