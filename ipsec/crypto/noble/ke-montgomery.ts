/**
 * Curve25519 (31) and Curve448 (32) key exchange per RFC 8031 on @noble/curves x25519/x448.
 */
import { x448 } from '@noble/curves/ed448.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { ok } from '../../result.js';
import { CryptoError } from '../errors.js';
import { KeId } from '../ids.js';
import { isAllZero } from '../ke-values.js';
import type { KeTransform } from '../types.js';
import { type Engine, invalidSecret, type KeMethod } from './ke.js';

interface Montgomery {
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  getSharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

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

const montgomeryMethod = (id: number, curve: Montgomery): KeMethod => ({
  id,
  kind: 'montgomery',
  privateKey: (transform, random, given) =>
    given ? montgomeryCheckPrivate(transform, given) : random(transform.publicLength),
  engine: (transform, priv) => montgomeryEngine(transform, curve, priv),
});

export const KE_CURVE_25519 = /* @__PURE__ */ (() => montgomeryMethod(KeId.CURVE_25519, x25519))(); // RFC 8031 §2: 32-byte u
export const KE_CURVE_448 = /* @__PURE__ */ (() => montgomeryMethod(KeId.CURVE_448, x448))(); // RFC 8031 §2: 56-byte u
