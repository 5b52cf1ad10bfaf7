/**
 * What the firmware leaves out stays out (scripts/build-mote.mjs). A stand-in replaces a module
 * only where the importers its table lists import it, and the firmware's own small versions
 * replace the libraries by name: a new importer of a cut module, or a new import path to a
 * library, would bring the whole module back into the firmware silently (it would still work,
 * just bigger). This holds each build's inputs to what it must not carry.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
interface Build {
  moteBuildOptions(
    minify: boolean,
    o?: { suite?: string; minimal?: boolean },
  ): BuildOptions & { write: false };
  MINIMAL_STAND_INS: readonly (readonly [string, readonly string[], string])[];
}
const load = async () => (await import(join(root, 'scripts/build-mote.mjs'))) as Build;

async function inputs(o: { suite?: string; minimal?: boolean }): Promise<string[]> {
  const { moteBuildOptions } = await load();
  const r = await esbuild.build({ ...moteBuildOptions(false, o), metafile: true });
  return Object.keys((r.metafile as Metafile).inputs);
}

/** The source a stand-in table entry cuts ('/create-child.js' -> '/create-child.ts'). */
const cutSource = (module: string) => module.replace(/\.js$/, '.ts');

/** What no firmware carries: the libraries and modules it has small versions of. */
const NEVER = [
  'node_modules/xstate/',
  'node_modules/rxjs/',
  'ipsec/crypto/noble/aes.ts',
  'ipsec/ike/proposal/keywords.ts',
  'ipsec/x509/name.ts',
  'ipsec/ike/ts/text.ts',
  'ipsec/ike/identity-text.ts',
  'ipsec/crypto/transform-table.ts',
];

describe('what the firmware leaves out', () => {
  it('no firmware carries xstate, rxjs, noble AES tables, the proposal parser, DN identities, the identity and selector syntax or the whole transform table', async () => {
    for (const o of [{}, { suite: 'seed' }, { suite: 'seed', minimal: false }]) {
      const files = await inputs(o);
      expect(files.length).toBeGreaterThan(100);
      for (const never of NEVER) expect(files.filter((f) => f.includes(never))).toEqual([]);
    }
  }, 60_000);

  it('a minimal firmware carries its stand-ins and none of the modules they replace; the full one the reverse', async () => {
    const { MINIMAL_STAND_INS } = await load();
    expect(MINIMAL_STAND_INS.length).toBeGreaterThanOrEqual(7);
    const minimal = await inputs({ suite: 'seed' });
    const full = await inputs({ suite: 'seed', minimal: false });
    for (const [module, , standIn] of MINIMAL_STAND_INS) {
      const source = cutSource(module);
      expect(
        minimal.filter((f) => f.endsWith(source)),
        `${source} in the minimal firmware`,
      ).toEqual([]);
      expect(minimal).toContain(`targets/wismote/${standIn}`);
      expect(
        full.filter((f) => f.endsWith(source)),
        `${source} in the full firmware`,
      ).toHaveLength(1);
      expect(full).not.toContain(`targets/wismote/${standIn}`);
    }
  }, 60_000);

  it('a minimal firmware carries no DoS guard (no responder, nothing half-open); the full one does', async () => {
    const minimal = await inputs({ suite: 'seed' });
    const full = await inputs({ suite: 'seed', minimal: false });
    expect(minimal.filter((f) => f.endsWith('actors/dos-guard.ts'))).toEqual([]);
    expect(full.filter((f) => f.endsWith('actors/dos-guard.ts'))).toHaveLength(1);
  }, 60_000);

  it('a minimal firmware carries no hash (no NAT detection, answered requests kept whole); the full one both', async () => {
    const { moteBuildOptions } = await load();
    const code = async (o: { suite: string; minimal?: boolean }) =>
      (await esbuild.build(moteBuildOptions(false, o))).outputFiles?.[0]?.text ?? '';
    const minimal = await code({ suite: 'seed' });
    const full = await code({ suite: 'seed', minimal: false });
    for (const hash of [/function sha1\(/, /function sha256\(/]) {
      expect(minimal).not.toMatch(hash);
      expect(full).toMatch(hash);
    }
  }, 60_000);
});
