/**
 * Lifetimes from the configuration (swanctl rekey_time / life_time / rand_time, rekey_bytes,
 * rekey_packets, IKE rekey_time, dpd_delay) driving the lifecycle on virtual time:
 *
 *   ESP soft lifetime (RFC 4301 §4.4.2.1)  -> CREATE_CHILD_SA { N(REKEY_SA) ... } + D(ESP) old
 *   ESP hard lifetime                      -> the SAs are gone; INFORMATIONAL { D(ESP) } tells the peer
 *   IKE rekey_time less jitter             -> CREATE_CHILD_SA { SA(IKE) ... } + D(IKE) old
 *   dpd_delay                              -> INFORMATIONAL { } every dpd_delay of IKE silence (§2.4);
 *                                             unanswered after the retransmissions: the IKE SA is dead
 */
import { describe, expect, it } from 'vitest';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { ikeMessageOf } from '../support/two-hosts.js';
import {
  childSpis,
  expectNothingLeft,
  expectSteadyState,
  immediateRetries,
  isChildRekey,
  isIkeRekey,
  isLivenessCheck,
  onlyIke,
  type Peers,
  startPeers,
  trace,
} from './lifecycle-harness.js';

/** Installation times of every Child SA `side` installs from now on. */
function installs(p: Peers, side: 'client' | 'gateway'): number[] {
  const at: number[] = [];
  p.host(side).supervisor.on((e) => {
    if (e.type === 'child-installed') at.push(p.clock.now());
  });
  return at;
}

/**
 * Rekeys, counting the two installs of a simultaneous rekey (both exchanges complete, the
 * redundant SA is then deleted, §2.8.1) once.
 */
const distinctRekeys = (at: readonly number[]) => at.filter((t, i) => i === 0 || t - at[i - 1]! > 1000);

describe('ESP soft lifetime by time: the Child SA is rekeyed automatically', () => {
  /*
   *  (rekey_time 60 s, rand_time 10 s, life_time 80 s on both sides; whichever soft limit
   *   falls first, 50-60 s after installation, starts the rekey)
   *  X  CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr }  -->   <--  { SA, Nr, KEr, TSi, TSr }
   *  X  INFORMATIONAL { D(ESP) }                                -->   <--  { D(ESP) }
   */
  it('every 50-60 s for 10 minutes, never reaching the hard limit', () => {
    const child = { rekey_time: 60, rand_time: 10, life_time: 80 };
    const p = startPeers({ clientChild: child, gatewayChild: child, seed: 'soft-time' });
    const at = installs(p, 'client');
    const t0 = p.t0;
    const spis = new Set([childSpis(p, 'client').net![0]!.in]);
    for (let s = 0; s < 600; s += 10) {
      expect(p.ping(), `ping at ${s} s`).toEqual([0]);
      spis.add(childSpis(p, 'client').net![0]!.in);
      p.clock.advance(9800);
    }
    spis.add(childSpis(p, 'client').net![0]!.in);
    const rekeys = distinctRekeys(at);
    const starts = [t0, ...rekeys];
    const gaps = starts.slice(1).map((t, i) => (t - starts[i]!) / 1000);
    console.log(
      `soft-time rekeys: ${rekeys.length} (${at.length - rekeys.length} collisions), intervals (s): ${gaps.map((g) => g.toFixed(1)).join(' ')}`,
    );
    expect(rekeys.length).toBeGreaterThanOrEqual(10);
    expect(rekeys.length).toBeLessThanOrEqual(12);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(50);
      expect(g).toBeLessThanOrEqual(60.1);
    }
    expect(spis.size).toBe(rekeys.length + 1);
    expect(p.client.esp.backend.counters().drops['sa-expired']).toBe(0);
    expect(p.gateway.esp.backend.counters().drops['sa-expired']).toBe(0);
    expectSteadyState(p, ['net']);
  });
});

describe.each([
  { by: 'bytes', child: { rekey_bytes: 3200, rand_bytes: 320 } },
  { by: 'packets', child: { rekey_packets: 100, rand_packets: 10 } },
])('ESP soft lifetime by $by', ({ by, child }) => {
  /*
   *  each ping is a 32-octet inner packet: after 90-100 of them on one SA the soft limit is
   *  crossed and that side rekeys; the pings never stop being answered.
   */
  it('rekeys the Child SA after the volume, keeps every ping', () => {
    const p = startPeers({ clientChild: child, gatewayChild: child, seed: `soft-${by}` });
    const at = installs(p, 'client');
    const spis = [childSpis(p, 'client').net![0]!.in];
    let answered = 0;
    for (let i = 0; i < 250; i++) {
      if (p.ping()[0] === 0) answered++;
      const now = childSpis(p, 'client').net?.[0]?.in;
      if (now && now !== spis[spis.length - 1]) spis.push(now);
    }
    console.log(`soft-${by}: ${at.length} rekeys in 250 pings`);
    expect(immediateRetries(p)).toEqual([]);
    expect(answered).toBe(250);
    const rekeys = distinctRekeys(at);
    expect(rekeys.length).toBeGreaterThanOrEqual(2);
    expect(rekeys.length).toBeLessThanOrEqual(3);
    expect(spis).toHaveLength(rekeys.length + 1);
    expect(p.ike.filter(isChildRekey).length).toBe(at.length);
    expectSteadyState(p, ['net']);
  });
});

describe('ESP hard lifetime', () => {
  /*
   *  client: life_time 60 s, no rekey (rekey_time 0); gateway: no lifetimes.
   *  t = 60 s  client: hard limit, both ESP SAs removed
   *  client  INFORMATIONAL { D(ESP) }  -->   <--  { D(ESP) }  gateway (removes its SAs too)
   */
  it('without a rekey, deletes the Child SA on both sides with a Delete', () => {
    const p = startPeers({ clientChild: { rekey_time: 0, life_time: 60 }, seed: 'hard' });
    const mark = p.ike.length;
    p.clock.advance(59_000);
    expect(p.ping()).toEqual([0]);
    p.clock.advance(1000);
    expect(trace(p, mark)).toEqual([
      'client --> INFORMATIONAL { D(ESP) }',
      'gateway <-- INFORMATIONAL { D(ESP) }',
    ]);
    expect(p.ping()).toEqual([]);
    expectSteadyState(p, [], false);
  });

  /*
   *  both sides: rekey_time 40 s, life_time 60 s; the network drops every CREATE_CHILD_SA.
   *  t = 36-40 s  X  CREATE_CHILD_SA { N(REKEY_SA) ... }  --> (dropped, retransmitted: 4, 7.2, 13 ... s)
   *  t = 60 s     hard limit: the ESP SAs are gone on both sides, pings are dropped
   *  then the rekey is still unanswered after the retransmissions (§2.4): the IKE SA is dead on
   *  both sides and everything is cleaned up.
   */
  it('when rekeying is impossible, removes the ESP SAs at the hard limit, then the IKE SA', () => {
    const child = { rekey_time: 40, rand_time: 4, life_time: 60 };
    const p = startPeers({ clientChild: child, gatewayChild: child, seed: 'hard-norekey' });
    p.net.filter = (d) => ikeMessageOf(d)?.header.exchangeType !== ExchangeType.CREATE_CHILD_SA;
    p.clock.advance(p.t0 + 35_000 - p.clock.now());
    expect(p.ping()).toEqual([0]);
    p.clock.advance(p.t0 + 59_500 - p.clock.now());
    expect(p.ping()).toEqual([0]); // t = 59.5-59.7 s: still up while the rekey goes unanswered
    p.clock.advance(p.t0 + 60_100 - p.clock.now());
    expect(p.client.esp.backend.listSas()).toEqual([]);
    expect(p.gateway.esp.backend.listSas()).toEqual([]);
    expect(p.ping()).toEqual([]);
    expect(p.ike.filter(isChildRekey).length).toBeGreaterThanOrEqual(2);
    p.clock.advance(300_000);
    expectNothingLeft(p);
    expect(p.clock.pending).toBe(2);
  });
});

describe('IKE SA rekey_time with jitter', () => {
  /*
   *  rekey_time 600 s, rand_time 60 s on both connections: every 540-600 s one side runs
   *  X  CREATE_CHILD_SA { SA(IKE), Ni, KEi }  -->   <--  { SA(IKE), Nr, KEr }
   *  X  INFORMATIONAL { D(IKE) }              -->   <--  { }
   */
  it('rekeys the IKE SA automatically, the Child SA moving along', () => {
    const conn = { rekey_time: 600, rand_time: 60 };
    const p = startPeers({ clientConn: conn, gatewayConn: conn, seed: 'ike-rekey' });
    const spis = [onlyIke(p, 'client').ourSpi];
    const t0 = p.t0;
    const child = childSpis(p, 'client');
    for (let s = 0; s < 1900; s += 10) {
      p.clock.advance(10_000);
      const now = onlyIke(p, 'client').ourSpi;
      if (now !== spis[spis.length - 1]) spis.push(now);
    }
    const rekeys = p.ike.filter(isIkeRekey);
    const times = rekeys.map((m) => (m.at - t0) / 1000);
    console.log(
      `IKE rekeys at (s): ${times.map((t) => t.toFixed(1)).join(' ')} by ${rekeys.map((m) => m.from)}`,
    );
    expect(rekeys.length).toBe(3);
    expect(spis).toHaveLength(4);
    const gaps = times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]!));
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(540);
      expect(g).toBeLessThanOrEqual(600.1);
    }
    expect(childSpis(p, 'client')).toEqual(child);
    expectSteadyState(p, ['net']);
  });
});

describe('IKE SA hard lifetime (over_time)', () => {
  /*
   *  client rekey_time 600 s, over_time 30 s; its IKE rekey is lost (and retransmitted):
   *  client  CREATE_CHILD_SA { SA(IKE), Ni, KEi }  --> (lost) ... at 630 s the IKE SA is deleted
   */
  it('an IKE SA whose rekey never completes is gone at rekey_time + over_time', () => {
    const p = startPeers({
      clientConn: { rekey_time: 600, rand_time: 0, over_time: 30 },
      seed: 'over-time',
    });
    const h = onlyIke(p, 'client');
    p.net.filter = (d) => {
      const m = ikeMessageOf(d);
      return !(
        m &&
        m.header.exchangeType === ExchangeType.CREATE_CHILD_SA &&
        d.remote.address === '10.99.0.2'
      );
    };
    p.clock.advance(p.t0 + 629_000 - p.clock.now());
    expect(p.ike.filter(isIkeRekey).length).toBeGreaterThanOrEqual(2); // sent and retransmitted
    expect(h.state).toBe('ESTABLISHED');
    p.clock.advance(2_000);
    expect(h.state).toBe('DESTROYED');
    expect(h.failure?.reason).toMatch(/hard lifetime/);
    expect(p.client.supervisor.ikeSas).toEqual([]);
    expect(p.client.esp.backend.listSas()).toEqual([]);
    expect(p.client.esp.backend.listPolicies()).toEqual([]);
  });
});

describe('liveness checks (dpd_delay, §2.4)', () => {
  /*
   *  client dpd_delay 30 s:  client  INFORMATIONAL { }  -->   <--  { }  gateway, every 30 s of silence
   */
  it('sends an empty INFORMATIONAL every dpd_delay and the peer answers', () => {
    const p = startPeers({ clientConn: { dpd_delay: 30 }, seed: 'dpd' });
    const mark = p.ike.length;
    p.clock.advance(300_000);
    const checks = p.ike.slice(mark).filter(isLivenessCheck);
    console.log(`liveness checks in 300 s: ${checks.length} from ${[...new Set(checks.map((m) => m.from))]}`);
    // Established at t0, checks at t0 + 30 s, + 60 s, ... (plus one round trip each), until t0 + 301 s.
    expect(checks.map((m) => m.from)).toEqual(Array(10).fill('client'));
    expect(trace(p, mark)).toEqual(
      Array(10).fill(['client --> INFORMATIONAL { }', 'gateway <-- INFORMATIONAL { }']).flat(),
    );
    expectSteadyState(p, ['net']);
  });

  /*
   *  the gateway stops answering: client INFORMATIONAL { }  --> (lost) ... retransmitted 5 times
   *  (4, 7.2, 13, 23.3, 42 s apart, then 75.6 s of waiting, §2.1); then the IKE SA and its
   *  Child SA are removed on the client.
   */
  it('removes the SAs of an unresponsive peer after the retransmissions', () => {
    const p = startPeers({ clientConn: { dpd_delay: 30 }, seed: 'dpd-dead' });
    p.net.filter = (d) => d.remote.address !== '10.99.0.2';
    const mark = p.ike.length;
    const t0 = p.t0;
    p.clock.advance(t0 + 30_000 + 165_000 - p.clock.now());
    expect(p.client.supervisor.ikeSas).toHaveLength(1);
    p.clock.advance(200);
    const sent = p.ike.slice(mark).filter(isLivenessCheck);
    expect(sent.map((m) => Math.round((m.at - t0) / 100) / 10)).toEqual([30, 34, 41.2, 54.2, 77.5, 119.5]);
    expect(p.client.supervisor.ikeSas).toEqual([]);
    expect(p.client.esp.backend.listSas()).toEqual([]);
    expect(p.client.esp.backend.listPolicies()).toEqual([]);
  });
});
