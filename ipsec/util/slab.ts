/**
 * A bump allocator for packet buffers: small buffers are carved, one after the other, out of
 * shared slabs instead of each getting its own ArrayBuffer.
 *
 * Why: every `new Uint8Array(n)` above V8's on-heap limit (64 bytes) is an ArrayBuffer with
 * its own zeroed backing store and external-memory accounting; at packet rates that costs
 * more than the framing around the cipher (bench/esp.ts). Carving is a bounds check and a
 * view.
 *
 * Safety: memory is never handed out twice. A slab is abandoned when full and freed by the
 * garbage collector once no buffer carved from it is referenced, so a buffer stays valid for
 * as long as its holder keeps it (an asynchronous send included). Every buffer starts zeroed
 * (slabs are fresh allocations). The cost is retention: one live buffer keeps its whole slab.
 * Buffers share an ArrayBuffer: use byteOffset/byteLength, never `.buffer` alone.
 */

/** Implementation limit: slab size in bytes. */
export const DEFAULT_SLAB_SIZE = 64 * 1024;
/** Buffers larger than this fraction of a slab get their own allocation (waste stays below it). */
const LARGE_FRACTION = 8;
/** Carved buffers start on 8-byte boundaries (aligned 32/64-bit views stay possible). */
const ALIGN = 8;

export type Allocate = (length: number) => Uint8Array;

/** A fresh bump allocator over `slabSize`-byte slabs. */
export function slabAllocator(slabSize: number = DEFAULT_SLAB_SIZE): Allocate {
  if (!(Number.isInteger(slabSize) && slabSize >= ALIGN * LARGE_FRACTION))
    throw new RangeError(`slab size ${slabSize}`);
  const large = slabSize / LARGE_FRACTION;
  let slab = new ArrayBuffer(slabSize);
  let used = 0;
  return (length) => {
    if (length > large) return new Uint8Array(length);
    if (used + length > slabSize) {
      slab = new ArrayBuffer(slabSize);
      used = 0;
    }
    const b = new Uint8Array(slab, used, length);
    used += (length + ALIGN - 1) & -ALIGN;
    return b;
  };
}

/** One allocator for the ESP data path of the whole process (JS runs one packet at a time). */
export const packetAllocator: Allocate = slabAllocator();
