/**
 * Traffic continuity across rekeying (RFC 7296 §2.8, §2.18): a stream of echo requests, one
 * every 50 ms of virtual time from each side, crosses a Child SA rekey and an IKE SA rekey
 * without losing a single packet; the old inbound SA keeps accepting until it is deleted.
 *
 *   t = 0 .. 10 s   ESP { echo request }  <-->  ESP { echo reply }   (both ways, every 50 ms)
 *   t = 3 s         CREATE_CHILD_SA { N(REKEY_SA) ... }  + INFORMATIONAL { D(ESP) }
 *   t = 6 s         CREATE_CHILD_SA { SA(IKE) ... }      + INFORMATIONAL { D(IKE) }
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../ipsec/util/bytes.js';
import type { Datagram } from '../../transport/types.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { icmpType } from '../support/two-hosts.js';
import {
  CHILDREN,
  CONN,
  childSpis,
  ESP_NO_PFS,
  ESP_PFS,
  expectSteadyState,
  type Peers,
  type Side,
  startPeers,
} from './lifecycle-harness.js';

const replies = (p: Peers, side: Side) => p.host(side).received.filter((x) => icmpType(x) === 0).length;

/** An ESP datagram (to the NAT-T port, not behind the non-ESP marker): its SPI in hex. */
function espSpi(d: Datagram): string | undefined {
  if (d.local.port !== 4500 || d.data.length < 8) return undefined;
  const spi = d.data.subarray(0, 4);
  return spi.every((b) => b === 0) ? undefined : toHex(spi);
}

/** Pings both ways every 50 ms for `ms`, running `at[t]` at virtual offset t. */
function stream(p: Peers, ms: number, at: Record<number, () => void>) {
  let sent = 0;
  for (let t = 0; t < ms; t += 50) {
    at[t]?.();
    p.sendPing('net', 'client');
    p.sendPing('net', 'gateway');
    sent++;
    p.clock.advance(50);
  }
  p.clock.advance(1000);
  return sent;
}

const variants = (['client', 'gateway'] as const).flatMap((by) =>
  [
    { esp: ESP_PFS, pfs: true, jitter: 0 },
    { esp: ESP_NO_PFS, pfs: false, jitter: 0 },
    { esp: ESP_PFS, pfs: true, jitter: 4 },
  ].map((v) => ({ by, ...v })),
);

describe.each(variants)('rekeys by the $by (PFS $pfs, network jitter $jitter ms)', ({ by, esp, jitter }) => {
  it('loses no echo request or reply across a Child SA rekey and an IKE SA rekey', () => {
    const p = startPeers({ esp, network: { latencyMs: 5, jitterMs: jitter }, seed: `cont-${by}-${jitter}` });
    const base = { client: replies(p, 'client'), gateway: replies(p, 'gateway') };
    const before = childSpis(p, 'client').net![0]!;
    const oldIke = p.client.supervisor.ikeSas[0]!.ourSpi;
    const sent = stream(p, 10_000, {
      3000: () => expect(p.host(by).supervisor.rekeyChild('net')).toBe(true),
      6000: () => expect(p.host(by).supervisor.rekeyIke(CONN[by])).toBe(1),
    });
    const got = { client: replies(p, 'client') - base.client, gateway: replies(p, 'gateway') - base.gateway };
    const drops = (s: Side) => p.host(s).esp.backend.counters().drops;
    console.log(
      `continuity (rekeys by ${by}, jitter ${jitter}): ${sent} requests each way,`,
      `replies client ${got.client}, gateway ${got.gateway};`,
      `drops client ${JSON.stringify(nonZero(drops('client')))}, gateway ${JSON.stringify(nonZero(drops('gateway')))}`,
    );
    expect(got).toEqual({ client: sent, gateway: sent });
    expect(nonZero(drops('client'))).toEqual({});
    expect(nonZero(drops('gateway'))).toEqual({});
    expect(childSpis(p, 'client').net![0]!.in).not.toBe(before.in);
    expect(p.client.supervisor.ikeSas[0]!.ourSpi).not.toBe(oldIke);
    expectSteadyState(p, ['net']);
  });
});

const nonZero = (r: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(r).filter(([, v]) => v > 0));

describe.each(['client', 'gateway'] as const)('the old inbound SA after a rekey by the %s', (by) => {
  /*
   *  T        R CREATE_CHILD_SA { N(REKEY_SA), ... }  -->             (R = the rekey initiator, P = its peer)
   *  T+5                                             <--  { ... }  P  (P: new SAs installed)
   *  T+10     R  INFORMATIONAL { D(ESP) }  -->                         (R: new SAs installed)
   *  T+15                                             <--  { D(ESP) }  P  (P: old SAs removed)
   *  T+20     R: old SAs removed
   *
   *  Two echo requests R sent on the old SA before the rekey are held back by the network: the
   *  first, delivered between T+5 and T+15, is still accepted by P on the old inbound SA; the
   *  second, delivered after T+15, finds no SA (RFC 4303 §3.4.2: dropped, counted 'no-sa').
   */
  it('accepts packets until the Delete, then drops them', () => {
    const p = startPeers({ seed: `old-in-${by}` });
    const peer: Side = by === 'client' ? 'gateway' : 'client';
    const oldOut = childSpis(p, by).net![0]!.out;
    const held: Datagram[] = [];
    p.net.filter = (d) => {
      if (espSpi(d) === oldOut && held.length < 2) {
        held.push(d);
        return false;
      }
      return true;
    };
    const c = CHILDREN.net;
    const [src, dst] = by === 'client' ? [c.src, c.dst] : [c.dst, c.src];
    p.host(by).esp.pipeline.send(echoRequest(src, dst, 901));
    p.host(by).esp.pipeline.send(echoRequest(src, dst, 902));
    p.clock.advance(100);
    expect(held).toHaveLength(2);
    p.net.filter = undefined;
    const replay = (d: Datagram) => p.host(by).transport.send(d.data, d.remote, d.local);
    const peerDrops = () => p.host(peer).esp.backend.counters().drops['no-sa'];
    const peerIn = () => p.host(peer).esp.backend.counters().inProtected;
    const replyCount = () => replies(p, by);

    expect(p.host(by).supervisor.rekeyChild('net')).toBe(true);
    p.clock.advance(6); // T+6: P answered and installed the new SAs; the Delete is not there yet
    expect(p.host(peer).esp.backend.querySa({ spi: fromHex(oldOut), direction: 'in' })).toBeDefined();
    const in0 = peerIn();
    const r0 = replyCount();
    replay(held[0]!); // arrives at T+11
    p.clock.advance(1000);
    expect(peerIn() - in0, 'accepted on the old inbound SA').toBe(1);
    expect(replyCount() - r0, 'and answered on the new SA').toBe(1);
    expect(p.host(peer).esp.backend.querySa({ spi: fromHex(oldOut), direction: 'in' })).toBeUndefined();
    const d0 = peerDrops();
    replay(held[1]!);
    p.clock.advance(1000);
    expect(peerDrops() - d0, 'dropped after the Delete').toBe(1);
    expect(replyCount() - r0).toBe(1);
    expectSteadyState(p, ['net']);
  });
});
