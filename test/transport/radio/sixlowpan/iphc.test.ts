import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv6 } from '../../../../ipsec/packet/address.js';
import { IpProto } from '../../../../ipsec/packet/proto.js';
import {
  addressContext,
  type ContextTable,
  decodeIphc,
  encodeIphc,
  type Ipv6HeaderFields,
  type LinkAddresses,
} from '../../../../transport/radio/sixlowpan/iphc.js';
import { decodeUdpNhc, encodeUdpNhc } from '../../../../transport/radio/sixlowpan/nhc-udp.js';
import {
  address,
  bytes,
  contextTable,
  FD00,
  flowLabel,
  hopLimit,
  linkAddress,
  port,
  trafficClass,
} from './arbitraries.js';

const ip = (s: string): Uint8Array => parseIpv6(s)!;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const CONTEXTS: ContextTable = [FD00];

function header(src: string, dst: string, more: Partial<Ipv6HeaderFields> = {}): Ipv6HeaderFields {
  return {
    trafficClass: 0,
    flowLabel: 0,
    nextHeader: IpProto.UDP,
    hopLimit: 64,
    src: ip(src),
    dst: ip(dst),
    ...more,
  };
}

function roundTrip(h: Ipv6HeaderFields, link: LinkAddresses, contexts: ContextTable, nhc: boolean) {
  const enc = encodeIphc(h, link, contexts, nhc);
  const dec = decodeIphc(enc, 0, link, contexts);
  if (!dec.ok) throw new Error(dec.error.message);
  expect(dec.value.end).toBe(enc.length);
  expect({ ...dec.value.fields, nextHeader: nhc ? h.nextHeader : dec.value.fields.nextHeader }).toEqual({
    ...h,
    src: new Uint8Array(h.src),
    dst: new Uint8Array(h.dst),
  });
  return enc;
}

describe('LOWPAN_IPHC (RFC 6282 §3)', () => {
  it('elides everything on a first hop: addresses from the link and context 0, HLIM 64, TF 11, NH 1', () => {
    const h = header('fd00::ff:fe00:2', 'fd00::ff:fe00:1');
    // 011 TF=11 NH=1 HLIM=10 | CID=0 SAC=1 SAM=11 M=0 DAC=1 DAM=11
    expect(hex(roundTrip(h, { src: 2, dst: 1 }, CONTEXTS, true))).toBe('7e77');
  });

  it('carries the hop limit and 16-bit IIDs on a forwarded hop', () => {
    const h = header('fd00::ff:fe00:2', 'fd00::ff:fe00:1', { hopLimit: 63 });
    // last hop 3 -> 1: HLIM inline, SAM=10 (0000:00ff:fe00:0002), DAM=11
    expect(hex(roundTrip(h, { src: 3, dst: 1 }, CONTEXTS, true))).toBe('7c673f0002');
    // middle hop 3 -> 4: DAM=10 too
    expect(hex(roundTrip(h, { src: 3, dst: 4 }, CONTEXTS, true))).toBe('7c663f00020001');
  });

  it('compresses link-local addresses statelessly and ff02::1 to one octet (M=1 DAM=11)', () => {
    expect(hex(roundTrip(header('fe80::ff:fe00:2', 'fe80::ff:fe00:1'), { src: 2, dst: 1 }, [], true))).toBe(
      '7e33',
    );
    expect(hex(roundTrip(header('fe80::ff:fe00:2', 'ff02::1'), { src: 2, dst: 0xffff }, [], true))).toBe(
      '7e3b01',
    );
    // fe80::1234 is not the link's IID: SAM=01 (64 bits inline)
    expect(hex(roundTrip(header('fe80::1234', 'fe80::ff:fe00:1'), { src: 2, dst: 1 }, [], false))).toBe(
      '7a1311' + '0000000000001234',
    );
  });

  it('orders ECN before DSCP in all four TF forms', () => {
    const link = { src: 2, dst: 1 };
    const tf = (tc: number, fl: number) =>
      hex(
        roundTrip(
          header('fd00::ff:fe00:2', 'fd00::ff:fe00:1', { trafficClass: tc, flowLabel: fl }),
          link,
          CONTEXTS,
          true,
        ),
      );
    expect(tf(0xb8, 0)).toBe('7677' + '2e'); // TF=10: EF (DSCP 46), ECN 0
    expect(tf(0x01, 0x12345)).toBe('6e77' + '412345'); // TF=01: ECN 1, DSCP elided
    expect(tf(0xb9, 0x12345)).toBe('6677' + '6e012345'); // TF=00: ECN 1 | DSCP 46, pad, flow label
  });

  it('uses a non-default context with the CID octet (SCI | DCI)', () => {
    const ctx2 = addressContext(ip('2001:db8::'), 64);
    const h = header('2001:db8::ff:fe00:2', 'fd00::ff:fe00:1');
    expect(hex(roundTrip(h, { src: 2, dst: 1 }, [FD00, undefined, ctx2], true))).toBe('7ef720');
  });

  it('uses the unspecified-address form (SAC=1 SAM=00) and refuses DAC=1 DAM=00 for unicast', () => {
    expect(hex(roundTrip(header('::', 'fd00::ff:fe00:1'), { src: 2, dst: 1 }, CONTEXTS, true))).toBe('7e47');
    const r = decodeIphc(Uint8Array.of(0x7e, 0x74), 0, { src: 2, dst: 1 }, CONTEXTS);
    expect(r.ok ? 'ok' : r.error.code).toBe('reserved');
    const u = decodeIphc(Uint8Array.of(0x7e, 0xf7, 0x20), 0, { src: 2, dst: 1 }, CONTEXTS);
    expect(u.ok ? 'ok' : u.error.code).toBe('context');
  });

  it('round-trips any header, address pair, context table and link addresses (property)', () => {
    const arb = fc.tuple(linkAddress, linkAddress, contextTable).chain(([s, d, contexts]) =>
      fc.record({
        link: fc.constant({ src: s, dst: d }),
        contexts: fc.constant(contexts),
        src: address(s, contexts, false),
        dst: address(d, contexts, true),
        trafficClass,
        flowLabel,
        hopLimit,
        nextHeader: fc.integer({ min: 0, max: 255 }),
        nhc: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(arb, (a) => {
        const { link, contexts, nhc, ...h } = a;
        const enc = roundTrip(h, link, contexts, nhc);
        expect(enc.length).toBeLessThanOrEqual(2 + 1 + 4 + 1 + 1 + 16 + 16);
      }),
      { numRuns: 3000 },
    );
  });

  it('fully elides prefix::ff:fe00:XXXX addresses whose XXXX are the link addresses (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xfffe }), (s, d) => {
        const src = new Uint8Array(16);
        src.set(FD00.prefix.subarray(0, 8));
        src.set([0, 0, 0, 0xff, 0xfe, 0, s >> 8, s & 0xff], 8);
        const dst = src.slice();
        dst.set([d >> 8, d & 0xff], 14);
        const enc = encodeIphc({ ...header('::', '::'), src, dst }, { src: s, dst: d }, CONTEXTS, true);
        expect(enc.length).toBe(2);
      }),
    );
  });

  it('decodes random octets without throwing, with typed errors (fuzz)', () => {
    const codes = new Set([
      'truncated',
      'dispatch',
      'reserved',
      'context',
      'unsupported',
      'length',
      'too-big',
    ]);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 48 }),
        fc.boolean(),
        linkAddress,
        linkAddress,
        contextTable,
        (b, force, s, d, contexts) => {
          if (force && b.length > 0) b[0] = 0x60 | (b[0]! & 0x1f);
          const r = decodeIphc(b, 0, { src: s, dst: d }, contexts);
          if (!r.ok) expect(codes.has(r.error.code)).toBe(true);
          else expect(r.value.end).toBeLessThanOrEqual(b.length);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('UDP LOWPAN_NHC (RFC 6282 §4.3)', () => {
  it('compresses 0xF0Bx pairs to one octet, 0xF0xx to one octet each side, and keeps the checksum', () => {
    expect(hex(encodeUdpNhc({ srcPort: 0xf0b1, dstPort: 0xf0b2, checksum: 0xabcd }))).toBe('f312abcd');
    expect(hex(encodeUdpNhc({ srcPort: 500, dstPort: 0xf012, checksum: 0 }))).toBe('f101f4120000');
    expect(hex(encodeUdpNhc({ srcPort: 0xf012, dstPort: 4500, checksum: 1 }))).toBe('f212119' + '40001');
    expect(hex(encodeUdpNhc({ srcPort: 500, dstPort: 4500, checksum: 0xffff }))).toBe('f001f41194ffff');
  });

  it('round-trips any ports and checksum, refuses an elided checksum, and never throws', () => {
    fc.assert(
      fc.property(port, port, fc.integer({ min: 0, max: 0xffff }), (srcPort, dstPort, checksum) => {
        const e = encodeUdpNhc({ srcPort, dstPort, checksum });
        expect(decodeUdpNhc(e, 0)).toEqual({
          ok: true,
          value: { srcPort, dstPort, checksum, end: e.length },
        });
      }),
    );
    const c1 = decodeUdpNhc(Uint8Array.of(0xf7, 0x12), 0);
    expect(c1.ok ? 'ok' : c1.error.code).toBe('unsupported');
    fc.assert(
      fc.property(
        bytes(0).chain(() => fc.uint8Array({ maxLength: 8 })),
        (b) => {
          const r = decodeUdpNhc(b, 0);
          if (r.ok) expect(r.value.end).toBeLessThanOrEqual(b.length);
        },
      ),
    );
  });
});
