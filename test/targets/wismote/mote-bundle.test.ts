/**
 * The mote bundle (scripts/build-mote.mjs's options): no Node built-in, and it loads and boots a
 * mote in a bare QuickJS context whose only host functions are a clock and one wake-up timer, a
 * random source, the radio's send (and a way to deliver frames and send outcomes) and
 * console.log. Anything else the bundle reaches for is a ReferenceError, which fails the test.
 * Then the whole handshake: the mote in QuickJS against a gateway (createIpsecHost on a
 * RadioTransport) in Node, frames relayed between them on a virtual clock, until a sensor reading
 * arrives through the Child SA.
 */
import variantModule from '@jitl/quickjs-wasmfile-release-sync';
import type { BuildOptions } from 'esbuild';
import * as esbuild from 'esbuild';
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { createIpsecHost } from '../../../actors/ipsec-host.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import {
  GATEWAY_ID,
  GATEWAY_SHORT_ADDRESS,
  gatewayConfig,
  meshAddress,
  moteId,
} from '../../../targets/wismote/profile.js';
import { GatewaySink } from '../../../targets/wismote/sensor.js';
import { MAX_MAC_PAYLOAD } from '../../../transport/radio/frame.js';
import { RadioTransport } from '../../../transport/radio/radio-transport.js';
import type { RadioInterface, ReceivedFrame } from '../../../transport/radio/types.js';

// Typed as CommonJS under NodeNext; at run time the ES module's default export is the variant.
const variant = ((variantModule as { default?: QuickJSSyncVariant }).default ??
  variantModule) as QuickJSSyncVariant;

/** The firmware bundle with `npm run build:mote`'s own esbuild options, not minified. */
async function buildMote(): Promise<string> {
  const script = '../../../scripts/build-mote.mjs';
  const { moteBuildOptions } = (await import(script)) as {
    moteBuildOptions: (minify: boolean) => BuildOptions & { write: false };
  };
  const r = await esbuild.build(moteBuildOptions(false));
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
    try {
      const mote = moteVm(vm, code, () => now);
      const { frames } = mote;
      // Each frame handed to the radio is acknowledged, and the mote's timers run, for 2 s.
      const settle = () => {
        for (let sent = 0; sent < frames.length; ) {
          sent = frames.length;
          run(vm, "mote.sent('SUCCESS')");
          vm.runtime.executePendingJobs();
        }
      };
      settle();
      while (mote.wake <= 2000) {
        now = mote.wake;
        mote.wake = Number.POSITIVE_INFINITY;
        run(vm, 'mote.tick()');
        vm.runtime.executePendingJobs();
        settle();
      }
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((f) => f.dst === 1)).toBe(true);
      // The IKE_SA_INIT request (152 octets of IKE) in 6LoWPAN: FRAG1 (11000xxx) then FRAGN.
      expect(frames[0]!.payload[0]! >>> 3).toBe(0b11000);
      expect(frames.reduce((n, f) => n + f.payload.length, 0)).toBeGreaterThan(152);
      // QuickJS has no setTimeout: the mote gives the engine one on its own clock (xstate
      // rethrows an actor's error from a timer), and it runs on the host's tick.
      run(vm, 'globalThis.fired = 0; setTimeout((n) => { globalThis.fired = n; }, 5, 7);');
      now = mote.wake;
      expect(now).toBeLessThanOrEqual(2005);
      for (; now <= 2005; now = Math.max(now + 1, mote.wake)) run(vm, 'mote.tick()');
      expect(vm.getProp(vm.global, 'fired').consume((h) => vm.getNumber(h))).toBe(7);
      run(vm, 'mote.stop(); globalThis.mote = undefined;');
      vm.runtime.executePendingJobs();
    } finally {
      vm.dispose();
    }
  }, 30_000);
});

/** A bare QuickJS context with only the mote's host functions, the bundle loaded and one mote built. */
function moteVm(vm: QuickJSContext, code: string, clock: () => number) {
  const state = {
    wake: Number.POSITIVE_INFINITY,
    frames: [] as { dst: number; payload: Uint8Array }[],
    logs: [] as string[],
  };
  let seed = 1;
  const fns: [string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined][] = [
    ['hostNow', () => vm.newNumber(clock())],
    [
      'hostWakeAt',
      (ms) => {
        state.wake = vm.getNumber(ms!);
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
        state.frames.push({ dst: vm.getNumber(dst!), payload: b.value.slice() });
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
    state.logs.push(args.map((a) => vm.getString(a)).join(' '));
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
  vm.runtime.executePendingJobs();
  return state;
}

describe('the mote bundle against a gateway', () => {
  it('completes IKE_SA_INIT and IKE_AUTH from QuickJS with a gateway in Node, and a reading goes through ESP', async () => {
    const code = await buildMote();
    const QuickJS = await newQuickJSWASMModuleFromVariant(variant);
    const vm = QuickJS.newContext();
    const clock = new VirtualClock();
    const toMote: Uint8Array[] = [];
    let gatewayReceive: ((f: ReceivedFrame) => void) | undefined;
    const gatewayRadio: RadioInterface = {
      address: GATEWAY_SHORT_ADDRESS,
      maxPayload: MAX_MAC_PAYLOAD,
      stats: {} as RadioInterface['stats'],
      send: (_dst, payload, done) => {
        toMote.push(payload.slice());
        clock.setTimeout(() => done?.('SUCCESS'), 1);
      },
      onReceive: (h) => {
        gatewayReceive = h;
      },
      setEnabled: () => {},
    };
    const address = meshAddress(GATEWAY_SHORT_ADDRESS);
    const transport = new RadioTransport({
      radio: gatewayRadio,
      clock,
      endpoints: [
        { address, port: 500 },
        { address, port: 4500 },
      ],
      nextHop: (dst) => dst,
    });
    const psk = { name: 'ike-2', id: [moteId(2), GATEWAY_ID], secret: new Uint8Array(32).fill(7) };
    const gateway = createIpsecHost({
      config: gatewayConfig([psk], { suite: 'seed' }),
      provider: nobleProvider,
      random: seededRandom('mote-bundle/gateway'),
      clock,
      transport,
    });
    const gatewayChildren: number[] = [];
    gateway.supervisor.on((e) => {
      if (e.type === 'child-installed') gatewayChildren.push(e.child.reqid);
    });
    const sink = new GatewaySink({ pipeline: gateway.esp.pipeline, address, clock });
    gateway.supervisor.start();
    try {
      const mote = moteVm(vm, code, () => clock.now());
      let delivered = 0;
      for (let t = 0; t < 30_000 && !(sink.delivered.get(2) ?? 0); t++) {
        // Frames of the mote reach the gateway and are acknowledged; the gateway's reach the mote.
        while (delivered < mote.frames.length) {
          const f = mote.frames[delivered++]!;
          gatewayReceive?.({ src: 2, dst: f.dst, payload: f.payload });
          run(vm, "mote.sent('SUCCESS')");
        }
        for (const payload of toMote.splice(0)) {
          const h = vm.newArrayBuffer(payload.slice().buffer);
          vm.setProp(vm.global, 'frameIn', h);
          h.dispose();
          run(vm, 'mote.receive(1, 2, frameIn)');
        }
        vm.runtime.executePendingJobs();
        if (delivered < mote.frames.length || toMote.length > 0) continue;
        clock.advance(1);
        if (mote.wake <= clock.now()) {
          mote.wake = Number.POSITIVE_INFINITY;
          run(vm, 'mote.tick()');
        }
      }
      expect(mote.logs).toContain('mote 2: IKE SA established');
      expect(mote.logs).toContain('mote 2: Child SA installed');
      expect(gatewayChildren).toHaveLength(1);
      // A sensor reading went through the Child SA (ESP from QuickJS) to the gateway's sink.
      expect(sink.delivered.get(2)).toBeGreaterThanOrEqual(1);
      run(vm, 'mote.stop(); globalThis.mote = undefined; globalThis.frameIn = undefined;');
      vm.runtime.executePendingJobs();
    } finally {
      sink.stop();
      gateway.supervisor.close();
      gateway.esp.close();
      transport.close();
      vm.dispose();
    }
  }, 60_000);
});
