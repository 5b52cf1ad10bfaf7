/**
 * Where the mote firmware's bytes and heap go (issue 13 point 3): for each bundle, its size
 * (raw, minified, gzipped), and the QuickJS heap of a mote running it (quickjs-runtime.ts: after
 * boot, after the handshake, at peak) in a small simulation of the seed's suite, whose
 * report.json must be the node runtime's. Then what each package and folder contributes to the
 * seed's firmware. Bundles: the baseline (the firmware as `git archive BENCH_BASELINE` builds it,
 * when that revision is given and git is there), the default firmware (every suite of the
 * profile), the seed's with the whole of IKE (`minimal: false`: RFC 7383 and CREATE_CHILD_SA)
 * and the seed's as a board flashes it (scripts/build-mote.mjs --suite seed: RFC 7815's
 * minimal initiator).
 *
 *   npm run bench:mote
 *   BENCH_BASELINE=688c75f BENCH_MOTES=3 BENCH_SECONDS=60 to change the run
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { nobleProvider } from '../ipsec/crypto/noble/index.js';
import { loadQuickJs, type MoteHeap, QuickJsMoteRuntime } from '../targets/wismote/quickjs-runtime.js';
import { runSimulation } from '../targets/wismote/sim.js';
import { SIM_DEFAULTS, type SimOptions } from '../targets/wismote/sim-options.js';

const BASELINE = process.env.BENCH_BASELINE ?? '688c75f';
const MOTES = Number(process.env.BENCH_MOTES ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);

interface Metafile {
  readonly outputs: Record<string, { readonly inputs: Record<string, { readonly bytesInOutput: number }> }>;
}
interface BuildScript {
  buildMote(o?: { suite?: string; minimal?: boolean }): Promise<{
    minCode: Uint8Array;
    sizes: { raw: number; min: number; gzip: number };
    metafile: Metafile;
  }>;
  bytesPerInput(m: Metafile): Map<string, number>;
  groupBytes(bytes: Map<string, number>, key: (path: string) => string): [string, number][];
  ownerOf(path: string): string;
  folderOf(path: string): string;
}
/** What a baseline revision's build script is known to have. */
interface OldBuildScript {
  moteBuildOptions(minify: boolean): object;
  /** Since terser's passes (before: esbuild's minification alone). */
  minifyMote?(code: Uint8Array): Promise<{ code: Uint8Array }>;
}

/** The repository: the nearest folder up with scripts/build-mote.mjs (source or dist/bench). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts/build-mote.mjs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('scripts/build-mote.mjs not found above this script');
    dir = up;
  }
  return dir;
}

interface Bundle {
  readonly name: string;
  readonly code: string;
  readonly raw: number;
  readonly min: number;
  readonly gzip: number;
}

/**
 * The firmware of revision `rev` (every suite), built with that revision's own build script,
 * options and minification passes.
 */
async function baseline(root: string, rev: string): Promise<Bundle | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'mote-baseline-'));
  try {
    const tar = execFileSync('git', ['-C', root, 'archive', rev], { maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const script = (await import(pathToFileURL(join(dir, 'scripts/build-mote.mjs')).href)) as OldBuildScript;
    const esbuild = await import('esbuild');
    const build = async (minify: boolean) =>
      (await esbuild.build({ ...script.moteBuildOptions(minify), write: false })).outputFiles![0]!.contents;
    const raw = await build(false);
    const esbuildMin = await build(true);
    const min = script.minifyMote ? (await script.minifyMote(esbuildMin)).code : esbuildMin;
    const code = Buffer.from(min).toString('utf8');
    return {
      name: `baseline ${rev}`,
      code,
      raw: raw.length,
      min: min.length,
      gzip: gzipSync(min, { level: 9 }).length,
    };
  } catch (e) {
    console.error(`(no baseline: ${(e as Error).message.split('\n')[0]})`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A seed-suite simulation with every mote in QuickJS; its heaps, and whether report.json is node's. */
async function heapOf(
  code: string,
): Promise<{ heaps: MoteHeap[]; sameReport: boolean; established: boolean }> {
  const o: SimOptions = {
    ...SIM_DEFAULTS,
    seed: 'mote-size',
    motes: MOTES,
    durationS: SECONDS,
    intervalS: 10,
  };
  const node = runSimulation(o, { provider: nobleProvider, compareWithSeed: false });
  const runtime = new QuickJsMoteRuntime(await loadQuickJs(), { code });
  const quickjs = runSimulation(o, { provider: nobleProvider, compareWithSeed: false, runtime });
  return {
    heaps: runtime.measurements(),
    sameReport: JSON.stringify(node.report) === JSON.stringify(quickjs.report),
    established: quickjs.report.motes.every((m) => m.established),
  };
}

const kib = (n: number | undefined) => (n === undefined ? '-' : `${(n / 1024).toFixed(1)} KiB`);
const max = (hs: MoteHeap[], k: 'afterBoot' | 'afterHandshake' | 'peak') =>
  hs.reduce<number | undefined>((m, h) => Math.max(m ?? 0, h[k]?.octets ?? 0), undefined);

async function main(): Promise<void> {
  const root = repoRoot();
  const script = (await import(pathToFileURL(join(root, 'scripts/build-mote.mjs')).href)) as BuildScript;
  const bundles: Bundle[] = [];
  const old = await baseline(root, BASELINE);
  if (old) bundles.push(old);
  const seed = await script.buildMote({ suite: 'seed' });
  for (const [name, b] of [
    ['every suite', await script.buildMote()],
    ['seed, full IKE', await script.buildMote({ suite: 'seed', minimal: false })],
    ['seed suite', seed],
  ] as const)
    bundles.push({ name, code: Buffer.from(b.minCode).toString('utf8'), ...b.sizes });

  if (old)
    console.log(
      `(the report column: report.json against this tree's node runtime; ${old.name} runs older code)`,
    );
  console.log(`QuickJS heap of ${MOTES} motes, seed suite, ${SECONDS} s (the largest mote's):\n`);
  const cols = ['bundle', 'raw', 'minified', 'gzipped', 'heap boot', 'handshake', 'peak', 'report'];
  const widths = [22, 11, 11, 11, 11, 11, 11, 10];
  const row = (cells: string[]) =>
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' '));
  row(cols);
  for (const b of bundles) {
    const h = await heapOf(b.code);
    // An older revision's firmware may draw its random stream otherwise than today's node
    // runtime (cookie secrets at start before 760803b): its report is compared, not required.
    const differs = b === old ? 'differs' : 'DIFFERS';
    const report = !h.established ? 'no SA' : h.sameReport ? 'same' : differs;
    row([
      b.name,
      kib(b.raw),
      kib(b.min),
      kib(b.gzip),
      ...(['afterBoot', 'afterHandshake', 'peak'] as const).map((k) => kib(max(h.heaps, k))),
      report,
    ]);
  }

  const bytes = script.bytesPerInput(seed.metafile);
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  for (const [title, key] of [
    ['package', script.ownerOf],
    ['folder', script.folderOf],
  ] as const) {
    console.log(`\nseed firmware, minified bytes per ${title}:`);
    for (const [k, n] of script.groupBytes(bytes, key))
      console.log(`  ${k.padEnd(36)} ${kib(n).padStart(10)} ${((100 * n) / total).toFixed(1).padStart(5)} %`);
  }
}

await main();
