/**
 * VICI packets and their transport framing (strongSwan's src/libcharon/plugins/vici/README.md,
 * "Transport protocol" and "Packet layer"). Pure: no node: imports.
 *
 * Transport: a stream of segments, each a 32-bit big-endian length (of the data only) and the
 * data; charon refuses segments over 512 KiB.
 * Packet: the first octet of a segment is the packet type; named types then carry a 1-octet name
 * length and the name; CMD_REQUEST, CMD_RESPONSE and EVENT carry a message (./message.ts) in the
 * rest of the segment, the other types nothing:
 *
 *   CMD_REQUEST = 0       name, message   a command (client -> server)
 *   CMD_RESPONSE = 1      message         its answer
 *   CMD_UNKNOWN = 2                       no such command
 *   EVENT_REGISTER = 3    name            register for an event (client -> server)
 *   EVENT_UNREGISTER = 4  name
 *   EVENT_CONFIRM = 5                     (un)registration done
 *   EVENT_UNKNOWN = 6                     no such event
 *   EVENT = 7             name, message   an event (server -> client)
 *
 * There is no sequence number: one command at a time per connection, events in between.
 */
import { err, ok, type Result } from '../../../ipsec/result.js';
import {
  decodeMessage,
  encodeMessage,
  VICI_NAME_MAX,
  type ViciDecodeError,
  ViciEncodeError,
  type ViciSection,
} from './message.js';

export const ViciPacketType = {
  CMD_REQUEST: 0,
  CMD_RESPONSE: 1,
  CMD_UNKNOWN: 2,
  EVENT_REGISTER: 3,
  EVENT_UNREGISTER: 4,
  EVENT_CONFIRM: 5,
  EVENT_UNKNOWN: 6,
  EVENT: 7,
} as const;

export type ViciPacket =
  | { readonly type: 'cmd-request'; readonly name: string; readonly message: ViciSection }
  | { readonly type: 'cmd-response'; readonly message: ViciSection }
  | { readonly type: 'cmd-unknown' }
  | { readonly type: 'event-register'; readonly name: string }
  | { readonly type: 'event-unregister'; readonly name: string }
  | { readonly type: 'event-confirm' }
  | { readonly type: 'event-unknown' }
  | { readonly type: 'event'; readonly name: string; readonly message: ViciSection };

/** charon's limit on a segment (VICI_MESSAGE_SIZE_MAX). */
export const VICI_SEGMENT_MAX = 512 * 1024;

export type ViciPacketErrorCode =
  | 'EMPTY' // a segment with no packet type
  | 'UNKNOWN_PACKET' // a packet type other than 0..7
  | 'TRUNCATED' // the name runs past the end
  | 'TRAILING' // octets after a packet that carries no message
  | 'BAD_NAME' // a name that is not UTF-8
  | 'BAD_MESSAGE' // the message does not decode (see `cause`)
  | 'SEGMENT_TOO_LARGE'; // a length header over the limit (the stream cannot be resynchronised)

export interface ViciPacketError {
  readonly code: ViciPacketErrorCode;
  /** Octet offset in the segment (in the stream for SEGMENT_TOO_LARGE). */
  readonly offset: number;
  readonly message: string;
  /** For BAD_MESSAGE: the message's own error (its offset counts from the message's start). */
  readonly cause?: ViciDecodeError;
}

const encoder = new TextEncoder();
const nameDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const typeOctet: Record<ViciPacket['type'], number> = {
  'cmd-request': ViciPacketType.CMD_REQUEST,
  'cmd-response': ViciPacketType.CMD_RESPONSE,
  'cmd-unknown': ViciPacketType.CMD_UNKNOWN,
  'event-register': ViciPacketType.EVENT_REGISTER,
  'event-unregister': ViciPacketType.EVENT_UNREGISTER,
  'event-confirm': ViciPacketType.EVENT_CONFIRM,
  'event-unknown': ViciPacketType.EVENT_UNKNOWN,
  event: ViciPacketType.EVENT,
};

/** Encodes a packet: the segment's data, without the length header (see frameSegment). */
export function encodePacket(p: ViciPacket): Uint8Array {
  const name = 'name' in p ? encoder.encode(p.name) : undefined;
  if (name && name.length > VICI_NAME_MAX)
    throw new ViciEncodeError(`packet name of ${name.length} octets (at most ${VICI_NAME_MAX})`);
  const message = 'message' in p ? encodeMessage(p.message) : undefined;
  const out = new Uint8Array(1 + (name ? 1 + name.length : 0) + (message?.length ?? 0));
  out[0] = typeOctet[p.type];
  let i = 1;
  if (name) {
    out[i++] = name.length;
    out.set(name, i);
    i += name.length;
  }
  if (message) out.set(message, i);
  return out;
}

/** A segment with its 32-bit big-endian length header. */
export function frameSegment(data: Uint8Array): Uint8Array {
  if (data.length > VICI_SEGMENT_MAX)
    throw new ViciEncodeError(`segment of ${data.length} octets (at most ${VICI_SEGMENT_MAX})`);
  const out = new Uint8Array(4 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(data, 4);
  return out;
}

/** encodePacket + frameSegment: what goes on the stream. */
export function encodeFrame(p: ViciPacket): Uint8Array {
  return frameSegment(encodePacket(p));
}

const packetError = (code: ViciPacketErrorCode, offset: number, message: string): ViciPacketError => ({
  code,
  offset,
  message,
});

/** Decodes one segment's data as a packet. */
export function decodePacket(data: Uint8Array): Result<ViciPacket, ViciPacketError> {
  if (data.length === 0) return err(packetError('EMPTY', 0, 'empty segment'));
  const type = data[0]!;
  const named =
    type === ViciPacketType.CMD_REQUEST ||
    type === ViciPacketType.EVENT_REGISTER ||
    type === ViciPacketType.EVENT_UNREGISTER ||
    type === ViciPacketType.EVENT;
  if (type > ViciPacketType.EVENT)
    return err(packetError('UNKNOWN_PACKET', 0, `unknown packet type ${type}`));
  let i = 1;
  let name = '';
  if (named) {
    if (data.length < 2) return err(packetError('TRUNCATED', 1, 'name length missing'));
    const n = data[1]!;
    if (2 + n > data.length) return err(packetError('TRUNCATED', 1, `name of ${n} octets runs past the end`));
    try {
      name = nameDecoder.decode(data.subarray(2, 2 + n));
    } catch {
      return err(packetError('BAD_NAME', 2, 'packet name is not UTF-8'));
    }
    i = 2 + n;
  }
  const withMessage =
    type === ViciPacketType.CMD_REQUEST ||
    type === ViciPacketType.CMD_RESPONSE ||
    type === ViciPacketType.EVENT;
  if (!withMessage) {
    if (i !== data.length)
      return err(packetError('TRAILING', i, `${data.length - i} octets after a packet of type ${type}`));
    switch (type) {
      case ViciPacketType.CMD_UNKNOWN:
        return ok({ type: 'cmd-unknown' });
      case ViciPacketType.EVENT_REGISTER:
        return ok({ type: 'event-register', name });
      case ViciPacketType.EVENT_UNREGISTER:
        return ok({ type: 'event-unregister', name });
      case ViciPacketType.EVENT_CONFIRM:
        return ok({ type: 'event-confirm' });
      default:
        return ok({ type: 'event-unknown' });
    }
  }
  const m = decodeMessage(data.subarray(i));
  if (!m.ok)
    return err({
      code: 'BAD_MESSAGE',
      offset: i + m.error.offset,
      message: `message: ${m.error.message}`,
      cause: m.error,
    });
  if (type === ViciPacketType.CMD_REQUEST) return ok({ type: 'cmd-request', name, message: m.value });
  if (type === ViciPacketType.EVENT) return ok({ type: 'event', name, message: m.value });
  return ok({ type: 'cmd-response', message: m.value });
}

/**
 * Cuts a byte stream into segments: push() what the socket delivered, get the complete segments'
 * data back (in order; chunks may split anywhere, headers included). A length header over
 * `maxSegment` is an error the stream cannot recover from (close the connection).
 */
export class ViciSegmentReader {
  private buf = new Uint8Array(0);
  private consumed = 0;
  private failed: ViciPacketError | undefined;

  constructor(private readonly maxSegment = VICI_SEGMENT_MAX) {}

  push(chunk: Uint8Array): Result<Uint8Array[], ViciPacketError> {
    if (this.failed) return err(this.failed);
    const next = new Uint8Array(this.buf.length + chunk.length);
    next.set(this.buf);
    next.set(chunk, this.buf.length);
    const segments: Uint8Array[] = [];
    let i = 0;
    while (next.length - i >= 4) {
      const n = ((next[i]! << 24) | (next[i + 1]! << 16) | (next[i + 2]! << 8) | next[i + 3]!) >>> 0;
      if (n > this.maxSegment) {
        this.failed = packetError(
          'SEGMENT_TOO_LARGE',
          this.consumed + i,
          `segment of ${n} octets (at most ${this.maxSegment})`,
        );
        return err(this.failed);
      }
      if (next.length - i - 4 < n) break;
      segments.push(next.slice(i + 4, i + 4 + n));
      i += 4 + n;
    }
    this.buf = next.slice(i);
    this.consumed += i;
    return ok(segments);
  }

  /** Octets of an incomplete segment waiting for more input. */
  get pending(): number {
    return this.buf.length;
  }
}
