/**
 * The node:crypto SignatureProvider: key import in every DER format, sign / verify of every scheme,
 * and peer input (keys, signatures) that never throws.
 */
import { createVerify, generateKeyPairSync, type KeyObject, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PrivateKey, SignatureScheme } from '../../../../ipsec/crypto/signature-types.js';
import { utf8 } from '../../../../ipsec/util/bytes.js';
import { nodeProvider } from '../../../../targets/native/crypto/node-provider.js';
import { nodeSignatures as sigs } from '../../../../targets/native/crypto/node-signature.js';

const der = (k: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1') =>
  new Uint8Array(k.export({ format: 'der', type } as never) as Buffer);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed25519 = generateKeyPairSync('ed25519');
const ed448 = generateKeyPairSync('ed448');

const imported = (k: { privateKey: KeyObject }, format: 'pkcs8' | 'pkcs1' | 'sec1' = 'pkcs8') => {
  const r = sigs.importPrivateKey(der(k.privateKey, format), format);
  if (!r.ok) throw r.error;
  return r.value;
};

const MESSAGE = utf8('IKE_SA_INIT message | Nr | prf(SK_pi, IDi)');

describe('node signatures: key import', () => {
  it('is the provider of nodeProvider and lacks nothing', () => {
    expect(nodeProvider.signatures).toBe(sigs);
    expect(sigs.lacks).toEqual([]);
  });

  it.each([
    ['rsa pkcs8', rsa, 'pkcs8', 'rsa', undefined, 2048],
    ['rsa pkcs1', rsa, 'pkcs1', 'rsa', undefined, 2048],
    ['rsa-pss key pkcs8', rsaPss, 'pkcs8', 'rsa', undefined, 2048],
    ['P-256 pkcs8', p256, 'pkcs8', 'ecdsa', 'P-256', 256],
    ['P-256 sec1', p256, 'sec1', 'ecdsa', 'P-256', 256],
    ['P-384 sec1', p384, 'sec1', 'ecdsa', 'P-384', 384],
    ['P-521 pkcs8', p521, 'pkcs8', 'ecdsa', 'P-521', 521],
    ['Ed25519 pkcs8', ed25519, 'pkcs8', 'ed25519', undefined, 256],
    ['Ed448 pkcs8', ed448, 'pkcs8', 'ed448', undefined, 456],
  ] as const)('%s', (_, pair, format, type, curve, bits) => {
    const key = imported(pair, format);
    expect(key.type).toBe(type);
    expect(key.curve).toBe(curve);
    expect(key.bits).toBe(bits);
    expect(key.publicKey.spki).toEqual(der(pair.publicKey, 'spki'));
    const pub = sigs.importPublicKey(der(pair.publicKey, 'spki'));
    expect(pub.ok && pub.value.type === type && pub.value.curve === curve && pub.value.bits === bits).toBe(
      true,
    );
  });

  it('rejects curves it does not do and malformed DER with an error, not a throw', () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const r = sigs.importPublicKey(der(k1.publicKey, 'spki'));
    expect(r.ok || r.error.code).toBe('UNSUPPORTED_TRANSFORM');
    const x25519 = generateKeyPairSync('x25519');
    expect(sigs.importPublicKey(der(x25519.publicKey, 'spki')).ok).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        expect(sigs.importPublicKey(junk).ok).toBe(false);
        expect(sigs.importPrivateKey(junk, 'pkcs8').ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

const SCHEMES: [string, { privateKey: KeyObject }, SignatureScheme, number | undefined][] = [
  ['rsa-pkcs1 sha1', rsa, { kind: 'rsa-pkcs1', hash: 'sha1' }, 256],
  ['rsa-pkcs1 sha256', rsa, { kind: 'rsa-pkcs1', hash: 'sha256' }, 256],
  ['rsa-pkcs1 sha512', rsa, { kind: 'rsa-pkcs1', hash: 'sha512' }, 256],
  ['rsa-pss sha256', rsa, { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, 256],
  ['rsa-pss sha384 (rsa-pss key)', rsaPss, { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, 256],
  ['ecdsa P-256 der', p256, { kind: 'ecdsa', hash: 'sha256', encoding: 'der' }, undefined],
  ['ecdsa P-256 r|s', p256, { kind: 'ecdsa', hash: 'sha256', encoding: 'ieee-p1363' }, 64],
  ['ecdsa P-384 r|s', p384, { kind: 'ecdsa', hash: 'sha384', encoding: 'ieee-p1363' }, 96],
  ['ecdsa P-521 r|s', p521, { kind: 'ecdsa', hash: 'sha512', encoding: 'ieee-p1363' }, 132],
  ['ecdsa P-384 sha256 der', p384, { kind: 'ecdsa', hash: 'sha256', encoding: 'der' }, undefined],
  ['ed25519', ed25519, { kind: 'ed25519' }, 64],
  ['ed448', ed448, { kind: 'ed448' }, 114],
];

describe('node signatures: sign and verify', () => {
  it.each(SCHEMES)('%s', (_, pair, scheme, length) => {
    const key: PrivateKey = imported(pair);
    const sig = sigs.sign(key, scheme, MESSAGE);
    if (length !== undefined) expect(sig.length).toBe(length);
    expect(sigs.verify(key.publicKey, scheme, MESSAGE, sig)).toBe(true);
    const tampered = sig.slice();
    tampered[tampered.length >> 1]! ^= 0x01;
    expect(sigs.verify(key.publicKey, scheme, MESSAGE, tampered)).toBe(false);
    expect(sigs.verify(key.publicKey, scheme, utf8('another message'), sig)).toBe(false);
  });

  it('makes signatures node:crypto itself checks (independent of the wrapper)', () => {
    const sig = sigs.sign(imported(p256), { kind: 'ecdsa', hash: 'sha256', encoding: 'der' }, MESSAGE);
    expect(nodeVerify('sha256', MESSAGE, p256.publicKey, sig)).toBe(true);
    const rsaSig = sigs.sign(imported(rsa), { kind: 'rsa-pkcs1', hash: 'sha1' }, MESSAGE);
    expect(createVerify('sha1').update(MESSAGE).verify(rsa.publicKey, rsaSig)).toBe(true);
  });

  it('a scheme of another key type: sign throws (programming error), verify is false', () => {
    const key = imported(p256);
    expect(() => sigs.sign(key, { kind: 'rsa-pkcs1', hash: 'sha256' }, MESSAGE)).toThrow(/UNSUPPORTED/);
    const sig = sigs.sign(key, { kind: 'ecdsa', hash: 'sha256', encoding: 'der' }, MESSAGE);
    expect(sigs.verify(key.publicKey, { kind: 'ed25519' }, MESSAGE, sig)).toBe(false);
    const rsaKey = imported(rsa);
    const pss = sigs.sign(rsaKey, { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, MESSAGE);
    expect(sigs.verify(rsaKey.publicKey, { kind: 'rsa-pkcs1', hash: 'sha256' }, MESSAGE, pss)).toBe(false);
    expect(
      sigs.verify(rsaKey.publicKey, { kind: 'rsa-pss', hash: 'sha256', saltLength: 20 }, MESSAGE, pss),
    ).toBe(false);
  });

  it('verify of random signatures never throws and never succeeds', () => {
    const keys = SCHEMES.map(([, pair, scheme]) => [imported(pair).publicKey, scheme] as const);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: keys.length - 1 }),
        fc.uint8Array({ maxLength: 600 }),
        (i, junk) => {
          const [key, scheme] = keys[i]!;
          expect(sigs.verify(key, scheme, MESSAGE, junk)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('verifies with a public key whose handle is not a KeyObject (another provider) from its SPKI', () => {
    const key = imported(ed25519);
    const sig = sigs.sign(key, { kind: 'ed25519' }, MESSAGE);
    const foreign = { ...key.publicKey, handle: { not: 'a KeyObject' } };
    expect(sigs.verify(foreign, { kind: 'ed25519' }, MESSAGE, sig)).toBe(true);
  });
});
