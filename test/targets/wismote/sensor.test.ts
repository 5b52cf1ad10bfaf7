/**
 * sensor.ts: the readings' wire format, the mote's confirmable sender (queue, CoAP-like
 * retransmission, acknowledgements through the Child SA) and the gateway's sink (once per
 * reading, every copy acknowledged), on a VirtualClock with fake ESP pipelines.
 */
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { InboundPacket } from '../../../actors/esp-pipeline.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { parseIpv6 } from '../../../ipsec/packet/address.js';
import { buildIpv6, decodeIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp } from '../../../ipsec/packet/udp.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { meshAddress, SENSOR_PORT } from '../../../targets/wismote/profile.js';
import {
  ACK_TIMEOUT_MS,
  decodeReading,
  encodeReading,
  GatewaySink,
  MAX_RETRANSMIT,
  MoteSensor,
  type MoteSensorOptions,
  QUEUE_LIMIT,
} from '../../../targets/wismote/sensor.js';
import { runSimulation } from '../../../targets/wismote/sim.js';
import { SIM_DEFAULTS } from '../../../targets/wismote/sim-options.js';

const MOTE = 2;
const MOTE_ADDR = meshAddress(MOTE);
const GW_ADDR = meshAddress(1);
const SPI = 0xc0ffee;

class FakePipeline {
  readonly sent: { at: number; packet: Uint8Array }[] = [];
  readonly delivered$ = new Subject<InboundPacket>();
  constructor(private readonly clock: VirtualClock) {}
  send(packet: Uint8Array): void {
    this.sent.push({ at: this.clock.now(), packet });
  }
}

/** The UDP datagram inside one of our IPv6 packets. */
function open(packet: Uint8Array) {
  const ip = decodeIpv6(packet);
  if (!ip.ok) throw new Error('not IPv6');
  expect(ip.value.nextHeader).toBe(IpProto.UDP);
  const u = decodeUdp(ip.value.payload);
  if (!u.ok) throw new Error('not UDP');
  return {
    src: ip.value.src,
    dst: ip.value.dst,
    srcPort: u.value.srcPort,
    dstPort: u.value.dstPort,
    payload: u.value.payload,
  };
}

function packet(
  from: string,
  to: string,
  payload: Uint8Array,
  port = SENSOR_PORT,
  nextHeader: number = IpProto.UDP,
) {
  const src = parseIpv6(from)!;
  const dst = parseIpv6(to)!;
  const segment =
    nextHeader === IpProto.UDP ? buildUdp({ src, dst, srcPort: port, dstPort: port, payload }) : payload;
  return buildIpv6({ src, dst, nextHeader, payload: segment });
}

const ackPayload = (mote: number, seq: number) =>
  Uint8Array.of(0x81, mote >> 8, mote & 0xff, seq >> 8, seq & 0xff);
const ackTo = (mote: number, seq: number, spi: number | null = SPI): InboundPacket => ({
  packet: packet(GW_ADDR, meshAddress(mote), ackPayload(mote, seq)),
  ...(spi !== null ? { spi } : {}),
});

/** A mote sensor whose random source is all zeros: first reading at once, values 0. */
function mote(o: { intervalMs?: number; ready?: () => boolean; onUnanswered?: () => void } = {}) {
  const clock = new VirtualClock(0);
  const pipeline = new FakePipeline(clock);
  const sensor = new MoteSensor({
    short: MOTE,
    address: MOTE_ADDR,
    gateway: GW_ADDR,
    pipeline,
    clock,
    random: (n) => new Uint8Array(n),
    intervalMs: o.intervalMs ?? 1_000_000,
    ready: o.ready ?? (() => true),
    ...(o.onUnanswered ? { onUnanswered: o.onUnanswered } : {}),
  });
  const seqs = () => pipeline.sent.map((s) => decodeReading(open(s.packet).payload)!.seq);
  return { clock, pipeline, sensor, seqs };
}

describe('reading wire format', () => {
  it('round trip: encode then decode gives the reading back, in 8 octets of type 0x01', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffff }),
        (m, seq, value) => {
          const b = encodeReading({ mote: m, seq, value });
          expect(b).toHaveLength(8);
          expect(b[0]).toBe(0x01);
          expect(decodeReading(b)).toEqual({ mote: m, seq, value });
        },
      ),
      { seed: 7252 },
    );
  });

  it('the layout is type | mote | seq | value, big-endian', () => {
    expect([...encodeReading({ mote: 0x1234, seq: 0xabcd, value: 0x010203 })]).toEqual([
      0x01, 0x12, 0x34, 0xab, 0xcd, 0x01, 0x02, 0x03,
    ]);
  });

  it('rejects wrong lengths and wrong types', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (b) => {
        const r = decodeReading(b);
        if (b.length !== 8 || b[0] !== 0x01) expect(r).toBeUndefined();
        else expect(r).toBeDefined();
      }),
      { seed: 1 },
    );
    const ok = encodeReading({ mote: 2, seq: 3, value: 4 });
    expect(decodeReading(ok.subarray(0, 7))).toBeUndefined();
    expect(decodeReading(Uint8Array.of(...ok, 0))).toBeUndefined();
    expect(decodeReading(Uint8Array.of(0x81, ...ok.subarray(1)))).toBeUndefined();
    expect(decodeReading(ackPayload(2, 3))).toBeUndefined();
  });
});

describe('MoteSensor', () => {
  it('samples every interval, after a random part of the first', () => {
    const clock = new VirtualClock(0);
    const pipeline = new FakePipeline(clock);
    const random = seededRandom('sample');
    const sensor = new MoteSensor({
      short: MOTE,
      address: MOTE_ADDR,
      gateway: GW_ADDR,
      pipeline,
      clock,
      random,
      intervalMs: 10_000,
      ready: () => false,
    });
    sensor.start();
    const takenAt: number[] = [];
    for (let t = 0; t < 50_000; t += 100) {
      const before = sensor.counters.taken;
      clock.advance(100);
      if (sensor.counters.taken !== before) takenAt.push(clock.now());
    }
    expect(takenAt.length).toBe(5);
    expect(takenAt[0]).toBeLessThanOrEqual(10_000);
    for (let i = 1; i < takenAt.length; i++) expect(takenAt[i]! - takenAt[i - 1]!).toBe(10_000);
    expect(pipeline.sent).toHaveLength(0); // no SA: nothing sent
  });

  it('sends a reading as IPv6/UDP from the mote to the gateway, port 5683 both ends', () => {
    const { clock, pipeline, sensor } = mote();
    sensor.start();
    clock.advance(0);
    expect(pipeline.sent).toHaveLength(1);
    const u = open(pipeline.sent[0]!.packet);
    expect(u.src).toEqual(parseIpv6(MOTE_ADDR));
    expect(u.dst).toEqual(parseIpv6(GW_ADDR));
    expect([u.srcPort, u.dstPort]).toEqual([SENSOR_PORT, SENSOR_PORT]);
    expect(decodeReading(u.payload)).toEqual({ mote: MOTE, seq: 0, value: 0 });
  });

  it('without an SA readings queue; a full queue drops the oldest (abandoned); flush sends them in order', () => {
    let ready = false;
    const { clock, pipeline, sensor, seqs } = mote({ intervalMs: 1000, ready: () => ready });
    sensor.start();
    clock.advance(QUEUE_LIMIT * 1000 + 1000 + 1); // QUEUE_LIMIT + 2 readings
    expect(sensor.counters.taken).toBe(QUEUE_LIMIT + 2);
    expect(sensor.counters.abandoned).toBe(2);
    expect(sensor.outstanding).toBe(QUEUE_LIMIT);
    expect(pipeline.sent).toHaveLength(0);
    sensor.flush(); // still not ready: nothing
    expect(pipeline.sent).toHaveLength(0);
    ready = true;
    sensor.flush();
    expect(seqs()).toEqual(Array.from({ length: QUEUE_LIMIT }, (_, i) => i + 2));
    expect(sensor.counters.sent).toBe(QUEUE_LIMIT);
    expect(sensor.outstanding).toBe(QUEUE_LIMIT); // in flight now
  });

  it('retransmits an unanswered reading after 2, 4, 8 and 16 s, then requeues it and calls onUnanswered', () => {
    let ready = true;
    let unanswered = 0;
    const { clock, pipeline, sensor, seqs } = mote({ ready: () => ready, onUnanswered: () => unanswered++ });
    sensor.start();
    clock.advance(0);
    clock.advance(31_000);
    expect(pipeline.sent.map((s) => s.at)).toEqual([0, 2000, 6000, 14_000, 30_000]);
    expect(ACK_TIMEOUT_MS).toBe(2000);
    expect(MAX_RETRANSMIT).toBe(4);
    expect(seqs()).toEqual([0, 0, 0, 0, 0]);
    expect(sensor.counters.retransmitted).toBe(MAX_RETRANSMIT);
    expect(unanswered).toBe(0);
    ready = false; // the SA is gone meanwhile
    clock.advance(30_999); // the last wait is 32 s
    expect(unanswered).toBe(0);
    clock.advance(1);
    expect(unanswered).toBe(1);
    expect(sensor.counters.requeued).toBe(1);
    expect(sensor.counters.abandoned).toBe(0);
    expect(sensor.outstanding).toBe(1); // back in the queue
    expect(pipeline.sent).toHaveLength(5);
    clock.advance(100_000);
    expect(pipeline.sent).toHaveLength(5);
    ready = true;
    sensor.flush(); // a new SA: the reading goes out again, a fresh retry chain
    expect(seqs()).toEqual([0, 0, 0, 0, 0, 0]);
    expect(pipeline.sent[5]!.at).toBe(162_000);
  });

  it('with the SA still up, a requeued reading goes out again at once', () => {
    let unanswered = 0;
    const { clock, pipeline, sensor } = mote({ onUnanswered: () => unanswered++ });
    sensor.start();
    clock.advance(62_000);
    expect(unanswered).toBe(1);
    expect(pipeline.sent.map((s) => s.at)).toEqual([0, 2000, 6000, 14_000, 30_000, 62_000]);
  });

  it('an ack through the Child SA stops retransmission', () => {
    const { clock, pipeline, sensor } = mote();
    sensor.start();
    clock.advance(2500); // the first send and one retransmission
    pipeline.delivered$.next(ackTo(MOTE, 0));
    expect(sensor.counters.acknowledged).toBe(1);
    expect(sensor.outstanding).toBe(0);
    clock.advance(120_000);
    expect(pipeline.sent).toHaveLength(2);
    // A second copy of the ack changes nothing.
    pipeline.delivered$.next(ackTo(MOTE, 0));
    expect(sensor.counters.acknowledged).toBe(1);
  });

  it.each<[string, InboundPacket]>([
    ['for another mote', ackTo(3, 0)],
    ['for another reading', ackTo(MOTE, 1)],
    ['not through a Child SA (no spi)', ackTo(MOTE, 0, null)],
    ['to another port', { packet: packet(GW_ADDR, MOTE_ADDR, ackPayload(MOTE, 0), 5684), spi: SPI }],
    [
      'not UDP',
      { packet: packet(GW_ADDR, MOTE_ADDR, ackPayload(MOTE, 0), SENSOR_PORT, IpProto.TCP), spi: SPI },
    ],
    [
      'of the wrong length',
      { packet: packet(GW_ADDR, MOTE_ADDR, Uint8Array.of(...ackPayload(MOTE, 0), 0)), spi: SPI },
    ],
    ['garbage', { packet: Uint8Array.of(1, 2, 3), spi: SPI }],
  ])('an ack %s is ignored: retransmission goes on', (_name, p) => {
    const { clock, pipeline, sensor } = mote();
    sensor.start();
    clock.advance(0);
    pipeline.delivered$.next(p);
    expect(sensor.counters.acknowledged).toBe(0);
    clock.advance(2000);
    expect(pipeline.sent).toHaveLength(2);
  });

  it('stopSampling: no new readings, but one in flight completes', () => {
    const { clock, pipeline, sensor } = mote({ intervalMs: 1000 });
    sensor.start();
    clock.advance(0);
    sensor.stopSampling();
    clock.advance(2500); // no reading 1, one retransmission of reading 0
    expect(sensor.counters.taken).toBe(1);
    expect(pipeline.sent).toHaveLength(2);
    expect(sensor.outstanding).toBe(1);
    pipeline.delivered$.next(ackTo(MOTE, 0));
    expect(sensor.outstanding).toBe(0);
    clock.advance(100_000);
    expect(sensor.counters.taken).toBe(1);
    expect(pipeline.sent).toHaveLength(2);
  });

  it('stop: no timers left, acks ignored', () => {
    const { clock, sensor, pipeline } = mote({ intervalMs: 1000 });
    sensor.start();
    clock.advance(0);
    sensor.stop();
    expect(clock.pending).toBe(0);
    pipeline.delivered$.next(ackTo(MOTE, 0));
    expect(sensor.counters.acknowledged).toBe(0);
  });
});

describe('GatewaySink', () => {
  function sink() {
    const clock = new VirtualClock(0);
    const pipeline = new FakePipeline(clock);
    const s = new GatewaySink({ pipeline, address: GW_ADDR, clock });
    const reading = (m: number, seq: number, spi: number | undefined = SPI): InboundPacket => ({
      packet: packet(meshAddress(m), GW_ADDR, encodeReading({ mote: m, seq, value: 7 })),
      ...(spi !== undefined ? { spi } : {}),
    });
    return { clock, pipeline, sink: s, reading };
  }

  it('counts a reading once per (mote, seq), counts duplicates, acknowledges every copy to its source', () => {
    const { clock, pipeline, sink: s, reading } = sink();
    pipeline.delivered$.next(reading(2, 5));
    clock.advance(2000);
    pipeline.delivered$.next(reading(2, 5));
    pipeline.delivered$.next(reading(2, 6));
    pipeline.delivered$.next(reading(3, 5));
    expect(s.delivered).toEqual(
      new Map([
        [2, 2],
        [3, 1],
      ]),
    );
    expect(s.duplicates).toEqual(new Map([[2, 1]]));
    expect(pipeline.sent).toHaveLength(4);
    const acks = pipeline.sent.map((p) => open(p.packet));
    expect(acks.map((a) => [...a.payload])).toEqual([
      [0x81, 0, 2, 0, 5],
      [0x81, 0, 2, 0, 5],
      [0x81, 0, 2, 0, 6],
      [0x81, 0, 3, 0, 5],
    ]);
    expect(acks[3]!.src).toEqual(parseIpv6(GW_ADDR));
    expect(acks[3]!.dst).toEqual(parseIpv6(meshAddress(3)));
    expect(acks.every((a) => a.dstPort === SENSOR_PORT && a.srcPort === SENSOR_PORT)).toBe(true);
  });

  it.each<[string, InboundPacket]>([
    [
      'not through a Child SA',
      { packet: packet(MOTE_ADDR, GW_ADDR, encodeReading({ mote: 2, seq: 0, value: 0 })) },
    ],
    [
      'another port',
      { packet: packet(MOTE_ADDR, GW_ADDR, encodeReading({ mote: 2, seq: 0, value: 0 }), 5684), spi: SPI },
    ],
    ['an ack', { packet: packet(MOTE_ADDR, GW_ADDR, ackPayload(2, 0)), spi: SPI }],
    ['a short payload', { packet: packet(MOTE_ADDR, GW_ADDR, Uint8Array.of(1, 0, 2)), spi: SPI }],
    [
      'not UDP',
      { packet: packet(MOTE_ADDR, GW_ADDR, new Uint8Array(16), SENSOR_PORT, IpProto.TCP), spi: SPI },
    ],
    ['garbage', { packet: Uint8Array.of(0x60, 0, 0), spi: SPI }],
  ])('ignores %s', (_name, p) => {
    const { pipeline, sink: s } = sink();
    pipeline.delivered$.next(p);
    expect(s.delivered.size).toBe(0);
    expect(s.duplicates.size).toBe(0);
    expect(pipeline.sent).toHaveLength(0);
  });

  it('a mote whose acks are all lost: its whole retry chain and the resend after it count as one reading', () => {
    // Mote and gateway joined by fake pipelines; every ack from the gateway is lost.
    const clock = new VirtualClock(0);
    const motePipe = new FakePipeline(clock);
    const gwPipe = new FakePipeline(clock);
    const sensor = new MoteSensor({
      short: MOTE,
      address: MOTE_ADDR,
      gateway: GW_ADDR,
      pipeline: {
        send: (p) => gwPipe.delivered$.next({ packet: p, spi: SPI }),
        delivered$: motePipe.delivered$,
      },
      clock,
      random: (n) => new Uint8Array(n),
      intervalMs: 10_000_000,
      ready: () => true,
    });
    const s = new GatewaySink({ pipeline: gwPipe, address: GW_ADDR, clock });
    sensor.start();
    // Copies at 0, 2, 6, 14, 30 s; requeued and sent again at 62 s, a new chain: 64, 68 s.
    clock.advance(70_000);
    expect(gwPipe.sent).toHaveLength(8); // every copy acknowledged
    expect(s.delivered.get(MOTE)).toBe(1);
    expect(s.duplicates.get(MOTE)).toBe(7);
  });

  it('the same sequence number long after its last copy is a new reading (the counter wrapped)', () => {
    const { clock, pipeline, sink: s, reading } = sink();
    pipeline.delivered$.next(reading(2, 9));
    clock.advance(60_000);
    pipeline.delivered$.next(reading(2, 9));
    expect(s.delivered.get(2)).toBe(2);
    expect(s.duplicates.get(2)).toBeUndefined();
  });
});

describe('sequence numbers across a reboot', () => {
  const sensorWith = (
    clock: VirtualClock,
    random: (n: number) => Uint8Array,
    pipeline: MoteSensorOptions['pipeline'],
    intervalMs = 1_000_000,
  ) =>
    new MoteSensor({
      short: MOTE,
      address: MOTE_ADDR,
      gateway: GW_ADDR,
      pipeline,
      clock,
      random,
      intervalMs,
      ready: () => true,
    });

  it('the first sequence number is random (RFC 7252 §4.4) and the counter wraps at 16 bits', () => {
    const clock = new VirtualClock(0);
    const pipeline = new FakePipeline(clock);
    let first = true;
    // The first two octets drawn are the initial number; the rest all ones/zeros.
    const random = (n: number) => {
      const b = new Uint8Array(n).fill(first ? 0xff : 0);
      first = false;
      return b;
    };
    const sensor = sensorWith(clock, random, pipeline);
    sensor.start();
    clock.advance(0);
    clock.advance(1_000_000);
    const seqs = pipeline.sent.map((p) => decodeReading(open(p.packet).payload)!.seq);
    expect(seqs[0]).toBe(0xffff);
    expect(seqs.at(-1)).toBe(0); // the next reading wrapped
  });

  it('a rebooted mote (a new sensor, a new seed) starts elsewhere: the gateway counts its new reading', () => {
    const clock = new VirtualClock(0);
    const gw = new FakePipeline(clock);
    const sink = new GatewaySink({ pipeline: gw, address: GW_ADDR, clock });
    let copies = 0;
    for (const boot of [1, 2]) {
      const sensor = sensorWith(
        clock,
        seededRandom(`mote/2/boot/${boot}`),
        {
          send: (p) => {
            copies++;
            gw.delivered$.next({ packet: p, spi: SPI + boot });
          },
          delivered$: new Subject<InboundPacket>(),
        },
        10_000,
      );
      sensor.start();
      clock.advance(9_999); // its first reading, one copy
      sensor.stop(); // power lost
      clock.advance(1);
    }
    // Two readings, one copy each, 20 s apart: two readings for the gateway.
    expect(copies).toBe(2);
    expect(sink.delivered.get(MOTE)).toBe(2);
    expect(sink.duplicates.get(MOTE)).toBeUndefined();
  });

  it('through the simulator: a mote rebooting with readings every 2 s loses none to deduplication', () => {
    const r = runSimulation(
      {
        ...SIM_DEFAULTS,
        seed: 'reboot-seq',
        motes: 2,
        intervalS: 2,
        durationS: 120,
        bootSpreadS: 0,
        events: [{ atS: 20, kind: 'reboot', mote: 2, downS: 1 }],
      },
      { provider: nobleProvider, compareWithSeed: false },
    ).report;
    const rebooted = r.motes.find((m) => m.id === 2)!;
    expect(rebooted.boots).toBe(2);
    for (const m of r.motes) expect(m.readingsDelivered, `mote ${m.id}`).toBe(m.readingsSent);
    expect(r.ok).toBe(true);
  });
});
