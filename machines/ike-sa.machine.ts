/**
 * The IKE SA statechart, initiator and responder roles (RFC 7296 §1.2, §2.1-§2.3); the
 * responder's half of the initial exchanges is ike-sa.responder.ts.
 *
 *   initiator: init -> auth -> established            responder: init -> halfOpen -> established
 *              init --(COOKIE | INVALID_KE_PAYLOAD)--> init (restart, §2.6, §1.2)
 *              any waiting state --(no response after retransmit_tries)--> failed
 *
 * The request/response layer lives at the root: every MESSAGE is classified by Message ID
 * before any state sees it: a retransmitted request (the same octets, or re-encrypted and
 * verified: ike-sa.retransmit.ts) gets the cached response, verbatim, and is never processed
 * twice (§2.1), a forged one gets nothing; a new request becomes REQUEST, the response to our
 * outstanding request becomes RESPONSE, anything else is dropped and counted. Retransmissions resend the
 * identical octets with exponential back-off (§2.1); window size 1 (§2.3).
 *
 * Effects are injected (setup actions, replaced with machine.provide): transmit, installChild,
 * reportChildFailure, reportEstablished, reportFailed, reportClosed.
 */

import { assign, enqueueActions } from 'xstate';
import { buildAuthRequest, handleAuthResponse } from '../ipsec/ike/exchange/ike-auth.js';
import { buildInitRequest, handleInitResponse } from '../ipsec/ike/exchange/ike-sa-init.js';
import { encodeFor, notify, openFor } from '../ipsec/ike/exchange/messages.js';
import { ExchangeType } from '../ipsec/ike/wire/constants.js';
import { initialContext } from './ike-sa.context.js';
import { establishedState } from './ike-sa.established.js';
import { fragmentTimeout, receiveFragment } from './ike-sa.fragments.js';
import { responderState } from './ike-sa.responder.js';
import { answerRetransmission, peerRequestOf } from './ike-sa.retransmit.js';
import {
  authFailedNotice,
  base,
  failed,
  failFromStep,
  followPeer,
  notice,
  request,
  respond,
  retransmitOrFail,
} from './ike-sa.setup.js';

export const ikeSaMachine = base.createMachine({
  id: 'ikeSa',
  context: ({ input }) => initialContext(input),
  initial: 'start',
  on: {
    // ---- the request/response layer (§2.1-§2.3) ----
    // RFC 7383 §2.6: fragments are reassembled first (ike-sa.fragments.ts), then classified alike.
    FRAGMENT_TIMEOUT: { actions: fragmentTimeout },
    MESSAGE: [
      { guard: 'isFragment', actions: receiveFragment },
      // §2.1: resent only to the same octets or a re-encrypted request that verifies (ike-sa.retransmit.ts).
      { guard: 'isRetransmittedRequest', actions: answerRetransmission },
      {
        guard: 'isNewRequest',
        actions: enqueueActions(({ context, event, enqueue }) => {
          if (event.type !== 'MESSAGE') return;
          const h = event.decoded.header;
          const opened = openFor(context.session, event.decoded, event.raw);
          if (opened.ok) {
            followPeer(enqueue, event);
            enqueue.assign({ peerRequest: peerRequestOf(context, event) }); // §2.1: cached with the response
            enqueue.raise({
              type: 'REQUEST',
              exchangeType: h.exchangeType,
              messageId: h.messageId,
              payloads: opened.value,
            });
            return;
          }
          if (opened.error.notify !== undefined && context.session.sk) {
            // §2.21.2: a protected request that decrypts but is malformed is answered with the error.
            followPeer(enqueue, event);
            const bytes = encodeFor(context.session, context.deps, {
              exchangeType: h.exchangeType,
              messageId: h.messageId,
              response: true,
              payloads: [notify(opened.error.notify)],
            });
            respond(
              enqueue,
              { ...context, peerRequest: peerRequestOf(context, event) },
              h.messageId,
              h.exchangeType,
              bytes,
            );
            return;
          }
          enqueue.assign({ stats: { ...context.stats, dropped: context.stats.dropped + 1 } }); // §2.21.2: integrity failures are dropped
        }),
      },
      {
        guard: 'isExpectedResponse',
        actions: enqueueActions(({ context, event, enqueue }) => {
          if (event.type !== 'MESSAGE') return;
          const h = event.decoded.header;
          const opened = openFor(context.session, event.decoded, event.raw);
          if (!opened.ok) {
            enqueue.assign({ stats: { ...context.stats, dropped: context.stats.dropped + 1 } });
            return;
          }
          followPeer(enqueue, event);
          enqueue.raise({
            type: 'RESPONSE',
            exchangeType: h.exchangeType,
            payloads: opened.value,
            raw: event.raw,
            spiR: h.spiR,
          });
        }),
      },
      {
        actions: assign({
          stats: ({ context }) => ({ ...context.stats, dropped: context.stats.dropped + 1 }),
        }),
      },
    ],
    // A request that opened but that the current state takes none of (e.g. the responder's
    // before our IKE_AUTH completed, §1.2, CVE-2019-12312): dropped unanswered, and counted.
    REQUEST: {
      actions: assign({
        stats: ({ context }) => ({ ...context.stats, dropped: context.stats.dropped + 1 }),
      }),
    },
  },
  states: {
    start: {
      always: [
        { guard: ({ context }) => context.startEstablished, target: 'established' },
        { guard: ({ context }) => context.session.role === 'initiator', target: 'initiator' },
        { target: 'responder' },
      ],
    },

    initiator: {
      initial: 'init',
      states: {
        /* IKE_SA_INIT { [N(COOKIE),] SAi1, KEi, Ni } --> */
        init: {
          entry: enqueueActions(({ context, enqueue }) => {
            const group = context.step?.kind === 'retry' ? context.step.group : undefined;
            const built = buildInitRequest(context.session, context.deps, group);
            enqueue.assign({
              session: built.session,
              step: undefined,
              nextMessageId: 1,
              outstanding: {
                messageId: 0,
                exchangeType: ExchangeType.IKE_SA_INIT,
                datagrams: [built.bytes], // RFC 7383 §2.5.1: IKE_SA_INIT is never fragmented
                transmissions: 1,
              },
            });
            enqueue({ type: 'transmit', params: { bytes: built.bytes } });
          }),
          initial: 'waiting',
          states: {
            waiting: {
              after: retransmitOrFail,
              on: {
                /* <-- IKE_SA_INIT { SAr1, KEr, Nr } | { N(COOKIE) } | { N(INVALID_KE_PAYLOAD) } */
                RESPONSE: {
                  target: 'decide',
                  actions: [
                    'clearOutstanding',
                    assign(({ context, event }) => {
                      const out = handleInitResponse(
                        context.session,
                        context.deps,
                        event.spiR,
                        event.payloads,
                        event.raw,
                      );
                      if (out.kind === 'established')
                        return { session: out.session, step: { kind: 'next' as const } };
                      if (out.kind === 'retry')
                        return {
                          session: out.session,
                          step: {
                            kind: 'retry' as const,
                            ...(out.group !== undefined ? { group: out.group } : {}),
                          },
                        };
                      return { step: failed(out.failure) };
                    }),
                  ],
                },
              },
            },
            decide: {
              always: [
                {
                  guard: 'stepNext',
                  target: '#ikeSa.initiator.auth',
                  actions: { type: 'initDone', params: ({ context }) => ({ nat: context.session.nat }) },
                },
                { guard: 'stepRetry', target: '#ikeSa.initiator.init', reenter: true },
                { target: '#ikeSa.failed', actions: failFromStep },
              ],
            },
          },
        },
        /* IKE_AUTH { IDi, [IDr,] AUTH, SAi2, TSi, TSr } --> */
        auth: {
          entry: enqueueActions(({ context, enqueue }) => {
            const built = buildAuthRequest(context.session, context.deps, context.firstChild);
            if (!built.ok) {
              enqueue.assign({ step: failed(built.failure) });
              return;
            }
            const messageId = context.nextMessageId;
            enqueue.assign({ session: built.session, step: undefined, nextMessageId: messageId + 1 });
            // The session with the negotiated keys and the peer's fragmentation support.
            request(
              enqueue,
              { ...context, session: built.session },
              messageId,
              ExchangeType.IKE_AUTH,
              built.bytes,
            );
          }),
          initial: 'waiting',
          states: {
            waiting: {
              always: {
                guard: ({ context }) => context.step?.kind === 'failed',
                target: '#ikeSa.failed',
                actions: failFromStep,
              },
              after: retransmitOrFail,
              on: {
                /* <-- IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr } */
                RESPONSE: {
                  target: 'decide',
                  actions: enqueueActions(({ context, event, enqueue }) => {
                    if (event.type !== 'RESPONSE') return;
                    enqueue.assign({ outstanding: undefined });
                    const out = handleAuthResponse(context.session, context.deps, event.payloads);
                    if (out.kind === 'failed') {
                      enqueue.assign({ step: failed(out.failure) });
                      // §2.21.2: INFORMATIONAL { N(AUTHENTICATION_FAILED) } -->, once, not retransmitted.
                      if (out.failure.noticePeer) notice(enqueue, context, authFailedNotice(context));
                      return;
                    }
                    enqueue.assign({ session: out.session, step: { kind: 'next' } });
                    if (out.child) enqueue.assign({ children: [...context.children, out.child] });
                    if (out.child) enqueue({ type: 'installChild', params: { child: out.child } });
                    if (out.childFailure)
                      enqueue({ type: 'reportChildFailure', params: { failure: out.childFailure } });
                    const pending = context.session.pendingChild;
                    if (out.childFailure && pending)
                      enqueue({ type: 'releaseSpi', params: { spi: pending.spiIn } });
                  }),
                },
              },
            },
            decide: {
              always: [
                { guard: 'stepNext', target: '#ikeSa.established' },
                { target: '#ikeSa.failed', actions: failFromStep },
              ],
            },
          },
        },
      },
    },

    responder: responderState,
    established: establishedState,
    failed: {
      type: 'final',
      entry: {
        type: 'reportFailed',
        params: ({ context }) => ({ failure: context.failure ?? { reason: 'failed' } }),
      },
    },
    closed: { type: 'final', entry: 'reportClosed' },
  },
});
