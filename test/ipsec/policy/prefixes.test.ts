/**
 * Address ranges as CIDR prefixes (ipsec/policy/prefixes.ts): exact, fewest, for both families;
 * against a brute-force model on random IPv4 ranges.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../ipsec/packet/address.js';
import { prefixContains, prefixToString, rangeToPrefixes } from '../../../ipsec/policy/prefixes.js';

const ip = (s: string) => parseIp(s)!;
const cover = (a: string, b: string) => rangeToPrefixes(ip(a), ip(b)).map(prefixToString);

describe('rangeToPrefixes', () => {
  it('gives one prefix for an aligned block, the host route for one address, /0 for everything', () => {
    expect(cover('10.99.1.0', '10.99.1.255')).toEqual(['10.99.1.0/24']);
    expect(cover('10.99.2.1', '10.99.2.1')).toEqual(['10.99.2.1/32']);
    expect(cover('0.0.0.0', '255.255.255.255')).toEqual(['0.0.0.0/0']);
    expect(cover('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual(['::/0']);
    expect(cover('fd00:1::', 'fd00:1::ffff:ffff:ffff:ffff')).toEqual(['fd00:1::/64']);
  });

  it('cuts an unaligned range into the fewest blocks', () => {
    expect(cover('10.0.0.5', '10.0.0.9')).toEqual(['10.0.0.5/32', '10.0.0.6/31', '10.0.0.8/31']);
    expect(cover('10.0.0.1', '10.0.0.254')).toHaveLength(14);
  });

  it('is empty for an empty range or mixed families', () => {
    expect(cover('10.0.0.9', '10.0.0.5')).toEqual([]);
    expect(rangeToPrefixes(ip('10.0.0.1'), ip('::1'))).toEqual([]);
  });

  it('covers exactly the range, with no overlap, on random IPv4 ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 5000 }), (lo, span) => {
        const hi = Math.min(2 ** 32 - 1, lo + span);
        const v4 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
        const prefixes = rangeToPrefixes(v4(lo), v4(hi));
        const total = prefixes.reduce((s, p) => s + 2 ** (32 - p.length), 0);
        expect(total).toBe(hi - lo + 1);
        for (const probe of [lo, hi, Math.floor((lo + hi) / 2)])
          expect(prefixes.filter((p) => prefixContains(p, v4(probe)))).toHaveLength(1);
        if (lo > 0) expect(prefixes.some((p) => prefixContains(p, v4(lo - 1)))).toBe(false);
        if (hi < 2 ** 32 - 1) expect(prefixes.some((p) => prefixContains(p, v4(hi + 1)))).toBe(false);
        // fewest: no two neighbours could merge into one aligned block
        for (let i = 1; i < prefixes.length; i++) {
          const [a, b] = [prefixes[i - 1]!, prefixes[i]!];
          if (a.length === b.length) {
            const block = 2 ** (33 - a.length);
            const start = new DataView(a.address.buffer).getUint32(0);
            expect(start % block === 0 && a.length > 0).toBe(false);
          }
        }
      }),
    );
  });
});
