/**
 * Properties of the medium over random small topologies, impairments and traffic: every send()
 * gets exactly one done(); a frame reaches an upper layer at most once; the counters agree with
 * the AirEvent log and the outcomes; with no loss and no contention everything arrives; a
 * disabled node sends and receives nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { Medium } from '../../../transport/radio/medium.js';
import { Topology } from '../../../transport/radio/topology.js';
import { BROADCAST_ADDRESS, type RadioInterface, type TxStatus } from '../../../transport/radio/types.js';

const arbQuality = fc.record({
  loss: fc.constantFrom(0, 0, 0.2, 0.6, 1),
  duplicate: fc.constantFrom(0, 0, 0.3, 1),
  delayMs: fc.constantFrom(0, 0, 3),
});

const arbScenario = fc.integer({ min: 2, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    links: fc.array(fc.tuple(fc.boolean(), arbQuality, arbQuality), {
      minLength: (n * (n - 1)) / 2,
      maxLength: (n * (n - 1)) / 2,
    }),
    sends: fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 100 }),
        src: fc.integer({ min: 0, max: n - 1 }),
        dst: fc.integer({ min: -1, max: n - 1 }),
        len: fc.integer({ min: 2, max: 116 }),
      }),
      { minLength: 1, maxLength: 25 },
    ),
    disable: fc.option(
      fc.record({ node: fc.integer({ min: 0, max: n - 1 }), at: fc.integer({ min: 0, max: 100 }) }),
      {
        nil: undefined,
      },
    ),
    seed: fc.integer(),
  }),
);

type Scenario = typeof arbScenario extends fc.Arbitrary<infer T> ? T : never;

function run(s: Scenario) {
  const t = new Topology({ mode: 'explicit' });
  for (let i = 1; i <= s.n; i++) t.addNode(i);
  let k = 0;
  for (let a = 1; a <= s.n; a++)
    for (let b = a + 1; b <= s.n; b++) {
      const [present, qab, qba] = s.links[k++]!;
      if (!present) continue;
      t.connect(a, b).setQuality(a, b, qab, true).setQuality(b, a, qba, true);
    }
  const clock = new VirtualClock();
  const medium = new Medium({ clock, random: seededRandom(s.seed), links: t, options: { keepLog: true } });
  const ifs: RadioInterface[] = [];
  for (let i = 1; i <= s.n; i++) ifs.push(medium.attach(i));
  const done = new Map<number, TxStatus[]>();
  const delivered: Array<{ at: number; node: number; id: number; src: number }> = [];
  ifs.forEach((r, node) => {
    r.onReceive((f) => {
      delivered.push({ at: clock.now(), node, id: f.payload[0]! | (f.payload[1]! << 8), src: f.src });
    });
  });
  const sentAt = new Map<number, number>();
  s.sends.forEach((x, id) => {
    clock.setTimeout(() => {
      const payload = new Uint8Array(x.len);
      payload[0] = id & 0xff;
      payload[1] = id >> 8;
      done.set(id, []);
      sentAt.set(id, clock.now());
      ifs[x.src]!.send(
        x.dst < 0 ? BROADCAST_ADDRESS : x.dst + 1,
        payload,
        (st) => done.get(id)!.push(st),
        `s${id}`,
      );
    }, x.at);
  });
  if (s.disable) {
    const d = s.disable;
    clock.setTimeout(() => ifs[d.node]!.setEnabled(false), d.at + 0.5);
  }
  clock.runUntilIdle();
  return { t, clock, medium, ifs, done, delivered, sentAt };
}

describe('medium properties', () => {
  it('every send() gets exactly one done(); at-most-once delivery; counters agree with the log', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { clock, medium, ifs, done, delivered } = run(s);
        expect(clock.pending).toBe(0);
        // exactly one done per send
        expect(done.size).toBe(s.sends.length);
        for (const st of done.values()) expect(st).toHaveLength(1);
        // at most once per (receiver, frame)
        const seen = new Set(delivered.map((d) => `${d.node}/${d.id}`));
        expect(seen.size).toBe(delivered.length);
        // a delivery comes from the frame's source, to its destination or everyone on broadcast
        for (const d of delivered) {
          const x = s.sends[d.id]!;
          expect(d.src).toBe(x.src + 1);
          if (x.dst >= 0) expect(d.node).toBe(x.dst);
          expect(d.node).not.toBe(x.src);
        }
        ifs.forEach((r, node) => {
          const mine = s.sends.map((x, id) => ({ x, id })).filter(({ x }) => x.src === node);
          const outcome = (st: TxStatus) => mine.filter(({ id }) => done.get(id)![0] === st).length;
          const data = medium.log.filter((e) => e.src === r.address && e.kind === 'data');
          const acks = medium.log.filter((e) => e.src === r.address && e.kind === 'ack');
          expect(r.stats.framesSent).toBe(data.length);
          expect(r.stats.bytesSent).toBe(data.reduce((n, e) => n + e.bytes, 0));
          // framesSent = first transmissions + retries
          expect(r.stats.framesSent - r.stats.retries).toBe(new Set(data.map((e) => e.tag)).size);
          expect(r.stats.acksSent).toBe(acks.length);
          expect(r.stats.ackBytesSent).toBe(11 * acks.length);
          expect(r.stats.noAck).toBe(outcome('NO_ACK'));
          expect(r.stats.channelAccessFailures).toBe(outcome('CHANNEL_ACCESS_FAILURE'));
          // a broadcast is sent once; a unicast at most 1 + macMaxFrameRetries times
          for (const { x, id } of mine) {
            const n = data.filter((e) => e.tag === `s${id}`).length;
            expect(n).toBeLessThanOrEqual(x.dst < 0 ? 1 : 4);
            if (done.get(id)![0] === 'NO_ACK') expect(n).toBe(4);
          }
          if (!s.disable) {
            const up = delivered.filter((d) => d.node === node).length;
            expect(r.stats.framesReceived - r.stats.duplicatesDropped).toBe(up);
          }
          expect(r.stats.radioOnMs).toBeGreaterThanOrEqual(0);
        });
        if (!s.disable)
          // an acknowledged unicast reached the upper layer of its destination
          s.sends.forEach((x, id) => {
            if (x.dst >= 0 && done.get(id)![0] === 'SUCCESS')
              expect(delivered.some((d) => d.id === id && d.node === x.dst)).toBe(true);
          });
      }),
      { numRuns: 250, seed: 42 },
    );
  });

  it('a disabled node receives nothing and sends nothing after it is switched off', () => {
    fc.assert(
      fc.property(
        arbScenario.filter((s) => s.disable !== undefined),
        (s) => {
          const { medium, ifs, done, delivered, sentAt } = run(s);
          const off = s.disable!.at + 0.5;
          const node = s.disable!.node;
          expect(delivered.filter((d) => d.node === node && d.at >= off)).toEqual([]);
          expect(medium.log.filter((e) => e.src === ifs[node]!.address && e.start > off)).toEqual([]);
          s.sends.forEach((x, id) => {
            if (x.src !== node) return;
            const st = done.get(id)![0]!;
            if (sentAt.get(id)! >= off) expect(st).toBe('TRX_OFF');
          });
        },
      ),
      { numRuns: 150, seed: 43 },
    );
  });

  it('with no loss and no contention every frame arrives, exactly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 2, max: 116 }), fc.boolean()), {
          minLength: 1,
          maxLength: 15,
        }),
        fc.constantFrom(0, 1),
        fc.integer(),
        (n, sends, duplicate, seed) => {
          const t = new Topology({ defaultQuality: { duplicate } }); // range mode, all at (0, 0): full mesh
          for (let i = 1; i <= n; i++) t.addNode(i, { x: 0, y: 0 });
          const clock = new VirtualClock();
          const medium = new Medium({ clock, random: seededRandom(seed), links: t });
          const ifs = t.addresses.map((a) => medium.attach(a));
          const got: string[] = [];
          for (const r of ifs) r.onReceive((f) => got.push(`${r.address}<${f.src}:${f.payload[0]}`));
          const statuses: TxStatus[] = [];
          const expected: string[] = [];
          sends.forEach(([a, b, len, broadcast], id) => {
            const src = (a % n) + 1;
            let dst = (b % n) + 1;
            if (dst === src) dst = (dst % n) + 1;
            const payload = new Uint8Array(len).fill(id);
            if (broadcast) {
              for (let i = 1; i <= n; i++) if (i !== src) expected.push(`${i}<${src}:${id}`);
            } else expected.push(`${dst}<${src}:${id}`);
            clock.setTimeout(
              () => ifs[src - 1]!.send(broadcast ? BROADCAST_ADDRESS : dst, payload, (s) => statuses.push(s)),
              id * 50, // one frame at a time: no contention
            );
          });
          clock.runUntilIdle();
          expect(statuses).toEqual(sends.map(() => 'SUCCESS'));
          expect(got.sort()).toEqual(expected.sort());
          for (const r of ifs)
            expect(r.stats).toMatchObject({ retries: 0, collisions: 0, lost: 0, noAck: 0 });
        },
      ),
      { numRuns: 150, seed: 44 },
    );
  });
});
