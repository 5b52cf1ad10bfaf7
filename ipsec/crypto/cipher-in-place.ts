/**
 * The packet-shaped calls of a Cipher (the ESP hot path), for every provider: a provider's
 * encryptInto / decryptAt when it has them, else encrypt / decrypt on views and a copy. Callers
 * need not know which provider they hold.
 */
import type { Cipher } from './types.js';

/** Writes ciphertext (| ICV for an AEAD) of `plaintext` into `out` at `offset`; see Cipher.encryptInto. */
export function encryptInto(
  cipher: Cipher,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | undefined,
  out: Uint8Array,
  offset: number,
): void {
  if (cipher.encryptInto) {
    cipher.encryptInto(iv, plaintext, aad, out, offset);
    return;
  }
  const t = cipher.transform;
  const sealed = cipher.encrypt(iv, plaintext, aad);
  if (sealed.length !== plaintext.length + (t.aead ? t.icvLength : 0))
    throw new Error(`${t.name}: unexpected output length`);
  out.set(sealed, offset);
}

/**
 * Decrypts packet[offset, end) under the IV at packet[ivOffset, ...); see Cipher.decryptAt.
 * Ranges outside the packet are refused (undefined), not clamped.
 */
export function decryptAt(
  cipher: Cipher,
  packet: Uint8Array,
  ivOffset: number,
  offset: number,
  end: number,
  aad?: Uint8Array,
): Uint8Array | undefined {
  if (cipher.decryptAt) return cipher.decryptAt(packet, ivOffset, offset, end, aad);
  const ivEnd = ivOffset + cipher.transform.ivLength;
  if (!(ivOffset >= 0 && ivEnd <= packet.length && offset >= 0 && offset <= end && end <= packet.length))
    return undefined;
  const iv = packet.subarray(ivOffset, ivEnd);
  return cipher.decrypt(iv, packet.subarray(offset, end), aad);
}
