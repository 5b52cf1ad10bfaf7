/**
 * "Too big" ICMP errors (ipsec/packet/too-big.ts): RFC 1191 §4 fragmentation needed with the
 * next-hop MTU, RFC 4443 §3.2 Packet Too Big, the quote limits (RFC 1812 §4.3.2.3, RFC 4443
 * §2.4 (c)) and the packets that get no error (RFC 1812 §4.3.2.7, RFC 4443 §2.4 (e)).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../ipsec/packet/address.js';
import { internetChecksum } from '../../../ipsec/packet/checksum.js';
import { buildIcmpEcho, decodeIcmp, IcmpType } from '../../../ipsec/packet/icmp.js';
import { decodeIcmpv6, Icmpv6Type } from '../../../ipsec/packet/icmpv6.js';
import { decodeIp } from '../../../ipsec/packet/ip.js';
import { buildIpv4, decodeIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6, decodeIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { mustNotFragment, tooBigError } from '../../../ipsec/packet/too-big.js';
import { buildUdp } from '../../../ipsec/packet/udp.js';
import { readU16, readU32 } from '../../../ipsec/packet/wire.js';

const ip = (s: string) => parseIp(s)!;
const A4 = ip('10.99.2.1');
const B4 = ip('10.99.1.1');
const GW4 = ip('10.99.2.254');
const A6 = ip('fd00:2::1');
const B6 = ip('fd00:1::1');

const udp4 = (size: number, o: { df?: boolean; src?: Uint8Array; dst?: Uint8Array } = {}) =>
  buildIpv4({
    src: o.src ?? A4,
    dst: o.dst ?? B4,
    protocol: IpProto.UDP,
    dontFragment: o.df ?? true,
    payload: buildUdp({
      src: o.src ?? A4,
      dst: o.dst ?? B4,
      srcPort: 4000,
      dstPort: 5000,
      payload: new Uint8Array(size),
    }),
  });
const udp6 = (size: number, o: { src?: Uint8Array; dst?: Uint8Array } = {}) =>
  buildIpv6({
    src: o.src ?? A6,
    dst: o.dst ?? B6,
    nextHeader: IpProto.UDP,
    payload: buildUdp({
      src: o.src ?? A6,
      dst: o.dst ?? B6,
      srcPort: 4000,
      dstPort: 5000,
      payload: new Uint8Array(size),
    }),
  });

describe('mustNotFragment', () => {
  it('is true for IPv4 with DF and for IPv6, false for IPv4 without DF', () => {
    expect(mustNotFragment(udp4(100, { df: true }))).toBe(true);
    expect(mustNotFragment(udp4(100, { df: false }))).toBe(false);
    expect(mustNotFragment(udp6(100))).toBe(true);
    expect(mustNotFragment(new Uint8Array([0x45]))).toBe(false);
  });
});

describe('tooBigError, IPv4 (RFC 1191 §4)', () => {
  it('is a Destination Unreachable code 4 to the source, from the given address, with the next-hop MTU', () => {
    const original = udp4(1400);
    const out = tooBigError(original, 1372, GW4)!;
    const outer = decodeIpv4(out);
    expect(outer.ok).toBe(true);
    if (!outer.ok) return;
    expect([...outer.value.src]).toEqual([...GW4]);
    expect([...outer.value.dst]).toEqual([...A4]);
    expect(outer.value.protocol).toBe(IpProto.ICMP);
    const icmp = decodeIcmp(outer.value.payload); // checksum verified
    expect(icmp.ok).toBe(true);
    if (!icmp.ok) return;
    expect(icmp.value.type).toBe(IcmpType.DEST_UNREACHABLE);
    expect(icmp.value.code).toBe(4);
    expect(readU16(icmp.value.rest, 0)).toBe(0); // unused
    expect(readU16(icmp.value.rest, 2)).toBe(1372);
    // RFC 1812 §4.3.2.3: as much of the original as fits in 576 octets
    expect(out.length).toBe(576);
    expect([...icmp.value.body]).toEqual([...original.subarray(0, 576 - 28)]);
  });

  it('quotes a short packet whole, and answers from its destination without a source of ours', () => {
    const original = udp4(10);
    const out = tooBigError(original, 1000)!;
    const d = decodeIpv4(out);
    if (!d.ok) throw new Error('does not decode');
    expect([...d.value.src]).toEqual([...B4]);
    expect([...d.value.payload.subarray(8)]).toEqual([...original]);
  });

  it('never reports an MTU under 68 (RFC 791)', () => {
    const d = decodeIpv4(tooBigError(udp4(100), 20)!);
    if (!d.ok) throw new Error('does not decode');
    expect(readU16(d.value.payload, 6)).toBe(68);
  });

  it('sends nothing for ICMP errors, non-initial fragments, multicast or broadcast, or an unspecified source', () => {
    const err = tooBigError(udp4(100), 1000)!; // an ICMP error itself
    expect(tooBigError(err, 500)).toBeUndefined();
    const echo = buildIpv4({
      src: A4,
      dst: B4,
      protocol: IpProto.ICMP,
      dontFragment: true,
      payload: buildIcmpEcho(IcmpType.ECHO_REQUEST, {
        identifier: 1,
        sequence: 1,
        data: new Uint8Array(1400),
      }),
    });
    expect(tooBigError(echo, 1000)).toBeDefined(); // an echo request is not an error: it gets one
    const fragment = udp4(100);
    fragment[7] = 1; // fragment offset 8
    fragment.set([0, 0], 10);
    fragment.set([internetChecksum(fragment, 0, 20) >> 8, internetChecksum(fragment, 0, 20) & 0xff], 10);
    expect(tooBigError(fragment, 1000)).toBeUndefined();
    expect(tooBigError(udp4(100, { dst: ip('224.0.0.5') }), 1000)).toBeUndefined();
    expect(tooBigError(udp4(100, { dst: ip('255.255.255.255') }), 1000)).toBeUndefined();
    expect(tooBigError(udp4(100, { src: ip('0.0.0.0') }), 1000)).toBeUndefined();
    expect(tooBigError(new Uint8Array([0x45, 0, 0]), 1000)).toBeUndefined();
  });
});

describe('tooBigError, IPv6 (RFC 4443 §3.2)', () => {
  it('is a Packet Too Big to the source with the MTU, quoting up to 1280 octets in all', () => {
    const original = udp6(1500);
    const out = tooBigError(original, 1300, ip('fd00:2::fe'))!;
    expect(out.length).toBe(1280);
    const outer = decodeIpv6(out);
    if (!outer.ok) throw new Error('does not decode');
    expect([...outer.value.dst]).toEqual([...A6]);
    const icmp = decodeIcmpv6(outer.value.src, outer.value.dst, outer.value.payload); // checksum verified
    if (!icmp.ok) throw new Error(icmp.error.message);
    expect(icmp.value.type).toBe(Icmpv6Type.PACKET_TOO_BIG);
    expect(icmp.value.code).toBe(0);
    expect(readU32(icmp.value.rest, 0)).toBe(1300);
    expect([...icmp.value.body]).toEqual([...original.subarray(0, 1280 - 48)]);
  });

  it('never reports an MTU under 1280 (RFC 8200 §5) and sends nothing for errors or multicast', () => {
    const out = tooBigError(udp6(1500), 1000)!;
    const d = decodeIp(out);
    if (!d.ok || d.value.version !== 6) throw new Error('does not decode');
    expect(readU32(d.value.payload, 4)).toBe(1280);
    expect(tooBigError(out, 1280)).toBeUndefined();
    expect(tooBigError(udp6(100, { dst: ip('ff02::1') }), 1280)).toBeUndefined();
    expect(tooBigError(udp6(100, { src: ip('::') }), 1280)).toBeUndefined();
  });
});

describe('tooBigError on any bytes', () => {
  it('never throws, and what it builds decodes with a valid checksum and goes to the original source', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 70000 }), (bytes, mtu) => {
        const out = tooBigError(bytes, mtu);
        if (!out) return;
        const d = decodeIp(out);
        expect(d.ok).toBe(true);
        const orig = decodeIp(bytes, { verifyChecksum: false });
        if (!d.ok || !orig.ok) throw new Error('unreachable');
        expect([...d.value.dst]).toEqual([...orig.value.src]);
      }),
    );
  });
});
