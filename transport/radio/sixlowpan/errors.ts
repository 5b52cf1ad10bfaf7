/** Typed errors of the 6LoWPAN codecs (decoders are total: malformed input yields one, never a throw). */
export type SixlowpanErrorCode =
  | 'truncated' // shorter than a header or an inline field needs
  | 'dispatch' // a dispatch value this adaptation layer does not handle (RFC 4944 §5.1)
  | 'reserved' // a reserved encoding (e.g. IPHC DAC=1 DAM=00 for unicast, RFC 6282 §3.1.1)
  | 'context' // an address context (CID) not in the table (RFC 6282 §3.1.2)
  | 'unsupported' // valid but outside this implementation (extension header NHC, elided UDP checksum)
  | 'length' // a length inconsistent with datagram_size or the frame
  | 'too-big'; // over an implementation limit (maximum datagram size) or the 11-bit datagram_size

export interface SixlowpanError {
  readonly code: SixlowpanErrorCode;
  readonly message: string;
}

export const sixlowpanError = (code: SixlowpanErrorCode, message: string): SixlowpanError => ({
  code,
  message,
});
