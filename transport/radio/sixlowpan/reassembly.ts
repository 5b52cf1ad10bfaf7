/**
 * RFC 4944 §5.3 reassembly. Fragments are identified by the link-layer source and destination,
 * datagram_size and datagram_tag; each reassembly starts a timer on the injected clock when
 * its first fragment arrives (at most 60 s) and is flushed when it fires. A fragment that
 * overlaps an accumulated one with a different offset or size discards the reassembly and a
 * fresh one starts with that fragment; an exact duplicate is ignored. Fragments are handed in
 * uncompressed: FRAG1 after its headers were expanded (RFC 6282 §2), so offsets and sizes are
 * those of the IPv6 datagram. Every drop is counted by reason.
 */
import type { Clock, TimerHandle } from '../../../ipsec/util/clock.js';
import { DATAGRAM_SIZE_MAX } from './frag.js';
import type { LinkAddress } from './iphc.js';

export const REASSEMBLY_TIMEOUT_MAX_MS = 60_000; // RFC 4944 §5.3: "a maximum of 60 seconds"

// Implementation limits (not from the RFC).
/** The IPv6 minimum MTU (RFC 8200 §5), which 6LoWPAN must carry (RFC 4944 §4). */
export const DEFAULT_MAX_DATAGRAM_SIZE = 1280;
export const DEFAULT_MAX_REASSEMBLIES = 4;
/** Contiki-NG's SICSLOWPAN_REASS_MAXAGE (8 s): well over a 1280-octet datagram's airtime. */
export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 8_000;

export interface ReassemblyOptions {
  readonly clock: Clock;
  /** Concurrent reassemblies kept; a fragment of a new datagram beyond that is dropped. */
  readonly maxReassemblies?: number;
  /** Largest datagram_size accepted (at most 2047, the 11-bit field). */
  readonly maxDatagramSize?: number;
  readonly timeoutMs?: number;
}

export interface ReassemblyKey {
  readonly src: LinkAddress;
  readonly dst: LinkAddress;
  readonly datagramSize: number;
  readonly datagramTag: number;
}

export interface ReassemblyStats {
  started: number;
  completed: number;
  /** Exact duplicates of a fragment already held (ignored). */
  duplicates: number;
  /** Reassemblies flushed by the timer. */
  timeouts: number;
  /** Reassemblies discarded for an overlapping fragment of another offset or size. */
  overlaps: number;
  /** Fragments dropped because maxReassemblies were in progress. */
  full: number;
  /** Fragments dropped for a datagram_size over maxDatagramSize (implementation limit). */
  tooBig: number;
  /** Fragments dropped for running past datagram_size (or a datagram_size of 0), or carrying nothing. */
  outOfBounds: number;
}

interface Reassembly {
  readonly buffer: Uint8Array;
  /** [offset, length] of the fragments held. */
  readonly pieces: [number, number][];
  received: number;
  readonly timer: TimerHandle;
}

const linkKey = (a: LinkAddress): string =>
  typeof a === 'number' ? a.toString(16) : Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');

export class Reassembler {
  readonly stats: ReassemblyStats = {
    started: 0,
    completed: 0,
    duplicates: 0,
    timeouts: 0,
    overlaps: 0,
    full: 0,
    tooBig: 0,
    outOfBounds: 0,
  };
  private readonly active = new Map<string, Reassembly>();
  private readonly clock: Clock;
  private readonly maxReassemblies: number;
  private readonly maxDatagramSize: number;
  private readonly timeoutMs: number;

  constructor(options: ReassemblyOptions) {
    this.clock = options.clock;
    this.maxReassemblies = options.maxReassemblies ?? DEFAULT_MAX_REASSEMBLIES;
    this.maxDatagramSize = options.maxDatagramSize ?? DEFAULT_MAX_DATAGRAM_SIZE;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS;
    if (this.maxDatagramSize > DATAGRAM_SIZE_MAX || this.maxDatagramSize < 1)
      throw new RangeError(`maxDatagramSize must be 1..${DATAGRAM_SIZE_MAX}`);
    if (this.timeoutMs > REASSEMBLY_TIMEOUT_MAX_MS || this.timeoutMs <= 0)
      throw new RangeError(`reassembly timeout must be within (0, ${REASSEMBLY_TIMEOUT_MAX_MS}] ms`);
    if (this.maxReassemblies < 1) throw new RangeError('maxReassemblies must be at least 1');
  }

  /** Reassemblies in progress. */
  get size(): number {
    return this.active.size;
  }

  /** Whether a datagram of this size would be accepted at all. */
  accepts(datagramSize: number): boolean {
    return datagramSize >= 1 && datagramSize <= this.maxDatagramSize;
  }

  /**
   * Adds the uncompressed octets `data` of one fragment at `offset` (octets). Returns the whole
   * datagram when this fragment completes it.
   */
  add(key: ReassemblyKey, offset: number, data: Uint8Array): Uint8Array | undefined {
    const size = key.datagramSize;
    if (size > this.maxDatagramSize) {
      this.stats.tooBig++;
      return undefined;
    }
    if (data.length === 0 || offset + data.length > size) {
      this.stats.outOfBounds++;
      return undefined;
    }
    const k = `${linkKey(key.src)}>${linkKey(key.dst)}/${size}/${key.datagramTag}`;
    let r = this.active.get(k);
    if (r) {
      const end = offset + data.length;
      for (const [o, n] of r.pieces) {
        if (o === offset && n === data.length) {
          this.stats.duplicates++;
          return undefined;
        }
        if (offset < o + n && o < end) {
          // RFC 4944 §5.3: overlap with a different offset or size discards what was accumulated
          this.stats.overlaps++;
          this.discard(k, r);
          r = undefined;
          break;
        }
      }
    }
    if (!r) {
      if (this.active.size >= this.maxReassemblies) {
        this.stats.full++;
        return undefined;
      }
      this.stats.started++;
      const timer = this.clock.setTimeout(() => {
        if (this.active.get(k) !== created) return;
        this.active.delete(k);
        this.stats.timeouts++; // RFC 4944 §5.3: flush when the reassembly timer expires
      }, this.timeoutMs);
      const created: Reassembly = { buffer: new Uint8Array(size), pieces: [], received: 0, timer };
      r = created;
      this.active.set(k, r);
    }
    r.buffer.set(data, offset);
    r.pieces.push([offset, data.length]);
    r.received += data.length;
    if (r.received < size) return undefined;
    this.discard(k, r);
    this.stats.completed++;
    return r.buffer;
  }

  private discard(k: string, r: Reassembly): void {
    this.clock.clearTimeout(r.timer);
    this.active.delete(k);
  }

  /** Drops every reassembly and its timer (node shutdown; RFC 4944 §5.3 disassociation). */
  clear(): void {
    for (const [k, r] of this.active) this.discard(k, r);
  }
}
