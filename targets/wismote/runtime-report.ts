/**
 * What `ikev2 sim --runtime quickjs` measures of the motes' firmware, apart from report.json
 * (which must not depend on the runtime): the bundle's size, each mote's QuickJS heap after the
 * boot, after the first handshake and at its peak, and the firmware's time per handshake step.
 * Written to DIR/runtime.json and printed as a table.
 */
import type { StepTimes } from './mote-node.js';
import type { MoteRuntimeName } from './mote-runtime.js';
import type { HeapSample, MoteHeap } from './quickjs-runtime.js';
import { table } from './report.js';

export interface BundleSize {
  readonly path: string;
  readonly octets: number;
  readonly gzipOctets: number;
}

export interface RuntimeMote {
  readonly id: number;
  readonly boots: number;
  /** The firmware's ms per step of the first handshake (wall clock, heap sampling left out). */
  readonly stepsMs: StepTimes | null;
  readonly heap?: {
    readonly afterBoot: HeapSample | null;
    readonly afterHandshake: HeapSample | null;
    readonly peak: HeapSample | null;
    readonly samples: number;
  };
}

export interface RuntimeReport {
  readonly runtime: MoteRuntimeName;
  readonly bundle?: BundleSize;
  /** Wall-clock ms of the whole run. */
  readonly wallMs: number;
  readonly motes: readonly RuntimeMote[];
}

export function runtimeReport(
  runtime: MoteRuntimeName,
  motes: readonly { short: number; counters: { boots: number }; steps: readonly StepTimes[] }[],
  heaps: readonly MoteHeap[],
  wallMs: number,
  bundle?: BundleSize,
): RuntimeReport {
  const heapOf = new Map(heaps.map((h) => [h.short, h]));
  return {
    runtime,
    ...(bundle ? { bundle } : {}),
    wallMs: Math.round(wallMs),
    motes: motes.map((m) => {
      const h = heapOf.get(m.short);
      return {
        id: m.short,
        boots: m.counters.boots,
        stepsMs: m.steps[0] ? roundSteps(m.steps[0]) : null,
        ...(h
          ? {
              heap: {
                afterBoot: h.afterBoot ?? null,
                afterHandshake: h.afterHandshake ?? null,
                peak: h.peak ?? null,
                samples: h.samples,
              },
            }
          : {}),
      };
    }),
  };
}

const roundSteps = (s: StepTimes): StepTimes =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Math.round(v * 10) / 10])) as StepTimes;

const kib = (n: number | undefined) => (n === undefined ? '-' : (n / 1024).toFixed(1));
const ms = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));

export function formatRuntimeReport(r: RuntimeReport): string {
  const out: string[] = [];
  const b = r.bundle;
  out.push(
    `runtime ${r.runtime}: ${r.motes.length} motes, ${(r.wallMs / 1000).toFixed(1)} s of wall clock` +
      (b ? `; bundle ${b.path} ${kib(b.octets)} KiB (${kib(b.gzipOctets)} KiB gzipped)` : ''),
  );
  out.push('');
  const heap = r.motes.some((m) => m.heap);
  out.push(
    table(
      [
        'mote',
        ...(heap ? ['heap boot KiB', 'heap handshake KiB', 'heap peak KiB'] : []),
        'IKE_SA_INIT ms',
        'IKE_AUTH ms',
        'Child SA ms',
      ],
      r.motes.map((m) => [
        `${m.id}`,
        ...(heap
          ? [kib(m.heap?.afterBoot?.octets), kib(m.heap?.afterHandshake?.octets), kib(m.heap?.peak?.octets)]
          : []),
        ms(m.stepsMs?.ikeSaInitRequest),
        ms(m.stepsMs?.ikeAuthRequest),
        ms(m.stepsMs?.childSaInstalled),
      ]),
    ),
  );
  const peak = r.motes.map((m) => m.heap?.peak).find((p) => p);
  if (peak)
    out.push(
      `heap at the first mote's peak: functions ${kib(peak.functionOctets)} KiB, objects ${kib(peak.objectOctets)} KiB, strings ${kib(peak.stringOctets)} KiB, atoms ${kib(peak.atomOctets)} KiB, arrays ${kib(peak.arrayOctets)} KiB (of ${kib(peak.octets)} KiB)\n`,
    );
  return out.join('\n');
}
