import { describe, expect, it } from 'vitest';
import { formatIp, parseIp } from '../../../ipsec/packet/address.js';
import { buildIpv4, decodeIpv4 } from '../../../ipsec/packet/ipv4.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';

// The classic worked example of the IPv4 header checksum (checksum 0xb861).
const HEADER = '450000730000400040 11b861c0a80001c0a800c7'.replace(/\s/g, '');

describe('IPv4', () => {
  it('decodes and verifies a header with a known checksum', () => {
    const packet = fromHex(HEADER + '00'.repeat(0x73 - 20));
    const r = decodeIpv4(packet);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({
      headerLength: 20,
      totalLength: 0x73,
      identification: 0,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: 64,
      protocol: 17,
      checksum: 0xb861,
    });
    expect(formatIp(r.value.src)).toBe('192.168.0.1');
    expect(formatIp(r.value.dst)).toBe('192.168.0.199');
    expect(r.value.payload).toHaveLength(0x73 - 20);
  });

  it('builds the same header', () => {
    const packet = buildIpv4({
      src: parseIp('192.168.0.1')!,
      dst: parseIp('192.168.0.199')!,
      protocol: 17,
      payload: new Uint8Array(0x73 - 20),
      dontFragment: true,
    });
    expect(toHex(packet.subarray(0, 20))).toBe(HEADER);
  });

  it('decodes a strongSwan inner ICMP packet (10.99.2.1 -> 10.99.1.1)', () => {
    const r = decodeIpv4(
      fromHex(
        '4500005405d4400040011d0e0a6302010a6301010800a121309100019fe60c6b00000000b427070000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
      ),
    );
    expect(
      r.ok && [formatIp(r.value.src), formatIp(r.value.dst), r.value.protocol, r.value.identification],
    ).toEqual(['10.99.2.1', '10.99.1.1', 1, 0x05d4]);
  });

  it('skips options and ignores bytes after Total Length', () => {
    const base = fromHex(HEADER + '00'.repeat(0x73 - 20));
    const withOptions = new Uint8Array(0x73 + 4 + 3);
    withOptions.set(base.subarray(0, 20));
    withOptions[0] = 0x46; // IHL 6: one option word
    withOptions[3] = 0x77; // total length + 4
    withOptions.set([1, 1, 1, 0], 20); // NOP NOP NOP EOL
    withOptions[10] = 0;
    withOptions[11] = 0;
    const r0 = decodeIpv4(withOptions, { verifyChecksum: false });
    expect(r0.ok && r0.value.headerLength).toBe(24);
    expect(r0.ok && r0.value.payload.length).toBe(0x73 - 20);
    expect(decodeIpv4(withOptions).ok).toBe(false); // the checksum no longer matches
  });

  it.each([
    ['short', '4500', 'truncated'],
    ['IPv6', `60${'00'.repeat(39)}`, 'version'],
    ['IHL 4', `44${HEADER.slice(2)}`, 'header-length'],
    ['total length < IHL', `4500001000004000401100000a0000010a000002`, 'length'],
    ['total length > buffer', HEADER, 'truncated'],
    ['bad checksum', `${HEADER.slice(0, 20)}b862${HEADER.slice(24)}${'00'.repeat(0x73 - 20)}`, 'checksum'],
  ])('rejects %s', (_what, hex, code) => {
    const r = decodeIpv4(fromHex(hex));
    expect(r.ok || r.error.code).toBe(code);
  });
});
