/**
 * Whole IKE messages (RFC 7296 §3.1): header, outer payload chain and, for protected messages,
 * the SK payload (§3.14) built by sk.ts.
 *
 * Decoding order: header (28 octets) -> major version (§3.1, INVALID_MAJOR_VERSION) ->
 * Length = datagram size (§3.1) -> outer chain, stopping at SK/SKF, which must be last (§3.14).
 * The caller then checks the rule tables (rules.ts), opens SK (sk.ts openSk at `sk.offset`),
 * decodes the inner chain (decodePayloadChain) and checks the rules again with it.
 */
import type { RandomBytes } from '../../crypto/types.js';
import { err, ok, type Result } from '../../result.js';
import { type PaddingBytes, type SkKeys, sealSk } from '../sk.js';
import { firstPayloadType, readChain, type SkLocation, writeChain } from './chain.js';
import { PayloadType } from './constants.js';
import { EncodeError, type WireError, wireError } from './errors.js';
import {
  type DecodedHeader,
  decodeHeader,
  IKE_HEADER_LENGTH,
  IKE_HEADER_LENGTH_OFFSET,
  type IkeHeader,
  writeHeader,
} from './header.js';
import { GENERIC_HEADER_LENGTH } from './payload-tables.js';
import type { Payload } from './payload-types.js';
import { ByteSink } from './table-writer.js';

export interface DecodedMessage {
  readonly header: DecodedHeader;
  /** The outer payloads; for a protected message the last one is the opaque SK/SKF payload. */
  readonly payloads: Payload[];
  /** Present when the message carries SK or SKF. */
  readonly sk?: SkLocation;
}

/** Decodes a datagram's IKE message. Total: returns a WireError for any malformed input. */
export function decodeMessage(bytes: Uint8Array): Result<DecodedMessage, WireError> {
  const h = decodeHeader(bytes);
  if (!h.ok) return h;
  const header = h.value;
  if (header.length !== bytes.length)
    return err(
      wireError(
        'BAD_LENGTH',
        'header',
        IKE_HEADER_LENGTH_OFFSET,
        `Length ${header.length} but ${bytes.length} octets received (§3.1)`,
      ),
    );
  const chain = readChain(header.nextPayload, bytes, IKE_HEADER_LENGTH, bytes.length, 0, true);
  if (!chain.ok) return chain;
  const { payloads, sk } = chain.value;
  return ok(sk ? { header, payloads, sk } : { header, payloads });
}

/** SK protection for encodeMessage: the sending direction's keys and the IV/padding source. */
export interface Protection {
  readonly keys: SkKeys;
  readonly random: RandomBytes;
  /** Source of the Padding octets (§3.14 lets the sender choose them); sk.ts default otherwise. */
  readonly padding?: PaddingBytes;
}

export interface IkeMessage {
  readonly header: IkeHeader;
  /** With protection: the payloads inside SK. Without: the whole chain (may end with an opaque SK). */
  readonly payloads: readonly Payload[];
  /** With protection only: payloads sent before SK, unencrypted (rare; §3.14 allows it). */
  readonly unencrypted?: readonly Payload[];
}

/**
 * Encodes a message. Without `protection` the payloads are written as they are. With it, they
 * are encrypted into an SK payload by sealSk (sk.ts), after `unencrypted` if any.
 * Throws EncodeError for values that do not fit their fields (see errors.ts).
 */
export function encodeMessage(msg: IkeMessage, protection?: Protection): Uint8Array {
  const unencrypted = msg.unencrypted ?? [];
  if (!protection) {
    if (unencrypted.length > 0) throw new EncodeError('unencrypted', 'only meaningful with protection');
    const body = new ByteSink();
    writeChain(msg.payloads, body, PayloadType.NONE);
    const out = new ByteSink();
    writeHeader(msg.header, firstPayloadType(msg.payloads), IKE_HEADER_LENGTH + body.length, out);
    out.bytes(body.result());
    return out.result();
  }
  const inner = new ByteSink();
  writeChain(msg.payloads, inner, PayloadType.NONE);
  const outer = new ByteSink();
  writeChain(unencrypted, outer, PayloadType.SK);
  const outerBytes = outer.result();
  const firstOuter = unencrypted.length > 0 ? firstPayloadType(unencrypted) : PayloadType.SK;
  const firstInner = firstPayloadType(msg.payloads);
  const prefix = (skBodyLength: number): Uint8Array => {
    const skLength = GENERIC_HEADER_LENGTH + skBodyLength;
    if (!Number.isInteger(skBodyLength) || skBodyLength < 0 || skLength > 0xffff)
      throw new EncodeError('SK', `payload length ${skLength} does not fit 16 bits`);
    const out = new ByteSink();
    writeHeader(msg.header, firstOuter, IKE_HEADER_LENGTH + outerBytes.length + skLength, out);
    out.bytes(outerBytes);
    out.uint(firstInner, 1); // SK Next Payload = first inner payload (§3.14)
    out.uint(0, 1); // C = 0, RESERVED
    out.uint(skLength, 2);
    return out.result();
  };
  return sealSk(protection.keys, protection.random, prefix, inner.result(), protection.padding);
}
