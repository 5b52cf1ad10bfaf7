import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';
import {
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  decodeString,
  decodeTime,
  encodeOid,
  readChildren,
  readSingle,
  readTlv,
  Tag,
} from '../../../ipsec/x509/der.js';
import {
  derBitString,
  derContext,
  derGeneralizedTime,
  derIa5,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derPrintable,
  derSequence,
  derSet,
  derTlv,
  derUtcTime,
  derUtf8,
} from '../../../ipsec/x509/der-write.js';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(`unexpected error: ${JSON.stringify(r.error)}`);
  return r.value;
};

describe('readTlv', () => {
  it('reads short and long form lengths with offsets', () => {
    const t = must(readTlv(fromHex('ff 04 02 ab cd'), 1));
    expect(t).toMatchObject({ tag: 4, start: 1, valueStart: 3, end: 5 });
    expect(toHex(t.value)).toBe('abcd');
    expect(toHex(t.der)).toBe('0402abcd');
    const long = derOctetString(new Uint8Array(300));
    const l = must(readTlv(long));
    expect(toHex(long.subarray(0, 4))).toBe('0482012c');
    expect(l.value.length).toBe(300);
    expect(l.valueStart).toBe(4);
  });
  it('rejects non-DER and truncated input with codes', () => {
    const code = (hex: string) => {
      const r = readTlv(fromHex(hex));
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code('')).toBe('TRUNCATED');
    expect(code('04')).toBe('TRUNCATED');
    expect(code('0403abcd')).toBe('TRUNCATED');
    expect(code('1f0100')).toBe('HIGH_TAG');
    expect(code('3080')).toBe('INDEFINITE_LENGTH');
    expect(code(`04817f${'00'.repeat(127)}`)).toBe('NON_MINIMAL_LENGTH');
    expect(code(`0482007f${'00'.repeat(127)}`)).toBe('NON_MINIMAL_LENGTH');
    expect(code('0485ffffffffff')).toBe('LENGTH_OVERFLOW');
    expect(code('0484ffffffff')).toBe('TRUNCATED');
    const r = readTlv(fromHex('0403abcd'));
    expect(!r.ok && r.error.message).toMatch(/offset 0/);
  });
  it('readChildren consumes exactly, readSingle rejects trailing data and wrong tags', () => {
    const seq = derSequence(derInteger(1), derNull(), derOctetString(fromHex('01')));
    const outer = must(readSingle(seq, Tag.SEQUENCE));
    const kids = must(readChildren(outer.value));
    expect(kids.map((k) => k.tag)).toEqual([Tag.INTEGER, Tag.NULL, Tag.OCTET_STRING]);
    expect(readChildren(fromHex('0201010402')).ok).toBe(false);
    const trailing = readSingle(fromHex('050000'));
    expect(!trailing.ok && trailing.error.code).toBe('TRAILING_DATA');
    const wrong = readSingle(fromHex('0500'), Tag.SEQUENCE);
    expect(!wrong.ok && wrong.error.code).toBe('UNEXPECTED_TAG');
  });
  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(70), (b, off) => {
        const r = readTlv(b, off);
        if (r.ok) expect(r.value.end).toBeLessThanOrEqual(b.length);
        readChildren(b);
        readSingle(b);
        decodeOid(b);
        decodeBitString(b);
      }),
    );
  });
});

describe('OIDs', () => {
  it('encodes and decodes known OIDs (X.690 §8.19)', () => {
    expect(toHex(derOid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(toHex(derOid('2.5.4.3'))).toBe('0603550403');
    expect(toHex(encodeOid('1.3.101.112'))).toBe('2b6570');
    expect(must(decodeOid(fromHex('2a8648ce3d030107')))).toBe('1.2.840.10045.3.1.7');
    expect(must(decodeOid(encodeOid('2.999.3')))).toBe('2.999.3');
    expect(must(decodeOid(encodeOid('2.25.329800735698586629295641978511506172918')))).toBe(
      '2.25.329800735698586629295641978511506172918',
    );
  });
  it('rejects malformed contents and text', () => {
    expect(decodeOid(new Uint8Array()).ok).toBe(false);
    expect(decodeOid(fromHex('2a86')).ok).toBe(false);
    expect(decodeOid(fromHex('2a8001')).ok).toBe(false);
    expect(() => encodeOid('1')).toThrow(TypeError);
    expect(() => encodeOid('1.40')).toThrow(TypeError);
    expect(() => encodeOid('3.1')).toThrow(TypeError);
  });
  it('round-trips arbitrary OIDs', () => {
    const oid = fc
      .tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 70n })),
      )
      .map(([a, b, rest]) => [a, b, ...rest].join('.'));
    fc.assert(
      fc.property(oid, (o) => {
        expect(must(decodeOid(encodeOid(o)))).toBe(o);
      }),
    );
  });
});

describe('time', () => {
  const t = (hex: string) => must(readTlv(fromHex(hex)));
  const ascii = (tag: number, s: string) => derTlv(tag, new TextEncoder().encode(s));
  it('applies the RFC 5280 §4.1.2.5.1 50-year rule to UTCTime', () => {
    expect(must(decodeTime(must(readTlv(ascii(Tag.UTCTime, '491231235959Z')))))).toBe(
      Date.UTC(2049, 11, 31, 23, 59, 59),
    );
    expect(must(decodeTime(must(readTlv(ascii(Tag.UTCTime, '500101000000Z')))))).toBe(Date.UTC(1950, 0, 1));
    expect(must(decodeTime(must(readTlv(ascii(Tag.GeneralizedTime, '20500101000000Z')))))).toBe(
      Date.UTC(2050, 0, 1),
    );
    expect(must(decodeTime(must(readTlv(ascii(Tag.GeneralizedTime, '00040229000000Z')))))).toBe(
      new Date('0004-02-29T00:00:00Z').getTime(),
    );
  });
  it('rejects non-Z, missing seconds, out-of-range fields, wrong tags', () => {
    for (const s of ['4912312359Z', '491231235959+0100', '491331000000Z', '490230000000Z', '491231245959Z'])
      expect(decodeTime(must(readTlv(ascii(Tag.UTCTime, s)))).ok).toBe(false);
    expect(decodeTime(must(readTlv(ascii(Tag.GeneralizedTime, '20230101000000.10Z')))).ok).toBe(false);
    expect(decodeTime(t('0400')).ok).toBe(false);
  });
  it('writer and reader agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2049, 11, 31) }), (ms) => {
        const s = Math.floor(ms / 1000) * 1000;
        expect(must(decodeTime(must(readTlv(derUtcTime(ms)))))).toBe(s);
        expect(must(decodeTime(must(readTlv(derGeneralizedTime(ms)))))).toBe(s);
      }),
    );
    expect(() => derUtcTime(Date.UTC(2050, 0, 1))).toThrow(RangeError);
  });
});

describe('writer', () => {
  it('encodes INTEGER minimally from octets, bigint and number', () => {
    expect(toHex(derInteger(0))).toBe('020100');
    expect(toHex(derInteger(127))).toBe('02017f');
    expect(toHex(derInteger(128))).toBe('02020080');
    expect(toHex(derInteger(-129))).toBe('0202ff7f');
    expect(toHex(derInteger(-1n))).toBe('0201ff');
    expect(toHex(derInteger(fromHex('0000ff')))).toBe('020200ff');
    expect(toHex(derInteger(new Uint8Array()))).toBe('020100');
    expect(must(decodeSmallInteger(must(readTlv(derInteger(65537))).value))).toBe(65537);
    expect(decodeSmallInteger(fromHex('007f')).ok).toBe(false);
    expect(decodeSmallInteger(fromHex('ff')).ok).toBe(false);
  });
  it('encodes strings, bit strings, sets and context tags', () => {
    expect(toHex(derPrintable('CH'))).toBe('13024348');
    expect(() => derPrintable('a@b')).toThrow(TypeError);
    expect(toHex(derIa5('a@b'))).toBe('1603614062');
    expect(must(decodeString(must(readTlv(derUtf8('Grüezi')))))).toBe('Grüezi');
    expect(toHex(derBitString(fromHex('80'), 7))).toBe('03020780');
    expect(must(decodeBitString(fromHex('0780'))).unusedBits).toBe(7);
    expect(decodeBitString(fromHex('0781')).ok).toBe(false);
    expect(decodeBitString(fromHex('08')).ok).toBe(false);
    expect(decodeBitString(fromHex('01')).ok).toBe(false);
    expect(toHex(derSet(derInteger(2), derInteger(1)))).toBe('3106020101020102');
    expect(toHex(derContext(0, true, derInteger(2)))).toBe('a003020102');
    expect(toHex(derContext(2, false, fromHex('61')))).toBe('820161');
    expect(must(decodeBoolean(fromHex('ff')))).toBe(true);
    expect(decodeBoolean(fromHex('01')).ok).toBe(false);
  });
  it('decodes BMPString and rejects bad UTF-8', () => {
    expect(must(decodeString(must(readTlv(fromHex('1e0400410042')))))).toBe('AB');
    expect(decodeString(must(readTlv(fromHex('0c01ff')))).ok).toBe(false);
  });
});
