import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../ipsec/util/bytes.js';
import { base64Decode, base64Encode, looksLikePem, pemBlocks, toPem } from '../../../ipsec/x509/pem.js';

const der = new Uint8Array(readFileSync(new URL('../../fixtures/pki/inter.der', import.meta.url)));

describe('PEM', () => {
  it('toPem writes what node:crypto reads, pemBlocks reads it back', () => {
    const pem = toPem('CERTIFICATE', der);
    expect(pem.split('\n').every((l) => l.length <= 64)).toBe(true);
    expect(new X509Certificate(pem).raw.equals(Buffer.from(der))).toBe(true);
    const blocks = pemBlocks(`junk before\n${pem}\r\n${toPem('X509 CRL', Uint8Array.of(1, 2, 3))}`);
    expect(blocks.map((b) => b.label)).toEqual(['CERTIFICATE', 'X509 CRL']);
    expect(toHex(blocks[0]!.der)).toBe(toHex(der));
    expect(blocks[0]!.encrypted).toBeUndefined();
  });
  it('reads CRLF files and flags RFC 1421 encrypted keys', () => {
    const crlf = toPem('CERTIFICATE', der).replace(/\n/g, '\r\n');
    expect(toHex(pemBlocks(crlf)[0]!.der)).toBe(toHex(der));
    const enc =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAEC\n-----END RSA PRIVATE KEY-----\n';
    expect(pemBlocks(enc)).toEqual([
      { label: 'RSA PRIVATE KEY', der: Uint8Array.of(0, 1, 2), encrypted: true },
    ]);
  });
  it('skips malformed blocks and mismatched END labels', () => {
    expect(pemBlocks('-----BEGIN A-----\n@@@@\n-----END A-----\n')).toEqual([]);
    expect(pemBlocks('-----BEGIN A-----\nAAEC\n-----END B-----\n')).toEqual([]);
  });
  it('base64 agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = base64Encode(b);
        expect(s).toBe(Buffer.from(b).toString('base64'));
        expect(toHex(base64Decode(s)!)).toBe(toHex(b));
      }),
    );
    expect(base64Decode('A')).toBeUndefined();
    expect(base64Decode('AA=')).toBeUndefined();
  });
  it('looksLikePem tells PEM from DER', () => {
    expect(looksLikePem(der)).toBe(false);
    expect(looksLikePem(utf8(toPem('CERTIFICATE', der)))).toBe(true);
    expect(looksLikePem(utf8('# comment\n-----BEGIN PRIVATE KEY-----\n'))).toBe(true);
    expect(looksLikePem(new Uint8Array())).toBe(false);
  });
});
