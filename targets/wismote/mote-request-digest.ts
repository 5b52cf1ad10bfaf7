/**
 * The firmware's stand-in for ipsec/ike/request-digest.ts, linked by scripts/build-mote.mjs into
 * a minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL) where the retransmission check imports
 * it. A minimal initiator answers few requests (a gateway's liveness checks and Deletes, a
 * CREATE_CHILD_SA it refuses), each small, so it keeps the last one's octets rather than their
 * SHA-256 digest: the comparison is the same (octet for octet, RFC 7296 §2.1), the heap holds
 * one short request per IKE SA, and the firmware carries no hash at all (mote-crypto.ts
 * MINIMAL_MOTE_HASHES: no SHA-256, as no NAT detection needs SHA-1).
 */
import type { CryptoProvider } from '../../ipsec/crypto/types.js';

export function digestRequest(_provider: CryptoProvider, raw: Uint8Array): Uint8Array {
  return raw.slice();
}
