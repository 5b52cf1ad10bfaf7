/**
 * A NAT mapping change in the middle of an SA (RFC 7296 §2.23; interop: test/interop/nat.test.ts):
 * the client is behind a NAT (encap = yes here) that forgets its mapping and maps it to a new
 * port. The client's next IKE message (a liveness check, dpd_delay 2 s) comes from the new port;
 * the gateway answers there, and its ESP SAs must follow too, or its ESP goes on to the dead
 * mapping (which was the bug: only the IKE SA's endpoint moved).
 */
import { describe, expect, it } from 'vitest';
import type { Datagram } from '../../transport/types.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, clientConfig } from '../support/ike-peers.js';
import { icmpType, twoHosts } from '../support/two-hosts.js';

describe('NAT mapping change (§2.23)', () => {
  it('the gateway moves the IKE SA and its ESP SAs to the peer’s new port', () => {
    const { clock, net, client, gateway } = twoHosts({
      client: { encap: true },
      clientConnections: [{ ...clientConfig({ encap: true }), dpd_delay: 2 }],
    });
    const ike = client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const gw = gateway.supervisor.ikeSas[0]!;
    expect(gw.remote).toEqual({ address: CLIENT_ADDR.address, port: 4500 });

    // The NAT: from now on the client's 4500 appears as 4501 (sent out from there, answers to
    // 4501 relayed back); what still goes to the old mapping (4500) is lost.
    const client4500 = { address: CLIENT_ADDR.address, port: 4500 };
    const nat = net.bind({ address: CLIENT_ADDR.address, port: 4501 });
    let relaying = false;
    nat.datagrams$.subscribe((d: Datagram) => {
      relaying = true;
      nat.send(d.data, d.remote, client4500);
      relaying = false;
    });
    const toOldMapping: Datagram[] = [];
    // d.remote is the datagram's source, d.local its destination
    const is4500 = (e: { address: string; port: number }) =>
      e.address === CLIENT_ADDR.address && e.port === 4500;
    net.filter = (d) => {
      if (is4500(d.remote)) {
        nat.send(d.data, { address: CLIENT_ADDR.address, port: 4501 }, d.local);
        return false;
      }
      if (is4500(d.local) && !relaying) {
        toOldMapping.push(d);
        return false;
      }
      return true;
    };
    clock.advance(5000); // a liveness check from the new port
    expect(gw.remote).toEqual({ address: CLIENT_ADDR.address, port: 4501 });
    const out = gateway.esp.backend.listSas().find((s) => s.direction === 'out');
    expect(out?.dst).toEqual({ address: CLIENT_ADDR.address, port: 4501 });
    const inbound = gateway.esp.backend.listSas().find((s) => s.direction === 'in');
    expect(inbound?.src).toEqual({ address: CLIENT_ADDR.address, port: 4501 });

    // traffic continues both ways: the client's ping and the gateway's answer through the new mapping
    toOldMapping.length = 0;
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 9));
    clock.advance(1000);
    expect(client.received.map(icmpType)).toEqual([0]);
    expect(toOldMapping).toEqual([]);
  });
});
