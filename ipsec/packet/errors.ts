/** Typed decode errors of the inner-packet codecs (decoders are total: they never throw). */
export type PacketErrorCode =
  | 'truncated' // shorter than a header or than a length field claims
  | 'version' // not the IP version asked for
  | 'header-length' // IHL / extension header length out of range
  | 'length' // a length field inconsistent with the buffer
  | 'checksum' // a checksum that does not verify
  | 'unsupported'; // valid but outside what this minimal codec handles (e.g. jumbograms)

export interface PacketError {
  readonly code: PacketErrorCode;
  readonly message: string;
}

export const packetError = (code: PacketErrorCode, message: string): PacketError => ({ code, message });
