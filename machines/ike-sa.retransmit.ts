/**
 * Retransmitted requests in the request/response layer of the IKE SA (RFC 7296 §2.1).
 *
 * For each unfragmented request (SKF fragments: ike-sa.fragments.ts), in order:
 *   1. a new request (the Message ID we expect) that opened -> peerRequestOf keeps its exchange type and the
 *      digest of its octets until respond() (ike-sa.setup.ts) caches them with the response
 *   2. the Message ID of the cached response -> answerRetransmission: resend the cached response
 *      only when ipsec/ike/retransmission.ts says it is a retransmission (the same octets, or a
 *      re-encrypted message that verifies with the peer's keys); a forged one is dropped
 *      silently (§2.21.2), counted in stats.dropped and logged at debug, and sends nothing
 */
import { checkRetransmission, digestRequest } from '../ipsec/ike/retransmission.js';
import type { DecodedMessage } from '../ipsec/ike/wire/message.js';
import { countSent } from './ike-sa.outbound.js';
import { base, followPeer } from './ike-sa.setup.js';
import type { IkeSaContext, PeerRequest } from './ike-sa.types.js';

/** Step 1: what the cached response will keep of a new request that opened (§2.1). */
export function peerRequestOf(
  context: Pick<IkeSaContext, 'deps'>,
  event: { readonly decoded: DecodedMessage; readonly raw: Uint8Array },
): PeerRequest {
  const h = event.decoded.header;
  return {
    messageId: h.messageId,
    exchangeType: h.exchangeType,
    digest: digestRequest(context.deps.provider, event.raw), // §2.1: the octets we answer
  };
}

/** Step 2: a request under the Message ID we answered last (guard isRetransmittedRequest). */
export const answerRetransmission = base.enqueueActions(({ context, event, enqueue }) => {
  const cached = context.cachedResponse;
  if (event.type !== 'MESSAGE' || !cached) return;
  const h = event.decoded.header;
  const { session } = context;
  const verdict = checkRetransmission(
    cached.request,
    event.decoded,
    event.raw,
    context.deps.provider,
    session.sk,
    session.role,
  );
  if (!verdict.ok) {
    // §2.21.2: not the request we answered and not protected by the peer's keys: dropped, and
    // above all not answered (a forged message must not make us send the response again).
    enqueue.assign({ stats: { ...context.stats, dropped: context.stats.dropped + 1 } });
    enqueue({
      type: 'logFragments',
      params: {
        level: 'debug',
        msg: 'retransmitted IKE request dropped',
        detail: { reason: verdict.error, messageId: h.messageId, exchangeType: h.exchangeType },
      },
    });
    return;
  }
  const datagrams = cached.datagrams;
  followPeer(enqueue, event); // the peer may resend because our answer went to a mapping that died
  enqueue.assign({
    stats: { ...context.stats, retransmittedResponses: context.stats.retransmittedResponses + 1 },
    fragments: countSent(context.fragments, datagrams),
  });
  for (const bytes of datagrams) enqueue({ type: 'transmit', params: { bytes } }); // §2.1
});
