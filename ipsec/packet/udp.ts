/**
 * UDP (RFC 768): decode, checksum over the pseudo-header (IPv4: RFC 768; IPv6: RFC 8200
 * §8.1), and build. The addresses' length (4 or 16) selects the family.
 */
import { err, ok, type Result } from '../result.js';
import { finishChecksum, onesComplementSum, pseudoHeaderSum } from './checksum.js';
import { type PacketError, packetError } from './errors.js';
import { IpProto } from './proto.js';
import { readU16, writeU16 } from './wire.js';

export const UDP_HEADER_LENGTH = 8;
export const UDP_CHECKSUM_OFFSET = 6;

export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  /** The Length field: header plus data. */
  readonly length: number;
  readonly checksum: number;
  /** Data up to the Length field (a view). */
  readonly payload: Uint8Array;
}

/** Decodes the header of `segment` (the IP payload); bytes beyond the Length field are ignored. */
export function decodeUdp(segment: Uint8Array): Result<UdpDatagram, PacketError> {
  if (segment.length < UDP_HEADER_LENGTH)
    return err(packetError('truncated', `UDP header needs 8 bytes, got ${segment.length}`));
  const length = readU16(segment, 4);
  if (length < UDP_HEADER_LENGTH) return err(packetError('length', `UDP length ${length} < 8`));
  if (length > segment.length)
    return err(packetError('truncated', `UDP length ${length} > ${segment.length} bytes received`));
  return ok({
    srcPort: readU16(segment, 0),
    dstPort: readU16(segment, 2),
    length,
    checksum: readU16(segment, UDP_CHECKSUM_OFFSET),
    payload: segment.subarray(UDP_HEADER_LENGTH, length),
  });
}

/**
 * Checksum of a transport segment (TCP, UDP, ICMPv6) under the pseudo-header, computed
 * with the checksum field as it stands; a segment whose field is correct yields 0.
 */
export function transportChecksum(
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  segment: Uint8Array,
): number {
  return finishChecksum(
    onesComplementSum(segment, 0, segment.length, pseudoHeaderSum(src, dst, protocol, segment.length)),
  );
}

/**
 * Verifies the UDP checksum of `segment` (exactly the UDP Length bytes). IPv4: zero means
 * "not computed" (RFC 768); IPv6: zero is invalid (RFC 8200 §8.1).
 */
export function verifyUdpChecksum(src: Uint8Array, dst: Uint8Array, segment: Uint8Array): boolean {
  if (segment.length < UDP_HEADER_LENGTH) return false;
  if (readU16(segment, UDP_CHECKSUM_OFFSET) === 0) return src.length === 4;
  return transportChecksum(src, dst, IpProto.UDP, segment) === 0;
}

export interface UdpBuildParams {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  /** IPv4 only: send a zero checksum ("not computed", RFC 768). Ignored for IPv6 (RFC 8200 §8.1). */
  readonly zeroChecksum?: boolean;
}

/** The UDP segment (header | payload) with its checksum for the given addresses. */
export function buildUdp(p: UdpBuildParams): Uint8Array {
  const length = UDP_HEADER_LENGTH + p.payload.length;
  if (length > 0xffff) throw new RangeError(`UDP datagram of ${length} bytes exceeds 65535`);
  const out = new Uint8Array(length);
  writeU16(out, 0, p.srcPort);
  writeU16(out, 2, p.dstPort);
  writeU16(out, 4, length);
  out.set(p.payload, UDP_HEADER_LENGTH);
  if (p.zeroChecksum && p.src.length === 4) return out;
  const checksum = transportChecksum(p.src, p.dst, IpProto.UDP, out);
  writeU16(out, UDP_CHECKSUM_OFFSET, checksum === 0 ? 0xffff : checksum); // RFC 768: computed zero is sent as all ones
  return out;
}
