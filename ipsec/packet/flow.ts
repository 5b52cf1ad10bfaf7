/**
 * Selector fields of an IP packet (RFC 4301 §4.4.1.1): addresses, the upper-layer
 * protocol and its "ports" - TCP/UDP/SCTP ports, ICMP/ICMPv6 type and code, the Mobility
 * Header type. Non-initial fragments carry no ports (OPAQUE, RFC 4301 §4.4.1.1, §7).
 * This is what the SPD stage matches against traffic selectors.
 *
 * Hot path (every ESP packet, both directions): IPv4, and IPv6 without extension headers,
 * are read straight from the bytes after the same bounds checks decodeIpv4 / decodeIpv6 make
 * (ipv4Extent / ipv6End; no checksum); an IPv6 packet with extension headers goes through
 * decodeIpv6's walk. test/ipsec/packet/flow.test.ts holds the decodeIp-based
 * definition as the oracle.
 */
import { err, ok, type Result } from '../result.js';
import { type PacketError, packetError } from './errors.js';
import { IPV4_FRAGMENT_OFFSET_MASK, ipv4Extent } from './ipv4.js';
import { decodeIpv6, IPV6_HEADER_LENGTH, ipv6End, isIpv6ExtensionHeader } from './ipv6.js';
import { IpProto } from './proto.js';
import { readU16 } from './wire.js';

export interface Flow {
  readonly version: 4 | 6;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Upper-layer protocol (IPv6: after the extension headers). */
  readonly protocol: number;
  /** TCP/UDP/SCTP ports; undefined for other protocols and for non-initial fragments. */
  readonly srcPort?: number;
  readonly dstPort?: number;
  /** ICMP / ICMPv6 type and code (RFC 4301 §4.4.1.3), Mobility Header type (code undefined). */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** True for a non-initial fragment: port selectors are OPAQUE. */
  readonly nonInitialFragment: boolean;
}

/** Decodes enough of `packet` to match selectors. Total: Result, never throws. */
export function extractFlow(packet: Uint8Array): Result<Flow, PacketError> {
  const version = packet.length > 0 ? packet[0]! >>> 4 : 0;
  if (version === 4) return extractFlowV4(packet);
  if (version === 6) return extractFlowV6(packet);
  return err(packetError('version', packet.length === 0 ? 'empty packet' : `IP version ${version}`));
}

/** decodeIpv4's bounds (RFC 791 §3.1), then the fields straight from the bytes. */
function extractFlowV4(b: Uint8Array): Result<Flow, PacketError> {
  const extent = ipv4Extent(b);
  if (!extent.ok) return extent;
  const nonInitialFragment = (readU16(b, 6) & IPV4_FRAGMENT_OFFSET_MASK) !== 0;
  const { headerLength, totalLength } = extent.value;
  return upperLayer(
    4,
    b.subarray(12, 16),
    b.subarray(16, 20),
    b[9]!,
    nonInitialFragment,
    b,
    headerLength,
    totalLength,
  );
}

/**
 * The fixed header alone (RFC 8200 §3) when no extension header follows; otherwise (and for a
 * packet too short to tell) decodeIpv6's walk.
 */
function extractFlowV6(b: Uint8Array): Result<Flow, PacketError> {
  if (b.length < IPV6_HEADER_LENGTH || isIpv6ExtensionHeader(b[6]!)) {
    const decoded = decodeIpv6(b);
    if (!decoded.ok) return decoded;
    const ip = decoded.value;
    const nonInitialFragment = (ip.fragment?.offset ?? 0) !== 0;
    return upperLayer(6, ip.src, ip.dst, ip.protocol, nonInitialFragment, ip.payload, 0, ip.payload.length);
  }
  const end = ipv6End(b);
  if (!end.ok) return end;
  return upperLayer(6, b.subarray(8, 24), b.subarray(24, 40), b[6]!, false, b, IPV6_HEADER_LENGTH, end.value);
}

/** The selector fields of the upper-layer header in b[start, end). */
function upperLayer(
  version: 4 | 6,
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  nonInitialFragment: boolean,
  b: Uint8Array,
  start: number,
  end: number,
): Result<Flow, PacketError> {
  if (nonInitialFragment) return ok({ version, src, dst, protocol, nonInitialFragment });
  const length = end - start;
  switch (protocol) {
    case IpProto.TCP:
    case IpProto.UDP:
    case IpProto.SCTP:
      if (length < 4) return err(packetError('truncated', `protocol ${protocol} header truncated`));
      return ok({
        version,
        src,
        dst,
        protocol,
        nonInitialFragment,
        srcPort: readU16(b, start),
        dstPort: readU16(b, start + 2),
      });
    case IpProto.ICMP:
    case IpProto.ICMPV6:
      if (length < 2) return err(packetError('truncated', 'ICMP header truncated'));
      return ok({
        version,
        src,
        dst,
        protocol,
        nonInitialFragment,
        icmpType: b[start]!,
        icmpCode: b[start + 1]!,
      });
    case IpProto.MOBILITY:
      if (length < 3) return err(packetError('truncated', 'Mobility Header truncated'));
      // RFC 6275 §6.1.1: MH Type is the third octet
      return ok({ version, src, dst, protocol, nonInitialFragment, icmpType: b[start + 2]! });
    default:
      return ok({ version, src, dst, protocol, nonInitialFragment });
  }
}
