/**
 * `npm run build:mote`: the mote target (targets/wismote/mote-entry.ts and what it reaches:
 * ipsec/, machines/, actors/, transport/radio/, rxjs, xstate, @noble/*) as one ES2020 script for
 * an embedded JS engine with no Node built-ins: an IIFE that defines the global `Mote`
 * (`Mote.createMote(capabilities, options)`). Writes dist/mote/mote.js and dist/mote/mote.min.js,
 * and prints the sizes (raw, minified, gzipped) and what each package contributes.
 *
 * `conditions: ['module']` makes xstate resolve to its ES module build (its CommonJS build would
 * drag a require shim in).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MOTE_ENTRY = join(root, 'targets/wismote/mote-entry.ts');

/** esbuild options of the mote bundle (the test builds with the same). */
export const moteBuildOptions = (minify) => ({
  entryPoints: [MOTE_ENTRY],
  bundle: true,
  format: 'iife',
  globalName: 'Mote',
  target: 'es2020',
  platform: 'neutral',
  conditions: ['module'],
  mainFields: ['module', 'main'],
  minify,
  legalComments: 'none',
  metafile: true,
  write: false,
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
});

/** Which package (node_modules/<pkg>) or our top-level folder an input path belongs to. */
export function ownerOf(path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m) return m[1];
  return `${path.split('/')[0]}/`;
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function main() {
  const raw = await esbuild.build(moteBuildOptions(false));
  const min = await esbuild.build(moteBuildOptions(true));
  const rawCode = raw.outputFiles[0].contents;
  const minCode = min.outputFiles[0].contents;
  const out = join(root, 'dist/mote');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'mote.js'), rawCode);
  writeFileSync(join(out, 'mote.min.js'), minCode);
  const text = Buffer.from(minCode).toString('utf8');
  if (/\bnode:|require\(/.test(text)) throw new Error('the mote bundle reaches for a Node built-in');

  console.log('dist/mote/mote.js      raw      ', kib(rawCode.length).padStart(10));
  console.log('dist/mote/mote.min.js  minified ', kib(minCode.length).padStart(10));
  console.log('                       gzipped  ', kib(gzipSync(minCode, { level: 9 }).length).padStart(10));
  // What each package contributes to the minified output (esbuild's per-input bytesInOutput).
  const byOwner = new Map();
  for (const o of Object.values(min.metafile.outputs))
    for (const [path, i] of Object.entries(o.inputs)) {
      const k = ownerOf(path);
      byOwner.set(k, (byOwner.get(k) ?? 0) + i.bytesInOutput);
    }
  const total = [...byOwner.values()].reduce((a, b) => a + b, 0);
  console.log('\ncontribution to the minified bundle:');
  for (const [k, n] of [...byOwner].sort((a, b) => b[1] - a[1]))
    console.log(`  ${k.padEnd(22)} ${kib(n).padStart(10)} ${((100 * n) / total).toFixed(1).padStart(5)} %`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
