/**
 * What IKE costs on the 802.15.4 air, and which fragmentation strategy wastes less under loss:
 * RFC 7383 (IKE cuts IKE_AUTH into SKF fragments of one frame each) against RFC 4944 (6LoWPAN
 * cuts the whole IKE message below IP). For each loss rate and topology, several seeded runs of
 * the simulator with each strategy; per mote handshake (IKE_SA_INIT + IKE_AUTH, every frame and
 * ACK on every hop): bytes on air, the part of them beyond the loss-free handshake (what loss
 * made us send again), IKE retransmissions and handshake time. The baseline rows are the seed's
 * message sizes over the same radio, loss-free, one hop.
 *
 *   npm run bench:wismote      (BENCH_SEEDS=5 BENCH_MOTES=20 to resize)
 */
import { nobleProvider } from '../ipsec/crypto/noble/index.js';
import { measureSeed } from '../targets/wismote/seed-baseline.js';
import { runSimulation } from '../targets/wismote/sim.js';
import {
  type FragmentationStrategy,
  SIM_DEFAULTS,
  type SimOptions,
  type TopologyKind,
} from '../targets/wismote/sim-options.js';

const SEEDS = Number(process.env.BENCH_SEEDS ?? 5);
const MOTES = Number(process.env.BENCH_MOTES ?? 20);
const LOSSES = [0, 0.1, 0.2, 0.3];
const SETUPS: readonly { topology: TopologyKind; motes: number }[] = [
  { topology: 'star', motes: MOTES },
  { topology: 'line', motes: 4 },
];
const STRATEGIES: readonly FragmentationStrategy[] = ['6lowpan', 'ike'];

interface Row {
  setup: string;
  strategy: FragmentationStrategy;
  loss: number;
  handshakeBytes: number;
  extraBytes: number;
  ikeRetransmissions: number;
  handshakeMs: number;
  established: string;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
/** The median of the finite values (a mote that never established has no handshake time). */
const median = (xs: readonly number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

/** Per-mote handshake numbers of one run. */
function handshakeOf(o: SimOptions) {
  const r = runSimulation(o, { provider: nobleProvider, compareWithSeed: false }).report;
  return r.motes.map((m) => {
    const hs = m.exchanges.filter((e) => e.exchange === 'IKE_SA_INIT' || e.exchange === 'IKE_AUTH');
    return {
      id: m.id,
      established: m.established,
      bytes: hs.reduce((s, e) => s + e.bytesOnAir, 0),
      ikeRetransmissions: m.ikeRetransmissions,
      handshakeMs: m.handshakeMs ?? Number.NaN,
    };
  });
}

const rows: Row[] = [];
for (const setup of SETUPS) {
  for (const strategy of STRATEGIES) {
    const base: SimOptions = {
      ...SIM_DEFAULTS,
      ...setup,
      fragmentation: strategy,
      durationS: 60,
      intervalS: 60,
    };
    // The loss-free cost of each mote's handshake with the same seed (the same boot times and
    // backoffs until loss makes the runs differ): what loss added is the difference.
    const clean = new Map<string, number>();
    for (let s = 0; s < SEEDS; s++)
      for (const m of handshakeOf({ ...base, seed: `bench-${s}` })) clean.set(`${s}/${m.id}`, m.bytes);
    for (const loss of LOSSES) {
      const motes = [];
      for (let s = 0; s < SEEDS; s++)
        for (const m of handshakeOf({ ...base, loss, seed: `bench-${s}` }))
          motes.push({ ...m, extra: m.bytes - (clean.get(`${s}/${m.id}`) ?? 0) });
      rows.push({
        setup: `${setup.topology} ${setup.motes}`,
        strategy,
        loss,
        handshakeBytes: Math.round(mean(motes.map((m) => m.bytes))),
        extraBytes: Math.round(mean(motes.map((m) => m.extra))),
        ikeRetransmissions: Math.round(mean(motes.map((m) => m.ikeRetransmissions)) * 100) / 100,
        handshakeMs: Math.round(median(motes.map((m) => m.handshakeMs))),
        established: `${motes.filter((m) => m.established).length}/${motes.length}`,
      });
    }
  }
}

const seed = measureSeed({ ...SIM_DEFAULTS, seed: 'seed' }, nobleProvider);
const seedBytes = seed.reduce((s, m) => s + m.bytesOnAir, 0);

const head = [
  'topology',
  'fragmentation',
  'loss',
  'handshake air octets/mote',
  'beyond loss-free',
  'IKE retx/mote',
  'handshake ms (median)',
  'established',
];
const table = [
  head,
  ...rows.map((r) => [
    r.setup,
    r.strategy,
    `${r.loss * 100}%`,
    r.handshakeBytes,
    r.extraBytes,
    r.ikeRetransmissions,
    r.handshakeMs,
    r.established,
  ]),
  ['star 1 (seed sizes)', '6lowpan', '0%', seedBytes, 0, 0, '-', '-'],
];
const widths = head.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
console.log(`# IKE handshake on 802.15.4: ${SEEDS} seeds per cell, suite ${SIM_DEFAULTS.suite}`);
for (const r of table)
  console.log(
    r.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  '),
  );
console.log('\nthe seed, message by message (IKE octets -> air octets, frames):');
for (const m of seed)
  console.log(`  ${m.message.padEnd(22)} ${m.ikeBytes} -> ${m.bytesOnAir} (${m.frames} frames)`);
