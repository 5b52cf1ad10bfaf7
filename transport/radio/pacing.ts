/**
 * Pacing frames on a chain of route-over hops (see datagram-queue.ts): how long a neighbour
 * needs to pass one frame on, from the medium's own parameters, so a sender can leave the next
 * hop and the hop after it time to forward a frame before sending the next one.
 */
import { FCS_OCTETS, ppduOctets } from './constants.js';
import { ACK_MPDU_OCTETS, DATA_MHR_OCTETS } from './frame.js';
import type { MediumOptions } from './medium-options.js';

/**
 * One hop's forwarding time for a data frame of `octets` MAC payload: the mean first CSMA-CA
 * backoff ((2^macMinBE - 1) / 2 unit periods, IEEE 802.15.4-2006 §7.5.1.4), CCA and turnaround,
 * the frame, the turnaround before the ACK and the ACK.
 */
export function forwardingTimeMs(o: MediumOptions, octets: number): number {
  const symbolMs = o.symbolUs / 1000;
  const octetMs = symbolMs * o.phySymbolsPerOctet;
  const meanBackoff = ((2 ** o.macMinBE - 1) / 2) * o.aUnitBackoffPeriod * symbolMs;
  const data = ppduOctets(DATA_MHR_OCTETS + octets + FCS_OCTETS) * octetMs;
  const ack = ppduOctets(ACK_MPDU_OCTETS) * octetMs;
  return meanBackoff + (o.ccaDuration + 2 * o.aTurnaroundTime) * symbolMs + data + ack;
}

/** The gap after each acknowledged frame on a chain: two hops' forwarding time. */
export const chainGapMs =
  (o: MediumOptions) =>
  (octets: number): number =>
    2 * forwardingTimeMs(o, octets);
