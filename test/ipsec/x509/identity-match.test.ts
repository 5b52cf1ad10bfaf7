import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IdType, parseIdentity } from '../../../ipsec/ike/identity.js';
import { fromHex, utf8 } from '../../../ipsec/util/bytes.js';
import { parseCertificate } from '../../../ipsec/x509/certificate.js';
import { certificateMatchesIdentity } from '../../../ipsec/x509/identity-match.js';
import { parseDnText } from '../../../ipsec/x509/name.js';
import type { Certificate } from '../../../ipsec/x509/types.js';
import { buildCertificate, generateKey } from '../../support/x509-builder.js';

const load = (f: string): Certificate => {
  const c = parseCertificate(
    new Uint8Array(readFileSync(new URL(`../../fixtures/pki/${f}`, import.meta.url))),
  );
  if (!c.ok) throw new Error(c.error.message);
  return c.value;
};
const gw = load('ee-ed25519.der');
const client = load('ee-p384.der');
const dnId = (s: string) => {
  const n = parseDnText(s);
  if (!n.ok) throw new Error(n.error);
  return { type: IdType.ID_DER_ASN1_DN, data: n.value.der };
};

describe('certificateMatchesIdentity', () => {
  it('matches the subject DN regardless of case and spacing', () => {
    expect(certificateMatchesIdentity(gw, dnId('C=CH, O=strongSwan Test, CN=gw.example.org'))).toBe(true);
    expect(certificateMatchesIdentity(gw, dnId('c=ch,o=strongswan test,cn=GW.example.org'))).toBe(true);
    expect(certificateMatchesIdentity(gw, dnId('C=CH, O=strongSwan Test, CN=other'))).toBe(false);
    expect(certificateMatchesIdentity(gw, { type: IdType.ID_DER_ASN1_DN, data: Uint8Array.of(1) })).toBe(
      false,
    );
  });
  it('matches FQDN, RFC822 and IP identities against subjectAltName only', () => {
    expect(certificateMatchesIdentity(gw, { type: IdType.ID_FQDN, data: utf8('GW.example.org') })).toBe(true);
    expect(certificateMatchesIdentity(gw, { type: IdType.ID_FQDN, data: utf8('example.org') })).toBe(false);
    expect(certificateMatchesIdentity(gw, { type: IdType.ID_RFC822_ADDR, data: utf8('a@example.org') })).toBe(
      true,
    );
    expect(certificateMatchesIdentity(gw, { type: IdType.ID_FQDN, data: utf8('a@example.org') })).toBe(false);
    expect(
      certificateMatchesIdentity(gw, { type: IdType.ID_IPV4_ADDR, data: Uint8Array.of(10, 0, 0, 1) }),
    ).toBe(true);
    expect(
      certificateMatchesIdentity(gw, { type: IdType.ID_IPV4_ADDR, data: Uint8Array.of(10, 0, 0, 2) }),
    ).toBe(false);
    const v6 = parseIdentity('fec0::1');
    expect(v6.ok && v6.value && certificateMatchesIdentity(client, v6.value)).toBe(true);
    expect(v6.ok && v6.value && certificateMatchesIdentity(gw, v6.value)).toBe(false);
  });
  it('does not match the CN as an FQDN (strongSwan does not)', () => {
    const key = generateKey('ed25519');
    const c = parseCertificate(buildCertificate({ subject: 'CN=vpn.example.org', key }));
    expect(
      c.ok && certificateMatchesIdentity(c.value, { type: IdType.ID_FQDN, data: utf8('vpn.example.org') }),
    ).toBe(false);
  });
  it('matches KEY_ID against subjectKeyIdentifier', () => {
    const root = load('root.der');
    const kid = fromHex('ef13f9e88ac81b32b988e8b5427d7eeb34a4254a');
    expect(certificateMatchesIdentity(root, { type: IdType.ID_KEY_ID, data: kid })).toBe(true);
    expect(certificateMatchesIdentity(root, { type: IdType.ID_KEY_ID, data: fromHex('00') })).toBe(false);
    // pki --issue writes no subjectKeyIdentifier for end entities: nothing to match.
    expect(gw.subjectKeyId).toBeUndefined();
    expect(certificateMatchesIdentity(gw, { type: IdType.ID_KEY_ID, data: kid })).toBe(false);
  });
  it('matches a directoryName SAN', () => {
    const key = generateKey('ed25519');
    const c = parseCertificate(buildCertificate({ subject: 'CN=a', key, san: [{ dn: 'O=org, CN=alias' }] }));
    expect(c.ok && certificateMatchesIdentity(c.value, dnId('O=org, CN=alias'))).toBe(true);
  });
});
