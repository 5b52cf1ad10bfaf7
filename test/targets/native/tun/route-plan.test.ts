/**
 * The TUN routes' plan (targets/native/tun/route-plan.ts), pure: which policies get routes, the
 * source address per family, counting, and a policy seen twice or removed twice.
 */
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../../ipsec/packet/address.js';
import { mustSelector } from '../../../../ipsec/policy/selector.js';
import type { Policy } from '../../../../ipsec/policy/spd.js';
import { RoutePlan } from '../../../../targets/native/tun/route-plan.js';

let id = 0;
const policy = (local: string[], remote: string[], o: Partial<Policy> = {}): Policy => ({
  id: ++id,
  priority: 0,
  direction: 'out',
  action: 'PROTECT',
  reqid: 1,
  mode: 'tunnel',
  localTs: local.map((s) => mustSelector(s)),
  remoteTs: remote.map((s) => mustSelector(s)),
  ...o,
});

describe('RoutePlan', () => {
  const plan = () => new RoutePlan([parseIp('10.1.0.1')!, parseIp('fd00:1::1')!]);

  it('routes each remote prefix with the device address inside the local selectors of its family', () => {
    const p = plan();
    expect(p.added(policy(['10.1.0.0/16', 'fd00:1::/64'], ['10.2.0.0/16', 'fd00:2::/64']))).toEqual([
      { prefix: '10.2.0.0/16', family: 4, src: '10.1.0.1' },
      { prefix: 'fd00:2::/64', family: 6, src: 'fd00:1::1' },
    ]);
    expect(p.added(policy(['192.0.2.0/24'], ['10.3.0.0/16']))).toEqual([
      { prefix: '10.3.0.0/16', family: 4 },
    ]);
  });

  it('routes nothing for inbound, BYPASS, DISCARD or transport-mode policies', () => {
    const p = plan();
    for (const o of [
      { direction: 'in' },
      { action: 'BYPASS' },
      { action: 'DISCARD' },
      { mode: 'transport' },
    ] as const)
      expect(p.added(policy(['10.1.0.0/16'], ['10.2.0.0/16'], o))).toEqual([]);
    expect(p.routes()).toEqual([]);
  });

  it('counts a prefix two policies need, ignores a policy added or removed twice', () => {
    const p = plan();
    const a = policy(['10.1.0.0/16'], ['10.2.0.0/16']);
    const b = policy(['10.1.0.0/16'], ['10.2.0.0/16', '10.4.0.0/16']);
    expect(p.added(a)).toHaveLength(1);
    expect(p.added(a)).toEqual([]);
    expect(p.added(b).map((r) => r.prefix)).toEqual(['10.4.0.0/16']);
    expect(p.removed(a)).toEqual([]);
    expect(p.removed(a)).toEqual([]);
    expect(p.covers(parseIp('10.2.3.4')!)).toBe(true);
    expect(p.removed(b).map((r) => r.prefix)).toEqual(['10.2.0.0/16', '10.4.0.0/16']);
    expect(p.covers(parseIp('10.2.3.4')!)).toBe(false);
  });
});
