import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIpv6, IPV6_HEADER_LENGTH } from '../../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../../ipsec/packet/proto.js';
import { buildUdp } from '../../../../ipsec/packet/udp.js';
import { VirtualClock } from '../../../../ipsec/util/clock.js';
import { decodeFrame, encodeDatagram } from '../../../../transport/radio/sixlowpan/adaptation.js';
import {
  DATAGRAM_SIZE_MAX,
  decodeFragmentHeader,
  FRAG1_HEADER_LENGTH,
  FRAGN_HEADER_LENGTH,
  frag1Capacity,
  fragNCapacity,
} from '../../../../transport/radio/sixlowpan/frag.js';
import type { ContextTable, LinkAddresses } from '../../../../transport/radio/sixlowpan/iphc.js';
import {
  DEFAULT_REASSEMBLY_TIMEOUT_MS,
  REASSEMBLY_TIMEOUT_MAX_MS,
  Reassembler,
} from '../../../../transport/radio/sixlowpan/reassembly.js';
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

const MAC_PAYLOAD = 116; // 127 - 9 (MHR with short addresses, PAN ID compression) - 2 (FCS)
const LINK: LinkAddresses = { src: 2, dst: 1 };
const CONTEXTS: ContextTable = [FD00];
const SRC = Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 2);
const DST = Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 1);

function udpDatagram(n: number, src = SRC, dst = DST, srcPort = 500, dstPort = 500): Uint8Array {
  const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
  const udp = buildUdp({ src, dst, srcPort, dstPort, payload });
  return buildIpv6({ src, dst, nextHeader: IpProto.UDP, payload: udp });
}

function encode(d: Uint8Array, tag = 0x1234, maxPayload = MAC_PAYLOAD, link = LINK, contexts = CONTEXTS) {
  const e = encodeDatagram(d, link, contexts, tag, maxPayload);
  if (!e.ok) throw new Error(e.error.message);
  return e.value;
}

describe('RFC 4944 fragmentation headers', () => {
  it('encodes FRAG1 (11000, size, tag) and FRAGN (11100, size, tag, offset/8)', () => {
    const e = encode(udpDatagram(250), 0xabcd);
    expect(e.frames).toHaveLength(3);
    const size = IPV6_HEADER_LENGTH + 8 + 250; // 298 = 0x12a
    expect(Array.from(e.frames[0]!.subarray(0, 4))).toEqual([0xc1, 0x2a, 0xab, 0xcd]);
    expect(Array.from(e.frames[1]!.subarray(0, 5))).toEqual([0xe1, 0x2a, 0xab, 0xcd, (48 + 96) / 8]);
    expect(Array.from(e.frames[2]!.subarray(0, 5))).toEqual([0xe1, 0x2a, 0xab, 0xcd, (48 + 96 + 104) / 8]);
    expect(decodeFragmentHeader(Uint8Array.of(0xc7, 0xff, 0, 1))).toEqual({
      ok: true,
      value: { kind: 'FRAG1', datagramSize: 2047, datagramTag: 1, offset: 0, end: 4 },
    });
    expect(size).toBe(0x12a);
  });

  it('fills frames of 116 octets: FRAG1 96 octets of payload after 9 of headers, FRAGN 104', () => {
    expect(frag1Capacity(MAC_PAYLOAD, 9, 48)).toBe(96);
    expect(fragNCapacity(MAC_PAYLOAD)).toBe(104);
    const e = encode(udpDatagram(1232)); // a 1280-octet datagram
    expect(e.headerLength).toBe(9);
    expect(e.frames.map((f) => f.length)).toEqual([
      4 + 9 + 96,
      ...new Array(10).fill(5 + 104),
      5 + 1232 - 96 - 1040,
    ]);
    expect(e.fragmentHeaderLength).toBe(FRAG1_HEADER_LENGTH + 11 * FRAGN_HEADER_LENGTH);
    // one frame without fragmentation header up to 116 - 9 = 107 octets of UDP payload
    expect(encode(udpDatagram(107)).frames.map((f) => f.length)).toEqual([116]);
    expect(encode(udpDatagram(108)).frames).toHaveLength(2);
  });

  it('refuses a datagram_size over 11 bits', () => {
    const e = encodeDatagram(udpDatagram(DATAGRAM_SIZE_MAX), LINK, CONTEXTS, 0, MAC_PAYLOAD);
    expect(e.ok ? 'ok' : e.error.code).toBe('too-big');
  });
});

const datagramArb = fc
  .tuple(linkAddress, linkAddress, contextTable)
  .chain(([s, d, contexts]) =>
    fc.record({
      link: fc.constant({ src: s, dst: d }),
      contexts: fc.constant(contexts),
      src: address(s, contexts, false),
      dst: address(d, contexts, true),
      trafficClass,
      flowLabel,
      hopLimit,
      udp: fc.boolean(),
      srcPort: port,
      dstPort: port,
      payload: fc.uint8Array({ maxLength: 1400 }),
      tag: fc.integer({ min: 0, max: 0xffff }),
      maxPayload: fc.integer({ min: 60, max: 116 }),
    }),
  )
  .map((a) => {
    const body = a.udp
      ? buildUdp({ src: a.src, dst: a.dst, srcPort: a.srcPort, dstPort: a.dstPort, payload: a.payload })
      : a.payload;
    const datagram = buildIpv6({
      src: a.src,
      dst: a.dst,
      nextHeader: a.udp ? IpProto.UDP : IpProto.NO_NEXT_HEADER,
      payload: body,
      hopLimit: a.hopLimit,
      trafficClass: a.trafficClass,
      flowLabel: a.flowLabel,
    });
    return { ...a, datagram };
  })
  .filter((a) => a.datagram.length <= DATAGRAM_SIZE_MAX);

describe('RFC 4944 reassembly', () => {
  it('reassembles exactly when every fragment arrived, in any order, with duplicates and losses (property)', () => {
    fc.assert(
      fc.property(
        datagramArb,
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (a, order, lost) => {
          const e = encodeDatagram(a.datagram, a.link, a.contexts, a.tag, a.maxPayload);
          if (!e.ok) throw new Error(e.error.message);
          const frames = e.value.frames;
          for (const f of frames) expect(f.length).toBeLessThanOrEqual(a.maxPayload);
          if (frames.length > 1) {
            // FRAG1 first; each FRAGN at the uncompressed octets before it, all of them multiples of 8
            let covered =
              a.datagram.length - frames.slice(1).reduce((n, f) => n + f.length - FRAGN_HEADER_LENGTH, 0);
            expect(covered % 8).toBe(0);
            frames.forEach((f, i) => {
              const h = decodeFragmentHeader(f);
              expect(h.ok && h.value).toMatchObject({
                kind: i === 0 ? 'FRAG1' : 'FRAGN',
                datagramSize: a.datagram.length,
                datagramTag: a.tag,
                offset: i === 0 ? 0 : covered,
              });
              if (i > 0) covered += f.length - FRAGN_HEADER_LENGTH;
              if (i > 0 && i < frames.length - 1) expect((f.length - FRAGN_HEADER_LENGTH) % 8).toBe(0);
            });
          }
          // Deliver: every frame at least once, minus the lost ones, in a shuffled order with duplicates.
          const lostSet = new Set(lost.map((i) => i % frames.length));
          const schedule = frames.map((_, i) => i);
          for (const o of order) schedule.push(o % frames.length);
          for (let i = schedule.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(1, order.length)] ?? i) % (i + 1);
            [schedule[i], schedule[j]] = [schedule[j]!, schedule[i]!];
          }
          const r = new Reassembler({ clock: new VirtualClock(), maxDatagramSize: DATAGRAM_SIZE_MAX });
          const got: Uint8Array[] = [];
          for (const i of schedule) {
            if (lostSet.has(i)) continue;
            const out = decodeFrame(frames[i]!, a.link, a.contexts, r);
            if (!out.ok) throw new Error(out.error.message);
            if (out.value) got.push(out.value);
          }
          const complete = lostSet.size === 0;
          if (frames.length === 1) {
            // unfragmented: each copy is a whole datagram
            for (const g of got) expect(g).toEqual(a.datagram);
            expect(got.length > 0).toBe(complete);
            return;
          }
          // A datagram is complete once; later duplicates start a new reassembly that never completes alone.
          for (const g of got) expect(g).toEqual(a.datagram);
          if (complete) expect(got.length).toBeGreaterThanOrEqual(1);
          else expect(got).toHaveLength(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('flushes an incomplete reassembly when its timer fires, and counts it', () => {
    const clock = new VirtualClock();
    const r = new Reassembler({ clock });
    const frames = encode(udpDatagram(300)).frames;
    expect(decodeFrame(frames[0]!, LINK, CONTEXTS, r)).toEqual({ ok: true, value: undefined });
    expect(r.size).toBe(1);
    clock.advance(DEFAULT_REASSEMBLY_TIMEOUT_MS - 1);
    expect(r.size).toBe(1);
    clock.advance(1);
    expect(r.size).toBe(0);
    expect(r.stats.timeouts).toBe(1);
    // the rest, arriving late, does not complete a datagram
    for (const f of frames.slice(1))
      expect(decodeFrame(f, LINK, CONTEXTS, r)).toEqual({ ok: true, value: undefined });
    expect(clock.pending).toBe(1);
    expect(() => new Reassembler({ clock, timeoutMs: REASSEMBLY_TIMEOUT_MAX_MS + 1 })).toThrow(RangeError);
    expect(() => new Reassembler({ clock, maxDatagramSize: 2048 })).toThrow(RangeError);
  });

  it('discards the reassembly on an overlap of another offset or size and starts afresh; ignores duplicates', () => {
    const r = new Reassembler({ clock: new VirtualClock() });
    const key = { src: 2, dst: 1, datagramSize: 24, datagramTag: 7 };
    expect(r.add(key, 0, new Uint8Array(16).fill(1))).toBeUndefined();
    expect(r.add(key, 0, new Uint8Array(16).fill(1))).toBeUndefined();
    expect(r.stats.duplicates).toBe(1);
    expect(r.add(key, 8, new Uint8Array(8).fill(2))).toBeUndefined(); // overlaps [0, 16)
    expect(r.stats.overlaps).toBe(1);
    expect(r.add(key, 16, new Uint8Array(8).fill(3))).toBeUndefined();
    expect(r.add(key, 0, new Uint8Array(8).fill(4))).toEqual(
      Uint8Array.from([4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3]),
    );
    expect(r.stats).toMatchObject({ started: 2, completed: 1, overlaps: 1, duplicates: 1 });
  });

  it('keys by link source, link destination, datagram_size and tag; limits concurrent reassemblies and size', () => {
    const r = new Reassembler({ clock: new VirtualClock(), maxReassemblies: 2, maxDatagramSize: 100 });
    const k = { src: 2, dst: 1, datagramSize: 16, datagramTag: 1 };
    r.add(k, 0, new Uint8Array(8));
    r.add({ ...k, src: 3 }, 0, new Uint8Array(8));
    r.add({ ...k, datagramSize: 24 }, 0, new Uint8Array(8));
    expect(r.stats).toMatchObject({ started: 2, full: 1 });
    expect(r.add({ ...k, src: 3 }, 8, new Uint8Array(8).fill(9))?.length).toBe(16);
    r.add({ ...k, datagramSize: 101 }, 0, new Uint8Array(8));
    r.add(k, 12, new Uint8Array(8)); // runs past datagram_size
    r.add(k, 8, new Uint8Array(0));
    expect(r.stats).toMatchObject({ tooBig: 1, outOfBounds: 2, completed: 1 });
    // a FRAG1 announcing a datagram over the limit is counted, not expanded
    const big = encode(udpDatagram(200)).frames[0]!;
    expect(decodeFrame(big, LINK, CONTEXTS, r)).toEqual({ ok: true, value: undefined });
    expect(r.stats.tooBig).toBe(2);
  });

  it('never throws on random MAC payloads, and errors are typed (fuzz)', () => {
    const codes = new Set([
      'truncated',
      'dispatch',
      'reserved',
      'context',
      'unsupported',
      'length',
      'too-big',
    ]);
    const clock = new VirtualClock();
    const r = new Reassembler({ clock, maxReassemblies: 8, maxDatagramSize: DATAGRAM_SIZE_MAX });
    const seeds = [encode(udpDatagram(300)).frames, encode(udpDatagram(20)).frames].flat();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 127 }),
          fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, i, v]) => {
            const m = s.slice();
            m[i % m.length] = v;
            return m;
          }),
          fc
            .tuple(fc.constantFrom(0xc0, 0xe0, 0x60, 0x41), bytes(4), fc.uint8Array({ maxLength: 100 }))
            .map(([d, h, rest]) => Uint8Array.from([d | (h[0]! & 7), ...h.subarray(1), ...rest])),
        ),
        linkAddress,
        (payload, src) => {
          const out = decodeFrame(payload, { src, dst: 1 }, CONTEXTS, r);
          if (!out.ok) expect(codes.has(out.error.code)).toBe(true);
          clock.advance(100);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
