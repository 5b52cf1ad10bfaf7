/**
 * Scale: one gateway supervisor serving 1 000 concurrent IKE SAs, from 1 000 client hosts on
 * their own addresses (10.100.x.y, inner address 10.101.x.y), all started at the same virtual
 * instant, each with its Child SA; then pings through a sample of them.
 *
 *   client i (10.100.x.y)                              gateway (10.99.0.2)
 *   IKE_SA_INIT { SAi1, KEi, Ni }                -->                               (x 1000)
 *                                                <--  IKE_SA_INIT { SAr1, KEr, Nr }
 *   IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi(10.101.x.y/32), TSr(10.99.1.0/24) }  -->
 *                                                <--  IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr }
 *   ESP { ICMP echo request 10.101.x.y -> 10.99.1.1 }  -->
 *                                                <--  ESP { ICMP echo reply }
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import { KeId } from '../../ipsec/crypto/ids.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { PSK } from '../support/ike-peers.js';
import { fleet, icmpType, ikeContext } from '../support/two-hosts.js';

const N = 1000;
/** The inner address of client i (0-based), inside the gateway's remote_ts 10.101.0.0/16. */
const inner = (i: number) => `10.101.${Math.floor(i / 250)}.${(i % 250) + 1}`;

describe(`scale: ${N} road warriors through one gateway supervisor`, () => {
  let world: ReturnType<typeof fleet>;
  let sas: IkeSaHandle[];
  const timing: Record<string, number> = {};

  beforeAll(() => {
    const t0 = performance.now();
    world = fleet({
      clients: N,
      seed: 'scale',
      client: { proposals: ['aes128gcm16-prfsha256-x25519'], esp_proposals: ['aes128gcm16'] },
      // Each road warrior has its own identity (one identity would be one peer: N(INITIAL_CONTACT)
      // of each new IKE SA would remove the others, §2.4), and all share one PSK.
      clientOptions: (i) => ({ local_ts: [`${inner(i - 1)}/32`], localId: `rw${i}@example.org` }),
      clientSecrets: [{ name: 'rw', id: [], secret: PSK }],
      gatewaySecrets: [{ name: 'rw', id: [], secret: PSK }],
      gateway: {
        remoteId: '%any',
        proposals: ['aes128gcm16-prfsha256-x25519'],
        esp_proposals: ['aes128gcm16'],
        remote_ts: ['10.101.0.0/16'],
      },
      // All N arrive within one latency period: no cookies, no half-open limits at the gateway.
      gatewayDaemon: { cookie_threshold: 0, cookie_threshold_ip: 0, block_threshold: 0 },
    });
    const t1 = performance.now();
    sas = world.clients.map((c) => c.supervisor.initiate('gw', 'net'));
    world.clock.advance(10);
    timing.halfOpenAtOnce = world.gateway.supervisor.dos.halfOpen;
    world.clock.advance(1000);
    const t2 = performance.now();
    timing.setupMs = t1 - t0;
    timing.negotiationMs = t2 - t1;
    console.info(
      `scale: ${N} IKE SAs: hosts built in ${timing.setupMs.toFixed(0)} ms, negotiated in ${timing.negotiationMs.toFixed(0)} ms`,
    );
  }, 180_000);

  it('all IKE SAs are established, each with one Child SA, with distinct SPIs that pair up', () => {
    const { gateway } = world;
    // Every IKE_SA_INIT arrived (5 ms latency) before any IKE_AUTH: all N were half-open at once.
    expect(timing.halfOpenAtOnce).toBe(N);
    expect(sas.filter((h) => h.state === 'ESTABLISHED')).toHaveLength(N);
    const gw = gateway.supervisor.ikeSas;
    expect(gw).toHaveLength(N);
    expect(gw.every((h) => h.state === 'ESTABLISHED' && h.children.length === 1)).toBe(true);
    expect(gateway.supervisor.dos.halfOpen).toBe(0);
    expect(gateway.esp.backend.listSas()).toHaveLength(2 * N);
    expect(new Set(gw.map((h) => h.ourSpi)).size).toBe(N);
    expect(new Set(gateway.esp.backend.listSas().map((s) => toHex(s.spi))).size).toBe(2 * N);
    expect(gw.every((h) => ikeContext(h).session.suite?.ke?.id === KeId.CURVE_25519)).toBe(true);
    // No retransmission was needed: the gateway kept up within the first timeout.
    expect(sas.every((h) => ikeContext(h).stats.retransmits === 0)).toBe(true);

    // Each client's IKE SA and Child SA pair with exactly one of the gateway's, same keys.
    const bySpiI = new Map(gw.map((h) => [toHex(ikeContext(h).session.spiI), h]));
    for (const c of sas) {
      const g = bySpiI.get(c.ourSpi);
      expect(g).toBeDefined();
      const mine = c.children[0]!.record;
      const theirs = g!.children[0]!.record;
      expect(toHex(mine.spiIn)).toBe(toHex(theirs.spiOut));
      expect(toHex(mine.spiOut)).toBe(toHex(theirs.spiIn));
      expect(toHex(mine.keys.initiator.encr)).toBe(toHex(theirs.keys.initiator.encr));
      expect(theirs.remoteTs).toEqual(mine.localTs); // narrowed to the client's /32
    }
  });

  it('a ping crosses ESP through the first road warrior', () => {
    const c = world.clients[0]!;
    c.esp.pipeline.send(echoRequest(inner(0), '10.99.1.1', 1));
    world.clock.advance(100);
    expect(c.received.map(icmpType)).toEqual([0]);
  });

  it('every road warrior gets its own replies (the gateway has a policy for each negotiated TS)', () => {
    const sample = [1, 2, 249, 250, 499, 777, N - 1];
    for (const i of sample) world.clients[i]!.esp.pipeline.send(echoRequest(inner(i), '10.99.1.1', i));
    world.clock.advance(100);
    expect(sample.map((i) => world.clients[i]!.received.map(icmpType))).toEqual(sample.map(() => [0]));
  });

  it(`negotiates ${N} IKE SAs in under 60 s of wall time`, () => {
    expect(timing.setupMs! + timing.negotiationMs!).toBeLessThan(60_000);
  });
});
