/**
 * Cross-test: the node:crypto provider against the portable noble provider, transform by
 * transform, on random keys, IVs, AAD and messages (fast-check). The two share no code but
 * the descriptors, so byte-for-byte agreement checks both against each other; the published
 * vectors in test/ipsec/crypto/ pin both to the RFCs.
 */

import { p256, p384, p521 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../../ipsec/crypto/errors.js';
import { KeId } from '../../../../ipsec/crypto/ids.js';
import { bigIntToBytes, MODP_GROUPS } from '../../../../ipsec/crypto/modp-groups.js';
import { nobleProvider as noble } from '../../../../ipsec/crypto/noble/index.js';
import { p192Point } from '../../../../ipsec/crypto/noble/p192.js';
import { seededRandom } from '../../../../ipsec/crypto/random.js';
import {
  ENCR_TRANSFORMS,
  INTEG_TRANSFORMS,
  KE_TRANSFORMS,
  PRF_TRANSFORMS,
} from '../../../../ipsec/crypto/transforms.js';
import type { EncrTransform, HashName, KeTransform } from '../../../../ipsec/crypto/types.js';
import { fromHex } from '../../../../ipsec/util/bytes.js';
import { nodeProvider as node } from '../../../../targets/native/crypto/node-provider.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const exactly = (n: number) => bytes(n, n);
const label = (t: { name: string; keyBits?: number }) => (t.keyBits ? `${t.name} ${t.keyBits}` : t.name);

/** Plaintexts a cipher accepts: whole blocks for CBC (the caller pads), any length otherwise. */
const plaintexts = (t: EncrTransform) =>
  t.blockSize > 1 ? fc.integer({ min: 0, max: 40 }).chain((n) => exactly(n * t.blockSize)) : bytes(0, 600);

describe('ENCR: node and noble agree byte for byte', () => {
  it.each(ENCR_TRANSFORMS.map((t) => [label(t), t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(
        exactly(t.keyLength),
        exactly(t.ivLength),
        plaintexts(t),
        bytes(0, 40),
        (key, iv, pt, aad) => {
          const a = node.cipher(t, key);
          const b = noble.cipher(t, key);
          const sealed = a.encrypt(iv, pt, aad);
          expect(sealed).toEqual(b.encrypt(iv, pt, aad));
          expect(sealed.length).toBe(pt.length + t.icvLength);
          expect(b.decrypt(iv, sealed, aad)).toEqual(pt);
          expect(a.decrypt(iv, sealed, aad)).toEqual(pt);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('AEAD: tampering fails on both providers', () => {
  const aeads = ENCR_TRANSFORMS.filter((t) => t.aead);
  it.each(aeads.map((t) => [label(t), t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(
        exactly(t.keyLength),
        exactly(t.ivLength),
        bytes(0, 200),
        bytes(0, 40),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom('ciphertext', 'aad', 'iv', 'truncate'),
        (key, iv, pt, aad, where, bit, part) => {
          const sealed = node.cipher(t, key).encrypt(iv, pt, aad);
          const c = sealed.slice();
          const a = aad.slice();
          const v = iv.slice();
          if (part === 'ciphertext') c[where % c.length]! ^= 1 << bit;
          else if (part === 'iv') v[where % v.length]! ^= 1 << bit;
          else if (part === 'aad') {
            if (a.length === 0) return; // nothing to flip; covered by the other parts
            a[where % a.length]! ^= 1 << bit;
          }
          const input = part === 'truncate' ? c.subarray(0, where % c.length) : c;
          for (const p of [node, noble]) expect(p.cipher(t, key).decrypt(v, input, a)).toBeUndefined();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a ciphertext shorter than the ICV is refused without throwing', () => {
    for (const t of aeads)
      for (const p of [node, noble]) {
        const c = p.cipher(t, new Uint8Array(t.keyLength));
        expect(c.decrypt(new Uint8Array(t.ivLength), new Uint8Array(t.icvLength - 1))).toBeUndefined();
      }
  });
});

describe('ENCR: programming errors throw the same CryptoError on both', () => {
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return e instanceof CryptoError ? e.code : `not a CryptoError: ${String(e)}`;
    }
  };
  it.each(ENCR_TRANSFORMS.map((t) => [label(t), t] as const))('%s', (_, t) => {
    for (const p of [node, noble]) {
      expect(codeOf(() => p.cipher(t, new Uint8Array(t.keyLength + 1)))).toBe('INVALID_KEY_LENGTH');
      const c = p.cipher(t, new Uint8Array(t.keyLength));
      const block = new Uint8Array(t.blockSize);
      expect(codeOf(() => c.encrypt(new Uint8Array(t.ivLength + 1), block))).toBe('INVALID_IV_LENGTH');
      if (t.blockSize > 1) {
        expect(codeOf(() => c.encrypt(new Uint8Array(t.ivLength), new Uint8Array(t.blockSize + 1)))).toBe(
          'INVALID_INPUT',
        );
        // A ragged ciphertext comes from the peer: refused, not thrown.
        expect(c.decrypt(new Uint8Array(t.ivLength), new Uint8Array(t.blockSize + 1))).toBeUndefined();
      }
    }
  });
});

describe('INTEG: node and noble compute and verify the same ICV', () => {
  it.each(INTEG_TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(exactly(t.keyLength), bytes(0, 600), fc.nat(), (key, data, where) => {
        const a = node.mac(t, key);
        const b = noble.mac(t, key);
        const icv = a.compute(data);
        expect(icv.length).toBe(t.icvLength);
        expect(icv).toEqual(b.compute(data));
        expect(b.verify(data, icv)).toBe(true);
        expect(a.verify(data, b.compute(data))).toBe(true);
        // Tampered ICV, tampered data, truncated ICV: refused by both.
        const badIcv = icv.slice();
        badIcv[where % badIcv.length]! ^= 0x80;
        for (const m of [a, b]) {
          expect(m.verify(data, badIcv)).toBe(false);
          expect(m.verify(data, icv.subarray(0, icv.length - 1))).toBe(false);
          if (data.length > 0) {
            const badData = data.slice();
            badData[where % data.length]! ^= 1;
            expect(m.verify(badData, icv)).toBe(false);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('INTEG: a long-lived node Mac stays right message after message', () => {
  // node-aes-mac.ts keeps one CBC cipher per key and carries its chaining value (the last
  // tag) into the next message; sizes cross its copy/stream threshold of 2048 bytes.
  it.each(INTEG_TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(
        exactly(t.keyLength),
        fc.array(fc.oneof(bytes(0, 70), bytes(2000, 2100), bytes(4000, 5000)), {
          minLength: 1,
          maxLength: 12,
        }),
        (key, messages) => {
          const a = node.mac(t, key);
          const b = noble.mac(t, key);
          for (const m of messages) {
            const icv = b.compute(m);
            expect(a.compute(m)).toEqual(icv);
            expect(a.verify(m, icv)).toBe(true);
            expect(a.verify(m, new Uint8Array(t.icvLength))).toBe(false);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('PRF: node and noble agree for keys of any length', () => {
  it.each(PRF_TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_, t) => {
    const a = node.prf(t);
    const b = noble.prf(t);
    // Around the preferred length (16 for XCBC/CMAC: shorter is padded, longer is hashed).
    fc.assert(
      fc.property(bytes(0, 2 * t.keyLength + 20), bytes(0, 300), (key, data) => {
        const out = a.compute(key, data);
        expect(out.length).toBe(t.outputLength);
        expect(out).toEqual(b.compute(key, data));
      }),
      { numRuns: 80 },
    );
    for (const n of [0, 1, 15, 16, 17, 32, 64, 65, 129]) {
      const key = new Uint8Array(n).map((_, i) => i * 7 + 1);
      expect(a.compute(key, key)).toEqual(b.compute(key, key));
    }
  });
});

describe('hash: node and noble agree', () => {
  it.each(['sha1', 'sha256', 'sha384', 'sha512'] as const)('%s', (name: HashName) => {
    fc.assert(
      fc.property(bytes(0, 400), (data) => {
        expect(node.hash(name, data)).toEqual(noble.hash(name, data));
      }),
      { numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Key exchange

/** Orders n of the ECP base points, from noble (the node provider has its own table). */
const ECP_ORDER: Record<number, bigint> = {
  [KeId.ECP_256]: p256.Point.Fn.ORDER,
  [KeId.ECP_384]: p384.Point.Fn.ORDER,
  [KeId.ECP_521]: p521.Point.Fn.ORDER,
  [KeId.ECP_192]: p192Point.Fn.ORDER,
};
const ECP_LENGTH: Record<number, number> = {
  [KeId.ECP_256]: 32,
  [KeId.ECP_384]: 48,
  [KeId.ECP_521]: 66,
  [KeId.ECP_192]: 24,
};

/** Private values both providers accept for `t`. */
function privateKeys(t: KeTransform): fc.Arbitrary<Uint8Array> {
  if (t.kind === 'montgomery') return exactly(t.publicLength);
  if (t.kind === 'ecp') {
    const n = ECP_ORDER[t.id]!;
    return fc
      .oneof(fc.bigInt({ min: 1n, max: n - 1n }), fc.constantFrom(1n, 2n, n - 2n, n - 1n))
      .map((d) => bigIntToBytes(d, ECP_LENGTH[t.id]!));
  }
  const group = MODP_GROUPS.find((g) => g.id === t.id)!;
  const length = Math.ceil(group.exponentBits / 8);
  return fc
    .bigInt({ min: 2n, max: (1n << BigInt(group.exponentBits)) - 1n })
    .map((x) => bigIntToBytes(x, length));
}

/** A fixed private value of `t` made of one repeated byte (below n for P-521 too). */
function ownKey(t: KeTransform, byte: number): Uint8Array {
  const length = t.kind === 'ecp' ? ECP_LENGTH[t.id]! : t.kind === 'modp' ? 40 : t.publicLength;
  const key = new Uint8Array(length).fill(byte);
  key[0] = 0x01; // P-521: n starts 0x01ff
  return key;
}

/** MODP costs milliseconds per exponentiation in BigInt (noble side): fewer runs there. */
const keRuns = (t: KeTransform): number => (t.kind === 'modp' ? 4 : 25);
const unusedRandom = () => {
  throw new Error('a fixed private key must not draw randomness');
};

describe('KE: same private keys give the same public values and shared secrets', () => {
  it.each(KE_TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_, t) => {
    fc.assert(
      fc.property(privateKeys(t), privateKeys(t), (i, r) => {
        const nodeI = node.keyExchange(t, unusedRandom, i);
        const nobleI = noble.keyExchange(t, unusedRandom, i);
        const nodeR = node.keyExchange(t, unusedRandom, r);
        const nobleR = noble.keyExchange(t, unusedRandom, r);
        expect(nodeI.publicValue.length).toBe(t.publicLength);
        expect(nodeI.publicValue).toEqual(nobleI.publicValue);
        expect(nodeR.publicValue).toEqual(nobleR.publicValue);
        // Across providers, both directions.
        const s1 = nodeI.computeSharedSecret(nobleR.publicValue);
        const s2 = nobleR.computeSharedSecret(nodeI.publicValue);
        const s3 = nobleI.computeSharedSecret(nodeR.publicValue);
        expect(s1.ok && s1.value.length).toBe(t.secretLength);
        expect(s1).toEqual(s2);
        expect(s3).toEqual(s2);
      }),
      { numRuns: keRuns(t) },
    );
  });

  it.each(KE_TRANSFORMS.map((t) => [t.name, t] as const))('%s: the same seed draws the same key', (_, t) => {
    for (const seed of [1, 2, 3]) {
      const a = node.keyExchange(t, seededRandom(seed));
      const b = noble.keyExchange(t, seededRandom(seed));
      expect(a.publicValue).toEqual(b.publicValue);
    }
  });
});

describe('KE: both providers judge an arbitrary peer value alike', () => {
  // Random bytes of the right length: almost never an ECP point (both refuse), always a
  // Montgomery u-coordinate (high bit and non-canonical values handled alike), almost
  // always a valid MODP value.
  it.each(KE_TRANSFORMS.map((t) => [t.name, t] as const))('%s', (_, t) => {
    const own = ownKey(t, 0x07);
    const a = node.keyExchange(t, unusedRandom, own);
    const b = noble.keyExchange(t, unusedRandom, own);
    fc.assert(
      fc.property(exactly(t.publicLength), (peer) => {
        const x = a.computeSharedSecret(peer);
        const y = b.computeSharedSecret(peer);
        expect(x.ok).toBe(y.ok);
        if (x.ok && y.ok) expect(x.value).toEqual(y.value);
        if (!x.ok && !y.ok) expect(x.error.code).toBe(y.error.code);
      }),
      { numRuns: keRuns(t) * 2 },
    );
  });

  it.each(KE_TRANSFORMS.map((t) => [t.name, t] as const))('%s: degenerate values', (_, t) => {
    const own = ownKey(t, 0x05);
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array(t.publicLength - 1),
      new Uint8Array(t.publicLength + 1),
      new Uint8Array(t.publicLength), // ECP: (0, 0) is not a point; MODP: y = 0; u = 0 (low order)
    ];
    if (t.kind === 'ecp') cases.push(new Uint8Array(t.publicLength).fill(0xff)); // coordinates >= p
    if (t.kind === 'modp') {
      // RFC 6989 §2.1: y = 1, p - 1, p and beyond are all refused.
      const p = MODP_GROUPS.find((g) => g.id === t.id)!.prime;
      for (const y of [1n, p - 1n, p, p + 1n]) cases.push(bigIntToBytes(y, t.publicLength));
      cases.push(new Uint8Array(t.publicLength).fill(0xff));
    }
    if (t.kind === 'montgomery') {
      // RFC 7748 §5/§6: u = 1, p - 1 and the non-canonical p (= 0), p + 1 (= 1) give an
      // all-zero secret, as do the two order-8 points of Curve25519 (little-endian u).
      const p = t.id === KeId.CURVE_25519 ? 2n ** 255n - 19n : 2n ** 448n - 2n ** 224n - 1n;
      for (const u of [1n, p - 1n, p, p + 1n]) cases.push(bigIntToBytes(u, t.publicLength).reverse());
      if (t.id === KeId.CURVE_25519)
        cases.push(
          fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
          fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
        );
    }
    for (const peer of cases) {
      const x = node.keyExchange(t, unusedRandom, own).computeSharedSecret(peer);
      const y = noble.keyExchange(t, unusedRandom, own).computeSharedSecret(peer);
      expect(x.ok).toBe(false);
      expect(!x.ok && x.error.code).toBe(!y.ok && y.error.code);
    }
  });

  it('refuses after destroy() on both', () => {
    for (const t of KE_TRANSFORMS.filter((k) => k.kind !== 'modp'))
      for (const p of [node, noble]) {
        const ke = p.keyExchange(t, seededRandom(t.id));
        const peer = p.keyExchange(t, seededRandom(-t.id)).publicValue;
        ke.destroy();
        const r = ke.computeSharedSecret(peer);
        expect(!r.ok && r.error.code).toBe('INVALID_INPUT');
      }
  });
});
