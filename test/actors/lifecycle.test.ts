/**
 * SA lifecycle between two peers (RFC 7296 §1.3, §1.4, §2.8, §2.18) on virtual time:
 *
 *   CREATE_CHILD_SA { SA, Ni, [KEi,] TSi, TSr }            -->   <--  { SA, Nr, [KEr,] TSi, TSr }
 *   CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr }  -->   <--  { SA, Nr, KEr, TSi, TSr }
 *   INFORMATIONAL { D(ESP, old SPI) }                      -->   <--  { D(ESP, old SPI) }
 *   CREATE_CHILD_SA { SA(IKE, new SPIi), Ni, KEi }          -->   <--  { SA(IKE, new SPIr), Nr, KEr }
 *   INFORMATIONAL { D(IKE) } (on the old IKE SA)           -->   <--  { }
 */
import { describe, expect, it } from 'vitest';
import { connectionWithDefaults } from '../../ipsec/config/model.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, GATEWAY_ADDR } from '../support/ike-peers.js';
import { createHost, icmpType, twoHosts } from '../support/two-hosts.js';

function configs(esp = ['aes128gcm16-ecp256'], ike = ['aes128-sha256-ecp256']) {
  const child = (name: string, local: string, remote: string) => ({
    name,
    local_ts: [local],
    remote_ts: [remote],
    esp_proposals: esp,
  });
  const client = connectionWithDefaults({
    name: 'gw',
    local_addrs: [CLIENT_ADDR.address],
    remote_addrs: [GATEWAY_ADDR.address],
    proposals: ike,
    local: { auth: 'psk', id: 'alice@example.org' },
    remote: { auth: 'psk', id: 'bob@example.org' },
    children: [child('net', '10.99.2.0/24', '10.99.1.0/24'), child('net2', '10.99.4.0/24', '10.99.3.0/24')],
  });
  const gateway = connectionWithDefaults({
    name: 'rw',
    local_addrs: [GATEWAY_ADDR.address],
    remote_addrs: ['%any'],
    proposals: ike,
    local: { auth: 'psk', id: 'bob@example.org' },
    remote: { auth: 'psk', id: 'alice@example.org' },
    children: [child('net', '10.99.1.0/24', '10.99.2.0/24'), child('net2', '10.99.3.0/24', '10.99.4.0/24')],
  });
  return { clientConnections: [client], gatewayConnections: [gateway] };
}

function twoHostsClientOnly(peers: ReturnType<typeof twoHosts>) {
  return createHost('reborn', peers.net, peers.clock, CLIENT_ADDR.address, configs().clientConnections, {});
}

function setup(esp?: string[]) {
  const peers = twoHosts(configs(esp));
  const ike = peers.client.supervisor.initiate('gw', 'net');
  peers.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  let seq = 0;
  const ping = () => {
    const before = peers.client.received.length;
    peers.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', ++seq));
    peers.clock.advance(200);
    return peers.client.received.slice(before).map(icmpType);
  };
  return { ...peers, ike, ping };
}

const spisOf = (sas: readonly { spi: Uint8Array; direction: string }[]) =>
  sas.map((s) => `${s.direction}:${toHex(s.spi)}`).sort();

describe('CREATE_CHILD_SA', () => {
  it('creates a second Child SA with its own selectors on the established IKE SA', () => {
    const { clock, client, gateway } = setup();
    expect(client.supervisor.createChild('gw', 'net2')).toBe(1);
    clock.advance(1000);
    const names = (h: typeof client) =>
      h.supervisor.ikeSas[0]!.children.map((c) => c.record.config.name).sort();
    expect(names(client)).toEqual(['net', 'net2']);
    expect(names(gateway)).toEqual(['net', 'net2']);
    expect(client.esp.backend.listSas()).toHaveLength(4);
    client.esp.pipeline.send(echoRequest('10.99.4.1', '10.99.3.1', 1));
    clock.advance(200);
    expect(client.received.map(icmpType)).toEqual([0]);
  });

  it('rekeys a Child SA with PFS: new SPIs, old SAs deleted on both sides, pings keep flowing', () => {
    const { clock, client, gateway, ping } = setup(['aes128gcm16-ecp256']);
    expect(ping()).toEqual([0]);
    const before = spisOf(client.esp.backend.listSas());
    const state = (h: typeof client) =>
      h.supervisor.ikeSas[0]!.children.map((c) => String(c.lifecycle.getSnapshot().value));
    expect(client.supervisor.rekeyChild('net')).toBe(true);
    expect(state(client)).toEqual(['rekeying']);
    clock.advance(1000);
    expect(state(client)).toEqual(['installed']);
    expect(state(gateway)).toEqual(['installed']);
    const after = spisOf(client.esp.backend.listSas());
    expect(after).toHaveLength(2);
    expect(after.filter((s) => before.includes(s))).toEqual([]);
    expect(spisOf(gateway.esp.backend.listSas())).toHaveLength(2);
    expect(ping()).toEqual([0]);
  });

  it('rekeys the IKE SA: new SPIs, the Child SA moves, the old IKE SA is deleted', () => {
    const { clock, client, gateway, ike, ping } = setup();
    const oldSpi = ike.ourSpi;
    const childSpis = spisOf(client.esp.backend.listSas());
    expect(client.supervisor.rekeyIke('gw')).toBe(1);
    clock.advance(2000);
    const now = client.supervisor.ikeSas;
    expect(now).toHaveLength(1);
    expect(now[0]!.ourSpi).not.toBe(oldSpi);
    expect(now[0]!.state).toBe('ESTABLISHED');
    expect(gateway.supervisor.ikeSas).toHaveLength(1);
    expect(spisOf(client.esp.backend.listSas())).toEqual(childSpis);
    expect(ping()).toEqual([0]);
    // The new IKE SA works: rekey the child through it.
    expect(client.supervisor.rekeyChild('net')).toBe(true);
    clock.advance(1000);
    expect(spisOf(client.esp.backend.listSas()).filter((s) => childSpis.includes(s))).toEqual([]);
    expect(ping()).toEqual([0]);
  });
});

describe('INFORMATIONAL', () => {
  it('deletes a Child SA: both peers remove both directions', () => {
    const { clock, client, gateway } = setup();
    expect(client.supervisor.deleteChild('net')).toBe(true);
    clock.advance(1000);
    expect(client.esp.backend.listSas()).toEqual([]);
    expect(gateway.esp.backend.listSas()).toEqual([]);
    expect(client.supervisor.ikeSas[0]!.state).toBe('ESTABLISHED');
  });

  it('deletes the IKE SA and all its Child SAs on both peers, from either side', () => {
    for (const side of ['client', 'gateway'] as const) {
      const peers = setup();
      peers[side].supervisor.terminate(side === 'client' ? 'gw' : 'rw');
      peers.clock.advance(1000);
      expect(peers.client.supervisor.ikeSas).toEqual([]);
      expect(peers.gateway.supervisor.ikeSas).toEqual([]);
      expect(peers.client.esp.backend.listSas()).toEqual([]);
      expect(peers.gateway.esp.backend.listSas()).toEqual([]);
    }
  });

  it('a peer that stops answering is declared dead after the retransmissions (dpd)', () => {
    const { clock, client, net } = setup();
    net.filter = (d) => d.local.address !== GATEWAY_ADDR.address; // the gateway vanishes
    client.supervisor.task('gw', { kind: 'dpd' });
    clock.advance(10 * 60_000);
    expect(client.supervisor.ikeSas).toEqual([]);
    expect(client.esp.backend.listSas()).toEqual([]);
  });

  it('INITIAL_CONTACT from a restarted client removes its stale IKE SA at the gateway (§2.4)', () => {
    const first = setup();
    // The client "reboots": a fresh client host (new network binding) connects again.
    const { clock, gateway } = first;
    expect(gateway.supervisor.ikeSas).toHaveLength(1);
    first.client.supervisor.close();
    first.client.transport.close();
    first.client.esp.close();
    const again = twoHostsClientOnly(first);
    again.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(gateway.supervisor.ikeSas).toHaveLength(1);
    expect(gateway.supervisor.ikeSas[0]!.state).toBe('ESTABLISHED');
    expect(gateway.esp.backend.listSas()).toHaveLength(2);
  });

  it('leaves nothing behind: no SA, policy, actor or timer outlives the IKE SA', () => {
    const { clock, client, gateway } = setup();
    client.supervisor.rekeyChild('net');
    clock.advance(1000);
    client.supervisor.terminate('gw');
    clock.advance(1000);
    for (const h of [client, gateway]) {
      expect(h.supervisor.ikeSas).toEqual([]);
      expect(h.esp.backend.listSas()).toEqual([]);
      expect(h.esp.backend.listPolicies()).toEqual([]);
    }
    // Only the two supervisors' cookie-secret rotation timers remain.
    expect(clock.pending).toBe(2);
  });
});

describe('start_action', () => {
  it('trap: the first packet raises an acquire, the IKE SA and Child SA are negotiated, the packet is sent', () => {
    const c = configs();
    const client = {
      ...c.clientConnections[0]!,
      children: c.clientConnections[0]!.children.map((ch) => ({ ...ch, start_action: 'trap' as const })),
    };
    const peers = twoHosts({ clientConnections: [client], gatewayConnections: c.gatewayConnections });
    peers.client.supervisor.start();
    expect(peers.client.supervisor.ikeSas).toEqual([]);
    expect(peers.client.esp.backend.listPolicies()).toHaveLength(4); // out+in for each trapped child
    peers.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    peers.clock.advance(2000);
    expect(peers.client.supervisor.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
    expect(peers.client.received.map(icmpType)).toEqual([0]); // the held packet went out after install
    // A packet for the second trapped child negotiates it on the same IKE SA.
    peers.client.esp.pipeline.send(echoRequest('10.99.4.1', '10.99.3.1', 2));
    peers.clock.advance(2000);
    expect(peers.client.supervisor.ikeSas).toHaveLength(1);
    expect(peers.client.supervisor.ikeSas[0]!.children).toHaveLength(2);
    expect(peers.client.received.map(icmpType)).toEqual([0, 0]);
    // Trap policies stay when the SAs go.
    peers.client.supervisor.terminate('gw');
    peers.clock.advance(2000);
    expect(peers.client.esp.backend.listPolicies()).toHaveLength(4);
  });

  it('start: initiates every child at start', () => {
    const c = configs();
    const client = {
      ...c.clientConnections[0]!,
      children: c.clientConnections[0]!.children.map((ch) => ({ ...ch, start_action: 'start' as const })),
    };
    const peers = twoHosts({ clientConnections: [client], gatewayConnections: c.gatewayConnections });
    peers.client.supervisor.start();
    peers.clock.advance(3000);
    expect(peers.client.supervisor.ikeSas[0]?.children.map((x) => x.record.config.name).sort()).toEqual([
      'net',
      'net2',
    ]);
  });
});
