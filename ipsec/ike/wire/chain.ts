/**
 * Payload chains (RFC 7296 §3.2): each generic payload header names the type of the next
 * payload; the chain ends at Next Payload 0, or at SK/SKF, whose Next Payload names the first
 * payload inside it (§3.14, RFC 7383 §2.5).
 */
import { err, ok, type Result } from '../../result.js';
import { PayloadType, payloadTypeName } from './constants.js';
import { EncodeError, type WireError, wireError } from './errors.js';
import { PAYLOAD_CODECS, UNKNOWN_TABLE } from './payload-tables.js';
import { type Payload, payloadTypeOf } from './payload-types.js';
import { type Rec, readTable } from './table.js';
import { ByteSink, writeStruct } from './table-writer.js';

/** Where the SK (or SKF) payload of a message starts, for sk.ts (openSk). */
export interface SkLocation {
  readonly type: typeof PayloadType.SK | typeof PayloadType.SKF;
  /** Offset of the SK generic payload header in the message. */
  readonly offset: number;
  /** SK's Next Payload field: the type of the first inner payload (0 if none). */
  readonly firstInnerPayload: number;
}

export interface ChainResult {
  readonly payloads: Payload[];
  readonly sk?: SkLocation;
}

const isSkType = (t: number): t is SkLocation['type'] => t === PayloadType.SK || t === PayloadType.SKF;

/**
 * Reads the chain starting with a payload of `firstType` at `start`, which must end exactly
 * at `end`. With `allowSk`, SK/SKF ends the chain (it must be the last payload, §3.14) and its
 * body is kept opaque; without, SK/SKF is BAD_VALUE (no SK inside SK).
 */
export function readChain(
  firstType: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  baseOffset: number,
  allowSk: boolean,
): Result<ChainResult, WireError> {
  const payloads: Payload[] = [];
  let type = firstType;
  let pos = start;
  while (type !== PayloadType.NONE) {
    const name = payloadTypeName(type);
    if (pos >= end)
      return err(wireError('TRUNCATED', name, baseOffset + pos, `${name} announced but the input ends`));
    const codec = PAYLOAD_CODECS.get(type);
    const r = readTable(codec?.table ?? UNKNOWN_TABLE, bytes, pos, end, baseOffset);
    if (!r.ok) return r.error.payload === UNKNOWN_TABLE.name ? err({ ...r.error, payload: name }) : r;
    const { nextPayload, critical, ...fields } = r.value.record as Rec & { nextPayload: number };
    if (codec === undefined) {
      // Unknown payload: critical bit set -> reject the message; clear -> skip it (§2.5).
      if (critical === 1)
        return err(
          wireError('UNSUPPORTED_CRITICAL_PAYLOAD', name, baseOffset + pos, `critical ${name}`, type),
        );
      payloads.push({ type: 'unknown', payloadType: type, body: fields.body as Uint8Array });
    } else if (isSkType(type)) {
      if (!allowSk) return err(wireError('BAD_VALUE', name, baseOffset + pos, `${name} inside SK`));
      // SK/SKF MUST be the last payload of the message (RFC 7296 §3.14, RFC 7383 §2.5).
      if (r.value.end !== end)
        return err(
          wireError('BAD_LENGTH', name, baseOffset + r.value.end, `${name} is not the last payload`),
        );
      payloads.push({ type, firstInnerPayload: nextPayload, ...fields } as Payload);
      return ok({ payloads, sk: { type, offset: baseOffset + pos, firstInnerPayload: nextPayload } });
    } else {
      payloads.push({ type, ...fields } as Payload);
    }
    pos = r.value.end;
    type = nextPayload;
  }
  if (pos !== end)
    return err(
      wireError('BAD_LENGTH', 'chain', baseOffset + pos, `${end - pos} octets after the last payload`),
    );
  return ok({ payloads });
}

/**
 * Decodes a decrypted inner payload chain (the plaintext of SK, first payload type = SK's Next
 * Payload). `baseOffset` shifts error offsets (e.g. to the SK body's place in the message).
 */
export function decodePayloadChain(
  firstType: number,
  bytes: Uint8Array,
  baseOffset = 0,
): Result<Payload[], WireError> {
  const r = readChain(firstType, bytes, 0, bytes.length, baseOffset, false);
  return r.ok ? ok(r.value.payloads) : r;
}

/** Next Payload value announcing this chain: the first payload's type, or 0 if empty. */
export const firstPayloadType = (payloads: readonly Payload[]): number =>
  payloads[0] === undefined ? PayloadType.NONE : payloadTypeOf(payloads[0]);

/** Appends the chain; the last payload's Next Payload is `nextAfterLast` (SK/SKF: its first inner type). */
export function writeChain(payloads: readonly Payload[], out: ByteSink, nextAfterLast: number): void {
  payloads.forEach((p, i) => {
    const next = payloads[i + 1];
    const path = `payload[${i}]`;
    if (p.type === 'unknown') {
      const t = p.payloadType;
      if (!Number.isInteger(t) || t < 1 || t > 0xff)
        throw new EncodeError(path, `payload type ${t} is not 1-255`);
      if (PAYLOAD_CODECS.has(t)) throw new EncodeError(path, `payload type ${t} is not unknown`);
      const rec = {
        nextPayload: next ? payloadTypeOf(next) : nextAfterLast,
        critical: 0,
        body: p.body,
      };
      writeStruct(UNKNOWN_TABLE, rec, out, `${path} ${payloadTypeName(p.payloadType)}`);
      return;
    }
    const codec = PAYLOAD_CODECS.get(p.type);
    if (codec === undefined) throw new EncodeError(path, `no codec for payload type ${String(p.type)}`);
    let nextPayload: number;
    if (isSkType(p.type)) {
      if (next !== undefined) throw new EncodeError(path, `${codec.name} must be the last payload (§3.14)`);
      nextPayload = (p as { firstInnerPayload: number }).firstInnerPayload;
    } else nextPayload = next ? payloadTypeOf(next) : nextAfterLast;
    // Critical bit 0 for every payload type of RFC 7296 (§3.2).
    writeStruct(codec.table, { ...p, nextPayload, critical: 0 }, out, `${path} ${codec.name}`);
  });
}

/** Encodes a payload chain (e.g. the plaintext that goes inside SK). */
export function encodePayloadChain(
  payloads: readonly Payload[],
  nextAfterLast: number = PayloadType.NONE,
): Uint8Array {
  const out = new ByteSink();
  writeChain(payloads, out, nextAfterLast);
  return out.result();
}
