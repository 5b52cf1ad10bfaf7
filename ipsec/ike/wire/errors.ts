/**
 * Typed errors of the IKEv2 wire codecs.
 *
 * - Decoding peer input never throws: it returns a WireError naming the IKE notify the caller
 *   answers with (RFC 7296 §2.21.1, §2.5, §1.5).
 * - Encoding our own values throws EncodeError when a value does not fit its field (port above
 *   65535, SPI of the wrong size, payload over 65535 octets...). Such a value is a programming
 *   error in the builder, not peer input, so it is thrown rather than returned: the builders stay
 *   simple and a bug fails loudly in tests instead of sending a malformed message.
 */
import { NotifyError } from './notify-types.js';

export type WireErrorCode =
  | 'TRUNCATED' // a field or structure runs past the end of the input
  | 'BAD_LENGTH' // a length field disagrees with the structure it describes
  | 'BAD_VALUE' // a field holds a value the RFC forbids
  | 'UNSUPPORTED_CRITICAL_PAYLOAD' // unknown payload type with the critical bit set (§2.5)
  | 'INVALID_MAJOR_VERSION' // header major version is not 2 (§3.1)
  | 'UNEXPECTED_PAYLOAD' // rule tables: payload not allowed in this message
  | 'MISSING_PAYLOAD' // rule tables: a required payload is absent
  | 'TOO_MANY_PAYLOADS' // rule tables: more occurrences than allowed
  | 'UNSUPPORTED_EXCHANGE'; // rule tables: no rules for this exchange type

export interface WireError {
  readonly code: WireErrorCode;
  /** Payload (or structure) name: 'header', 'SA', 'SA/Proposal/Transform', 'PAYLOAD(99)'... */
  readonly payload: string;
  /** Octet offset in the decoded input where the problem was found (0 for rule violations). */
  readonly offset: number;
  readonly message: string;
  /** Notify Message Type to answer with (RFC 7296 §3.10.1). */
  readonly notify: number;
  /** For UNSUPPORTED_CRITICAL_PAYLOAD: the payload type, sent as the 1-octet notify data (§3.10.1). */
  readonly payloadType?: number;
}

const NOTIFY_FOR: Record<WireErrorCode, number> = {
  TRUNCATED: NotifyError.INVALID_SYNTAX,
  BAD_LENGTH: NotifyError.INVALID_SYNTAX,
  BAD_VALUE: NotifyError.INVALID_SYNTAX,
  UNSUPPORTED_CRITICAL_PAYLOAD: NotifyError.UNSUPPORTED_CRITICAL_PAYLOAD,
  INVALID_MAJOR_VERSION: NotifyError.INVALID_MAJOR_VERSION,
  UNEXPECTED_PAYLOAD: NotifyError.INVALID_SYNTAX,
  MISSING_PAYLOAD: NotifyError.INVALID_SYNTAX,
  TOO_MANY_PAYLOADS: NotifyError.INVALID_SYNTAX,
  UNSUPPORTED_EXCHANGE: NotifyError.INVALID_SYNTAX,
};

export function wireError(
  code: WireErrorCode,
  payload: string,
  offset: number,
  message: string,
  payloadType?: number,
): WireError {
  const e = { code, payload, offset, message, notify: NOTIFY_FOR[code] };
  return payloadType === undefined ? e : { ...e, payloadType };
}

/** Thrown by encoders for values that do not fit the wire format (a programming error). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  constructor(
    /** Field path, e.g. 'TSi/selector/startPort'. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
