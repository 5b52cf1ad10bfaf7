/**
 * Minimal IPv6 (RFC 8200): the fixed header, and a walk over the extension headers that
 * precede the upper-layer header (Hop-by-Hop, Routing, Fragment, Destination Options, AH),
 * enough to find the upper-layer protocol and ports for selector matching (RFC 4301
 * §4.4.1.1). Options are skipped, never interpreted. Decoding is total.
 */
import { err, ok, type Result } from '../result.js';
import { type PacketError, packetError } from './errors.js';
import { IpProto } from './proto.js';
import { readU16, readU32, writeU16, writeU32 } from './wire.js';

export const IPV6_VERSION = 6;
export const IPV6_HEADER_LENGTH = 40; // RFC 8200 §3
export const IPV6_DEFAULT_HOP_LIMIT = 64;
const FRAGMENT_HEADER_LENGTH = 8; // RFC 8200 §4.5

export interface Ipv6Fragment {
  /** Fragment offset in 8-byte units. */
  readonly offset: number;
  readonly more: boolean;
  readonly identification: number;
}

export interface Ipv6Packet {
  readonly version: 6;
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  /** Next Header of the fixed header. */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** The protocol after the extension headers (e.g. 6, 17, 58; 50 for ESP, 59 for none). */
  readonly protocol: number;
  /** Offset of the upper-layer header from the start of the packet. */
  readonly upperLayerOffset: number;
  /** The upper-layer data (a view, up to 40 + payloadLength). */
  readonly payload: Uint8Array;
  /** Present if a Fragment header was crossed. */
  readonly fragment?: Ipv6Fragment;
}

/** Extension headers walked over: their length is in 8-octet units after the first 8 (RFC 8200 §4.3-4.6). */
function isGenericExtension(nh: number): boolean {
  return nh === IpProto.HOPOPT || nh === IpProto.IPV6_ROUTE || nh === IpProto.IPV6_OPTS;
}

/** A Next Header that decodeIpv6 walks over to reach the upper-layer header (and AH). */
export function isIpv6ExtensionHeader(nh: number): boolean {
  return isGenericExtension(nh) || nh === IpProto.IPV6_FRAG || nh === IpProto.AH;
}

/**
 * RFC 8200 §3: where the packet ends (40 + Payload Length), checked against the bytes received.
 * decodeIpv6 starts with it; the selector fast path (flow.ts) needs nothing more when no
 * extension header follows.
 */
export function ipv6End(bytes: Uint8Array): Result<number, PacketError> {
  if (bytes.length < IPV6_HEADER_LENGTH)
    return err(
      packetError('truncated', `IPv6 header needs ${IPV6_HEADER_LENGTH} bytes, got ${bytes.length}`),
    );
  const version = bytes[0]! >>> 4;
  if (version !== IPV6_VERSION) return err(packetError('version', `IP version ${version}, expected 6`));
  const payloadLength = readU16(bytes, 4);
  // RFC 2675: payload length 0 with a Jumbo Payload option; out of scope for this codec.
  if (payloadLength === 0 && bytes[6] === IpProto.HOPOPT)
    return err(packetError('unsupported', 'IPv6 jumbogram'));
  const end = IPV6_HEADER_LENGTH + payloadLength;
  if (end > bytes.length)
    return err(
      packetError('truncated', `payload length ${payloadLength} exceeds the ${bytes.length} bytes received`),
    );
  return ok(end);
}

export function decodeIpv6(bytes: Uint8Array): Result<Ipv6Packet, PacketError> {
  const extent = ipv6End(bytes);
  if (!extent.ok) return extent;
  const end = extent.value;
  const word0 = readU32(bytes, 0);
  const payloadLength = end - IPV6_HEADER_LENGTH;
  const nextHeader = bytes[6]!;
  let protocol = nextHeader;
  let offset = IPV6_HEADER_LENGTH;
  let fragment: Ipv6Fragment | undefined;
  // Each extension header is at least 8 bytes, so the walk ends within the packet.
  for (;;) {
    if (isGenericExtension(protocol)) {
      if (offset + 2 > end) return err(packetError('truncated', `extension header ${protocol} truncated`));
      const length = (bytes[offset + 1]! + 1) * 8; // RFC 8200 §4.3: Hdr Ext Len, 8-octet units, not counting the first 8
      if (offset + length > end)
        return err(packetError('header-length', `extension header ${protocol} overruns`));
      protocol = bytes[offset]!;
      offset += length;
    } else if (protocol === IpProto.IPV6_FRAG) {
      if (offset + FRAGMENT_HEADER_LENGTH > end)
        return err(packetError('truncated', 'fragment header truncated'));
      const offsetFlags = readU16(bytes, offset + 2);
      fragment = {
        offset: offsetFlags >>> 3,
        more: (offsetFlags & 1) !== 0,
        identification: readU32(bytes, offset + 4),
      };
      protocol = bytes[offset]!;
      offset += FRAGMENT_HEADER_LENGTH;
      if (fragment.offset !== 0) break; // a non-initial fragment carries no further headers we can read
    } else if (protocol === IpProto.AH) {
      if (offset + 2 > end) return err(packetError('truncated', 'AH truncated'));
      const length = (bytes[offset + 1]! + 2) * 4; // RFC 4302 §2.2: Payload Len in 32-bit words, minus 2
      if (offset + length > end) return err(packetError('header-length', 'AH overruns the packet'));
      protocol = bytes[offset]!;
      offset += length;
    } else {
      break;
    }
  }
  return ok({
    version: 6,
    trafficClass: (word0 >>> 20) & 0xff,
    flowLabel: word0 & 0xfffff,
    payloadLength,
    nextHeader,
    hopLimit: bytes[7]!,
    src: bytes.subarray(8, 24),
    dst: bytes.subarray(24, 40),
    protocol,
    upperLayerOffset: offset,
    payload: bytes.subarray(offset, end),
    ...(fragment ? { fragment } : {}),
  });
}

export interface Ipv6BuildParams {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly nextHeader: number;
  readonly payload: Uint8Array;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

/** The 40-byte fixed header (no extension headers), then the payload. */
export function buildIpv6(p: Ipv6BuildParams): Uint8Array {
  if (p.payload.length > 0xffff) throw new RangeError('IPv6 payload over 65535 bytes needs a jumbogram');
  if (p.src.length !== 16 || p.dst.length !== 16) throw new RangeError('IPv6 addresses are 16 bytes');
  const out = new Uint8Array(IPV6_HEADER_LENGTH + p.payload.length);
  writeU32(
    out,
    0,
    ((IPV6_VERSION << 28) | ((p.trafficClass ?? 0) << 20) | ((p.flowLabel ?? 0) & 0xfffff)) >>> 0,
  );
  writeU16(out, 4, p.payload.length);
  out[6] = p.nextHeader;
  out[7] = p.hopLimit ?? IPV6_DEFAULT_HOP_LIMIT;
  out.set(p.src, 8);
  out.set(p.dst, 24);
  out.set(p.payload, IPV6_HEADER_LENGTH);
  return out;
}
