#!/usr/bin/env node
/**
 * `npm run check:pack` (and .ci/run): proves that the package works as a library for someone
 * else's app. In a temporary directory:
 *   1. npm pack (prepack builds dist/), then checks the tarball's contents: the entry points of
 *      the exports map and the bin are in it; no tests, benchmarks, source maps or TypeScript
 *      sources; every compiled file has its source in the repository (a stale dist/ file fails);
 *   2. the main entry point reaches no node: module (it is the portable core);
 *   3. a clean project installs the tarball (its dependencies come from the registry, as for
 *      any user), runs examples/two-peers over UDP and over the memory transport, and requires
 *      each run's "two-peers: OK"; the bin answers `ikev2 help`;
 *   4. scripts/check-pack.consumer.ts type-checks there against the packed declarations, with
 *      the repository's TypeScript.
 * Prints the package's size. Exit code 0 if everything held; any failure names itself.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'check-pack-'));
const problems = [];

const step = (s) => console.log(`check-pack: ${s}`);
function fail(message) {
  throw new Error(message);
}
/** Runs a command; its output is shown only if it fails (or returned when `capture`). */
function run(cmd, args, o = {}) {
  try {
    return execFileSync(cmd, args, {
      cwd: o.cwd ?? work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: o.timeout ?? 300_000,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    });
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    fail(`${cmd} ${args.join(' ')} failed (${e.signal ?? `exit ${e.status}`})${out ? `:\n${out}` : ''}`);
  }
}

/** Relative imports and bare specifiers of one ES module (static, re-exports and dynamic). */
function importsOf(code) {
  const out = new Set();
  // A specifier has no spaces or template holes: `from "${name}"` in a message is not an import.
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"\s${}]+)['"]/g;
  for (let m = re.exec(code); m; m = re.exec(code)) out.add(m[1]);
  return [...out];
}

/** Every module the entry reaches, and the non-relative specifiers it imports. */
function reach(root, entry) {
  const seen = new Set();
  const external = new Map(); // specifier -> first importer
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(join(dirname(file), spec));
      else if (!external.has(spec)) external.set(spec, relative(root, file));
    }
  }
  return { modules: seen, external };
}

function checkContents(files) {
  const has = new Set(files.map((f) => f.path));
  const targets = [pkg.bin.ikev2, 'docs/LIBRARY.md', 'README.md', 'examples/two-peers/two-peers.mjs'];
  for (const entry of Object.values(pkg.exports))
    if (typeof entry === 'object') targets.push(entry.types, entry.import);
  for (const t of targets) if (!has.has(t.replace(/^\.\//, ''))) problems.push(`the package lacks ${t}`);
  for (const f of has) {
    if (/\.map$|\.test\.|(^|\/)(test|bench)\//.test(f))
      problems.push(`the package holds ${f} (tests, benchmarks and maps stay out)`);
    if (f.endsWith('.ts') && !f.endsWith('.d.ts'))
      problems.push(`the package holds the TypeScript source ${f}`);
    // dist/x/y.js (or .d.ts) is compiled from x/y.ts; the inspector page is copied as it is.
    const m = /^dist\/(.+?)(\.d\.ts|\.js)$/.exec(f);
    if (m && !f.startsWith('dist/mote/')) {
      const base = join(repo, m[1]);
      if (!existsSync(`${base}.ts`) && !existsSync(`${base}.js`))
        problems.push(`${f} has no source in the repository (a stale build? rm -rf dist && npm run build)`);
    }
  }
}

function checkPortable(root) {
  const entry = join(root, pkg.exports['.'].import);
  const { modules, external } = reach(root, entry);
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const [spec, from] of external) {
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (spec.startsWith('node:') || !deps.has(name))
      problems.push(`the main entry point reaches '${spec}' (imported by ${from}): it must stay portable`);
  }
  return modules.size;
}

try {
  step(`npm pack (prepack builds dist/) into ${work}`);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo }))[0];
  const tarball = join(work, packed.filename);
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  step(
    `${packed.filename}: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${packed.files.length} files`,
  );
  checkContents(packed.files);

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'check-pack-app', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  step('a clean project installs the tarball (dependencies from the registry)');
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app });
  const installed = join(app, 'node_modules', pkg.name);
  const modules = checkPortable(installed);
  step(`the main entry point reaches ${modules} modules and no node: module`);
  if (problems.length > 0) fail(problems.join('\n  '));

  copyFileSync(join(installed, 'examples/two-peers/two-peers.mjs'), join(app, 'two-peers.mjs'));
  for (const args of [[], ['--transport', 'memory']]) {
    step(`node two-peers.mjs ${args.join(' ')}`.trimEnd());
    const out = run('node', ['two-peers.mjs', ...args], { cwd: app, timeout: 60_000 });
    process.stdout.write(`${out.trimEnd().replace(/^/gm, '    ')}\n`);
    for (const want of ["CHILD_SA 'net' up", 'received "pong from 10.0.1.1:7"', 'two-peers: OK'])
      if (!out.includes(want)) fail(`two-peers ${args.join(' ')}: no "${want}" in its output`);
  }

  step('the bin: ikev2 help');
  const help = run(join(app, 'node_modules', '.bin', 'ikev2'), ['help'], { cwd: app, timeout: 30_000 });
  if (!help.includes('usage: ikev2')) fail(`ikev2 help printed no usage:\n${help}`);

  step('a TypeScript consumer type-checks against the packed declarations');
  copyFileSync(join(repo, 'scripts/check-pack.consumer.ts'), join(app, 'consumer.ts'));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }),
  );
  run('node', [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
  step('OK');
} catch (e) {
  console.error(`check-pack: FAILED: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  if (keep) step(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
