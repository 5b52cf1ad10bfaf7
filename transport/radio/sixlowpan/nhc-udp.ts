/**
 * RFC 6282 §4.3 UDP LOWPAN_NHC: | 1 | 1 | 1 | 1 | 0 | C | P |, then the ports and the checksum
 * as far as carried inline, in UDP header order (§4.3.3). The UDP Length is always elided and
 * inferred from the lower layers. We always carry the checksum (C=0): eliding it needs the
 * upper layer's consent (§4.3.2), and without it the receiver could not detect corruption.
 */
import { err, ok, type Result } from '../../../ipsec/result.js';
import { type SixlowpanError, sixlowpanError } from './errors.js';

export const UDP_NHC_DISPATCH = 0xf0; // §4.3.3: 11110CPP
export const UDP_NHC_MASK = 0xf8;
const C_BIT = 0x04;
// §4.3.3 port compression ranges
const PORT_8BIT_BASE = 0xf000; // 0xF0xx: 8 bits inline
const PORT_4BIT_BASE = 0xf0b0; // 0xF0Bx: 4 bits inline

export interface UdpNhcFields {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly checksum: number;
}

const in8 = (port: number): boolean => (port & 0xff00) === PORT_8BIT_BASE;
const in4 = (port: number): boolean => (port & 0xfff0) === PORT_4BIT_BASE;

/** The smallest UDP NHC for these ports, checksum inline (C=0). */
export function encodeUdpNhc(u: UdpNhcFields): Uint8Array {
  const cs = [u.checksum >>> 8, u.checksum & 0xff];
  if (in4(u.srcPort) && in4(u.dstPort))
    // P=11: 0xF0B + 4 bits each, in one octet
    return Uint8Array.of(UDP_NHC_DISPATCH | 3, ((u.srcPort & 0xf) << 4) | (u.dstPort & 0xf), ...cs);
  if (in8(u.dstPort))
    // P=01: source inline, destination 0xF0 + 8 bits
    return Uint8Array.of(UDP_NHC_DISPATCH | 1, u.srcPort >>> 8, u.srcPort & 0xff, u.dstPort & 0xff, ...cs);
  if (in8(u.srcPort))
    // P=10: source 0xF0 + 8 bits, destination inline
    return Uint8Array.of(UDP_NHC_DISPATCH | 2, u.srcPort & 0xff, u.dstPort >>> 8, u.dstPort & 0xff, ...cs);
  // P=00: both inline
  return Uint8Array.of(
    UDP_NHC_DISPATCH,
    u.srcPort >>> 8,
    u.srcPort & 0xff,
    u.dstPort >>> 8,
    u.dstPort & 0xff,
    ...cs,
  );
}

/** Decodes a UDP NHC at `offset`. Total; C=1 (checksum elided) is refused as 'unsupported'. */
export function decodeUdpNhc(
  bytes: Uint8Array,
  offset: number,
): Result<UdpNhcFields & { readonly end: number }, SixlowpanError> {
  if (offset >= bytes.length) return err(sixlowpanError('truncated', 'UDP NHC missing'));
  const b = bytes[offset]!;
  if ((b & UDP_NHC_MASK) !== UDP_NHC_DISPATCH)
    return err(sixlowpanError('unsupported', `LOWPAN_NHC 0x${b.toString(16)} is not UDP`));
  // Deviation: a checksum elided by the peer (C=1) would have to be recomputed here, which would
  // hide any corruption from the receiver; we never elide it and refuse datagrams that do.
  if (b & C_BIT) return err(sixlowpanError('unsupported', 'UDP NHC with elided checksum (C=1)'));
  const p = b & 3;
  const portsLength = [4, 3, 3, 1][p]!;
  let q = offset + 1;
  if (q + portsLength + 2 > bytes.length) return err(sixlowpanError('truncated', 'UDP NHC truncated'));
  let srcPort: number;
  let dstPort: number;
  if (p === 0) {
    srcPort = (bytes[q]! << 8) | bytes[q + 1]!;
    dstPort = (bytes[q + 2]! << 8) | bytes[q + 3]!;
  } else if (p === 1) {
    srcPort = (bytes[q]! << 8) | bytes[q + 1]!;
    dstPort = PORT_8BIT_BASE | bytes[q + 2]!;
  } else if (p === 2) {
    srcPort = PORT_8BIT_BASE | bytes[q]!;
    dstPort = (bytes[q + 1]! << 8) | bytes[q + 2]!;
  } else {
    srcPort = PORT_4BIT_BASE | (bytes[q]! >>> 4);
    dstPort = PORT_4BIT_BASE | (bytes[q]! & 0xf);
  }
  q += portsLength;
  const checksum = (bytes[q]! << 8) | bytes[q + 1]!;
  return ok({ srcPort, dstPort, checksum, end: q + 2 });
}
