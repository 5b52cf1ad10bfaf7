/**
 * IKE fragmentation in the request/response layer of the IKE SA (RFC 7383).
 *
 * Outbound is ike-sa.outbound.ts. Inbound, for each SKF message (§2.6, §2.6.1), in order:
 *   1. I flag and keys: a fragment claiming our role, or before keys exist -> dropped
 *   2. Message ID: a request already answered -> only fragment 1 resends the cached response
 *      (§2.6.1), once its numbers and integrity are checked (a forged fragment 1 must not make
 *      us send every response fragment), the others are dropped; the expected request or the
 *      response to our outstanding request -> reassembly; anything else -> dropped
 *   3. reassembly.ts: number checks, replay, integrity, Total Fragments, limits
 *   4. complete -> inner chain and rule tables (messages.ts openReassembled) -> REQUEST or
 *      RESPONSE exactly as for an unfragmented message; a malformed request is answered with
 *      its error notify (RFC 7296 §2.21.2)
 * A message not complete reassemblyTimeoutMs after its first fragment is discarded.
 * Every drop is counted by reason in context.fragments.counters.
 * Decrypted fragments are zeroed when discarded (reassembly.ts, and here on timeout) and the
 * reassembled plaintext once parsed; what a destroyed IKE SA still holds is zeroed by the
 * supervisor (actors/ike-fragments.ts endFragments).
 */

import { encodeFor, notify, openReassembled } from '../ipsec/ike/exchange/messages.js';
import {
  addFragment,
  discardPartial,
  type FragmentDropReason,
  fragmentIn,
  verifyFragment,
} from '../ipsec/ike/fragment/reassembly.js';
import { skKeysForMessage } from '../ipsec/ike/sk.js';
import { isInitiator, isResponse } from '../ipsec/ike/wire/header.js';
import { NotifyError } from '../ipsec/ike/wire/notify-types.js';
import { wipe } from '../ipsec/util/bytes.js';
import { count, countSent, drop } from './ike-sa.outbound.js';
import { base, followPeer } from './ike-sa.setup.js';

const timerId = (key: 'request' | 'response') => `ike-fragments-${key}`;

/** Handles one SKF message (steps 1-4 above). */
export const receiveFragment = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'MESSAGE') return;
  const h = event.decoded.header;
  const state = context.fragments;
  let counters = count(state.counters, { received: 1 });
  const f = fragmentIn(event.decoded, event.raw);
  const dropped = (reason: FragmentDropReason) => {
    enqueue.assign({ fragments: { ...state, counters: drop(counters, reason) } });
    enqueue({
      type: 'logFragments',
      params: {
        level: 'debug',
        msg: 'IKE fragment dropped',
        detail: { reason, messageId: h.messageId, fragment: f?.fragmentNumber, total: f?.totalFragments },
      },
    });
  };
  const sk = context.session.sk;
  // §3.1: the I flag names the original initiator; a fragment claiming our role is not for us.
  if (!f || !sk || isInitiator(h) === (context.session.role === 'initiator')) {
    dropped('unexpected');
    return;
  }
  let key: 'request' | 'response';
  if (!isResponse(h) && context.cachedResponse?.messageId === h.messageId) {
    // RFC 7383 §2.6.1: only fragment 1 of a retransmitted request triggers the response again.
    if (f.fragmentNumber !== 1) {
      dropped('retransmitted');
      return;
    }
    // §2.6.1 with §2.6: it is checked as a new fragment would be (integrity with the peer's keys)
    // before it makes us send anything: a forged fragment 1 must not amplify into every fragment.
    const checked = verifyFragment(f, skKeysForMessage(sk, isInitiator(h)), context.fragmentation.limits);
    if (!checked.ok) {
      dropped(checked.error.reason);
      return;
    }
    const datagrams = context.cachedResponse.datagrams;
    followPeer(enqueue, event);
    enqueue.assign({
      fragments: countSent({ ...state, counters }, datagrams),
      stats: { ...context.stats, retransmittedResponses: context.stats.retransmittedResponses + 1 },
    });
    for (const bytes of datagrams) enqueue({ type: 'transmit', params: { bytes } });
    return;
  }
  if (!isResponse(h) && h.messageId === context.peerMessageId) key = 'request';
  else if (
    isResponse(h) &&
    context.outstanding?.messageId === h.messageId &&
    context.outstanding.exchangeType === h.exchangeType
  )
    key = 'response';
  else {
    dropped('unexpected');
    return;
  }
  const other = state[key === 'request' ? 'response' : 'request'];
  const partial = state[key];
  const added = addFragment(
    partial,
    f,
    skKeysForMessage(sk, isInitiator(h)),
    context.fragmentation.limits,
    other?.octets ?? 0,
  );
  if (!added.ok) {
    dropped(added.error.reason);
    return;
  }
  const out = added.value;
  followPeer(enqueue, event); // the fragment passed its integrity check (RFC 7383 §2.6)
  counters = drop(counters, 'restarted', out.discarded);
  if (out.kind === 'stored') {
    const started = !partial || partial.messageId !== h.messageId || out.discarded > 0; // (re)started: arm the timer
    enqueue.assign({ fragments: { ...state, [key]: out.partial, counters } });
    if (started) {
      enqueue.cancel(timerId(key));
      enqueue.raise(
        { type: 'FRAGMENT_TIMEOUT', key, messageId: h.messageId },
        { id: timerId(key), delay: context.fragmentation.limits.reassemblyTimeoutMs },
      );
    }
    return;
  }
  enqueue.cancel(timerId(key));
  const { [key]: _done, ...rest } = state;
  enqueue.assign({ fragments: { ...rest, counters: count(counters, { reassembled: 1 }) } });
  const opened = openReassembled(
    h,
    event.decoded.payloads,
    out.message.firstInnerPayload,
    out.message.plaintext,
  );
  wipe(out.message.plaintext); // parsed: the payloads are copies
  if (key === 'response') {
    if (opened.ok)
      enqueue.raise({
        type: 'RESPONSE',
        exchangeType: h.exchangeType,
        payloads: opened.value,
        raw: event.raw,
        spiR: h.spiR,
      });
    else enqueue.assign({ stats: { ...context.stats, dropped: context.stats.dropped + 1 } });
    return;
  }
  if (opened.ok) {
    enqueue.raise({
      type: 'REQUEST',
      exchangeType: h.exchangeType,
      messageId: h.messageId,
      payloads: opened.value,
    });
    return;
  }
  // RFC 7296 §2.21.2: a request that verifies but is malformed is answered with the error.
  const bytes = encodeFor(context.session, context.deps, {
    exchangeType: h.exchangeType,
    messageId: h.messageId,
    response: true,
    payloads: [notify(opened.error.notify ?? NotifyError.INVALID_SYNTAX)],
  });
  enqueue.assign({
    cachedResponse: { messageId: h.messageId, datagrams: [bytes], request: { exchangeType: h.exchangeType } },
    peerMessageId: h.messageId + 1,
  });
  enqueue({ type: 'transmit', params: { bytes } });
});

/** A message whose fragments did not all arrive in time: what was collected is discarded. */
export const fragmentTimeout = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'FRAGMENT_TIMEOUT') return;
  const partial = context.fragments[event.key];
  if (!partial || partial.messageId !== event.messageId) return;
  const { [event.key]: _gone, ...rest } = context.fragments;
  discardPartial(partial);
  enqueue.assign({ fragments: { ...rest, counters: drop(rest.counters, 'timeout', partial.received) } });
  enqueue({
    type: 'logFragments',
    params: {
      level: 'debug',
      msg: 'IKE message incomplete: fragments discarded',
      detail: {
        reason: 'timeout',
        messageId: partial.messageId,
        received: partial.received,
        total: partial.total,
      },
    },
  });
});
