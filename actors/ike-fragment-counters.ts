/**
 * The fragment counters (RFC 7383) of IKE SAs as the supervisor and its views read them: one
 * IKE SA's, and their sums.
 */
import type { FragmentCounters, FragmentState } from '../machines/ike-sa.types.js';

/** What of a handle the fragment views read (IkeSaHandle satisfies it). */
export interface FragmentsOf {
  readonly actor: { getSnapshot(): { readonly context: { readonly fragments: FragmentState } } };
}

/** The fragment counters of one IKE SA (RFC 7383): sent, received, reassembled, dropped by reason. */
export const fragmentCounters = (h: FragmentsOf): FragmentCounters =>
  h.actor.getSnapshot().context.fragments.counters;

/** Sum of counters (e.g. of every IKE SA a supervisor ever had). */
export function addFragmentCounters(a: FragmentCounters, b: FragmentCounters): FragmentCounters {
  const dropped = { ...a.dropped };
  for (const [k, v] of Object.entries(b.dropped)) dropped[k as keyof typeof dropped] += v;
  return {
    sent: a.sent + b.sent,
    fragmentedMessages: a.fragmentedMessages + b.fragmentedMessages,
    unfragmentable: a.unfragmentable + b.unfragmentable,
    received: a.received + b.received,
    reassembled: a.reassembled + b.reassembled,
    dropped,
  };
}
