/**
 * How many octets of IKE message fit in one datagram. strongSwan's charon.fragment_size (our
 * daemon.fragment_size) is the whole IP datagram: IP header, UDP header and the non-ESP marker
 * are taken off it. A transport with other headers (6LoWPAN compresses IPv6 and UDP) states its
 * own per-datagram overhead instead of udpDatagramOverhead.
 */
import {
  DEFAULT_IPV4_DATAGRAM,
  DEFAULT_IPV6_DATAGRAM,
  IPV4_HEADER_LENGTH,
  IPV6_HEADER_LENGTH,
  NON_ESP_MARKER_LENGTH,
  UDP_HEADER_LENGTH,
} from './constants.js';

const isIpv6 = (address: string): boolean => address.includes(':');

/** IP + UDP headers (no options or extension headers) and the non-ESP marker when `natT`. */
export function udpDatagramOverhead(remoteAddress: string, natT: boolean): number {
  const ip = isIpv6(remoteAddress) ? IPV6_HEADER_LENGTH : IPV4_HEADER_LENGTH;
  return ip + UDP_HEADER_LENGTH + (natT ? NON_ESP_MARKER_LENGTH : 0);
}

/** fragment_size = 0: the address family's default (RFC 7383 §2.5.1, as strongSwan). */
export function datagramSize(fragmentSize: number, remoteAddress: string): number {
  if (fragmentSize > 0) return fragmentSize;
  return isIpv6(remoteAddress) ? DEFAULT_IPV6_DATAGRAM : DEFAULT_IPV4_DATAGRAM;
}

/** The largest IKE message one datagram carries: the datagram size minus its overhead. */
export function ikeMessageBudget(fragmentSize: number, remoteAddress: string, overhead: number): number {
  return datagramSize(fragmentSize, remoteAddress) - overhead;
}
