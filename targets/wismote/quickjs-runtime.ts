/**
 * The `quickjs` mote runtime: each boot of each mote runs the firmware bundle (`npm run
 * build:mote`, dist/mote/mote.min.js) in a QuickJS runtime and context of its own, as on an
 * embedded JS engine. The context gets only what a board gives (mote-entry.ts MoteCapabilities):
 * a clock and one wake-up timer, a random source, the radio's send, a console, and the
 * simulator's probe; frames, send outcomes and timer wake-ups come in through the firmware's own
 * handle (tick, receive, sent). A reboot frees the runtime: nothing survives but the radio.
 *
 * Measured per mote (QuickJsMoteRuntime.measurements): the runtime's heap (the octets QuickJS
 * has in use, JS_ComputeMemoryUsage's memory_used_size: an empty context is ~84 KiB of them)
 * after the boot, after the first handshake, and the most seen,
 * sampled after every call into the firmware and in every host function it calls, so inside
 * its computations too (each sample is a QuickJS walk of the heap: the price of measuring).
 */
import variantModule from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import type { TxStatus } from '../../transport/radio/types.js';
import type { MoteCapabilities, MoteOptions, MoteStats } from './mote-entry.js';
import type { BootedMote, MoteRuntime } from './mote-runtime.js';
import { decodeMoteText, type MoteTexts } from './mote-texts.js';

// Typed as CommonJS under NodeNext; at run time the ES module's default export is the variant.
const variant = ((variantModule as { default?: QuickJSSyncVariant }).default ??
  variantModule) as QuickJSSyncVariant;

/** The parts of QuickJS's memory usage (JS_ComputeMemoryUsage) the report shows. */
export interface HeapSample {
  /** Octets in use by the runtime (memory_used_size): the heap. */
  readonly octets: number;
  /** Allocations in use. */
  readonly blocks: number;
  /** Compiled functions: their bytecode and the rest of each function's record. */
  readonly functionOctets: number;
  readonly objectOctets: number;
  readonly stringOctets: number;
  readonly atomOctets: number;
  readonly arrayOctets: number;
}

export interface MoteHeap {
  readonly short: number;
  boots: number;
  /** After the first boot's createMote returned. */
  afterBoot?: HeapSample;
  /** After the call that installed the first Child SA. */
  afterHandshake?: HeapSample;
  /** The largest heap seen over every boot. */
  peak?: HeapSample;
  samples: number;
}

type Dumped = Record<string, number>;

function sampleOf(d: Dumped): HeapSample {
  const n = (k: string) => d[k] ?? 0;
  return {
    octets: n('memory_used_size'),
    blocks: n('memory_used_count'),
    functionOctets: n('js_func_size') + n('js_func_code_size') + n('js_func_pc2line_size'),
    objectOctets: n('obj_size') + n('prop_size') + n('shape_size'),
    stringOctets: n('str_size'),
    atomOctets: n('atom_size'),
    arrayOctets: n('fast_array_elements') * 16 + n('binary_object_size'),
  };
}

/** Loads the QuickJS engine (WebAssembly) once; runtimes of every mote come from it. */
export async function loadQuickJs(): Promise<QuickJSWASMModule> {
  return newQuickJSWASMModuleFromVariant(variant);
}

export interface QuickJsRuntimeOptions {
  /** The firmware bundle's source (an IIFE defining the global `Mote`). */
  readonly code: string;
  /** Sample the heap (default true): each sample walks the heap, which slows the run. */
  readonly measureHeap?: boolean;
  /**
   * The firmware's texts (build-mote's mote-*.texts.json): the codes in its log lines and errors
   * become texts again. Without it they reach the log as they came.
   */
  readonly texts?: MoteTexts;
}

export class QuickJsMoteRuntime implements MoteRuntime {
  readonly name = 'quickjs' as const;
  private readonly heaps = new Map<number, MoteHeap>();
  /** Wall-clock ms spent sampling heaps, which `firmwareClock` leaves out. */
  private samplingMs = 0;
  /** A wall clock (ms) that stops while the heap is sampled: for timing the firmware alone. */
  readonly firmwareClock = (): number => performance.now() - this.samplingMs;

  constructor(
    private readonly quickjs: QuickJSWASMModule,
    private readonly o: QuickJsRuntimeOptions,
  ) {}

  /** `s` with the firmware's coded texts written out (as it came without a dictionary). */
  private readonly text = (s: string): string => (this.o.texts ? decodeMoteText(s, this.o.texts) : s);

  /** An error out of the firmware, its message's coded texts written out. */
  private decoded(e: unknown): unknown {
    if (e instanceof Error) {
      e.message = this.text(e.message);
      if (e.stack) e.stack = this.text(e.stack);
    }
    return e;
  }

  /** The heap of every mote that booted, by short address. */
  measurements(): MoteHeap[] {
    return [...this.heaps.values()].sort((a, b) => a.short - b.short);
  }

  boot(caps: MoteCapabilities, options: MoteOptions): BootedMote {
    const rt = this.quickjs.newRuntime();
    const vm = rt.newContext();
    const heap = this.heaps.get(options.short) ?? { short: options.short, boots: 0, samples: 0 };
    this.heaps.set(options.short, heap);
    heap.boots++;
    const measure = this.o.measureHeap !== false;
    let inCall = false;
    const sample = (): HeapSample | undefined => {
      if (!measure) return undefined;
      const start = performance.now();
      const h = rt.computeMemoryUsage();
      const s = sampleOf(vm.dump(h) as Dumped);
      h.dispose();
      this.samplingMs += performance.now() - start;
      heap.samples++;
      if (!heap.peak || s.octets > heap.peak.octets) heap.peak = s;
      return s;
    };
    let childUp = false;
    const handles: QuickJSHandle[] = [];
    try {
      defineHost(
        vm,
        { ...caps, log: (line) => caps.log(this.text(line)) },
        options,
        () => {
          if (inCall) sample();
        },
        (type) => {
          if (type === 'child-installed') childUp = true;
        },
      );
      vm.unwrapResult(vm.evalCode(this.o.code, 'mote.min.js')).dispose();
      vm.unwrapResult(vm.evalCode(BOOT, 'boot.js')).dispose();
      const mote = vm.getProp(vm.global, '__mote');
      handles.push(mote);
      const method = (name: string) => {
        const h = vm.getProp(mote, name);
        handles.push(h);
        return h;
      };
      const [tick, receive, sent, stats, stopSampling, stop] = [
        'tick',
        'receive',
        'sent',
        'stats',
        'stopSampling',
        'stop',
      ].map(method) as [
        QuickJSHandle,
        QuickJSHandle,
        QuickJSHandle,
        QuickJSHandle,
        QuickJSHandle,
        QuickJSHandle,
      ];
      const call = (fn: QuickJSHandle, args: QuickJSHandle[] = []): unknown => {
        inCall = true;
        try {
          const r = vm.unwrapResult(vm.callFunction(fn, mote, ...args));
          const v = vm.typeof(r) === 'object' ? vm.dump(r) : undefined;
          r.dispose();
          rt.executePendingJobs();
          return v;
        } catch (e) {
          throw this.decoded(e);
        } finally {
          for (const a of args) a.dispose();
          inCall = false;
          const s = sample();
          if (childUp && !heap.afterHandshake && s) heap.afterHandshake = s;
        }
      };
      rt.executePendingJobs();
      const booted = sample();
      if (!heap.afterBoot && booted) heap.afterBoot = booted;
      let stopped = false;
      return {
        tick: () => void call(tick),
        receive: (src, dst, payload) =>
          void call(receive, [
            vm.newNumber(src),
            vm.newNumber(dst),
            vm.newArrayBuffer(payload.slice().buffer),
          ]),
        sent: (status: TxStatus) => void call(sent, [vm.newString(status)]),
        stats: () => call(stats) as MoteStats,
        stopSampling: () => void call(stopSampling),
        stop: () => {
          if (stopped) return;
          stopped = true;
          call(stop);
          for (const h of handles) h.dispose();
          vm.dispose();
          rt.dispose();
        },
      };
    } catch (e) {
      for (const h of handles) if (h.alive) h.dispose();
      vm.dispose();
      rt.dispose();
      throw this.decoded(e);
    }
  }
}

/** Builds the mote from the host functions below, then forgets the ones only the boot needs. */
const BOOT = `(() => {
  const probe = {};
  if (typeof __host_tagOf === 'function') probe.tagOf = __host_tagOf;
  if (typeof __host_ikeSent === 'function') probe.ikeSent = __host_ikeSent;
  if (typeof __host_event === 'function') probe.event = __host_event;
  const options = JSON.parse(__host_options());
  options.psk = __host_psk();
  globalThis.__mote = Mote.createMote(
    { now: __host_now, wakeAt: __host_wakeAt, random: __host_random, radioSend: __host_radioSend,
      log: __host_log, probe },
    options);
  for (const k of ['__host_options', '__host_psk', '__host_tagOf', '__host_ikeSent', '__host_event'])
    delete globalThis[k];
})();`;

/**
 * The host functions a mote's context gets, and a console. `onHostCall` runs on every call
 * from the firmware (the heap is sampled there); `onEvent` sees the probe's SA events.
 */
function defineHost(
  vm: QuickJSContext,
  caps: MoteCapabilities,
  options: MoteOptions,
  onHostCall: () => void,
  onEvent: (type: string) => void,
): void {
  const { psk, ...rest } = options;
  const bytes = (h: QuickJSHandle): ArrayBuffer => {
    const b = vm.getArrayBuffer(h);
    const copy = b.value.slice().buffer;
    b.dispose();
    return copy;
  };
  const str = (h: QuickJSHandle | undefined) =>
    h && vm.typeof(h) === 'string' ? vm.getString(h) : undefined;
  const fns: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined> = {
    __host_now: () => vm.newNumber(caps.now()),
    __host_wakeAt: (ms) => {
      caps.wakeAt(vm.getNumber(ms!));
      return undefined;
    },
    __host_random: (n) => {
      onHostCall();
      const r = caps.random(vm.getNumber(n!));
      const u = r instanceof Uint8Array ? r : new Uint8Array(r);
      return vm.newArrayBuffer(u.slice().buffer);
    },
    __host_radioSend: (dst, payload, tag) => {
      onHostCall();
      caps.radioSend(vm.getNumber(dst!), bytes(payload!), str(tag));
      return undefined;
    },
    __host_log: (line) => {
      caps.log(str(line) ?? '');
      return undefined;
    },
    __host_options: () => vm.newString(JSON.stringify(rest)),
    __host_psk: () =>
      vm.newArrayBuffer((psk instanceof Uint8Array ? psk : new Uint8Array(psk)).slice().buffer),
  };
  const probe = caps.probe;
  const tagOf = probe?.tagOf;
  if (tagOf)
    fns.__host_tagOf = (data, fa, fp, ta, tp) => {
      const t = tagOf(bytes(data!), str(fa) ?? '', vm.getNumber(fp!), str(ta) ?? '', vm.getNumber(tp!));
      return t === undefined ? undefined : vm.newString(t);
    };
  if (probe?.ikeSent) {
    const ikeSent = probe.ikeSent;
    fns.__host_ikeSent = (data) => {
      onHostCall();
      ikeSent(bytes(data!));
      return undefined;
    };
  }
  const event = probe?.event;
  fns.__host_event = (type) => {
    const t = str(type) as 'ike-established' | 'child-installed';
    onEvent(t);
    event?.(t);
    return undefined;
  };
  for (const [name, f] of Object.entries(fns)) {
    const h = vm.newFunction(name, f);
    vm.setProp(vm.global, name, h);
    h.dispose();
  }
  const console = vm.newObject();
  const log = vm.newFunction('log', (...args) => {
    caps.log(args.map((a) => str(a) ?? vm.dump(a)).join(' '));
    return undefined;
  });
  vm.setProp(console, 'log', log);
  vm.setProp(vm.global, 'console', console);
  log.dispose();
  console.dispose();
}
