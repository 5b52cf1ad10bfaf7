/**
 * The firmware's stand-in for ipsec/packet/too-big.ts (the ESP pipeline's path MTU check and
 * its ICMP "too big" errors, RFC 1191 / RFC 8201), linked by scripts/build-mote.mjs into a
 * minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL) where the ESP pipeline imports it. The
 * check runs only with a `pathMtu`, which the mote never sets (mote-entry.ts): a mote's
 * datagrams are cut to frames by 6LoWPAN (RFC 4944), not answered with ICMP.
 */
const NONE = 'this minimal firmware has no path MTU check (pathMtu must be unset)';

export function mustNotFragment(_packet: Uint8Array): boolean {
  throw new Error(NONE);
}

export function tooBigError(_packet: Uint8Array, _mtu: number, _from?: Uint8Array): Uint8Array | undefined {
  throw new Error(NONE);
}
