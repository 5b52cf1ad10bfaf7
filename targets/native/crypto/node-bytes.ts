/** Buffer <-> Uint8Array glue for the node:crypto provider. */

/**
 * A plain Uint8Array view of a Buffer that node:crypto allocated for one result (cipher
 * update/final, digest, computeSecret: exact-size, never from the shared Buffer pool), so
 * callers see the same type from both providers without a copy.
 */
export function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** `b` (at most `length` bytes) right-aligned in `length` bytes: big-endian left-pad with zeros. */
export function leftPad(b: Uint8Array, length: number): Uint8Array {
  if (b.length === length) return b;
  const out = new Uint8Array(length);
  out.set(b, length - b.length);
  return out;
}

export const EMPTY = new Uint8Array(0);
