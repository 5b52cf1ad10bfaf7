import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { flowMatches, mustSelector } from '../../../ipsec/policy/selector.js';
import { type Policy, type PolicyAction, type PolicySpec, Spd } from '../../../ipsec/policy/spd.js';
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

/**
 * Property: Spd.add inserts by binary search and Spd.remove takes out by binary search, and
 * removeByReqid finds its rules in a per-reqid index (issue 14). After every step of a random
 * sequence of adds (valid and invalid), removes (of live, removed and unknown ids) and
 * removeByReqid, the SPD agrees with a reference model kept as a plain array and sorted per
 * direction by (priority, id) each time; lookups agree with a linear scan of that order.
 */
describe('Spd against a reference model', () => {
  const DIRECTIONS = ['out', 'in', 'fwd'] as const;
  const LOCALS = ['10.1.0.0/16', '10.1.1.0/24', '0.0.0.0/0'];
  const REMOTES = ['10.2.0.0/16', '10.2.2.0/24', '0.0.0.0/0'];
  const localTs = LOCALS.map((s) => net(s));
  const remoteTs = REMOTES.map((s) => net(s));
  // Local/remote host pairs; each is looked up in both orientations in every direction.
  const flows = [
    ['10.1.1.1', '10.2.2.2'],
    ['10.1.5.1', '10.2.2.2'],
    ['10.1.1.1', '10.2.9.9'],
    ['10.1.5.1', '10.2.9.9'],
    ['10.9.0.1', '10.9.0.2'],
  ].flatMap(([l, r]) => [flowOf(udpPacket(l!, r!, 1000, 2000)), flowOf(udpPacket(r!, l!, 2000, 1000))]);

  type Op =
    | {
        kind: 'add';
        direction: (typeof DIRECTIONS)[number];
        action: PolicyAction;
        /** undefined: the spec leaves priority out (0). */
        priority: number | undefined;
        reqid: number;
        /** 0: the reqid is wrong for the action (PROTECT without one, BYPASS/DISCARD with one). */
        validity: number;
        local: number;
        remote: number;
      }
    | { kind: 'remove'; pick: number }
    | { kind: 'removeByReqid'; reqid: number };

  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        direction: fc.constantFrom(...DIRECTIONS),
        action: fc.constantFrom<PolicyAction>('PROTECT', 'PROTECT', 'BYPASS', 'DISCARD'),
        priority: fc.option(fc.integer({ min: -1, max: 2 }), { freq: 4, nil: undefined }),
        reqid: fc.integer({ min: 1, max: 3 }),
        validity: fc.nat(9),
        local: fc.nat(LOCALS.length - 1),
        remote: fc.nat(REMOTES.length - 1),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('removeByReqid' as const),
        reqid: fc.integer({ min: 0, max: 4 }),
      }),
    },
  );

  /** One comparison per step (cheap when equal, a readable diff when not). */
  const agree = (actual: unknown, wanted: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) expect(actual).toEqual(wanted);
  };

  it('keeps every direction sorted by (priority, insertion) through adds and removes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const spd = new Spd();
        /** Live policies, the objects add returned, in insertion order. */
        let model: Policy[] = [];
        let lastId = 0;
        /** Every object add returned: a policy is named by its id only if it is one of them. */
        const known = new Set<Policy>();
        const key = (p: Policy | undefined) =>
          p === undefined ? 'none' : known.has(p) ? p.id : `copy of ${p.id}`;
        const keys = (ps: readonly Policy[]) => ps.map(key);
        const sorted = (d: string) =>
          model.filter((p) => p.direction === d).sort((a, b) => a.priority - b.priority || a.id - b.id);

        for (const o of ops) {
          const before = DIRECTIONS.map((d) => spd.rules(d));
          const beforeKeys = before.map(keys);
          let result: unknown;
          let wanted: unknown;

          if (o.kind === 'add') {
            const protect = o.action === 'PROTECT';
            const reqid = o.validity > 0 === protect ? o.reqid : undefined;
            const spec: PolicySpec = {
              direction: o.direction,
              action: o.action,
              localTs: localTs[o.local]!,
              remoteTs: remoteTs[o.remote]!,
              ...(o.priority === undefined ? {} : { priority: o.priority }),
              ...(reqid === undefined ? {} : { reqid }),
            };
            const r = spd.add(spec);
            if (r.ok) {
              known.add(r.value);
              const { direction, action, priority, id } = r.value;
              result = { direction, action, priority, reqid: r.value.reqid ?? null, newer: id > lastId };
              lastId = Math.max(lastId, id);
              model.push(r.value);
            } else result = 'rejected';
            wanted =
              o.validity === 0
                ? 'rejected'
                : {
                    direction: o.direction,
                    action: o.action,
                    priority: o.priority ?? 0,
                    reqid: reqid ?? null,
                    newer: true,
                  };
          } else if (o.kind === 'remove') {
            // Live, already removed, and never used ids (0 and lastId + 1).
            const id = o.pick % (lastId + 2);
            result = key(spd.remove(id));
            wanted = key(model.find((p) => p.id === id));
            model = model.filter((p) => p.id !== id);
          } else {
            // Exactly the model's policies of that reqid (all directions), in insertion order.
            result = keys(spd.removeByReqid(o.reqid));
            wanted = keys(model.filter((p) => p.reqid === o.reqid));
            model = model.filter((p) => p.reqid !== o.reqid);
          }

          const range = Array.from({ length: lastId + 2 }, (_, id) => id);
          agree(
            {
              result,
              // Copy-on-write: a rules() list handed out before the change is left as it was.
              before: before.map(keys),
              rules: DIRECTIONS.map((d) => keys(spd.rules(d))),
              lookup: DIRECTIONS.map((d) => flows.map((f) => key(spd.lookup(d, f)))),
              list: keys(spd.list()),
              size: spd.size,
              get: range.map((id) => key(spd.get(id))),
              hasReqid: [0, 1, 2, 3, 4].map((r) => spd.hasReqid(r)),
            },
            {
              result: wanted,
              before: beforeKeys,
              rules: DIRECTIONS.map((d) => keys(sorted(d))),
              // The first match of a linear scan in (priority, id) order.
              lookup: DIRECTIONS.map((d) =>
                flows.map((f) =>
                  key(sorted(d).find((p) => flowMatches(f, d === 'out', p.localTs, p.remoteTs))),
                ),
              ),
              list: DIRECTIONS.flatMap((d) => keys(sorted(d))),
              size: model.length,
              get: range.map((id) => key(model.find((p) => p.id === id))),
              hasReqid: [0, 1, 2, 3, 4].map((r) => model.some((p) => p.reqid === r)),
            },
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});
