import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../ipsec/util/bytes.js';
import { parseCrl } from '../../../ipsec/x509/crl.js';
import { derOctetString } from '../../../ipsec/x509/der-write.js';
import { formatDn } from '../../../ipsec/x509/name.js';
import { SignatureOid } from '../../../ipsec/x509/oids.js';
import { buildCrl, DAY, generateKey, keyId, T0 } from '../../support/x509-builder.js';

const der = new Uint8Array(readFileSync(new URL('../../fixtures/pki/inter.crl.der', import.meta.url)));

describe('parseCrl', () => {
  it('reads the strongSwan pki CRL', () => {
    const r = parseCrl(der);
    if (!r.ok) throw new Error(r.error.message);
    const c = r.value;
    expect(formatDn(c.issuer)).toBe('C=CH, O=strongSwan Test, OU=Intermediate, CN=Test Intermediate CA');
    expect(c.revoked).toHaveLength(1);
    expect(toHex(c.revoked[0]!.serial)).toBe('47ce27e4d1563c26');
    expect(c.revoked[0]!.reason).toBe(1); // keyCompromise
    expect(c.nextUpdate! - c.thisUpdate).toBe(30 * DAY);
    expect(toHex(c.authorityKeyId!)).toBe('69256fa2181b18a3f55029bc4942002da738ca4a');
    expect(toHex(c.crlNumber!)).toBe('01');
    expect(c.signatureAlgorithm.oid).toBe(SignatureOid['ecdsa-with-SHA256']);
    expect(toHex(c.der)).toBe(toHex(der));
  });
  it('reads builder CRLs: no entries, no nextUpdate', () => {
    const key = generateKey('ed25519');
    const r = parseCrl(buildCrl({ issuer: { name: 'CN=ca', key }, nextUpdate: null, crlNumber: 300 }));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.revoked).toEqual([]);
    expect(r.value.nextUpdate).toBeUndefined();
    expect(r.value.thisUpdate).toBe(T0 - DAY);
    expect(toHex(r.value.crlNumber!)).toBe('012c');
    expect(r.value.authorityKeyId).toBeUndefined();
    const withKid = parseCrl(
      buildCrl({ issuer: { name: 'CN=ca', key, keyId: keyId(key.spki) }, revoked: [{ serial: 255n }] }),
    );
    expect(withKid.ok && toHex(withKid.value.revoked[0]!.serial)).toBe('00ff');
    expect(withKid.ok && withKid.value.revoked[0]!.reason).toBeUndefined();
  });
  it('is strict and never throws', () => {
    expect(parseCrl(Uint8Array.from([...der, 0])).ok).toBe(false);
    expect(parseCrl(derOctetString(der)).ok).toBe(false);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (edits) => {
          const m = der.slice();
          for (const [i, v] of edits) m[i] = v;
          parseCrl(m);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
