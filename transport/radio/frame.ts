/**
 * The IEEE 802.15.4-2006 MAC frames the simulated Wismote radio puts on the air (§7.2):
 *
 *   data frame  = frame control (2) | sequence number (1) | dest PAN (2) | dest addr (2) |
 *                 src addr (2) | MAC payload (0..116) | FCS (2)
 *                 short (16-bit) addresses, PAN ID compression (the source PAN is the
 *                 destination PAN and is elided), no security: a 9-octet MHR, as Contiki sends.
 *   ack frame   = frame control (2) | sequence number (1) | FCS (2)                (§7.2.2.3)
 *
 * Multi-octet fields are little-endian (§7.2). The FCS is the ITU-T CRC-16 of the MHR and the
 * payload (§7.2.1.9). The decoder is total: malformed input yields a typed FrameError.
 */
import { err, ok, type Result } from '../../ipsec/result.js';
import {
  ADDR_MODE_NONE,
  ADDR_MODE_SHORT,
  aMaxPHYPacketSize,
  FCS_OCTETS,
  FRAME_CONTROL_OCTETS,
  FRAME_TYPE_ACK,
  FRAME_TYPE_DATA,
  FRAME_VERSION_2003,
  FRAME_VERSION_2006,
  SEQUENCE_NUMBER_OCTETS,
} from './constants.js';
import { BROADCAST_ADDRESS, type ShortAddress } from './types.js';

/** MHR of our data frames: FC 2 + seq 1 + dest PAN 2 + dest addr 2 + src addr 2 (§7.2.2.2). */
export const DATA_MHR_OCTETS = FRAME_CONTROL_OCTETS + SEQUENCE_NUMBER_OCTETS + 2 + 2 + 2;
/** Largest MAC payload in one data frame: 127 - 9 - 2 = 116 octets. */
export const MAX_MAC_PAYLOAD = aMaxPHYPacketSize - DATA_MHR_OCTETS - FCS_OCTETS;
/** An acknowledgment MPDU: FC 2 + seq 1 + FCS 2 = 5 octets (§7.2.2.3). */
export const ACK_MPDU_OCTETS = FRAME_CONTROL_OCTETS + SEQUENCE_NUMBER_OCTETS + FCS_OCTETS;

/** The PAN the simulated motes share (Contiki's IEEE802154_CONF_PANID default). */
export const DEFAULT_PAN_ID = 0xabcd;

/** Frame control subfields (§7.2.1.1, Figure 42: bit positions). */
const FC_FRAME_TYPE_MASK = 0x0007; // b0-b2 (§7.2.1.1.1)
const FC_SECURITY_ENABLED = 1 << 3; // §7.2.1.1.2
const FC_FRAME_PENDING = 1 << 4; // §7.2.1.1.3
const FC_ACK_REQUEST = 1 << 5; // §7.2.1.1.4
const FC_PAN_ID_COMPRESSION = 1 << 6; // §7.2.1.1.5
const FC_DEST_ADDR_MODE_SHIFT = 10; // b10-b11 (§7.2.1.1.6)
const FC_FRAME_VERSION_SHIFT = 12; // b12-b13 (§7.2.1.1.7)
const FC_SRC_ADDR_MODE_SHIFT = 14; // b14-b15 (§7.2.1.1.8)

export interface DataFrame {
  readonly kind: 'data';
  readonly sequenceNumber: number;
  readonly panId: number;
  readonly dst: ShortAddress;
  readonly src: ShortAddress;
  /** Set on unicast frames; a broadcast frame never requests an ACK (§7.5.6.4). */
  readonly ackRequest: boolean;
  readonly framePending: boolean;
  readonly payload: Uint8Array;
}

export interface AckFrame {
  readonly kind: 'ack';
  readonly sequenceNumber: number;
  readonly framePending: boolean;
}

export type MacFrame = DataFrame | AckFrame;

export type FrameErrorCode =
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'BAD_FCS'
  | 'UNSUPPORTED_FRAME_TYPE'
  | 'UNSUPPORTED_SECURITY'
  | 'UNSUPPORTED_ADDRESSING'
  | 'BAD_LENGTH';

export interface FrameError {
  readonly code: FrameErrorCode;
  readonly message: string;
}

const fail = (code: FrameErrorCode, message: string) => err<FrameError>({ code, message });

/**
 * The FCS: CRC-16 with G(x) = x^16 + x^12 + x^5 + 1, remainder initialised to 0, bits taken
 * least significant first (§7.2.1.9), i.e. the reflected polynomial 0x8408 ("CRC-16/KERMIT").
 * §7.2.1.9's example: the ack MHR 0x02 0x00 0x6a gives 0x79e4, sent as 0xe4 0x79.
 */
export function fcs(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}

function putFcs(out: Uint8Array): Uint8Array {
  const crc = fcs(out, 0, out.length - FCS_OCTETS);
  out[out.length - 2] = crc & 0xff; // r0..r7 first in time (§7.2.1.9)
  out[out.length - 1] = crc >>> 8;
  return out;
}

function checkU16(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${name} ${v} is not a 16-bit value`);
}

/**
 * Encodes a data frame. Throws on a programming error (payload over MAX_MAC_PAYLOAD, field out
 * of range), like RadioInterface.send. `ackRequest` defaults to "unicast" (dst not broadcast).
 */
export function encodeDataFrame(f: {
  readonly sequenceNumber: number;
  readonly panId?: number;
  readonly dst: ShortAddress;
  readonly src: ShortAddress;
  readonly ackRequest?: boolean;
  readonly framePending?: boolean;
  readonly payload: Uint8Array;
}): Uint8Array {
  const panId = f.panId ?? DEFAULT_PAN_ID;
  checkU16('PAN ID', panId);
  checkU16('destination address', f.dst);
  checkU16('source address', f.src);
  if (!Number.isInteger(f.sequenceNumber) || f.sequenceNumber < 0 || f.sequenceNumber > 0xff)
    throw new RangeError(`sequence number ${f.sequenceNumber} is not an octet`);
  if (f.payload.length > MAX_MAC_PAYLOAD)
    throw new RangeError(`MAC payload of ${f.payload.length} octets exceeds ${MAX_MAC_PAYLOAD}`);
  const ackRequest = f.ackRequest ?? f.dst !== BROADCAST_ADDRESS;
  const fc =
    FRAME_TYPE_DATA |
    (f.framePending ? FC_FRAME_PENDING : 0) |
    (ackRequest ? FC_ACK_REQUEST : 0) |
    FC_PAN_ID_COMPRESSION |
    (ADDR_MODE_SHORT << FC_DEST_ADDR_MODE_SHIFT) |
    (FRAME_VERSION_2003 << FC_FRAME_VERSION_SHIFT) | // as Contiki: 2003-compatible (§7.2.1.1.7)
    (ADDR_MODE_SHORT << FC_SRC_ADDR_MODE_SHIFT);
  const out = new Uint8Array(DATA_MHR_OCTETS + f.payload.length + FCS_OCTETS);
  out[0] = fc & 0xff;
  out[1] = fc >>> 8;
  out[2] = f.sequenceNumber; // §7.2.1.2
  out[3] = panId & 0xff; // §7.2.1.3
  out[4] = panId >>> 8;
  out[5] = f.dst & 0xff; // §7.2.1.4
  out[6] = f.dst >>> 8;
  out[7] = f.src & 0xff; // §7.2.1.6 (source PAN elided: PAN ID compression, §7.2.1.1.5)
  out[8] = f.src >>> 8;
  out.set(f.payload, DATA_MHR_OCTETS);
  return putFcs(out);
}

/** Encodes an acknowledgment frame (§7.2.2.3). */
export function encodeAckFrame(sequenceNumber: number, framePending = false): Uint8Array {
  if (!Number.isInteger(sequenceNumber) || sequenceNumber < 0 || sequenceNumber > 0xff)
    throw new RangeError(`sequence number ${sequenceNumber} is not an octet`);
  const fc = FRAME_TYPE_ACK | (framePending ? FC_FRAME_PENDING : 0);
  const out = new Uint8Array(ACK_MPDU_OCTETS);
  out[0] = fc & 0xff;
  out[1] = fc >>> 8;
  out[2] = sequenceNumber;
  return putFcs(out);
}

export function encodeFrame(f: MacFrame): Uint8Array {
  return f.kind === 'ack' ? encodeAckFrame(f.sequenceNumber, f.framePending) : encodeDataFrame(f);
}

/**
 * Decodes one MPDU (the PSDU, FCS included). Checks, in order: length within 5..127, the FCS,
 * the frame type (data or ack), then the fields this MAC supports. Never throws.
 */
export function decodeFrame(mpdu: Uint8Array): Result<MacFrame, FrameError> {
  if (mpdu.length < ACK_MPDU_OCTETS) return fail('TOO_SHORT', `${mpdu.length} octets is below an ack frame`);
  if (mpdu.length > aMaxPHYPacketSize)
    return fail('TOO_LONG', `${mpdu.length} octets exceeds aMaxPHYPacketSize ${aMaxPHYPacketSize}`);
  const body = mpdu.length - FCS_OCTETS;
  const received = mpdu[body]! | (mpdu[body + 1]! << 8);
  if (fcs(mpdu, 0, body) !== received) return fail('BAD_FCS', 'frame check sequence mismatch');
  const fc = mpdu[0]! | (mpdu[1]! << 8);
  const type = fc & FC_FRAME_TYPE_MASK;
  const version = (fc >>> FC_FRAME_VERSION_SHIFT) & 3;
  if (version !== FRAME_VERSION_2003 && version !== FRAME_VERSION_2006)
    return fail('UNSUPPORTED_FRAME_TYPE', `frame version ${version} is reserved`);
  if (fc & FC_SECURITY_ENABLED) return fail('UNSUPPORTED_SECURITY', 'MAC security is not supported');
  const framePending = (fc & FC_FRAME_PENDING) !== 0;
  const sequenceNumber = mpdu[2]!;
  if (type === FRAME_TYPE_ACK) {
    // §7.2.2.3: an ack has no addressing fields.
    const dm = (fc >>> FC_DEST_ADDR_MODE_SHIFT) & 3;
    const sm = (fc >>> FC_SRC_ADDR_MODE_SHIFT) & 3;
    if (dm !== ADDR_MODE_NONE || sm !== ADDR_MODE_NONE)
      return fail('UNSUPPORTED_ADDRESSING', 'an ack frame carries no addresses');
    if (mpdu.length !== ACK_MPDU_OCTETS)
      return fail('BAD_LENGTH', `an ack frame is ${ACK_MPDU_OCTETS} octets, not ${mpdu.length}`);
    return ok({ kind: 'ack', sequenceNumber, framePending });
  }
  if (type !== FRAME_TYPE_DATA)
    return fail('UNSUPPORTED_FRAME_TYPE', `frame type ${type} is not data or ack`);
  if (
    ((fc >>> FC_DEST_ADDR_MODE_SHIFT) & 3) !== ADDR_MODE_SHORT ||
    ((fc >>> FC_SRC_ADDR_MODE_SHIFT) & 3) !== ADDR_MODE_SHORT ||
    (fc & FC_PAN_ID_COMPRESSION) === 0
  )
    return fail('UNSUPPORTED_ADDRESSING', 'only short addresses with PAN ID compression are supported');
  if (mpdu.length < DATA_MHR_OCTETS + FCS_OCTETS)
    return fail('TOO_SHORT', `${mpdu.length} octets is below a data frame's MHR and FCS`);
  const dst = mpdu[5]! | (mpdu[6]! << 8);
  const ackRequest = (fc & FC_ACK_REQUEST) !== 0;
  if (ackRequest && dst === BROADCAST_ADDRESS)
    return fail('UNSUPPORTED_ADDRESSING', 'a broadcast frame must not request an ack (§7.5.6.4)');
  return ok({
    kind: 'data',
    sequenceNumber,
    panId: mpdu[3]! | (mpdu[4]! << 8),
    dst,
    src: mpdu[7]! | (mpdu[8]! << 8),
    ackRequest,
    framePending,
    payload: mpdu.slice(DATA_MHR_OCTETS, body),
  });
}
