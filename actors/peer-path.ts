/**
 * §2.23 (RFC 7296): an authenticated message of an IKE SA's peer came over another path (the
 * initiator's float to the NAT-T port, or its NAT mapping changed). Apart from NAT traversal
 * (nat-t.ts), which a minimal mote firmware leaves out: any peer may move.
 */
import { sameEndpoint } from '../ipsec/policy/sad.js';
import type { PeerPath } from '../machines/ike-sa.types.js';
import type { IkeSaHandle } from './supervisor-types.js';

/**
 * §2.23: the peer of `h` now sends over `path` (the initiator's float to the NAT-T port, or its
 * NAT mapping changed): the IKE SA answers and sends there from now on. False if nothing changed.
 */
export function movePeer(h: IkeSaHandle, path: PeerPath): boolean {
  if (h.natT === path.natT && sameEndpoint(h.remote, path.remote) && sameEndpoint(h.local, path.local))
    return false;
  h.local = { address: path.local.address, port: path.local.port };
  h.remote = { address: path.remote.address, port: path.remote.port };
  h.natT = path.natT;
  return true;
}
