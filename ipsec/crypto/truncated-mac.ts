/**
 * The Mac object both providers build around a keyed full-length MAC function: key length
 * checked at construction, the ICV is the leftmost icvLength octets (RFC 2404 §2, RFC 4868
 * §2.1.1, RFC 3566 §3, RFC 4494 §2.1), verification in constant time, unusable after destroy().
 */
import { equalBytes } from '../util/bytes.js';
import { CryptoError } from './errors.js';
import type { IntegTransform, Mac } from './types.js';

export function checkMacKey(transform: IntegTransform, key: Uint8Array): void {
  // RFC 2404 §3, RFC 4868 §2.1.1, RFC 3566 §2.1, RFC 4494 §2.2: the key length is fixed per transform.
  if (key.length !== transform.keyLength)
    throw new CryptoError(
      'INVALID_KEY_LENGTH',
      `${transform.name} needs a ${transform.keyLength}-byte key, got ${key.length}`,
    );
}

export interface KeyedMac {
  /** The full-length MAC of `data` under the key. */
  readonly full: (data: Uint8Array) => Uint8Array;
  /** Zeroes the keyed state. */
  readonly wipe: () => void;
  /** Constant-time equality of equal-length octet strings (default equalBytes). */
  readonly equal?: (a: Uint8Array, b: Uint8Array) => boolean;
}

export function truncatedMac(transform: IntegTransform, keyed: KeyedMac): Mac {
  const icvLength = transform.icvLength;
  const equal = keyed.equal ?? equalBytes;
  let destroyed = false;
  return {
    transform,
    compute(data) {
      if (destroyed) throw new CryptoError('INVALID_INPUT', `${transform.name}: key destroyed`);
      return keyed.full(data).slice(0, icvLength);
    },
    // Length first, then a constant-time compare; peer input never throws.
    verify: (data, received) =>
      !destroyed && received.length === icvLength && equal(keyed.full(data).subarray(0, icvLength), received),
    destroy() {
      destroyed = true;
      keyed.wipe();
    },
  };
}
