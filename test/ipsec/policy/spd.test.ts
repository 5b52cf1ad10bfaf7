import { describe, expect, it } from 'vitest';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { mustSelector } from '../../../ipsec/policy/selector.js';
import { type PolicySpec, Spd } from '../../../ipsec/policy/spd.js';
import { echoRequest, flowOf, udpPacket } from './fixtures.js';

const net = (s: string, o?: Parameters<typeof mustSelector>[1]) => [mustSelector(s, o)];

function rule(p: Partial<PolicySpec> & Pick<PolicySpec, 'action'>): PolicySpec {
  return { direction: 'out', localTs: net('0.0.0.0/0'), remoteTs: net('0.0.0.0/0'), ...p };
}

describe('Spd', () => {
  it('returns the first matching rule in insertion order', () => {
    const spd = new Spd();
    const dns = spd.add(
      rule({ action: 'BYPASS', remoteTs: net('10.2.0.0/16', { protocol: IpProto.UDP, ports: 53 }) }),
    );
    const tunnel = spd.add(
      rule({
        action: 'PROTECT',
        reqid: 7,
        offer: { child: 'net' },
        localTs: net('10.1.0.0/16'),
        remoteTs: net('10.2.0.0/16'),
      }),
    );
    const rest = spd.add(rule({ action: 'DISCARD' }));
    expect(dns.ok && tunnel.ok && rest.ok).toBe(true);
    expect(spd.lookup('out', flowOf(udpPacket('10.1.0.1', '10.2.0.1', 999, 53)))?.action).toBe('BYPASS');
    const p = spd.lookup('out', flowOf(udpPacket('10.1.0.1', '10.2.0.1', 999, 54)));
    expect([p?.action, p?.reqid, p?.offer?.child]).toEqual(['PROTECT', 7, 'net']);
    expect(spd.lookup('out', flowOf(udpPacket('10.9.0.1', '10.2.0.1', 999, 54)))?.action).toBe('DISCARD');
  });

  it('orders by priority first, insertion second', () => {
    const spd = new Spd();
    spd.add(rule({ action: 'DISCARD', priority: 10 }));
    spd.add(rule({ action: 'PROTECT', reqid: 1, priority: 5 }));
    spd.add(rule({ action: 'BYPASS', priority: 5 }));
    expect(spd.rules('out').map((p) => p.action)).toEqual(['PROTECT', 'BYPASS', 'DISCARD']);
    expect(spd.lookup('out', flowOf(echoRequest('1.1.1.1', '2.2.2.2')))?.action).toBe('PROTECT');
  });

  it('keeps directions apart and orients inbound rules', () => {
    const spd = new Spd();
    const sel = { localTs: net('10.1.0.0/16'), remoteTs: net('10.2.0.0/16') };
    spd.add({ ...sel, direction: 'in', action: 'PROTECT', reqid: 3 });
    const inbound = flowOf(udpPacket('10.2.0.1', '10.1.0.1', 1, 2));
    expect(spd.lookup('out', inbound)).toBeUndefined();
    expect(spd.lookup('in', inbound)?.reqid).toBe(3);
    expect(spd.lookup('fwd', inbound)).toBeUndefined();
  });

  it('matches IPv6 selectors with port ranges', () => {
    const spd = new Spd();
    spd.add(
      rule({
        action: 'PROTECT',
        reqid: 2,
        localTs: net('2001:db8:a::/48'),
        remoteTs: net('2001:db8:b::/48', { protocol: IpProto.UDP, ports: [1000, 1999] }),
      }),
    );
    spd.add(rule({ action: 'BYPASS', localTs: net('::/0'), remoteTs: net('::/0') }));
    expect(spd.lookup('out', flowOf(udpPacket('2001:db8:a::1', '2001:db8:b::1', 5, 1500)))?.reqid).toBe(2);
    expect(spd.lookup('out', flowOf(udpPacket('2001:db8:a::1', '2001:db8:b::1', 5, 2000)))?.action).toBe(
      'BYPASS',
    );
    expect(spd.lookup('out', flowOf(udpPacket('2001:db8:a::1', '2001:db8:c::1', 5, 1500)))?.action).toBe(
      'BYPASS',
    );
    // an IPv4 packet matches none of the IPv6 rules
    expect(spd.lookup('out', flowOf(udpPacket('10.0.0.1', '10.0.0.2', 5, 1500)))).toBeUndefined();
  });

  it('removes by id and by reqid', () => {
    const spd = new Spd();
    const a = spd.add(rule({ action: 'PROTECT', reqid: 4 }));
    spd.add(rule({ direction: 'in', action: 'PROTECT', reqid: 4 }));
    spd.add(rule({ action: 'BYPASS' }));
    expect(spd.size).toBe(3);
    expect(a.ok && spd.remove(a.value.id)?.id).toBe(a.ok && a.value.id);
    expect(spd.lookup('out', flowOf(echoRequest('1.1.1.1', '2.2.2.2')))?.action).toBe('BYPASS');
    expect(spd.removeByReqid(4)).toHaveLength(1);
    expect(spd.list().map((p) => p.action)).toEqual(['BYPASS']);
    expect(spd.remove(999)).toBeUndefined();
  });

  it('rejects invalid rules with typed errors', () => {
    const spd = new Spd();
    const code = (p: PolicySpec) => {
      const r = spd.add(p);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code(rule({ action: 'PROTECT' }))).toBe('missing-reqid');
    expect(code(rule({ action: 'BYPASS', reqid: 1 }))).toBe('unexpected-reqid');
    expect(code(rule({ action: 'BYPASS', localTs: [] }))).toBe('empty-selectors');
    expect(code(rule({ action: 'BYPASS', localTs: [{ ...mustSelector('::/0'), tsType: 7 }] }))).toBe(
      'invalid-selector',
    );
    expect(spd.size).toBe(0);
  });

  it('returns the stored policy object itself, not a copy', () => {
    const spd = new Spd();
    spd.add(rule({ action: 'BYPASS' }));
    const f = flowOf(echoRequest('1.1.1.1', '2.2.2.2'));
    expect(spd.lookup('out', f)).toBe(spd.lookup('out', f));
  });
});
