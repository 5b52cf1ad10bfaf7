/**
 * ECP key exchange (RFC 5903; group 25 from RFC 5114 §2.6) on @noble/curves' short-Weierstrass
 * points: `ecpMethod(id, Point)` for any curve of cofactor 1, and the groups of the portable
 * provider (19, 20, 21 on noble's P-256/384/521; 25 on our P-192, p192.ts).
 *
 * Timing: noble's scalar multiplications are written to be constant time as far as JS allows.
 */
import type { WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ok } from '../../result.js';
import { concatBytes, wipe } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { KeId } from '../ids.js';
import { bigIntToBytes, bytesToBigInt } from '../ke-values.js';
import type { KeTransform, RandomBytes } from '../types.js';
import { type Engine, invalidPublic, invalidSecret, type KeMethod } from './ke.js';
import { p192Point } from './p192.js';

export type EcpPoint = WeierstrassPointCons<bigint>;

/** The private scalar's encoding: big-endian, the byte length of the order n (= field size here). */
const scalarLength = (Point: EcpPoint): number => Point.Fn.BYTES;

/** Programming-error check of a caller-supplied private key: d in [1, n-1]. */
function ecpCheckPrivate(transform: KeTransform, Point: EcpPoint, key: Uint8Array): Uint8Array {
  if (key.length !== scalarLength(Point))
    throw new CryptoError('INVALID_KEY_LENGTH', `${transform.name}: private key of ${key.length} bytes`);
  const d = bytesToBigInt(key);
  if (d < 1n || d >= Point.Fn.ORDER)
    throw new CryptoError('INVALID_INPUT', `${transform.name}: private key out of range`);
  return key.slice();
}

/**
 * FIPS 186-5 Appendix A.2.1 ("key pair generation using extra random bits"): c from
 * len(n) + 64 random bits, d = (c mod (n-1)) + 1, uniform in [1, n-1] up to a 2^-64 bias.
 */
function ecpRandomPrivate(Point: EcpPoint, random: RandomBytes): Uint8Array {
  const n = Point.Fn.ORDER;
  const seed = random(scalarLength(Point) + 8);
  const d = (bytesToBigInt(seed) % (n - 1n)) + 1n;
  wipe(seed);
  return bigIntToBytes(d, scalarLength(Point));
}

function ecpEngine(transform: KeTransform, Point: EcpPoint, priv: Uint8Array): Engine {
  const fieldLength = Point.Fp.BYTES;
  // RFC 5903 §7: the KE data is x | y, each coordinate left-padded to the field size, without
  // the SEC 1 0x04 prefix.
  const xy = (point: WeierstrassPoint<bigint>): Uint8Array => point.toBytes(false).subarray(1);
  const publicValue = xy(Point.BASE.multiply(bytesToBigInt(priv)));
  return {
    publicValue,
    shared(peerPublic) {
      let peer: WeierstrassPoint<bigint>;
      try {
        // RFC 6989 §2.3 (ECP, cofactor 1): both coordinates in [0, p-1] and the point on the
        // curve. fromBytes checks both; the identity has no x | y encoding (all zeros is not on
        // these curves since b != 0) and is refused again below.
        peer = Point.fromBytes(concatBytes(Uint8Array.of(0x04), peerPublic));
        peer.assertValidity();
      } catch {
        return invalidPublic(transform, 'not a point on the curve');
      }
      if (peer.is0()) return invalidPublic(transform, 'the point at infinity');
      const shared = peer.multiply(bytesToBigInt(priv));
      // Unreachable with cofactor 1 and d in [1, n-1]; kept as the SP 800-56A §5.7.1.2 check.
      if (shared.is0()) return invalidSecret(transform, 'the point at infinity');
      // RFC 5903 §7 (and §9): g^ir is the x coordinate alone, of the field size.
      return ok(xy(shared).slice(0, fieldLength));
    },
  };
}

/** An ECP group of cofactor 1 on `Point` (its own precomputation: `Point.BASE.precompute`). */
export const ecpMethod = (id: number, Point: EcpPoint): KeMethod => ({
  id,
  kind: 'ecp',
  privateKey: (transform, random, given) =>
    given ? ecpCheckPrivate(transform, Point, given) : ecpRandomPrivate(Point, random),
  engine: (transform, priv) => ecpEngine(transform, Point, priv),
});

export const KE_ECP_256 = /* @__PURE__ */ (() => ecpMethod(KeId.ECP_256, p256.Point))(); // RFC 5903 §3.1
export const KE_ECP_384 = /* @__PURE__ */ (() => ecpMethod(KeId.ECP_384, p384.Point))(); // RFC 5903 §3.2
export const KE_ECP_521 = /* @__PURE__ */ (() => ecpMethod(KeId.ECP_521, p521.Point))(); // RFC 5903 §3.3
export const KE_ECP_192 = /* @__PURE__ */ (() => ecpMethod(KeId.ECP_192, p192Point))(); // RFC 5114 §2.6
