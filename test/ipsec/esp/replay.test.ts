/**
 * Anti-replay window (RFC 4303 §3.4.3, Appendix A2): a numbered table in the style of the
 * Linux / wireguard-go replay tests, a model-based property test, and ESN high-bit inference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLAY_WINDOW,
  MAX_REPLAY_WINDOW,
  MAX_SEQUENCE_NUMBER,
  ReplayWindow,
} from '../../../ipsec/esp/replay.js';

const TWO_32 = 2 ** 32;
const MAX = MAX_SEQUENCE_NUMBER;

/** [seq, accepted] rows for a 128-packet window, fed in order to one filter (check + commit). */
const TABLE_128: readonly (readonly [number, boolean])[] = [
  [0, false], // 1: sequence number 0 is never sent (§3.3.3)
  [1, true], // 2
  [1, false], // 3: duplicate
  [2, true], // 4
  [4, true], // 5: gap
  [3, true], // 6: fills the gap (reordering)
  [3, false], // 7
  [128, true], // 8: window is now [1, 128]
  [1, false], // 9: duplicate at the left edge
  [129, true], // 10: window [2, 129]: 1 slides out
  [5, true], // 11: in the window, never seen
  [1, false], // 12: left of the window
  [2, false], // 13: left edge, seen
  [200, true], // 14: window [73, 200]
  [72, false], // 15: one left of the window
  [73, true], // 16: left edge, unseen
  [73, false], // 17
  [199, true], // 18
  [201, true], // 19
  [10_000, true], // 20: far jump clears the ring
  [9_873, true], // 21: left edge
  [9_872, false], // 22: one left of the edge
  [200, false], // 23: far too old
  [10_000, false], // 24: duplicate of the top
  [9_999, true], // 25
  [10_001, true], // 26
  [TWO_32 - 1, true], // 27: last 32-bit value
  [TWO_32 - 128, true], // 28: left edge
  [TWO_32 - 129, false], // 29
  [TWO_32, true], // 30: into the second ESN subspace
  [TWO_32 - 1, false], // 31: duplicate across the subspace boundary
  [TWO_32 + 31, true], // 32: word boundary
  [TWO_32 + 32, true], // 33
  [TWO_32 + 30, true], // 34
  [TWO_32 + 31, false], // 35
  [MAX, true], // 36: implementation limit 2^53 - 1
  [MAX + 1, false], // 37: beyond it
  [MAX - 127, true], // 38: left edge
  [MAX - 128, false], // 39
  [MAX, false], // 40
];

describe('ReplayWindow numbered table (W = 128)', () => {
  const w = new ReplayWindow(128);
  TABLE_128.forEach(([seq, accepted], i) => {
    it(`${i + 1}: ${seq} -> ${accepted ? 'accept' : 'reject'}`, () => {
      expect(w.check(seq)).toBe(accepted);
      expect(w.commit(seq)).toBe(accepted);
      expect(w.check(seq)).toBe(false); // whatever happened, it is not acceptable now
    });
  });
});

/** The same shape for a 4096-packet window, edges scaled. */
const TABLE_4096: readonly (readonly [number, boolean])[] = [
  [1, true],
  [4096, true], // window [1, 4096]
  [1, false],
  [4097, true], // window [2, 4097]
  [1, false],
  [2, true], // left edge, unseen
  [2048, true],
  [2048, false],
  [100_000, true],
  [100_000 - 4095, true], // left edge
  [100_000 - 4096, false],
  [100_000 - 1, true],
  [100_000 - 1, false],
];

describe('ReplayWindow numbered table (W = 4096)', () => {
  const w = new ReplayWindow(4096);
  TABLE_4096.forEach(([seq, accepted], i) => {
    it(`${i + 1}: ${seq} -> ${accepted ? 'accept' : 'reject'}`, () => {
      expect(w.commit(seq)).toBe(accepted);
    });
  });
});

describe('ReplayWindow', () => {
  it('is ready with the default size', () => {
    const w = new ReplayWindow();
    expect(w.size).toBe(DEFAULT_REPLAY_WINDOW);
    expect(w.top).toBe(0);
    expect(w.check(1)).toBe(true);
  });

  it('rejects sizes that are not multiples of 32 in [32, 65536]', () => {
    for (const bad of [0, 16, 31, 33, 100, MAX_REPLAY_WINDOW + 32, 1.5])
      expect(ReplayWindow.isValidSize(bad)).toBe(false);
    for (const good of [32, 64, 128, 4096, MAX_REPLAY_WINDOW])
      expect(ReplayWindow.isValidSize(good)).toBe(true);
    expect(() => new ReplayWindow(100)).toThrow(RangeError);
  });

  it('check() does not change the state; commit() does', () => {
    const w = new ReplayWindow(64);
    expect(w.check(5)).toBe(true);
    expect(w.check(5)).toBe(true);
    expect(w.top).toBe(0);
    expect(w.commit(5)).toBe(true);
    expect(w.top).toBe(5);
    expect(w.commit(5)).toBe(false);
  });

  it('clears stale ring bits on short and long slides', () => {
    const w = new ReplayWindow(128); // a ring of 8 words = 256 bits: seq and seq + 256 share a bit
    for (let s = 1; s <= 300; s++) expect(w.commit(s)).toBe(true);
    for (let s = 173; s <= 300; s++) expect(w.check(s)).toBe(false);
    expect(w.check(172)).toBe(false);
    expect(w.commit(400)).toBe(true); // slide by 100: window [273, 400]
    for (let s = 273; s <= 300; s++) expect(w.check(s)).toBe(false);
    for (let s = 301; s < 400; s++) expect(w.check(s)).toBe(true); // aliases 45..143 were committed
    expect(w.commit(700)).toBe(true); // slide past the whole ring
    for (let s = 573; s < 700; s++) expect(w.check(s)).toBe(true);
    expect(w.check(572)).toBe(false);
  });

  it('behaves like a set-based model on random traffic', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(32, 64, 128, 1024),
        fc.array(fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -3000, max: 3000 })), {
          maxLength: 300,
        }),
        (size, steps) => {
          const w = new ReplayWindow(size);
          const seen = new Set<number>();
          let top = 0;
          let cursor = 1;
          for (const step of steps) {
            cursor = Math.max(0, cursor + step);
            const seq = cursor;
            const expected = seq >= 1 && (seq > top || (top - seq < size && !seen.has(seq)));
            if (w.commit(seq) !== expected) return false;
            if (expected) {
              seen.add(seq);
              top = Math.max(top, seq);
            }
          }
          return w.top === top;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ESN high-order bits (RFC 4303 Appendix A2.2)', () => {
  const at = (top: number, size = 128): ReplayWindow => {
    const w = new ReplayWindow(size);
    if (top > 0) w.commit(top);
    return w;
  };

  it('Case A (Tl >= W - 1): within the window -> Th, below it -> Th + 1', () => {
    const w = at(5 * TWO_32 + 1000); // Th = 5, Tl = 1000, window [873, 1000]
    expect(w.inferHigh(1000)).toBe(5);
    expect(w.inferHigh(873)).toBe(5); // bottom of the window
    expect(w.inferHigh(5000)).toBe(5); // ahead in the same subspace
    expect(w.inferHigh(872)).toBe(6); // below the window: the next subspace
    expect(w.inferHigh(0)).toBe(6);
  });

  it('Case A at the top of a subspace', () => {
    const w = at(TWO_32 - 1); // Th = 0, Tl = 2^32 - 1
    expect(w.inferHigh(TWO_32 - 128)).toBe(0);
    expect(w.inferHigh(0)).toBe(1); // the wrap
    expect(w.inferHigh(5)).toBe(1);
  });

  it('Case B (Tl < W - 1): the window spans the previous subspace', () => {
    const w = at(3 * TWO_32 + 10); // Th = 3, Tl = 10, window [3*2^32 - 117, 3*2^32 + 10]
    expect(w.inferHigh(10)).toBe(3);
    expect(w.inferHigh(0)).toBe(3);
    expect(w.inferHigh(1000)).toBe(3); // ahead
    expect(w.inferHigh(TWO_32 - 1)).toBe(2); // in the window's part of the previous subspace
    expect(w.inferHigh(TWO_32 - 117)).toBe(2); // bottom of the window
    expect(w.inferHigh(TWO_32 - 118)).toBe(3); // below the bottom: taken as far ahead
  });

  it('Case B before any packet: high bits -1 mean "before sequence number 1"', () => {
    const w = new ReplayWindow(128);
    expect(w.inferHigh(1)).toBe(0);
    expect(w.inferHigh(TWO_32 - 1)).toBe(-1);
    expect(w.inferHigh(TWO_32 - 127)).toBe(-1);
    expect(w.inferHigh(TWO_32 - 128)).toBe(0);
  });
});
