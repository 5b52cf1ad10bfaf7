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

/** Loads our TypeScript sources at build time: the table, the proposals, the transform types. */
async function sources() {
  const r = await esbuild.build({
    stdin: {
      contents: [
        `export * as table from './ipsec/crypto/transform-table.ts';`,
        `export { MOTE_PROPOSALS } from './targets/wismote/mote-proposals.ts';`,
        `export { TransformType } from './ipsec/crypto/ids.ts';`,
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

/** The table's lists, each filtered to the transforms the proposals of `suites` name. */
export async function compiledTransformTable(suites) {
  const { table, MOTE_PROPOSALS, TransformType } = await sources();
  const named = suites.flatMap((s) => {
    const p = MOTE_PROPOSALS[s];
    if (!p) throw new Error(`unknown suite ${s}`);
    return [...p.ike, ...p.esp].flatMap((proposal) => proposal.transforms);
  });
  const typeOf = {
    encr: TransformType.ENCR,
    prf: TransformType.PRF,
    integ: TransformType.INTEG,
    ke: TransformType.KE,
  };
  const used = (t) =>
    named.some(
      (n) =>
        n.type === typeOf[t.type] &&
        n.id === t.id &&
        (t.type !== 'encr' || (t.keyLengthAttribute ? n.keyLength === t.keyBits : n.keyLength === undefined)),
    );
  return Object.fromEntries(Object.entries(table).map(([name, list]) => [name, list.filter(used)]));
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
