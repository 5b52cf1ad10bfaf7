/**
 * Two complete peers in one process (supervisor, IKE SA actors, ESP data plane) on virtual
 * time, over the in-memory network:
 *
 *   client (10.99.0.1, inner 10.99.2.0/24)            gateway (10.99.0.2, inner 10.99.1.0/24)
 *   IKE_SA_INIT { SAi1, KEi, Ni }                -->
 *                                                <--  IKE_SA_INIT { SAr1, KEr, Nr }
 *   IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr }  -->
 *                                                <--  IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr }
 *   ESP { ICMP echo request 10.99.2.1 -> 10.99.1.1 }  -->
 *                                                <--  ESP { ICMP echo reply }
 */
import { describe, expect, it } from 'vitest';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { icmpType, twoHosts } from '../support/two-hosts.js';

describe('two peers: IKE SA + Child SA + ESP', () => {
  it('establishes with the seed suite (aes128ctr-aesxcbc-ecp192) and carries a ping both ways', () => {
    const { clock, client, gateway } = twoHosts();
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    expect(gateway.supervisor.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
    expect(client.esp.backend.listSas()).toHaveLength(2);
    expect(gateway.esp.backend.listSas()).toHaveLength(2);

    // The reply arrives at the client's inner host: delivered$ keeps non-echo-requests.
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    clock.advance(1000);
    expect(client.received.map(icmpType)).toEqual([0]);
    const out = client.esp.backend.listSas().find((s) => s.direction === 'out');
    expect(out?.packets).toBe(1);
    expect(gateway.esp.backend.counters().drops).toBeDefined();
  });
});
