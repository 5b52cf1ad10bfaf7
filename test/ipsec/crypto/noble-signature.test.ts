/**
 * The portable SignatureProvider on @noble/curves: key import (PKCS#8, SEC1, SPKI), ECDSA in both
 * encodings with every hash on every curve, Ed25519 / Ed448 (RFC 8032 §7.1 vector), agreement with
 * node:crypto in both directions, RSA refused, and peer input that never throws.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { nobleSignatures as sigs } from '../../../ipsec/crypto/noble/signature.js';
import type { PrivateKey, SignatureHash, SignatureScheme } from '../../../ipsec/crypto/signature-types.js';
import { concatBytes, fromHex, utf8 } from '../../../ipsec/util/bytes.js';

const der = (k: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1') =>
  new Uint8Array(k.export({ format: 'der', type } as never) as Buffer);

const PAIRS = {
  'P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  'P-521': generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  ed25519: generateKeyPairSync('ed25519'),
  ed448: generateKeyPairSync('ed448'),
};
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const imported = (pair: { privateKey: KeyObject }, format: 'pkcs8' | 'sec1' = 'pkcs8'): PrivateKey => {
  const r = sigs.importPrivateKey(der(pair.privateKey, format), format);
  if (!r.ok) throw r.error;
  return r.value;
};

const MESSAGE = utf8('signed octets of IKE_AUTH');
const HASHES: SignatureHash[] = ['sha1', 'sha256', 'sha384', 'sha512'];

describe('noble signatures: keys', () => {
  it("is the full noble provider's, and lacks RSA", () => {
    expect(nobleProvider.signatures).toBe(sigs);
    expect(sigs.lacks).toEqual(['RSA']);
  });

  it.each([
    ['P-256', 'pkcs8', 'ecdsa', 'P-256', 256],
    ['P-256', 'sec1', 'ecdsa', 'P-256', 256],
    ['P-384', 'sec1', 'ecdsa', 'P-384', 384],
    ['P-521', 'pkcs8', 'ecdsa', 'P-521', 521],
    ['ed25519', 'pkcs8', 'ed25519', undefined, 256],
    ['ed448', 'pkcs8', 'ed448', undefined, 456],
  ] as const)('%s %s', (name, format, type, curve, bits) => {
    const pair = PAIRS[name];
    const key = imported(pair, format);
    expect([key.type, key.curve, key.bits]).toEqual([type, curve, bits]);
    // The SPKI derived from the secret is node's SPKI of the same key, octet for octet.
    expect(key.publicKey.spki).toEqual(der(pair.publicKey, 'spki'));
    const pub = sigs.importPublicKey(der(pair.publicKey, 'spki'));
    expect(pub.ok && [pub.value.type, pub.value.curve, pub.value.bits]).toEqual([type, curve, bits]);
  });

  it('refuses RSA keys: they need the node provider', () => {
    for (const r of [
      sigs.importPrivateKey(der(rsa.privateKey, 'pkcs8'), 'pkcs8'),
      sigs.importPrivateKey(der(rsa.privateKey, 'pkcs1'), 'pkcs1'),
      sigs.importPublicKey(der(rsa.publicKey, 'spki')),
    ]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('UNSUPPORTED_TRANSFORM');
        expect(r.error.message).toMatch(/RSA keys need the node provider/);
      }
    }
  });

  it('refuses a point off the curve and a private key whose public key is not its own', () => {
    const spki = der(PAIRS['P-256'].publicKey, 'spki');
    const bad = spki.slice();
    bad[bad.length - 1]! ^= 1; // y no longer on the curve
    const r = sigs.importPublicKey(bad);
    expect(r.ok || r.error.code).toBe('INVALID_PUBLIC_VALUE');
    const sec1 = der(PAIRS['P-256'].privateKey, 'sec1');
    const wrong = sec1.slice();
    wrong[10]! ^= 1; // the scalar changes, the carried public key does not
    expect(sigs.importPrivateKey(wrong, 'sec1').ok).toBe(false);
  });

  it('never throws on random or mutated keys', () => {
    const seeds = Object.values(PAIRS).flatMap((p) => [der(p.publicKey, 'spki'), der(p.privateKey, 'pkcs8')]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([s, i, x]) => {
            const m = s.slice();
            m[i % m.length]! ^= x;
            return m;
          }),
        ),
        (bytes) => {
          sigs.importPublicKey(bytes);
          sigs.importPrivateKey(bytes, 'pkcs8');
          sigs.importPrivateKey(bytes, 'sec1');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('noble signatures: ECDSA', () => {
  const curves = ['P-256', 'P-384', 'P-521'] as const;
  const cases = curves.flatMap((c) =>
    HASHES.flatMap((hash) =>
      (['der', 'ieee-p1363'] as const).map((encoding) => [c, hash, encoding] as const),
    ),
  );

  it.each(cases)('%s %s %s: round trip, and node agrees both ways', (curve, hash, encoding) => {
    const pair = PAIRS[curve];
    const key = imported(pair);
    const scheme: SignatureScheme = { kind: 'ecdsa', hash, encoding };
    const sig = sigs.sign(key, scheme, MESSAGE);
    expect(sigs.verify(key.publicKey, scheme, MESSAGE, sig)).toBe(true);
    expect(nodeVerify(hash, MESSAGE, { key: pair.publicKey, dsaEncoding: encoding }, sig)).toBe(true);
    const theirs = nodeSign(hash, MESSAGE, { key: pair.privateKey, dsaEncoding: encoding });
    expect(sigs.verify(key.publicKey, scheme, MESSAGE, theirs)).toBe(true);
    const other: SignatureScheme = {
      kind: 'ecdsa',
      hash,
      encoding: encoding === 'der' ? 'ieee-p1363' : 'der',
    };
    expect(sigs.verify(key.publicKey, other, MESSAGE, sig)).toBe(false);
    expect(sigs.verify(key.publicKey, scheme, utf8('other'), sig)).toBe(false);
  });

  it('accepts high-S signatures as OpenSSL makes them (both halves of s verify)', () => {
    const key = imported(PAIRS['P-256']);
    let sawHigh = false;
    for (let i = 0; i < 40; i++) {
      const msg = utf8(`message ${i}`);
      const theirs = new Uint8Array(
        nodeSign('sha256', msg, { key: PAIRS['P-256'].privateKey, dsaEncoding: 'ieee-p1363' }),
      );
      sawHigh ||= theirs[32]! >= 0x80;
      expect(
        sigs.verify(key.publicKey, { kind: 'ecdsa', hash: 'sha256', encoding: 'ieee-p1363' }, msg, theirs),
      ).toBe(true);
    }
    expect(sawHigh).toBe(true);
  });
});

describe('noble signatures: EdDSA', () => {
  it('RFC 8032 §7.1 TEST 1 (Ed25519, empty message)', () => {
    const secret = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    // RFC 8410 §7 OneAsymmetricKey: SEQUENCE { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING seed } }
    const pkcs8 = concatBytes(fromHex('302e020100300506032b657004220420'), secret);
    const key = sigs.importPrivateKey(pkcs8, 'pkcs8');
    if (!key.ok) throw key.error;
    expect(key.value.publicKey.spki.subarray(-32)).toEqual(
      fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
    );
    const sig = sigs.sign(key.value, { kind: 'ed25519' }, new Uint8Array(0));
    expect(sig).toEqual(
      fromHex(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      ),
    );
    expect(sigs.verify(key.value.publicKey, { kind: 'ed25519' }, new Uint8Array(0), sig)).toBe(true);
  });

  it.each(['ed25519', 'ed448'] as const)('%s: round trip and node agrees both ways', (name) => {
    const pair = PAIRS[name];
    const key = imported(pair);
    const scheme: SignatureScheme = { kind: name };
    const sig = sigs.sign(key, scheme, MESSAGE);
    expect(sig.length).toBe(name === 'ed25519' ? 64 : 114);
    expect(nodeVerify(null, MESSAGE, pair.publicKey, sig)).toBe(true);
    // EdDSA is deterministic (RFC 8032 §5.1.6): node's signature is the same octets.
    expect(new Uint8Array(nodeSign(null, MESSAGE, pair.privateKey))).toEqual(sig);
    const tampered = sig.slice();
    tampered[5]! ^= 1;
    expect(sigs.verify(key.publicKey, scheme, MESSAGE, tampered)).toBe(false);
  });
});

describe('noble signatures: misuse and peer input', () => {
  it('a scheme of another key type: sign throws (programming error), verify is false', () => {
    const key = imported(PAIRS['P-256']);
    expect(() => sigs.sign(key, { kind: 'ed25519' }, MESSAGE)).toThrow(/UNSUPPORTED_TRANSFORM/);
    expect(() => sigs.sign(key, { kind: 'rsa-pkcs1', hash: 'sha256' }, MESSAGE)).toThrow(
      /UNSUPPORTED_TRANSFORM/,
    );
    const sig = sigs.sign(key, { kind: 'ecdsa', hash: 'sha256', encoding: 'der' }, MESSAGE);
    expect(sigs.verify(key.publicKey, { kind: 'rsa-pkcs1', hash: 'sha256' }, MESSAGE, sig)).toBe(false);
  });

  it('verifies with a public key of another provider (re-read from its SPKI)', () => {
    const key = imported(PAIRS.ed448);
    const sig = sigs.sign(key, { kind: 'ed448' }, MESSAGE);
    const foreign = {
      ...key.publicKey,
      handle: createPublicKey({ key: Buffer.from(key.publicKey.spki), format: 'der', type: 'spki' }),
    };
    expect(sigs.verify(foreign, { kind: 'ed448' }, MESSAGE, sig)).toBe(true);
  });

  it('random signatures never throw and never verify', () => {
    const keys = Object.entries(PAIRS).map(([name, pair]) => {
      const k = imported(pair);
      const scheme: SignatureScheme =
        name === 'ed25519' || name === 'ed448'
          ? { kind: name }
          : { kind: 'ecdsa', hash: 'sha256', encoding: name === 'P-384' ? 'der' : 'ieee-p1363' };
      return [k.publicKey, scheme] as const;
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: keys.length - 1 }),
        fc.uint8Array({ maxLength: 200 }),
        (i, junk) => {
          const [key, scheme] = keys[i]!;
          expect(sigs.verify(key, scheme, MESSAGE, junk)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
