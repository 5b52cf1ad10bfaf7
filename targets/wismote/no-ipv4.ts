/**
 * The firmware's stand-in for ipsec/packet/ipv4.ts, linked by scripts/build-mote.mjs into a
 * minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL) where the IP dispatch, the flow
 * extraction and the ESP pipeline import it. A mote's link is 6LoWPAN, which carries IPv6 and
 * nothing else (RFC 4944 §5.1: no dispatch for IPv4), its selectors are its own IPv6 address
 * (profile.ts: `dynamic`) and its transport-mode SAs rebuild IPv6 headers only: no IPv4 packet
 * reaches its stack. Should one (a peer tunnelling IPv4 against its selectors), it is refused as
 * one of an unsupported version, where the stack would parse it and drop it for its selectors:
 * dropped either way.
 */

import { type PacketError, packetError } from '../../ipsec/packet/errors.js';
import type { Ipv4BuildParams, Ipv4DecodeOptions, Ipv4Packet } from '../../ipsec/packet/ipv4.js';
import { err, type Result } from '../../ipsec/result.js';

export type { Ipv4BuildParams, Ipv4DecodeOptions, Ipv4Packet } from '../../ipsec/packet/ipv4.js';

export const IPV4_VERSION = 4;
export const IPV4_MIN_HEADER_LENGTH = 20; // RFC 791 §3.1
export const IPV4_FRAGMENT_OFFSET_MASK = 0x1fff; // RFC 791 §3.1

const NO_IPV4 = 'IPv4: a mote carries IPv6 only (RFC 4944)';

export function ipv4Extent(
  _bytes: Uint8Array,
): Result<{ readonly headerLength: number; readonly totalLength: number }, PacketError> {
  return err(packetError('version', NO_IPV4));
}

export function decodeIpv4(
  _bytes: Uint8Array,
  _options?: Ipv4DecodeOptions,
): Result<Ipv4Packet, PacketError> {
  return err(packetError('version', NO_IPV4));
}

export function buildIpv4(_p: Ipv4BuildParams): Uint8Array {
  throw new RangeError(NO_IPV4);
}
