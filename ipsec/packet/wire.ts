/** Big-endian field access (network byte order) on Uint8Array; callers check bounds first. */

export const readU16 = (b: Uint8Array, offset: number): number => (b[offset]! << 8) | b[offset + 1]!;

export function writeU16(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value >>> 8;
  b[offset + 1] = value & 0xff;
}

export const readU32 = (b: Uint8Array, offset: number): number =>
  ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;

export function writeU32(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value >>> 24;
  b[offset + 1] = (value >>> 16) & 0xff;
  b[offset + 2] = (value >>> 8) & 0xff;
  b[offset + 3] = value & 0xff;
}
