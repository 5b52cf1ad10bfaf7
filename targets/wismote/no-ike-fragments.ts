/**
 * The firmware's stand-in for RFC 7383 IKE fragmentation, linked by scripts/build-mote.mjs into
 * a minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL: a one-suite firmware by default):
 * in place of machines/ike-sa.fragments.ts where the IKE SA machine imports it, and of
 * ipsec/ike/fragment/fragment.ts where the outbound path and the fragment-size check import it,
 * and of actors/ike-fragments.ts where the supervisor imports it.
 *
 * Such a firmware refuses a profile with IKE fragmentation at boot (mote-stack.ts), so it never
 * offers IKEV2_FRAGMENTATION_SUPPORTED and, by RFC 7383 §2.5, no peer may fragment towards it:
 * nothing here is reached in a well-behaved exchange. An SKF message that comes anyway is
 * counted as received and dropped as 'unexpected', with the full build's log line, and goes no
 * further. Nothing is ever fragmented outbound, so the supervisor checks no fragment size and
 * holds no fragment of an IKE SA that ends.
 */
import {
  addFragmentCounters,
  type FragmentsOf,
  fragmentCounters,
} from '../../actors/ike-fragment-counters.js';
import type { IkeDatagramOverhead } from '../../actors/ike-fragments.js';
import type { FragmentError } from '../../ipsec/ike/fragment/fragment.js';
import { err, type Result } from '../../ipsec/result.js';
import { count, drop, NO_FRAGMENTATION } from '../../machines/ike-sa.outbound.js';
import { base } from '../../machines/ike-sa.setup.js';
import type { FragmentCounters, FragmentSettings } from '../../machines/ike-sa.types.js';

/** An SKF message: counted and dropped (no reassembly in this firmware). */
export const receiveFragment = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'MESSAGE') return;
  const state = context.fragments;
  enqueue.assign({
    fragments: { ...state, counters: drop(count(state.counters, { received: 1 }), 'unexpected') },
  });
  enqueue({
    type: 'logFragments',
    params: {
      level: 'debug',
      msg: 'IKE fragment dropped',
      detail: { reason: 'unexpected', messageId: event.decoded.header.messageId },
    },
  });
});

/** Never raised: nothing is ever collected. */
export const fragmentTimeout = base.enqueueActions(() => {});

/** Never called: the firmware's connections do not fragment (ike-sa.outbound.ts mayFragment). */
export const fragmentMessage = (): Result<Uint8Array[], FragmentError> =>
  err({ code: 'NOT_PROTECTED', reason: 'this firmware has no RFC 7383 fragmentation' });

/** No connection of this firmware sends fragments (ike/fragment/size.ts skips it). */
export const minimumBudgetForConnection = (): number | undefined => undefined;

/** No connection of this firmware sends fragments: no fragment size to check. */
export function assertFragmentSize(): void {}

/** Our messages go out whole, whatever their size. */
export const fragmentSettings = (): FragmentSettings => NO_FRAGMENTATION;

/** An IKE SA ends: nothing was held for reassembly, its counters are added to `past`. */
export const endFragments = (past: FragmentCounters, h: FragmentsOf): FragmentCounters =>
  addFragmentCounters(past, fragmentCounters(h));

/**
 * In place of radio-ike-overhead.ts where the firmware's entry imports it: sized fragments need
 * RFC 7383, which this firmware refuses at boot, so nothing asks.
 */
export function radioIkeOverhead(): IkeDatagramOverhead {
  throw new Error('this minimal firmware has no RFC 7383: no IKE fragment to size');
}
