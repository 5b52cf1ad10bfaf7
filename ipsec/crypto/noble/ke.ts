/**
 * Key exchange methods of the portable provider (Transform Type 4, RFC 7296 §3.3.2):
 *
 * - ECP groups 19, 20, 21 (RFC 5903) on @noble/curves p256/p384/p521, and group 25, the
 *   192-bit random ECP group (RFC 5114 §2.6), on our P-192 definition (p192.ts).
 * - Curve25519 (31) and Curve448 (32) per RFC 8031 on @noble/curves x25519/x448.
 * - MODP groups 14, 15, 16 (RFC 3526) in BigInt arithmetic.
 *
 * Peer public values are validated per RFC 6989 and never throw: a bad value returns
 * err(CryptoError INVALID_PUBLIC_VALUE); a degenerate result err(INVALID_SHARED_SECRET).
 * A caller-supplied private key that is not valid for the group is a programming error and
 * throws at construction (ipsec/crypto/types.ts conventions).
 *
 * Timing: noble's scalar multiplications are written to be constant time as far as JS allows;
 * the MODP exponentiation below uses a fixed window but BigInt arithmetic is not constant time.
 * This is the portable provider; the node:crypto provider is the fast, OpenSSL-backed one.
 */
import type { WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { x448 } from '@noble/curves/ed448.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { err, ok, type Result } from '../../result.js';
import { concatBytes, wipe } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { KeId } from '../ids.js';
import {
  bigIntToBytes,
  bytesToBigInt,
  isAllZero,
  type ModpGroup,
  modpGroup,
  validateModpPublic,
  validatePublicLength,
} from '../modp-groups.js';
import type { KeTransform, KeyExchange, RandomBytes } from '../types.js';
import { p192Point } from './p192.js';

type SharedSecret = Result<Uint8Array, CryptoError>;

/** The group arithmetic behind one KeyExchange, closed over the private value's bytes. */
interface Engine {
  readonly publicValue: Uint8Array;
  shared(peerPublic: Uint8Array): SharedSecret;
}

const invalidPublic = (transform: KeTransform, why: string): SharedSecret =>
  err(new CryptoError('INVALID_PUBLIC_VALUE', `${transform.name}: ${why}`));
const invalidSecret = (transform: KeTransform, why: string): SharedSecret =>
  err(new CryptoError('INVALID_SHARED_SECRET', `${transform.name}: ${why}`));

export function createNobleKeyExchange(
  transform: KeTransform,
  random: RandomBytes,
  privateKey?: Uint8Array,
): KeyExchange {
  let priv: Uint8Array;
  let engine: Engine;
  switch (transform.kind) {
    case 'ecp': {
      const Point = ECP_POINTS[transform.id];
      if (!Point) throw unsupported(transform);
      priv = privateKey ? ecpCheckPrivate(transform, Point, privateKey) : ecpRandomPrivate(Point, random);
      engine = ecpEngine(transform, Point, priv);
      break;
    }
    case 'montgomery': {
      const curve = MONTGOMERY[transform.id];
      if (!curve) throw unsupported(transform);
      priv = privateKey ? montgomeryCheckPrivate(transform, privateKey) : random(transform.publicLength);
      engine = montgomeryEngine(transform, curve, priv);
      break;
    }
    case 'modp': {
      const group = modpGroup(transform.id);
      if (!group) throw unsupported(transform);
      priv = privateKey ? modpCheckPrivate(transform, group, privateKey) : modpRandomPrivate(group, random);
      engine = modpEngine(transform, group, priv);
      break;
    }
    default:
      throw unsupported(transform);
  }

  let destroyed = false;
  return {
    transform,
    publicValue: engine.publicValue,
    computeSharedSecret(peerPublic: Uint8Array): SharedSecret {
      if (destroyed)
        return err(new CryptoError('INVALID_INPUT', `${transform.name}: key exchange destroyed`));
      // RFC 6989 §2 / RFC 7296 §3.4: the KE data has exactly the method's length.
      if (!validatePublicLength(transform, peerPublic))
        return invalidPublic(
          transform,
          `public value of ${peerPublic.length} bytes, expected ${transform.publicLength}`,
        );
      return engine.shared(peerPublic);
    },
    destroy(): void {
      destroyed = true;
      wipe(priv);
    },
  };
}

const unsupported = (transform: KeTransform): CryptoError =>
  new CryptoError('UNSUPPORTED_TRANSFORM', `key exchange method ${transform.id} (${transform.name})`);

// ---------------------------------------------------------------------------------------------
// ECP groups (RFC 5903, RFC 5114 §2.6)

type EcpPoint = WeierstrassPointCons<bigint>;

const ECP_POINTS: Readonly<Record<number, EcpPoint>> = {
  [KeId.ECP_256]: p256.Point, // RFC 5903 §3.1
  [KeId.ECP_384]: p384.Point, // RFC 5903 §3.2
  [KeId.ECP_521]: p521.Point, // RFC 5903 §3.3
  [KeId.ECP_192]: p192Point, // RFC 5114 §2.6
};

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

// ---------------------------------------------------------------------------------------------
// Curve25519 and Curve448 (RFC 8031, RFC 7748)

interface Montgomery {
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  getSharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

const MONTGOMERY: Readonly<Record<number, Montgomery>> = {
  [KeId.CURVE_25519]: x25519, // RFC 8031 §2: X25519, 32-byte u
  [KeId.CURVE_448]: x448, // RFC 8031 §2: X448, 56-byte u
};

/** RFC 7748 §5: any 32/56 random bytes; clamping (decodeScalar) happens inside X25519/X448. */
function montgomeryCheckPrivate(transform: KeTransform, key: Uint8Array): Uint8Array {
  if (key.length !== transform.publicLength)
    throw new CryptoError('INVALID_KEY_LENGTH', `${transform.name}: private key of ${key.length} bytes`);
  return key.slice();
}

function montgomeryEngine(transform: KeTransform, curve: Montgomery, priv: Uint8Array): Engine {
  // RFC 8031 §2: the KE data is the little-endian u-coordinate X25519(a, 9) / X448(a, 5).
  const publicValue = curve.getPublicKey(priv);
  return {
    publicValue,
    shared(peerPublic) {
      let secret: Uint8Array;
      try {
        // RFC 8031 §2: g^ir is X25519(a, peer u) / X448(a, peer u), used as is. Non-canonical
        // u values are reduced mod p (RFC 7748 §5). noble refuses the low-order u values
        // (0, 1, p-1 and, for X25519, the two order-8 points) before the ladder: exactly the
        // inputs whose result is all zeros, so they report the same error as the zero check.
        secret = curve.getSharedSecret(priv, peerPublic);
      } catch {
        return invalidSecret(transform, 'low-order public value: all-zero shared secret');
      }
      // RFC 7748 §6.1, §6.2 / RFC 8031 §2: reject an all-zero output.
      if (isAllZero(secret)) return invalidSecret(transform, 'all-zero shared secret');
      return ok(secret);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// MODP groups (RFC 3526)

/** Programming-error check of a caller-supplied exponent: 1 < x < p-1, at most the prime's length. */
function modpCheckPrivate(transform: KeTransform, group: ModpGroup, key: Uint8Array): Uint8Array {
  if (key.length === 0 || key.length > group.length)
    throw new CryptoError('INVALID_KEY_LENGTH', `${transform.name}: private key of ${key.length} bytes`);
  const x = bytesToBigInt(key);
  if (x <= 1n || x >= group.prime - 1n)
    throw new CryptoError('INVALID_INPUT', `${transform.name}: private exponent out of range`);
  return key.slice();
}

/**
 * A private exponent of group.exponentBits bits (rationale in modp-groups.ts): x in
 * [2, 2^N - 1], drawn again in the (2^-N) case x < 2.
 */
function modpRandomPrivate(group: ModpGroup, random: RandomBytes): Uint8Array {
  const length = Math.ceil(group.exponentBits / 8);
  for (;;) {
    const key = random(length);
    const excess = length * 8 - group.exponentBits;
    key[0]! &= 0xff >> excess;
    if (bytesToBigInt(key) > 1n) return key;
  }
}

function modpEngine(transform: KeTransform, group: ModpGroup, priv: Uint8Array): Engine {
  // RFC 7296 §3.4: g^x mod p, left-padded with zeros to the length of the prime.
  const publicValue = bigIntToBytes(modPow(group.generator, bytesToBigInt(priv), group.prime), group.length);
  return {
    publicValue,
    shared(peerPublic) {
      const y = bytesToBigInt(peerPublic);
      // RFC 6989 §2.1: 1 < y < p-1.
      if (!validateModpPublic(group.prime, y)) return invalidPublic(transform, 'not in (1, p-1)');
      const z = modPow(y, bytesToBigInt(priv), group.prime);
      // NIST SP 800-56A Rev. 3 §5.7.1.1: z = 1 is an error (unreachable for 1 < y < p-1 and
      // x < q with a safe prime, kept as a cheap guard).
      if (z <= 1n) return invalidSecret(transform, 'degenerate shared secret');
      // RFC 7296 §2.14: g^ir is left-padded to the length of the prime.
      return ok(bigIntToBytes(z, group.length));
    },
  };
}

/** Window width of the fixed-window exponentiation: 2^4 precomputed powers. */
const WINDOW_BITS = 4;

/**
 * base^exponent mod modulus, left-to-right fixed 4-bit windows (HAC 14.82): one squaring per
 * exponent bit and one multiplication per window, with a 16-entry table of base powers.
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  const b = ((base % modulus) + modulus) % modulus;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 1 << WINDOW_BITS; i++) table.push((table[i - 1]! * b) % modulus);
  const windows = Math.ceil(exponent.toString(2).length / WINDOW_BITS);
  const mask = BigInt((1 << WINDOW_BITS) - 1);
  let result = 1n;
  for (let w = windows - 1; w >= 0; w--) {
    for (let s = 0; s < WINDOW_BITS; s++) result = (result * result) % modulus;
    const digit = Number((exponent >> BigInt(w * WINDOW_BITS)) & mask);
    result = (result * table[digit]!) % modulus;
  }
  return result;
}
