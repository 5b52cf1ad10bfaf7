/**
 * Building and opening the messages of one IKE SA: header fields from the session, SK
 * protection with the sender's keys (RFC 7296 §3.14), and the rule tables checked before
 * any state machine sees a message (wire/rules.ts).
 *
 * Inbound order: decodeMessage (by the caller) -> role/flag check -> outer rules ->
 * openSk (integrity before anything is parsed) -> inner chain decode -> full rules.
 */
import { err, ok, type Result } from '../../result.js';
import { openSk, skKeysForMessage } from '../sk.js';
import { decodePayloadChain } from '../wire/chain.js';
import { ExchangeType, PayloadType } from '../wire/constants.js';
import { headerFlags, isInitiator, isResponse } from '../wire/header.js';
import { type DecodedMessage, encodeMessage } from '../wire/message.js';
import { NotifyError } from '../wire/notify-types.js';
import type { NotifyPayload, Payload } from '../wire/payload-types.js';
import { checkRules } from '../wire/rules.js';
import type { ExchangeFailure, IkeDeps, IkeSession } from './session.js';

export interface OutboundMessage {
  readonly exchangeType: number;
  readonly messageId: number;
  readonly response: boolean;
  readonly payloads: readonly Payload[];
}

/** Encodes a message of this IKE SA; every exchange but IKE_SA_INIT is SK-protected. */
export function encodeFor(session: IkeSession, deps: IkeDeps, m: OutboundMessage): Uint8Array {
  const header = {
    spiI: session.spiI,
    spiR: session.spiR,
    majorVersion: 2,
    minorVersion: 0,
    exchangeType: m.exchangeType,
    flags: headerFlags({ initiator: session.role === 'initiator', response: m.response }),
    messageId: m.messageId,
  };
  if (m.exchangeType === ExchangeType.IKE_SA_INIT) return encodeMessage({ header, payloads: m.payloads });
  if (!session.sk) throw new Error('no IKE SA keys yet: cannot protect a message');
  const keys = skKeysForMessage(session.sk, session.role === 'initiator');
  return encodeMessage({ header, payloads: m.payloads }, { keys, random: deps.random });
}

/** The payloads of a received message: outer ones for IKE_SA_INIT, the SK content otherwise. */
export function openFor(
  session: IkeSession,
  decoded: DecodedMessage,
  raw: Uint8Array,
): Result<Payload[], ExchangeFailure> {
  const h = decoded.header;
  // §3.1: the I flag names the original initiator; a message claiming our role is not for us.
  if (isInitiator(h) === (session.role === 'initiator'))
    return err({ reason: 'Initiator flag does not match the IKE SA roles' });
  if (h.exchangeType === ExchangeType.IKE_SA_INIT) {
    // §1.2, §3.1: IKE_SA_INIT is Message ID 0 and only before keys exist; anything else is a
    // forgery that must not move the Message ID window (dropped, never answered).
    if (h.messageId !== 0 || (session.sk && isResponse(h) === false))
      return err({ reason: 'unprotected IKE_SA_INIT outside the initial exchange' });
    const rules = checkRules(h.exchangeType, isResponse(h), decoded.payloads);
    return rules.ok ? ok(decoded.payloads) : err({ notify: rules.error.notify, reason: rules.error.message });
  }
  if (!session.sk || !decoded.sk) return err({ notify: NotifyError.INVALID_SYNTAX, reason: 'no SK payload' });
  // RFC 7383 §2.6: fragments are collected and verified one by one (fragment/reassembly.ts) by
  // the request/response layer, which hands the whole message to openReassembled.
  if (decoded.sk.type !== PayloadType.SK)
    return err({ reason: 'an IKE fragment (SKF) is not a whole message' });
  const opened = openSk(skKeysForMessage(session.sk, isInitiator(h)), raw, decoded.sk.offset);
  // §2.21.2: a message that fails integrity is dropped silently (never answered).
  if (!opened.ok) return err({ reason: `SK payload rejected: ${opened.error.code}` });
  const inner = decodePayloadChain(decoded.sk.firstInnerPayload, opened.value);
  if (!inner.ok) return err({ notify: inner.error.notify, reason: inner.error.message });
  const rules = checkRules(h.exchangeType, isResponse(h), decoded.payloads, inner.value);
  return rules.ok ? ok(inner.value) : err({ notify: rules.error.notify, reason: rules.error.message });
}

/**
 * The payloads of a message reassembled from fragments (RFC 7383 §2.6): every fragment passed
 * its integrity check; the inner chain (first payload named by fragment 1) and the rule tables
 * are checked here as for an SK message. `outer` are the fragment's outer payloads (the SKF).
 */
export function openReassembled(
  header: DecodedMessage['header'],
  outer: readonly Payload[],
  firstInnerPayload: number,
  plaintext: Uint8Array,
): Result<Payload[], ExchangeFailure> {
  const inner = decodePayloadChain(firstInnerPayload, plaintext);
  if (!inner.ok) return err({ notify: inner.error.notify, reason: inner.error.message });
  const rules = checkRules(header.exchangeType, isResponse(header), outer, inner.value);
  return rules.ok ? ok(inner.value) : err({ notify: rules.error.notify, reason: rules.error.message });
}

export const notifies = (payloads: readonly Payload[]): NotifyPayload[] =>
  payloads.filter((p): p is NotifyPayload => p.type === PayloadType.N);

export const findNotify = (payloads: readonly Payload[], notifyType: number): NotifyPayload | undefined =>
  notifies(payloads).find((n) => n.notifyType === notifyType);

/** The first error notify (types below 16384, §3.10.1), if any. */
export const errorNotify = (payloads: readonly Payload[]): NotifyPayload | undefined =>
  notifies(payloads).find((n) => n.notifyType < 16384);

export function notify(
  notifyType: number,
  data: Uint8Array = new Uint8Array(0),
  protocolId = 0,
  spi: Uint8Array = new Uint8Array(0),
): NotifyPayload {
  return { type: PayloadType.N, protocolId, spi, notifyType, data };
}

export function findPayload<T extends Payload['type']>(
  payloads: readonly Payload[],
  type: T,
): (Payload & { readonly type: T }) | undefined {
  return payloads.find((p): p is Payload & { readonly type: T } => p.type === type);
}
