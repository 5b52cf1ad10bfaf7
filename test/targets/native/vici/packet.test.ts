/**
 * VICI packets and framing (targets/native/vici/packet.ts): every packet type round trips, the
 * octets of a request, typed errors, arbitrary input never throws, and the segment reader gives
 * the same segments whatever the chunking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ViciNode, type ViciSection, viciSection } from '../../../../targets/native/vici/message.js';
import {
  decodePacket,
  encodeFrame,
  encodePacket,
  frameSegment,
  VICI_SEGMENT_MAX,
  type ViciPacket,
  type ViciPacketErrorCode,
  ViciSegmentReader,
} from '../../../../targets/native/vici/packet.js';

const b = (s: string) => new TextEncoder().encode(s);

const name = fc.string({ unit: 'binary', maxLength: 30 });
const message = fc
  .uniqueArray(
    fc.tuple(
      fc.string({ maxLength: 8 }),
      fc.oneof(
        fc.uint8Array({ maxLength: 16 }),
        fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 }),
        fc.constant(new Map<string, ViciNode>([['k', b('v')]]) as ViciSection),
      ),
    ),
    { selector: ([k]) => k, maxLength: 5 },
  )
  .map((e) => new Map<string, ViciNode>(e) as ViciSection);

const packet: fc.Arbitrary<ViciPacket> = fc.oneof(
  fc.record({ type: fc.constant('cmd-request' as const), name, message }),
  fc.record({ type: fc.constant('cmd-response' as const), message }),
  fc.constant({ type: 'cmd-unknown' as const }),
  fc.record({ type: fc.constant('event-register' as const), name }),
  fc.record({ type: fc.constant('event-unregister' as const), name }),
  fc.constant({ type: 'event-confirm' as const }),
  fc.constant({ type: 'event-unknown' as const }),
  fc.record({ type: fc.constant('event' as const), name, message }),
);

describe('VICI packets', () => {
  it('a request on the wire: length, type 0, name, message', () => {
    const frame = encodeFrame({ type: 'cmd-request', name: 'stats', message: new Map() });
    expect([...frame]).toEqual([0, 0, 0, 7, 0, 5, ...b('stats')]);
    const init = encodeFrame({
      type: 'cmd-request',
      name: 'initiate',
      message: viciSection({ child: 'net' }),
    });
    expect([...init]).toEqual([0, 0, 0, 22, 0, 8, ...b('initiate'), 3, 5, ...b('child'), 0, 3, ...b('net')]);
    expect([...encodePacket({ type: 'event-confirm' })]).toEqual([5]);
    expect([...encodePacket({ type: 'event-register', name: 'log' })]).toEqual([3, 3, ...b('log')]);
  });

  it('round trip: every packet type', () => {
    fc.assert(
      fc.property(packet, (p) => {
        const d = decodePacket(encodePacket(p));
        expect(d.ok && d.value).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary octets never throw; what decodes re-encodes to the same octets', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 60 }),
          fc.tuple(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 40 })).map(([t, rest]) => {
            const out = new Uint8Array(1 + rest.length);
            out[0] = t;
            out.set(rest, 1);
            return out;
          }),
        ),
        (data) => {
          const d = decodePacket(data);
          if (d.ok) expect(encodePacket(d.value)).toEqual(data);
        },
      ),
      { numRuns: 2000 },
    );
  });

  const errors: [string, number[], ViciPacketErrorCode, number][] = [
    ['empty segment', [], 'EMPTY', 0],
    ['packet type 8', [8], 'UNKNOWN_PACKET', 0],
    ['a request without its name length', [0], 'TRUNCATED', 1],
    ['an event name running past the end', [7, 4, 0x61], 'TRUNCATED', 1],
    ['a name that is not UTF-8', [3, 1, 0xc3], 'BAD_NAME', 2],
    ['octets after EVENT_CONFIRM', [5, 0], 'TRAILING', 1],
    ['a message after EVENT_REGISTER', [3, 1, 0x61, 3], 'TRAILING', 3],
    ['a bad message in a response (offset in the segment)', [1, 2], 'BAD_MESSAGE', 1],
    ['a bad message in an event', [7, 1, 0x61, 3, 1, 0x6b, 0], 'BAD_MESSAGE', 6],
  ];

  it.each(errors)('%s -> %s at %i', (_what, bytes, code, offset) => {
    const d = decodePacket(new Uint8Array(bytes));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.error.code).toBe(code);
    expect(d.error.offset).toBe(offset);
    if (code === 'BAD_MESSAGE') expect(d.error.cause).toBeDefined();
  });

  it('frameSegment: 32-bit big-endian length; over 512 KiB throws', () => {
    expect([...frameSegment(new Uint8Array(300))].slice(0, 4)).toEqual([0, 0, 1, 44]);
    expect(() => frameSegment(new Uint8Array(VICI_SEGMENT_MAX + 1))).toThrow(/at most/);
  });
});

describe('ViciSegmentReader', () => {
  it('gives the same segments whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (segments, cuts) => {
          const stream = new Uint8Array(segments.reduce((n, s) => n + 4 + s.length, 0));
          let at = 0;
          for (const s of segments) {
            stream.set(frameSegment(s), at);
            at += 4 + s.length;
          }
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          const reader = new ViciSegmentReader();
          const got: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            const r = reader.push(stream.subarray(from, p));
            expect(r.ok).toBe(true);
            if (r.ok) got.push(...r.value);
            from = p;
          }
          expect(got).toEqual(segments);
          expect(reader.pending).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps an incomplete segment until the rest arrives', () => {
    const reader = new ViciSegmentReader();
    const frame = frameSegment(b('hello'));
    const first = reader.push(frame.subarray(0, 6));
    expect(first.ok && first.value).toEqual([]);
    expect(reader.pending).toBe(6);
    const rest = reader.push(frame.subarray(6));
    expect(rest.ok && rest.value).toEqual([b('hello')]);
  });

  it('a length header over the limit fails the stream for good (offset in the stream)', () => {
    const reader = new ViciSegmentReader(10);
    const ok = reader.push(frameSegment(b('0123456789')));
    expect(ok.ok && ok.value.length).toBe(1);
    const bad = reader.push(new Uint8Array([0, 0, 0, 11]));
    expect(!bad.ok && bad.error).toMatchObject({ code: 'SEGMENT_TOO_LARGE', offset: 14 });
    expect(reader.push(frameSegment(b('x'))).ok).toBe(false);
  });
});
