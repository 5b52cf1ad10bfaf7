import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { radioAddress } from '../../../transport/radio/addressing.js';
import { RadioTransport, type RadioTransportOptions } from '../../../transport/radio/radio-transport.js';
import { decodeFragmentHeader, isFragment } from '../../../transport/radio/sixlowpan/frag.js';
import { DEFAULT_REASSEMBLY_TIMEOUT_MS } from '../../../transport/radio/sixlowpan/reassembly.js';
import type { ShortAddress } from '../../../transport/radio/types.js';
import type { Datagram, Endpoint } from '../../../transport/types.js';
import { type AirFrame, FakeAir } from './fake-radio.js';

const ep = (short: ShortAddress, port = 500): Endpoint => ({ address: radioAddress(short), port });

/** Nodes on a line 1 - 2 - ... - n: static routes towards the destination's side. */
const lineRoute =
  (self: ShortAddress) =>
  (dst: ShortAddress): ShortAddress | undefined =>
    dst === self ? undefined : dst > self ? self + 1 : self - 1;

interface Net {
  clock: VirtualClock;
  air: FakeAir;
  nodes: RadioTransport[];
  inbox: Datagram[][];
}

function line(n: number, extra: Partial<RadioTransportOptions> = {}, delayMs = 1): Net {
  const clock = new VirtualClock();
  const air = new FakeAir(clock, delayMs);
  const nodes: RadioTransport[] = [];
  const inbox: Datagram[][] = [];
  for (let a = 1; a <= n; a++) {
    const t = new RadioTransport({
      radio: air.attach(a),
      clock,
      endpoints: [ep(a, 500), ep(a, 4500)],
      nextHop: lineRoute(a),
      random: seededRandom(`tag${a}`),
      ...extra,
    });
    const box: Datagram[] = [];
    t.datagrams$.subscribe((d) => box.push(d));
    nodes.push(t);
    inbox.push(box);
  }
  return { clock, air, nodes, inbox };
}

const data = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/** Octets of IPHC + NHC in an unfragmented frame or a FRAG1 (the rest is the UDP payload we know). */
function headerOctets(f: AirFrame, payloadInFrame: number): number {
  const start = isFragment(f.payload[0]!) ? 4 : 0;
  return f.payload.length - start - payloadInFrame;
}

describe('RadioTransport over a fake radio', () => {
  it('carries every datagram size from 0 to 1232 octets (a 1280-octet IPv6 datagram) exactly, both ways', () => {
    const { clock, nodes, inbox } = line(2);
    const [a, b] = nodes as [RadioTransport, RadioTransport];
    for (let n = 0; n <= 1232; n++) {
      a.send(data(n, n), ep(1), ep(2, 4500));
      b.send(data(n, n + 1), ep(2, 4500), ep(1));
      if (n % 16 === 0) clock.runUntilIdle();
    }
    clock.runUntilIdle();
    expect(inbox[1]!.map((d) => d.data.length)).toEqual(Array.from({ length: 1233 }, (_, n) => n));
    inbox[1]!.forEach((d, n) => {
      expect(d.data).toEqual(data(n, n));
      expect(d).toMatchObject({ local: ep(2, 4500), remote: ep(1) });
    });
    inbox[0]!.forEach((d, n) => {
      expect(d.data).toEqual(data(n, n + 1));
    });
    expect(inbox[0]).toHaveLength(1233);
    expect(a.stats).toMatchObject({ datagramsSent: 1233, datagramsReceived: 1233 });
    expect(a.stats.datagramsFragmented).toBe(1233 - 108); // 0..107 octets fit one frame
    expect(Object.values(a.stats.drops).every((v) => v === 0)).toBe(true);
  });

  it('refuses datagrams over maxDatagramSize; 1280 octets of UDP payload pass when it is raised to 2047', () => {
    const small = line(2);
    small.nodes[0]!.send(data(1233), ep(1), ep(2));
    expect(small.nodes[0]!.stats.drops.tooBig).toBe(1);
    const big = line(2, { maxDatagramSize: 2047 });
    big.nodes[0]!.send(data(1280), ep(1), ep(2));
    big.clock.runUntilIdle();
    expect(big.inbox[1]!.map((d) => d.data)).toEqual([data(1280)]);
  });

  it('elides both addresses on a first hop to a neighbour: 9 octets of IPHC + NHC, 107 octets of payload per frame', () => {
    const { clock, air, nodes } = line(2);
    const a = nodes[0]!;
    expect(a.headerOverhead(ep(2))).toBe(9);
    expect(a.maxDatagramWithoutFragmentation(ep(2))).toBe(107);
    a.send(data(107), ep(1), ep(2));
    a.send(data(108), ep(1), ep(2));
    clock.runUntilIdle();
    expect(air.log.map((f) => f.payload.length)).toEqual([116, 4 + 9 + 96, 5 + 12]);
    expect(headerOctets(air.log[0]!, 107)).toBe(9);
    expect(a.stats).toMatchObject({ headerBytes: 18, fragmentHeaderBytes: 9, framesSent: 3 });
  });

  it('forwards through a middle node (route-over), with the headers each hop needs, and the same tag', () => {
    const tagOf = (d: Uint8Array, from: Endpoint, to: Endpoint) => `${from.port}>${to.port}:${d[0]}`;
    const { clock, air, nodes, inbox } = line(4, { tagOf });
    const [n1, n2, n3, n4] = nodes as [RadioTransport, RadioTransport, RadioTransport, RadioTransport];
    expect(n1.headerOverhead(ep(3))).toBe(11); // destination not the link destination: DAM=10
    expect(n1.headerOverhead(ep(4), undefined, 'any')).toBe(14); // a middle hop: SAM=10, DAM=10, HLIM inline
    expect(n1.maxDatagramWithoutFragmentation(ep(4), ep(1, 4500), 'any')).toBe(116 - 14);
    expect(n1.headerOverhead(ep(2), undefined, 'any')).toBe(9); // a neighbour: no forwarded hop
    n1.send(data(50, 7), ep(1, 4500), ep(4, 4500));
    clock.runUntilIdle();
    expect(inbox[3]!.map((d) => [d.data, d.remote, d.local])).toEqual([
      [data(50, 7), ep(1, 4500), ep(4, 4500)],
    ]);
    expect(air.log.map((f) => [f.src, f.dst])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    // 1->2: SAM=11, DAM=10, HLIM 64 elided: 11; 2->3: SAM=10, DAM=10, hop limit inline: 14; 3->4: DAM=11: 12
    expect(air.log.map((f) => headerOctets(f, 50))).toEqual([11, 14, 12]);
    expect(new Set(air.log.map((f) => f.tag))).toEqual(new Set(['4500>4500:7']));
    expect(n2.stats.datagramsForwarded).toBe(1);
    expect(n3.stats.datagramsForwarded).toBe(1);
    expect(n4.stats.datagramsReceived).toBe(1);
    // a fragmented datagram is reassembled and fragmented again on every hop
    n4.send(data(600, 3), ep(4), ep(1));
    clock.runUntilIdle();
    expect(inbox[0]!.map((d) => d.data)).toEqual([data(600, 3)]);
    expect(n3.stats.datagramsFragmented).toBe(1);
    expect(n2.stats.datagramsFragmented).toBe(1);
  });

  it('drops at hop limit exhaustion, unroutable destinations and unbound ports, and counts each', () => {
    const { clock, nodes, inbox } = line(3, { hopLimit: 1 });
    nodes[0]!.send(data(10), ep(1), ep(3));
    clock.runUntilIdle();
    expect(nodes[1]!.stats.drops.hopLimit).toBe(1);
    expect(inbox[2]).toHaveLength(0);
    const n = line(3);
    n.nodes[0]!.send(data(10), ep(1), ep(2, 9999));
    n.nodes[0]!.send(data(10), ep(1), { address: 'fd01::ff:fe00:2', port: 500 });
    n.nodes[0]!.send(data(10), ep(1), { address: 'fd00::1', port: 500 });
    n.nodes[0]!.send(data(10), ep(1, 1234), ep(2));
    n.clock.runUntilIdle();
    expect(n.nodes[1]!.stats.drops.noListener).toBe(1);
    expect(n.nodes[0]!.stats.drops).toMatchObject({ unroutable: 2, unboundSource: 1 });
    // a routing loop ends at the hop limit
    const loop = line(2, { nextHop: () => 0x0009 });
    loop.air.attach(9); // a silent neighbour that acknowledges
    loop.nodes[0]!.send(data(1), ep(1), ep(2));
    loop.clock.runUntilIdle();
    expect(loop.inbox[1]).toHaveLength(0);
  });

  it('counts a lost fragment: unacknowledged at the sender, which sends the rest; reassembly timeout at the receiver', () => {
    const { clock, air, nodes, inbox } = line(2);
    let n = 0;
    air.drop = () => ++n === 2; // the first FRAGN
    nodes[0]!.send(data(500), ep(1), ep(2));
    clock.advance(100);
    // NO_ACK may mean a lost ACK: the datagram's other frames still go (datagram-queue.ts).
    expect(nodes[0]!.stats.framesUnacknowledged).toBe(1);
    expect(nodes[0]!.stats.drops.txFailure).toBe(0);
    expect(air.log).toHaveLength(5); // FRAG1 (96 octets of payload) + 4 FRAGN (104 each) for 500
    expect(nodes[1]!.stats.reassembly.started).toBe(1);
    clock.advance(DEFAULT_REASSEMBLY_TIMEOUT_MS);
    expect(nodes[1]!.stats.drops.reassemblyTimeout).toBe(1);
    expect(inbox[1]).toHaveLength(0);
    nodes[0]!.send(data(500), ep(1), ep(2));
    clock.runUntilIdle();
    expect(inbox[1]!.map((d) => d.data)).toEqual([data(500)]);
  });

  it('drops and counts a datagram whose UDP checksum fails, and malformed frames', () => {
    const { clock, air, nodes, inbox } = line(2);
    air.mutate = (f) => {
      const p = f.payload.slice();
      p[p.length - 1]! ^= 0x01;
      return p;
    };
    nodes[0]!.send(data(40), ep(1), ep(2));
    nodes[0]!.send(data(400), ep(1), ep(2));
    clock.runUntilIdle();
    expect(nodes[1]!.stats.drops.badChecksum).toBe(2);
    expect(inbox[1]).toHaveLength(0);
    air.mutate = (f) => (f.payload.length > 50 ? Uint8Array.of(0x7e, 0xf7, 0x55) : Uint8Array.of(0x00, 1));
    nodes[0]!.send(data(60), ep(1), ep(2));
    nodes[0]!.send(data(1), ep(1), ep(2));
    clock.runUntilIdle();
    expect(nodes[1]!.stats.drops.decodeError).toBe(2);
    expect(nodes[1]!.stats.decodeErrors).toEqual({ context: 1, dispatch: 1 });
  });

  it('reaches every neighbour at ff02::1 with a link-layer broadcast', () => {
    const { clock, air, nodes, inbox } = line(3, { nextHop: (d) => d });
    nodes[1]!.send(data(20), ep(2), { address: 'ff02::1', port: 500 });
    clock.runUntilIdle();
    expect(air.log.map((f) => f.dst)).toEqual([0xffff]);
    expect(inbox[0]!.map((d) => d.local)).toEqual([{ address: 'ff02::1', port: 500 }]);
    expect(inbox[2]).toHaveLength(1);
  });

  it('loops back datagrams to itself and stops on close', () => {
    const { clock, nodes, inbox } = line(2);
    nodes[0]!.send(data(3), ep(1), ep(1, 4500));
    clock.runUntilIdle();
    expect(inbox[0]!.map((d) => d.data)).toEqual([data(3)]);
    let completed = false;
    nodes[1]!.datagrams$.subscribe({ complete: () => (completed = true) });
    nodes[1]!.close();
    expect(completed).toBe(true);
    nodes[0]!.send(data(3), ep(1), ep(2));
    clock.runUntilIdle();
    expect(inbox[1]).toHaveLength(0);
    expect(() => new RadioTransport({ ...baseOptions(clock), endpoints: [ep(7)] })).toThrow(/not this node/);
  });

  it('queues datagrams one after the other up to a limit, and counts what does not fit', () => {
    const { clock, air, nodes, inbox } = line(2, { maxQueuedDatagrams: 3 });
    for (let i = 0; i < 5; i++) nodes[0]!.send(data(300, i), ep(1), ep(2));
    expect(nodes[0]!.stats.drops.queueFull).toBe(2);
    clock.runUntilIdle();
    expect(inbox[1]!.map((d) => d.data)).toEqual([0, 1, 2].map((i) => data(300, i)));
    // the frames of one datagram are consecutive on the air
    const tags = air.log.map((f) => (f.payload[2]! << 8) | f.payload[3]!);
    expect(tags).toEqual([...tags].sort((x, y) => x - y));
  });

  it('sends FRAG1/FRAGN with successive datagram_tags from the seeded start', () => {
    const { clock, air, nodes } = line(2);
    nodes[0]!.send(data(300), ep(1), ep(2));
    nodes[0]!.send(data(300), ep(1), ep(2));
    clock.runUntilIdle();
    const tags = air.log.map((f) => {
      const h = decodeFragmentHeader(f.payload);
      return h.ok ? h.value.datagramTag : -1;
    });
    expect(tags[0]).toBe(tags[1]);
    expect(tags.at(-1)).toBe((tags[0]! + 1) & 0xffff);
  });
});

describe('RadioTransport receiving anything', () => {
  it('never throws on random frames from random neighbours, and counts every one', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            src: fc.integer({ min: 0, max: 0xffff }),
            payload: fc.oneof(
              fc.uint8Array({ minLength: 1, maxLength: 116 }),
              fc
                .tuple(fc.constantFrom(0x7e, 0xc0, 0xe0, 0x41, 0x60), fc.uint8Array({ maxLength: 115 }))
                .map(([d, rest]) => Uint8Array.from([d, ...rest])),
            ),
          }),
          { maxLength: 30 },
        ),
        (frames) => {
          const clock = new VirtualClock();
          let handler: ((f: { src: number; dst: number; payload: Uint8Array }) => void) | undefined;
          const radio = { ...new FakeAir(clock).attach(1), onReceive: (h: typeof handler) => (handler = h) };
          const t = new RadioTransport({ radio, clock, endpoints: [ep(1)], nextHop: (d) => d });
          for (const f of frames) handler!({ src: f.src, dst: 1, payload: f.payload });
          clock.runUntilIdle();
          const s = t.stats;
          expect(s.framesReceived).toBe(frames.length);
          t.close();
        },
      ),
      { numRuns: 300 },
    );
  });
});

function baseOptions(clock: VirtualClock): RadioTransportOptions {
  return { radio: new FakeAir(clock).attach(1), clock, endpoints: [ep(1)], nextHop: (d) => d };
}
