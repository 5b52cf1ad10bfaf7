/**
 * How many octets of IKE message fit in one datagram. strongSwan's charon.fragment_size (our
 * daemon.fragment_size) is the whole IP datagram: IP header, UDP header and the non-ESP marker
 * are taken off it. A transport with other headers (6LoWPAN compresses IPv6 and UDP) states its
 * own per-datagram overhead instead of udpDatagramOverhead.
 */
import type { ConnectionConfig } from '../../config/model.js';
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

/** udpDatagramOverhead of a datagram to `remote`: the supervisor's IKE datagram overhead by default. */
export const udpOverhead = (remote: { readonly address: string }, natT: boolean): number =>
  udpDatagramOverhead(remote.address, natT);

/** fragment_size = 0: the address family's default (RFC 7383 §2.5.1, as strongSwan). */
export function datagramSize(fragmentSize: number, remoteAddress: string): number {
  if (fragmentSize > 0) return fragmentSize;
  return isIpv6(remoteAddress) ? DEFAULT_IPV6_DATAGRAM : DEFAULT_IPV4_DATAGRAM;
}

/** The largest IKE message one datagram carries: the datagram size minus its overhead. */
export function ikeMessageBudget(fragmentSize: number, remoteAddress: string, overhead: number): number {
  return datagramSize(fragmentSize, remoteAddress) - overhead;
}

/** A connection whose IKE fragments could not carry any plaintext (RFC 7383 §2.5). */
export interface FragmentSizeProblem {
  readonly connection: string;
  /** IKE message octets per datagram on the worst path (IPv6 for %any, the NAT-T port). */
  readonly budget: number;
  /** The least budget the connection's IKE proposals need (minimumBudgetForProposals). */
  readonly needed: number;
}

/**
 * The connections that send fragments (fragmentation yes or force) whose worst path leaves less
 * than `neededFor(connection)` octets of IKE message per datagram of `fragmentSize`: the
 * non-ESP marker counted (natT), and IPv6 unless every remote address is IPv4.
 */
export function fragmentSizeProblems(
  connections: readonly ConnectionConfig[],
  fragmentSize: number,
  overhead: (remoteAddress: string, natT: boolean) => number,
  neededFor: (connection: ConnectionConfig) => number | undefined,
): FragmentSizeProblem[] {
  const out: FragmentSizeProblem[] = [];
  for (const c of connections) {
    if (c.fragmentation !== 'yes' && c.fragmentation !== 'force') continue;
    const needed = neededFor(c);
    if (needed === undefined) continue;
    const remote =
      c.remote_addrs.length > 0 && c.remote_addrs.every((a) => /^[0-9.]+$/.test(a)) ? '0.0.0.0' : '::';
    const budget = ikeMessageBudget(fragmentSize, remote, overhead(remote, true));
    if (budget < needed) out.push({ connection: c.name, budget, needed });
  }
  return out;
}
