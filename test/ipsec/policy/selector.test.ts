import { describe, expect, it } from 'vitest';
import { TsType } from '../../../ipsec/ike/model.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import {
  flowMatches,
  icmpPort,
  isValidSelector,
  mustSelector,
  packetSelectors,
  portMatches,
  selectorFromString,
  selectorMatches,
} from '../../../ipsec/policy/selector.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { echoRequest, flowOf, ip, udpPacket } from './fixtures.js';

describe('selectorFromString', () => {
  it('turns an IPv4 CIDR into an inclusive address range', () => {
    const ts = mustSelector('10.1.2.3/16');
    expect(ts.tsType).toBe(TsType.TS_IPV4_ADDR_RANGE);
    expect(toHex(ts.startAddress)).toBe('0a010000');
    expect(toHex(ts.endAddress)).toBe('0a01ffff');
    expect([ts.ipProtocol, ts.startPort, ts.endPort]).toEqual([0, 0, 65535]);
  });

  it('handles prefixes that are not octet-aligned, /0 and host addresses', () => {
    const ts = mustSelector('192.168.1.130/25');
    expect(toHex(ts.startAddress)).toBe('c0a80180');
    expect(toHex(ts.endAddress)).toBe('c0a801ff');
    const all = mustSelector('0.0.0.0/0');
    expect(toHex(all.endAddress)).toBe('ffffffff');
    const host = mustSelector('10.0.0.1');
    expect(toHex(host.startAddress)).toBe(toHex(host.endAddress));
  });

  it('turns an IPv6 CIDR and an explicit range into TS_IPV6_ADDR_RANGE', () => {
    const ts = mustSelector('2001:db8:0:1::/64', { protocol: IpProto.UDP, ports: [500, 4500] });
    expect(ts.tsType).toBe(TsType.TS_IPV6_ADDR_RANGE);
    expect(toHex(ts.startAddress)).toBe('20010db8000000010000000000000000');
    expect(toHex(ts.endAddress)).toBe('20010db800000001ffffffffffffffff');
    expect([ts.ipProtocol, ts.startPort, ts.endPort]).toEqual([17, 500, 4500]);
    const range = mustSelector('10.0.0.5-10.0.0.9', { ports: 53 });
    expect(toHex(range.startAddress)).toBe('0a000005');
    expect(toHex(range.endAddress)).toBe('0a000009');
    expect([range.startPort, range.endPort]).toEqual([53, 53]);
  });

  it('rejects malformed text', () => {
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0/8',
      '::/129',
      '10.0.0.9-10.0.0.1',
      '10.0.0.1-::1',
      'x',
      '10.0.0.0/a',
    ])
      expect(selectorFromString(bad), bad).toBeUndefined();
  });

  it('validates selectors built by hand', () => {
    const good = mustSelector('10.0.0.0/8');
    expect(isValidSelector(good)).toBe(true);
    expect(isValidSelector({ ...good, tsType: 9 })).toBe(false);
    expect(isValidSelector({ ...good, startAddress: ip('::1') })).toBe(false);
    expect(isValidSelector({ ...good, startPort: 10, endPort: 5 })).toBe(false);
    expect(isValidSelector({ ...good, startPort: 65535, endPort: 0 })).toBe(true); // OPAQUE
    expect(isValidSelector({ ...good, startAddress: good.endAddress, endAddress: good.startAddress })).toBe(
      false,
    );
  });
});

describe('port matching (RFC 7296 §3.13.1, RFC 4301 §4.4.1.1)', () => {
  const any = mustSelector('0.0.0.0/0');
  const range = mustSelector('0.0.0.0/0', { ports: [1000, 2000] });
  const opaque = { ...any, startPort: 65535, endPort: 0 };

  it('ANY matches ports and portless packets, a range only ports inside it, OPAQUE only portless', () => {
    expect([portMatches(any, 7), portMatches(any, -1)]).toEqual([true, true]);
    expect([
      portMatches(range, 999),
      portMatches(range, 1000),
      portMatches(range, 2000),
      portMatches(range, 2001),
    ]).toEqual([false, true, true, false]);
    expect(portMatches(range, -1)).toBe(false);
    expect([portMatches(opaque, -1), portMatches(opaque, 7)]).toEqual([true, false]);
  });

  it('matches the protocol (0 = any) and the address family', () => {
    const udp = mustSelector('10.0.0.0/8', { protocol: IpProto.UDP });
    expect(selectorMatches(udp, ip('10.1.1.1'), IpProto.UDP, 53)).toBe(true);
    expect(selectorMatches(udp, ip('10.1.1.1'), IpProto.TCP, 53)).toBe(false);
    expect(selectorMatches(udp, ip('11.0.0.0'), IpProto.UDP, 53)).toBe(false);
    expect(selectorMatches(udp, ip('::a01:101'), IpProto.UDP, 53)).toBe(false);
  });

  it('reads ICMP type and code as the port value, matched on both sides', () => {
    const echoOnly = mustSelector('0.0.0.0/0', { protocol: IpProto.ICMP, ports: icmpPort(8, 0) });
    const any = mustSelector('0.0.0.0/0');
    const req = flowOf(echoRequest('10.0.0.1', '10.0.0.2'));
    expect(flowMatches(req, true, [echoOnly], [any])).toBe(true);
    expect(flowMatches(req, true, [any], [echoOnly])).toBe(true);
    const reply = mustSelector('0.0.0.0/0', { protocol: IpProto.ICMP, ports: icmpPort(0, 0) });
    expect(flowMatches(req, true, [reply], [any])).toBe(false);
  });
});

describe('flowMatches', () => {
  const local = [mustSelector('2001:db8:1::/48')];
  const remote = [mustSelector('2001:db8:2::/48', { protocol: IpProto.UDP, ports: [5000, 5999] })];

  it('orients local/remote by direction (outbound: src is local; inbound: dst is local)', () => {
    const out = flowOf(udpPacket('2001:db8:1::5', '2001:db8:2::9', 40000, 5001));
    expect(flowMatches(out, true, local, remote)).toBe(true);
    expect(flowMatches(out, false, local, remote)).toBe(false);
    const back = flowOf(udpPacket('2001:db8:2::9', '2001:db8:1::5', 5001, 40000));
    expect(flowMatches(back, false, local, remote)).toBe(true);
    expect(flowMatches(back, true, local, remote)).toBe(false);
  });

  it('checks the remote port range', () => {
    expect(
      flowMatches(flowOf(udpPacket('2001:db8:1::5', '2001:db8:2::9', 1, 6000)), true, local, remote),
    ).toBe(false);
    expect(
      flowMatches(flowOf(udpPacket('2001:db8:1::5', '2001:db8:2::9', 1, 5999)), true, local, remote),
    ).toBe(true);
  });

  it('treats a selector list as a union', () => {
    const f = flowOf(udpPacket('10.0.0.1', '192.168.0.1', 1, 2));
    expect(flowMatches(f, true, [mustSelector('10.0.0.0/8')], [mustSelector('172.16.0.0/12')])).toBe(false);
    expect(
      flowMatches(
        f,
        true,
        [mustSelector('10.0.0.0/8')],
        [mustSelector('172.16.0.0/12'), mustSelector('192.168.0.0/16')],
      ),
    ).toBe(true);
  });
});

describe('packetSelectors (RFC 7296 §2.9: the first TS describes the packet)', () => {
  it('gives single addresses, the protocol and single ports', () => {
    const { local, remote } = packetSelectors(flowOf(udpPacket('10.0.0.1', '10.0.0.2', 1234, 53)));
    expect(toHex(local.startAddress)).toBe('0a000001');
    expect(toHex(local.endAddress)).toBe('0a000001');
    expect([local.ipProtocol, local.startPort, local.endPort]).toEqual([17, 1234, 1234]);
    expect(toHex(remote.startAddress)).toBe('0a000002');
    expect([remote.startPort, remote.endPort]).toEqual([53, 53]);
  });

  it('uses ICMPv6 type|code as the port and the IPv6 family', () => {
    const { local } = packetSelectors(flowOf(echoRequest('fe80::1', 'fe80::2')));
    expect(local.tsType).toBe(TsType.TS_IPV6_ADDR_RANGE);
    expect([local.ipProtocol, local.startPort]).toEqual([58, 128 << 8]);
  });
});
