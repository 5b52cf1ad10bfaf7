/**
 * The 192-bit random ECP group (RFC 5114 §2.6) we define on noble's generic Weierstrass code:
 * its parameters, and a cross-check with OpenSSL's prime192v1 (node:crypto).
 * The RFC 5114 Appendix A.6 vector itself is in ke.test.ts.
 */
import { createECDH } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeId } from '../../../ipsec/crypto/ids.js';
import { bigIntToBytes, bytesToBigInt } from '../../../ipsec/crypto/modp-groups.js';
import { createNobleKeyExchange } from '../../../ipsec/crypto/noble/index.js';
import { P192_CURVE, p192Point } from '../../../ipsec/crypto/noble/p192.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustKe } from '../../../ipsec/crypto/transforms.js';
import { concatBytes, toHex } from '../../../ipsec/util/bytes.js';

describe('P-192 (RFC 5114 §2.6, SEC 2 secp192r1)', () => {
  const { p, a, b, n, Gx, Gy } = P192_CURVE;

  it('has the published field, coefficients and order', () => {
    expect(p).toBe(2n ** 192n - 2n ** 64n - 1n);
    expect(a).toBe(p - 3n);
    expect(p.toString(16)).toBe('fffffffffffffffffffffffffffffffeffffffffffffffff');
    expect(n.toString(16)).toBe('ffffffffffffffffffffffff99def836146bc9b1b4d22831');
  });

  it('has its generator on the curve, of order n', () => {
    expect((Gy * Gy - (Gx * Gx * Gx + a * Gx + b)) % p).toBe(0n);
    const G = p192Point.BASE;
    expect(G.multiply(n - 1n).equals(G.negate())).toBe(true);
    expect(
      G.multiply(n - 1n)
        .add(G)
        .is0(),
    ).toBe(true);
  });

  it('computes the same public values and secrets as OpenSSL prime192v1', () => {
    const transform = mustKe(KeId.ECP_192);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), (seed) => {
        const ours = createNobleKeyExchange(transform, seededRandom(seed));
        const theirs = createECDH('prime192v1');
        const d = (bytesToBigInt(seededRandom(seed)(32)) % (n - 1n)) + 1n;
        theirs.setPrivateKey(bigIntToBytes(d, 24));
        // OpenSSL's SEC 1 uncompressed point without its 0x04 prefix is RFC 5903 §7's x | y.
        expect(toHex(theirs.getPublicKey().subarray(1))).toBe(
          toHex(p192Point.BASE.multiply(d).toBytes(false).subarray(1)),
        );
        const expected = theirs.computeSecret(concatBytes(Uint8Array.of(4), ours.publicValue));
        const secret = ours.computeSharedSecret(theirs.getPublicKey().subarray(1));
        expect(secret.ok && toHex(secret.value)).toBe(toHex(expected));
      }),
      { numRuns: 20 },
    );
  });
});
