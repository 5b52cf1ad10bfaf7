/**
 * RadioTransport over the real simulated Medium (CSMA-CA, ACKs and retries, hidden terminals)
 * on a line gateway - mote - mote - mote with the topology's static tree routes.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { radioAddress } from '../../../transport/radio/addressing.js';
import { Medium } from '../../../transport/radio/medium.js';
import { RadioTransport } from '../../../transport/radio/radio-transport.js';
import {
  GATEWAY_ADDRESS,
  type LinkQuality,
  lineTopology,
  moteAddress,
} from '../../../transport/radio/topology.js';
import type { ShortAddress } from '../../../transport/radio/types.js';
import type { Datagram, Endpoint } from '../../../transport/types.js';

const ep = (short: ShortAddress, port = 500): Endpoint => ({ address: radioAddress(short), port });
const data = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);

function network(seed: number, defaultQuality: LinkQuality = {}) {
  const clock = new VirtualClock();
  const topology = lineTopology(3, { defaultQuality });
  const medium = new Medium({
    clock,
    random: seededRandom(seed),
    links: topology,
    options: { keepLog: true },
  });
  const nodes = new Map<ShortAddress, RadioTransport>();
  const inbox = new Map<ShortAddress, Datagram[]>();
  for (const a of topology.addresses) {
    const t = new RadioTransport({
      radio: medium.attach(a),
      clock,
      endpoints: [ep(a, 500), ep(a, 4500)],
      nextHop: topology.routesOf(a),
      tagOf: (d, from, to) => `udp ${from.port}>${to.port} #${d[0]}`,
      random: seededRandom(`${seed}/${a}`),
    });
    const box: Datagram[] = [];
    t.datagrams$.subscribe((d) => box.push(d));
    nodes.set(a, t);
    inbox.set(a, box);
  }
  return { clock, medium, nodes, inbox };
}

const FAR = moteAddress(2); // three hops from the gateway

describe('RadioTransport over the Medium', () => {
  it('carries datagrams both ways over three hops, each exactly, with the frames tagged', () => {
    const { clock, medium, nodes, inbox } = network(1);
    const gw = nodes.get(GATEWAY_ADDRESS)!;
    const far = nodes.get(FAR)!;
    const sizes = [0, 1, 100, 107, 108, 300, 700, 1232];
    sizes.forEach((n, i) => {
      // One direction at a time: both at once collide at the hidden middle nodes of a line.
      gw.send(data(n, i), ep(GATEWAY_ADDRESS, 4500), ep(FAR, 4500));
      clock.runUntilIdle();
      far.send(data(n, i + 100), ep(FAR), ep(GATEWAY_ADDRESS));
      clock.runUntilIdle();
    });
    expect(inbox.get(FAR)!.map((d) => d.data)).toEqual(sizes.map((n, i) => data(n, i)));
    expect(inbox.get(GATEWAY_ADDRESS)!.map((d) => d.data)).toEqual(sizes.map((n, i) => data(n, i + 100)));
    expect(inbox.get(FAR)![0]).toMatchObject({ local: ep(FAR, 4500), remote: ep(GATEWAY_ADDRESS, 4500) });
    expect(nodes.get(moteAddress(0))!.stats.datagramsForwarded).toBe(2 * sizes.length);
    expect(nodes.get(moteAddress(1))!.stats.datagramsForwarded).toBe(2 * sizes.length);
    // Every data frame carries the tag of its datagram, forwarded hops included.
    const tags = new Set(medium.log.filter((e) => e.kind === 'data').map((e) => e.tag));
    expect(tags).toEqual(
      new Set(
        sizes.flatMap((n, i) => [`udp 4500>4500 #${data(n, i)[0]}`, `udp 500>500 #${data(n, i + 100)[0]}`]),
      ),
    );
  });

  it('puts 26 octets of PPDU around a payload on a first hop: PHY 6, MHR 9, IPHC + NHC 9, FCS 2', () => {
    const { clock, medium, nodes } = network(2);
    const gw = nodes.get(GATEWAY_ADDRESS)!;
    gw.send(data(20), ep(GATEWAY_ADDRESS), ep(moteAddress(0)));
    clock.runUntilIdle();
    const frames = medium.log.filter((e) => e.kind === 'data');
    expect(frames.map((e) => e.bytes)).toEqual([26 + 20]);
    expect(gw.maxDatagramWithoutFragmentation(ep(moteAddress(0)))).toBe(107);
  });

  it('on lossy links every datagram delivered is exact, and what is lost is counted', () => {
    const { clock, nodes, inbox } = network(3, { loss: 0.3 });
    const gw = nodes.get(GATEWAY_ADDRESS)!;
    for (let i = 0; i < 20; i++) {
      gw.send(data(250, i), ep(GATEWAY_ADDRESS), ep(FAR));
      clock.runUntilIdle();
    }
    const got = inbox.get(FAR)!;
    for (const d of got) expect(d.data).toEqual(data(250, d.data[0]!));
    const failures = [...nodes.values()].reduce((s, t) => s + t.stats.drops.txFailure, 0);
    expect(got.length).toBeGreaterThan(0);
    // A datagram is lost only where a frame failed (a frame delivered whose ACKs were all lost counts too).
    expect(got.length + failures).toBeGreaterThanOrEqual(20);
    expect(got.length).toBeLessThan(20);
    expect(nodes.get(FAR)!.stats.drops.badChecksum).toBe(0);
  });
});
