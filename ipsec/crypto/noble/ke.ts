/**
 * Key exchange methods of the portable provider (Transform Type 4, RFC 7296 §3.3.2), composed
 * from the methods a provider is given (compose.ts), one file per family so that a build reaches
 * only the groups it names:
 *
 * - ke-ecp.ts: ECP groups 19, 20, 21 (RFC 5903) and group 25 (RFC 5114 §2.6);
 * - ke-montgomery.ts: Curve25519 (31) and Curve448 (32) per RFC 8031;
 * - ke-modp.ts: MODP groups 14, 15, 16 (RFC 3526) in BigInt arithmetic.
 *
 * Peer public values are validated per RFC 6989 and never throw: a bad value returns
 * err(CryptoError INVALID_PUBLIC_VALUE); a degenerate result err(INVALID_SHARED_SECRET).
 * A caller-supplied private key that is not valid for the group is a programming error and
 * throws at construction (ipsec/crypto/types.ts conventions).
 */
import { err, type Result } from '../../result.js';
import { wipe } from '../../util/bytes.js';
import { CryptoError } from '../errors.js';
import { validatePublicLength } from '../ke-values.js';
import type { KeTransform, KeyExchange, RandomBytes } from '../types.js';

export type SharedSecret = Result<Uint8Array, CryptoError>;

/** The group arithmetic behind one KeyExchange, closed over the private value's bytes. */
export interface Engine {
  readonly publicValue: Uint8Array;
  shared(peerPublic: Uint8Array): SharedSecret;
}

/** One key exchange method of the provider (a group), by its Transform Type 4 id. */
export interface KeMethod {
  readonly id: number;
  readonly kind: KeTransform['kind'];
  /** The private value: a caller's, checked (throws if invalid), or drawn from `random`. */
  privateKey(transform: KeTransform, random: RandomBytes, given?: Uint8Array): Uint8Array;
  engine(transform: KeTransform, priv: Uint8Array): Engine;
}

export const invalidPublic = (transform: KeTransform, why: string): SharedSecret =>
  err(new CryptoError('INVALID_PUBLIC_VALUE', `${transform.name}: ${why}`));
export const invalidSecret = (transform: KeTransform, why: string): SharedSecret =>
  err(new CryptoError('INVALID_SHARED_SECRET', `${transform.name}: ${why}`));

const unsupported = (transform: KeTransform): CryptoError =>
  new CryptoError('UNSUPPORTED_TRANSFORM', `key exchange method ${transform.id} (${transform.name})`);

export type KeyExchangeFactory = (
  transform: KeTransform,
  random: RandomBytes,
  privateKey?: Uint8Array,
) => KeyExchange;

/** The provider's keyExchange over `methods`; any other method throws UNSUPPORTED_TRANSFORM. */
export function keyExchangeFactory(methods: readonly KeMethod[]): KeyExchangeFactory {
  const byId = new Map(methods.map((m) => [m.id, m]));
  return (transform, random, privateKey) => {
    const method = byId.get(transform.id);
    if (method?.kind !== transform.kind) throw unsupported(transform);
    const priv = method.privateKey(transform, random, privateKey);
    const engine = method.engine(transform, priv);
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
  };
}
