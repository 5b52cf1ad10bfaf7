/**
 * The octets of an IKE datagram over the radio that are not IKE, from which the supervisor
 * sizes RFC 7383 fragments (§2.5.1: what is left of a frame): the compressed IPv6 + UDP
 * headers on the first hop or, where `far` says the path has more hops, on the largest hop
 * (a forwarded hop derives no address from link-layer ones), and the non-ESP marker on port
 * 4500 (RFC 3948 §2.2). Used by a mote (mote-entry.ts) and the gateway (world.ts) when IKE
 * fragmentation is on; a minimal firmware, which has no RFC 7383, links no-ike-fragments.ts
 * in its place.
 */
import type { IkeDatagramOverhead } from '../../actors/ike-fragments.js';
import { NON_ESP_MARKER_LENGTH } from '../../ipsec/esp/udp-encap.js';
import type { Endpoint } from '../../transport/types.js';
import type { MeshTransport } from './node.js';

export function radioIkeOverhead(
  transport: Pick<MeshTransport, 'headerOverhead'>,
  far: (remote: Endpoint) => boolean,
): IkeDatagramOverhead {
  return (remote, natT) =>
    transport.headerOverhead(remote, undefined, far(remote) ? 'any' : 'first') +
    (natT ? NON_ESP_MARKER_LENGTH : 0);
}
