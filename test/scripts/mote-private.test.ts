/**
 * The firmware's private names as properties (scripts/mote-private.mjs): every `#x` of the code
 * becomes `__private_x`; a `#` in a string, a template's text, a comment or a state id stays; a
 * private brand check (`#x in o`), which has no property form, is refused at build time.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
interface Private {
  publicPrivates(file: string, text: string): string;
  PRIVATE_PREFIX: string;
}
const load = async () => (await import(join(root, 'scripts/mote-private.mjs'))) as Private;

describe("the firmware's private names", () => {
  it('rewrites private names of the code only', async () => {
    const { publicPrivates, PRIVATE_PREFIX } = await load();
    expect(PRIVATE_PREFIX).toBe('__private_');
    const text = [
      'class A {',
      '  #n = 1; // #n in a comment',
      "  static #k = '#ike.established';",
      '  #inc(): number { return ++this.#n; }',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a TypeScript source as text
      '  get t(): string { return `${this.#inc()} #not ${A.#k}`; }',
      '}',
    ].join('\n');
    expect(publicPrivates('a.ts', text)).toBe(
      [
        'class A {',
        '  __private_n = 1; // #n in a comment',
        "  static __private_k = '#ike.established';",
        '  __private_inc(): number { return ++this.__private_n; }',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a TypeScript source as text
        '  get t(): string { return `${this.__private_inc()} #not ${A.__private_k}`; }',
        '}',
      ].join('\n'),
    );
  });

  it('refuses a private brand check', async () => {
    const { publicPrivates } = await load();
    expect(() =>
      publicPrivates('b.ts', 'class B { #x = 1; static is(o: object) { return #x in o; } }'),
    ).toThrow(/b\.ts: `#x in o`: a private brand check has no property form/);
  });
});
