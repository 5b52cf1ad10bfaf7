/**
 * The supervisor's operations behind VICI's install / uninstall / terminate force and its
 * counters (targets/native/vici/commands/sa.ts, core.ts), on two hosts in memory:
 *  - installTrap / uninstallTrap: trap policies installed on demand; traffic through them raises
 *    an acquire that negotiates the child; uninstalled, a Child SA still up keeps its policies;
 *  - terminate with force: the IKE SA goes at once, without waiting for the peer's answer;
 *  - ike-closed carries the Child SAs that went with the IKE SA;
 *  - messageCounters: IKE messages per exchange, in and out, once each.
 */
import { describe, expect, it } from 'vitest';
import type { SupervisorEvent } from '../../actors/supervisor.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { GATEWAY_ADDR } from '../support/ike-peers.js';
import { icmpType, twoHosts } from '../support/two-hosts.js';

describe('installTrap / uninstallTrap', () => {
  it('installs trap policies; a packet through them negotiates the child; uninstall removes them', () => {
    const peers = twoHosts();
    const { client, clock } = peers;
    const sup = client.supervisor;
    expect(client.esp.backend.listPolicies()).toEqual([]);
    expect(sup.installTrap(undefined, 'nope')).toEqual({ ok: false, error: "no child 'nope'" });
    expect(sup.installTrap('other', 'net').ok).toBe(false);
    expect(sup.installTrap('gw', 'net')).toEqual({ ok: true, value: { connection: 'gw' } });
    expect(sup.installTrap(undefined, 'net').ok).toBe(true); // already installed: nothing more
    const traps = client.esp.backend.listPolicies();
    expect(traps.map((p) => `${p.direction}:${p.action}:${p.offer?.child ?? ''}`).sort()).toEqual([
      'in:PROTECT:',
      'out:PROTECT:net',
    ]);
    expect(sup.ikeSas).toEqual([]);

    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    clock.advance(2000);
    expect(sup.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
    expect(sup.ikeSas[0]!.children.map((c) => c.record.config.name)).toEqual(['net']);
    expect(client.received.map(icmpType)).toEqual([0]); // the held packet went out

    // Uninstalled while its Child SA is up: the child keeps policies (no offer: no acquire).
    expect(sup.uninstallTrap('net')).toBe(true);
    expect(sup.uninstallTrap('net')).toBe(false);
    const left = client.esp.backend.listPolicies();
    expect(left).toHaveLength(2);
    expect(left.every((p) => p.offer === undefined)).toBe(true);
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 2));
    clock.advance(200);
    expect(client.received.map(icmpType)).toEqual([0, 0]);
    sup.terminate('gw');
    clock.advance(2000);
    expect(sup.ikeSas).toEqual([]);
    expect(client.esp.backend.listPolicies()).toEqual([]);

    // Installed again (same reqid): and again the next packet negotiates.
    expect(sup.installTrap('gw', 'net').ok).toBe(true);
    expect(client.esp.backend.listPolicies().map((p) => p.reqid)).toEqual(traps.map((p) => p.reqid));
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 3));
    clock.advance(2000);
    expect(sup.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
    expect(client.received.map(icmpType)).toEqual([0, 0, 0]);
    // Trap policies stay when the SAs go; uninstalled, nothing is left.
    sup.terminate('gw');
    clock.advance(2000);
    expect(client.esp.backend.listPolicies()).toHaveLength(2);
    expect(sup.uninstallTrap('net', 'gw')).toBe(true);
    expect(client.esp.backend.listPolicies()).toEqual([]);
  });
});

describe('terminate', () => {
  it('ike-closed names the Child SAs removed with the IKE SA', () => {
    const peers = twoHosts();
    const events: SupervisorEvent[] = [];
    peers.client.supervisor.on((e) => events.push(e));
    peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(1000);
    const [child] = peers.client.supervisor.ikeSas[0]!.children;
    peers.client.supervisor.terminate('gw');
    peers.clock.advance(1000);
    const closed = events.find((e) => e.type === 'ike-closed');
    expect(closed?.type === 'ike-closed' && closed.children).toEqual([child]);
  });

  it('force: the IKE SA is destroyed at once; the Delete still reaches the peer', () => {
    const peers = twoHosts();
    peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(1000);
    // The gateway's answers are lost from now on: only force ends the IKE SA at once.
    peers.net.filter = (d) => d.remote.address !== GATEWAY_ADDR.address;
    expect(peers.client.supervisor.terminate('gw', { force: true })).toBe(1);
    expect(peers.client.supervisor.ikeSas).toEqual([]);
    expect(peers.client.esp.backend.listSas()).toEqual([]);
    peers.clock.advance(1000);
    expect(peers.gateway.supervisor.ikeSas).toEqual([]);
    expect(peers.gateway.esp.backend.listSas()).toEqual([]);
  });

  it('force ends a half-open IKE SA too', () => {
    const peers = twoHosts();
    peers.net.filter = () => false;
    const h = peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(100);
    expect(h.state).toBe('CONNECTING');
    expect(peers.client.supervisor.terminate(h.uniqueid, { force: true })).toBe(1);
    expect(h.state).toBe('DESTROYED');
    expect(peers.client.supervisor.ikeSas).toEqual([]);
  });
});

describe('reqids', () => {
  it('a reqid lives as long as its Child SAs: kept by a rekey, freed with the last one', () => {
    const peers = twoHosts();
    const gw = peers.gateway.supervisor;
    expect(gw.reqidCount).toBe(0);
    peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(1000);
    const first = gw.ikeSas[0]!.children[0]!.reqid;
    expect(gw.reqidCount).toBe(1);
    peers.client.supervisor.rekeyChild('net');
    peers.clock.advance(1000);
    expect(gw.ikeSas[0]!.children.map((c) => c.reqid)).toEqual([first]);
    expect(gw.reqidCount).toBe(1);
    peers.client.supervisor.terminate('gw');
    peers.clock.advance(1000);
    expect(gw.ikeSas).toEqual([]);
    expect(gw.reqidCount).toBe(0);
    expect(peers.client.supervisor.reqidCount).toBe(0);
    expect(peers.gateway.esp.backend.listPolicies()).toEqual([]);
    // The same peer again: a new reqid (never one still known to the backend), its policies in place.
    peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(1000);
    const again = gw.ikeSas[0]!.children[0]!.reqid;
    expect(again).not.toBe(first);
    expect(gw.reqidCount).toBe(1);
    expect(peers.gateway.esp.backend.listPolicies().map((p) => p.reqid)).toEqual([again, again]);
  });

  it('a trap keeps its reqid after the Child SA it raised is gone', () => {
    const peers = twoHosts();
    const sup = peers.client.supervisor;
    expect(sup.installTrap('gw', 'net').ok).toBe(true);
    expect(sup.reqidCount).toBe(1);
    peers.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    peers.clock.advance(2000);
    const reqid = sup.ikeSas[0]!.children[0]!.reqid;
    sup.terminate('gw');
    peers.clock.advance(1000);
    expect(sup.ikeSas).toEqual([]);
    expect(sup.reqidCount).toBe(1);
    expect(peers.client.esp.backend.listPolicies().every((p) => p.reqid === reqid)).toBe(true);
    expect(sup.uninstallTrap('net')).toBe(true);
    expect(peers.client.esp.backend.listPolicies()).toEqual([]);
  });
});

describe('messageCounters', () => {
  it('counts each IKE message once per exchange, direction and kind', () => {
    const peers = twoHosts();
    peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(1000);
    peers.client.supervisor.rekeyChild('net');
    peers.clock.advance(1000);
    peers.client.supervisor.terminate('gw');
    peers.clock.advance(1000);
    const c = peers.client.supervisor.messageCounters;
    expect(c.totals()).toMatchObject({
      'ike-init-out-req': 1,
      'ike-init-in-resp': 1,
      'ike-auth-out-req': 1,
      'ike-auth-in-resp': 1,
      'create-child-out-req': 1,
      'create-child-in-resp': 1,
      'info-out-req': 2, // the old child's Delete after the rekey, the IKE SA's Delete
      'info-in-resp': 2,
      'ike-init-in-req': 0,
    });
    expect(c.of('gw')).toEqual(c.totals());
    const g = peers.gateway.supervisor.messageCounters.totals();
    expect(g).toMatchObject({
      'ike-init-in-req': 1,
      'ike-init-out-resp': 1,
      'ike-auth-in-req': 1,
      'ike-auth-out-resp': 1,
      'create-child-in-req': 1,
      'create-child-out-resp': 1,
      'info-in-req': 2,
      'info-out-resp': 2,
    });
  });

  it('does not count retransmissions', () => {
    const peers = twoHosts();
    let dropped = 0;
    // The first IKE_SA_INIT response is lost: the client retransmits its request.
    peers.net.filter = (d) => !(d.remote.address === GATEWAY_ADDR.address && dropped++ === 0);
    peers.client.supervisor.initiate('gw', 'net');
    peers.clock.advance(10_000);
    expect(peers.client.supervisor.ikeSas[0]?.state).toBe('ESTABLISHED');
    expect(peers.client.supervisor.messageCounters.totals()['ike-init-out-req']).toBe(1);
    expect(peers.gateway.supervisor.messageCounters.totals()['ike-init-in-req']).toBe(1);
    expect(peers.gateway.supervisor.messageCounters.totals()['ike-init-out-resp']).toBe(1);
  });
});
