import { describe, expect, it } from 'vitest';
import { formatIp, parseIp } from '../../../ipsec/packet/address.js';
import { extractFlow } from '../../../ipsec/packet/flow.js';
import { buildIpv6, decodeIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../ipsec/packet/udp.js';
import { concatBytes, fromHex } from '../../../ipsec/util/bytes.js';

const SRC = parseIp('2001:db8::1')!;
const DST = parseIp('2001:db8:0:1::2')!;

describe('IPv6', () => {
  it('round-trips the fixed header', () => {
    const packet = buildIpv6({
      src: SRC,
      dst: DST,
      nextHeader: IpProto.UDP,
      payload: new Uint8Array(12),
      hopLimit: 7,
      trafficClass: 0xb8,
      flowLabel: 0xabcde,
    });
    expect(packet.subarray(0, 8)).toEqual(fromHex('6b8abcde000c1107'));
    const r = decodeIpv6(packet);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({
      trafficClass: 0xb8,
      flowLabel: 0xabcde,
      payloadLength: 12,
      nextHeader: 17,
      protocol: 17,
      hopLimit: 7,
      upperLayerOffset: 40,
    });
    expect(formatIp(r.value.src)).toBe('2001:db8::1');
    expect(formatIp(r.value.dst)).toBe('2001:db8:0:1::2');
  });

  it('walks Hop-by-Hop, Destination Options, Routing and Fragment headers to the upper layer', () => {
    const udp = buildUdp({ src: SRC, dst: DST, srcPort: 5353, dstPort: 53, payload: new Uint8Array(4) });
    const hbh = fromHex('3c00010400000000'); // next: Destination Options, PadN
    const dest = fromHex('2b01010c000000000000000000000000'); // next: Routing, 16 bytes
    const routing = fromHex('2c00000000000000'); // next: Fragment (type 0, segments left 0)
    const frag = fromHex('1100000112345678'); // next: UDP, offset 0, M = 1
    const packet = buildIpv6({
      src: SRC,
      dst: DST,
      nextHeader: IpProto.HOPOPT,
      payload: concatBytes(hbh, dest, routing, frag, udp),
    });
    const r = decodeIpv6(packet);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.protocol).toBe(IpProto.UDP);
    expect(r.value.upperLayerOffset).toBe(40 + 8 + 16 + 8 + 8);
    expect(r.value.fragment).toEqual({ offset: 0, more: true, identification: 0x12345678 });
    expect(r.value.payload).toEqual(udp);
    const flow = extractFlow(packet);
    expect(flow.ok && [flow.value.protocol, flow.value.srcPort, flow.value.dstPort]).toEqual([17, 5353, 53]);
  });

  it('stops at a non-initial fragment: ports are opaque (RFC 4301 §4.4.1.1)', () => {
    const frag = fromHex('1100002912345678'); // offset 5, M = 1
    const packet = buildIpv6({
      src: SRC,
      dst: DST,
      nextHeader: 44,
      payload: concatBytes(frag, new Uint8Array(16)),
    });
    const flow = extractFlow(packet);
    expect(flow.ok && flow.value.nonInitialFragment).toBe(true);
    expect(flow.ok && flow.value.srcPort).toBeUndefined();
  });

  it('skips AH by its 32-bit-word length (RFC 4302 §2.2)', () => {
    const ah = fromHex(`3a040000 00000100 00000001 ${'00'.repeat(12)}`); // Payload Len 4: (4 + 2) * 4 = 24 bytes
    const icmp = fromHex('8000000000010002');
    const r = decodeIpv6(buildIpv6({ src: SRC, dst: DST, nextHeader: 51, payload: concatBytes(ah, icmp) }));
    expect(r.ok && [r.value.protocol, r.value.upperLayerOffset]).toEqual([58, 64]);
  });

  it.each([
    ['short', '60000000', 'truncated'],
    ['IPv4', `45${'00'.repeat(39)}`, 'version'],
    ['payload beyond the buffer', `6000000000081140${'00'.repeat(32)}`, 'truncated'],
    ['extension header overrun', `6000000000080040${'00'.repeat(32)}1101000000000000`, 'header-length'],
    ['jumbogram', `6000000000000040${'00'.repeat(32)}`, 'unsupported'],
  ])('rejects %s', (_what, hex, code) => {
    const r = decodeIpv6(fromHex(hex));
    expect(r.ok || r.error.code).toBe(code);
  });
});
