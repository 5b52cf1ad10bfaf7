/** Byte helpers shared by every layer (portable: no node: imports). */

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time comparison (time depends only on the lengths). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b];
  return s;
}

/** Parses lowercase or uppercase hex; whitespace is ignored. Throws on malformed input (for trusted literals). */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean))
    throw new TypeError(`invalid hex string: ${hex.slice(0, 32)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * A buffer for key material that outlives a call: its octets are an ArrayBuffer's backing store,
 * outside the V8 heap, so the garbage collector never moves them and wipe() clears the only copy.
 * `new Uint8Array(n)` and `slice()` keep arrays of up to 64 octets inside the V8 heap, where a
 * scavenge copies a live array and leaves the old copy in freed memory until it is reused
 * (issue 18: found by test/actors/secrets.test.ts after every SA was deleted and wiped).
 */
export const secretBytes = (length: number): Uint8Array => new Uint8Array(new ArrayBuffer(length));

/** A copy of `b` in a secretBytes buffer. */
export function secretCopy(b: Uint8Array): Uint8Array {
  const out = secretBytes(b.length);
  out.set(b);
  return out;
}

/** Overwrites secret material in place (called when an SA dies). */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

export function xorInto(target: Uint8Array, source: Uint8Array, targetOffset = 0): void {
  for (let i = 0; i < source.length; i++) target[targetOffset + i]! ^= source[i]!;
}
