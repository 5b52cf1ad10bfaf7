/**
 * The Encrypted payload (SK, RFC 7296 §3.14; AEAD form RFC 5282 §3-§5).
 * STUB signatures: the implementation replaces the bodies.
 */
import type { Cipher, Mac, RandomBytes } from '../crypto/types.js';
import type { Result } from '../result.js';

/** The keys protecting one direction: SK_ei/SK_ai (initiator's messages) or SK_er/SK_ar. */
export interface SkKeys {
  readonly cipher: Cipher;
  /** Absent for AEAD ciphers. */
  readonly mac?: Mac;
}

export type SkError =
  | { readonly code: 'TRUNCATED'; readonly offset: number } // body shorter than IV + ICV or misaligned
  | { readonly code: 'INTEGRITY' } // ICV / AEAD tag does not verify
  | { readonly code: 'PADDING'; readonly offset: number }; // pad length exceeds the plaintext

/**
 * Builds a whole protected message. `prefix(skBodyLength)` returns the octets from the first
 * octet of the IKE header through the SK generic payload header, with every length field
 * already final for an SK body of `skBodyLength` octets (IV | ciphertext | ICV).
 */
export function sealSk(
  _keys: SkKeys,
  _random: RandomBytes,
  _prefix: (skBodyLength: number) => Uint8Array,
  _plaintext: Uint8Array,
): Uint8Array {
  throw new Error('not implemented');
}

/**
 * Verifies and decrypts the SK payload of `message`, whose generic payload header starts at
 * `skOffset` (SK is the last payload, RFC 7296 §3.14). Integrity is checked before anything is
 * decrypted or parsed. Returns the inner payload chain without padding.
 */
export function openSk(_keys: SkKeys, _message: Uint8Array, _skOffset: number): Result<Uint8Array, SkError> {
  throw new Error('not implemented');
}
