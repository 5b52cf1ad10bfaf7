/**
 * `ikev2 sim`: runs the mesh simulator (sim.ts) and writes DIR/report.json and
 * DIR/timeline.svg, with a summary table on stdout and a progress line on stderr.
 *
 *   ikev2 sim --motes N --loss P --seed S [--topology star|line|tree] [--suite NAME]
 *             [--fragmentation 6lowpan|ike] [--duration D] [--interval S] [--scenario FILE]
 *             [--runtime node|quickjs] [--mote-bundle FILE] --report DIR [--quiet]
 *
 * `--runtime quickjs` runs each mote's firmware bundle in a QuickJS runtime of its own
 * (quickjs-runtime.ts) and writes DIR/runtime.json (heap and step times); report.json is the
 * same as the node runtime's for the same seed.
 *
 * Command-line options win over the scenario file's settings. Exit codes: 0 when every mote
 * established and every reading was delivered, 1 when not, 2 for a usage or scenario error.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { err, ok, type Result } from '../../ipsec/result.js';
import { nodeProvider } from '../native/crypto/node-provider.js';
import type { MoteRuntimeName } from './mote-runtime.js';
import { isMoteTexts, type MoteTexts } from './mote-texts.js';
import { isMoteSuite, MOTE_SUITES } from './profile.js';
import type { QuickJsMoteRuntime } from './quickjs-runtime.js';
import { formatSummary } from './report.js';
import { type BundleSize, formatRuntimeReport, runtimeReport } from './runtime-report.js';
import { checkScenario, parseScenario } from './scenario.js';
import { runSimulation } from './sim.js';
import { SIM_DEFAULTS, SIM_LIMITS, type SimOptions } from './sim-options.js';

export const SIM_USAGE = `usage: ikev2 sim --report DIR [options]
  --motes N              motes around one gateway (default ${SIM_DEFAULTS.motes})
  --loss P               frame loss on every link, 0..1 (default ${SIM_DEFAULTS.loss})
  --seed S               the run's seed: same seed, same report (default ${SIM_DEFAULTS.seed})
  --topology T           star | line | tree (default ${SIM_DEFAULTS.topology})
  --suite NAME           ${Object.keys(MOTE_SUITES).join(' | ')} (default ${SIM_DEFAULTS.suite})
  --fragmentation F      6lowpan | ike: who cuts IKE messages larger than a frame (default ${SIM_DEFAULTS.fragmentation})
  --duration D           seconds of readings (default ${SIM_DEFAULTS.durationS})
  --interval S           seconds between two readings of a mote (default ${SIM_DEFAULTS.intervalS})
  --scenario FILE        YAML scenario: positions, link qualities, reboots, gateway restarts
  --runtime R            node | quickjs: where the motes' firmware runs (default node); quickjs
                         runs each mote in a QuickJS runtime of its own and measures its heap
  --mote-bundle FILE     the firmware for --runtime quickjs (default dist/mote/mote-SUITE.min.js,
                         else dist/mote/mote.min.js, made by npm run build:mote)
  --quiet                no progress line
Writes DIR/report.json, DIR/timeline.svg and DIR/runtime.json and prints a summary.
`;

const SPEC = {
  motes: { type: 'string' },
  loss: { type: 'string' },
  seed: { type: 'string' },
  topology: { type: 'string' },
  suite: { type: 'string' },
  fragmentation: { type: 'string' },
  duration: { type: 'string' },
  interval: { type: 'string' },
  scenario: { type: 'string' },
  report: { type: 'string' },
  runtime: { type: 'string' },
  'mote-bundle': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export interface SimCommand {
  readonly options: SimOptions;
  readonly reportDir: string;
  readonly quiet: boolean;
  readonly runtime: MoteRuntimeName;
  /** The firmware bundle for the quickjs runtime (absent: the package's dist/mote/mote.min.js). */
  readonly moteBundle?: string;
}

function number(name: string, v: string, min: number, max: number, integer = false): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new Error(`--${name} must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}, not '${v}'`);
  return n;
}

/** Reads the sim command line; `readFile` reads a scenario. Never throws. */
export function parseSimArgs(
  argv: readonly string[],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Result<SimCommand | 'help', string> {
  try {
    const { values: v } = parseArgs({
      args: [...argv],
      options: SPEC,
      strict: true,
      allowPositionals: false,
    });
    if (v.help) return ok('help');
    let o: SimOptions = { ...SIM_DEFAULTS };
    if (v.scenario !== undefined) {
      let text: string;
      try {
        text = readFile(v.scenario);
      } catch (e) {
        throw new Error(`cannot read scenario ${v.scenario}: ${(e as Error).message}`);
      }
      const s = parseScenario(text, v.scenario);
      if (!s.ok) throw new Error(s.error);
      o = { ...o, ...s.value };
    }
    if (v.motes !== undefined) o = { ...o, motes: number('motes', v.motes, 1, SIM_LIMITS.maxMotes, true) };
    if (v.loss !== undefined) o = { ...o, loss: number('loss', v.loss, 0, 1) };
    if (v.seed !== undefined) o = { ...o, seed: v.seed };
    if (v.topology !== undefined) {
      if (!['star', 'line', 'tree'].includes(v.topology))
        throw new Error('--topology must be star, line or tree');
      o = { ...o, topology: v.topology as SimOptions['topology'] };
    }
    if (v.suite !== undefined) {
      if (!isMoteSuite(v.suite))
        throw new Error(`--suite must be one of ${Object.keys(MOTE_SUITES).join(', ')}`);
      o = { ...o, suite: v.suite };
    }
    if (v.fragmentation !== undefined) {
      if (v.fragmentation !== '6lowpan' && v.fragmentation !== 'ike')
        throw new Error('--fragmentation must be 6lowpan or ike');
      o = { ...o, fragmentation: v.fragmentation };
    }
    if (v.duration !== undefined)
      o = { ...o, durationS: number('duration', v.duration, 1, SIM_LIMITS.maxDurationS) };
    if (v.interval !== undefined) o = { ...o, intervalS: number('interval', v.interval, 0.1, 86_400) };
    if (v.report === undefined || v.report === '') throw new Error('--report DIR is required');
    const runtime = v.runtime ?? 'node';
    if (runtime !== 'node' && runtime !== 'quickjs') throw new Error('--runtime must be node or quickjs');
    if (v['mote-bundle'] !== undefined && runtime !== 'quickjs')
      throw new Error('--mote-bundle applies to --runtime quickjs');
    const checked = checkScenario(o);
    if (!checked.ok) throw new Error(checked.error);
    return ok({
      options: checked.value,
      reportDir: v.report,
      quiet: v.quiet === true,
      runtime,
      ...(v['mote-bundle'] !== undefined ? { moteBundle: v['mote-bundle'] } : {}),
    });
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    // One line: node:util's messages may span several.
    return err(m.replace(/^Unknown option/, 'unknown option').replace(/\s*\n\s*/g, ' '));
  }
}

export interface SimIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
}

/**
 * The package's own firmware for a suite, under the nearest package.json: dist/mote/
 * mote-<suite>.min.js (that suite's crypto alone, RFC 7815's minimal initiator: as a board
 * would carry it), unless the motes fragment IKE messages themselves (`ikeFragmentation`,
 * which a minimal firmware lacks); else mote.min.js (every suite and the whole of IKE).
 */
export function defaultMoteBundle(suite: string, ikeFragmentation = false): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const one = join(dir, 'dist', 'mote', `mote-${suite}.min.js`);
  return !ikeFragmentation && existsSync(one) ? one : join(dir, 'dist', 'mote', 'mote.min.js');
}

/**
 * The dictionary of the firmware's texts beside its bundle (mote-seed.min.js ->
 * mote-seed.texts.json, as build-mote writes it): undefined when there is none (the firmware's
 * log lines and errors then show their codes), an error text when it is there but unreadable.
 */
export function readMoteTexts(bundlePath: string): MoteTexts | undefined | string {
  const path = bundlePath.replace(/(\.min)?\.js$/, '.texts.json');
  if (path === bundlePath || !existsSync(path)) return undefined;
  try {
    const texts: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (isMoteTexts(texts)) return texts;
    return `${path} is not a dictionary of firmware texts`;
  } catch (e) {
    return `cannot read ${path}: ${(e as Error).message}`;
  }
}

/** The runtime the command asked for, with the firmware bundle loaded for QuickJS. */
async function loadRuntime(
  cmd: SimCommand,
): Promise<{ runtime?: QuickJsMoteRuntime; bundle?: BundleSize; error?: string }> {
  if (cmd.runtime === 'node') return {};
  const path = cmd.moteBundle ?? defaultMoteBundle(cmd.options.suite, cmd.options.fragmentation === 'ike');
  let code: Buffer;
  try {
    code = readFileSync(path);
  } catch (e) {
    const hint = cmd.moteBundle === undefined ? " (run 'npm run build:mote')" : '';
    return { error: `cannot read the mote bundle ${path}: ${(e as Error).message}${hint}` };
  }
  // Loaded only here: QuickJS (a development dependency) is not needed by any other command.
  let engine: typeof import('./quickjs-runtime.js');
  try {
    engine = await import('./quickjs-runtime.js');
  } catch (e) {
    return {
      error: `the quickjs runtime needs quickjs-emscripten and @jitl/quickjs-wasmfile-release-sync (${(e as Error).message})`,
    };
  }
  const { loadQuickJs, QuickJsMoteRuntime } = engine;
  const quickjs = await loadQuickJs();
  const texts = readMoteTexts(path);
  if (typeof texts === 'string') return { error: texts };
  return {
    runtime: new QuickJsMoteRuntime(quickjs, { code: code.toString('utf8'), ...(texts ? { texts } : {}) }),
    bundle: { path, octets: code.length, gzipOctets: gzipSync(code, { level: 9 }).length },
  };
}

/** `ikev2 sim ...`: returns the exit code. */
export async function simMain(argv: readonly string[], io: SimIo): Promise<number> {
  const parsed = parseSimArgs(argv);
  if (!parsed.ok) {
    io.stderr.write(`ikev2: sim: ${parsed.error} (see 'ikev2 sim --help')\n`);
    return 2;
  }
  if (parsed.value === 'help') {
    io.stdout.write(SIM_USAGE);
    return 0;
  }
  const cmd = parsed.value;
  const { options, reportDir, quiet } = cmd;
  const loaded = await loadRuntime(cmd);
  if (loaded.error !== undefined) {
    io.stderr.write(`ikev2: sim: ${loaded.error}\n`);
    return 2;
  }
  const { runtime, bundle } = loaded;
  // A terminal gets one line rewritten in place; a log gets a line now and then.
  const tty = io.stderr.isTTY === true;
  const started = performance.now();
  const run = () =>
    runSimulation(options, {
      provider: nodeProvider,
      timeline: true,
      ...(runtime ? { runtime, wallClock: runtime.firmwareClock } : { wallClock: () => performance.now() }),
      ...(quiet ? {} : { onProgress: (line: string) => io.stderr.write(tty ? `\r${line}` : `${line}\n`) }),
      progressLines: tty ? 100 : 10,
    });
  let result: ReturnType<typeof runSimulation>;
  try {
    result = run();
  } catch (e) {
    // A firmware under QuickJS that refuses its options (a minimal one asked for IKE
    // fragmentation) or fails: its own words, no host stack. The node runtime's throws are ours.
    if (!runtime || !bundle) throw e;
    io.stderr.write(`ikev2: sim: the mote firmware ${bundle.path} stopped: ${(e as Error).message}\n`);
    return 1;
  }
  if (!quiet && tty) io.stderr.write('\n');
  const rt = runtimeReport(
    cmd.runtime,
    result.world.motes,
    runtime?.measurements() ?? [],
    performance.now() - started,
    bundle,
  );
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, 'report.json'), `${JSON.stringify(result.report, null, 2)}\n`);
  writeFileSync(join(reportDir, 'timeline.svg'), result.timelineSvg ?? '');
  writeFileSync(join(reportDir, 'runtime.json'), `${JSON.stringify(rt, null, 2)}\n`);
  io.stdout.write(formatSummary(result.report));
  if (runtime) io.stdout.write(`\n${formatRuntimeReport(rt)}`);
  io.stdout.write(
    `wrote ${join(reportDir, 'report.json')}, ${join(reportDir, 'timeline.svg')} and ${join(reportDir, 'runtime.json')}\n`,
  );
  return result.report.ok ? 0 : 1;
}
