import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../ipsec/util/bytes.js';
import { parseCertificate } from '../../../ipsec/x509/certificate.js';
import { detectPrivateKeyFormat, privateKeyInfo, spkiFromRaw, spkiInfo } from '../../../ipsec/x509/keys.js';
import { generateKey } from '../../support/x509-builder.js';

const load = (f: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/pki/${f}`, import.meta.url)));
const spkiOf = (f: string) => {
  const c = parseCertificate(load(f));
  if (!c.ok) throw new Error(c.error.message);
  return c.value.spki;
};

describe('spkiInfo', () => {
  it('reads the pki certificates keys', () => {
    expect(spkiInfo(spkiOf('root.der'))).toMatchObject({ ok: true, value: { type: 'rsa', bits: 3072 } });
    expect(spkiInfo(spkiOf('inter.der'))).toMatchObject({
      ok: true,
      value: { type: 'ecdsa', curve: 'P-256', bits: 256 },
    });
    expect(spkiInfo(spkiOf('ee-p384.der'))).toMatchObject({
      ok: true,
      value: { type: 'ecdsa', curve: 'P-384', bits: 384 },
    });
    expect(spkiInfo(spkiOf('ee-ed25519.der'))).toMatchObject({
      ok: true,
      value: { type: 'ed25519', bits: 256 },
    });
  });
  it('reads generated keys of every type and rebuilds EC/Ed SPKI from raw keys', () => {
    const cases = [
      ['rsa', { type: 'rsa', bits: 2048 }],
      ['ecdsa-p521', { type: 'ecdsa', curve: 'P-521', bits: 521 }],
      ['ed448', { type: 'ed448', bits: 456 }],
    ] as const;
    for (const [t, want] of cases) {
      const k = generateKey(t);
      const info = spkiInfo(k.spki);
      if (!info.ok) throw new Error(info.error.message);
      expect(info.value).toMatchObject(want);
      expect(toHex(spkiFromRaw(info.value.type, info.value.curve, info.value.key))).toBe(toHex(k.spki));
    }
    const rsa = generateKey('rsa', 1024);
    const r = spkiInfo(rsa.spki);
    expect(r.ok && r.value.bits).toBe(1024);
    // RSAPublicKey DER as node exports it (pkcs1)
    expect(r.ok && toHex(r.value.key)).toBe(
      toHex(new Uint8Array(rsa.publicKey.export({ type: 'pkcs1', format: 'der' }))),
    );
  });
  it('rejects bad and unsupported keys', () => {
    const k = generateKey('ecdsa-p256');
    const info = spkiInfo(k.spki);
    expect(info.ok).toBe(true);
    const short = spkiFromRaw('ecdsa', 'P-256', Uint8Array.of(4, 1, 2));
    expect(spkiInfo(short)).toMatchObject({ ok: false, error: { code: 'BAD_KEY' } });
    expect(spkiInfo(spkiFromRaw('ed25519', undefined, new Uint8Array(31)))).toMatchObject({ ok: false });
    expect(spkiInfo(Uint8Array.of(0x30, 0))).toMatchObject({ ok: false });
  });
});

describe('private keys', () => {
  it('detects and reads the pki keys: PKCS#1, SEC1, PKCS#8', () => {
    const rsa = load('root.key.der');
    expect(detectPrivateKeyFormat(rsa)).toBe('pkcs1');
    const r = privateKeyInfo(rsa, 'pkcs1');
    expect(r).toMatchObject({ ok: true, value: { type: 'rsa', bits: 3072 } });
    const rsaSpki = spkiInfo(spkiOf('root.der'));
    expect(r.ok && rsaSpki.ok && toHex(r.value.publicKey!)).toBe(rsaSpki.ok && toHex(rsaSpki.value.key));

    const ec = load('ee-p384.key.der');
    expect(detectPrivateKeyFormat(ec)).toBe('sec1');
    const e = privateKeyInfo(ec, 'sec1');
    expect(e).toMatchObject({ ok: true, value: { type: 'ecdsa', curve: 'P-384', bits: 384 } });
    expect(e.ok && e.value.privateKey.length).toBe(48);
    const eeSpki = spkiInfo(spkiOf('ee-p384.der'));
    expect(e.ok && eeSpki.ok && toHex(e.value.publicKey!)).toBe(eeSpki.ok && toHex(eeSpki.value.key));

    const ed = load('ee-ed25519.key.der');
    expect(detectPrivateKeyFormat(ed)).toBe('pkcs8');
    const d = privateKeyInfo(ed, 'pkcs8');
    expect(d).toMatchObject({ ok: true, value: { type: 'ed25519', bits: 256 } });
    const jwk = createPrivateKey({ key: Buffer.from(ed), format: 'der', type: 'pkcs8' }).export({
      format: 'jwk',
    });
    expect(d.ok && Buffer.from(d.value.privateKey).toString('base64url')).toBe(jwk.d);
  });
  it('reads node PKCS#8 keys of every type', () => {
    for (const t of ['rsa', 'ecdsa-p256', 'ecdsa-p521', 'ed448'] as const) {
      const k = generateKey(t);
      expect(detectPrivateKeyFormat(k.pkcs8)).toBe('pkcs8');
      const info = privateKeyInfo(k.pkcs8, 'pkcs8');
      if (!info.ok) throw new Error(`${t}: ${info.error.message}`);
      const pub = spkiInfo(k.spki);
      if (info.value.publicKey && pub.ok) expect(toHex(info.value.publicKey)).toBe(toHex(pub.value.key));
      expect(info.value.type).toBe(pub.ok && pub.value.type);
    }
    const ec = generateKey('ecdsa-p256');
    const sec1 = new Uint8Array(ec.privateKey.export({ type: 'sec1', format: 'der' }));
    const s = privateKeyInfo(sec1, 'sec1');
    const jwk = ec.privateKey.export({ format: 'jwk' });
    expect(s.ok && Buffer.from(s.value.privateKey).toString('base64url')).toBe(jwk.d);
  });
  it('rejects garbage without throwing', () => {
    expect(detectPrivateKeyFormat(Uint8Array.of(1, 2, 3))).toBeUndefined();
    expect(privateKeyInfo(Uint8Array.of(0x30, 0), 'pkcs8').ok).toBe(false);
    expect(privateKeyInfo(load('ee-p384.key.der'), 'pkcs1').ok).toBe(false);
  });
});
