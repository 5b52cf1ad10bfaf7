/**
 * `npm run build:mote`: the mote target (targets/wismote/mote-entry.ts and what it reaches:
 * ipsec/, machines/, actors/, transport/radio/, and of @noble/* only what a suite's
 * transforms need: the seed's firmware has none) as one ES2020 script for an embedded JS engine
 * with no Node built-ins: an IIFE that defines the global `Mote`
 * (`Mote.createMote(capabilities, options)`). The firmware carries its own small versions of
 * what it takes from libraries: rxjs (targets/wismote/mote-rx.ts, linked here for 'rxjs'),
 * a statechart interpreter of the machines' definitions with xstate's semantics
 * (targets/wismote/mote-xstate.ts, linked here for 'xstate'), short-Weierstrass points and
 * SHA-256/SHA-1 (mote-ecp.ts, mote-hash.ts, chosen by mote-crypto.ts; a minimal firmware needs
 * no hash), each tested against the library it stands in for.
 *
 * Minified by esbuild, then by terser (minifyMote): the "minified" size is after both.
 *
 * Writes dist/mote/mote.js and dist/mote/mote.min.js (the crypto of every suite of the mote
 * profile) and dist/mote/mote-<suite>.min.js (one suite's crypto alone: the firmware a board
 * would flash), each .min.js with its texts' dictionary beside it (mote.texts.json,
 * mote-<suite>.texts.json: the host's, scripts/mote-texts.mjs), prints the sizes (raw, minified,
 * gzipped) of each, and where the bytes of the
 * default bundle go: per package and folder, and the largest files.
 * `--suite <name>` builds that suite's firmware only; `--top <n>` lists n files (default 25).
 *
 * `conditions: ['module']` makes xstate resolve to its ES module build (its CommonJS build would
 * drag a require shim in); `es2015` would make rxjs resolve to its ES2015 build (its default,
 * ES5, needs tslib's helpers), should anything reach the real rxjs again.
 *
 * Class fields are emitted as assignments and private names as properties (mote-private.mjs):
 * within ES2020, more than target es2022 (native fields and #private) saved, 1.1 KiB gzipped.
 * Options measured on the seed firmware and not taken: esbuild's mangleProps /^_/ saved 0.2
 * KiB (terser's renaming in minifyMote renames every property but the host boundary's,
 * JavaScript's and enumerated keys, and the strings that name them with it: 4.3 KiB); drop
 * console/debugger, charset utf8, format esm: < 0.3 KiB each.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { minify } from 'terser';
import { dropUnusedMembers } from './mote-members.mjs';
import { publicPrivatesPlugin } from './mote-private.mjs';
import { keptProperties } from './mote-properties.mjs';
import { renamedProperties, renameStrings, reservedNames } from './mote-strings.mjs';
import { encodeTexts } from './mote-texts.mjs';
import { compiledTransforms } from './mote-transforms.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MOTE_ENTRY = join(root, 'targets/wismote/mote-entry.ts');

/** The mote profile's suites (targets/wismote/profile.ts MOTE_SUITES) and their crypto's export. */
export const MOTE_SUITE_CRYPTO = {
  seed: 'SEED_CRYPTO',
  'ccm8-ecp256': 'CCM8_ECP256_CRYPTO',
  'ccm8-x25519': 'CCM8_X25519_CRYPTO',
};

/**
 * A firmware for one suite: targets/wismote/mote-build.ts (what the build carries) becomes a
 * module that names that suite alone, says whether the build is `minimal` and picks its hashes
 * (a minimal one has none: no NAT detection needs SHA-1, and it keeps answered requests whole
 * rather than their SHA-256 digests).
 */
function oneSuite(suite, minimal) {
  const name = MOTE_SUITE_CRYPTO[suite];
  if (!name) throw new Error(`unknown suite ${suite} (${Object.keys(MOTE_SUITE_CRYPTO).join(', ')})`);
  const crypto = join(root, 'targets/wismote/mote-crypto.ts');
  return {
    name: 'mote-suite',
    setup(build) {
      build.onResolve({ filter: /\/mote-build\.js$/ }, () => ({
        path: 'mote-build',
        namespace: 'mote-suite',
      }));
      build.onLoad({ filter: /.*/, namespace: 'mote-suite' }, () => ({
        contents:
          `import { ${name}, MINIMAL_MOTE_HASHES, MOTE_HASHES } from ${JSON.stringify(crypto)};\n` +
          `export const MOTE_BUILD_SUITES = [${name}];\n` +
          `export const MOTE_BUILD_MINIMAL = ${minimal};\n` +
          `export const MOTE_BUILD_HASHES = ${minimal ? 'MINIMAL_MOTE_HASHES' : 'MOTE_HASHES'};\n`,
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/**
 * A minimal firmware (a one-suite firmware, unless `minimal: false`): RFC 7815's minimal
 * initiator, which the mote profile is by default. Each stand-in (targets/wismote/no-*.ts)
 * (or mote-*.ts) replaces a module where the listed importers import it; gzipped savings on the
 * seed firmware:
 *   - RFC 7383 fragmentation (1.5 KiB, 0.4 the supervisor's side, 0.2 the radio's IKE overhead
 *     that sizes fragments): the machine's fragment handling and the fragmenter; an SKF message
 *     is counted and dropped, nothing is fragmented;
 *   - CREATE_CHILD_SA (1.6 KiB, and 0.2 the supervisor's IKE rekey hand-over): a peer's request
 *     is answered with NO_ADDITIONAL_SAS;
 *   - the responder's half (3.2 KiB, and 0.3 the DoS guard): the router's IKE_SA_INIT door
 *     (half-open table, cookies, DoS admission) and the machine's responder state; a request is
 *     dropped and logged;
 *   - NAT detection (0.5 KiB; the profile has nat_detection = no): no verdict.
 *   - the ESP pipeline's path MTU check (0.3 KiB; a mote sets no pathMtu: 6LoWPAN fragments);
 *   - trap policies and their acquires (0.6 KiB; a mote's child starts at once);
 *   - the IKE message counters (0.3 KiB; read over VICI, which a mote has not);
 *   - IPv4 (0.3 KiB; 6LoWPAN carries IPv6 only): an IPv4 packet is refused as of another version;
 *   - the float to the NAT-T port and NAT-keepalives (0.15 KiB; no NAT detected, none forced);
 *   - SHA-256 (0.55 KiB): an answered request is kept whole, not as its digest, to recognise its
 *     retransmissions; with no NAT detection either, a minimal firmware carries no hash.
 * The firmware refuses a profile with IKE fragmentation or a rekey time at boot (mote-stack.ts).
 */
export const MINIMAL_STAND_INS = [
  // [the module, imported by, its stand-in]
  ['/ike-sa.fragments.js', ['/machines/ike-sa.machine.ts'], 'no-ike-fragments.ts'],
  [
    '/fragment/fragment.js',
    ['/machines/ike-sa.outbound.ts', '/actors/ike-fragments.ts'],
    'no-ike-fragments.ts',
  ],
  ['/ike-fragments.js', ['/actors/supervisor.ts', '/actors/supervisor-lives.ts'], 'no-ike-fragments.ts'],
  ['/radio-ike-overhead.js', ['/targets/wismote/mote-entry.ts'], 'no-ike-fragments.ts'],
  ['/ike-sa.create-child.js', ['/machines/ike-sa.established.ts'], 'no-create-child.ts'],
  ['/ike-rekey-handover.js', ['/actors/supervisor.ts'], 'no-create-child.ts'],
  ['/ike-init-responder.js', ['/actors/ike-router.ts'], 'no-responder.ts'],
  ['/ike-sa.responder.js', ['/machines/ike-sa.machine.ts'], 'no-responder.ts'],
  ['/nat.js', ['/ipsec/ike/exchange/ike-sa-init.ts'], 'no-nat-detection.ts'],
  ['/too-big.js', ['/actors/esp-pipeline.ts'], 'no-path-mtu.ts'],
  ['/trap-policies.js', ['/actors/start-actions.ts'], 'no-traps.ts'],
  ['/esp-acquire.js', ['/actors/esp-pipeline.ts'], 'no-traps.ts'],
  [
    '/ike-message-counters.js',
    ['/actors/supervisor.ts', '/actors/supervisor-effects.ts'],
    'no-message-counters.ts',
  ],
  ['/ipv4.js', ['/ipsec/packet/ip.ts', '/ipsec/packet/flow.ts', '/actors/esp-pipeline.ts'], 'no-ipv4.ts'],
  ['/nat-t.js', ['/actors/supervisor-effects.ts', '/actors/supervisor-lives.ts'], 'no-nat-t.ts'],
  ['/request-digest.js', ['/ipsec/ike/retransmission.ts'], 'mote-request-digest.ts'],
];

/**
 * A plugin that links each stand-in of `table` ([module, importers, stand-in in
 * targets/wismote/]) in place of its module where one of the listed importers imports it.
 */
function standIns(name, table) {
  return {
    name,
    setup(build) {
      build.onResolve({ filter: /\.js$/ }, (a) => {
        const hit = table.find(
          ([module, importers]) => a.path.endsWith(module) && importers.some((i) => a.importer.endsWith(i)),
        );
        return hit ? { path: join(root, 'targets/wismote', hit[2]) } : undefined;
      });
    },
  };
}

const minimalIke = standIns('mote-minimal-ike', MINIMAL_STAND_INS);

/**
 * AES on small tables: ipsec/crypto/noble/aes.ts (noble's round function, 1.28 MiB of tables
 * built at load) becomes aes-small.ts (5 KiB of tables, encryption only: every suite of the
 * mote runs AES forward). The largest part of a mote's heap otherwise.
 */
const smallAes = {
  name: 'mote-aes',
  setup(build) {
    build.onResolve({ filter: /^\.\/aes\.js$/ }, (a) =>
      a.importer.includes('/ipsec/crypto/noble/')
        ? { path: join(root, 'ipsec/crypto/noble/aes-small.ts') }
        : undefined,
    );
  },
};

/**
 * A compiled profile, in every firmware: the proposal keyword parser
 * (ipsec/ike/proposal/keywords.ts) becomes targets/wismote/no-keywords.ts, the firmware's
 * proposals being compiled in (targets/wismote/mote-proposals.ts); DN identities
 * (ipsec/x509/name.ts) become no-dn.ts (PSK with FQDN / email / IP ids: no DN parser);
 * swanctl's identity syntax (ipsec/ike/identity-text.ts) becomes mote-identity-text.ts (email
 * and FQDN identities, the profile's);
 * swanctl's traffic selector syntax (ipsec/ike/ts/text.ts) becomes mote-ts-text.ts (one host
 * address: a mote's selectors are 'dynamic'). Another importer of a module listed here would
 * bring it back: test/scripts/mote-cuts.test.ts.
 */
export const COMPILED_PROFILE = [
  // [the module, imported by, its stand-in]
  ['/keywords.js', ['/ipsec/ike/proposal/configured.ts'], 'no-keywords.ts'],
  ['/x509/name.js', ['/ipsec/ike/identity.ts'], 'no-dn.ts'],
  ['/identity-text.js', ['/ipsec/ike/identity.ts'], 'mote-identity-text.ts'],
  [
    '/ts/text.js',
    ['/ipsec/ike/exchange/child.ts', '/actors/supervisor-children.ts', '/ipsec/policy/selector.ts'],
    'mote-ts-text.ts',
  ],
];

/**
 * The firmware's rxjs: 'rxjs', imported by the stack (the ESP pipeline, SAD, SPD, the radio
 * transport), becomes targets/wismote/mote-rx.ts, the part of rxjs a mote runs with rxjs's
 * semantics (2 KiB against rxjs's 13 and tslib's 2).
 */
const moteRx = {
  name: 'mote-rx',
  setup(build) {
    build.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(root, 'targets/wismote/mote-rx.ts') }));
  },
};

/**
 * The firmware's xstate: 'xstate', imported by machines/ (setup, assign, enqueueActions) and
 * actors/child-lifecycle.ts (initialTransition), becomes targets/wismote/mote-xstate.ts, an
 * interpreter of the same machine definitions with XState 5's semantics for what they use
 * (3 KiB against xstate's 12.5, gzipped); actors/ike-sa-run.ts drives it as it drives xstate.
 */
const moteXstate = {
  name: 'mote-xstate',
  setup(build) {
    build.onResolve({ filter: /^xstate$/ }, () => ({ path: join(root, 'targets/wismote/mote-xstate.ts') }));
  },
};

/**
 * The polyfills (targets/wismote/mote-polyfills.ts) are all side effect: kept whatever
 * package.json's `sideEffects` says of the sources.
 */
const keepPolyfills = {
  name: 'mote-polyfills',
  setup(build) {
    build.onResolve({ filter: /\/mote-polyfills\.js$/ }, () => ({
      path: join(root, 'targets/wismote/mote-polyfills.ts'),
      sideEffects: true,
    }));
  },
};

/**
 * esbuild options of the mote bundle (tests build with the same); `suite`: one suite's firmware;
 * `minimal`: RFC 7815's minimal initiator (minimalIke; default: a one-suite firmware is).
 */
export function moteBuildOptions(minify, { suite, minimal = !!suite } = {}) {
  if (!suite && minimal) throw new Error('the every-suite firmware is never minimal: name a suite');
  return {
    entryPoints: [MOTE_ENTRY],
    bundle: true,
    format: 'iife',
    globalName: 'Mote',
    target: 'es2020',
    platform: 'neutral',
    conditions: ['module', 'es2015'],
    mainFields: ['module', 'main'],
    minify,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    // Class fields as assignments in the constructor (TypeScript's historical emit), not
    // esbuild's __publicField(this, "name", value) calls: 0.8 KiB gzipped, and the field names
    // are no longer strings, so the property renaming reaches them. The firmware's classes
    // assign every field without an initializer in their constructors and none shadows a field
    // of a base class, the cases where the two emits differ (the identical-report tests hold
    // it). verbatimModuleSyntax as tsconfig.json has it (tsconfigRaw replaces the file).
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
    plugins: [
      publicPrivatesPlugin(root),
      keepPolyfills,
      smallAes,
      standIns('mote-compiled-profile', COMPILED_PROFILE),
      compiledTransforms(suite ? [suite] : Object.keys(MOTE_SUITE_CRYPTO)),
      moteRx,
      moteXstate,
      ...(suite ? [oneSuite(suite, minimal)] : []),
      ...(minimal ? [minimalIke] : []),
    ],
  };
}

/** Which package (node_modules/<pkg>) or our top-level folder an input path belongs to. */
export function ownerOf(path) {
  if (path.startsWith('mote-suite:')) return 'targets/';
  if (path.startsWith('mote-transforms:')) return 'ipsec/';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m) return m[1];
  return `${path.split('/')[0]}/`;
}

/** The folder of an input: ours to two levels (ipsec/ike/), a package's to its first (@noble/curves/abstract/). */
export function folderOf(path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (m) {
    const rest = m[2].split('/').filter((p) => p !== 'dist' && p !== 'esm' && p !== 'internal');
    return `${m[1]}/${rest.length > 1 ? `${rest[0]}/` : ''}`;
  }
  if (path.startsWith('mote-suite:')) return 'targets/';
  if (path.startsWith('mote-transforms:')) return 'ipsec/crypto/';
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : `${parts[0]}/`;
}

/** Minified bytes per input file (esbuild's bytesInOutput). */
export function bytesPerInput(metafile) {
  const out = new Map();
  for (const o of Object.values(metafile.outputs))
    for (const [path, i] of Object.entries(o.inputs)) out.set(path, (out.get(path) ?? 0) + i.bytesInOutput);
  return out;
}

/** Sums of `bytes` (per input) grouped by `key`, largest first. */
export function groupBytes(bytes, key) {
  const out = new Map();
  for (const [path, n] of bytes) out.set(key(path), (out.get(key(path)) ?? 0) + n);
  return [...out].sort((a, b) => b[1] - a[1]);
}

/**
 * The firmware's last passes: terser (three compress passes, mangled names) over esbuild's
 * minified bundle; then its texts become codes (scripts/mote-texts.mjs: the dictionary, `texts`,
 * stays with the host); then the class members nothing reaches are left out
 * (scripts/mote-members.mjs: what only VICI or the inspector calls; 0.3 KiB); then terser again
 * renames properties (scripts/mote-properties.mjs: what it keeps) and compresses what the
 * coded texts and the members left out made simpler (0.1 KiB); then the strings that name a
 * renamed property are renamed with it (scripts/mote-strings.mjs; 1.1 KiB). Measured on the
 * seed firmware: the first pass 3.3 KiB (4 %) less gzipped than esbuild's minifier alone, and
 * 22 KiB less QuickJS heap. Its
 * options trade heap, which the mote has to spare (1.0 of 1.5 MiB), for flash: terser's default
 * inlining of functions used once (`reduce_funcs`) saves 0.4 KiB gzipped for 25 KiB of heap;
 * `unsafe` (builtins called as the language defines them), `unsafe_arrows` (a function
 * expression that uses no `this` is never a constructor: none of ours is) and `pure_getters`
 * (reading a property has no effect: our getters compute, they do not act) 0.3 KiB more.
 */
const COMPRESS = { unsafe: true, unsafe_arrows: true, pure_getters: true };

export async function minifyMote(code) {
  const compressed = await minify(Buffer.from(code).toString('utf8'), {
    ecma: 2020,
    compress: { ...COMPRESS, passes: 3 },
    mangle: true,
    format: { comments: false },
  });
  const coded = encodeTexts(compressed.code);
  const used = dropUnusedMembers(coded.code, new Set(keptProperties(coded.code, root))).code;
  const nameCache = {};
  const renamed = await minify(used, {
    ecma: 2020,
    compress: { ...COMPRESS, passes: 2 },
    mangle: { properties: { builtins: true, reserved: reservedNames(used, root) } },
    nameCache,
    format: { comments: false },
  });
  const named = renameStrings(renamed.code, renamedProperties(nameCache));
  return { code: new TextEncoder().encode(named), texts: { texts: coded.texts } };
}

/** Builds the bundle: its minified code, its sizes and its metafile. */
export async function buildMote(o = {}) {
  const raw = await esbuild.build(moteBuildOptions(false, o));
  const min = await esbuild.build(moteBuildOptions(true, o));
  const rawCode = raw.outputFiles[0].contents;
  const { code: minCode, texts } = await minifyMote(min.outputFiles[0].contents);
  const text = Buffer.from(minCode).toString('utf8');
  if (/\bnode:|require\(/.test(text)) throw new Error('the mote bundle reaches for a Node built-in');
  return {
    rawCode,
    minCode,
    texts,
    sizes: { raw: rawCode.length, min: minCode.length, gzip: gzipSync(minCode, { level: 9 }).length },
    metafile: min.metafile,
  };
}

/**
 * What each package (ownerOf) costs of the gzipped bundle, approximately: the unminified bundle
 * cut at esbuild's per-module `// path` comments, each module minified alone, and per package
 * the gzip size of all modules less that of all but the package's (what leaving it out would
 * save), scaled by the real bundle's gzip size over the sum of the modules'. Gzip does not
 * add up per part; this answers "what would leaving X out save", to within a few percent.
 */
export async function gzipPerPackage(rawCode, gzipSize) {
  const code = Buffer.from(rawCode).toString('utf8');
  const marks = [...code.matchAll(/^\s*\/\/ ((?:node_modules\/)?[\w@./-]+\.(?:ts|js|mjs))$/gm)];
  const parts = [];
  for (let i = 0; i < marks.length; i++) {
    const text = code.slice(marks[i].index, i + 1 < marks.length ? marks[i + 1].index : code.length);
    let min = text;
    try {
      min = (await esbuild.transform(text, { minify: true, target: 'es2020' })).code;
    } catch {
      // a part that does not parse alone stays as it is
    }
    parts.push([ownerOf(marks[i][1]), min]);
  }
  const gz = (list) => gzipSync(list.map((p) => p[1]).join('\n'), { level: 9 }).length;
  const all = gz(parts);
  const scale = gzipSize / all;
  return [...new Set(parts.map((p) => p[0]))]
    .map((owner) => [owner, Math.round(scale * (all - gz(parts.filter((p) => p[0] !== owner))))])
    .sort((a, b) => b[1] - a[1]);
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const pct = (n, total) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;

async function printBreakdown(build, top) {
  const bytes = bytesPerInput(build.metafile);
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  const table = (title, rows, of = total) => {
    console.log(`\n${title}`);
    for (const [k, n] of rows) console.log(`  ${k.padEnd(48)} ${kib(n).padStart(10)} ${pct(n, of)}`);
  };
  table('contribution to the minified bundle, per package:', groupBytes(bytes, ownerOf));
  table(
    'of the gzipped bundle, per package (approximately: what leaving it out would save):',
    await gzipPerPackage(build.rawCode, build.sizes.gzip),
    build.sizes.gzip,
  );
  table('per folder:', groupBytes(bytes, folderOf));
  table(
    `the ${top} largest files:`,
    groupBytes(bytes, (p) => p.replace(/^.*node_modules\//, '')).slice(0, top),
  );
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = arg('--suite');
  const top = Number(arg('--top') ?? 25);
  const out = join(root, 'dist/mote');
  mkdirSync(out, { recursive: true });
  const builds = only ? [only] : [undefined, ...Object.keys(MOTE_SUITE_CRYPTO)];
  let first;
  console.log(
    `${'bundle'.padEnd(30)} ${'raw'.padStart(10)} ${'minified'.padStart(10)} ${'gzipped'.padStart(10)}`,
  );
  for (const suite of builds) {
    const b = await buildMote({ suite });
    first ??= b;
    const file = suite ? `mote-${suite}.min.js` : 'mote.min.js';
    if (!suite) writeFileSync(join(out, 'mote.js'), b.rawCode);
    writeFileSync(join(out, file), b.minCode);
    // the firmware's texts (scripts/mote-texts.mjs): the host's, never flashed
    writeFileSync(join(out, file.replace(/\.min\.js$/, '.texts.json')), `${JSON.stringify(b.texts)}\n`);
    const s = b.sizes;
    console.log(
      `${`dist/mote/${file}`.padEnd(30)} ${kib(s.raw).padStart(10)} ${kib(s.min).padStart(10)} ${kib(s.gzip).padStart(10)}`,
    );
  }
  console.log(
    only ? `\nwhere the bytes go (suite ${only}):` : '\nwhere the bytes go (mote.min.js, every suite):',
  );
  await printBreakdown(first, top);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
