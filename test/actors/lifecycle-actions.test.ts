/**
 * dpd_action and close_action (swanctl.conf) on virtual time, two peers (client 'gw', gateway 'rw'):
 *
 *   dpd_action   = restart  the peer found dead (liveness unanswered, §2.4) -> negotiate the child again
 *                = trap     -> trap policies: the next matching packet raises an acquire
 *   close_action = start    the peer deleted the Child SA (or its IKE SA) -> negotiate it again
 *                = trap     -> trap policies, as above
 *   clear / none (the defaults): nothing. A child replaced by a rekey is never "lost".
 *   keyingtries = n  an IKE SA we initiate whose peer never answers is initiated again (new
 *                    SPIs) until tried n times; 0 = for ever.
 */
import { describe, expect, it } from 'vitest';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { GATEWAY_ADDR } from '../support/ike-peers.js';
import { CONN, childSpis, expectSteadyState, onlyIke, startPeers } from './lifecycle-harness.js';

/** Past the liveness check at +30 s and its five retransmissions (about 165 s, §2.1). */
const UNTIL_DEAD_MS = 30_000 + 166_000;

const reachesGateway = (p: ReturnType<typeof startPeers>, yes: boolean) => {
  p.net.filter = yes ? undefined : (d) => d.remote.address !== GATEWAY_ADDR.address;
};

describe('dpd_action', () => {
  /*
   *  client INFORMATIONAL { } --> (lost) ... retransmissions unanswered: the IKE SA is dead
   *  dpd_action = restart:  IKE_SA_INIT --> (lost, then the gateway is back)  retransmitted -->
   *                         <-- IKE_SA_INIT;  IKE_AUTH { N(INITIAL_CONTACT), ... } -->  <-- { ... }
   *  the gateway drops its stale IKE SA on INITIAL_CONTACT (§2.4): one IKE SA each again.
   */
  it('restart: a dead peer is negotiated with again, and the Child SA comes back', () => {
    const p = startPeers({
      clientConn: { dpd_delay: 30 },
      clientChild: { dpd_action: 'restart' },
      seed: 'dpd-restart',
    });
    const first = onlyIke(p, 'client');
    const before = childSpis(p, 'client');
    reachesGateway(p, false);
    p.clock.advance(UNTIL_DEAD_MS);
    expect(first.state).toBe('DESTROYED');
    // Restarted at once: a new IKE SA is connecting (its IKE_SA_INIT is lost for now).
    expect(p.client.supervisor.ikeSas.map((h) => h.state)).toEqual(['CONNECTING']);
    reachesGateway(p, true);
    p.clock.advance(10_000);
    const second = onlyIke(p, 'client');
    expect(second.uniqueid).not.toBe(first.uniqueid);
    expect(childSpis(p, 'client').net?.[0]?.in).not.toBe(before.net?.[0]?.in);
    expectSteadyState(p, ['net']);
  });

  it('trap: a dead peer leaves trap policies; the next packet negotiates again', () => {
    const p = startPeers({
      clientConn: { dpd_delay: 30 },
      clientChild: { dpd_action: 'trap' },
      seed: 'dpd-trap',
    });
    reachesGateway(p, false);
    p.clock.advance(UNTIL_DEAD_MS);
    expect(p.client.supervisor.ikeSas).toEqual([]);
    expect(p.client.esp.backend.listSas()).toEqual([]);
    const traps = p.client.esp.backend.listPolicies();
    expect(traps.map((x) => `${x.direction}:${x.action}`).sort()).toEqual(['in:PROTECT', 'out:PROTECT']);
    reachesGateway(p, true);
    p.sendPing(); // held while the acquire is answered
    p.clock.advance(5_000);
    expect(onlyIke(p, 'client').state).toBe('ESTABLISHED');
    expect(p.ping()).toEqual([0]);
  });

  it('clear (the default): a dead peer is forgotten and nothing is negotiated', () => {
    const p = startPeers({ clientConn: { dpd_delay: 30 }, seed: 'dpd-clear' });
    reachesGateway(p, false);
    p.clock.advance(UNTIL_DEAD_MS);
    reachesGateway(p, true);
    p.clock.advance(60_000);
    expect(p.client.supervisor.ikeSas).toEqual([]);
    expect(p.client.esp.backend.listPolicies()).toEqual([]);
  });
});

describe('close_action', () => {
  /*
   *  gateway INFORMATIONAL { D(ESP) } -->  <-- { D(ESP) } client
   *  close_action = start:  client CREATE_CHILD_SA { SA, Ni, KEi, TSi, TSr } -->  <-- { ... }
   */
  it('start: a Child SA the peer deletes is negotiated again on the same IKE SA', () => {
    const p = startPeers({ clientChild: { close_action: 'start' }, seed: 'close-start' });
    const ike = onlyIke(p, 'client');
    const before = childSpis(p, 'client').net?.[0]?.in;
    expect(p.gateway.supervisor.deleteChild('net')).toBe(true);
    p.clock.advance(2_000);
    expect(onlyIke(p, 'client')).toBe(ike);
    expect(childSpis(p, 'client').net?.[0]?.in).not.toBe(before);
    expectSteadyState(p, ['net']);
  });

  it('start: when the peer deletes the IKE SA, a new one is set up with the child', () => {
    const p = startPeers({ clientChild: { close_action: 'start' }, seed: 'close-start-ike' });
    const ike = onlyIke(p, 'client');
    expect(p.gateway.supervisor.terminate(CONN.gateway)).toBe(1);
    p.clock.advance(2_000);
    expect(onlyIke(p, 'client').uniqueid).not.toBe(ike.uniqueid);
    expectSteadyState(p, ['net']);
  });

  it('trap: when the peer deletes the IKE SA, trap policies wait for the next packet', () => {
    const p = startPeers({ clientChild: { close_action: 'trap' }, seed: 'close-trap' });
    expect(p.gateway.supervisor.terminate(CONN.gateway)).toBe(1);
    p.clock.advance(2_000);
    expect(p.client.supervisor.ikeSas).toEqual([]);
    expect(p.client.esp.backend.listPolicies()).toHaveLength(2);
    p.sendPing();
    p.clock.advance(2_000);
    expect(onlyIke(p, 'client').state).toBe('ESTABLISHED');
    expect(p.ping()).toEqual([0]);
  });

  it('a Child SA the peer deletes after rekeying it is not lost: no extra Child SA', () => {
    const p = startPeers({ clientChild: { close_action: 'start' }, seed: 'close-rekey' });
    expect(p.gateway.supervisor.rekeyChild('net')).toBe(true);
    p.clock.advance(5_000);
    expectSteadyState(p, ['net']);
  });

  it('a rekey collision (§2.8.1) loses no Child SA either: both sides start, exactly one pair is left', () => {
    for (const seed of ['close-collide-1', 'close-collide-2', 'close-collide-3', 'close-collide-4']) {
      const p = startPeers({
        clientChild: { close_action: 'start' },
        gatewayChild: { close_action: 'start' },
        seed,
      });
      expect(p.client.supervisor.rekeyChild('net')).toBe(true);
      expect(p.gateway.supervisor.rekeyChild('net')).toBe(true);
      p.clock.advance(10_000);
      expectSteadyState(p, ['net']);
    }
  });

  it('none (the default): a Child SA the peer deletes stays deleted', () => {
    const p = startPeers({ seed: 'close-none' });
    expect(p.gateway.supervisor.deleteChild('net')).toBe(true);
    p.clock.advance(60_000);
    expect(childSpis(p, 'client')).toEqual({});
    expect(onlyIke(p, 'client').state).toBe('ESTABLISHED');
    expect(p.client.esp.backend.listSas()).toEqual([]);
  });

  it('is not applied to what we delete ourselves', () => {
    const p = startPeers({ clientChild: { close_action: 'start' }, seed: 'close-own' });
    expect(p.client.supervisor.deleteChild('net')).toBe(true);
    p.clock.advance(10_000);
    expect(childSpis(p, 'client')).toEqual({});
    expect(childSpis(p, 'gateway')).toEqual({});
  });
});

describe('keyingtries', () => {
  /** Our IKE_SA_INIT requests after `mark`, by SPIi: one entry per attempt, its transmissions. */
  const attempts = (p: ReturnType<typeof startPeers>, mark: number) => {
    const by = new Map<string, number>();
    for (const m of p.ike.slice(mark))
      if (m.from === 'client' && m.exchangeType === ExchangeType.IKE_SA_INIT && !m.response) {
        const spiI = m.ikeSpis.split(':')[0]!;
        by.set(spiI, (by.get(spiI) ?? 0) + 1);
      }
    return [...by.values()];
  };
  /** One attempt: 6 transmissions over about 165 s (§2.1, the default retransmission settings). */
  const ATTEMPT_MS = 170_000;
  /** The first IKE SA gone, the gateway out of reach, a new initiation: the trace mark before it. */
  const initiateUnanswered = (p: ReturnType<typeof startPeers>) => {
    p.client.supervisor.terminate(CONN.client);
    p.clock.advance(2_000);
    reachesGateway(p, false);
    const mark = p.ike.length;
    p.client.supervisor.initiate(CONN.client, 'net');
    return mark;
  };

  it('3: an unanswered initiation is tried three times in all, each with all its retransmissions', () => {
    const p = startPeers({ clientConn: { keyingtries: 3 }, seed: 'keyingtries-3' });
    const mark = initiateUnanswered(p);
    p.clock.advance(5 * ATTEMPT_MS);
    expect(attempts(p, mark)).toEqual([6, 6, 6]);
    expect(p.client.supervisor.ikeSas).toEqual([]);
  });

  it('1 (the default): one attempt', () => {
    const p = startPeers({ seed: 'keyingtries-1' });
    const mark = initiateUnanswered(p);
    p.clock.advance(3 * ATTEMPT_MS);
    expect(attempts(p, mark)).toEqual([6]);
  });

  it('0: tried until the peer answers, then established with the child', () => {
    const p = startPeers({ clientConn: { keyingtries: 0 }, seed: 'keyingtries-0' });
    const mark = initiateUnanswered(p);
    p.clock.advance(4 * ATTEMPT_MS);
    expect(attempts(p, mark).length).toBeGreaterThanOrEqual(4);
    reachesGateway(p, true);
    p.clock.advance(ATTEMPT_MS);
    expectSteadyState(p, ['net']);
  });

  it('dpd_action = restart follows keyingtries', () => {
    const p = startPeers({
      clientConn: { dpd_delay: 30, keyingtries: 2 },
      clientChild: { dpd_action: 'restart' },
      seed: 'dpd-restart-keyingtries',
    });
    reachesGateway(p, false);
    const mark = p.ike.length;
    p.clock.advance(UNTIL_DEAD_MS + 4 * ATTEMPT_MS);
    expect(attempts(p, mark)).toEqual([6, 6]);
    expect(p.client.supervisor.ikeSas).toEqual([]);
  });
});
