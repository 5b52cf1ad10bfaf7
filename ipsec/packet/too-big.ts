/**
 * "Too big" ICMP errors for an inner packet that does not fit the tunnel: ICMP Destination
 * Unreachable, code 4 "fragmentation needed and DF set", with the next-hop MTU (RFC 792,
 * RFC 1191 §4), and ICMPv6 Packet Too Big with the MTU (RFC 4443 §3.2, RFC 8201). Pure: the
 * caller (the ESP pipeline's size check, a TUN device) decides when and where to send it.
 *
 * `mustNotFragment` says whether a packet may not be cut on the way: IPv4 with DF set, every
 * IPv6 packet (routers never fragment IPv6, RFC 8200 §5). `tooBigError` builds the error to the
 * packet's source, or answers undefined where no ICMP error may be sent for it (RFC 1812
 * §4.3.2.7, RFC 4443 §2.4 (e)): the packet is itself an ICMP error, a non-initial IPv4 fragment,
 * from an unspecified or multicast source, or to a multicast (IPv4: also limited broadcast)
 * address; and for a packet that does not decode.
 */
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { ICMP_HEADER_LENGTH, IcmpType } from './icmp.js';
import { Icmpv6Type } from './icmpv6.js';
import { decodeIp } from './ip.js';
import { buildIpv4, IPV4_MIN_HEADER_LENGTH } from './ipv4.js';
import { buildIpv6, IPV6_HEADER_LENGTH } from './ipv6.js';
import { IpProto } from './proto.js';
import { writeU16, writeU32 } from './wire.js';

/** RFC 792 Destination Unreachable code 4: fragmentation needed and DF set. */
export const ICMP_FRAGMENTATION_NEEDED = 4;
/** RFC 1812 §4.3.2.3: an ICMPv4 error quotes as much as fits in 576 octets. */
export const ICMPV4_ERROR_MAX = 576;
/** RFC 4443 §2.4 (c): an ICMPv6 error quotes as much as fits in the minimum MTU, 1280. */
export const ICMPV6_ERROR_MAX = 1280;
/** RFC 791: every IPv4 host takes 68-octet datagrams; a smaller MTU is not reported. */
export const IPV4_MIN_MTU = 68;
/** RFC 8200 §5: the IPv6 minimum link MTU. */
export const IPV6_MIN_MTU = 1280;

const FLAG_DF = 0x40; // the DF bit in the flags octet (octet 6), RFC 791 §3.1

/** Whether this inner packet may not be fragmented on the way (IPv4 DF, or IPv6). */
export function mustNotFragment(packet: Uint8Array): boolean {
  const version = packet[0]! >> 4;
  if (version === 6) return true;
  return version === 4 && packet.length >= IPV4_MIN_HEADER_LENGTH && (packet[6]! & FLAG_DF) !== 0;
}

const isZero = (a: Uint8Array) => a.every((b) => b === 0);
const isMulticastV4 = (a: Uint8Array) => (a[0]! & 0xf0) === 0xe0; // 224.0.0.0/4
const isBroadcastV4 = (a: Uint8Array) => a.every((b) => b === 0xff);
const isMulticastV6 = (a: Uint8Array) => a[0] === 0xff; // ff00::/8

function isIcmpError(protocol: number, payload: Uint8Array, v6: boolean): boolean {
  if (payload.length < 1) return false;
  if (!v6)
    return (
      protocol === IpProto.ICMP && payload[0] !== IcmpType.ECHO_REQUEST && payload[0] !== IcmpType.ECHO_REPLY
    );
  return protocol === IpProto.ICMPV6 && payload[0]! < 128; // RFC 4443 §2.1: types 0-127 are errors
}

/**
 * The ICMP error telling `packet`'s source that at most `mtu` octets pass (an IP packet, from
 * `from`, or from the packet's destination when `from` is absent or of the other family);
 * undefined where no error may be sent.
 */
export function tooBigError(packet: Uint8Array, mtu: number, from?: Uint8Array): Uint8Array | undefined {
  const d = decodeIp(packet, { verifyChecksum: false });
  if (!d.ok) return undefined;
  const ip = d.value;
  if (ip.version === 4) {
    if (ip.fragmentOffset !== 0) return undefined;
    if (isZero(ip.src) || isMulticastV4(ip.src) || isMulticastV4(ip.dst) || isBroadcastV4(ip.dst))
      return undefined;
    if (isIcmpError(ip.protocol, ip.payload, false)) return undefined;
    const quoted = packet.subarray(
      0,
      Math.min(packet.length, ICMPV4_ERROR_MAX - IPV4_MIN_HEADER_LENGTH - ICMP_HEADER_LENGTH),
    );
    const icmp = new Uint8Array(ICMP_HEADER_LENGTH + quoted.length);
    icmp[0] = IcmpType.DEST_UNREACHABLE;
    icmp[1] = ICMP_FRAGMENTATION_NEEDED;
    writeU16(icmp, 6, Math.max(IPV4_MIN_MTU, Math.min(mtu, 0xffff))); // RFC 1191 §4: Next-Hop MTU
    icmp.set(quoted, ICMP_HEADER_LENGTH);
    writeU16(icmp, 2, internetChecksum(icmp));
    const src = from?.length === 4 ? from : ip.dst;
    return buildIpv4({ src, dst: ip.src, protocol: IpProto.ICMP, payload: icmp });
  }
  if (isZero(ip.src) || isMulticastV6(ip.src) || isMulticastV6(ip.dst)) return undefined;
  if (isIcmpError(ip.protocol, ip.payload, true)) return undefined;
  const quoted = packet.subarray(
    0,
    Math.min(packet.length, ICMPV6_ERROR_MAX - IPV6_HEADER_LENGTH - ICMP_HEADER_LENGTH),
  );
  const icmp = new Uint8Array(ICMP_HEADER_LENGTH + quoted.length);
  icmp[0] = Icmpv6Type.PACKET_TOO_BIG;
  writeU32(icmp, 4, Math.max(IPV6_MIN_MTU, mtu)); // RFC 4443 §3.2: MTU of the next-hop link
  icmp.set(quoted, ICMP_HEADER_LENGTH);
  const src = from?.length === 16 ? from : ip.dst;
  writeU16(
    icmp,
    2,
    internetChecksum(icmp, 0, icmp.length, pseudoHeaderSum(src, ip.src, IpProto.ICMPV6, icmp.length)),
  );
  return buildIpv6({ src, dst: ip.src, nextHeader: IpProto.ICMPV6, payload: icmp });
}
