import { describe, expect, it } from 'vitest';
import { type TrafficSelector, TsType } from '../../../../ipsec/ike/model.js';
import {
  formatIp,
  parseIp,
  tsFromString,
  tsListFromStrings,
  tsToString,
} from '../../../../ipsec/ike/ts/text.js';

const v4 = (s: string) => parseIp(s)!;

function ts(text: string): TrafficSelector {
  const r = tsFromString(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
  return r.value;
}

describe('tsFromString', () => {
  const cases: [string, number, string, string, number, number, number, string][] = [
    // text, type, start, end, proto, startPort, endPort, back to text
    ['10.99.2.0/24', 7, '10.99.2.0', '10.99.2.255', 0, 0, 65535, '10.99.2.0/24'],
    ['10.0.0.1-10.0.0.9', 7, '10.0.0.1', '10.0.0.9', 0, 0, 65535, '10.0.0.1-10.0.0.9'],
    ['10.0.0.0-10.0.0.255', 7, '10.0.0.0', '10.0.0.255', 0, 0, 65535, '10.0.0.0/24'],
    ['10.0.0.1', 7, '10.0.0.1', '10.0.0.1', 0, 0, 65535, '10.0.0.1/32'],
    ['10.0.0.77/24', 7, '10.0.0.0', '10.0.0.255', 0, 0, 65535, '10.0.0.0/24'], // host bits masked
    ['0.0.0.0/0', 7, '0.0.0.0', '255.255.255.255', 0, 0, 65535, '0.0.0.0/0'],
    ['fec0::/64', 8, 'fec0::', 'fec0::ffff:ffff:ffff:ffff', 0, 0, 65535, 'fec0::/64'],
    ['::/0', 8, '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 0, 0, 65535, '::/0'],
    ['2001:db8::1-2001:db8::ff', 8, '2001:db8::1', '2001:db8::ff', 0, 0, 65535, '2001:db8::1-2001:db8::ff'],
    ['::ffff:10.0.0.1', 8, '::ffff:a00:1', '::ffff:a00:1', 0, 0, 65535, '::ffff:a00:1/128'],
    ['10.0.0.0/24[tcp/80]', 7, '10.0.0.0', '10.0.0.255', 6, 80, 80, '10.0.0.0/24[tcp/80]'],
    ['10.0.0.0/24[udp/1000-2000]', 7, '10.0.0.0', '10.0.0.255', 17, 1000, 2000, '10.0.0.0/24[udp/1000-2000]'],
    ['10.0.0.0/24[tcp]', 7, '10.0.0.0', '10.0.0.255', 6, 0, 65535, '10.0.0.0/24[tcp]'],
    ['10.0.0.0/24[tcp/any]', 7, '10.0.0.0', '10.0.0.255', 6, 0, 65535, '10.0.0.0/24[tcp]'],
    ['10.0.0.0/24[6/http]', 7, '10.0.0.0', '10.0.0.255', 6, 80, 80, '10.0.0.0/24[tcp/80]'],
    ['10.0.0.0/24[any/53]', 7, '10.0.0.0', '10.0.0.255', 0, 53, 53, '10.0.0.0/24[any/53]'],
    ['10.0.0.0/24[any]', 7, '10.0.0.0', '10.0.0.255', 0, 0, 65535, '10.0.0.0/24'],
    ['10.0.0.0/24[tcp/opaque]', 7, '10.0.0.0', '10.0.0.255', 6, 65535, 0, '10.0.0.0/24[tcp/opaque]'], // §3.13.1
    ['10.0.0.0/24[icmp/8]', 7, '10.0.0.0', '10.0.0.255', 1, 0x0800, 0x08ff, '10.0.0.0/24[icmp/8]'], // Type 8, all Codes
    [
      'fec0::/64[ipv6-icmp/128-129]',
      8,
      'fec0::',
      'fec0::ffff:ffff:ffff:ffff',
      58,
      0x8000,
      0x81ff,
      'fec0::/64[ipv6-icmp/128-129]',
    ],
    ['10.0.0.0/24[icmp/768]', 7, '10.0.0.0', '10.0.0.255', 1, 768, 768, '10.0.0.0/24[icmp/768]'], // Type 3 Code 0, raw
    ['10.0.0.0/24[50]', 7, '10.0.0.0', '10.0.0.255', 50, 0, 65535, '10.0.0.0/24[esp]'],
    ['10.0.0.0/24[sctp/0x50]', 7, '10.0.0.0', '10.0.0.255', 132, 80, 80, '10.0.0.0/24[sctp/80]'],
  ];
  it.each(cases)('%s', (text, type, start, end, proto, sp, ep, back) => {
    const r = ts(text);
    expect(r).toEqual({
      tsType: type,
      ipProtocol: proto,
      startPort: sp,
      endPort: ep,
      startAddress: parseIp(start),
      endAddress: parseIp(end),
    });
    expect(formatIp(r.startAddress)).toBe(start);
    expect(tsToString(r)).toBe(back);
    expect(ts(back)).toEqual(r);
  });

  const bad: [string, string][] = [
    ['10.0.0.256/24', 'INVALID_ADDRESS'],
    ['10.0.0.0/33', 'INVALID_ADDRESS'],
    ['10.0.0.0/2a', 'INVALID_ADDRESS'],
    ['fec0::/129', 'INVALID_ADDRESS'],
    ['10.0.0.9-10.0.0.1', 'INVALID_ADDRESS'],
    ['10.0.0.1-fec0::1', 'INVALID_ADDRESS'],
    ['1:2:3:4:5:6:7:8:9', 'INVALID_ADDRESS'],
    ['1::2::3', 'INVALID_ADDRESS'],
    ['1:2:3:4:5:6:7::8', 'INVALID_ADDRESS'],
    ['10.0.0', 'INVALID_ADDRESS'],
    ['[tcp/80]', 'INVALID_ADDRESS'],
    ['10.0.0.0/24[tcp/80', 'INVALID_ADDRESS'],
    ['10.0.0.0/24[foo]', 'INVALID_PROTOCOL'],
    ['10.0.0.0/24[256]', 'INVALID_PROTOCOL'],
    ['10.0.0.0/24[tcp/70000]', 'INVALID_PORT'],
    ['10.0.0.0/24[tcp/90-80]', 'INVALID_PORT'],
    ['10.0.0.0/24[tcp/gopher]', 'INVALID_PORT'],
    ['dynamic', 'DYNAMIC'],
  ];
  it.each(bad)('rejects %s (%s)', (text, code) => {
    const r = tsFromString(text);
    expect(r.ok || r.error.code).toBe(code);
  });

  it('parses a list, stopping at the first error', () => {
    const r = tsListFromStrings(['10.0.0.0/8', 'fec0::/16']);
    expect(r.ok && r.value.map((x) => x.tsType)).toEqual([
      TsType.TS_IPV4_ADDR_RANGE,
      TsType.TS_IPV6_ADDR_RANGE,
    ]);
    const e = tsListFromStrings(['10.0.0.0/8', 'nonsense']);
    expect(e.ok || e.error.text).toBe('nonsense');
  });
});

describe('formatIp (RFC 5952 §4)', () => {
  it.each([
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // §4.2.3: first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single 0 group is not compressed
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fec0:0:0:0:0:0:0:0', 'fec0::'],
    ['2001:DB8::AAAA', '2001:db8::aaaa'], // §4.3: lowercase
  ])('%s -> %s', (input, out) => {
    expect(formatIp(parseIp(input)!)).toBe(out);
  });

  it('prints IPv4 dotted', () => {
    expect(formatIp(v4('192.0.2.1'))).toBe('192.0.2.1');
  });
});
