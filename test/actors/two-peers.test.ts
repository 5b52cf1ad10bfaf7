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
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { formatIdentity, parseIdentity } from '../../ipsec/ike/identity.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { gatewayConfig, PSK } from '../support/ike-peers.js';
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
    const gw = gateway.esp.backend.counters();
    expect([gw.inProtected, gw.outProtected]).toEqual([1, 1]); // the request in, the reply out
    expect(Object.values(gw.drops).every((n) => n === 0)).toBe(true);
  });

  it('with encap = yes both sides detect a NAT and IKE moves to port 4500 with the non-ESP marker (§2.23)', () => {
    const { clock, client, gateway, net } = twoHosts({ client: { encap: true } });
    const ports: string[] = [];
    net.onSend = (d) =>
      ports.push(
        `${d.remote.port}->${d.local.port}:${d.data[0] === 0 && d.data[1] === 0 ? 'marker' : 'ike'}`,
      );
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    expect(ike.natT).toBe(true);
    const session = ike.actor.getSnapshot().context.session;
    expect(session.nat).toEqual({ local: false, remote: false }); // we faked our own hash: the peer sees the NAT
    const peer = gateway.supervisor.ikeSas[0]!;
    expect(peer.actor.getSnapshot().context.session.nat).toEqual({ local: false, remote: true });
    expect(peer.natT).toBe(true);
    // IKE_SA_INIT on 500, IKE_AUTH on 4500 behind the marker.
    expect(ports).toEqual(['500->500:ike', '500->500:ike', '4500->4500:marker', '4500->4500:marker']);
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 7));
    clock.advance(1000);
    expect(client.received.map(icmpType)).toEqual([0]);
    // RFC 3948 §4: the side that claims a NAT sends a NAT-keepalive every 20 s, the peer drops it.
    const keepalives: number[] = [];
    net.onSend = (d) => {
      if (d.data.length === 1 && d.data[0] === 0xff) keepalives.push(clock.now());
    };
    clock.advance(61_000);
    expect(keepalives).toHaveLength(3);
    expect(keepalives[1]! - keepalives[0]!).toBe(20_000);
    expect(gateway.esp.backend.counters().keepalives).toBe(3);
  });

  it.each([
    [5, 12],
    [0, 0],
  ])('daemon.keep_alive = %i s: %i NAT-keepalives in a minute', (keepAlive, expected) => {
    const { clock, client, net } = twoHosts({
      client: { encap: true },
      clientDaemon: { keep_alive: keepAlive },
    });
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const keepalives: number[] = [];
    net.onSend = (d) => {
      if (d.data.length === 1 && d.data[0] === 0xff) keepalives.push(clock.now());
    };
    clock.advance(60_000);
    expect(keepalives).toHaveLength(expected);
    if (expected > 1) expect(keepalives[1]! - keepalives[0]!).toBe(keepAlive * 1000);
  });

  it.each([
    ['KEY_ID and IPV6_ADDR', 'keyid:0x0a0b0c0d', 'fec0::2'],
    ['FQDN and IPV4_ADDR', '@client.example.org', '10.99.0.2'],
  ])('establishes with identities of type %s', (_, clientId, gatewayId) => {
    const secrets = [{ name: 'ids', id: [clientId, gatewayId], secret: PSK }];
    const { clock, client, gateway } = twoHosts({
      client: { localId: clientId, remoteId: gatewayId },
      gateway: { localId: gatewayId, remoteId: clientId },
      clientSecrets: secrets,
      gatewaySecrets: secrets,
    });
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const session = gateway.supervisor.ikeSas[0]!.actor.getSnapshot().context.session;
    expect(session.remoteId && formatIdentity(session.remoteId)).toBe(formatIdentity(mustParse(clientId)));
  });
});

function mustParse(text: string) {
  const r = parseIdentity(text);
  if (!r.ok || !r.value) throw new Error(text);
  return r.value;
}

describe('robustness', () => {
  it('an exception inside an IKE SA actor (a bug) kills that SA only, never the supervisor', () => {
    const broken = {
      ...nobleProvider,
      keyExchange: () => {
        throw new Error('provider bug');
      },
    };
    const { clock, client } = twoHosts({ provider: broken });
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('DESTROYED');
    expect(ike.failure?.reason).toMatch(/internal error: provider bug/);
    expect(client.supervisor.counters.actorErrors).toBe(1);
    expect(client.supervisor.ikeSas).toEqual([]);
  });

  it('a responder’s IKE SA takes the name of the connection IKE_AUTH chose by identities (interop: charon)', () => {
    // Both gateway connections match the client's address at IKE_SA_INIT; only `alice` matches IDi.
    const other = { ...gatewayConfig({ remoteId: 'carol@example.org' }), name: 'carol' };
    const alice = { ...gatewayConfig(), name: 'alice' };
    const { clock, client, gateway } = twoHosts({ gatewayConnections: [other, alice] });
    const events: string[] = [];
    gateway.supervisor.on((e) => {
      if (e.type === 'ike-established') events.push(e.handle.name);
    });
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const [sa] = gateway.supervisor.ikeSas;
    expect(sa?.name).toBe('alice');
    expect(events).toEqual(['alice']); // already renamed when the event goes out (the daemon logs it)
    expect([...gateway.supervisor.ikeSasNamed('alice')]).toEqual([sa]);
    expect([...gateway.supervisor.ikeSasNamed('carol')]).toEqual([]);
  });
});
