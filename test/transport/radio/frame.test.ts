/**
 * The 802.15.4 MAC frame codec: exact octets, the §7.2.1.9 FCS example, round trips of random
 * frames, and mutation fuzzing (truncation, bit flips, extension, random octets): decodeFrame
 * never throws, and every corruption of a valid frame is rejected (a CRC-16 catches every burst
 * of up to 16 bits and every odd number of bit errors; we assert only what the CRC guarantees,
 * plus "never accepted with a different content" for the rest).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aMaxPHYPacketSize } from '../../../transport/radio/constants.js';
import {
  ACK_MPDU_OCTETS,
  DATA_MHR_OCTETS,
  type DataFrame,
  decodeFrame,
  encodeAckFrame,
  encodeDataFrame,
  encodeFrame,
  fcs,
  MAX_MAC_PAYLOAD,
} from '../../../transport/radio/frame.js';
import { BROADCAST_ADDRESS } from '../../../transport/radio/types.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('FCS (§7.2.1.9)', () => {
  it("matches the standard's example: ack MHR 0100 0000 0000 0000 0101 0110 -> 0010 0111 1001 1110", () => {
    // b0 first in time, i.e. least significant bit first: octets 0x02 0x00 0x6a.
    expect(fcs(Uint8Array.of(0x02, 0x00, 0x6a))).toBe(0x79e4);
    // r0 first in time: 0x79e4 goes out as 0xe4 0x79.
    expect(hex(encodeAckFrame(0x6a))).toBe('02006ae479');
  });
  it('is CRC-16/KERMIT (check value of "123456789" is 0x2189)', () => {
    expect(fcs(new TextEncoder().encode('123456789'))).toBe(0x2189);
  });
});

describe('data frame layout', () => {
  it('is a 9-octet MHR with short addresses and PAN ID compression, little-endian', () => {
    const b = encodeDataFrame({
      sequenceNumber: 7,
      panId: 0xabcd,
      dst: 0x0002,
      src: 0x0001,
      payload: Uint8Array.of(0xaa),
    });
    expect(DATA_MHR_OCTETS).toBe(9);
    // FC 0x8861: data, ack request, PAN ID compression, dst/src mode short, version 2003.
    expect(hex(b.subarray(0, 10))).toBe('6188' + '07' + 'cdab' + '0200' + '0100' + 'aa');
    expect(b.length).toBe(9 + 1 + 2);
    expect(fcs(b, 0, b.length - 2)).toBe(b[b.length - 2]! | (b[b.length - 1]! << 8));
  });
  it('broadcast frames do not request an ack (FC 0x8841)', () => {
    const b = encodeDataFrame({
      sequenceNumber: 0,
      dst: BROADCAST_ADDRESS,
      src: 1,
      payload: new Uint8Array(0),
    });
    expect(hex(b.subarray(0, 2))).toBe('4188');
  });
  it('carries at most 116 octets of payload in a 127-octet MPDU', () => {
    expect(MAX_MAC_PAYLOAD).toBe(116);
    const b = encodeDataFrame({ sequenceNumber: 1, dst: 2, src: 1, payload: new Uint8Array(116) });
    expect(b.length).toBe(aMaxPHYPacketSize);
    expect(() =>
      encodeDataFrame({ sequenceNumber: 1, dst: 2, src: 1, payload: new Uint8Array(117) }),
    ).toThrow(RangeError);
  });
  it('an ack MPDU is 5 octets', () => {
    expect(ACK_MPDU_OCTETS).toBe(5);
    expect(encodeAckFrame(255).length).toBe(5);
  });
});

describe('decoder errors', () => {
  const good = encodeDataFrame({ sequenceNumber: 3, dst: 2, src: 1, payload: Uint8Array.of(1, 2, 3) });
  const withFc = (fcValue: number, len = 12) => {
    const b = new Uint8Array(len);
    b[0] = fcValue & 0xff;
    b[1] = fcValue >>> 8;
    const crc = fcs(b, 0, len - 2);
    b[len - 2] = crc & 0xff;
    b[len - 1] = crc >>> 8;
    return b;
  };
  const code = (b: Uint8Array) => {
    const r = decodeFrame(b);
    return r.ok ? 'ok' : r.error.code;
  };
  it.each([
    ['empty', new Uint8Array(0), 'TOO_SHORT'],
    ['4 octets', good.subarray(0, 4), 'TOO_SHORT'],
    ['128 octets', new Uint8Array(128), 'TOO_LONG'],
    ['bad FCS', Uint8Array.from(good, (v, i) => (i === 4 ? v ^ 1 : v)), 'BAD_FCS'],
    ['beacon', withFc(0x8800), 'UNSUPPORTED_FRAME_TYPE'],
    ['MAC command', withFc(0x8863), 'UNSUPPORTED_FRAME_TYPE'],
    ['reserved version 2', withFc(0x8861 | (2 << 12)), 'UNSUPPORTED_FRAME_TYPE'],
    ['security enabled', withFc(0x8869), 'UNSUPPORTED_SECURITY'],
    ['extended source address', withFc(0xc861), 'UNSUPPORTED_ADDRESSING'],
    ['no PAN ID compression', withFc(0x8821), 'UNSUPPORTED_ADDRESSING'],
    ['data frame shorter than its MHR', withFc(0x8861, 10), 'TOO_SHORT'],
    ['ack with addresses', withFc(0x8802, 5), 'UNSUPPORTED_ADDRESSING'],
    ['ack of 6 octets', withFc(0x0002, 6), 'BAD_LENGTH'],
  ])('%s -> %s', (_name, bytes, expected) => {
    expect(code(bytes)).toBe(expected);
  });
  it('a broadcast frame requesting an ack is rejected', () => {
    const b = encodeDataFrame({
      sequenceNumber: 0,
      dst: BROADCAST_ADDRESS,
      src: 1,
      ackRequest: true,
      payload: new Uint8Array(0),
    });
    expect(code(b)).toBe('UNSUPPORTED_ADDRESSING');
  });
  it('accepts frame version 1 (802.15.4-2006)', () => {
    expect(code(withFc(0x8861 | (1 << 12)))).toBe('ok');
  });
});

const arbData = fc
  .record({
    kind: fc.constant('data' as const),
    sequenceNumber: fc.integer({ min: 0, max: 255 }),
    panId: fc.integer({ min: 0, max: 0xffff }),
    dst: fc.integer({ min: 0, max: 0xffff }),
    src: fc.integer({ min: 0, max: 0xffff }),
    framePending: fc.boolean(),
    payload: fc.uint8Array({ maxLength: MAX_MAC_PAYLOAD }),
  })
  .map((f): DataFrame => ({ ...f, ackRequest: f.dst !== BROADCAST_ADDRESS }));
const arbAck = fc.record({
  kind: fc.constant('ack' as const),
  sequenceNumber: fc.integer({ min: 0, max: 255 }),
  framePending: fc.boolean(),
});
const arbFrame = fc.oneof(arbData, arbAck);

describe('round trips', () => {
  it('decode(encode(f)) = f for random data and ack frames', () => {
    fc.assert(
      fc.property(arbFrame, (f) => {
        const r = decodeFrame(encodeFrame(f));
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toEqual(f);
      }),
      { numRuns: 2000, seed: 11 },
    );
  });
});

describe('mutation fuzz', () => {
  /** The mutated input, and whether the CRC is guaranteed to catch it (a burst of <= 16 bits). */
  const arbMutant = fc
    .tuple(
      arbFrame,
      fc.integer({ min: 0, max: 4 }),
      fc.nat(),
      fc.nat(),
      fc.uint8Array({ minLength: 1, maxLength: 20 }),
    )
    .map(([f, kind, a, b, extra]) => {
      const orig = encodeFrame(f);
      const m = orig.slice();
      const bits = m.length * 8;
      switch (kind) {
        case 0: // truncation
          return { orig, mutant: m.subarray(0, a % m.length), detectable: false }; // a prefix may end in its own FCS by chance
        case 1: {
          // one bit flip
          const i = a % bits;
          m[i >> 3]! ^= 1 << (i & 7);
          return { orig, mutant: m, detectable: true };
        }
        case 2: {
          // a burst within 16 consecutive bits (first and last flipped)
          const start = a % bits;
          const len = Math.min(2 + (b % 15), bits - start);
          for (let k = 0; k < len; k++) {
            const i = start + k;
            if (k === 0 || k === len - 1 || (b >> k) & 1) m[i >> 3]! ^= 1 << (i & 7);
          }
          return { orig, mutant: m, detectable: true };
        }
        case 3: {
          // extension with random octets
          const out = new Uint8Array(m.length + extra.length);
          out.set(m);
          out.set(extra, m.length);
          return { orig, mutant: out, detectable: false };
        }
        default: {
          // random octets overwritten anywhere
          for (let k = 0; k < extra.length && k < 4; k++) m[(a + k * 7919 + b) % m.length] = extra[k]!;
          return { orig, mutant: m, detectable: false };
        }
      }
    });

  it('never throws; a CRC-detectable corruption is always rejected; nothing else decodes to a different frame silently', () => {
    let rejected = 0;
    let total = 0;
    fc.assert(
      fc.property(arbMutant, ({ orig, mutant, detectable }) => {
        const r = decodeFrame(mutant);
        total++;
        if (!r.ok) {
          rejected++;
          expect(typeof r.error.message).toBe('string');
          return;
        }
        const same = mutant.length === orig.length && mutant.every((v, i) => v === orig[i]);
        if (detectable) expect(same).toBe(true); // a burst may cancel out only if it flipped nothing
        // Anything accepted re-encodes to an accepted frame with the same content.
        const again = decodeFrame(encodeFrame(r.value));
        expect(again.ok && again.value).toEqual(r.value);
      }),
      { numRuns: 20000, seed: 5 },
    );
    expect(rejected / total).toBeGreaterThan(0.95);
  });

  it('random octet strings never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), (b) => {
        const r = decodeFrame(b);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 5000, seed: 9 },
    );
  });
});
