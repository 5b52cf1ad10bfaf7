/**
 * scripts/mote-transforms.mjs: a firmware's transform table is the stack's own descriptors of
 * the transforms its suites' compiled proposals name, no more, no fewer, as the module it links.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TransformType } from '../../ipsec/crypto/ids.js';
import {
  ENCR_TRANSFORMS,
  INTEG_TRANSFORMS,
  KE_TRANSFORMS,
  PRF_TRANSFORMS,
} from '../../ipsec/crypto/transform-table.js';
import type { TransformSpec } from '../../ipsec/ike/model.js';
import { MOTE_PROPOSALS } from '../../targets/wismote/mote-proposals.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const table = { ENCR_TRANSFORMS, INTEG_TRANSFORMS, KE_TRANSFORMS, PRF_TRANSFORMS };
type Table = Record<keyof typeof table, readonly { type: string; id: number; keyBits?: number }[]>;
interface Script {
  compiledTransformTable(suites: readonly string[]): Promise<Table>;
  compiledTransformModule(suites: readonly string[]): Promise<string>;
}
const load = async () => (await import(join(root, 'scripts/mote-transforms.mjs'))) as Script;

const TYPES: Record<number, string> = {
  [TransformType.ENCR]: 'encr',
  [TransformType.PRF]: 'prf',
  [TransformType.INTEG]: 'integ',
  [TransformType.KE]: 'ke',
};
const SUITES = Object.keys(MOTE_PROPOSALS) as (keyof typeof MOTE_PROPOSALS)[];
const named = (suites: readonly (keyof typeof MOTE_PROPOSALS)[]): TransformSpec[] =>
  suites.flatMap((s) => [...MOTE_PROPOSALS[s].ike, ...MOTE_PROPOSALS[s].esp].flatMap((p) => p.transforms));

describe("a firmware's compiled transform table", () => {
  for (const suites of [...SUITES.map((s) => [s]), SUITES])
    it(`${suites.join(' + ')}: the table's descriptors of what the proposals name, each once`, async () => {
      const compiled = await (await load()).compiledTransformTable(suites);
      expect(Object.keys(compiled).sort()).toEqual(Object.keys(table).sort());
      const all = Object.values(compiled).flat();
      // every descriptor is the stack's own
      for (const [name, list] of Object.entries(compiled))
        for (const d of list) expect(table[name as keyof typeof table]).toContainEqual(d);
      // every transform the proposals name with a descriptor in the stack has one here
      for (const t of named(suites)) {
        const type = TYPES[t.type];
        if (!type) continue; // ESN: no descriptor
        const match = all.filter(
          (d) => d.type === type && d.id === t.id && (t.keyLength === undefined || d.keyBits === t.keyLength),
        );
        expect(match, `${type} ${t.id}`).toHaveLength(1);
      }
      // and nothing else
      expect(all.length).toBe(
        new Set(
          named(suites)
            .filter((t) => TYPES[t.type])
            .map((t) => `${t.type}/${t.id}/${t.keyLength}`),
        ).size,
      );
    });

  it('is linked as a module with the same values and renamable (unquoted) keys', async () => {
    const script = await load();
    const text = await script.compiledTransformModule(['seed']);
    expect(text).not.toMatch(/"\w+":/);
    const module = await import(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`);
    expect({ ...module }).toEqual(await script.compiledTransformTable(['seed']));
  });
});
