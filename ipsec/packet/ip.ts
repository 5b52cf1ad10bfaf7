/** Either IP version, dispatched on the version nibble (RFC 791 §3.1, RFC 8200 §3). */
import { err, type Result } from '../result.js';
import { type PacketError, packetError } from './errors.js';
import { decodeIpv4, IPV4_MIN_HEADER_LENGTH, type Ipv4DecodeOptions, type Ipv4Packet } from './ipv4.js';
import { decodeIpv6, IPV6_HEADER_LENGTH, type Ipv6Packet } from './ipv6.js';
import { IpProto } from './proto.js';
import { readU16 } from './wire.js';

export type IpPacket = Ipv4Packet | Ipv6Packet;

/** 4, 6, or undefined for an empty buffer or another version. */
export function ipVersion(bytes: Uint8Array): 4 | 6 | undefined {
  const v = bytes.length > 0 ? bytes[0]! >>> 4 : 0;
  return v === 4 ? 4 : v === 6 ? 6 : undefined;
}

export function decodeIp(bytes: Uint8Array, options: Ipv4DecodeOptions = {}): Result<IpPacket, PacketError> {
  switch (ipVersion(bytes)) {
    case 4:
      return decodeIpv4(bytes, options);
    case 6:
      return decodeIpv6(bytes);
    default:
      return err(
        packetError('version', bytes.length === 0 ? 'empty packet' : `IP version ${bytes[0]! >>> 4}`),
      );
  }
}

/**
 * The length an IP packet declares for itself (IPv4 Total Length, IPv6 40 + Payload
 * Length), or undefined if there is no readable header or the length is shorter than the
 * header. ESP tunnel mode uses it to strip
 * TFC padding (RFC 4303 §2.7).
 */
export function ipPacketLength(bytes: Uint8Array): number | undefined {
  const v = ipVersion(bytes);
  if (v === 4) {
    if (bytes.length < IPV4_MIN_HEADER_LENGTH) return undefined;
    const total = readU16(bytes, 2);
    return total >= IPV4_MIN_HEADER_LENGTH ? total : undefined;
  }
  if (v === 6) return bytes.length >= IPV6_HEADER_LENGTH ? IPV6_HEADER_LENGTH + readU16(bytes, 4) : undefined;
  return undefined;
}

/** The ESP Next Header for a tunnel-mode inner packet (RFC 4303 §2.6): 4 or 41. */
export function tunnelNextHeader(bytes: Uint8Array): number | undefined {
  const v = ipVersion(bytes);
  return v === 4 ? IpProto.IPV4 : v === 6 ? IpProto.IPV6 : undefined;
}
