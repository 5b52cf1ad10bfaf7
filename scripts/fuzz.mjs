#!/usr/bin/env node
/**
 * `npm run fuzz -- --count N --seed S [--state NAME] [--per-world K]`: fuzzing after the SK
 * payload (bench/fuzz-sk.ts over test/support/fuzz-sk.ts). The TypeScript is bundled by
 * esbuild (a dev dependency) into node_modules/.cache, then run; exit 1 on a broken invariant.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'node_modules', '.cache', 'fuzz-sk', 'fuzz-sk.mjs');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'bench', 'fuzz-sk.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
  // test/support/vectors.ts finds the captures next to itself.
  define: {
    'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'test', 'support', 'vectors.ts')).href),
  },
});
await import(pathToFileURL(outfile).href);
