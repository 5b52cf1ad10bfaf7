/**
 * The datagrams of our outbound IKE messages (RFC 7383 §2.4, §2.5) and the fragment counters.
 * The exchange functions build whole protected messages; `outbound` turns one into the
 * datagrams to send: the message itself, or its fragments when fragmentation applies (mode.ts:
 * swanctl `fragmentation` and the peer's N(IKEV2_FRAGMENTATION_SUPPORTED), never IKE_SA_INIT)
 * and the message exceeds the path's budget. Requests and cached responses keep those
 * datagrams: a retransmission resends all of them, identical (RFC 7383 §2.6.1, RFC 7296 §2.1).
 */
import { type FragmentError, fragmentMessage } from '../ipsec/ike/fragment/fragment.js';
import { DEFAULT_FRAGMENT_LIMITS } from '../ipsec/ike/fragment/limits.js';
import { mayFragment } from '../ipsec/ike/fragment/mode.js';
import type { FragmentDropReason } from '../ipsec/ike/fragment/reassembly.js';
import { skKeysForMessage } from '../ipsec/ike/sk.js';
import type { FragmentCounters, FragmentSettings, FragmentState, IkeSaContext } from './ike-sa.types.js';

const DROP_REASONS: readonly FragmentDropReason[] = [
  'invalidNumber',
  'tooManyFragments',
  'staleTotal',
  'duplicate',
  'integrity',
  'malformed',
  'tooLarge',
  'unexpected',
  'retransmitted',
  'restarted',
  'timeout',
];

/**
 * Nothing being reassembled, every counter zero: one object shared by every IKE SA until it
 * fragments (issue 14: memory per SA); updates replace it, never mutate it (frozen).
 */
const EMPTY_FRAGMENT_STATE: FragmentState = Object.freeze({
  counters: Object.freeze({
    sent: 0,
    fragmentedMessages: 0,
    unfragmentable: 0,
    received: 0,
    reassembled: 0,
    dropped: Object.freeze(Object.fromEntries(DROP_REASONS.map((r) => [r, 0]))) as Record<
      FragmentDropReason,
      number
    >,
  }),
});

export const emptyFragmentState = (): FragmentState => EMPTY_FRAGMENT_STATE;

/** No fragmentation of our own messages (tests that build an IKE SA without a supervisor). */
export const NO_FRAGMENTATION: FragmentSettings = {
  messageBudget: () => Number.POSITIVE_INFINITY,
  limits: DEFAULT_FRAGMENT_LIMITS,
};

export const count = (
  c: FragmentCounters,
  changes: Partial<Omit<FragmentCounters, 'dropped'>>,
): FragmentCounters => {
  const next = { ...c };
  for (const [k, v] of Object.entries(changes)) next[k as keyof typeof changes] += v;
  return next;
};

export const drop = (c: FragmentCounters, reason: FragmentDropReason, n = 1): FragmentCounters =>
  n === 0 ? c : { ...c, dropped: { ...c.dropped, [reason]: c.dropped[reason] + n } };

/** Counts a (re)transmission of `datagrams`: fragments count one each. */
export function countSent(f: FragmentState, datagrams: readonly Uint8Array[]): FragmentState {
  return datagrams.length > 1 ? { ...f, counters: count(f.counters, { sent: datagrams.length }) } : f;
}

/**
 * The datagrams carrying our message `bytes` of `exchangeType` (RFC 7383 §2.4, §2.5), and the
 * fragment state with them counted. An oversized message that cannot be fragmented (budget
 * too small for any plaintext, or more than maxFragments) goes out whole and is counted.
 */
export function outbound(
  context: Pick<IkeSaContext, 'session' | 'deps' | 'fragmentation' | 'fragments'>,
  bytes: Uint8Array,
  exchangeType: number,
): {
  readonly datagrams: readonly Uint8Array[];
  readonly fragments: FragmentState;
  /** Why an oversized message could not be fragmented (it is sent whole). */
  readonly error?: FragmentError;
} {
  const { session, fragmentation, fragments } = context;
  const budget = fragmentation.messageBudget();
  const whole = { datagrams: [bytes], fragments };
  if (bytes.length <= budget || !session.sk) return whole;
  if (!mayFragment(session.config.fragmentation, session.peerFragmentation === true, exchangeType))
    return whole;
  const own = skKeysForMessage(session.sk, session.role === 'initiator');
  const r = fragmentMessage(bytes, own, context.deps.random, budget, fragmentation.limits.maxFragments);
  if (!r.ok)
    return {
      datagrams: [bytes],
      fragments: { ...fragments, counters: count(fragments.counters, { unfragmentable: 1 }) },
      error: r.error,
    };
  const counters = count(fragments.counters, { fragmentedMessages: 1, sent: r.value.length });
  return { datagrams: r.value, fragments: { ...fragments, counters } };
}
