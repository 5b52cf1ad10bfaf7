/**
 * A NAT mapping change in the middle of an SA (RFC 7296 §2.23; interop: test/interop/nat.test.ts):
 * the client is behind a NAT (encap = yes here) that forgets its mapping and maps it to a new
 * port. Whatever authenticated packet comes first from the new port, an IKE message (a liveness
 * check) or an ESP packet, the gateway's IKE SA and its ESP SAs follow it; packets from the new
 * port that fail their integrity check move nothing (a forged source must not redirect the SA).
 */
import { describe, expect, it } from 'vitest';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import type { Datagram, Endpoint } from '../../transport/types.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, clientConfig } from '../support/ike-peers.js';
import { icmpType, sendAs, twoHosts } from '../support/two-hosts.js';

const OLD = { address: CLIENT_ADDR.address, port: 4500 };
const NEW = { address: CLIENT_ADDR.address, port: 4501 };
const same = (a: Endpoint, b: Endpoint) => a.address === b.address && a.port === b.port;

/** Client and gateway up over encapsulated ESP; `remap()` makes the NAT map the client to NEW. */
function natWorld(dpdDelay: number) {
  const w = twoHosts({
    client: { encap: true },
    clientConnections: [{ ...clientConfig({ encap: true }), dpd_delay: dpdDelay }],
  });
  const ike = w.client.supervisor.initiate('gw', 'net');
  w.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  const gw = w.gateway.supervisor.ikeSas[0]!;
  expect(gw.remote).toEqual(OLD);
  // The NAT: from now on the client's 4500 appears as 4501 (sent out from there, answers to
  // 4501 relayed back); what still goes to the old mapping (4500) is lost.
  const nat = w.net.bind(NEW);
  let relaying = false;
  nat.datagrams$.subscribe((d: Datagram) => {
    relaying = true;
    nat.send(d.data, d.remote, OLD);
    relaying = false;
  });
  const toOldMapping: Datagram[] = [];
  const remap = () => {
    // d.remote is the datagram's source, d.local its destination
    w.net.filter = (d) => {
      if (same(d.remote, OLD)) {
        nat.send(d.data, NEW, d.local);
        return false;
      }
      if (same(d.local, OLD) && !relaying) {
        toOldMapping.push(d);
        return false;
      }
      return true;
    };
  };
  const espSas = () => {
    const sas = w.gateway.esp.backend.listSas();
    return {
      out: sas.find((s) => s.direction === 'out')?.dst,
      in: sas.find((s) => s.direction === 'in')?.src,
    };
  };
  return { ...w, ike, gw, nat, remap, toOldMapping, espSas };
}

/** A copy of `bytes` with its last octet (inside the ICV) flipped. */
function forged(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[out.length - 1]! ^= 0x01;
  return out;
}

describe('NAT mapping change (§2.23)', () => {
  it('an IKE message from the new port moves the IKE SA and its ESP SAs there', () => {
    const w = natWorld(2);
    w.remap();
    w.clock.advance(5000); // a liveness check from the new port
    expect(w.gw.remote).toEqual(NEW);
    expect(w.espSas()).toEqual({ out: NEW, in: NEW });

    // traffic continues both ways: the client's ping and the gateway's answer through the new mapping
    w.toOldMapping.length = 0;
    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 9));
    w.clock.advance(1000);
    expect(w.client.received.map(icmpType)).toEqual([0]);
    expect(w.toOldMapping).toEqual([]);
  });

  it('an ESP packet from the new port moves them too (no IKE message needed), once', () => {
    const w = natWorld(3600);
    w.remap();
    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 9));
    w.clock.advance(1000);
    expect(w.gw.remote).toEqual(NEW);
    expect(w.espSas()).toEqual({ out: NEW, in: NEW });
    // the gateway's echo reply went to the new mapping and arrived
    expect(w.client.received.map(icmpType)).toEqual([0]);
    expect(w.toOldMapping).toEqual([]);
    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 10));
    w.clock.advance(1000);
    expect(w.client.received.map(icmpType)).toEqual([0, 0]);
    expect(w.gateway.esp.pipeline.counters().mappings).toBe(1);
  });

  it('forged IKE and ESP from another port move nothing', () => {
    const w = natWorld(3600);
    const attacker = w.net.bind({ address: '10.99.0.66', port: 4500 });
    // One real IKE request and one real ESP packet of the client, captured undelivered.
    const captured: Uint8Array[] = [];
    w.net.filter = (d) => {
      if (!same(d.remote, OLD)) return true;
      captured.push(d.data);
      return false;
    };
    const request = sendAs(w.client, w.ike, {
      exchangeType: ExchangeType.INFORMATIONAL,
      messageId: 2,
      response: false,
      payloads: [],
    });
    const ikeBytes = [Uint8Array.from([0, 0, 0, 0, ...request])]; // the non-ESP marker (RFC 3948 §2.2)
    captured.length = 0;
    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 9));
    w.clock.advance(100);
    w.net.filter = undefined;
    const espBytes = [...captured];
    expect(espBytes.length).toBe(1);
    const counters = () => w.gateway.esp.pipeline.counters();
    const icvDrops = counters().drops.icv;
    const from = { address: '10.99.0.66', port: 4500 };
    for (const bytes of [...ikeBytes, ...espBytes]) attacker.send(forged(bytes), from, w.gw.local);
    w.clock.advance(100);
    expect(w.gw.remote).toEqual(OLD);
    expect(w.espSas()).toEqual({ out: OLD, in: OLD });
    expect(counters().drops.icv).toBe(icvDrops + 1);
    expect(counters().mappings).toBe(0);
    expect(w.gw.state).toBe('ESTABLISHED');
  });
});
