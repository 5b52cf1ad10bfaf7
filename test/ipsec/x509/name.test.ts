import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../ipsec/util/bytes.js';
import { parseCertificate } from '../../../ipsec/x509/certificate.js';
import { Tag } from '../../../ipsec/x509/der.js';
import { dnMatches, formatDn, nameEquals, parseDnText, parseNameDer } from '../../../ipsec/x509/name.js';
import type { Name } from '../../../ipsec/x509/types.js';

const dn = (s: string): Name => {
  const r = parseDnText(s);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('parseDnText (strongSwan syntax)', () => {
  it('parses keywords to OIDs, encodes as strongSwan does', () => {
    const n = dn('C=CH, O=strongSwan Project, CN=moon.strongswan.org, E=moon@strongswan.org');
    expect(n.rdns.map((r) => r.map((a) => [a.oid, a.value, a.tag]))).toEqual([
      [['2.5.4.6', 'CH', Tag.PrintableString]],
      [['2.5.4.10', 'strongSwan Project', Tag.PrintableString]],
      [['2.5.4.3', 'moon.strongswan.org', Tag.PrintableString]],
      [['1.2.840.113549.1.9.1', 'moon@strongswan.org', Tag.IA5String]],
    ]);
    expect(toHex(dn('C=CH, CN=x').der)).toBe('3019310b3009060355040613024348310a30080603550403130178');
    // Byte for byte what strongSwan's pki wrote for the same DN text.
    for (const f of ['root.der', 'ee-p384.der']) {
      const c = parseCertificate(
        new Uint8Array(readFileSync(new URL(`../../fixtures/pki/${f}`, import.meta.url))),
      );
      if (!c.ok) throw new Error(c.error.message);
      expect(toHex(dn(formatDn(c.value.subject)).der)).toBe(toHex(c.value.subject.der));
    }
    expect(dn('CN=Grüezi').rdns[0]![0]!.tag).toBe(Tag.UTF8String);
  });
  it('accepts the slash syntax, all keywords, dotted OIDs, quotes and escapes', () => {
    expect(formatDn(dn('/C=CH/O=org/CN=gw'))).toBe('C=CH, O=org, CN=gw');
    const all = dn(
      'C=CH, ST=ZH, L=Zurich, O=o, OU=u, CN=c, emailAddress=a@b, SN=1, serialNumber=2, DC=org, UID=u1, title=t, G=g, givenName=g2, S=s, surname=s2, dnQualifier=q, pseudonym=p, 1.2.3.4=x',
    );
    expect(all.rdns.map((r) => r[0]!.oid)).toEqual([
      '2.5.4.6',
      '2.5.4.8',
      '2.5.4.7',
      '2.5.4.10',
      '2.5.4.11',
      '2.5.4.3',
      '1.2.840.113549.1.9.1',
      '2.5.4.5',
      '2.5.4.5',
      '0.9.2342.19200300.100.1.25',
      '0.9.2342.19200300.100.1.1',
      '2.5.4.12',
      '2.5.4.42',
      '2.5.4.42',
      '2.5.4.4',
      '2.5.4.4',
      '2.5.4.46',
      '2.5.4.65',
      '1.2.3.4',
    ]);
    expect(formatDn(all)).toBe(
      'C=CH, ST=ZH, L=Zurich, O=o, OU=u, CN=c, E=a@b, SN=1, SN=2, DC=org, UID=u1, T=t, G=g, G=g2, S=s, S=s2, dnQualifier=q, pseudonym=p, 1.2.3.4=x',
    );
    expect(dn('O="Acme, Inc.", CN=x').rdns[0]![0]!.value).toBe('Acme, Inc.');
    expect(dn('O=Acme\\, Inc.,CN=x').rdns[0]![0]!.value).toBe('Acme, Inc.');
    expect(dn('  C = CH ,  CN = a b  ').rdns.map((r) => r[0]!.value)).toEqual(['CH', 'a b']);
    expect(dn('CN=a/b, O=c').rdns[0]![0]!.value).toBe('a/b');
  });
  it('rejects unknown keywords, OIDs X.690 cannot encode, missing values and empty text', () => {
    for (const bad of [
      '',
      'XX=1',
      'CN',
      'CN=',
      'CN="open',
      'CN="a"b',
      '10.9=x',
      '3.1=x',
      '1.40=x',
      '0.99.1=x',
    ])
      expect(parseDnText(bad).ok, bad).toBe(false);
  });
  it('round-trips through formatDn and DER', () => {
    const value = fc
      .stringMatching(/^[A-Za-z0-9 .,@\\"\-/éü]{1,12}$/)
      .filter((v) => v.trim() === v && v.length > 0);
    const key = fc.constantFrom('C', 'O', 'OU', 'CN', 'E', 'DC', 'L');
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 5 }), (attrs) => {
        const text = attrs
          .map(([k, v]) => `${k}=${v.replace(/[\\,]/g, (c) => `\\${c}`).replace(/^"/, '\\"')}`)
          .join(', ');
        const n = dn(text);
        expect(n.rdns.map((r) => r[0]!.value)).toEqual(attrs.map(([, v]) => v));
        const again = dn(formatDn(n));
        expect(toHex(again.der)).toBe(toHex(n.der));
        const parsed = parseNameDer(n.der);
        expect(parsed.ok && formatDn(parsed.value)).toBe(formatDn(n));
      }),
    );
  });
});

describe('parseNameDer', () => {
  it('rejects malformed names without throwing', () => {
    expect(parseNameDer(Uint8Array.of(0x30, 0x02, 0x31, 0x00)).ok).toBe(false); // empty RDN
    expect(parseNameDer(Uint8Array.of(0x30, 0x02, 0x30, 0x00)).ok).toBe(false); // RDN not a SET
    expect(parseNameDer(Uint8Array.of(0x31, 0x00)).ok).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void parseNameDer(b)));
  });
  it('reads a multi-valued RDN', () => {
    // SET { CN=a, O=b }
    const der = Uint8Array.from([
      0x30, 0x14, 0x31, 0x12, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x01, 0x61, 0x30, 0x06, 0x06,
      0x03, 0x55, 0x04, 0x0a, 0x13, 0x01, 0x62,
    ]);
    const bad = parseNameDer(der);
    expect(bad.ok).toBe(false); // inner SEQUENCE length 6 truncates: strict
    const good = Uint8Array.from([
      0x30, 0x16, 0x31, 0x14, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x01, 0x61, 0x30, 0x08, 0x06,
      0x03, 0x55, 0x04, 0x0a, 0x13, 0x01, 0x62,
    ]);
    const n = parseNameDer(good);
    expect(n.ok && n.value.rdns[0]!.length).toBe(2);
    expect(n.ok && formatDn(n.value)).toBe('CN=a, O=b');
  });
});

describe('nameEquals and dnMatches', () => {
  it('compares case-insensitively, whitespace-collapsed, regardless of string type', () => {
    expect(nameEquals(dn('C=CH, CN=Moon  Gateway'), dn('c=ch, cn= moon gateway'))).toBe(true);
    const utf8 = dn('CN=Grüezi');
    const printable = dn('CN=gw');
    const utf8Gw = {
      ...printable,
      rdns: [[{ ...printable.rdns[0]![0]!, tag: Tag.UTF8String }]],
      der: new Uint8Array(),
    };
    expect(nameEquals(printable, utf8Gw)).toBe(true);
    expect(nameEquals(utf8, printable)).toBe(false);
    expect(nameEquals(dn('C=CH, CN=gw'), dn('CN=gw, C=CH'))).toBe(false);
    expect(nameEquals(dn('C=CH, CN=gw'), dn('C=CH, O=gw'))).toBe(false);
    expect(nameEquals(dn('C=CH'), dn('C=CH, CN=gw'))).toBe(false);
  });
  it('matches strongSwan wildcards', () => {
    expect(dnMatches(dn('C=CH, O=org, CN=*'), dn('C=CH, O=ORG, CN=anything'))).toBe(true);
    expect(dnMatches(dn('C=CH, O=*, CN=*'), dn('C=CH, O=x, CN=y'))).toBe(true);
    expect(dnMatches(dn('C=CH, O=org, CN=*'), dn('C=CH, O=other, CN=y'))).toBe(false);
    expect(dnMatches(dn('C=CH, O=org, CN=*'), dn('C=CH, O=org'))).toBe(false);
    expect(dnMatches(dn('C=CH, O=org, CN=*'), dn('C=CH, OU=org, CN=y'))).toBe(false);
    expect(dnMatches(dn('C=CH, CN=gw'), dn('C=CH, CN=GW'))).toBe(true);
    expect(dnMatches(dn('C=CH, CN=gw'), dn('C=CH, CN=*'))).toBe(false);
  });
});
