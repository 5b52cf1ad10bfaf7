/**
 * The mesh simulator, in the spirit of Cooja: N motes and one gateway in one process on
 * virtual time, each running the same actor core as the daemon over the simulated 802.15.4
 * radio. Deterministic per seed: the clock is virtual, every random stream is seeded, and
 * nothing reads the wall clock.
 *
 * Order of a run: build the world (world.ts) -> gateway boots at 0 -> each mote boots at a
 * random time within bootSpreadS -> scenario events (reboots, gateway restarts) -> at durationS
 * the motes stop sampling -> readings still in flight get up to DRAIN_LIMIT_MS to arrive ->
 * accounts -> report (and the timeline).
 */
import { seededRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import type { AirEvent } from '../../transport/radio/types.js';
import { AirAccounts } from './accounts.js';
import { ikeInfo, parseTag } from './classify.js';
import type { MoteRuntime } from './mote-runtime.js';
import type { MeshNode } from './node.js';
import { type MoteReport, moteReport, round, type SimReport, sumExchanges } from './report.js';
import { seedComparison } from './seed-baseline.js';
import type { SimOptions } from './sim-options.js';
import { type TimelineMarker, timelineSvg } from './timeline-svg.js';
import { buildWorld, hopsToGateway, type World } from './world.js';

/** How long readings in flight at the end may take: the whole CoAP-like retry chain and more. */
export const DRAIN_LIMIT_MS = 120_000;
/** Virtual time advanced between two looks at the run (progress, end of drain). */
const STEP_MS = 1000;

export interface SimDeps {
  readonly provider: CryptoProvider;
  /** Keep the frames for DIR/timeline.svg. */
  readonly timeline?: boolean;
  /** Compare with the seed's message sizes (two small extra runs). Default true. */
  readonly compareWithSeed?: boolean;
  readonly onProgress?: (line: string) => void;
  /** About how many progress lines a run prints (default 10). */
  readonly progressLines?: number;
  /** Where the motes' firmware runs (default: this process); the report is the same. */
  readonly runtime?: MoteRuntime;
  /** A wall clock (ms) to time the motes' handshake steps (world.motes[i].steps). */
  readonly wallClock?: () => number;
}

export interface SimResult {
  readonly report: SimReport;
  readonly timelineSvg?: string;
  readonly world: World;
}

function uniform(random: (n: number) => Uint8Array): number {
  const b = random(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
}

export function runSimulation(o: SimOptions, deps: SimDeps): SimResult {
  const clock = new VirtualClock(0);
  const accounts = new AirAccounts();
  const frames: AirEvent[] = [];
  const markers: TimelineMarker[] = [];
  const world = buildWorld(o, {
    clock,
    provider: deps.provider,
    ...(deps.runtime ? { runtime: deps.runtime } : {}),
    ...(deps.wallClock ? { wallClock: deps.wallClock } : {}),
    onAir: (e) => {
      accounts.onAir(e);
      if (deps.timeline) frames.push(e);
    },
    onIkeSent: (_node, mote, data) => {
      const info = ikeInfo(data, 500);
      if (info) accounts.onIkeMessage(mote, info.category, info.length);
    },
  });
  const { gateway, motes } = world;

  // Boot: the gateway at once, the motes spread (their radios stay off until they boot).
  const bootRandom = seededRandom(`${o.seed}/boot`);
  gateway.boot();
  for (const m of motes) {
    world.radios.get(m.short)!.setEnabled(false);
    // Within the boot spread, and within the first half of a run shorter than it.
    const at = Math.floor(uniform(bootRandom) * Math.min(o.bootSpreadS, o.durationS / 2) * 1000);
    clock.setTimeout(() => m.boot(), at);
  }
  for (const e of o.events) {
    const node = e.kind === 'reboot' ? motes.find((m) => m.short === e.mote) : gateway;
    if (!node) continue;
    clock.setTimeout(() => {
      markers.push({
        atMs: clock.now(),
        label: e.kind === 'reboot' ? `reboot ${e.mote}` : 'gateway restart',
      });
      node.shutdown();
      clock.setTimeout(() => node.boot(), e.downS * 1000);
    }, e.atS * 1000);
  }

  const durationMs = o.durationS * 1000;
  const progressEvery = Math.max(
    STEP_MS,
    Math.round(durationMs / (deps.progressLines ?? 10) / STEP_MS) * STEP_MS,
  );
  const progress = () =>
    deps.onProgress?.(
      `sim: ${(clock.now() / 1000).toFixed(0)}/${o.durationS} s, ${motes.filter(established).length}/${motes.length} motes up, ${accounts.total.frames} frames`,
    );
  while (clock.now() < durationMs) {
    clock.advance(Math.min(STEP_MS, durationMs - clock.now()));
    if (clock.now() % progressEvery === 0) progress();
  }
  for (const m of motes) m.stopSampling();
  const drainEnd = durationMs + DRAIN_LIMIT_MS;
  while (clock.now() < drainEnd && motes.some((m) => m.up && m.outstanding > 0)) clock.advance(STEP_MS);
  if (clock.now() > durationMs) progress();

  for (const m of motes)
    if (m.firstChildAt !== undefined)
      markers.push({ node: m.short, atMs: m.firstChildAt, label: `${m.short} up` });
  const report = buildReport(o, world, accounts, durationMs, clock.now(), deps);
  const svg = deps.timeline
    ? timelineSvg({
        nodes: [gateway, ...motes].map((n) => ({
          id: n.short,
          label: n.isGateway ? 'gateway' : `mote ${n.short}`,
        })),
        events: frames,
        startMs: 0,
        endMs: clock.now(),
        markers,
        categoryOf: (e) => parseTag(e).category,
      })
    : undefined;
  for (const n of [...motes, gateway]) n.shutdown();
  return { report, world, ...(svg !== undefined ? { timelineSvg: svg } : {}) };
}

/** A mote counts as established when the Child SA of its current boot came up. */
const established = (m: MeshNode) => m.up && m.firstChildAt !== undefined;

function buildReport(
  o: SimOptions,
  world: World,
  accounts: AirAccounts,
  durationMs: number,
  endedAtMs: number,
  deps: SimDeps,
): SimReport {
  const { gateway, motes, medium, topology } = world;
  const delivered = new Map<number, number>();
  const duplicates = new Map<number, number>();
  for (const sink of gateway.sinks) {
    for (const [mote, n] of sink.delivered) delivered.set(mote, (delivered.get(mote) ?? 0) + n);
    for (const [mote, n] of sink.duplicates) duplicates.set(mote, (duplicates.get(mote) ?? 0) + n);
  }
  const moteReports: MoteReport[] = motes.map((m) => {
    const stats = m.stats();
    return moteReport(
      {
        id: m.short,
        address: m.address,
        hops: hopsToGateway(topology, m.short),
        established: established(m),
        handshakeMs: m.handshakes.length > 0 ? m.handshakes[m.handshakes.length - 1]! : null,
        radio: medium.stats(m.short)!,
        ikeRetransmissions: m.counters.ikeRetransmissions,
        readingsSent: stats.taken,
        readingsDelivered: delivered.get(m.short) ?? 0,
        readingRetransmissions: stats.retransmitted,
        boots: m.counters.boots,
      },
      accounts,
    );
  });
  const gwRadio = medium.stats(gateway.short)!;
  const air = {
    frames: 0,
    bytes: 0,
    collisions: 0,
    noAck: 0,
    channelAccessFailures: 0,
    duplicatesDropped: 0,
  };
  for (const a of topology.addresses) {
    const s = medium.stats(a)!;
    air.frames += s.framesSent + s.acksSent;
    air.bytes += s.bytesSent + s.ackBytesSent;
    air.collisions += s.collisions;
    air.noAck += s.noAck;
    air.channelAccessFailures += s.channelAccessFailures;
    air.duplicatesDropped += s.duplicatesDropped;
  }
  const { seed, ...options } = o;
  // Every reading exactly once: the gateway counts duplicates apart, so more would be a bug too.
  const ok = moteReports.every((m) => m.established && m.readingsDelivered === m.readingsSent);
  return {
    seed,
    options,
    ok,
    durationMs,
    endedAtMs,
    motes: moteReports,
    gateway: {
      id: gateway.short,
      address: gateway.address,
      ikeSasEstablished: gateway.counters.ikeSasEstablished,
      childSasInstalled: gateway.counters.childSasInstalled,
      ikeRetransmissions: gateway.counters.ikeRetransmissions,
      bytesTransmitted: gwRadio.bytesSent + gwRadio.ackBytesSent,
      framesTransmitted: gwRadio.framesSent + gwRadio.acksSent,
      linkRetries: gwRadio.retries,
      readingsDelivered: [...delivered.values()].reduce((s, n) => s + n, 0),
      duplicateReadings: [...duplicates.values()].reduce((s, n) => s + n, 0),
      radioOnMs: round(gwRadio.radioOnMs),
      boots: gateway.counters.boots,
    },
    air,
    exchanges: sumExchanges(moteReports.map((m) => m.exchanges)),
    ...(deps.compareWithSeed !== false
      ? { seedComparison: seedComparison(o, deps.provider, deps.runtime) }
      : {}),
  };
}
