/**
 * The 6LoWPAN adaptation layer for one link hop: an IPv6 datagram to MAC payloads (IPHC + NHC,
 * then FRAG1 / FRAGN when it does not fit one frame) and MAC payloads back to datagrams.
 *
 * Receive order: dispatch -> fragmentation header (RFC 4944 §5.3) -> FRAG1: headers expanded
 * with datagram_size (RFC 6282 §2) -> reassembly -> whole datagram; an unfragmented frame is
 * expanded with the frame's length.
 */
import { err, ok, type Result } from '../../../ipsec/result.js';
import { type SixlowpanError, sixlowpanError } from './errors.js';
import {
  decodeFragmentHeader,
  FRAG1_HEADER_LENGTH,
  FRAGN_HEADER_LENGTH,
  fragment,
  isFragment,
} from './frag.js';
import { compressHeaders, expandHeaders } from './headers.js';
import type { ContextTable, LinkAddresses } from './iphc.js';
import type { Reassembler } from './reassembly.js';

export interface EncodedDatagram {
  /** MAC payloads, in order. */
  readonly frames: Uint8Array[];
  /** Octets of the compressed IPv6 (+ UDP) headers. */
  readonly headerLength: number;
  /** Octets of FRAG1 / FRAGN headers (0 when unfragmented). */
  readonly fragmentHeaderLength: number;
}

/** One IPv6 datagram as MAC payloads for the hop link.src -> link.dst. Total. */
export function encodeDatagram(
  datagram: Uint8Array,
  link: LinkAddresses,
  contexts: ContextTable,
  datagramTag: number,
  maxPayload: number,
): Result<EncodedDatagram, SixlowpanError> {
  const compressed = compressHeaders(datagram, link, contexts);
  if (!compressed.ok) return compressed;
  const { header, uncompressedLength } = compressed.value;
  const frames = fragment({
    header,
    uncompressedHeaderLength: uncompressedLength,
    payload: datagram.subarray(uncompressedLength),
    datagramTag,
    maxPayload,
  });
  if (!frames.ok) return frames;
  const n = frames.value.length;
  return ok({
    frames: frames.value,
    headerLength: header.length,
    fragmentHeaderLength: n > 1 ? FRAG1_HEADER_LENGTH + FRAGN_HEADER_LENGTH * (n - 1) : 0,
  });
}

/**
 * One received MAC payload: the whole datagram when it completes one, undefined when it was
 * held (or dropped and counted) by the reassembler, or a decode error. Total.
 */
export function decodeFrame(
  payload: Uint8Array,
  link: LinkAddresses,
  contexts: ContextTable,
  reassembler: Reassembler,
): Result<Uint8Array | undefined, SixlowpanError> {
  if (payload.length === 0) return err(sixlowpanError('truncated', 'empty MAC payload'));
  if (!isFragment(payload[0]!)) return expandHeaders(payload, 0, link, contexts);
  const h = decodeFragmentHeader(payload);
  if (!h.ok) return h;
  const { datagramSize, datagramTag, offset, end } = h.value;
  const key = { ...link, datagramSize, datagramTag };
  let data = payload.subarray(end);
  if (h.value.kind === 'FRAG1' && reassembler.accepts(datagramSize)) {
    const expanded = expandHeaders(payload, end, link, contexts, datagramSize);
    if (!expanded.ok) return expanded;
    data = expanded.value;
  }
  // A datagram_size over the limit is refused (and counted) by the reassembler.
  return ok(reassembler.add(key, offset, data));
}
