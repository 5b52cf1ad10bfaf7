/**
 * Key exchange values as integers and the provider-independent checks of a peer's KE data
 * (RFC 6989), for every method: ECP, Curve25519/448 and MODP (modp-groups.ts re-exports them).
 *
 * Portable: no node: imports, no provider import.
 */
import type { KeTransform } from './types.js';

/** Big-endian unsigned integer of `bytes` (0n for an empty array). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/**
 * `value` as `length` big-endian bytes, left-padded with zeros (RFC 7296 §3.4 for the KE data,
 * §2.14 for g^ir). Throws if the value does not fit (a programming error, never peer input).
 */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError('negative value');
  const hex = value.toString(16);
  if (hex.length > 2 * length) throw new RangeError(`value does not fit in ${length} bytes`);
  const padded = hex.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The KE data must have exactly the length the method defines (RFC 7296 §3.4; RFC 5903 §7:
 * x | y, each the field size; RFC 8031 §2: the u-coordinate). RFC 6989 §2 requires a
 * malformed value to be rejected rather than reshaped.
 */
export const validatePublicLength = (transform: KeTransform, value: Uint8Array): boolean =>
  value.length === transform.publicLength;

/** ECP KE data length check (RFC 5903 §7: x | y, each coordinate the field size). */
export const validateEcpPublicLength = (transform: KeTransform, value: Uint8Array): boolean =>
  transform.kind === 'ecp' && validatePublicLength(transform, value);

/**
 * RFC 7748 §6.1 / RFC 8031 §2: a Curve25519/Curve448 shared secret of all zeros (the peer sent
 * a low-order point) must be rejected. Constant time in the contents.
 */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}
