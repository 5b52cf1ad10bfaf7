/**
 * What the node:crypto ciphers (node-encr.ts, node-aead.ts) share: the checks of an IV and of
 * packet ranges, and the error a destroyed cipher throws.
 */
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import type { EncrTransform } from '../../../ipsec/crypto/types.js';

/** What encrypt() throws once destroy() has zeroed the keys (types.ts Cipher.destroy). */
export const destroyedError = (transform: EncrTransform): CryptoError =>
  new CryptoError('INVALID_INPUT', `${transform.name}: key destroyed`);

export function checkIv(transform: EncrTransform, iv: Uint8Array): void {
  if (iv.length !== transform.ivLength)
    throw new CryptoError('INVALID_IV_LENGTH', `${transform.name} needs a ${transform.ivLength}-byte IV`);
}

/**
 * For decryptAt: copies the IV packet[ivOffset, ivOffset + length) into `target` at `at`
 * (a loop: no view per packet), after checking that both ranges lie inside the packet.
 */
export function ivFromPacket(
  target: Uint8Array,
  at: number,
  packet: Uint8Array,
  ivOffset: number,
  length: number,
  offset: number,
  end: number,
): boolean {
  if (
    !(
      ivOffset >= 0 &&
      ivOffset + length <= packet.length &&
      offset >= 0 &&
      offset <= end &&
      end <= packet.length
    )
  )
    return false;
  for (let i = 0; i < length; i++) target[at + i] = packet[ivOffset + i]!;
  return true;
}
