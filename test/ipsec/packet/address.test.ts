import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, parseIp, parseIpv4, parseIpv6 } from '../../../ipsec/packet/address.js';
import { toHex } from '../../../ipsec/util/bytes.js';

describe('addresses', () => {
  it.each([
    // RFC 5952 §4 canonical forms
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: first of equal runs
    ['2001:0db8:0:0:0:0:2:1', '2001:db8::2:1'], // §4.1 leading zeros, §4.2.1 longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // longest run wins
    ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3 lowercase
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80::1:2:3:4:5:6', 'fe80:0:1:2:3:4:5:6'],
  ])('%s -> %s', (input, canonical) => {
    const a = parseIpv6(input);
    expect(a && formatIp(a)).toBe(canonical);
  });

  it('parses dotted quads strictly', () => {
    expect(toHex(parseIpv4('10.99.2.1')!)).toBe('0a630201');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', '', '1..2.3'])
      expect(parseIpv4(bad)).toBeUndefined();
  });

  it('rejects malformed IPv6 text', () => {
    for (const bad of [
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '12345::',
      'g::',
      '1:2:3:4:5:6:7::8',
      ':::',
    ])
      expect(parseIpv6(bad)).toBeUndefined();
  });

  it('format and parse are inverse', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 4, maxLength: 4 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
        ),
        (a) => {
          const back = parseIp(formatIp(a));
          return back !== undefined && toHex(back) === toHex(a);
        },
      ),
    );
    fc.assert(fc.property(fc.ipV6(), (text) => parseIpv6(text) !== undefined));
    fc.assert(fc.property(fc.ipV4(), (text) => parseIpv4(text) !== undefined));
  });
});
