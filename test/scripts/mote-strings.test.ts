/**
 * The firmware's names held as data (scripts/mote-strings.mjs): a string that names a renamed
 * property is renamed with it, whole or a part between dots at a time; texts, JavaScript's
 * names and typeof's answers stay. The whole firmware is held to the Node runtime's report by
 * test/targets/wismote/quickjs-runtime.test.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Strings {
  renameStrings(code: string, renamed: Map<string, string>): string;
  reservedNames(code: string, root: string): string[];
  renamedProperties(nameCache: object): Map<string, string>;
}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { renameStrings, reservedNames, renamedProperties } = (await import(
  join(root, 'scripts/mote-strings.mjs')
)) as Strings;

describe("the firmware's names held as data", () => {
  it('renames a string whole or a part between dots at a time, after a # or an @', () => {
    const renamed = new Map([
      ['TASK', 'a'],
      ['closed', 'b'],
      ['ikeSa', 'c'],
      ['snapshot', 'd'],
    ]);
    const code =
      "x = ['TASK', '#ikeSa.closed', '@xstate.snapshot', 'TASK-force', 'a TASK', `$" +
      "{y}.closed`, 'closedish'];";
    expect(renameStrings(code, renamed)).toBe(
      'x = ["a", "#c.b", "@xstate.d", \'TASK-force\', \'a TASK\', `$' + "{y}.b`, 'closedish'];",
    );
  });

  it("reserves texts and the fixed names, not a name that is only a string's", () => {
    const reserved = new Set(
      reservedNames("o.idle = 1; t = ['idle', 'queue-full', 'function', 'then'];", root),
    );
    for (const name of ['queue-full', 'function', 'then', 'createMote', 'radioSend'])
      expect(reserved).toContain(name);
    expect(reserved).not.toContain('idle');
  });

  it("reads terser's name cache", () => {
    expect(renamedProperties({ props: { props: { $idle: 'a', $TASK: 'b' } } })).toEqual(
      new Map([
        ['idle', 'a'],
        ['TASK', 'b'],
      ]),
    );
    expect(renamedProperties({})).toEqual(new Map());
  });

  it('leaves the strings the firmware compares with configuration text: the identity prefixes', async () => {
    const { buildMote } = (await import(join(root, 'scripts/build-mote.mjs'))) as {
      buildMote(o: { suite: string }): Promise<{ minCode: Uint8Array }>;
    };
    const code = Buffer.from((await buildMote({ suite: 'seed' })).minCode).toString('utf8');
    for (const prefix of ['email', 'rfc822', 'fqdn']) expect(code).toContain(`"${prefix}"`);
  }, 120_000);
});
