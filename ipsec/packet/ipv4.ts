/**
 * Minimal IPv4 (RFC 791): decode the header (options skipped, not interpreted), verify
 * its checksum, and build a packet without options. Decoding is total: Result, never throws.
 */
import { err, ok, type Result } from '../result.js';
import { internetChecksum } from './checksum.js';
import { type PacketError, packetError } from './errors.js';
import { readU16, writeU16 } from './wire.js';

export const IPV4_VERSION = 4;
export const IPV4_MIN_HEADER_LENGTH = 20; // RFC 791 §3.1: IHL >= 5 words
export const IPV4_DEFAULT_TTL = 64; // RFC 1700 / IANA recommended default
const FLAG_DF = 0x4000; // RFC 791 §3.1 flags bit 1: Don't Fragment
const FLAG_MF = 0x2000; // flags bit 2: More Fragments
/** RFC 791 §3.1: Fragment Offset, the low 13 bits of octets 6-7. */
export const IPV4_FRAGMENT_OFFSET_MASK = 0x1fff;

export interface Ipv4Packet {
  readonly version: 4;
  readonly headerLength: number;
  /** The former TOS octet: DSCP (6 bits) | ECN (2 bits), RFC 2474 / RFC 3168. */
  readonly tos: number;
  readonly totalLength: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in 8-byte units; non-zero for a non-initial fragment. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** The data after the header up to totalLength (a view; trailing link padding excluded). */
  readonly payload: Uint8Array;
}

export interface Ipv4DecodeOptions {
  /** Reject a header whose checksum does not verify (default true). */
  readonly verifyChecksum?: boolean;
}

/**
 * RFC 791 §3.1: where the header and the packet end, checked against the bytes received (no
 * checksum). decodeIpv4 starts with it; the selector fast path (flow.ts) needs nothing more.
 */
export function ipv4Extent(
  bytes: Uint8Array,
): Result<{ readonly headerLength: number; readonly totalLength: number }, PacketError> {
  if (bytes.length < IPV4_MIN_HEADER_LENGTH)
    return err(
      packetError('truncated', `IPv4 header needs ${IPV4_MIN_HEADER_LENGTH} bytes, got ${bytes.length}`),
    );
  const version = bytes[0]! >>> 4;
  if (version !== IPV4_VERSION) return err(packetError('version', `IP version ${version}, expected 4`));
  const headerLength = (bytes[0]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH)
    return err(packetError('header-length', `IHL ${headerLength / 4} < 5`));
  const totalLength = readU16(bytes, 2);
  if (totalLength < headerLength)
    return err(packetError('length', `total length ${totalLength} < header length ${headerLength}`));
  if (totalLength > bytes.length)
    return err(packetError('truncated', `total length ${totalLength} > ${bytes.length} bytes received`));
  return ok({ headerLength, totalLength });
}

export function decodeIpv4(
  bytes: Uint8Array,
  options: Ipv4DecodeOptions = {},
): Result<Ipv4Packet, PacketError> {
  const extent = ipv4Extent(bytes);
  if (!extent.ok) return extent;
  const { headerLength, totalLength } = extent.value;
  // RFC 1071: a header with a valid checksum sums (checksum field included) to zero.
  if ((options.verifyChecksum ?? true) && internetChecksum(bytes, 0, headerLength) !== 0)
    return err(packetError('checksum', 'IPv4 header checksum does not verify'));
  const flagsOffset = readU16(bytes, 6);
  return ok({
    version: 4,
    headerLength,
    tos: bytes[1]!,
    totalLength,
    identification: readU16(bytes, 4),
    dontFragment: (flagsOffset & FLAG_DF) !== 0,
    moreFragments: (flagsOffset & FLAG_MF) !== 0,
    fragmentOffset: flagsOffset & IPV4_FRAGMENT_OFFSET_MASK,
    ttl: bytes[8]!,
    protocol: bytes[9]!,
    checksum: readU16(bytes, 10),
    src: bytes.subarray(12, 16),
    dst: bytes.subarray(16, 20),
    payload: bytes.subarray(headerLength, totalLength),
  });
}

export interface Ipv4BuildParams {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly protocol: number;
  readonly payload: Uint8Array;
  readonly ttl?: number;
  readonly tos?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
}

/** A 20-byte header (no options) with its checksum, then the payload. */
export function buildIpv4(p: Ipv4BuildParams): Uint8Array {
  const totalLength = IPV4_MIN_HEADER_LENGTH + p.payload.length;
  if (totalLength > 0xffff) throw new RangeError(`IPv4 packet of ${totalLength} bytes exceeds 65535`);
  if (p.src.length !== 4 || p.dst.length !== 4) throw new RangeError('IPv4 addresses are 4 bytes');
  const out = new Uint8Array(totalLength);
  out[0] = (IPV4_VERSION << 4) | (IPV4_MIN_HEADER_LENGTH / 4);
  out[1] = p.tos ?? 0;
  writeU16(out, 2, totalLength);
  writeU16(out, 4, p.identification ?? 0);
  writeU16(out, 6, (p.dontFragment ?? false) ? FLAG_DF : 0);
  out[8] = p.ttl ?? IPV4_DEFAULT_TTL;
  out[9] = p.protocol;
  out.set(p.src, 12);
  out.set(p.dst, 16);
  writeU16(out, 10, internetChecksum(out, 0, IPV4_MIN_HEADER_LENGTH)); // RFC 791 §3.1 Header Checksum
  out.set(p.payload, IPV4_MIN_HEADER_LENGTH);
  return out;
}
