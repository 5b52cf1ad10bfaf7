/**
 * The 6LoWPAN header stack of one IPv6 datagram: compress its IPv6 (+ UDP) headers into
 * LOWPAN_IPHC (+ UDP LOWPAN_NHC), and expand them back. UDP directly after the fixed IPv6
 * header is compressed with NHC (RFC 6282 §4.3); any other next header is carried inline
 * (NH=0) with the rest of the datagram. The decoder also takes the uncompressed IPv6 dispatch
 * (RFC 4944 §5.1). Lengths elided by compression come from the link: the datagram_size of the
 * fragmentation header, or the frame's own length (RFC 6282 §3.1.1, §4.3.3).
 */
import { IPV6_HEADER_LENGTH } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { UDP_HEADER_LENGTH } from '../../../ipsec/packet/udp.js';
import { readU16, readU32, writeU16, writeU32 } from '../../../ipsec/packet/wire.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import { type SixlowpanError, sixlowpanError } from './errors.js';
import {
  type ContextTable,
  decodeIphc,
  encodeIphc,
  IPHC_DISPATCH,
  IPHC_DISPATCH_MASK,
  type LinkAddresses,
} from './iphc.js';
import { decodeUdpNhc, encodeUdpNhc } from './nhc-udp.js';

export const IPV6_DISPATCH = 0x41; // RFC 4944 §5.1: 01000001, uncompressed IPv6 header follows

export interface CompressedHeaders {
  /** LOWPAN_IPHC, then the UDP LOWPAN_NHC when the datagram is UDP. */
  readonly header: Uint8Array;
  /** Octets of the uncompressed datagram the header stands for: 40, or 48 with UDP NHC. */
  readonly uncompressedLength: number;
}

/** Compresses the headers of `datagram` (a whole IPv6 packet, fixed header first). Total. */
export function compressHeaders(
  datagram: Uint8Array,
  link: LinkAddresses,
  contexts: ContextTable,
): Result<CompressedHeaders, SixlowpanError> {
  if (datagram.length < IPV6_HEADER_LENGTH) return err(sixlowpanError('truncated', 'IPv6 header truncated'));
  const word0 = readU32(datagram, 0);
  if (word0 >>> 28 !== 6) return err(sixlowpanError('unsupported', 'not IPv6'));
  const payloadLength = readU16(datagram, 4);
  if (payloadLength !== datagram.length - IPV6_HEADER_LENGTH)
    return err(sixlowpanError('length', 'IPv6 Payload Length disagrees with the datagram'));
  const fields = {
    trafficClass: (word0 >>> 20) & 0xff,
    flowLabel: word0 & 0xfffff,
    nextHeader: datagram[6]!,
    hopLimit: datagram[7]!,
    src: datagram.subarray(8, 24),
    dst: datagram.subarray(24, 40),
  };
  // UDP NHC elides the UDP Length, so it applies only when that length is what the link implies.
  const udp =
    fields.nextHeader === IpProto.UDP &&
    payloadLength >= UDP_HEADER_LENGTH &&
    readU16(datagram, IPV6_HEADER_LENGTH + 4) === payloadLength;
  const iphc = encodeIphc(fields, link, contexts, udp);
  if (!udp) return ok({ header: iphc, uncompressedLength: IPV6_HEADER_LENGTH });
  const u = IPV6_HEADER_LENGTH;
  const nhc = encodeUdpNhc({
    srcPort: readU16(datagram, u),
    dstPort: readU16(datagram, u + 2),
    checksum: readU16(datagram, u + 6),
  });
  const header = new Uint8Array(iphc.length + nhc.length);
  header.set(iphc);
  header.set(nhc, iphc.length);
  return ok({ header, uncompressedLength: IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH });
}

/**
 * Expands the 6LoWPAN headers at `bytes[offset]` (IPHC or the uncompressed IPv6 dispatch) and
 * returns the uncompressed datagram's start: its headers followed by the rest of `bytes`.
 * `datagramSize` is the fragmentation header's datagram_size, or undefined for an unfragmented
 * frame (the size is then the headers plus the rest of the frame). Total.
 */
export function expandHeaders(
  bytes: Uint8Array,
  offset: number,
  link: LinkAddresses,
  contexts: ContextTable,
  datagramSize?: number,
): Result<Uint8Array, SixlowpanError> {
  if (offset >= bytes.length) return err(sixlowpanError('truncated', 'no 6LoWPAN dispatch'));
  const dispatch = bytes[offset]!;
  if (dispatch === IPV6_DISPATCH) {
    const rest = bytes.subarray(offset + 1);
    if (datagramSize !== undefined && rest.length > datagramSize)
      return err(sixlowpanError('length', 'fragment longer than datagram_size'));
    return ok(rest.slice());
  }
  if ((dispatch & IPHC_DISPATCH_MASK) !== IPHC_DISPATCH)
    return err(sixlowpanError('dispatch', `6LoWPAN dispatch 0x${dispatch.toString(16)} not handled`));
  const iphc = decodeIphc(bytes, offset, link, contexts);
  if (!iphc.ok) return iphc;
  const f = iphc.value.fields;
  let end = iphc.value.end;
  let nextHeader = f.nextHeader;
  let udp: { srcPort: number; dstPort: number; checksum: number } | undefined;
  if (nextHeader === undefined) {
    const nhc = decodeUdpNhc(bytes, end);
    if (!nhc.ok) return nhc;
    udp = nhc.value;
    end = nhc.value.end;
    nextHeader = IpProto.UDP;
  }
  const headerLength = IPV6_HEADER_LENGTH + (udp ? UDP_HEADER_LENGTH : 0);
  const rest = bytes.subarray(end);
  const size = datagramSize ?? headerLength + rest.length;
  if (headerLength + rest.length > size)
    return err(sixlowpanError('length', 'first fragment longer than datagram_size'));
  const payloadLength = size - IPV6_HEADER_LENGTH; // RFC 6282 §3.1.1: inferred from the link
  if (payloadLength > 0xffff) return err(sixlowpanError('too-big', 'IPv6 payload over 65535 octets'));
  const out = new Uint8Array(headerLength + rest.length);
  writeU32(out, 0, ((6 << 28) | (f.trafficClass << 20) | f.flowLabel) >>> 0);
  writeU16(out, 4, payloadLength);
  out[6] = nextHeader;
  out[7] = f.hopLimit;
  out.set(f.src, 8);
  out.set(f.dst, 24);
  if (udp) {
    const u = IPV6_HEADER_LENGTH;
    writeU16(out, u, udp.srcPort);
    writeU16(out, u + 2, udp.dstPort);
    writeU16(out, u + 4, payloadLength); // RFC 6282 §4.3.3: UDP Length inferred from the link
    writeU16(out, u + 6, udp.checksum);
  }
  out.set(rest, headerLength);
  return ok(out);
}
