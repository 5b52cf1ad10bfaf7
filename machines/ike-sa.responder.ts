/**
 * The responder's half of the initial exchanges (RFC 7296 §1.2): IKE_SA_INIT answered on entry,
 * half-open until IKE_AUTH (limited by HALF_OPEN), then the connection chosen by identity.
 *
 *   init --(answered)--> halfOpen --(IKE_AUTH request)--> decide --> established | failed
 *
 * A minimal firmware (RFC 7815's initiator, targets/wismote/no-init-responder.ts) links none of
 * this: its router never spawns a responder.
 */
import { assign, enqueueActions } from 'xstate';
import { handleAuthRequest } from '../ipsec/ike/exchange/ike-auth.js';
import { handleInitRequest } from '../ipsec/ike/exchange/ike-sa-init.js';
import { notify } from '../ipsec/ike/exchange/messages.js';
import { digestRequest } from '../ipsec/ike/retransmission.js';
import { ExchangeType } from '../ipsec/ike/wire/constants.js';
import { NotifyError } from '../ipsec/ike/wire/notify-types.js';
import { NONE } from './ike-sa.context.js';
import { answer, base, failed, failFromStep, respond } from './ike-sa.setup.js';

export const responderState = base.createStateConfig({
  initial: 'init',
  states: {
    /* --> IKE_SA_INIT { SAi1, KEi, Ni }   <-- { SAr1, KEr, Nr } | { N(error) } */
    init: {
      entry: enqueueActions(({ context, enqueue }) => {
        const m = context.initMessage;
        if (!m) {
          enqueue.assign({ step: failed({ reason: 'responder without IKE_SA_INIT request' }) });
          return;
        }
        const out = handleInitRequest(
          {
            config: context.session.config,
            proposals: context.session.proposals,
            local: context.session.local,
            remote: context.session.remote,
            spiI: m.decoded.header.spiI,
            spiR: context.session.spiR,
            payloads: m.decoded.payloads,
            raw: m.raw,
          },
          context.deps,
        );
        enqueue({ type: 'transmit', params: { bytes: out.response } });
        if (out.kind === 'rejected') {
          enqueue.assign({ initMessage: undefined, step: failed(out.failure) });
          return;
        }
        enqueue.assign({
          initMessage: undefined,
          session: out.session,
          step: { kind: 'next' },
          peerMessageId: 1,
          // §2.1: IKE_SA_INIT has no keys: only its original octets get the response again.
          cachedResponse: {
            messageId: 0,
            datagrams: [out.response],
            request: {
              exchangeType: ExchangeType.IKE_SA_INIT,
              digest: digestRequest(context.deps.provider, m.raw),
            },
          },
        });
      }),
      always: [
        { guard: 'stepNext', target: 'halfOpen' },
        { target: '#ikeSa.failed', actions: failFromStep },
      ],
    },
    /* --> IKE_AUTH { IDi, [IDr,] AUTH, SAi2, TSi, TSr }   <-- { IDr, AUTH, SAr2, TSi, TSr } */
    halfOpen: {
      after: {
        HALF_OPEN: {
          target: '#ikeSa.failed',
          actions: assign({ failure: { reason: 'half-open timeout' } }),
        },
      },
      on: {
        REQUEST: [
          {
            guard: 'isAuthRequest',
            target: 'decide',
            actions: enqueueActions(({ context, event, enqueue }) => {
              if (event.type !== 'REQUEST') return;
              const out = handleAuthRequest(
                context.session,
                context.deps,
                event.payloads,
                context.candidates,
              );
              // The IKE SA's own session (keys, peer support): out.session may not exist.
              respond(enqueue, context, event.messageId, event.exchangeType, out.response);
              if (out.kind === 'failed') {
                enqueue.assign({ step: failed(out.failure) });
                return;
              }
              // The connection is chosen: the other candidates are not needed again.
              enqueue.assign({ session: out.session, step: { kind: 'next' }, candidates: NONE });
              if (out.initialContact && out.session.remoteId)
                enqueue({ type: 'initialContact', params: { remoteId: out.session.remoteId } });
              if (out.child) enqueue.assign({ children: [...context.children, out.child] });
              if (out.child) enqueue({ type: 'installChild', params: { child: out.child } });
              if (out.childFailure)
                enqueue({ type: 'reportChildFailure', params: { failure: out.childFailure } });
            }),
          },
          { actions: answer([notify(NotifyError.INVALID_SYNTAX)]) },
        ],
      },
    },
    decide: {
      always: [
        { guard: 'stepNext', target: '#ikeSa.established' },
        { target: '#ikeSa.failed', actions: failFromStep },
      ],
    },
  },
});
