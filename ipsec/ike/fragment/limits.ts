/**
 * Implementation limits of IKE fragmentation (not from RFC 7383, which leaves them to us,
 * §2.6 "implementations MAY limit"). Chosen to interoperate with strongSwan: charon refuses a
 * message of more than 255 fragments and, by default, a reassembled message over 10000 octets
 * (charon.max_packet); we neither send nor accept more.
 */
export interface FragmentLimits {
  /** Most fragments in one message, sent or received (Total Fragments). */
  readonly maxFragments: number;
  /** Most plaintext octets of one reassembled message. */
  readonly maxMessageBytes: number;
  /** Most plaintext octets buffered for reassembly by one IKE SA (a request and a response). */
  readonly maxBufferedBytes: number;
  /** A message not complete this long after its first fragment is discarded, ms. */
  readonly reassemblyTimeoutMs: number;
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = {
  maxFragments: 255,
  maxMessageBytes: 10000,
  maxBufferedBytes: 20000,
  reassemblyTimeoutMs: 30_000,
};
