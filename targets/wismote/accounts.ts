/**
 * The simulator's accounts of the air: every frame (AirEvent) is added to the mote and the
 * exchange its tag names (classify.ts), both directions and every hop, ACKs with their data
 * frame. Kept incrementally, so a long run need not keep its frames, only the timeline's.
 */
import type { AirEvent } from '../../transport/radio/types.js';
import { type Category, parseTag } from './classify.js';

export interface AirTally {
  frames: number;
  /** PPDU octets, data frames and their ACKs. */
  bytes: number;
  /** Airtime of those frames, ms. */
  airMs: number;
}

const tally = (): AirTally => ({ frames: 0, bytes: 0, airMs: 0 });

/** The value under `key`, made and stored first if there is none. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  const found = map.get(key);
  if (found !== undefined) return found;
  const made = make();
  map.set(key, made);
  return made;
}

function add(t: AirTally, e: AirEvent): void {
  t.frames++;
  t.bytes += e.bytes;
  t.airMs += e.end - e.start;
}

export interface IkeMessageTally {
  messages: number;
  /** IKE octets of the messages (requests and responses), as handed to the transport. */
  ikeBytes: number;
}

export class AirAccounts {
  /** Per mote, per category. */
  private readonly byMote = new Map<number, Map<Category, AirTally>>();
  private readonly ike = new Map<number, Map<Category, IkeMessageTally>>();
  readonly total: AirTally = tally();

  onAir(e: AirEvent): void {
    add(this.total, e);
    const { mote, category } = parseTag(e);
    add(
      entry(
        entry(this.byMote, mote, () => new Map()),
        category,
        tally,
      ),
      e,
    );
  }

  /** An IKE message a node sent (counted once, at its origin, not per hop or frame). */
  onIkeMessage(mote: number, category: Category, octets: number): void {
    const t = entry(
      entry(this.ike, mote, () => new Map()),
      category,
      () => ({ messages: 0, ikeBytes: 0 }),
    );
    t.messages++;
    t.ikeBytes += octets;
  }

  of(mote: number): ReadonlyMap<Category, AirTally> {
    return this.byMote.get(mote) ?? new Map();
  }

  ikeOf(mote: number): ReadonlyMap<Category, IkeMessageTally> {
    return this.ike.get(mote) ?? new Map();
  }

  /** Everything on the air on behalf of one mote. */
  sumOf(mote: number): AirTally {
    const s = tally();
    for (const t of this.of(mote).values()) {
      s.frames += t.frames;
      s.bytes += t.bytes;
      s.airMs += t.airMs;
    }
    return s;
  }
}
