/**
 * targets/native/start-flags.ts (issue 14: daemon start RSS): holdStartFlags() keeps V8 from
 * optimizing (--no-opt, with --optimize-for-size and a semi-space growth factor of 1) while the
 * daemon starts, releaseStartFlags() gives V8 its defaults back; a user's own heap or compiler
 * flags leave everything alone. Observed in-process with V8's natives syntax: whether a hot
 * function can be optimized (%OptimizeFunctionOnNextCall honours --no-opt).
 */
import { setFlagsFromString } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type StartFlags = typeof import('../../../targets/native/start-flags.js');

setFlagsFromString('--allow-natives-syntax');
const natives = {
  status: new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number,
  prepare: new Function('f', '%PrepareFunctionForOptimization(f)') as (f: unknown) => void,
  optimizeNext: new Function('f', '%OptimizeFunctionOnNextCall(f)') as (f: unknown) => void,
};
/** V8's OptimizationStatus::kOptimized. */
const OPTIMIZED = 16;

let probes = 0;

/**
 * A fresh function, warmed up and asked to be optimized on its next call: did V8 optimize it?
 * Its source differs every time: functions of one source share their code through V8's
 * compilation cache, optimized code included.
 */
function canOptimize(): boolean {
  const source = `let s = ${probes++}; for (let i = 0; i < n; i++) s += i; return s;`;
  const f = new Function('n', source) as (n: number) => number;
  natives.prepare(f);
  f(3);
  f(4);
  natives.optimizeNext(f);
  f(5);
  return (natives.status(f) & OPTIMIZED) !== 0;
}

const userFlagsPresent = (): boolean =>
  [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
    /semi[-_]space|optimize[-_]for[-_]size|turbofan|jitless|(^|\s|-)opt(\s|=|$)/.test(a),
  );

let flags: StartFlags;
const execArgv = [...process.execArgv];
const nodeOptions = process.env.NODE_OPTIONS;

beforeEach(async () => {
  vi.resetModules(); // `held` is module state: every test starts from a daemon not yet started
  flags = await import('../../../targets/native/start-flags.js');
});

afterEach(() => {
  // Whatever a test did, V8's defaults again (as releaseStartFlags sets them).
  setFlagsFromString('--semi-space-growth-factor=2');
  setFlagsFromString('--no-optimize-for-size');
  setFlagsFromString('--max-semi-space-size=0');
  setFlagsFromString('--opt');
  process.execArgv.splice(0, process.execArgv.length, ...execArgv);
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = nodeOptions;
});

describe.skipIf(userFlagsPresent())('start flags', () => {
  it('the probe sees V8 optimize by default', () => {
    expect(canOptimize()).toBe(true);
  });

  it('hold stops optimization until release; release gives it back', () => {
    flags.holdStartFlags();
    expect(canOptimize()).toBe(false);
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(true);
  });

  it('hold twice then release once: V8 optimizes again; a second release changes nothing', () => {
    flags.holdStartFlags();
    flags.holdStartFlags();
    expect(canOptimize()).toBe(false);
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(true);
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(true);
  });

  it('release without hold is a no-op (it leaves flags set by someone else)', () => {
    setFlagsFromString('--no-opt');
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(false);
    setFlagsFromString('--opt');
    expect(canOptimize()).toBe(true);
  });

  it('can hold again after a release (a second start)', () => {
    flags.holdStartFlags();
    flags.releaseStartFlags();
    flags.holdStartFlags();
    expect(canOptimize()).toBe(false);
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(true);
  });

  it.each([
    ['command line', '--max-semi-space-size=16'],
    ['command line', '--optimize-for-size'],
    ['command line', '--no-opt'],
    ['NODE_OPTIONS', '--max-semi-space-size=16'],
    ['NODE_OPTIONS', '--jitless'],
  ])('a user flag on the %s (%s): hold and release leave V8 alone', (where, flag) => {
    if (where === 'command line') process.execArgv.push(flag);
    else process.env.NODE_OPTIONS = `${nodeOptions ?? ''} ${flag}`.trim();
    flags.holdStartFlags();
    expect(canOptimize()).toBe(true); // no --no-opt of ours
    // Our own release does not undo a flag set by someone else either.
    setFlagsFromString('--no-opt');
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(false);
  });

  it('unrelated user flags (e.g. --enable-source-maps) do not stop the hold', () => {
    process.execArgv.push('--enable-source-maps');
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --max-old-space-size=512`.trim();
    flags.holdStartFlags();
    expect(canOptimize()).toBe(false);
    flags.releaseStartFlags();
    expect(canOptimize()).toBe(true);
  });
});
