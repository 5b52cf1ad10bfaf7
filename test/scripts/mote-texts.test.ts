/**
 * The firmware's texts as numbers: scripts/mote-texts.mjs (the build's half) replaces texts by
 * codes, targets/wismote/mote-texts.ts (the host's half) writes them out again. What a coded
 * program says, decoded, is what the original says; keys, patterns and data keep their strings;
 * the decoder never throws and leaves what it cannot read as it came.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMoteText,
  isMoteTexts,
  type MoteTexts,
  TEXT_ARG,
  TEXT_END,
  TEXT_START,
} from '../../targets/wismote/mote-texts.js';

interface Encoder {
  encodeTexts(code: string): { code: string; texts: string[][] };
  TEXT_START: string;
  TEXT_ARG: string;
  TEXT_END: string;
}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const encoder = async () => (await import(join(root, 'scripts/mote-texts.mjs'))) as Encoder;

/** Runs a script that sets `out.value` (given `v`); returns the value. */
function run(code: string, v: unknown = undefined): unknown {
  const out: { value?: unknown } = {};
  new Function('out', 'v', code)(out, v);
  return out.value;
}

describe("the firmware's texts as numbers", () => {
  it('the build and the host agree on the markers', async () => {
    const e = await encoder();
    expect([e.TEXT_START, e.TEXT_ARG, e.TEXT_END]).toEqual([TEXT_START, TEXT_ARG, TEXT_END]);
  });

  it('a coded program, decoded, says what the original says; keys, patterns and data stay', async () => {
    const { encodeTexts } = await encoder();
    const source = `'use strict';
      const utf8 = (s) => new TextEncoder().encode(s);
      const n = 3, spi = 'c0ffee';
      const reason = n > 2 ? 'no proposal chosen' : 'fine here';
      const nested = \`IKE SA \${n} failed: \${\`SA \${spi} is dead\`}\`;
      const table = { 'no such child': 7 };
      const words = 'a b c'.split(' ');
      out.value = [reason, nested, table['no such child'], words.length, utf8('Key Pad for IKEv2').length,
        \`\${n}-byte datagram on the NAT-T port\`, reason === 'no proposal chosen', 'plain'];`;
    const original = run(source) as unknown[];
    const coded = encodeTexts(source);
    for (const text of ['no proposal chosen', 'IKE SA ', 'is dead', 'NAT-T port'])
      expect(coded.code).not.toContain(text);
    for (const kept of ["'no such child'", "'Key Pad for IKEv2'", "'a b c'", "' '", "'use strict'"])
      expect(coded.code).toContain(kept);
    const dictionary: MoteTexts = { texts: coded.texts };
    expect(isMoteTexts(dictionary)).toBe(true);
    const decoded = (run(coded.code) as unknown[]).map((v) =>
      typeof v === 'string' ? decodeMoteText(v, dictionary) : v,
    );
    expect(decoded).toEqual(original);
    expect(original[4]).toBe(17);
  });

  // Template text without the markers, backquotes, `${` or backslashes (written verbatim in source).
  const marker = (s: string) => [...s].some((c) => c.charCodeAt(0) <= 3);
  const part = fc.string({ maxLength: 12 }).filter((s) => !marker(s) && !/[`\\$]/.test(s));
  const value = fc.oneof(
    fc.string({ maxLength: 8 }).filter((s) => !marker(s)),
    fc.integer(),
  );

  it('any template with a space, coded and run, decodes to what it computed', async () => {
    const { encodeTexts } = await encoder();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(part, value), { maxLength: 4 }), part, async (pairs, last) => {
        const parts = [...pairs.map(([p]) => p), `${last} end`];
        const values = pairs.map(([, v]) => v);
        const template = parts.map((p, i) => (i < values.length ? `${p}\${v[${i}]}` : p)).join('');
        const source = `out.value = \`${template}\`;`;
        const coded = encodeTexts(source);
        expect(coded.texts).toEqual([parts]);
        expect(decodeMoteText(run(coded.code, values) as string, { texts: coded.texts })).toBe(
          run(source, values),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('the decoder never throws, and leaves unknown codes and cut texts as they came', () => {
    const dictionary: MoteTexts = { texts: [['IKE SA failed'], ['SA ', ' is dead']] };
    expect(decodeMoteText(`${TEXT_START}0${TEXT_END}`, dictionary)).toBe('IKE SA failed');
    expect(decodeMoteText(`x ${TEXT_START}1${TEXT_ARG}7${TEXT_END} y`, dictionary)).toBe('x SA 7 is dead y');
    expect(decodeMoteText(`${TEXT_START}1${TEXT_ARG}${TEXT_START}0${TEXT_END}${TEXT_END}`, dictionary)).toBe(
      'SA IKE SA failed is dead',
    );
    for (const cut of [
      `${TEXT_START}z${TEXT_END}`,
      `${TEXT_START}1${TEXT_ARG}7`,
      `${TEXT_START}0${TEXT_ARG}7${TEXT_END}`,
      `${TEXT_START}`,
    ])
      expect(decodeMoteText(cut, dictionary)).toBe(cut);
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', ' ', '0', '1', TEXT_START, TEXT_ARG, TEXT_END) }),
        (s) => {
          const d = decodeMoteText(s, dictionary);
          if (!s.includes(TEXT_START)) expect(d).toBe(s);
        },
      ),
      { numRuns: 500 },
    );
    expect(isMoteTexts({ texts: [['a'], []] })).toBe(false);
    expect(isMoteTexts({ texts: 3 })).toBe(false);
    expect(isMoteTexts(null)).toBe(false);
  });
});
