/**
 * The firmware's unused class members (scripts/mote-members.mjs, in build-mote.mjs minifyMote):
 * a member nothing reaches is left out, one reached by any name the code or its data holds
 * stays, and the code computes what it did. The whole firmware is held to the Node runtime's
 * report by test/targets/wismote/quickjs-runtime.test.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

interface Members {
  dropUnusedMembers(code: string, kept: Set<string>): { code: string; dropped: string[] };
}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { dropUnusedMembers } = (await import(join(root, 'scripts/mote-members.mjs'))) as Members;
/** A script of the firmware's shape: it sets `out.value` from a function body. */
const script = (body: string): string => `out.value = (() => { ${body} })();`;
const run = (code: string): unknown => {
  const out: { value?: unknown } = {};
  new Function('out', code)(out);
  return out.value;
};

describe('the firmware drops class members nothing reaches', () => {
  it('drops the unreached, keeps what a name in code, a pattern, data or `kept` reaches', () => {
    const source = script(`
      class Base { shared() { return 1; } baseOnly() { return 'b'; } }
      class Sa extends Base {
        constructor() { super(); this.n = 2; }
        listSas() { return this.querySa(); }   // only VICI calls it: dropped, then what it calls
        querySa() { return 3; }
        get total() { return this.n; }          // reached by destructuring
        get observed() { return 4; }            // never read: dropped
        set limit(v) { this.n = v; }            // written: kept
        static create() { return new Sa(); }    // reached as Sa.create
        static parse() { return 0; }            // never: dropped
        byData() { return 5; }                  // reached by a name held in a string
        then() { return 6; }                    // a name of JavaScript's: kept
        shared() { return super.shared() + 10; }
        [Symbol.iterator]() { return [].values(); }
      }
      const sa = Sa.create();
      sa.limit = 7;
      const { total } = sa;
      return [sa.shared(), total, sa['by' + 'Data'.slice(0)](), typeof sa.then, [...sa].length];`);
    const { code, dropped } = dropUnusedMembers(source, new Set(['byData', 'then']));
    expect(dropped.sort()).toEqual(['baseOnly', 'get observed', 'listSas', 'querySa', 'static parse']);
    expect(run(code)).toEqual(run(source));
    expect(run(code)).toEqual([11, 7, 5, 'function', 0]);
    for (const gone of ['listSas', 'querySa', 'observed', 'parse(', 'baseOnly'])
      expect(code).not.toContain(gone);
  });

  it('repeats until nothing changes, and leaves code without classes as it was', () => {
    const chain =
      script(`class C { a() { return this.b(); } b() { return this.c(); } c() { return 1; } d() { return 2; } }
      return new C().d();`);
    const { code, dropped } = dropUnusedMembers(chain, new Set());
    expect(dropped).toEqual(['a', 'b', 'c']);
    expect(run(code)).toBe(2);
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 8 }), (xs) => {
        const plain = script(`const o = { m() { return ${JSON.stringify(xs)}; } }; return o.m();`);
        expect(dropUnusedMembers(plain, new Set())).toEqual({ code: plain, dropped: [] });
      }),
    );
  });
});
