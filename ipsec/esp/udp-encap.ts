/**
 * UDP encapsulation of ESP (RFC 3948) on the NAT-T port.
 *
 * Receive order for a datagram on the NAT-T port (classifyNatTDatagram):
 *   1. a single 0xFF byte             -> NAT-keepalive, discard (§2.3)
 *   2. first 4 bytes zero             -> IKE, after the non-ESP marker (§2.2)
 *   3. otherwise, at least 8 bytes    -> ESP: the first 4 bytes are the (non-zero) SPI (§2.1)
 * Send: ESP packets go out as the UDP payload unchanged; IKE messages get the marker
 * (addNonEspMarker); keepalives are natKeepalive().
 *
 * Transport mode behind a NAT (§3.1.2): after decapsulation the inner TCP/UDP checksum
 * covers the peer's original addresses; fixTransportChecksum makes it valid for the
 * addresses the packet is delivered with (incrementally, by full recomputation, or by
 * zeroing an IPv4 UDP checksum).
 */
import { adjustChecksum } from '../packet/checksum.js';
import { type PacketError, packetError } from '../packet/errors.js';
import { IpProto } from '../packet/proto.js';
import { transportChecksum, UDP_CHECKSUM_OFFSET } from '../packet/udp.js';
import { readU16, readU32, writeU16 } from '../packet/wire.js';
import { err, ok, type Result } from '../result.js';
import { concatBytes } from '../util/bytes.js';

/** The NAT-T port IKE floats to and ESP-in-UDP uses (RFC 3947 §4, RFC 7296 §2.23). */
export const NAT_T_PORT = 4500;
/** RFC 3948 §2.2: four zero bytes where an ESP SPI would be. */
export const NON_ESP_MARKER_LENGTH = 4;
/** RFC 3948 §2.3: the NAT-keepalive payload is one byte, 0xFF. */
export const NAT_KEEPALIVE_BYTE = 0xff;
/** RFC 3948 §4: keepalives SHOULD go out every 20 seconds by default. */
export const NAT_KEEPALIVE_INTERVAL_MS = 20_000;
const ESP_MIN_HEADER = 8; // SPI | Sequence Number (RFC 3948 §2.1, RFC 4303 §2)

export type NatTDatagram =
  | { readonly kind: 'keepalive' }
  | { readonly kind: 'ike'; readonly message: Uint8Array }
  | { readonly kind: 'esp'; readonly spi: number; readonly packet: Uint8Array };

export interface NatTError {
  readonly code: 'malformed';
  readonly message: string;
}

/** Sorts a UDP payload received on the NAT-T port. Views, no copies. */
export function classifyNatTDatagram(datagram: Uint8Array): Result<NatTDatagram, NatTError> {
  if (datagram.length === 1 && datagram[0] === NAT_KEEPALIVE_BYTE) return ok({ kind: 'keepalive' }); // §2.3
  if (datagram.length < NON_ESP_MARKER_LENGTH)
    return err({ code: 'malformed', message: `${datagram.length}-byte datagram on the NAT-T port` });
  const spi = readU32(datagram, 0);
  if (spi === 0) return ok({ kind: 'ike', message: datagram.subarray(NON_ESP_MARKER_LENGTH) }); // §2.2
  if (datagram.length < ESP_MIN_HEADER)
    return err({
      code: 'malformed',
      message: `ESP packet of ${datagram.length} bytes has no sequence number`,
    });
  return ok({ kind: 'esp', spi, packet: datagram });
}

/** Non-ESP marker | IKE message (RFC 3948 §2.2), for IKE sent on the NAT-T port. */
export function addNonEspMarker(ikeMessage: Uint8Array): Uint8Array {
  const out = new Uint8Array(NON_ESP_MARKER_LENGTH + ikeMessage.length);
  out.set(ikeMessage, NON_ESP_MARKER_LENGTH);
  return out;
}

/** The IKE message after the marker, or an error if the datagram does not start with one. */
export function stripNonEspMarker(datagram: Uint8Array): Result<Uint8Array, NatTError> {
  if (datagram.length < NON_ESP_MARKER_LENGTH || readU32(datagram, 0) !== 0)
    return err({ code: 'malformed', message: 'no non-ESP marker' });
  return ok(datagram.subarray(NON_ESP_MARKER_LENGTH));
}

/** A fresh NAT-keepalive payload (RFC 3948 §2.3). */
export const natKeepalive = (): Uint8Array => Uint8Array.of(NAT_KEEPALIVE_BYTE);

export interface AddressPair {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

/**
 * How to repair the inner checksum after transport-mode decapsulation behind a NAT
 * (RFC 3948 §3.1.2, the receiver may combine these):
 * - 'incremental': the peer's original addresses are known (IKEv1 NAT-OA, RFC 3947 §5.2; in
 *   IKEv2 the traffic selectors, RFC 7296 §2.23.1): replace them by the delivered ones in the
 *   checksum (RFC 1624);
 * - 'recompute': compute the checksum afresh over the delivered addresses;
 * - 'zero-udp': set an IPv4 UDP checksum to zero ("not computed", RFC 768); not allowed for
 *   IPv6 (RFC 8200 §8.1). The ESP ICV already protected the segment.
 */
export type TransportChecksumFix =
  | { readonly kind: 'incremental'; readonly original: AddressPair }
  | { readonly kind: 'recompute' }
  | { readonly kind: 'zero-udp' };

/** Offset of the checksum field in the upper-layer header, for protocols with a pseudo-header. */
function checksumOffset(protocol: number): number | undefined {
  switch (protocol) {
    case IpProto.TCP:
      return 16; // RFC 9293 §3.1
    case IpProto.UDP:
      return UDP_CHECKSUM_OFFSET; // RFC 768
    case IpProto.ICMPV6:
      return 2; // RFC 4443 §2.1
    default:
      return undefined;
  }
}

/**
 * Returns a copy of the transport-mode `segment` (TCP, UDP or ICMPv6) whose checksum is
 * valid for `delivered` (the addresses the packet is handed to the stack with). Other
 * protocols carry no address-dependent checksum and are returned as they are.
 */
export function fixTransportChecksum(
  segment: Uint8Array,
  protocol: number,
  delivered: AddressPair,
  fix: TransportChecksumFix,
): Result<Uint8Array, PacketError> {
  const offset = checksumOffset(protocol);
  if (offset === undefined) return ok(segment);
  if (segment.length < offset + 2)
    return err(packetError('truncated', `protocol ${protocol} header truncated`));
  const v4 = delivered.src.length === 4;
  const udp = protocol === IpProto.UDP;
  const out = segment.slice();
  const current = readU16(out, offset);
  switch (fix.kind) {
    case 'zero-udp':
      if (!udp || !v4) return err(packetError('unsupported', 'only an IPv4 UDP checksum may be zero'));
      writeU16(out, offset, 0);
      return ok(out);
    case 'recompute': {
      writeU16(out, offset, 0);
      const sum = transportChecksum(delivered.src, delivered.dst, protocol, out);
      writeU16(out, offset, udp && sum === 0 ? 0xffff : sum); // RFC 768: a computed zero is sent as ones
      return ok(out);
    }
    case 'incremental': {
      const { original } = fix;
      if (original.src.length !== delivered.src.length || original.dst.length !== delivered.dst.length)
        return err(packetError('unsupported', 'address families differ'));
      if (udp && v4 && current === 0) return ok(out); // no checksum was sent: nothing to fix
      const before = concatBytes(original.src, original.dst);
      const after = concatBytes(delivered.src, delivered.dst);
      const sum = adjustChecksum(current, before, after);
      writeU16(out, offset, udp && sum === 0 ? 0xffff : sum);
      return ok(out);
    }
  }
}
