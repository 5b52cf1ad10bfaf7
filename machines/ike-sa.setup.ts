/**
 * The shared setup of the IKE SA statechart: types, injected effects, guards, delays and the
 * actions of the request/response layer (RFC 7296 §2.1-§2.3).
 */

import { assign, setup } from 'xstate';
import { encodeFor, notify } from '../ipsec/ike/exchange/messages.js';
import type { ChildSaRecord, ExchangeFailure, IkeSession } from '../ipsec/ike/exchange/session.js';
import type { FragmentError } from '../ipsec/ike/fragment/fragment.js';
import type { Identity } from '../ipsec/ike/identity.js';
import { ProtocolId } from '../ipsec/ike/model.js';
import { ExchangeType, PayloadType } from '../ipsec/ike/wire/constants.js';
import { isResponse } from '../ipsec/ike/wire/header.js';
import { NotifyError } from '../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../ipsec/ike/wire/payload-types.js';
import { countSent, outbound } from './ike-sa.outbound.js';
import type { IkeSaContext, IkeSaEvent, IkeSaInput, IkeTask, PeerPath } from './ike-sa.types.js';

export const failed = (failure: ExchangeFailure) => ({ kind: 'failed' as const, failure });

/** §2.1: the n-th retransmission waits retransmit_timeout * retransmit_base^(n-1) seconds. */
export function retransmitDelayMs(ctx: Pick<IkeSaContext, 'timing' | 'outstanding'>): number {
  const n = (ctx.outstanding?.transmissions ?? 1) - 1;
  return Math.round(1000 * ctx.timing.retransmit_timeout * ctx.timing.retransmit_base ** n);
}

export const base = setup({
  types: {
    context: {} as IkeSaContext,
    events: {} as IkeSaEvent,
    input: {} as IkeSaInput,
  },
  actions: {
    /** Sends octets to the peer of this IKE SA. */
    transmit: (_, _params: { bytes: Uint8Array }) => {},
    /** §2.23: an authenticated message came over a new path; this SA and its Child SAs move there. */
    peerMoved: (_, _params: { from: PeerPath }) => {},
    /** Installs a negotiated Child SA (both ESP SAs and the policies) via the IPsec backend. */
    installChild: (_, _params: { child: ChildSaRecord }) => {},
    reportChildFailure: (_, _params: { failure: ExchangeFailure }) => {},
    /** IKE_SA_INIT is done: the NAT verdict may move IKE to the NAT-T port (§2.23). */
    initDone: (_, _params: { nat: { local: boolean; remote: boolean } | undefined }) => {},
    /** Removes a Child SA (both ESP SAs) from the IPsec backend; `byPeer`: the peer deleted it. */
    removeChild: (_, _params: { child: ChildSaRecord; byPeer?: boolean }) => {},
    /** The IKE SA was rekeyed (§2.18): a new actor carries `session` and the moved children. */
    ikeRekeyed: (
      _,
      _params: {
        session: IkeSession;
        children: readonly ChildSaRecord[];
        queue: readonly IkeTask[];
        /** The redundant new IKE SA of a collision (§2.8.2): not the successor. */
        redundant?: boolean;
      },
    ) => {},
    /** Hands a task to the IKE SA that replaced this one (§2.18). */
    forwardTask: (_, _params: { task: IkeTask }) => {},
    /** Sends `task` again after `delayMs` to this IKE SA or, if it was replaced, its successor. */
    retryTask: (_, _params: { task: IkeTask; delayMs: number }) => {},
    /** Frees an inbound SPI reserved for a Child SA that was not created. */
    releaseSpi: (_, _params: { spi: Uint8Array }) => {},
    /** N(INITIAL_CONTACT) from this peer (§2.4): its other IKE SAs with us are to be removed. */
    initialContact: (_, _params: { remoteId: Identity }) => {},
    reportEstablished: () => {},
    /**
     * Request/response-layer events worth a log line: dropped fragments and forged
     * retransmissions (debug), unfragmentable messages (warn). (Named for its first use.)
     */
    logFragments: (_, _params: { level: 'debug' | 'warn'; msg: string; detail: object }) => {},
    /** The outstanding request was answered (§2.3: the window moves on). */
    clearOutstanding: assign({ outstanding: undefined }),
    reportFailed: (_, _params: { failure: ExchangeFailure }) => {},
    /** The IKE SA is gone after a Delete (context.deletedByPeer: the peer sent it, §1.4.1). */
    reportClosed: () => {},
  },
  guards: {
    isRetransmittedRequest: ({ context, event }) =>
      event.type === 'MESSAGE' &&
      !isResponse(event.decoded.header) &&
      context.cachedResponse?.messageId === event.decoded.header.messageId,
    isNewRequest: ({ context, event }) =>
      event.type === 'MESSAGE' &&
      !isResponse(event.decoded.header) &&
      event.decoded.header.messageId === context.peerMessageId,
    /** RFC 7383 §2.5: an SKF message (ike-sa.fragments.ts, or a minimal firmware's stand-in). */
    isFragment: ({ event }) => event.type === 'MESSAGE' && event.decoded.sk?.type === PayloadType.SKF,
    isExpectedResponse: ({ context, event }) =>
      event.type === 'MESSAGE' &&
      isResponse(event.decoded.header) &&
      context.outstanding?.messageId === event.decoded.header.messageId &&
      context.outstanding.exchangeType === event.decoded.header.exchangeType,
    stepNext: ({ context }) => context.step?.kind === 'next',
    hasTask: ({ context }) => context.queue.length > 0,
    noActiveTask: ({ context }) => context.active === undefined,
    dpdEnabled: ({ context }) => context.session.config.dpd_delay > 0 && !context.retired,
    ikeRekeyEnabled: ({ context }) => context.ikeRekeyMs > 0 && !context.retired,
    isRetired: ({ context }) => context.retired,
    closingTask: ({ context }) => context.active?.task.kind === 'deleteIke',
    stepRetry: ({ context }) => context.step?.kind === 'retry',
    triesLeft: ({ context }) => (context.outstanding?.transmissions ?? 0) <= context.timing.retransmit_tries,
    isAuthRequest: ({ event }) => event.type === 'REQUEST' && event.exchangeType === ExchangeType.IKE_AUTH,
    isInformational: ({ event }) =>
      event.type === 'REQUEST' && event.exchangeType === ExchangeType.INFORMATIONAL,
    isCreateChild: ({ event }) =>
      event.type === 'REQUEST' && event.exchangeType === ExchangeType.CREATE_CHILD_SA,
    isDeleteIke: ({ event }) =>
      event.type === 'REQUEST' &&
      event.exchangeType === ExchangeType.INFORMATIONAL &&
      event.payloads.some((p) => p.type === PayloadType.D && p.protocolId === ProtocolId.IKE),
    /** §2.21.2: the initiator refused our AUTH after we answered IKE_AUTH; the IKE SA is void. */
    isAuthFailedNotice: ({ event }) =>
      event.type === 'REQUEST' &&
      event.exchangeType === ExchangeType.INFORMATIONAL &&
      event.payloads.some(
        (p) => p.type === PayloadType.N && p.notifyType === NotifyError.AUTHENTICATION_FAILED,
      ),
  },
  delays: {
    RETRANSMIT: ({ context }) => retransmitDelayMs(context),
    HALF_OPEN: ({ context }) => context.timing.half_open_timeout * 1000,
    /** swanctl dpd_delay: a liveness check after this long without an exchange. */
    DPD: ({ context }) => context.session.config.dpd_delay * 1000,
    /** swanctl rekey_time minus a random share of rand_time (jitter, so peers don't collide). */
    IKE_REKEY: ({ context }) => context.ikeRekeyMs,
    /** A replaced (rekeyed) IKE SA waits this long for the peer's Delete before it goes. */
    RETIRE: ({ context }) => {
      // Long enough for the peer to retransmit its rekey request through every try (§2.1), so
      // our cached response still answers it: the sum of the whole back-off schedule.
      const { retransmit_timeout: t, retransmit_base: b, retransmit_tries: n } = context.timing;
      let total = 0;
      for (let i = 0; i <= n; i++) total += t * b ** i;
      return Math.round(1000 * total);
    },
  },
});

export const retransmit = base.enqueueActions(({ context, enqueue }) => {
  const o = context.outstanding;
  if (!o) return;
  enqueue.assign({
    outstanding: { ...o, transmissions: o.transmissions + 1 },
    stats: { ...context.stats, retransmits: context.stats.retransmits + 1 },
    fragments: countSent(context.fragments, o.datagrams),
  });
  // §2.1: the identical octets; RFC 7383 §2.6.1: every fragment of a fragmented request.
  for (const bytes of o.datagrams) enqueue({ type: 'transmit', params: { bytes } });
});

export const timedOut = base.assign({
  failure: ({ context }) => ({
    reason: `no response after ${context.outstanding?.transmissions ?? 0} transmissions`,
    timeout: true,
  }),
});

export const failFromStep = base.assign({
  failure: ({ context }) => (context.step?.kind === 'failed' ? context.step.failure : { reason: 'failed' }),
});

/** Answers the current REQUEST with `payloads` and caches the answer for retransmissions (§2.1). */
export const answer = (payloads: readonly Payload[]) =>
  base.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'REQUEST') return;
    const bytes = encodeFor(context.session, context.deps, {
      exchangeType: event.exchangeType,
      messageId: event.messageId,
      response: true,
      payloads,
    });
    respond(enqueue, context, event.messageId, event.exchangeType, bytes);
  });

/** What an enqueueActions callback may do that `respond` and `request` need. */
interface Enqueue {
  assign(values: Partial<IkeSaContext>): void;
  (action: { type: 'transmit'; params: { bytes: Uint8Array } }): void;
  (action: { type: 'peerMoved'; params: { from: PeerPath } }): void;
  (action: { type: 'logFragments'; params: { level: 'debug' | 'warn'; msg: string; detail: object } }): void;
}

/**
 * §2.23: the peer's address or port changed (a NAT-T float, a NAT mapping change) and this message
 * passed its integrity check: the SA follows it, before anything is sent in answer. A message that
 * fails the check moves nothing (a forged source must not redirect the SA).
 */
export function followPeer(enqueue: Enqueue, event: IkeSaEvent): void {
  if (event.type === 'MESSAGE' && event.from) enqueue({ type: 'peerMoved', params: { from: event.from } });
}

/** Logs why an oversized message goes out whole (a fragment size too small, too many fragments). */
function logUnfragmentable(enqueue: Enqueue, error: FragmentError | undefined, exchangeType: number): void {
  if (error)
    enqueue({
      type: 'logFragments',
      params: {
        level: 'warn',
        msg: 'oversized IKE message sent unfragmented',
        detail: { exchangeType, error },
      },
    });
}

/**
 * Sends our response `bytes` to the peer's request `messageId` (whole or in fragments, RFC 7383)
 * and caches it for the request's retransmissions (§2.1); the peer's next request is expected.
 */
export function respond(
  enqueue: Enqueue,
  context: IkeSaContext,
  messageId: number,
  exchangeType: number,
  bytes: Uint8Array,
): void {
  const out = outbound(context, bytes, exchangeType);
  logUnfragmentable(enqueue, out.error, exchangeType);
  // §2.1: what we keep of the request, so that only its retransmissions get this response again
  // (no digest for a request reassembled from fragments: RFC 7383 §2.6.1 checks fragment 1).
  const p = context.peerRequest;
  const digest = p?.messageId === messageId ? p.digest : undefined;
  enqueue.assign({
    cachedResponse: {
      messageId,
      datagrams: out.datagrams,
      request: { exchangeType, ...(digest ? { digest } : {}) },
    },
    peerRequest: undefined,
    peerMessageId: messageId + 1,
    fragments: out.fragments,
  });
  for (const d of out.datagrams) enqueue({ type: 'transmit', params: { bytes: d } });
}

/** Sends our request `bytes` (whole or in fragments, RFC 7383) as the outstanding one (§2.3). */
export function request(
  enqueue: Enqueue,
  context: IkeSaContext,
  messageId: number,
  exchangeType: number,
  bytes: Uint8Array,
): void {
  const out = outbound(context, bytes, exchangeType);
  logUnfragmentable(enqueue, out.error, exchangeType);
  enqueue.assign({
    outstanding: { messageId, exchangeType, datagrams: out.datagrams, transmissions: 1 },
    fragments: out.fragments,
  });
  for (const d of out.datagrams) enqueue({ type: 'transmit', params: { bytes: d } });
}

/** A request sent once and not awaited (the §2.21.2 notice of a failed IKE_AUTH): no retransmission. */
export function notice(enqueue: Enqueue, context: IkeSaContext, bytes: Uint8Array): void {
  const out = outbound(context, bytes, ExchangeType.INFORMATIONAL);
  for (const d of out.datagrams) enqueue({ type: 'transmit', params: { bytes: d } });
}

/** §2.21.2: INFORMATIONAL { N(AUTHENTICATION_FAILED) }, protected by the IKE SA we refuse. */
export const authFailedNotice = (context: IkeSaContext): Uint8Array =>
  encodeFor(context.session, context.deps, {
    exchangeType: ExchangeType.INFORMATIONAL,
    messageId: context.nextMessageId,
    response: false,
    payloads: [notify(NotifyError.AUTHENTICATION_FAILED)],
  });

/**
 * The `after` of every state that waits for a response (§2.1): resend the identical request
 * with back-off while tries are left (re-entering the waiting state restarts the timer), then
 * give the IKE SA up. Used by `waiting` states: their parent's entry sent the request.
 */
export const retransmitOrFail = {
  RETRANSMIT: [
    { guard: 'triesLeft' as const, target: 'waiting', reenter: true, actions: retransmit },
    { target: '#ikeSa.failed', actions: timedOut },
  ],
};
