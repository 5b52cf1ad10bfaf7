/**
 * The 192-bit Random ECP Group, IKE group 25 (RFC 5114 §2.6): the curve SEC 2 calls
 * secp192r1 and FIPS 186 calls P-192. @noble/curves ships no P-192, so it is built here
 * from the published domain parameters with the generic short-Weierstrass implementation.
 *
 * Curve: y^2 = x^3 + a*x + b over GF(p), cofactor h = 1.
 */
import { type ECDH, ecdh, type WeierstrassOpts, weierstrass } from '@noble/curves/abstract/weierstrass.js';

/** RFC 5114 §2.6 (= SEC 2 v1 §2.5.2 / FIPS 186-4 D.1.2.1): the domain parameters. */
export const P192_CURVE: WeierstrassOpts<bigint> = {
  // p = 2^192 - 2^64 - 1
  p: BigInt('0xfffffffffffffffffffffffffffffffeffffffffffffffff'),
  // a = -3 mod p
  a: BigInt('0xfffffffffffffffffffffffffffffffefffffffffffffffc'),
  b: BigInt('0x64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1'),
  Gx: BigInt('0x188da80eb03090f67cbf20eb43a18800f4ff0afd82ff1012'),
  Gy: BigInt('0x07192b95ffc8da78631011ed6b24cdd573f977a11e794811'),
  // the prime order of G
  n: BigInt('0xffffffffffffffffffffffff99def836146bc9b1b4d22831'),
  h: 1n,
};

/** P-192 points (affine x, y in [0, p-1]; fromBytes checks the curve equation). */
export const p192Point = /* @__PURE__ */ weierstrass(P192_CURVE);

/** ECDH helpers over P-192 (we use only the Point API from ke.ts; this is for tests and tools). */
export const p192: ECDH = /* @__PURE__ */ ecdh(p192Point);
