/**
 * A minimal walk over an IKE message's generic payload headers (RFC 7296 §3.1, §3.2), for tests
 * that must find a payload without depending on the wire codec.
 */

/** IKE header length (§3.1); Next Payload is its octet 16. */
export const IKE_HEADER_LENGTH = 28;
const IKE_HEADER_NEXT_PAYLOAD = 16;
const GENERIC_HEADER_LENGTH = 4;
/** Payload type of the Encrypted payload (§3.14). */
export const PAYLOAD_SK = 46;

/** The offset of the generic header of the first payload of type `type`, or undefined. */
export function findPayloadOffset(message: Uint8Array, type: number): number | undefined {
  let next = message[IKE_HEADER_NEXT_PAYLOAD] ?? 0;
  let offset = IKE_HEADER_LENGTH;
  while (next !== 0 && offset + GENERIC_HEADER_LENGTH <= message.length) {
    if (next === type) return offset;
    const length = (message[offset + 2]! << 8) | message[offset + 3]!;
    if (length < GENERIC_HEADER_LENGTH) return undefined;
    next = message[offset]!;
    offset += length;
  }
  return undefined;
}

export const findSkOffset = (message: Uint8Array): number | undefined =>
  findPayloadOffset(message, PAYLOAD_SK);

/**
 * A prefix builder for sealSk: an IKE header (SPIs, exchange, flags, message ID as given) whose
 * Next Payload is SK and whose Length is final, then the SK generic header.
 */
export function skPrefix(
  header: { spiI: Uint8Array; spiR: Uint8Array; exchange: number; flags: number; messageId: number },
  innerFirstPayload: number,
): (skBodyLength: number) => Uint8Array {
  return (skBodyLength) => {
    const out = new Uint8Array(IKE_HEADER_LENGTH + GENERIC_HEADER_LENGTH);
    const view = new DataView(out.buffer);
    out.set(header.spiI, 0);
    out.set(header.spiR, 8);
    out[16] = PAYLOAD_SK;
    out[17] = 0x20; // Major Version 2, Minor Version 0 (§3.1)
    out[18] = header.exchange;
    out[19] = header.flags;
    view.setUint32(20, header.messageId);
    view.setUint32(24, out.length + skBodyLength);
    out[28] = innerFirstPayload;
    view.setUint16(30, GENERIC_HEADER_LENGTH + skBodyLength);
    return out;
  };
}

/** One payload of a chain: its type and its body (the octets after the generic header). */
export interface WalkedPayload {
  readonly type: number;
  readonly offset: number;
  readonly body: Uint8Array;
}

/**
 * Walks a payload chain (e.g. the decrypted SK plaintext) whose first payload has type `first`.
 * Returns undefined if a length does not fit.
 */
export function walkChain(chain: Uint8Array, first: number): WalkedPayload[] | undefined {
  const out: WalkedPayload[] = [];
  let next = first;
  let offset = 0;
  while (next !== 0) {
    if (offset + GENERIC_HEADER_LENGTH > chain.length) return undefined;
    const length = (chain[offset + 2]! << 8) | chain[offset + 3]!;
    if (length < GENERIC_HEADER_LENGTH || offset + length > chain.length) return undefined;
    out.push({ type: next, offset, body: chain.subarray(offset + GENERIC_HEADER_LENGTH, offset + length) });
    next = chain[offset]!;
    offset += length;
  }
  return offset === chain.length ? out : undefined;
}
