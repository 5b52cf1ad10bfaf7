/**
 * X.690 DER: a strict reader for untrusted input (certificates, CRLs, keys a peer sends); the
 * writer for what we build ourselves is der-write.ts. Only single-octet identifiers (tags 0..30)
 * and definite, minimally encoded lengths are accepted (X.690 §10.1). Readers never throw.
 */
import { err, ok, type Result } from '../result.js';

/** Universal tags (X.680 §8.4), as the full first identifier octet (constructed bit included). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
  UniversalString: 0x1c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export type DerErrorCode =
  | 'TRUNCATED'
  | 'HIGH_TAG'
  | 'INDEFINITE_LENGTH'
  | 'NON_MINIMAL_LENGTH'
  | 'LENGTH_OVERFLOW'
  | 'TRAILING_DATA'
  | 'UNEXPECTED_TAG'
  | 'BAD_OID'
  | 'BAD_TIME'
  | 'BAD_BIT_STRING'
  | 'BAD_INTEGER'
  | 'BAD_BOOLEAN'
  | 'BAD_STRING';

/** Why DER was rejected; `offset` is where in the input (relative to the buffer handed in). */
export interface DerError {
  readonly code: DerErrorCode;
  readonly message: string;
  readonly offset?: number;
}

export const derError = (code: DerErrorCode, message: string, offset?: number): DerError =>
  offset === undefined ? { code, message } : { code, message: `${message} (at offset ${offset})`, offset };

export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number). */
  readonly tag: number;
  /** Offset of the identifier octet in the buffer read. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly valueStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
  /** The content octets (a view, not a copy). */
  readonly value: Uint8Array;
  /** The whole TLV (a view). */
  readonly der: Uint8Array;
}

const hexTag = (t: number): string => `0x${t.toString(16).padStart(2, '0')}`;

export function tagName(tag: number): string {
  for (const [k, v] of Object.entries(Tag)) if (v === tag) return k;
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & 0x20 ? ' constructed' : ''}`;
  return hexTag(tag);
}

/** Reads one TLV at `offset` (X.690 §8.1.2 identifier, §8.1.3 / §10.1 definite minimal length). */
export function readTlv(bytes: Uint8Array, offset = 0): Result<Tlv, DerError> {
  if (offset >= bytes.length) return err(derError('TRUNCATED', 'missing identifier octet', offset));
  const tag = bytes[offset]!;
  // X.690 §8.1.2.4: tag number 31 announces the high-tag-number form (not used by X.509).
  if ((tag & 0x1f) === 0x1f) return err(derError('HIGH_TAG', 'high-tag-number form not supported', offset));
  if (offset + 1 >= bytes.length) return err(derError('TRUNCATED', 'missing length octet', offset + 1));
  const first = bytes[offset + 1]!;
  let length: number;
  let valueStart: number;
  if (first < 0x80) {
    // X.690 §8.1.3.4 short form.
    length = first;
    valueStart = offset + 2;
  } else {
    // X.690 §10.1: DER uses the definite form only.
    if (first === 0x80)
      return err(derError('INDEFINITE_LENGTH', 'indefinite length not allowed', offset + 1));
    const n = first & 0x7f;
    // X.690 §8.1.3.5 (c): 0xff is reserved; more than 4 octets cannot address a Uint8Array.
    if (n > 4) return err(derError('LENGTH_OVERFLOW', `length of ${n} octets too large`, offset + 1));
    if (offset + 2 + n > bytes.length)
      return err(derError('TRUNCATED', 'length octets past end of input', offset + 1));
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset + 2 + i]!;
    // X.690 §10.1: the minimum number of octets; the long form only for lengths >= 128.
    if (bytes[offset + 2] === 0 || length < 0x80)
      return err(derError('NON_MINIMAL_LENGTH', 'length not minimally encoded', offset + 1));
    valueStart = offset + 2 + n;
  }
  const end = valueStart + length;
  if (end > bytes.length)
    return err(
      derError(
        'TRUNCATED',
        `${tagName(tag)} length ${length} runs past end of input (${bytes.length})`,
        offset,
      ),
    );
  return ok({
    tag,
    start: offset,
    valueStart,
    end,
    value: bytes.subarray(valueStart, end),
    der: bytes.subarray(offset, end),
  });
}

/** All TLVs of a constructed value, consuming it exactly (offsets relative to `value`). */
export function readChildren(value: Uint8Array): Result<Tlv[], DerError> {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < value.length) {
    const r = readTlv(value, offset);
    if (!r.ok) return r;
    out.push(r.value);
    offset = r.value.end;
  }
  return ok(out);
}

/** Exactly one TLV spanning all of `bytes`, optionally required to carry `tag`. */
export function readSingle(bytes: Uint8Array, tag?: number): Result<Tlv, DerError> {
  const r = readTlv(bytes, 0);
  if (!r.ok) return r;
  if (r.value.end !== bytes.length)
    return err(
      derError('TRAILING_DATA', `${bytes.length - r.value.end} octets after the value`, r.value.end),
    );
  if (tag !== undefined && r.value.tag !== tag)
    return err(derError('UNEXPECTED_TAG', `expected ${tagName(tag)}, got ${tagName(r.value.tag)}`, 0));
  return r;
}

/** Checks a TLV's tag; for callers walking readChildren output. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Result<Tlv, DerError> {
  if (!tlv) return err(derError('TRUNCATED', `${what}: missing ${tagName(tag)}`));
  if (tlv.tag !== tag)
    return err(
      derError('UNEXPECTED_TAG', `${what}: expected ${tagName(tag)}, got ${tagName(tlv.tag)}`, tlv.start),
    );
  return ok(tlv);
}

/** OBJECT IDENTIFIER contents to dotted text (X.690 §8.19). */
export function decodeOid(value: Uint8Array): Result<string, DerError> {
  if (value.length === 0) return err(derError('BAD_OID', 'empty OBJECT IDENTIFIER'));
  const arcs: bigint[] = [];
  let acc = 0n;
  let inArc = false;
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    // X.690 §8.19.2: subidentifiers use the fewest octets; a leading 0x80 is not minimal.
    if (!inArc && b === 0x80) return err(derError('BAD_OID', 'non-minimal subidentifier', i));
    acc = (acc << 7n) | BigInt(b & 0x7f);
    inArc = (b & 0x80) !== 0;
    if (!inArc) {
      arcs.push(acc);
      acc = 0n;
    }
  }
  if (inArc) return err(derError('BAD_OID', 'truncated subidentifier', value.length - 1));
  // X.690 §8.19.4: the first subidentifier is (X*40)+Y.
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return ok([...head, ...arcs.slice(1)].join('.'));
}

/** Dotted OID text that X.690 §8.19.4 can encode: first arc 0..2, second < 40 under 0 and 1. */
export function isValidOid(dotted: string): boolean {
  if (!/^\d+(\.\d+)+$/.test(dotted)) return false;
  const [x, y] = dotted.split('.').map((a) => BigInt(a));
  return x! <= 2n && (x === 2n || y! < 40n);
}

/** Dotted OID to its content octets (X.690 §8.19); throws TypeError on malformed text. */
export function encodeOid(dotted: string): Uint8Array {
  if (!isValidOid(dotted)) throw new TypeError(`invalid OID '${dotted}'`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [x, y] = [arcs[0]!, arcs[1]!];
  const out: number[] = [];
  for (const arc of [x * 40n + y, ...arcs.slice(2)]) {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return Uint8Array.from(out);
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number): number =>
  m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/**
 * UTCTime / GeneralizedTime to ms since the epoch. RFC 5280 §4.1.2.5.1: UTCTime is YYMMDDHHMMSSZ,
 * YY >= 50 is 19YY else 20YY; §4.1.2.5.2: GeneralizedTime is YYYYMMDDHHMMSSZ. Fractional seconds
 * (X.690 §11.7.3, no trailing zeros) are tolerated in GeneralizedTime; only 'Z' is accepted.
 */
export function decodeTime(tlv: Tlv): Result<number, DerError> {
  let text = '';
  for (const b of tlv.value) {
    if (b < 0x20 || b > 0x7e) return err(derError('BAD_TIME', 'non-printable octet in time', tlv.start));
    text += String.fromCharCode(b);
  }
  let m: RegExpExecArray | null;
  let year: number;
  let frac = 0;
  if (tlv.tag === Tag.UTCTime) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (!m) return err(derError('BAD_TIME', `malformed UTCTime '${text}'`, tlv.start));
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
  } else if (tlv.tag === Tag.GeneralizedTime) {
    m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d*[1-9]))?Z$/.exec(text);
    if (!m) return err(derError('BAD_TIME', `malformed GeneralizedTime '${text}'`, tlv.start));
    year = Number(m[1]);
    if (m[7]) frac = Math.floor(Number(`0.${m[7]}`) * 1000);
  } else {
    return err(derError('UNEXPECTED_TAG', `expected a time, got ${tagName(tlv.tag)}`, tlv.start));
  }
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(year, mo) || h > 23 || mi > 59 || s > 59)
    return err(derError('BAD_TIME', `time out of range '${text}'`, tlv.start));
  const date = new Date(0);
  date.setUTCFullYear(year, mo - 1, d);
  date.setUTCHours(h, mi, s, frac);
  return ok(date.getTime());
}

/** BIT STRING contents (X.690 §8.6.2; DER §11.2: unused bits are zero). */
export function decodeBitString(
  value: Uint8Array,
): Result<{ unusedBits: number; bytes: Uint8Array }, DerError> {
  if (value.length === 0) return err(derError('BAD_BIT_STRING', 'BIT STRING without initial octet'));
  const unusedBits = value[0]!;
  if (unusedBits > 7) return err(derError('BAD_BIT_STRING', `${unusedBits} unused bits`, 0));
  if (value.length === 1 && unusedBits !== 0)
    return err(derError('BAD_BIT_STRING', 'unused bits in an empty BIT STRING', 0));
  if (unusedBits > 0 && (value[value.length - 1]! & ((1 << unusedBits) - 1)) !== 0)
    return err(derError('BAD_BIT_STRING', 'unused bits not zero', value.length - 1));
  return ok({ unusedBits, bytes: value.subarray(1) });
}

/** INTEGER contents checked for minimal two's complement (X.690 §8.3.2). */
export function checkInteger(value: Uint8Array): Result<Uint8Array, DerError> {
  if (value.length === 0) return err(derError('BAD_INTEGER', 'empty INTEGER'));
  if (value.length > 1 && ((value[0] === 0 && value[1]! < 0x80) || (value[0] === 0xff && value[1]! >= 0x80)))
    return err(derError('BAD_INTEGER', 'INTEGER not minimally encoded', 0));
  return ok(value);
}

/** A non-negative INTEGER that fits a safe JS number (versions, pathLen, reason codes). */
export function decodeSmallInteger(value: Uint8Array): Result<number, DerError> {
  const c = checkInteger(value);
  if (!c.ok) return c;
  if (value[0]! >= 0x80) return err(derError('BAD_INTEGER', 'negative INTEGER', 0));
  if (value.length > 6) return err(derError('BAD_INTEGER', 'INTEGER too large', 0));
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return ok(n);
}

/** BOOLEAN contents: DER TRUE is 0xff (X.690 §11.1). */
export function decodeBoolean(value: Uint8Array): Result<boolean, DerError> {
  if (value.length !== 1 || (value[0] !== 0 && value[0] !== 0xff))
    return err(derError('BAD_BOOLEAN', 'BOOLEAN must be one octet 0x00 or 0xff'));
  return ok(value[0] === 0xff);
}

/** A character string's text: UTF8, Printable, IA5, T61 (as Latin-1), BMP, Universal. */
export function decodeString(tlv: Tlv): Result<string, DerError> {
  const v = tlv.value;
  switch (tlv.tag) {
    case Tag.UTF8String: {
      try {
        return ok(new TextDecoder('utf-8', { fatal: true }).decode(v));
      } catch {
        return err(derError('BAD_STRING', 'invalid UTF-8', tlv.start));
      }
    }
    case Tag.PrintableString:
    case Tag.IA5String:
    case Tag.T61String:
    case 0x1a /* VisibleString */:
    case 0x12 /* NumericString */:
      {
        let s = '';
        for (const b of v) {
          if (tlv.tag !== Tag.T61String && b > 0x7f)
            return err(derError('BAD_STRING', `non-ASCII octet in ${tagName(tlv.tag)}`, tlv.start));
          s += String.fromCharCode(b);
        }
        return ok(s);
      }
    case Tag.BMPString: {
      if (v.length % 2) return err(derError('BAD_STRING', 'odd BMPString length', tlv.start));
      let s = '';
      for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
      return ok(s);
    }
    case Tag.UniversalString: {
      if (v.length % 4)
        return err(derError('BAD_STRING', 'UniversalString length not a multiple of 4', tlv.start));
      let s = '';
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
          return err(derError('BAD_STRING', 'invalid code point in UniversalString', tlv.start));
        s += String.fromCodePoint(cp);
      }
      return ok(s);
    }
    default:
      return err(derError('UNEXPECTED_TAG', `expected a string, got ${tagName(tlv.tag)}`, tlv.start));
  }
}
