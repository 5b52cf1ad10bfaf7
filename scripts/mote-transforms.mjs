/**
 * A compiled transform table for the mote firmware: ipsec/crypto/transform-table.ts (every
 * transform the stack implements) becomes the descriptors the firmware's suites name in their
 * compiled proposals (targets/wismote/mote-proposals.ts), written out when the firmware is
 * built. A firmware offers only its suites' proposals and implements only their crypto, so a
 * transform outside them is one it could not use: it is refused as unknown, as the stack
 * refuses one it does not implement. The descriptors are the table's own, value for value
 * (test/scripts/mote-transforms.test.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Loads our TypeScript sources at build time: the table, the proposals, the stack's suites. */
async function sources() {
  const r = await esbuild.build({
    stdin: {
      contents: [
        `export * as table from './ipsec/crypto/transform-table.ts';`,
        `export { MOTE_PROPOSALS } from './targets/wismote/mote-proposals.ts';`,
        `export { negotiatedSuite } from './ipsec/ike/proposal/suite.ts';`,
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  const code = Buffer.from(r.outputFiles[0].contents).toString('base64');
  return import(`data:text/javascript;base64,${code}`);
}

/** A value as a JavaScript literal with unquoted keys (quoted ones would be kept from renaming). */
function literal(v) {
  if (Array.isArray(v)) return `[${v.map(literal).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}:${literal(x)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/**
 * The table's lists, each filtered to the descriptors of the suites the proposals of `suites`
 * are (the stack's own negotiatedSuite: what a firmware can negotiate, and nothing else).
 */
export async function compiledTransformTable(suites) {
  const { table, MOTE_PROPOSALS, negotiatedSuite } = await sources();
  const used = new Set();
  for (const s of suites) {
    const p = MOTE_PROPOSALS[s];
    if (!p) throw new Error(`unknown suite ${s}`);
    for (const proposal of [...p.ike, ...p.esp]) {
      const suite = negotiatedSuite(proposal);
      if (!suite.ok) throw new Error(`suite ${s}: ${suite.error.message}`);
      for (const t of [suite.value.encr, suite.value.integ, suite.value.prf, suite.value.ke]) used.add(t);
    }
  }
  return Object.fromEntries(
    Object.entries(table).map(([name, list]) => [name, list.filter((t) => used.has(t))]),
  );
}

/** The compiled table as the module the firmware links (keys unquoted, so renamable). */
export async function compiledTransformModule(suites) {
  return Object.entries(await compiledTransformTable(suites))
    .map(([name, list]) => `export const ${name} = ${literal(list)};\n`)
    .join('');
}

/** The plugin: transforms.ts's import of the table resolves to the compiled one. */
export function compiledTransforms(suites) {
  return {
    name: 'mote-transforms',
    setup(build) {
      build.onResolve({ filter: /\/transform-table\.js$/ }, (a) =>
        a.importer.endsWith('/ipsec/crypto/transforms.ts')
          ? { path: `transform-table:${suites.join(',')}`, namespace: 'mote-transforms' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'mote-transforms' }, async () => ({
        contents: await compiledTransformModule(suites),
        loader: 'js',
      }));
    },
  };
}
