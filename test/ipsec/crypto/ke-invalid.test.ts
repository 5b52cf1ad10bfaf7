/**
 * RFC 6989 validation of peer KE data, for every provider: a malformed or degenerate value is
 * a typed error (INVALID_PUBLIC_VALUE / INVALID_SHARED_SECRET), never a throw.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import type { CryptoErrorCode } from '../../../ipsec/crypto/errors.js';
import { KeId } from '../../../ipsec/crypto/ids.js';
import { p192Point } from '../../../ipsec/crypto/noble/p192.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustKe } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider, KeTransform } from '../../../ipsec/crypto/types.js';
import { concatBytes, fromHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

type Curve = typeof p256.Point;

const ECP_GROUPS: readonly { id: number; Point: Curve }[] = [
  { id: KeId.ECP_256, Point: p256.Point },
  { id: KeId.ECP_384, Point: p384.Point },
  { id: KeId.ECP_521, Point: p521.Point },
  { id: KeId.ECP_192, Point: p192Point },
];

const be = (value: bigint, length: number): Uint8Array =>
  fromHex(value.toString(16).padStart(2 * length, '0'));
const le = (value: bigint, length: number): Uint8Array => be(value, length).reverse();

/** The calls must return (not throw) an error with `code`. */
function expectError(
  provider: CryptoProvider,
  transform: KeTransform,
  peer: Uint8Array,
  code: CryptoErrorCode,
) {
  const ke = provider.keyExchange(transform, seededRandom(`invalid-${transform.id}`));
  const result = ke.computeSharedSecret(peer);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.code).toBe(code);
}

/** The smallest x >= 1 with x^3 + ax + b a square: a point whose x leaves room for x + p. */
function smallXPoint(Point: Curve): { x: bigint; y: bigint } {
  const { Fp } = Point;
  const { a, b } = Point.CURVE();
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(a, x)), b);
    try {
      const y = Fp.sqrt(rhs);
      if (Fp.eql(Fp.sqr(y), rhs)) return { x, y };
    } catch {
      // not a square: try the next x
    }
  }
}

describe.each(PROVIDERS)('$name key exchange validation', (provider) => {
  describe.each(ECP_GROUPS)('ECP group $id', ({ id, Point }) => {
    const transform = mustKe(id);
    const size = Point.Fp.BYTES;
    const p = Point.Fp.ORDER;
    const valid = provider.keyExchange(transform, seededRandom(`peer-${id}`)).publicValue;

    it('accepts a valid peer value', () => {
      const ke = provider.keyExchange(transform, seededRandom(`me-${id}`));
      expect(ke.computeSharedSecret(valid).ok).toBe(true);
    });

    it('rejects wrong lengths (RFC 5903 §7, RFC 6989 §2)', () => {
      for (const peer of [
        new Uint8Array(0),
        valid.subarray(0, valid.length - 1),
        concatBytes(valid, Uint8Array.of(0)),
        concatBytes(Uint8Array.of(0x04), valid), // SEC 1 uncompressed form
        valid.subarray(0, size + 1), // SEC 1 compressed length
      ])
        expectError(provider, transform, peer, 'INVALID_PUBLIC_VALUE');
    });

    it('rejects a point off the curve (RFC 6989 §2.3)', () => {
      const offCurve = valid.slice();
      offCurve[offCurve.length - 1]! ^= 1; // y + 1 or y - 1: not on the curve
      expectError(provider, transform, offCurve, 'INVALID_PUBLIC_VALUE');
      expectError(provider, transform, new Uint8Array(2 * size).fill(0xaa), 'INVALID_PUBLIC_VALUE');
    });

    it('rejects the all-zero encoding (no encoding of the identity; (0, 0) is not on the curve)', () => {
      expectError(provider, transform, new Uint8Array(2 * size), 'INVALID_PUBLIC_VALUE');
    });

    it('rejects coordinates >= p, even when they reduce to a point on the curve', () => {
      const { x, y } = smallXPoint(Point);
      const ke = provider.keyExchange(transform, seededRandom(`me-${id}`));
      expect(ke.computeSharedSecret(concatBytes(be(x, size), be(y, size))).ok).toBe(true);
      const nonCanonical = concatBytes(be(x + p, size), be(y, size));
      expect(nonCanonical.length).toBe(transform.publicLength); // the range check, not the length check
      expectError(provider, transform, nonCanonical, 'INVALID_PUBLIC_VALUE');
      expectError(provider, transform, new Uint8Array(2 * size).fill(0xff), 'INVALID_PUBLIC_VALUE');
    });
  });

  describe('Curve25519 (RFC 8031)', () => {
    const transform = mustKe(KeId.CURVE_25519);
    const p = 2n ** 255n - 19n;

    it('rejects wrong lengths', () => {
      for (const length of [0, 31, 33, 56])
        expectError(provider, transform, new Uint8Array(length), 'INVALID_PUBLIC_VALUE');
    });

    it('rejects low-order points: the all-zero shared secret (RFC 7748 §6.1, RFC 8031 §2)', () => {
      const lowOrder = [
        0n, // order 1 (the all-zero u)
        1n, // order 4
        p - 1n, // order 2
        p, // 0, non-canonical
        p + 1n, // 1, non-canonical
        // the two points of order 8
        BigInt('325606250916557431795983626356110631294008115727848805560023387167927233504'),
        BigInt('39382357235489614581723060781553021112529911719440698176882885853963445705823'),
      ];
      for (const u of lowOrder) expectError(provider, transform, le(u, 32), 'INVALID_SHARED_SECRET');
    });
  });

  describe('Curve448 (RFC 8031)', () => {
    const transform = mustKe(KeId.CURVE_448);
    const p = 2n ** 448n - 2n ** 224n - 1n;

    it('rejects wrong lengths', () => {
      for (const length of [0, 32, 55, 57])
        expectError(provider, transform, new Uint8Array(length), 'INVALID_PUBLIC_VALUE');
    });

    it('rejects low-order points: the all-zero shared secret (RFC 7748 §6.2, RFC 8031 §2)', () => {
      for (const u of [0n, 1n, p - 1n, p, p + 1n])
        expectError(provider, transform, le(u, 56), 'INVALID_SHARED_SECRET');
    });
  });

  it('rejects a caller-supplied private key of the wrong length (programming error: throws)', () => {
    expect(() => provider.keyExchange(mustKe(KeId.ECP_256), seededRandom(1), new Uint8Array(31))).toThrow();
    expect(() =>
      provider.keyExchange(mustKe(KeId.CURVE_25519), seededRandom(1), new Uint8Array(31)),
    ).toThrow();
    expect(() => provider.keyExchange(mustKe(KeId.ECP_256), seededRandom(1), new Uint8Array(32))).toThrow(); // d = 0
  });
});
