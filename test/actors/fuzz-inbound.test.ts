/**
 * Hostile input at the front door: random and mutated datagrams on the IKE and NAT-T ports of
 * a gateway with an established IKE SA. Nothing may throw, nothing half-open may stay, the
 * established SA must survive, and every datagram must be accounted for (dropped and counted,
 * or answered).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../ipsec/util/bytes.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { GATEWAY_ADDR } from '../support/ike-peers.js';
import { icmpType, twoHosts } from '../support/two-hosts.js';
import { loadStrongswanVectors } from '../support/vectors.js';

const ATTACKER = { address: '10.99.0.66', port: 500 };

describe('hostile datagrams', () => {
  it('random and mutated datagrams never break the gateway', () => {
    const { clock, net, client, gateway } = twoHosts({ seed: 'fuzz' });
    client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    const captured: Uint8Array[] = [];
    net.onSend = (d) => captured.push(d.data.slice());
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    clock.advance(500);
    const recorded = loadStrongswanVectors().flatMap((v) => v.packets.map((p) => fromHex(p.hex)));
    const seeds = [...captured, ...recorded];
    const attacker = net.bind(ATTACKER, { address: ATTACKER.address, port: 4500 });
    let sent = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(255), fc.boolean())
            .map(([seed, at, value, cut]) => {
              const m = seed.slice();
              if (m.length > 0) m[at % m.length] = value;
              return cut ? m.subarray(0, at % (m.length + 1)) : m;
            }),
        ),
        fc.boolean(),
        fc.boolean(),
        (data, natT, marker) => {
          const port = natT ? 4500 : 500;
          const payload = marker ? Uint8Array.from([0, 0, 0, 0, ...data]) : data;
          attacker.send(
            payload,
            { address: ATTACKER.address, port },
            { address: GATEWAY_ADDR.address, port },
          );
          sent++;
          clock.advance(2);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
    clock.advance(120_000); // half-open SAs from the attacker time out (half_open_timeout 30 s)
    const sup = gateway.supervisor;
    expect(sent).toBe(3000);
    expect(sup.ikeSas.map((h) => h.state)).toEqual(['ESTABLISHED']);
    expect(sup.dos.halfOpen).toBe(0);
    expect(sup.counters.actorErrors).toBe(0);
    // Every hostile datagram is accounted for: an IKE message the supervisor saw (most of them
    // malformed or for an unknown SPI), or an ESP drop / keepalive counted by the data path.
    const esp = gateway.esp.backend.counters();
    const espDrops = Object.values(esp.drops).reduce((a, b) => a + b, 0);
    expect(sup.counters.malformed).toBeGreaterThan(1000);
    expect(sup.counters.datagrams + espDrops + esp.keepalives).toBeGreaterThanOrEqual(sent);
    // The real SA still works.
    const before = client.received.length;
    client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 2));
    clock.advance(500);
    expect(client.received.slice(before).map(icmpType)).toEqual([0]);
  });
});
