/**
 * ICMP for IPv4 (RFC 792): decode with checksum check, and echo request/reply build.
 * The checksum covers the ICMP message only (no pseudo-header).
 */
import { err, ok, type Result } from '../result.js';
import { internetChecksum } from './checksum.js';
import { type PacketError, packetError } from './errors.js';
import { readU16, writeU16 } from './wire.js';

export const IcmpType = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
} as const;

export const ICMP_HEADER_LENGTH = 8; // type, code, checksum, 4 bytes of "rest of header"

export interface IcmpMessage {
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  /** The 4 bytes after the checksum (identifier | sequence number for echo). */
  readonly rest: Uint8Array;
  readonly body: Uint8Array;
}

export interface IcmpEcho {
  readonly identifier: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

export function decodeIcmp(message: Uint8Array, verifyChecksum = true): Result<IcmpMessage, PacketError> {
  if (message.length < ICMP_HEADER_LENGTH)
    return err(packetError('truncated', `ICMP header needs 8 bytes, got ${message.length}`));
  if (verifyChecksum && internetChecksum(message) !== 0)
    return err(packetError('checksum', 'ICMP checksum does not verify'));
  return ok({
    type: message[0]!,
    code: message[1]!,
    checksum: readU16(message, 2),
    rest: message.subarray(4, 8),
    body: message.subarray(ICMP_HEADER_LENGTH),
  });
}

/** The echo fields of an Echo or Echo Reply message (RFC 792 p.14), from its header bytes. */
export function echoFields(m: IcmpMessage): IcmpEcho {
  return { identifier: readU16(m.rest, 0), sequence: readU16(m.rest, 2), data: m.body };
}

/** Type | code | checksum | identifier | sequence | data, checksum computed (RFC 792). */
export function buildIcmpEcho(type: number, echo: IcmpEcho, code = 0): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LENGTH + echo.data.length);
  out[0] = type;
  out[1] = code;
  writeU16(out, 4, echo.identifier);
  writeU16(out, 6, echo.sequence);
  out.set(echo.data, ICMP_HEADER_LENGTH);
  writeU16(out, 2, internetChecksum(out));
  return out;
}
