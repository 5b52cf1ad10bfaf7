/**
 * Address ranges as CIDR prefixes: a traffic selector is a range (RFC 7296 §3.13.1), a route is
 * a prefix. `rangeToPrefixes` gives the fewest prefixes that cover a range exactly (an aligned
 * block at a time, largest first), as a route table needs them for a selector such as
 * 10.0.0.5-10.0.0.9 (10.0.0.5/32, 10.0.0.6/31, 10.0.0.8/31).
 */
import { formatIp } from '../packet/address.js';

export interface Prefix {
  /** The network address (4 or 16 octets). */
  readonly address: Uint8Array;
  readonly length: number;
}

const toBig = (b: Uint8Array): bigint => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);

function fromBig(v: bigint, octets: number): Uint8Array {
  const out = new Uint8Array(octets);
  for (let i = octets - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The fewest prefixes whose union is exactly [start, end] (both of one family, start <= end);
 * empty when the range is empty or the families differ.
 */
export function rangeToPrefixes(start: Uint8Array, end: Uint8Array): Prefix[] {
  if (start.length !== end.length || (start.length !== 4 && start.length !== 16)) return [];
  const bits = start.length * 8;
  let lo = toBig(start);
  const hi = toBig(end);
  const out: Prefix[] = [];
  while (lo <= hi) {
    // the largest block that starts at lo (aligned) and ends within hi
    let size = 0;
    while (
      size < bits &&
      (lo & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      lo + (1n << BigInt(size + 1)) - 1n <= hi
    )
      size++;
    out.push({ address: fromBig(lo, start.length), length: bits - size });
    lo += 1n << BigInt(size);
  }
  return out;
}

export const prefixToString = (p: Prefix): string => `${formatIp(p.address)}/${p.length}`;

/** Whether `address` (of the prefix's family) is inside the prefix. */
export function prefixContains(p: Prefix, address: Uint8Array): boolean {
  if (address.length !== p.address.length) return false;
  const bits = BigInt(address.length * 8 - p.length);
  return toBig(address) >> bits === toBig(p.address) >> bits;
}
