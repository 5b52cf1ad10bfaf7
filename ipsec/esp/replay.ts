/**
 * The ESP anti-replay window (RFC 4303 §3.4.3, Appendix A2), after RFC 6479 and
 * wireguard-go's replay filter: a ring of 32-bit words at least one word larger than the
 * window, so sliding forward clears whole words and never shifts bits.
 *
 * Stage order on receive (esp.ts):
 *   1. inferHigh(seqLo)   ESN only: the high 32 bits of the sequence number (Appendix A2.2)
 *   2. check(seq)         before the ICV: cheap rejection of duplicates and too-old packets
 *   3. ICV / AEAD verify  (esp.ts)
 *   4. commit(seq)        only after the ICV verified (§3.4.3: "the receive window is updated
 *                         only if the integrity verification succeeds")
 *
 * Sequence numbers are the full 64-bit values as JS numbers, exact up to 2^53 - 1 (an
 * implementation limit, see MAX_SEQUENCE_NUMBER). `new ReplayWindow()` is ready to use.
 */

/** Default window (packets). RFC 4303 §3.4.3 requires at least 32 and prefers 64; we default higher. */
export const DEFAULT_REPLAY_WINDOW = 128;
/** RFC 4303 §3.4.3: "A minimum window size of 32 packets MUST be supported". */
export const MIN_REPLAY_WINDOW = 32;
/** Implementation limit: 64 Ki packets (an 8 KiB ring per SA). */
export const MAX_REPLAY_WINDOW = 65536;
/**
 * Implementation limit: 64-bit sequence numbers are JS numbers, so an ESN SA ends at
 * 2^53 - 1 instead of 2^64 - 1 (at 10^8 packets/s that is still 2.8 years of traffic, far
 * beyond any SA lifetime).
 */
export const MAX_SEQUENCE_NUMBER = Number.MAX_SAFE_INTEGER;

const WORD_BITS = 32;
const TWO_32 = 0x1_0000_0000;

export class ReplayWindow {
  /** Window size in packets: a multiple of 32 in [32, 65536]. */
  readonly size: number;
  readonly #ring: Uint32Array;
  readonly #mask: number;
  /** Highest committed sequence number; 0 before the first packet (sequence numbers start at 1). */
  #top = 0;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!ReplayWindow.isValidSize(size))
      throw new RangeError(
        `replay window must be a multiple of 32 in [${MIN_REPLAY_WINDOW}, ${MAX_REPLAY_WINDOW}], got ${size}`,
      );
    this.size = size;
    // One word more than the window, rounded up to a power of two so the ring index is a mask.
    let words = 1;
    while (words < size / WORD_BITS + 1) words *= 2;
    this.#ring = new Uint32Array(words);
    this.#mask = words - 1;
  }

  static isValidSize(size: number): boolean {
    return (
      Number.isInteger(size) &&
      size >= MIN_REPLAY_WINDOW &&
      size <= MAX_REPLAY_WINDOW &&
      size % WORD_BITS === 0
    );
  }

  /** The highest sequence number committed so far (the right edge of the window, "T"). */
  get top(): number {
    return this.#top;
  }

  /**
   * True if `seq` may be a new packet: above the window, or inside it and not yet seen.
   * Sequence number 0 is never sent (RFC 4303 §3.3.3: the first packet has 1).
   */
  check(seq: number): boolean {
    if (!(seq >= 1 && seq <= MAX_SEQUENCE_NUMBER)) return false;
    if (seq > this.#top) return true; // right of the window: new
    if (this.#top - seq >= this.size) return false; // left of the window: too old (§3.4.3)
    // `& mask` and `& 31` take the low bits of integers up to 2^53 correctly (ToInt32 is mod 2^32).
    return (this.#ring[Math.floor(seq / WORD_BITS) & this.#mask]! & (1 << (seq & 31))) === 0;
  }

  /**
   * Records `seq` as received, sliding the window right if it is new. Call only after the
   * ICV verified. Returns false (and changes nothing) if check(seq) would fail.
   */
  commit(seq: number): boolean {
    if (!this.check(seq)) return false;
    if (seq > this.#top) {
      const current = Math.floor(this.#top / WORD_BITS);
      const next = Math.floor(seq / WORD_BITS);
      const clear = Math.min(next - current, this.#ring.length); // a far jump clears the whole ring
      for (let i = 1; i <= clear; i++) this.#ring[(current + i) & this.#mask] = 0;
      this.#top = seq;
    }
    this.#ring[Math.floor(seq / WORD_BITS) & this.#mask]! |= 1 << (seq & 31);
    return true;
  }

  /**
   * RFC 4303 Appendix A2.2: the high-order 32 bits (Seqh) of a received packet's sequence
   * number, from its low-order bits `seqLo` and the window (T = Th | Tl, W). Returns -1 when
   * the packet would lie before sequence number 1.
   */
  inferHigh(seqLo: number): number {
    const th = Math.floor(this.#top / TWO_32);
    const tl = this.#top % TWO_32;
    const w = this.size;
    if (tl >= w - 1) {
      // Case A: the window lies within one sequence-number subspace.
      return seqLo >= tl - w + 1 ? th : th + 1;
    }
    // Case B: the window spans two subspaces; its bottom is in the previous one (mod 2^32).
    const bottom = tl - w + 1 + TWO_32;
    return seqLo >= bottom ? th - 1 : th;
  }
}
