import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../ipsec/packet/address.js';
import { answerEcho } from '../../../ipsec/packet/echo.js';
import { extractFlow } from '../../../ipsec/packet/flow.js';
import { buildIcmpEcho, decodeIcmp, echoFields, IcmpType } from '../../../ipsec/packet/icmp.js';
import { buildIcmpv6Echo, decodeIcmpv6, Icmpv6Type } from '../../../ipsec/packet/icmpv6.js';
import { buildIpv4, decodeIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6, decodeIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp, verifyUdpChecksum } from '../../../ipsec/packet/udp.js';
import { concatBytes, fromHex, toHex } from '../../../ipsec/util/bytes.js';

/** An independent, deliberately naive Internet checksum: bit-serial end-around-carry sum. */
function naiveChecksum(...parts: Uint8Array[]): number {
  const all = concatBytes(...parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) {
    sum += all[i]! * 256 + (all[i + 1] ?? 0);
    if (sum > 0xffff) sum -= 0xffff;
  }
  return 0xffff - sum;
}

const V4_SRC = parseIp('192.0.2.10')!;
const V4_DST = parseIp('198.51.100.20')!;
const V6_SRC = parseIp('fe80::1')!;
const V6_DST = parseIp('ff02::1:ff00:2')!;

describe('UDP', () => {
  it('computes the IPv4 pseudo-header checksum (RFC 768)', () => {
    const payload = fromHex('48656c6c6f2c20455350210a0b'); // odd length
    const seg = buildUdp({ src: V4_SRC, dst: V4_DST, srcPort: 4500, dstPort: 4500, payload });
    const pseudo = concatBytes(V4_SRC, V4_DST, Uint8Array.of(0, 17, 0, seg.length));
    const zeroed = seg.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    expect((seg[6]! << 8) | seg[7]!).toBe(naiveChecksum(pseudo, zeroed));
    expect(verifyUdpChecksum(V4_SRC, V4_DST, seg)).toBe(true);
    expect(verifyUdpChecksum(V4_DST, V4_SRC, seg)).toBe(true); // the sum is symmetric in the addresses
    expect(verifyUdpChecksum(V4_SRC, parseIp('198.51.100.21')!, seg)).toBe(false);
    const d = decodeUdp(seg);
    expect(d.ok && [d.value.srcPort, d.value.dstPort, d.value.length, toHex(d.value.payload)]).toEqual([
      4500,
      4500,
      21,
      toHex(payload),
    ]);
  });

  it('computes the IPv6 pseudo-header checksum (RFC 8200 §8.1); zero is invalid there', () => {
    const seg = buildUdp({
      src: V6_SRC,
      dst: V6_DST,
      srcPort: 546,
      dstPort: 547,
      payload: new Uint8Array(9).fill(7),
    });
    const pseudo = concatBytes(V6_SRC, V6_DST, Uint8Array.of(0, 0, 0, seg.length, 0, 0, 0, 17));
    const zeroed = seg.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    expect((seg[6]! << 8) | seg[7]!).toBe(naiveChecksum(pseudo, zeroed));
    expect(verifyUdpChecksum(V6_SRC, V6_DST, seg)).toBe(true);
    expect(verifyUdpChecksum(V6_SRC, V6_DST, zeroed)).toBe(false);
    expect(
      verifyUdpChecksum(
        V4_SRC,
        V4_DST,
        buildUdp({
          src: V4_SRC,
          dst: V4_DST,
          srcPort: 1,
          dstPort: 2,
          payload: new Uint8Array(3),
          zeroChecksum: true,
        }),
      ),
    ).toBe(true);
  });

  it('rejects bad lengths', () => {
    expect(decodeUdp(new Uint8Array(7)).ok).toBe(false);
    expect(decodeUdp(fromHex('0001000200070000')).ok).toBe(false); // length 7 < 8
    expect(decodeUdp(fromHex('0001000200090000')).ok).toBe(false); // length 9 > 8 bytes
    const trailing = decodeUdp(fromHex('00010002000800000000'));
    expect(trailing.ok && trailing.value.payload.length).toBe(0);
  });
});

describe('ICMP', () => {
  it('builds an echo request the way ping does and answers it like the strongSwan peer did', () => {
    // The first ping of the strongSwan capture and the reply its kernel sent.
    const request = fromHex(
      '4500005405d4400040011d0e0a6302010a6301010800a121309100019fe60c6b00000000b427070000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    );
    const reply =
      '450000548aff00004001d7e20a6301010a6302010000a921309100019fe60c6b00000000b427070000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637';
    const ip = decodeIpv4(request);
    if (!ip.ok) throw new Error(ip.error.message);
    const icmp = decodeIcmp(ip.value.payload);
    if (!icmp.ok) throw new Error(icmp.error.message);
    const echo = echoFields(icmp.value);
    expect([icmp.value.type, echo.identifier, echo.sequence]).toEqual([8, 0x3091, 1]);
    expect(buildIcmpEcho(IcmpType.ECHO_REQUEST, echo)).toEqual(ip.value.payload);
    const answered = answerEcho(request, { identification: 0x8aff });
    expect(answered.ok && toHex(answered.value)).toBe(reply);
  });

  it('rejects a bad checksum and refuses to answer non-requests', () => {
    const msg = buildIcmpEcho(IcmpType.ECHO_REQUEST, { identifier: 1, sequence: 2, data: fromHex('abcdef') });
    msg[9]! ^= 0x10;
    const bad = decodeIcmp(msg);
    expect(bad.ok || bad.error.code).toBe('checksum');
    const reply = buildIpv4({
      src: V4_SRC,
      dst: V4_DST,
      protocol: IpProto.ICMP,
      payload: buildIcmpEcho(IcmpType.ECHO_REPLY, { identifier: 1, sequence: 2, data: new Uint8Array(0) }),
    });
    const r = answerEcho(reply);
    expect(r.ok || r.error.code).toBe('not-echo-request');
  });

  it('ICMPv6 echo: checksum with the pseudo-header (RFC 4443 §2.3) and the reply', () => {
    const data = fromHex('0102030405');
    const msg = buildIcmpv6Echo(V6_SRC, V6_DST, Icmpv6Type.ECHO_REQUEST, {
      identifier: 0x1234,
      sequence: 9,
      data,
    });
    const pseudo = concatBytes(V6_SRC, V6_DST, Uint8Array.of(0, 0, 0, msg.length, 0, 0, 0, 58));
    const zeroed = msg.slice();
    zeroed[2] = 0;
    zeroed[3] = 0;
    expect((msg[2]! << 8) | msg[3]!).toBe(naiveChecksum(pseudo, zeroed));
    expect(decodeIcmpv6(V6_SRC, V6_DST, msg).ok).toBe(true);
    expect(decodeIcmpv6(V6_SRC, V6_SRC, msg).ok).toBe(false);
    const request = buildIpv6({ src: V6_SRC, dst: V6_DST, nextHeader: 58, payload: msg });
    const answered = answerEcho(request, { ttl: 255 });
    if (!answered.ok) throw new Error(answered.error.message);
    const ip = decodeIpv6(answered.value);
    if (!ip.ok) throw new Error(ip.error.message);
    expect([ip.value.src, ip.value.dst, ip.value.hopLimit]).toEqual([V6_DST, V6_SRC, 255]);
    const m = decodeIcmpv6(ip.value.src, ip.value.dst, ip.value.payload);
    expect(m.ok && [m.value.type, echoFields(m.value).identifier, echoFields(m.value).sequence]).toEqual([
      129, 0x1234, 9,
    ]);
    expect(m.ok && echoFields(m.value).data).toEqual(data);
  });
});

describe('extractFlow', () => {
  it('reads ports, ICMP type/code, and marks IPv4 non-initial fragments', () => {
    const udp = buildIpv4({
      src: V4_SRC,
      dst: V4_DST,
      protocol: 17,
      payload: buildUdp({ src: V4_SRC, dst: V4_DST, srcPort: 1234, dstPort: 53, payload: new Uint8Array(2) }),
    });
    const f = extractFlow(udp);
    expect(f.ok && f.value).toMatchObject({
      version: 4,
      protocol: 17,
      srcPort: 1234,
      dstPort: 53,
      nonInitialFragment: false,
    });
    const icmp = buildIpv4({
      src: V4_SRC,
      dst: V4_DST,
      protocol: 1,
      payload: buildIcmpEcho(8, { identifier: 1, sequence: 1, data: new Uint8Array(0) }),
    });
    const g = extractFlow(icmp);
    expect(g.ok && [g.value.icmpType, g.value.icmpCode, g.value.srcPort]).toEqual([8, 0, undefined]);
    const fragment = udp.slice();
    fragment[7] = 0x10; // fragment offset 16 (x 8 bytes); checksum not verified by extractFlow
    const h = extractFlow(fragment);
    expect(h.ok && [h.value.nonInitialFragment, h.value.srcPort]).toEqual([true, undefined]);
    const truncated = buildIpv4({ src: V4_SRC, dst: V4_DST, protocol: 6, payload: new Uint8Array(3) });
    expect(extractFlow(truncated).ok).toBe(false);
  });
});
