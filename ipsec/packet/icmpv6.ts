/**
 * ICMPv6 (RFC 4443): decode with the pseudo-header checksum (§2.3, RFC 8200 §8.1) and echo
 * request/reply build (§4.1, §4.2). Shares the message shape with ICMPv4 (icmp.ts).
 */
import { err, ok, type Result } from '../result.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { type PacketError, packetError } from './errors.js';
import { ICMP_HEADER_LENGTH, type IcmpEcho, type IcmpMessage } from './icmp.js';
import { IpProto } from './proto.js';
import { readU16, writeU16 } from './wire.js';

export const Icmpv6Type = {
  DEST_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
} as const;

const checksumOf = (src: Uint8Array, dst: Uint8Array, message: Uint8Array): number =>
  internetChecksum(message, 0, message.length, pseudoHeaderSum(src, dst, IpProto.ICMPV6, message.length));

export function decodeIcmpv6(
  src: Uint8Array,
  dst: Uint8Array,
  message: Uint8Array,
  verifyChecksum = true,
): Result<IcmpMessage, PacketError> {
  if (message.length < ICMP_HEADER_LENGTH)
    return err(packetError('truncated', `ICMPv6 header needs 8 bytes, got ${message.length}`));
  if (verifyChecksum && checksumOf(src, dst, message) !== 0)
    return err(packetError('checksum', 'ICMPv6 checksum does not verify'));
  return ok({
    type: message[0]!,
    code: message[1]!,
    checksum: readU16(message, 2),
    rest: message.subarray(4, 8),
    body: message.subarray(ICMP_HEADER_LENGTH),
  });
}

export function buildIcmpv6Echo(
  src: Uint8Array,
  dst: Uint8Array,
  type: number,
  echo: IcmpEcho,
  code = 0,
): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LENGTH + echo.data.length);
  out[0] = type;
  out[1] = code;
  writeU16(out, 4, echo.identifier);
  writeU16(out, 6, echo.sequence);
  out.set(echo.data, ICMP_HEADER_LENGTH);
  writeU16(out, 2, checksumOf(src, dst, out)); // RFC 4443 §2.3
  return out;
}
