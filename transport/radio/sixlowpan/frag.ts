/**
 * RFC 4944 §5.3 fragmentation headers and the fragmentation of one datagram into MAC payloads.
 *
 *   FRAG1: | 1 1 0 0 0 | datagram_size (11) | datagram_tag (16) |                          4 octets
 *   FRAGN: | 1 1 1 0 0 | datagram_size (11) | datagram_tag (16) | datagram_offset (8) |    5 octets
 *
 * datagram_size and datagram_offset count the uncompressed IPv6 datagram (RFC 6282 §2), the
 * offset in 8-octet units; the compressed headers travel in FRAG1 (RFC 6282 §2), so FRAG1
 * carries headers that stand for more octets than they take. Every fragment but the last
 * carries a multiple of 8 octets of the uncompressed datagram (RFC 4944 §5.3).
 */
import { err, ok, type Result } from '../../../ipsec/result.js';
import { type SixlowpanError, sixlowpanError } from './errors.js';

export const FRAG1_DISPATCH = 0xc0; // RFC 4944 §5.3: 11000xxx
export const FRAGN_DISPATCH = 0xe0; // RFC 4944 §5.3: 11100xxx
export const FRAG_DISPATCH_MASK = 0xf8;
export const FRAG1_HEADER_LENGTH = 4;
export const FRAGN_HEADER_LENGTH = 5;
export const DATAGRAM_SIZE_MAX = 0x7ff; // RFC 4944 §5.3: datagram_size is 11 bits
export const FRAGMENT_UNIT = 8; // RFC 4944 §5.3: datagram_offset in units of 8 octets

export interface FragmentHeader {
  readonly kind: 'FRAG1' | 'FRAGN';
  readonly datagramSize: number;
  readonly datagramTag: number;
  /** In octets of the uncompressed datagram (datagram_offset × 8); 0 for FRAG1. */
  readonly offset: number;
  /** Where the fragment's content starts in the MAC payload. */
  readonly end: number;
}

export const isFragment = (dispatch: number): boolean =>
  (dispatch & FRAG_DISPATCH_MASK) === FRAG1_DISPATCH || (dispatch & FRAG_DISPATCH_MASK) === FRAGN_DISPATCH;

/** Decodes a FRAG1 / FRAGN header at the start of a MAC payload (isFragment(payload[0]) holds). Total. */
export function decodeFragmentHeader(payload: Uint8Array): Result<FragmentHeader, SixlowpanError> {
  if (payload.length < 1 || !isFragment(payload[0]!))
    return err(sixlowpanError('dispatch', 'not a fragmentation header'));
  const first = (payload[0]! & FRAG_DISPATCH_MASK) === FRAG1_DISPATCH;
  const length = first ? FRAG1_HEADER_LENGTH : FRAGN_HEADER_LENGTH;
  if (payload.length < length) return err(sixlowpanError('truncated', 'fragmentation header truncated'));
  return ok({
    kind: first ? 'FRAG1' : 'FRAGN',
    datagramSize: ((payload[0]! & 0x07) << 8) | payload[1]!,
    datagramTag: (payload[2]! << 8) | payload[3]!,
    offset: first ? 0 : payload[4]! * FRAGMENT_UNIT,
    end: length,
  });
}

function fragmentHeader(kind: 'FRAG1' | 'FRAGN', size: number, tag: number, offset: number): number[] {
  const dispatch = kind === 'FRAG1' ? FRAG1_DISPATCH : FRAGN_DISPATCH;
  const h = [dispatch | (size >>> 8), size & 0xff, (tag >>> 8) & 0xff, tag & 0xff];
  if (kind === 'FRAGN') h.push(offset / FRAGMENT_UNIT);
  return h;
}

export interface FragmentInput {
  /** The compressed headers (IPHC + NHC). */
  readonly header: Uint8Array;
  /** Octets of the uncompressed datagram that `header` stands for. */
  readonly uncompressedHeaderLength: number;
  /** The rest of the datagram, after the uncompressed headers. */
  readonly payload: Uint8Array;
  readonly datagramTag: number;
  /** Largest MAC payload of one frame. */
  readonly maxPayload: number;
}

/** Octets of uncompressed payload a FRAG1 can carry after `headerLength` octets of compressed headers. */
export function frag1Capacity(maxPayload: number, headerLength: number, uncompressedHeaderLength: number) {
  const room = maxPayload - FRAG1_HEADER_LENGTH - headerLength;
  const end = Math.floor((uncompressedHeaderLength + room) / FRAGMENT_UNIT) * FRAGMENT_UNIT;
  return end - uncompressedHeaderLength;
}

/** Octets a FRAGN carries (a multiple of 8). */
export const fragNCapacity = (maxPayload: number): number =>
  Math.floor((maxPayload - FRAGN_HEADER_LENGTH) / FRAGMENT_UNIT) * FRAGMENT_UNIT;

/**
 * The MAC payloads for one datagram: one frame with no fragmentation header when it fits,
 * else FRAG1 then FRAGNs. Fails ('too-big') when datagram_size would not fit 11 bits or the
 * headers leave no room in FRAG1.
 */
export function fragment(input: FragmentInput): Result<Uint8Array[], SixlowpanError> {
  const { header, payload, maxPayload } = input;
  if (header.length + payload.length <= maxPayload) {
    const frame = new Uint8Array(header.length + payload.length);
    frame.set(header);
    frame.set(payload, header.length);
    return ok([frame]);
  }
  const u = input.uncompressedHeaderLength;
  const size = u + payload.length;
  if (size > DATAGRAM_SIZE_MAX)
    return err(sixlowpanError('too-big', `datagram_size ${size} exceeds ${DATAGRAM_SIZE_MAX}`));
  const first = frag1Capacity(maxPayload, header.length, u);
  const next = fragNCapacity(maxPayload);
  if (first < 0 || next <= 0) return err(sixlowpanError('too-big', 'headers leave no room in a fragment'));
  const tag = input.datagramTag & 0xffff;
  const frames: Uint8Array[] = [];
  const frag1 = Uint8Array.from([...fragmentHeader('FRAG1', size, tag, 0), ...header]);
  const f1 = new Uint8Array(frag1.length + first);
  f1.set(frag1);
  f1.set(payload.subarray(0, first), frag1.length);
  frames.push(f1);
  for (let p = first; p < payload.length; p += next) {
    const chunk = payload.subarray(p, p + next);
    const h = fragmentHeader('FRAGN', size, tag, u + p);
    const f = new Uint8Array(h.length + chunk.length);
    f.set(h);
    f.set(chunk, h.length);
    frames.push(f);
  }
  return ok(frames);
}
