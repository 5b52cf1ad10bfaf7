/**
 * Key exchange on node:crypto: ECP groups (RFC 5903, RFC 5114 §2.6) with createECDH,
 * Curve25519/Curve448 (RFC 8031) with KeyObjects, MODP (RFC 3526) in node-ke-modp.ts.
 * Peer public values never throw: bad ones return a CryptoError Result (RFC 6989).
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { KeId } from '../../../ipsec/crypto/ids.js';
import {
  bigIntToBytes,
  bytesToBigInt,
  isAllZero,
  validatePublicLength,
} from '../../../ipsec/crypto/modp-groups.js';
import type { KeTransform, KeyExchange, RandomBytes } from '../../../ipsec/crypto/types.js';
import { err, ok } from '../../../ipsec/result.js';
import { view } from './node-bytes.js';
import { createNodeModpKeyExchange } from './node-ke-modp.js';

interface EcpCurve {
  /** OpenSSL curve name. */
  readonly openssl: string;
  /** Order n of the base point (FIPS 186-4 §D.1.2; SEC 2 §2.5.2 for P-192). */
  readonly n: bigint;
  /** Field element / scalar length in bytes. */
  readonly length: number;
}

const ECP_CURVES: Partial<Record<number, EcpCurve>> = {
  // RFC 5903 §3.1 (P-256)
  [KeId.ECP_256]: {
    openssl: 'prime256v1',
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    length: 32,
  },
  // RFC 5903 §3.2 (P-384)
  [KeId.ECP_384]: {
    openssl: 'secp384r1',
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    length: 48,
  },
  // RFC 5903 §3.3 (P-521)
  [KeId.ECP_521]: {
    openssl: 'secp521r1',
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    length: 66,
  },
  // RFC 5114 §2.6 (P-192)
  [KeId.ECP_192]: {
    openssl: 'prime192v1',
    n: 0xffffffffffffffffffffffff99def836146bc9b1b4d22831n,
    length: 24,
  },
};

export function createNodeKeyExchange(
  transform: KeTransform,
  random: RandomBytes,
  privateKey?: Uint8Array,
): KeyExchange {
  if (transform.kind === 'modp') return createNodeModpKeyExchange(transform, random, privateKey);
  if (transform.kind === 'montgomery') return montgomery(transform, random, privateKey);
  const curve = ECP_CURVES[transform.id];
  if (!curve) throw new CryptoError('UNSUPPORTED_TRANSFORM', `key exchange ${transform.name}`);
  return ecp(transform, curve, random, privateKey);
}

/**
 * FIPS 186-5 Appendix A.2.1 ("key pair generation using extra random bits"): c from
 * len(n) + 64 random bits, d = (c mod (n-1)) + 1. The same draw as the noble provider, so
 * both derive the same key from one random source.
 */
function drawScalar(curve: EcpCurve, random: RandomBytes): Uint8Array {
  const seed = random(curve.length + 8);
  const d = (bytesToBigInt(seed) % (curve.n - 1n)) + 1n;
  seed.fill(0);
  return bigIntToBytes(d, curve.length);
}

/** RFC 5903 §7: KE data x | y (no 0x04 point-format octet); §9: the shared secret is x. */
function ecp(
  transform: KeTransform,
  curve: EcpCurve,
  random: RandomBytes,
  privateKey?: Uint8Array,
): KeyExchange {
  // A copy of an injected key, so that destroy() wipes ours and never the caller's.
  const d = privateKey ? privateKey.slice() : drawScalar(curve, random);
  if (d.length !== curve.length)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `${transform.name} private key must be ${curve.length} bytes`,
    );
  const scalar = bytesToBigInt(d);
  if (scalar < 1n || scalar >= curve.n)
    throw new CryptoError('INVALID_INPUT', `${transform.name} private key out of [1, n-1]`);
  let ecdh: ReturnType<typeof createECDH> | undefined = createECDH(curve.openssl);
  ecdh.setPrivateKey(d);
  const publicValue = view(ecdh.getPublicKey()).slice(1); // drop the 0x04 (SEC 1 §2.3.3)
  return {
    transform,
    publicValue,
    computeSharedSecret(peerPublic) {
      if (!ecdh) return err(new CryptoError('INVALID_INPUT', `${transform.name}: key exchange destroyed`));
      if (!validatePublicLength(transform, peerPublic))
        return err(
          new CryptoError(
            'INVALID_PUBLIC_VALUE',
            `${transform.name} KE data must be ${transform.publicLength} bytes`,
          ),
        );
      const encoded = new Uint8Array(1 + peerPublic.length);
      encoded[0] = 0x04; // SEC 1 §2.3.4 uncompressed point
      encoded.set(peerPublic, 1);
      try {
        // RFC 6989 §2.3: OpenSSL checks that the point is on the curve (and not infinity).
        return ok(view(ecdh.computeSecret(encoded)));
      } catch {
        return err(
          new CryptoError('INVALID_PUBLIC_VALUE', `${transform.name} peer point is not on the curve`),
        );
      }
    },
    destroy() {
      // OpenSSL keeps its own copy of the scalar; dropping the ECDH object is all node allows.
      d.fill(0);
      ecdh = undefined;
    },
  };
}

/** RFC 8037 §2 JWK "OKP" curve names of the RFC 7748 functions. */
const MONTGOMERY: Partial<Record<number, { crv: 'X25519' | 'X448'; length: number }>> = {
  [KeId.CURVE_25519]: { crv: 'X25519', length: 32 },
  [KeId.CURVE_448]: { crv: 'X448', length: 56 },
};

const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');

/**
 * RFC 8031 §2: KE data is the u-coordinate (RFC 7748 §5 encoding); private keys are random bytes.
 * Keys go through JWK (RFC 8037), not DER: importing PKCS#8/SPKI costs OpenSSL 3 a decoder
 * lookup (measured ~1.5 ms per private key on node 20 vs ~70 us for JWK).
 */
function montgomery(transform: KeTransform, random: RandomBytes, privateKey?: Uint8Array): KeyExchange {
  const spec = MONTGOMERY[transform.id];
  if (!spec) throw new CryptoError('UNSUPPORTED_TRANSFORM', `key exchange ${transform.name}`);
  const scalar = privateKey ? privateKey.slice() : random(spec.length); // RFC 7748 §5: clamped inside X25519/X448
  if (scalar.length !== spec.length)
    throw new CryptoError('INVALID_KEY_LENGTH', `${transform.name} private key must be ${spec.length} bytes`);
  // node 20 builds the key from d alone and only checks the form of the required x; we do not
  // know x yet, so a well-formed placeholder goes there and the real one is derived below.
  const placeholder = b64url(new Uint8Array(spec.length));
  let key: KeyObject | undefined = createPrivateKey({
    key: { kty: 'OKP', crv: spec.crv, d: b64url(scalar), x: placeholder },
    format: 'jwk',
  });
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new CryptoError('INVALID_INPUT', `${transform.name}: no public key`);
  const publicValue = new Uint8Array(Buffer.from(x, 'base64url'));
  return {
    transform,
    publicValue,
    computeSharedSecret(peerPublic) {
      if (!key) return err(new CryptoError('INVALID_INPUT', `${transform.name}: key exchange destroyed`));
      if (!validatePublicLength(transform, peerPublic))
        return err(
          new CryptoError('INVALID_PUBLIC_VALUE', `${transform.name} KE data must be ${spec.length} bytes`),
        );
      let secret: Uint8Array;
      try {
        const publicKey = createPublicKey({
          key: { kty: 'OKP', crv: spec.crv, x: b64url(peerPublic) },
          format: 'jwk',
        });
        secret = view(diffieHellman({ privateKey: key, publicKey }));
      } catch {
        // OpenSSL itself refuses an all-zero result (low-order peer point) with a derivation error.
        return err(new CryptoError('INVALID_SHARED_SECRET', `${transform.name} shared secret is all zeros`));
      }
      // RFC 8031 §2 / RFC 7748 §6: reject the all-zero value (a low-order point).
      if (isAllZero(secret))
        return err(new CryptoError('INVALID_SHARED_SECRET', `${transform.name} shared secret is all zeros`));
      return ok(secret);
    },
    destroy() {
      scalar.fill(0);
      key = undefined; // the KeyObject's copy is freed by the GC; node has no explicit wipe
    },
  };
}
