/**
 * Receive-side TCP coalescing ("GRO" in software): consecutive in-order data segments of one
 * TCP connection, as they come out of ESP, become one large packet plus the instructions to
 * split it again (segment size, header length, where the TCP checksum starts), the
 * generic-segmentation-offload description a Linux TUN device takes with IFF_VNET_HDR. The
 * host's TCP then processes one packet where it would process dozens: on the receiving side of
 * a transfer through the TUN device, the host stack's per-packet work in write() was the
 * daemon's largest cost (bench:tun).
 *
 * The rules are those of Linux's own TCP GRO (tcp_gro_receive): only segments whose flags are
 * ACK (PSH allowed, and then it ends the group), with data, no IP options or extension
 * headers, not fragments, the same addresses, ports, IP fields (TOS / traffic class, TTL / hop
 * limit, DF, flow label), the same acknowledgement number, window and TCP options byte for
 * byte; each one starting where the group ends (RFC 9293 §3.4 sequence numbers); all of the
 * first one's size except a shorter last one. Anything else of a connection ends that
 * connection's group, so a segment never moves past another packet of its connection.
 *
 * A merged packet carries the first segment's headers with the total length (IPv4, header
 * checksum recomputed) or payload length (IPv6) of the whole, the PSH of its last segment, and
 * in the TCP checksum field the folded pseudo-header sum (the partial checksum a segmentation
 * offload completes: CHECKSUM_PARTIAL). Single segments and everything else pass unchanged.
 * The segments' own TCP checksums are not verified here (nor then by the host, which trusts a
 * partial checksum): their bytes came out of ESP, whose integrity check covered them.
 */
import { foldSum, internetChecksum, onesComplementSum } from './checksum.js';

/** Spec constants: IP protocol number of TCP (RFC 9293), TCP flag bits (RFC 9293 §3.1). */
const IPPROTO_TCP = 6;
const TCP_ACK = 0x10;
const TCP_PSH = 0x08;
/** IPv4 flags/fragment offset: MF and the 13-bit offset (RFC 791). */
const IPV4_MF_OR_OFFSET = 0x3fff;

/** Implementation limits: largest merged IP packet (IPv4's total length field), open groups. */
export const COALESCE_MAX_BYTES = 65535;
const MAX_OPEN_GROUPS = 16;

/** How to split a merged packet (virtio_net_hdr's GSO fields in TUN terms). */
export interface Segmentation {
  readonly ipv6: boolean;
  /** Payload bytes per segment (the MSS of the group: its first segment's size). */
  readonly segmentSize: number;
  /** IP + TCP header bytes. */
  readonly headerLength: number;
  /** Where the TCP header (and the checksum's coverage) starts. */
  readonly checksumStart: number;
  /** Segments merged. */
  readonly segments: number;
}

export interface Coalesced {
  readonly packet: Uint8Array;
  readonly segmentation?: Segmentation;
}

interface Segment {
  readonly packet: Uint8Array;
  readonly ipv6: boolean;
  readonly ipHeader: number;
  readonly tcpHeader: number;
  readonly payload: number;
  readonly seq: number;
  readonly flags: number;
  /** Whether it may join a group (ACK/PSH with data); else it only ends its connection's group. */
  readonly mergeable: boolean;
}

interface Group {
  readonly first: Segment;
  readonly members: Segment[];
  nextSeq: number;
  bytes: number;
  closed: boolean;
}

/** The TCP segment in `p`, or undefined if `p` is no plain TCP packet. */
function parse(p: Uint8Array): Segment | undefined {
  if (p.length < 20) return undefined;
  const version = p[0]! >> 4;
  let ipHeader: number;
  let ipv6: boolean;
  let mergeable = true;
  if (version === 4) {
    ipHeader = (p[0]! & 0x0f) * 4;
    if (ipHeader < 20 || p[9] !== IPPROTO_TCP) return undefined;
    if (((p[2]! << 8) | p[3]!) !== p.length) return undefined;
    if (((p[6]! << 8) | p[7]!) & IPV4_MF_OR_OFFSET) return undefined;
    if (ipHeader !== 20) mergeable = false; // options
    ipv6 = false;
  } else if (version === 6) {
    ipHeader = 40;
    if (p.length < 40 || p[6] !== IPPROTO_TCP) return undefined; // extension headers: pass
    if (((p[4]! << 8) | p[5]!) + 40 !== p.length) return undefined;
    ipv6 = true;
  } else return undefined;
  if (p.length < ipHeader + 20) return undefined;
  const tcpHeader = (p[ipHeader + 12]! >> 4) * 4;
  if (tcpHeader < 20 || p.length < ipHeader + tcpHeader) return undefined;
  const flags = p[ipHeader + 13]!;
  const payload = p.length - ipHeader - tcpHeader;
  if ((flags & ~TCP_PSH) !== TCP_ACK || payload === 0) mergeable = false;
  const o = ipHeader + 4;
  const seq = ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
  return { packet: p, ipv6, ipHeader, tcpHeader, payload, seq, flags, mergeable };
}

const equalBytes = (a: Uint8Array, b: Uint8Array, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Same connection: addresses and ports. */
function sameConnection(a: Segment, b: Segment): boolean {
  if (a.ipv6 !== b.ipv6) return false;
  const [from, to] = a.ipv6 ? [8, 40] : [12, 20];
  return (
    equalBytes(a.packet, b.packet, from, to) &&
    equalBytes(a.packet.subarray(a.ipHeader, a.ipHeader + 4), b.packet.subarray(b.ipHeader), 0, 4) // ports
  );
}

/** `s` may follow the group's last segment in one merged packet (the connection matches). */
function canJoin(g: Group, s: Segment, maxBytes: number): boolean {
  const f = g.first;
  const a = f.packet;
  const b = s.packet;
  if (g.closed || !s.mergeable || s.tcpHeader !== f.tcpHeader || s.seq !== g.nextSeq) return false;
  if (s.payload > f.payload || g.bytes + s.payload > maxBytes) return false;
  if (f.ipv6) {
    // version, traffic class, flow label; hop limit
    if (!equalBytes(a, b, 0, 4) || a[7] !== b[7]) return false;
  } else if (a[1] !== b[1] || a[8] !== b[8] || (a[6]! & 0x40) !== (b[6]! & 0x40)) return false; // TOS, TTL, DF
  const t = f.ipHeader;
  // ack number (8-11), data offset and flags but PSH (12-13), window (14-15), options
  if (!equalBytes(a, b, t + 8, t + 13) || !equalBytes(a, b, t + 14, t + 16)) return false;
  return equalBytes(a, b, t + 20, t + f.tcpHeader);
}

/** Merges the group's segments into one packet (see the header comment). */
function merge(g: Group): Coalesced {
  const f = g.first;
  if (g.members.length === 1) return { packet: f.packet };
  const headerLength = f.ipHeader + f.tcpHeader;
  const out = new Uint8Array(g.bytes);
  out.set(f.packet.subarray(0, headerLength));
  let at = headerLength;
  for (const m of g.members) {
    out.set(m.packet.subarray(headerLength), at);
    at += m.payload;
  }
  const t = f.ipHeader;
  const last = g.members[g.members.length - 1]!;
  out[t + 13] = (f.flags & ~TCP_PSH) | (last.flags & TCP_PSH);
  const tcpLength = g.bytes - f.ipHeader;
  let pseudo: number;
  if (f.ipv6) {
    out[4] = tcpLength >> 8;
    out[5] = tcpLength & 0xff;
    pseudo = onesComplementSum(out, 8, 40) + IPPROTO_TCP + tcpLength; // RFC 8200 §8.1
  } else {
    out[2] = g.bytes >> 8;
    out[3] = g.bytes & 0xff;
    out[10] = 0;
    out[11] = 0;
    const ipSum = internetChecksum(out, 0, 20); // RFC 791 header checksum
    out[10] = ipSum >> 8;
    out[11] = ipSum & 0xff;
    pseudo = onesComplementSum(out, 12, 20) + IPPROTO_TCP + tcpLength; // RFC 9293 §3.1
  }
  const partial = foldSum(pseudo); // CHECKSUM_PARTIAL: the offload adds the segment and inverts
  out[t + 16] = partial >> 8;
  out[t + 17] = partial & 0xff;
  return {
    packet: out,
    segmentation: {
      ipv6: f.ipv6,
      segmentSize: f.payload,
      headerLength,
      checksumStart: t,
      segments: g.members.length,
    },
  };
}

/**
 * Coalesces `packets` (in arrival order). The result keeps every packet's bytes and, within a
 * connection, their order; merged groups take the place of their first segment.
 */
export function coalesceTcp(packets: readonly Uint8Array[], maxBytes = COALESCE_MAX_BYTES): Coalesced[] {
  const out: (Coalesced | Group)[] = [];
  const open: Group[] = [];
  const close = (i: number): void => {
    open[i]!.closed = true;
    open.splice(i, 1);
  };
  for (const p of packets) {
    const s = parse(p);
    if (!s) {
      out.push({ packet: p });
      continue;
    }
    const i = open.findIndex((g) => sameConnection(g.first, s));
    const g = i >= 0 ? open[i] : undefined;
    if (g && canJoin(g, s, maxBytes)) {
      g.members.push(s);
      g.bytes += s.payload;
      g.nextSeq = (g.nextSeq + s.payload) >>> 0;
      if (s.flags & TCP_PSH || s.payload < g.first.payload) close(i);
      continue;
    }
    if (g) close(i);
    if (!s.mergeable) {
      out.push({ packet: p });
      continue;
    }
    const group: Group = {
      first: s,
      members: [s],
      nextSeq: (s.seq + s.payload) >>> 0,
      bytes: s.packet.length,
      closed: false,
    };
    out.push(group);
    if (s.flags & TCP_PSH) group.closed = true;
    else {
      if (open.length === MAX_OPEN_GROUPS) close(0);
      open.push(group);
    }
  }
  return out.map((o) => ('members' in o ? merge(o) : o));
}
