/**
 * The mote bundle (scripts/build-mote.mjs's options): no Node built-in, and it loads and boots a
 * mote in a bare QuickJS context whose only host functions are a clock and one wake-up timer, a
 * random source, the radio's send (and a way to deliver frames and send outcomes) and
 * console.log. Anything else the bundle reaches for is a ReferenceError, which fails the test.
 */
import variantModule from '@jitl/quickjs-wasmfile-release-sync';
import * as esbuild from 'esbuild';
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';

// Typed as CommonJS under NodeNext; at run time the ES module's default export is the variant.
const variant = ((variantModule as { default?: QuickJSSyncVariant }).default ??
  variantModule) as QuickJSSyncVariant;

async function buildMote(): Promise<string> {
  const r = await esbuild.build({
    entryPoints: ['targets/wismote/mote-entry.ts'],
    bundle: true,
    format: 'iife',
    globalName: 'Mote',
    target: 'es2020',
    platform: 'neutral',
    conditions: ['module'],
    mainFields: ['module', 'main'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

function run(vm: QuickJSContext, code: string): void {
  vm.unwrapResult(vm.evalCode(code)).dispose();
}

describe('the mote bundle', () => {
  it('has no Node built-in, loads in bare QuickJS and sends its first IKE_SA_INIT frames', async () => {
    const code = await buildMote();
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/\bprocess\.|\bBuffer\b/);

    const QuickJS = await newQuickJSWASMModuleFromVariant(variant);
    const vm = QuickJS.newContext();
    let now = 0;
    let wake = Number.POSITIVE_INFINITY;
    const frames: { dst: number; payload: Uint8Array }[] = [];
    const logs: string[] = [];
    let seed = 1;
    try {
      const fns: [string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined][] = [
        ['hostNow', () => vm.newNumber(now)],
        [
          'hostWakeAt',
          (ms) => {
            wake = vm.getNumber(ms!);
            return undefined;
          },
        ],
        [
          'hostRandom',
          (n) => {
            const out = new Uint8Array(vm.getNumber(n!));
            for (let i = 0; i < out.length; i++) {
              seed = (seed * 1103515245 + 12345) >>> 0; // a test's reproducible source
              out[i] = seed >>> 24;
            }
            return vm.newArrayBuffer(out.buffer);
          },
        ],
        [
          'radioSend',
          (dst, payload) => {
            const b = vm.getArrayBuffer(payload!);
            frames.push({ dst: vm.getNumber(dst!), payload: b.value.slice() });
            b.dispose();
            return undefined;
          },
        ],
      ];
      for (const [name, f] of fns) {
        const h = vm.newFunction(name, f);
        vm.setProp(vm.global, name, h);
        h.dispose();
      }
      const console = vm.newObject();
      const log = vm.newFunction('log', (...args) => {
        logs.push(args.map((a) => vm.getString(a)).join(' '));
        return undefined;
      });
      vm.setProp(console, 'log', log);
      vm.setProp(vm.global, 'console', console);
      log.dispose();
      console.dispose();

      run(vm, code);
      run(
        vm,
        `globalThis.mote = Mote.createMote(
          { now: hostNow, wakeAt: hostWakeAt, random: hostRandom, radioSend, log: (s) => console.log(s) },
          { short: 2, psk: new Uint8Array(32).fill(7) });`,
      );
      // Each frame handed to the radio is acknowledged, and the mote's timers run, for 2 s.
      const settle = () => {
        for (let sent = 0; sent < frames.length; ) {
          sent = frames.length;
          run(vm, "mote.sent('SUCCESS')");
          vm.runtime.executePendingJobs();
        }
      };
      vm.runtime.executePendingJobs();
      settle();
      while (wake <= 2000) {
        now = wake;
        wake = Number.POSITIVE_INFINITY;
        run(vm, 'mote.tick()');
        vm.runtime.executePendingJobs();
        settle();
      }
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((f) => f.dst === 1)).toBe(true);
      // The IKE_SA_INIT request (152 octets of IKE) in 6LoWPAN: FRAG1 (11000xxx) then FRAGN.
      expect(frames[0]!.payload[0]! >>> 3).toBe(0b11000);
      expect(frames.reduce((n, f) => n + f.payload.length, 0)).toBeGreaterThan(152);
      run(vm, 'mote.stop(); globalThis.mote = undefined;');
      vm.runtime.executePendingJobs();
    } finally {
      vm.dispose();
    }
  }, 30_000);
});
