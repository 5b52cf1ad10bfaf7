/**
 * The VICI message codec (targets/native/vici/message.ts): the README's encoding example byte for
 * byte, round trips of arbitrary trees and element streams (fast-check), decoding arbitrary and
 * mutated input never throws and what decodes re-encodes to the same octets, a table of typed
 * errors with their offsets, encoder limits, and the plain-object helpers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeElements,
  decodeMessage,
  encodeElements,
  encodeMessage,
  messageElements,
  type ViciDecodeErrorCode,
  type ViciElement,
  ViciEncodeError,
  type ViciNode,
  type ViciSection,
  viciPlain,
  viciSection,
  viciString,
  viciSubsection,
} from '../../../../targets/native/vici/message.js';

const te = new TextEncoder();
const b = (s: string) => te.encode(s);

/** strongSwan's src/libcharon/plugins/vici/README.md, "Encoding example". */
// biome-ignore format: laid out as in the README
const README_EXAMPLE = new Uint8Array([
  3, 4, ...b('key1'), 0, 6, ...b('value1'),
  1, 8, ...b('section1'),
  1, 11, ...b('sub-section'),
  3, 4, ...b('key2'), 0, 6, ...b('value2'),
  2,
  4, 5, ...b('list1'),
  5, 0, 5, ...b('item1'),
  5, 0, 5, ...b('item2'),
  6,
  2,
]);

// ---- arbitraries ----

/** Names: any Unicode scalar values (UTF-8 on the wire), at most 30 of them (<= 120 octets). */
const name = fc.string({ unit: 'binary', maxLength: 30 });
const value = fc.uint8Array({ maxLength: 40 });

const { section } = fc.letrec<{ section: ViciSection; node: ViciNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    value,
    fc.array(value, { maxLength: 5 }),
    tie('section'),
  ),
  section: fc
    .uniqueArray(fc.tuple(name, tie('node')), { selector: ([k]) => k, maxLength: 6 })
    .map((entries) => new Map(entries) as ViciSection),
}));

// ---- tests ----

describe('VICI message codec', () => {
  const example: ViciSection = new Map<string, ViciNode>([
    ['key1', b('value1')],
    [
      'section1',
      new Map<string, ViciNode>([
        ['sub-section', new Map<string, ViciNode>([['key2', b('value2')]])],
        ['list1', [b('item1'), b('item2')]],
      ]),
    ],
  ]);

  it('encodes the README example byte for byte and decodes it back', () => {
    expect(encodeMessage(example)).toEqual(README_EXAMPLE);
    const d = decodeMessage(README_EXAMPLE);
    expect(d.ok && d.value).toEqual(example);
    expect(d.ok && viciPlain(d.value)).toEqual({
      key1: 'value1',
      section1: { 'sub-section': { key2: 'value2' }, list1: ['item1', 'item2'] },
    });
  });

  it('the README example as elements', () => {
    const d = decodeElements(README_EXAMPLE);
    expect(d.ok && d.value).toEqual([
      { type: 'key-value', name: 'key1', value: b('value1') },
      { type: 'section-start', name: 'section1' },
      { type: 'section-start', name: 'sub-section' },
      { type: 'key-value', name: 'key2', value: b('value2') },
      { type: 'section-end' },
      { type: 'list-start', name: 'list1' },
      { type: 'list-item', value: b('item1') },
      { type: 'list-item', value: b('item2') },
      { type: 'list-end' },
      { type: 'section-end' },
    ]);
    expect(encodeElements(d.ok ? d.value : [])).toEqual(README_EXAMPLE);
  });

  it('an empty message is the empty root section', () => {
    expect(encodeMessage(new Map())).toEqual(new Uint8Array(0));
    const d = decodeMessage(new Uint8Array(0));
    expect(d.ok && d.value.size).toBe(0);
  });

  it('round trip: any tree -> octets -> the same tree (order kept)', () => {
    fc.assert(
      fc.property(section, (s) => {
        const d = decodeMessage(encodeMessage(s));
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(d.value).toEqual(s);
        expect([...d.value.keys()]).toEqual([...s.keys()]);
      }),
      { numRuns: 500 },
    );
  });

  it('round trip: the element stream of any tree -> octets -> the same elements', () => {
    fc.assert(
      fc.property(section, (s) => {
        const elements = [...messageElements(s)];
        const d = decodeElements(encodeElements(elements));
        expect(d.ok && d.value).toEqual(elements);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary octets never throw; whatever decodes re-encodes to the same octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const e = decodeElements(bytes);
        if (e.ok) expect(encodeElements(e.value)).toEqual(bytes);
        const m = decodeMessage(bytes);
        if (m.ok) expect(encodeMessage(m.value)).toEqual(bytes);
        else expect(m.error.offset).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated and truncated messages never throw; what decodes re-encodes to the same octets', () => {
    fc.assert(
      fc.property(section, fc.nat(), fc.nat(255), fc.boolean(), (s, at, v, cut) => {
        const m = encodeMessage(s).slice();
        if (m.length > 0) m[at % m.length] = v;
        const input = cut ? m.subarray(0, at % (m.length + 1)) : m;
        const d = decodeMessage(input);
        if (d.ok) expect(encodeMessage(d.value)).toEqual(input);
        else expect(d.error.offset).toBeLessThanOrEqual(input.length);
      }),
      { numRuns: 2000 },
    );
  });

  // Each malformed input, its error code and the offset named.
  // biome-ignore format: one case per line
  const errors: [string, number[], ViciDecodeErrorCode, number][] = [
    ['unknown element type 0', [0], 'UNKNOWN_ELEMENT', 0],
    ['unknown element type 7 after a key', [3, 1, 0x6b, 0, 0, 7], 'UNKNOWN_ELEMENT', 5],
    ['unknown element type inside a list', [4, 1, 0x6c, 9], 'UNKNOWN_ELEMENT', 3],
    ['name length missing', [1], 'TRUNCATED', 1],
    ['name runs past the end', [3, 5, 0x6b], 'TRUNCATED', 1],
    ['value length missing', [3, 1, 0x6b], 'TRUNCATED', 3],
    ['value length cut in half', [3, 1, 0x6b, 0], 'TRUNCATED', 3],
    ['value runs past the end', [3, 1, 0x6b, 0, 3, 0x61], 'TRUNCATED', 3],
    ['list item value runs past the end', [4, 1, 0x6c, 5, 0, 2, 0x61], 'TRUNCATED', 4],
    ['SECTION_END at the root', [2], 'UNEXPECTED_ELEMENT', 0],
    ['LIST_ITEM outside a list', [5, 0, 0], 'UNEXPECTED_ELEMENT', 0],
    ['LIST_END with no open list', [1, 1, 0x73, 6, 2], 'UNEXPECTED_ELEMENT', 3],
    ['a key/value inside a list', [4, 1, 0x6c, 3, 1, 0x6b, 0, 0, 6], 'UNEXPECTED_ELEMENT', 3],
    ['a section inside a list', [4, 1, 0x6c, 1, 1, 0x73, 2, 6], 'UNEXPECTED_ELEMENT', 3],
    ['a list inside a list', [4, 1, 0x6c, 4, 1, 0x6d, 6, 6], 'UNEXPECTED_ELEMENT', 3],
    ['SECTION_END inside a list', [1, 1, 0x73, 4, 1, 0x6c, 2], 'UNEXPECTED_ELEMENT', 6],
    ['ends inside a section', [1, 1, 0x73, 1, 1, 0x74, 2], 'UNCLOSED', 7],
    ['ends inside a list', [4, 1, 0x6c, 5, 0, 0], 'UNCLOSED', 6],
    ['a name that is not UTF-8', [3, 1, 0xff, 0, 0], 'BAD_NAME', 2],
    ['a key twice', [3, 1, 0x6b, 0, 0, 3, 1, 0x6b, 0, 0], 'DUPLICATE_KEY', 5],
    ['a key and a section of the same name', [3, 1, 0x6b, 0, 0, 1, 1, 0x6b, 2], 'DUPLICATE_KEY', 5],
    ['a list and a key of the same name in a sub-section', [1, 1, 0x73, 4, 1, 0x6b, 6, 3, 1, 0x6b, 0, 0, 2], 'DUPLICATE_KEY', 7],
  ];

  it.each(errors)('%s -> %s at %i', (_what, bytes, code, offset) => {
    const d = decodeMessage(new Uint8Array(bytes));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.error.code).toBe(code);
    expect(d.error.offset).toBe(offset);
    expect(d.error.message).not.toBe('');
    // the element level agrees, except for DUPLICATE_KEY (a tree rule)
    const e = decodeElements(new Uint8Array(bytes));
    if (code === 'DUPLICATE_KEY') expect(e.ok).toBe(true);
    else expect(!e.ok && e.error).toEqual(d.error);
  });

  it('same names in different sections are fine', () => {
    const s = viciSection({ k: 'a', s: { k: 'b', s: { k: 'c' } } });
    const d = decodeMessage(encodeMessage(s));
    expect(d.ok && viciPlain(d.value)).toEqual({ k: 'a', s: { k: 'b', s: { k: 'c' } } });
  });

  it('names and values at their limits; one octet more throws ViciEncodeError', () => {
    const longest = 'n'.repeat(255);
    const big = new Uint8Array(0xffff).fill(7);
    const s: ViciSection = new Map<string, ViciNode>([
      [longest, big],
      ['l', [big]],
    ]);
    const d = decodeMessage(encodeMessage(s));
    expect(d.ok && d.value).toEqual(s);
    expect(() => encodeMessage(new Map([[`${longest}n`, b('v')]]))).toThrow(ViciEncodeError);
    // 128 two-octet characters: 256 octets
    expect(() => encodeMessage(new Map([['é'.repeat(128), b('v')]]))).toThrow(ViciEncodeError);
    expect(() => encodeMessage(new Map([['k', new Uint8Array(0x10000)]]))).toThrow(ViciEncodeError);
    expect(() => encodeMessage(new Map([['k', [new Uint8Array(0x10000)]]]))).toThrow(ViciEncodeError);
    expect(() => encodeElements([{ type: 'section-start', name: longest + longest }])).toThrow(
      ViciEncodeError,
    );
  });

  it('a name with a byte order mark survives (no BOM stripping)', () => {
    const s = new Map<string, ViciNode>([['\ufeffk', b('\ufeffv')]]);
    const d = decodeMessage(encodeMessage(s));
    expect(d.ok && d.value).toEqual(s);
    expect(d.ok && viciPlain(d.value)).toEqual({ '\ufeffk': '\ufeffv' });
  });

  it('decoded values are copies, not views of the input', () => {
    const input = encodeMessage(viciSection({ k: 'abc' }));
    const d = decodeMessage(input);
    input.fill(0);
    expect(d.ok && viciString(d.value, 'k')).toBe('abc');
  });

  it('viciSection: strings, numbers, bigints, booleans as yes/no, octets, lists, sub-sections; undefined left out', () => {
    const s = viciSection({
      child: 'net',
      timeout: 30000,
      big: 12345678901234567890n,
      'init-limits': false,
      force: true,
      raw: new Uint8Array([0, 255]),
      list: ['a', 1, true],
      sub: { x: 'y', empty: {} },
      gone: undefined,
    });
    expect([...s.keys()]).toEqual(['child', 'timeout', 'big', 'init-limits', 'force', 'raw', 'list', 'sub']);
    expect(s.get('raw')).toEqual(new Uint8Array([0, 255]));
    expect(viciPlain(s)).toEqual({
      child: 'net',
      timeout: '30000',
      big: '12345678901234567890',
      'init-limits': 'no',
      force: 'yes',
      raw: '\u0000\ufffd',
      list: ['a', '1', 'yes'],
      sub: { x: 'y', empty: {} },
    });
  });

  it('integer-like keys keep the order sent in the Map', () => {
    const s: ViciSection = new Map<string, ViciNode>([
      ['b', b('1')],
      ['2', b('2')],
      ['1', b('3')],
    ]);
    const d = decodeMessage(encodeMessage(s));
    expect(d.ok && [...d.value.keys()]).toEqual(['b', '2', '1']);
  });

  it('viciString and viciSubsection read one level', () => {
    const s = viciSection({ k: 'v', l: ['x'], s: { a: 'b' } });
    expect(viciString(s, 'k')).toBe('v');
    expect(viciString(s, 'l')).toBeUndefined();
    expect(viciString(s, 's')).toBeUndefined();
    expect(viciString(s, 'missing')).toBeUndefined();
    expect(viciSubsection(s, 's') && viciPlain(viciSubsection(s, 's')!)).toEqual({ a: 'b' });
    expect(viciSubsection(s, 'k')).toBeUndefined();
    expect(viciSubsection(s, 'l')).toBeUndefined();
  });

  it('encodeElements writes what it is given, even an invalid stream (decodeElements judges)', () => {
    const els: ViciElement[] = [{ type: 'section-end' }];
    expect(encodeElements(els)).toEqual(new Uint8Array([2]));
    expect(decodeElements(encodeElements(els)).ok).toBe(false);
  });
});
