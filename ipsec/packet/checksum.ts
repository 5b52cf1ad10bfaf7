/**
 * The Internet checksum (RFC 1071), its pseudo-headers (RFC 768 for IPv4, RFC 8200 §8.1 for
 * IPv6) and incremental update (RFC 1624). Sums are kept un-folded in a JS number (exact to
 * 2^53, far beyond any 64 KiB packet) and folded once at the end.
 */

/** RFC 1071 §4.1: the sum of the 16-bit big-endian words of data[start, end), odd byte padded with zero. */
export function onesComplementSum(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  return sum;
}

/** Folds carries back into 16 bits (end-around carry, RFC 1071 §2(B)). */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value: the one's complement of the folded sum. */
export const finishChecksum = (sum: number): number => ~foldSum(sum) & 0xffff;

/** Checksum of data[start, end) plus an initial (pseudo-header) sum. */
export function internetChecksum(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  return finishChecksum(onesComplementSum(data, start, end, initial));
}

/**
 * The pseudo-header sum for TCP/UDP/ICMPv6 checksums: IPv4 (RFC 768, RFC 9293 §3.1)
 * src | dst | zero | protocol | length (16 bits); IPv6 (RFC 8200 §8.1) src | dst |
 * upper-layer length (32 bits) | zero (24 bits) | next header. Summed, the two are the same
 * expression. Addresses are 4 or 16 bytes.
 */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  return (
    onesComplementSum(src) +
    onesComplementSum(dst) +
    protocol +
    Math.floor(length / 0x10000) +
    (length & 0xffff)
  );
}

/**
 * RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m'), for a change of the 16-bit-aligned field
 * `before` -> `after` (equal lengths, even) covered by checksum HC.
 */
export function adjustChecksum(checksum: number, before: Uint8Array, after: Uint8Array): number {
  let sum = ~checksum & 0xffff;
  for (let i = 0; i + 1 < before.length; i += 2) {
    sum += ~((before[i]! << 8) | before[i + 1]!) & 0xffff;
    sum += (after[i]! << 8) | after[i + 1]!;
  }
  return ~foldSum(sum) & 0xffff;
}
