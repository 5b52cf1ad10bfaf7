/**
 * §2.1 (RFC 7296): what an IKE SA keeps of a request it answered, to recognise the request's
 * retransmissions octet for octet (retransmission.ts): its SHA-256 digest, 32 octets whatever
 * the request's size. A minimal mote firmware links targets/wismote/mote-request-digest.ts in
 * its place, which keeps the octets themselves and spares the firmware a hash.
 */
import type { CryptoProvider } from '../crypto/types.js';

export function digestRequest(provider: CryptoProvider, raw: Uint8Array): Uint8Array {
  return provider.hash('sha256', raw);
}
