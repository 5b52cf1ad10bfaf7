/** The packet slab allocator: never hands out the same bytes twice, every buffer starts zeroed. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLAB_SIZE, slabAllocator } from '../../../ipsec/util/slab.js';

describe('slabAllocator', () => {
  it('gives zeroed, disjoint buffers of the asked length, 8-byte aligned in their slab', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }), (lengths) => {
        const allocate = slabAllocator(4096);
        const given: Uint8Array[] = [];
        for (const n of lengths) {
          const b = allocate(n);
          expect(b.length).toBe(n);
          expect(b.every((x) => x === 0)).toBe(true);
          if (n <= 4096 / 8) expect(b.byteOffset % 8).toBe(0);
          b.fill(0xff); // a later buffer that overlapped this one would not start zeroed
          given.push(b);
        }
        // Disjoint: no two buffers on the same ArrayBuffer share a byte.
        const bySlab = new Map<ArrayBufferLike, Uint8Array[]>();
        for (const b of given) bySlab.set(b.buffer, [...(bySlab.get(b.buffer) ?? []), b]);
        for (const views of bySlab.values()) {
          const sorted = views.filter((v) => v.length > 0).sort((x, y) => x.byteOffset - y.byteOffset);
          for (let i = 1; i < sorted.length; i++)
            expect(sorted[i]!.byteOffset).toBeGreaterThanOrEqual(
              sorted[i - 1]!.byteOffset + sorted[i - 1]!.length,
            );
        }
      }),
      { numRuns: 100 },
    );
  });

  it('carves small buffers from one slab and gives large ones their own memory', () => {
    const allocate = slabAllocator(4096);
    const a = allocate(100);
    const b = allocate(100);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(104); // 100 rounded up to the 8-byte alignment
    const large = allocate(4096 / 8 + 1);
    expect(large.buffer).not.toBe(a.buffer);
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(4096 / 8 + 1);
  });

  it('starts a new slab when the current one is full', () => {
    const allocate = slabAllocator(1024);
    const first = allocate(128);
    for (let i = 0; i < 7; i++) expect(allocate(128).buffer).toBe(first.buffer);
    expect(allocate(1).buffer).not.toBe(first.buffer);
    expect(first.buffer.byteLength).toBe(1024);
  });

  it('refuses a slab too small to carve from', () => {
    expect(() => slabAllocator(63)).toThrow(RangeError);
    expect(() => slabAllocator(1.5)).toThrow(RangeError);
    expect(slabAllocator()(10).buffer.byteLength).toBe(DEFAULT_SLAB_SIZE);
  });
});
