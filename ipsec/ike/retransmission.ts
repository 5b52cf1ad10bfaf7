/**
 * Is an unfragmented request carrying the Message ID of the response we cached a retransmission
 * of the request we answered (RFC 7296 §2.1)? Pure: the IKE SA's request/response layer resends
 * its cached response only for a `resend` verdict, so that a forged message (right SPIs, the last
 * Message ID, any body) does not make us send the response again, several datagrams when it
 * was fragmented (RFC 7383): an amplification.
 *
 * Order for such a request:
 *   1. exchange type other than the answered request's -> dropped (not a retransmission)
 *   2. the same octets as the answered request (its digest, request-digest.ts; §2.1:
 *      "retransmissions of the same message") -> resend
 *   3. IKE_SA_INIT: no keys protect it, so the octets are the only check -> dropped
 *   4. SK-protected, Initiator flag of the peer, ICV / AEAD tag verifies with the peer's keys
 *      (a peer that re-encrypts its retransmissions, as some embedded stacks do) -> resend;
 *      nothing of its plaintext is kept (sk.ts verifySk)
 *   5. anything else -> dropped, never answered (§2.21.2)
 * SKF fragments never come here: fragment 1 of an answered request is checked by the fragment
 * layer (RFC 7383 §2.6.1, fragment/reassembly.ts verifyFragment).
 */
import type { CryptoProvider } from '../crypto/types.js';
import { err, ok, type Result } from '../result.js';
import { equalBytes } from '../util/bytes.js';
import { digestRequest } from './request-digest.js';
import { type SkKeyPair, skKeysForMessage, verifySk } from './sk.js';
import { ExchangeType, PayloadType } from './wire/constants.js';
import { isInitiator } from './wire/header.js';
import type { DecodedMessage } from './wire/message.js';

export { digestRequest } from './request-digest.js';

/** What the request/response layer keeps of a request it answered (with the cached response). */
export interface AnsweredRequest {
  readonly exchangeType: number;
  /**
   * The request's digest (request-digest.ts: SHA-256 of its octets; a minimal mote firmware
   * keeps the octets themselves); absent when it was reassembled from fragments.
   */
  readonly digest?: Uint8Array;
}

export type RetransmissionDropReason =
  /** Step 1: another exchange type under the answered Message ID. */
  | 'exchangeType'
  /** Step 3: an IKE_SA_INIT request that is not the one we answered. */
  | 'changed'
  /** Step 4: not an SK message (unprotected, or no keys yet). */
  | 'unprotected'
  /** Step 4: the Initiator flag claims our role (§3.1): e.g. one of our own requests reflected. */
  | 'initiatorFlag'
  /** Step 4: the ICV / AEAD tag does not verify (§2.21.2). */
  | 'integrity'
  /** Step 4: the SK payload's lengths do not hold together. */
  | 'malformed';

/** Why a request is resent to: the identical octets, or a re-encrypted message that verifies. */
export type RetransmissionKind = 'identical' | 'reencrypted';

/** Steps 1-5 above. `sk`: the IKE SA's keys (undefined before IKE_SA_INIT completes). */
export function checkRetransmission(
  answered: AnsweredRequest,
  decoded: DecodedMessage,
  raw: Uint8Array,
  provider: CryptoProvider,
  sk: SkKeyPair | undefined,
  role: 'initiator' | 'responder',
): Result<RetransmissionKind, RetransmissionDropReason> {
  const h = decoded.header;
  if (h.exchangeType !== answered.exchangeType) return err('exchangeType');
  // §2.1: a retransmission is the same message, octet for octet.
  if (answered.digest && equalBytes(digestRequest(provider, raw), answered.digest)) return ok('identical');
  // §2.1, §1.2: IKE_SA_INIT is unprotected; only the original octets make us answer it again.
  if (h.exchangeType === ExchangeType.IKE_SA_INIT) return err('changed');
  if (!sk || decoded.sk?.type !== PayloadType.SK) return err('unprotected');
  // §3.1: the I flag names the original initiator; a request of the peer's carries the peer's.
  if (isInitiator(h) === (role === 'initiator')) return err('initiatorFlag');
  // §2.1 read with §2.21.2: a re-encrypted retransmission verifies with the peer's keys; a forged
  // message does not and is dropped silently.
  const verified = verifySk(skKeysForMessage(sk, isInitiator(h)), raw, decoded.sk.offset);
  if (!verified.ok) return err(verified.error.code === 'INTEGRITY' ? 'integrity' : 'malformed');
  return ok('reencrypted');
}
