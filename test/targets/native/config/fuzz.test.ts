import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type ConfigFormat, parseConfigText } from '../../../../targets/native/config/load.js';
import { memoryHost } from './memory-host.js';

const FIXTURES = 'test/targets/native/config/fixtures';
const FORMATS: ConfigFormat[] = ['swanctl', 'yaml', 'json'];

const host = memoryHost({
  'a.conf': 'include a.conf\nx {\n',
  'dir/b.conf': 'connections { gw : connections.gw { } }\n',
  'dir/c.conf': '}\n',
});

/** parseConfigText must return a Result whose errors all carry a message naming the file. */
function wellBehaved(text: string, format: ConfigFormat): boolean {
  const r = parseConfigText(text, format, 'a.conf', host);
  if (r.ok) return Array.isArray(r.value.connections);
  return r.error.length > 0 && r.error.every((e) => e.message.startsWith(e.file) && e.file.length > 0);
}

const SWANCTL_TOKENS = [
  'connections',
  'gw',
  'gw2',
  'children',
  'net',
  'local',
  'remote',
  'local-1',
  'secrets',
  'ike',
  'ike-gw',
  'daemon',
  'auth',
  'psk',
  'pubkey',
  'id',
  'id-a',
  'secret',
  'include',
  'a.conf',
  'dir/*.conf',
  'missing.conf',
  'rekey_time',
  'life_time',
  'proposals',
  'esp_proposals',
  'local_ts',
  'remote_addrs',
  'start_action',
  'start',
  'dynamic',
  '%any',
  '10.0.0.1',
  '10.0.0.0/24',
  '4h',
  '0x00',
  '0sAA==',
  'aes128-sha256',
  'default',
  'connections.gw',
  ' ',
  ' ',
  '\n',
  '\n',
  '\t',
  '{',
  '}',
  '=',
  ':',
  ',',
  '#',
  '"',
  '\\',
  '\r',
];
const YAML_TOKENS = [
  'connections',
  'gw',
  'children',
  'net',
  'local',
  'auth',
  'psk',
  'secrets',
  'ike',
  'secret',
  'id',
  ':',
  ': ',
  '- ',
  ' ',
  '  ',
  '\n',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '!!map ',
  '? ',
  '#',
  '%YAML 1.2\n',
  '---\n',
  '10.0.0.1',
  '4h',
  'yes',
  '~',
  'null',
  '1',
  'true',
];

const soup = (tokens: readonly string[]) =>
  fc.array(fc.constantFrom(...tokens), { maxLength: 120 }).map((t) => t.join(''));

describe('configuration text from anywhere never throws', () => {
  test('random strings, all formats', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom(...FORMATS),
        (text, format) => wellBehaved(text, format),
      ),
      { numRuns: 600 },
    );
  });

  test('swanctl.conf token soup (sections, references, includes, quotes)', () => {
    fc.assert(
      fc.property(soup(SWANCTL_TOKENS), (text) => wellBehaved(text, 'swanctl')),
      { numRuns: 1500 },
    );
  });

  test('YAML token soup, and arbitrary JSON values', () => {
    fc.assert(
      fc.property(soup(YAML_TOKENS), (text) => wellBehaved(text, 'yaml')),
      { numRuns: 800 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => wellBehaved(JSON.stringify(v) ?? 'null', 'json')),
      { numRuns: 400 },
    );
  });

  test('mutations of the interop fixtures (delete, insert, duplicate a slice)', () => {
    const bases: [string, ConfigFormat][] = [
      [readFileSync(`${FIXTURES}/responder.swanctl.conf`, 'utf8'), 'swanctl'],
      [readFileSync(`${FIXTURES}/initiator.yaml`, 'utf8'), 'yaml'],
      [readFileSync(`${FIXTURES}/initiator.json`, 'utf8'), 'json'],
    ];
    const mutation = fc.record({
      base: fc.nat(bases.length - 1),
      at: fc.nat(),
      len: fc.nat(40),
      insert: fc.string({ maxLength: 8 }),
      copy: fc.boolean(),
    });
    fc.assert(
      fc.property(mutation, ({ base, at, len, insert, copy }) => {
        const [text, format] = bases[base]!;
        const i = at % (text.length + 1);
        const cut = text.slice(i, i + len);
        const mutated = text.slice(0, i) + insert + (copy ? cut + cut : '') + text.slice(i + len);
        return wellBehaved(mutated, format);
      }),
      { numRuns: 800 },
    );
  });

  test('deep nesting is refused, not a stack overflow', () => {
    const deep = `${'a {\n'.repeat(5000)}${'}\n'.repeat(5000)}`;
    expect(wellBehaved(deep, 'swanctl')).toBe(true);
    expect(wellBehaved(`${'['.repeat(5000)}${']'.repeat(5000)}`, 'yaml')).toBe(true);
    expect(wellBehaved(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`, 'json')).toBe(true);
    const refs = Array.from({ length: 30 }, (_, i) => `s${i + 1} : s${i}, s${i}, s${i} { }`).join('\n');
    expect(wellBehaved(`s0 { x = 1 }\n${refs}\n`, 'swanctl')).toBe(true);
  });
});
