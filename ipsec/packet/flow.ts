/**
 * Selector fields of an IP packet (RFC 4301 §4.4.1.1): addresses, the upper-layer
 * protocol and its "ports" - TCP/UDP/SCTP ports, ICMP/ICMPv6 type and code, the Mobility
 * Header type. Non-initial fragments carry no ports (OPAQUE, RFC 4301 §4.4.1.1, §7).
 * This is what the SPD stage matches against traffic selectors.
 */
import { err, ok, type Result } from '../result.js';
import { type PacketError, packetError } from './errors.js';
import { decodeIp } from './ip.js';
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
  const decoded = decodeIp(packet, { verifyChecksum: false });
  if (!decoded.ok) return decoded;
  const ip = decoded.value;
  const nonInitialFragment = ip.version === 4 ? ip.fragmentOffset !== 0 : (ip.fragment?.offset ?? 0) !== 0;
  const base = { version: ip.version, src: ip.src, dst: ip.dst, protocol: ip.protocol, nonInitialFragment };
  if (nonInitialFragment) return ok(base);
  const l4 = ip.payload;
  switch (ip.protocol) {
    case IpProto.TCP:
    case IpProto.UDP:
    case IpProto.SCTP:
      if (l4.length < 4) return err(packetError('truncated', `protocol ${ip.protocol} header truncated`));
      return ok({ ...base, srcPort: readU16(l4, 0), dstPort: readU16(l4, 2) });
    case IpProto.ICMP:
    case IpProto.ICMPV6:
      if (l4.length < 2) return err(packetError('truncated', 'ICMP header truncated'));
      return ok({ ...base, icmpType: l4[0]!, icmpCode: l4[1]! });
    case IpProto.MOBILITY:
      if (l4.length < 3) return err(packetError('truncated', 'Mobility Header truncated'));
      return ok({ ...base, icmpType: l4[2]! }); // RFC 6275 §6.1.1: MH Type is the third octet
    default:
      return ok(base);
  }
}
