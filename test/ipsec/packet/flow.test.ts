/**
 * extractFlow reads IPv4 (and IPv6 without extension headers) straight from the bytes. Its
 * definition is the decodeIp-based code it replaced, kept here as the oracle: for every input
 * - random bytes, valid packets from the builders, and mutated valid packets - both must
 * give deep-equal Results (ok/err, every field, error code and message).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PacketError } from '../../../ipsec/packet/errors.js';
import { packetError } from '../../../ipsec/packet/errors.js';
import { extractFlow, type Flow } from '../../../ipsec/packet/flow.js';
import { buildIcmpEcho } from '../../../ipsec/packet/icmp.js';
import { decodeIp } from '../../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../ipsec/packet/udp.js';
import { readU16, writeU16 } from '../../../ipsec/packet/wire.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import { concatBytes } from '../../../ipsec/util/bytes.js';

/** The former extractFlow, verbatim: full decodeIp, then the upper-layer fields. */
function oracleFlow(packet: Uint8Array): Result<Flow, PacketError> {
  const decoded = decodeIp(packet, { verifyChecksum: false });
  if (!decoded.ok) return decoded;
  const ip = decoded.value;
  const nonInitialFragment = ip.version === 4 ? ip.fragmentOffset !== 0 : (ip.fragment?.offset ?? 0) !== 0;
  const base = { version: ip.version, src: ip.src, dst: ip.dst, protocol: ip.protocol, nonInitialFragment };
  if (nonInitialFragment) return ok(base);
  const l4 = ip.payload;
  switch (ip.protocol) {
    case IpProto.TCP:
    case IpProto.UDP:
    case IpProto.SCTP:
      if (l4.length < 4) return err(packetError('truncated', `protocol ${ip.protocol} header truncated`));
      return ok({ ...base, srcPort: readU16(l4, 0), dstPort: readU16(l4, 2) });
    case IpProto.ICMP:
    case IpProto.ICMPV6:
      if (l4.length < 2) return err(packetError('truncated', 'ICMP header truncated'));
      return ok({ ...base, icmpType: l4[0]!, icmpCode: l4[1]! });
    case IpProto.MOBILITY:
      if (l4.length < 3) return err(packetError('truncated', 'Mobility Header truncated'));
      return ok({ ...base, icmpType: l4[2]! });
    default:
      return ok(base);
  }
}

/** Same Result, field for field; toStrictEqual also tells an absent field from an undefined one. */
function agrees(bytes: Uint8Array): void {
  expect(extractFlow(bytes)).toStrictEqual(oracleFlow(bytes));
}

const addr4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const addr6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const port = fc.integer({ min: 0, max: 0xffff });
const byte = fc.integer({ min: 0, max: 255 });
/** Protocols with a selector branch, ones without, and IPv6 extension headers / AH. */
const protocol = fc.oneof(
  fc.constantFrom(
    IpProto.TCP,
    IpProto.UDP,
    IpProto.SCTP,
    IpProto.ICMP,
    IpProto.ICMPV6,
    IpProto.MOBILITY,
    IpProto.ESP,
    IpProto.NO_NEXT_HEADER,
    IpProto.HOPOPT,
    IpProto.IPV6_ROUTE,
    IpProto.IPV6_FRAG,
    IpProto.IPV6_OPTS,
    IpProto.AH,
  ),
  byte,
);

/** An upper-layer payload: a real UDP datagram or ICMP echo, or raw bytes (also 0-3 long). */
const upper = (src: Uint8Array, dst: Uint8Array) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.uint8Array({ maxLength: 80 }),
    fc
      .tuple(port, port, fc.uint8Array({ maxLength: 40 }))
      .map(([sp, dp, payload]) => buildUdp({ src, dst, srcPort: sp, dstPort: dp, payload })),
    fc
      .tuple(fc.constantFrom(0, 8, 128, 129), port, port, fc.uint8Array({ maxLength: 20 }))
      .map(([type, identifier, sequence, data]) => buildIcmpEcho(type, { identifier, sequence, data })),
  );

/** A valid IPv4 packet: optional options (IHL > 5), fragment fields, trailing link padding. */
const ipv4Packet = fc
  .tuple(addr4, addr4)
  .chain(([src, dst]) =>
    fc.record({
      src: fc.constant(src),
      dst: fc.constant(dst),
      protocol,
      payload: upper(src, dst),
      ttl: byte,
      tos: byte,
      optionWords: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
      optionFill: byte,
      flagsOffset: fc.oneof(
        fc.constant(0),
        fc.constant(0x4000), // DF
        fc.constant(0x2000), // MF, offset 0: the first fragment still has its ports
        fc.integer({ min: 0, max: 0xffff }),
      ),
      padding: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 16 })),
    }),
  )
  .map((p) => {
    const built = buildIpv4({
      src: p.src,
      dst: p.dst,
      protocol: p.protocol,
      payload: p.payload,
      ttl: p.ttl,
      tos: p.tos,
    });
    const options = new Uint8Array(p.optionWords * 4).fill(p.optionFill);
    const out = concatBytes(built.subarray(0, 20), options, built.subarray(20), p.padding);
    out[0] = 0x40 | (5 + p.optionWords);
    writeU16(out, 2, built.length + options.length);
    writeU16(out, 6, p.flagsOffset);
    return out;
  });

/** A valid IPv6 packet: any Next Header (extension headers then come from the random payload). */
const ipv6Packet = fc
  .tuple(addr6, addr6)
  .chain(([src, dst]) =>
    fc.record({
      src: fc.constant(src),
      dst: fc.constant(dst),
      nextHeader: protocol,
      payload: fc.oneof(
        upper(src, dst),
        // A Fragment header (RFC 8200 §4.5) before the upper layer: initial or not.
        fc
          .tuple(protocol, fc.integer({ min: 0, max: 0xffff }), upper(src, dst))
          .map(([nh, offsetFlags, rest]) => {
            const frag = new Uint8Array(8);
            frag[0] = nh;
            writeU16(frag, 2, offsetFlags);
            return concatBytes(frag, rest);
          }),
      ),
      padding: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 16 })),
    }),
  )
  .map((p) =>
    concatBytes(
      buildIpv6({ src: p.src, dst: p.dst, nextHeader: p.nextHeader, payload: p.payload }),
      p.padding,
    ),
  );

const validPacket = fc.oneof(ipv4Packet, ipv6Packet);

/** Mutations of a valid packet, biased to the header fields extractFlow reads. */
type Mutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number };
const headerIndex = fc.oneof(
  fc.constantFrom(0, 2, 3, 4, 5, 6, 7, 9, 20, 21, 22, 23, 24, 40, 41, 42, 43),
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: 0, max: 400 }),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ kind: fc.constant('set' as const), at: headerIndex, value: byte }),
  fc.record({ kind: fc.constant('flip' as const), at: headerIndex, bit: fc.integer({ min: 0, max: 7 }) }),
);

function mutate(packet: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = packet.slice();
  for (const m of mutations) {
    if (m.kind === 'truncate') out = out.slice(0, m.at);
    else if (m.at < out.length) out[m.at] = m.kind === 'set' ? m.value : out[m.at]! ^ (1 << m.bit);
  }
  return out;
}

describe('extractFlow agrees with the decodeIp-based definition', () => {
  it('on random bytes, biased towards IPv4/IPv6 version nibbles', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 100 }),
      fc
        .tuple(fc.integer({ min: 0x40, max: 0x6f }), fc.uint8Array({ maxLength: 100 }))
        .map(([first, rest]) => Uint8Array.of(first, ...rest)),
    );
    fc.assert(
      fc.property(bytes, (b) => agrees(b)),
      { numRuns: 5000 },
    );
  });

  it('on valid packets built with the ipsec/packet builders', () => {
    fc.assert(
      fc.property(validPacket, (p) => {
        expect(extractFlow(p).ok).toBe(oracleFlow(p).ok);
        agrees(p);
      }),
      { numRuns: 3000 },
    );
  });

  it('on valid packets truncated, with header bytes set or bits flipped', () => {
    fc.assert(
      fc.property(validPacket, fc.array(mutation, { minLength: 1, maxLength: 4 }), (p, ms) =>
        agrees(mutate(p, ms)),
      ),
      { numRuns: 5000 },
    );
  });

  it('on views into a larger buffer (byteOffset != 0)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 9 }),
        validPacket,
        fc.uint8Array({ maxLength: 9 }),
        (pre, p, post) => agrees(concatBytes(pre, p, post).subarray(pre.length, pre.length + p.length)),
      ),
      { numRuns: 1000 },
    );
  });
});

describe('extractFlow (examples)', () => {
  const src = Uint8Array.of(10, 1, 0, 1);
  const dst = Uint8Array.of(10, 2, 0, 1);
  const udp = buildIpv4({
    src,
    dst,
    protocol: IpProto.UDP,
    payload: buildUdp({ src, dst, srcPort: 4500, dstPort: 53, payload: new Uint8Array(3) }),
  });

  it('reads an IPv4/UDP packet, the addresses as views into the packet', () => {
    const r = extractFlow(udp);
    expect(r).toStrictEqual(
      ok({ version: 4, src, dst, protocol: 17, nonInitialFragment: false, srcPort: 4500, dstPort: 53 }),
    );
    if (!r.ok) return;
    expect(r.value.src.buffer).toBe(udp.buffer);
    expect(r.value.dst.byteOffset).toBe(udp.byteOffset + 16);
  });

  it('gives decodeIpv4 error codes for each header check', () => {
    const code = (b: Uint8Array) => {
      const r = extractFlow(b);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code(new Uint8Array(0))).toBe('version');
    expect(code(udp.subarray(0, 19))).toBe('truncated');
    const ihl4 = udp.slice();
    ihl4[0] = 0x44;
    expect(code(ihl4)).toBe('header-length');
    const short = udp.slice();
    writeU16(short, 2, 19);
    expect(code(short)).toBe('length');
    const long = udp.slice();
    writeU16(long, 2, udp.length + 1);
    expect(code(long)).toBe('truncated');
    const noPorts = udp.slice();
    writeU16(noPorts, 2, 23); // the header plus 3 bytes of UDP
    expect(code(noPorts)).toBe('truncated');
    const fragment = noPorts.slice();
    writeU16(fragment, 6, 1); // offset 1: OPAQUE ports, no truncation error
    expect(extractFlow(fragment)).toStrictEqual(
      ok({ version: 4, src, dst, protocol: 17, nonInitialFragment: true }),
    );
  });
});
