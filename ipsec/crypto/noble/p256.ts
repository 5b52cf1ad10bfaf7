/**
 * The 256-bit Random ECP Group, IKE group 19 (RFC 5903 §3.1; NIST P-256), as domain
 * parameters for noble's generic short-Weierstrass implementation. @noble/curves' `p256` is an
 * ECDSA instance: reaching its Point pulls ECDSA, DER and SHA-256 into a bundle. A build that
 * only needs ECDH (the mote) builds the points from these parameters instead, with a
 * precomputation window of its own (`Point.BASE.precompute`). Same curve, same results: a test
 * checks these against noble's.
 *
 * Curve: y^2 = x^3 + a*x + b over GF(p), cofactor h = 1.
 */
import type { WeierstrassOpts } from '@noble/curves/abstract/weierstrass.js';

/** RFC 5903 §3.1 (= FIPS 186-4 D.1.2.3): the domain parameters. */
export const P256_CURVE: WeierstrassOpts<bigint> = /* @__PURE__ */ (() => ({
  // p = 2^256 - 2^224 + 2^192 + 2^96 - 1
  p: BigInt('0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
  // a = -3 mod p
  a: BigInt('0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
  b: BigInt('0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
  Gx: BigInt('0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
  Gy: BigInt('0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
  // the prime order of G
  n: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
  h: 1n,
}))();
