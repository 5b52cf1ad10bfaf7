/**
 * X.690 DER writer for what we build ourselves (AlgorithmIdentifiers, SPKI, DN identities, test
 * certificates): definite, minimal lengths (X.690 §10.1). For trusted values: throws TypeError /
 * RangeError on programming errors. The reader is der.ts.
 */
import { concatBytes, utf8 } from '../util/bytes.js';
import { encodeOid, Tag } from './der.js';

export const derOid = (dotted: string): Uint8Array => derTlv(Tag.OID, encodeOid(dotted));

/** Length octets, definite and minimal (X.690 §10.1). */
function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const octets: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) octets.unshift(v & 0xff);
  return Uint8Array.from([0x80 | octets.length, ...octets]);
}

export function derTlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  if ((tag & 0x1f) === 0x1f || tag < 0 || tag > 0xff) throw new RangeError(`unsupported tag ${tag}`);
  const value = concatBytes(...contents);
  return concatBytes(Uint8Array.of(tag), derLength(value.length), value);
}

export const derSequence = (...items: Uint8Array[]): Uint8Array => derTlv(Tag.SEQUENCE, ...items);

/** SET OF: DER sorts the encodings as octet strings (X.690 §11.6). */
export function derSet(...items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  });
  return derTlv(Tag.SET, ...sorted);
}

/**
 * INTEGER (X.690 §8.3). Octets are an unsigned big-endian magnitude (leading zeros dropped, one
 * 0x00 added when the top bit is set); bigint and number may be negative (two's complement).
 */
export function derInteger(v: Uint8Array | bigint | number): Uint8Array {
  if (v instanceof Uint8Array) {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const mag = v.length === 0 ? Uint8Array.of(0) : v.subarray(i);
    return derTlv(Tag.INTEGER, mag[0]! >= 0x80 ? Uint8Array.of(0) : new Uint8Array(0), mag);
  }
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`not an integer: ${v}`);
  let n = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const byte = Number(n & 0xffn);
    out.unshift(byte);
    n >>= 8n;
    if ((n === 0n && byte < 0x80) || (n === -1n && byte >= 0x80)) break;
  }
  return derTlv(Tag.INTEGER, Uint8Array.from(out));
}

export const derNull = (): Uint8Array => Uint8Array.of(Tag.NULL, 0);
export const derBoolean = (b: boolean): Uint8Array => derTlv(Tag.BOOLEAN, Uint8Array.of(b ? 0xff : 0));
export const derOctetString = (b: Uint8Array): Uint8Array => derTlv(Tag.OCTET_STRING, b);

export function derBitString(b: Uint8Array, unusedBits = 0): Uint8Array {
  if (unusedBits < 0 || unusedBits > 7 || (b.length === 0 && unusedBits !== 0))
    throw new RangeError(`invalid unused bits ${unusedBits}`);
  return derTlv(Tag.BIT_STRING, Uint8Array.of(unusedBits), b);
}

function ascii(s: string, allowed: RegExp, what: string): Uint8Array {
  if (!allowed.test(s)) throw new TypeError(`'${s}' is not a valid ${what}`);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export const derUtf8 = (s: string): Uint8Array => derTlv(Tag.UTF8String, utf8(s));
/** PrintableString alphabet (X.680 §41.4). */
export const derPrintable = (s: string): Uint8Array =>
  derTlv(Tag.PrintableString, ascii(s, /^[A-Za-z0-9 '()+,\-./:=?]*$/, 'PrintableString'));
export const derIa5 = (s: string): Uint8Array =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: IA5 is 7-bit ASCII
  derTlv(Tag.IA5String, ascii(s, /^[\x00-\x7f]*$/, 'IA5String'));

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function timeDigits(ms: number): { year: number; rest: string } {
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new RangeError(`invalid time ${ms}`);
  return {
    year: d.getUTCFullYear(),
    rest: `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`,
  };
}

/** UTCTime YYMMDDHHMMSSZ, years 1950..2049 (RFC 5280 §4.1.2.5.1); milliseconds are dropped. */
export function derUtcTime(ms: number): Uint8Array {
  const { year, rest } = timeDigits(ms);
  if (year < 1950 || year > 2049) throw new RangeError(`year ${year} outside UTCTime range`);
  return derTlv(Tag.UTCTime, utf8(`${pad(year % 100)}${rest}`));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.2); milliseconds are dropped. */
export function derGeneralizedTime(ms: number): Uint8Array {
  const { year, rest } = timeDigits(ms);
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} outside GeneralizedTime range`);
  return derTlv(Tag.GeneralizedTime, utf8(`${pad(year, 4)}${rest}`));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export const derTime = (ms: number): Uint8Array => {
  const y = new Date(ms).getUTCFullYear();
  return y >= 1950 && y <= 2049 ? derUtcTime(ms) : derGeneralizedTime(ms);
};

/** Context-specific tag [n] (X.690 §8.1.2.2), primitive or constructed. */
export function derContext(n: number, constructed: boolean, ...contents: Uint8Array[]): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] out of range`);
  return derTlv(0x80 | (constructed ? 0x20 : 0) | n, ...contents);
}
