/**
 * The firmware's stand-in for actors/ike-message-counters.ts (IKE messages per exchange, as
 * strongSwan's counters plugin keeps them for `swanctl --counters`), linked by
 * scripts/build-mote.mjs into a minimal firmware where the supervisor imports it. A mote has no
 * VICI and nothing on it reads the counts, so none is kept: every query answers "none counted".
 */
import type { CountedHeader, IkeMessageCounts } from '../../actors/ike-message-counters.js';

/** Nothing is counted, so no header is read. */
export const countedHeader = (_bytes: Uint8Array): CountedHeader | undefined => undefined;

export class IkeMessageCounters {
  count(_sa: object, _name: string, _header: CountedHeader, _incoming: boolean): void {}

  /** No message counted: every counter absent (read as 0). */
  totals(): Readonly<Partial<IkeMessageCounts>> {
    return {};
  }

  of(_name: string): Readonly<IkeMessageCounts> | undefined {
    return undefined;
  }

  names(): IterableIterator<string> {
    return [][Symbol.iterator]();
  }
}
