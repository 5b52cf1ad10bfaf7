/**
 * RFC 6282 §3 LOWPAN_IPHC: compression of the IPv6 header against the link-layer addresses of
 * the frame that carries it and a table of address contexts.
 *
 *   0   1   2   3   4   5   6   7   8   9   10  11  12  13  14  15
 * | 0 | 1 | 1 |  TF   |NH | HLIM  |CID|SAC|  SAM  | M |DAC|  DAM  |
 *
 * then (§3.2) the CID octet, the TF fields, Next Header, Hop Limit, source and destination
 * address bits, each only when carried inline. Payload Length is never carried: the decoder's
 * caller knows it from the link (RFC 6282 §3.1.1, "Payload Length ... inferred from lower layers").
 *
 * Compression tries every encoding of each address (stateless, every context, every SAM/DAM),
 * keeps those that decompress to the same address, and takes the smallest; so it needs no
 * case analysis of its own to stay correct, and the decoder is the only definition of a mode.
 */
import { err, ok, type Result } from '../../../ipsec/result.js';
import type { ShortAddress } from '../types.js';
import { type SixlowpanError, sixlowpanError } from './errors.js';

/** An 802.15.4 link-layer address: a 16-bit short address, or an 8-octet extended (EUI-64) one. */
export type LinkAddress = ShortAddress | Uint8Array;

export interface LinkAddresses {
  readonly src: LinkAddress;
  readonly dst: LinkAddress;
}

/** One address context (RFC 6282 §3.1.2, distributed by RFC 6775 6CO): a prefix of `length` bits. */
export interface AddressContext {
  /** 16 octets; bits past `length` are zero. */
  readonly prefix: Uint8Array;
  readonly length: number;
}

/** Contexts by CID (0..15); context 0 is the default context (RFC 6282 §3.1.1, CID=0). */
export type ContextTable = readonly (AddressContext | undefined)[];

export interface Ipv6HeaderFields {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

export const IPHC_DISPATCH = 0x60; // RFC 6282 §3.1: 011xxxxx
export const IPHC_DISPATCH_MASK = 0xe0;
export const MAX_CONTEXTS = 16; // RFC 6282 §3.1.2: 4-bit SCI / DCI

const LINK_LOCAL_PREFIX = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0); // RFC 4291 §2.5.6, fe80::/64

/** An address context from a prefix of any length (bits beyond it are cleared). */
export function addressContext(prefix: Uint8Array, length: number): AddressContext {
  if (!Number.isInteger(length) || length < 0 || length > 128) throw new RangeError('prefix length 0..128');
  const p = new Uint8Array(16);
  p.set(prefix.subarray(0, 16));
  clearFrom(p, length);
  return { prefix: p, length };
}

function clearFrom(a: Uint8Array, bit: number): void {
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bit - 8 * i));
    a[i]! &= (0xff00 >>> keep) & 0xff;
  }
}

/**
 * The interface identifier a link-layer address stands for: RFC 6282 §3.2.2 / RFC 4944 §6,
 * 0000:00ff:fe00:XXXX for a short address; the EUI-64 with the Universal/Local bit inverted
 * for an extended one (RFC 4944 §6, RFC 4291 Appendix A).
 */
export function iidOfLinkAddress(link: LinkAddress): Uint8Array {
  if (typeof link === 'number')
    return Uint8Array.of(0, 0, 0, 0xff, 0xfe, 0, (link >>> 8) & 0xff, link & 0xff);
  const iid = link.slice(0, 8);
  iid[0]! ^= 0x02;
  return iid;
}

/** Overlays the context's prefix bits: "bits covered by context information are always used" (§3.1.1). */
function overlay(addr: Uint8Array, ctx: AddressContext): void {
  for (let i = 0; i < 16; i++) {
    const covered = Math.max(0, Math.min(8, ctx.length - 8 * i));
    if (covered === 0) break;
    const mask = (0xff00 >>> covered) & 0xff;
    addr[i] = (ctx.prefix[i]! & mask) | (addr[i]! & ~mask & 0xff);
  }
}

/** Octets carried inline per SAM/DAM value for unicast (§3.1.1): stateless, then stateful. */
const UNICAST_INLINE = [16, 8, 2, 0] as const;
const UNICAST_CONTEXT_INLINE = [0, 8, 2, 0] as const;
/** M=1: DAC=0 DAM=00..11 (§3.1.1): 128, 48, 32, 8 bits; DAC=1 DAM=00: 48 bits. */
const MULTICAST_INLINE = [16, 6, 4, 1] as const;
const MULTICAST_CONTEXT_INLINE = 6;

type AddressResult = Result<Uint8Array, SixlowpanError>;

/** Unicast address from SAC/SAM (or DAC/DAM), the inline octets, the frame's link address, a context. */
function unicastAddress(
  contextBased: boolean,
  mode: number,
  inline: Uint8Array,
  link: LinkAddress,
  ctx: AddressContext | undefined,
  isSource: boolean,
): AddressResult {
  const a = new Uint8Array(16);
  if (!contextBased) {
    // §3.1.1 SAC=0 / DAC=0
    if (mode === 0) {
      a.set(inline); // 00: 128 bits inline
      return ok(a);
    }
    a.set(LINK_LOCAL_PREFIX);
    if (mode === 1)
      a.set(inline, 8); // 01: fe80::/64 + 64 bits inline
    else if (mode === 2)
      a.set([0, 0, 0, 0xff, 0xfe, 0, inline[0]!, inline[1]!], 8); // 10: fe80::ff:fe00:XXXX
    else a.set(iidOfLinkAddress(link), 8); // 11: from the link-layer address (§3.2.2)
    return ok(a);
  }
  if (mode === 0) {
    // §3.1.1: SAC=1 SAM=00 is the unspecified address; DAC=1 DAM=00 is reserved
    return isSource ? ok(a) : err(sixlowpanError('reserved', 'IPHC DAC=1 DAM=00 is reserved'));
  }
  if (!ctx) return err(sixlowpanError('context', 'IPHC address context not in the table'));
  if (mode === 1)
    a.set(inline, 8); // 01: 64 bits inline, prefix from the context
  else if (mode === 2)
    a.set([0, 0, 0, 0xff, 0xfe, 0, inline[0]!, inline[1]!], 8); // 10: 0000:00ff:fe00:XXXX
  else a.set(iidOfLinkAddress(link), 8); // 11: from the link-layer address (§3.2.2)
  overlay(a, ctx);
  return ok(a);
}

/** Multicast destination from DAC/DAM (M=1, §3.1.1). */
function multicastAddress(contextBased: boolean, mode: number, inline: Uint8Array, ctx?: AddressContext) {
  const a = new Uint8Array(16);
  if (contextBased) {
    // DAC=1 DAM=00: ffXX:XXLL:PPPP:PPPP:PPPP:PPPP:XXXX:XXXX (RFC 3306 unicast-prefix-based)
    if (mode !== 0) return err(sixlowpanError('reserved', `IPHC M=1 DAC=1 DAM=${mode} is reserved`));
    if (!ctx) return err(sixlowpanError('context', 'IPHC address context not in the table'));
    a[0] = 0xff;
    a[1] = inline[0]!;
    a[2] = inline[1]!;
    a[3] = Math.min(ctx.length, 64); // LL: the prefix length; P: at most 64 bits of prefix
    a.set(ctx.prefix.subarray(0, 8), 4);
    clearFrom(a, 32 + Math.min(ctx.length, 64));
    a.set(inline.subarray(2, 6), 12);
    return ok(a);
  }
  if (mode === 0)
    a.set(inline); // 00: 128 bits
  else if (mode === 1) {
    a[0] = 0xff; // 01: ffXX::00XX:XXXX:XXXX
    a[1] = inline[0]!;
    a.set(inline.subarray(1, 6), 11);
  } else if (mode === 2) {
    a[0] = 0xff; // 10: ffXX::00XX:XXXX
    a[1] = inline[0]!;
    a.set(inline.subarray(1, 4), 13);
  } else {
    a[0] = 0xff; // 11: ff02::00XX
    a[1] = 0x02;
    a[15] = inline[0]!;
  }
  return ok(a);
}

/** The inline octets an address mode would carry for `a` (the inverse of the decoders above). */
function unicastInline(a: Uint8Array, mode: number, contextBased: boolean): Uint8Array {
  const n = (contextBased ? UNICAST_CONTEXT_INLINE : UNICAST_INLINE)[mode]!;
  return a.slice(16 - n);
}

function multicastInline(a: Uint8Array, mode: number, contextBased: boolean): Uint8Array {
  if (contextBased) return Uint8Array.of(a[1]!, a[2]!, a[12]!, a[13]!, a[14]!, a[15]!);
  if (mode === 0) return a.slice();
  if (mode === 1) return Uint8Array.of(a[1]!, ...a.subarray(11, 16));
  if (mode === 2) return Uint8Array.of(a[1]!, ...a.subarray(13, 16));
  return Uint8Array.of(a[15]!);
}

interface AddressEncoding {
  readonly contextBased: boolean;
  readonly cid: number;
  readonly mode: number;
  readonly inline: Uint8Array;
}

const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Every encoding of `a` that decompresses back to `a`. */
function encodings(a: Uint8Array, link: LinkAddress, contexts: ContextTable, isSource: boolean) {
  const found: AddressEncoding[] = [];
  const multicast = !isSource && a[0] === 0xff;
  const tryOne = (contextBased: boolean, cid: number, mode: number): void => {
    const ctx = contextBased ? contexts[cid] : undefined;
    const inline = multicast ? multicastInline(a, mode, contextBased) : unicastInline(a, mode, contextBased);
    const back = multicast
      ? multicastAddress(contextBased, mode, inline, ctx)
      : unicastAddress(contextBased, mode, inline, link, ctx, isSource);
    if (back.ok && equal(back.value, a)) found.push({ contextBased, cid, mode, inline });
  };
  for (let mode = 0; mode < 4; mode++) tryOne(false, 0, mode);
  for (let cid = 0; cid < Math.min(MAX_CONTEXTS, contexts.length); cid++) {
    if (!contexts[cid]) continue;
    if (multicast) tryOne(true, cid, 0);
    else for (let mode = 1; mode < 4; mode++) tryOne(true, cid, mode);
  }
  if (isSource && a.every((x) => x === 0))
    found.push({ contextBased: true, cid: 0, mode: 0, inline: new Uint8Array(0) });
  return found;
}

/** TF (§3.1.1): the inline octets for traffic class and flow label; 6LoWPAN orders ECN before DSCP. */
function trafficFlow(tc: number, fl: number): { tf: number; inline: number[] } {
  const ecn = tc & 0x03;
  const dscp = tc >>> 2;
  if (tc === 0 && fl === 0) return { tf: 3, inline: [] }; // 11: both elided
  if (fl === 0) return { tf: 2, inline: [(ecn << 6) | dscp] }; // 10: ECN + DSCP, flow label elided
  if (dscp === 0) return { tf: 1, inline: [(ecn << 6) | (fl >>> 16), (fl >>> 8) & 0xff, fl & 0xff] }; // 01: ECN + 2 pad + flow label
  return { tf: 0, inline: [(ecn << 6) | dscp, fl >>> 16, (fl >>> 8) & 0xff, fl & 0xff] }; // 00: ECN + DSCP + 4 pad + flow label
}

/** HLIM (§3.1.1): 01 = 1, 10 = 64, 11 = 255, 00 = inline. */
const HLIM_OF: Readonly<Record<number, number>> = { 1: 1, 64: 2, 255: 3 };
const HOP_LIMIT_OF_HLIM = [-1, 1, 64, 255] as const;

/**
 * The LOWPAN_IPHC header for `h` as sent from link.src to link.dst. `nhc` sets NH=1: the next
 * header is then encoded by the LOWPAN_NHC that the caller appends (RFC 6282 §4.1).
 */
export function encodeIphc(h: Ipv6HeaderFields, link: LinkAddresses, contexts: ContextTable, nhc: boolean) {
  const srcs = encodings(h.src, link.src, contexts, true);
  const dsts = encodings(h.dst, link.dst, contexts, false);
  let best: { s: AddressEncoding; d: AddressEncoding; size: number } | undefined;
  for (const s of srcs)
    for (const d of dsts) {
      const cidOctet = (s.contextBased && s.cid !== 0) || (d.contextBased && d.cid !== 0) ? 1 : 0;
      const size = s.inline.length + d.inline.length + cidOctet;
      if (!best || size < best.size) best = { s, d, size };
    }
  // SAM=00 / DAM=00 (stateless, 128 bits inline) always round-trips, so best is set.
  const { s, d } = best!;
  const { tf, inline: tfInline } = trafficFlow(h.trafficClass, h.flowLabel);
  const hlim = HLIM_OF[h.hopLimit] ?? 0;
  const sci = s.contextBased ? s.cid : 0;
  const dci = d.contextBased ? d.cid : 0;
  const cid = sci !== 0 || dci !== 0;
  const multicast = h.dst[0] === 0xff;
  const out: number[] = [
    IPHC_DISPATCH | (tf << 3) | ((nhc ? 1 : 0) << 2) | hlim,
    ((cid ? 1 : 0) << 7) |
      ((s.contextBased ? 1 : 0) << 6) |
      (s.mode << 4) |
      ((multicast ? 1 : 0) << 3) |
      ((d.contextBased ? 1 : 0) << 2) |
      d.mode,
  ];
  if (cid) out.push((sci << 4) | dci); // §3.1.2: SCI | DCI
  out.push(...tfInline);
  if (!nhc) out.push(h.nextHeader); // §3.2.1 order: TF fields, Next Header, Hop Limit, addresses
  if (hlim === 0) out.push(h.hopLimit);
  out.push(...s.inline, ...d.inline);
  return Uint8Array.from(out);
}

export interface DecodedIphc {
  /** The header fields; nextHeader is undefined when NH=1 (a LOWPAN_NHC follows at `end`). */
  readonly fields: Omit<Ipv6HeaderFields, 'nextHeader'> & { readonly nextHeader: number | undefined };
  /** Offset just past the IPHC header. */
  readonly end: number;
}

/** Decodes the LOWPAN_IPHC header at `offset` (which must hold the 011 dispatch). Total. */
export function decodeIphc(
  bytes: Uint8Array,
  offset: number,
  link: LinkAddresses,
  contexts: ContextTable,
): Result<DecodedIphc, SixlowpanError> {
  let p = offset;
  const need = (n: number): boolean => p + n <= bytes.length;
  const truncated = () => err(sixlowpanError('truncated', 'IPHC header truncated'));
  if (!need(2)) return truncated();
  const b0 = bytes[p]!;
  const b1 = bytes[p + 1]!;
  p += 2;
  if ((b0 & IPHC_DISPATCH_MASK) !== IPHC_DISPATCH)
    return err(sixlowpanError('dispatch', 'not an IPHC dispatch'));
  const tf = (b0 >>> 3) & 3;
  const nh = (b0 >>> 2) & 1;
  const hlim = b0 & 3;
  const cid = b1 >>> 7;
  const sac = (b1 >>> 6) & 1;
  const sam = (b1 >>> 4) & 3;
  const m = (b1 >>> 3) & 1;
  const dac = (b1 >>> 2) & 1;
  const dam = b1 & 3;
  let sci = 0;
  let dci = 0;
  if (cid) {
    if (!need(1)) return truncated();
    sci = bytes[p]! >>> 4; // §3.1.2
    dci = bytes[p]! & 0x0f;
    p++;
  }
  let trafficClass = 0;
  let flowLabel = 0;
  const tfLength = [4, 3, 1, 0][tf]!;
  if (!need(tfLength)) return truncated();
  if (tf === 0 || tf === 2) trafficClass = ((bytes[p]! & 0x3f) << 2) | (bytes[p]! >>> 6); // ECN|DSCP -> DSCP|ECN
  if (tf === 1) trafficClass = bytes[p]! >>> 6; // ECN only, DSCP elided (zero)
  if (tf === 0) flowLabel = ((bytes[p + 1]! & 0x0f) << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
  if (tf === 1) flowLabel = ((bytes[p]! & 0x0f) << 16) | (bytes[p + 1]! << 8) | bytes[p + 2]!;
  p += tfLength;
  let nextHeader: number | undefined;
  if (!nh) {
    if (!need(1)) return truncated();
    nextHeader = bytes[p++]!;
  }
  let hopLimit: number = HOP_LIMIT_OF_HLIM[hlim]!;
  if (hlim === 0) {
    if (!need(1)) return truncated();
    hopLimit = bytes[p++]!;
  }
  const srcLength = (sac ? UNICAST_CONTEXT_INLINE : UNICAST_INLINE)[sam]!;
  if (!need(srcLength)) return truncated();
  const src = unicastAddress(!!sac, sam, bytes.subarray(p, p + srcLength), link.src, contexts[sci], true);
  if (!src.ok) return src;
  p += srcLength;
  const dstLength = m
    ? dac
      ? MULTICAST_CONTEXT_INLINE
      : MULTICAST_INLINE[dam]!
    : (dac ? UNICAST_CONTEXT_INLINE : UNICAST_INLINE)[dam]!;
  if (!need(dstLength)) return truncated();
  const inline = bytes.subarray(p, p + dstLength);
  const dst = m
    ? multicastAddress(!!dac, dam, inline, contexts[dci])
    : unicastAddress(!!dac, dam, inline, link.dst, contexts[dci], false);
  if (!dst.ok) return dst;
  p += dstLength;
  return ok({
    fields: { trafficClass, flowLabel, nextHeader, hopLimit, src: src.value, dst: dst.value },
    end: p,
  });
}
