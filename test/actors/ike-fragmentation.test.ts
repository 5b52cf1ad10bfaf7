import { describe, expect, it } from 'vitest';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { captureIke, icmpType, ikeContext, twoHosts } from '../support/two-hosts.js';

describe('smoke', () => {
  it('fragments IKE_AUTH both ways', () => {
    const w = twoHosts({ daemon: { fragment_size: 140 } });
    const wire = captureIke(w.net, w.clock);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const auth = wire.filter((m) => m.header.exchangeType === ExchangeType.IKE_AUTH);
    console.log(auth.map((m) => [m.data.length, m.payloads.map((p) => p.type)]));
    expect(auth.every((m) => m.payloads.at(-1)?.type === PayloadType.SKF)).toBe(true);
    console.log(ikeContext(ike).fragments.counters, w.gateway.supervisor.fragmentCounters());
    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    w.clock.advance(100);
    expect(w.client.received.map(icmpType)).toEqual([0]);
  });
});
