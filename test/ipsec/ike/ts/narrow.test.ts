import { describe, expect, it } from 'vitest';
import type { TrafficSelector } from '../../../../ipsec/ike/model.js';
import {
  checkNarrowedTs,
  intersectSelectors,
  narrowTrafficSelectors,
  selectorsCover,
  type TsPolicy,
} from '../../../../ipsec/ike/ts/narrow.js';
import { parseIp, tsFromString, tsToString } from '../../../../ipsec/ike/ts/text.js';
import { loadStrongswanVectors } from '../../../support/vectors.js';

function ts(...texts: string[]): TrafficSelector[] {
  return texts.map((t) => {
    const r = tsFromString(t);
    if (!r.ok) throw new Error(`${t}: ${r.error.message}`);
    return r.value;
  });
}
const policy = (local: string[], remote: string[]): TsPolicy => ({
  local: ts(...local),
  remote: ts(...remote),
});

/** Narrowing as text: 'TSi | TSr' or the error code. */
function narrow(tsi: string[], tsr: string[], policies: TsPolicy | TsPolicy[]): string {
  const r = narrowTrafficSelectors(ts(...tsi), ts(...tsr), policies);
  return r.ok
    ? `${r.value.tsi.map(tsToString).join(' ')} | ${r.value.tsr.map(tsToString).join(' ')}`
    : r.error.code;
}

describe('narrowTrafficSelectors (responder, RFC 7296 §2.9)', () => {
  const gw = policy(['10.99.1.0/24'], ['10.99.2.0/24']);
  const cases: [string, string[], string[], TsPolicy | TsPolicy[], string][] = [
    ['exact match is kept', ['10.99.2.0/24'], ['10.99.1.0/24'], gw, '10.99.2.0/24 | 10.99.1.0/24'],
    [
      'a wider proposal is narrowed to our policy',
      ['10.0.0.0/8'],
      ['0.0.0.0/0'],
      gw,
      '10.99.2.0/24 | 10.99.1.0/24',
    ],
    ['a narrower proposal is kept', ['10.99.2.5'], ['10.99.1.0/25'], gw, '10.99.2.5/32 | 10.99.1.0/25'],
    [
      'partial overlap gives a range',
      ['10.99.2.128-10.99.3.127'],
      ['10.99.1.0/24'],
      gw,
      '10.99.2.128/25 | 10.99.1.0/24',
    ],
    [
      'range not a prefix',
      ['10.99.2.10-10.99.9.9'],
      ['10.99.1.0/24'],
      gw,
      '10.99.2.10-10.99.2.255 | 10.99.1.0/24',
    ],
    ['disjoint TSi', ['10.99.3.0/24'], ['10.99.1.0/24'], gw, 'TS_UNACCEPTABLE'],
    ['disjoint TSr', ['10.99.2.0/24'], ['10.99.3.0/24'], gw, 'TS_UNACCEPTABLE'],
    ['empty proposal', [], ['10.99.1.0/24'], gw, 'TS_UNACCEPTABLE'],
    ['no policy', ['10.99.2.0/24'], ['10.99.1.0/24'], [], 'TS_UNACCEPTABLE'],
    [
      'IPv4 proposal, IPv6 policy',
      ['10.99.2.0/24'],
      ['10.99.1.0/24'],
      policy(['fec1::/64'], ['fec2::/64']),
      'TS_UNACCEPTABLE',
    ],
    // protocols and ports
    [
      'protocol narrowed from any',
      ['10.99.2.0/24'],
      ['10.99.1.0/24'],
      policy(['10.99.1.0/24[tcp]'], ['10.99.2.0/24[tcp]']),
      '10.99.2.0/24[tcp] | 10.99.1.0/24[tcp]',
    ],
    [
      'protocol mismatch',
      ['10.99.2.0/24[udp]'],
      ['10.99.1.0/24'],
      policy(['10.99.1.0/24[tcp]'], ['10.99.2.0/24[tcp]']),
      'TS_UNACCEPTABLE',
    ],
    [
      'port narrowed to a single port',
      ['10.99.2.0/24'],
      ['10.99.1.0/24[tcp/1-1000]'],
      policy(['10.99.1.0/24[tcp/80]'], ['10.99.2.0/24']),
      '10.99.2.0/24 | 10.99.1.0/24[tcp/80]',
    ],
    [
      'port ranges overlap',
      ['10.99.2.0/24'],
      ['10.99.1.0/24[any/0-1024]'],
      policy(['10.99.1.0/24[tcp/1000-2000]'], ['10.99.2.0/24']),
      '10.99.2.0/24 | 10.99.1.0/24[tcp/1000-1024]',
    ],
    [
      'ports disjoint',
      ['10.99.2.0/24'],
      ['10.99.1.0/24[tcp/22]'],
      policy(['10.99.1.0/24[tcp/80]'], ['10.99.2.0/24']),
      'TS_UNACCEPTABLE',
    ],
    // OPAQUE ports (§3.13.1): kept as given, within "any" but not within a real port range
    [
      'OPAQUE within any',
      ['10.99.2.0/24[udp/opaque]'],
      ['10.99.1.0/24'],
      gw,
      '10.99.2.0/24[udp/opaque] | 10.99.1.0/24',
    ],
    [
      'OPAQUE policy and an any proposal',
      ['10.99.2.0/24'],
      ['10.99.1.0/24'],
      policy(['10.99.1.0/24[udp/opaque]'], ['10.99.2.0/24']),
      '10.99.2.0/24 | 10.99.1.0/24[udp/opaque]',
    ],
    [
      'OPAQUE against a port range',
      ['10.99.2.0/24'],
      ['10.99.1.0/24[udp/opaque]'],
      policy(['10.99.1.0/24[udp/53]'], ['10.99.2.0/24']),
      'TS_UNACCEPTABLE',
    ],
    // ICMP Type/Code in the port fields (§3.13.1)
    [
      'ICMP narrowed to echo request',
      ['10.99.2.0/24[icmp]'],
      ['10.99.1.0/24[icmp]'],
      policy(['10.99.1.0/24[icmp/8]'], ['10.99.2.0/24[icmp/8]']),
      '10.99.2.0/24[icmp/8] | 10.99.1.0/24[icmp/8]',
    ],
    // several selectors: pairwise intersections, contained ones pruned
    [
      'several selectors',
      ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'],
      ['10.99.1.0/24'],
      policy(['10.99.0.0/16'], ['10.1.2.0/24', '10.2.0.0/15', '10.1.2.7']),
      '10.1.2.0/24 10.2.0.0/16 10.3.0.0/16 | 10.99.1.0/24',
    ],
    // IPv6
    [
      'IPv6 narrowed',
      ['fec0::/16'],
      ['fec1::/64'],
      policy(['fec1::/48'], ['fec0:1::/64']),
      'fec0:1::/64 | fec1::/64',
    ],
    [
      'IPv6 range',
      ['fec0::10-fec0::1:0'],
      ['::/0'],
      policy(['fec1::1'], ['fec0::/112']),
      'fec0::10-fec0::ffff | fec1::1/128',
    ],
    [
      'IPv6 with ports',
      ['fec0::/64[tcp/443]'],
      ['fec1::/64'],
      policy(['fec1::/64'], ['fec0::/64[tcp]']),
      'fec0::/64[tcp/443] | fec1::/64',
    ],
    [
      'IPv6 disjoint',
      ['fec0::/64'],
      ['fec1::/64'],
      policy(['fec1::/64'], ['fec0:0:0:1::/64']),
      'TS_UNACCEPTABLE',
    ],
    [
      'mixed families keep each family',
      ['10.99.2.0/24', 'fec0::/64'],
      ['10.99.1.0/24', 'fec1::/64'],
      policy(['0.0.0.0/0', '::/0'], ['fec0::/16']),
      'fec0::/64 | 10.99.1.0/24 fec1::/64',
    ],
  ];
  it.each(cases)('%s', (_name, tsi, tsr, policies, expected) => {
    expect(narrow(tsi, tsr, policies)).toBe(expected);
  });

  it('answers TS_UNACCEPTABLE with its notify type (38, §3.10.1)', () => {
    expect(narrowTrafficSelectors(ts('10.99.3.0/24'), ts('10.99.1.0/24'), gw)).toEqual({
      ok: false,
      error: { code: 'TS_UNACCEPTABLE', notify: 38 },
    });
  });

  it('ignores selectors it cannot interpret (unknown TS Type, start above end)', () => {
    const good = ts('10.99.2.0/24')[0]!;
    const unknownType = { ...good, tsType: 9 };
    const reversed = { ...good, startAddress: good.endAddress, endAddress: good.startAddress };
    const r = narrowTrafficSelectors([unknownType, reversed, good], ts('10.99.1.0/24'), gw);
    expect(r.ok && r.value.tsi.map(tsToString)).toEqual(['10.99.2.0/24']);
    expect(narrowTrafficSelectors([unknownType], ts('10.99.1.0/24'), gw).ok).toBe(false);
  });

  describe('the first selectors are the packet (§2.9)', () => {
    // RFC 7296 §2.9's example: TSi = (192.0.1.43 - 192.0.1.43, the packet's port and protocol),
    // then (192.0.1.0 - 192.0.1.255, all ports and protocols); TSr likewise.
    const tsi = ['192.0.1.43[tcp/43210]', '192.0.1.0/24'];
    const tsr = ['198.51.100.7[tcp/80]', '198.51.100.0/24'];
    const first = policy(['198.51.100.0/25'], ['192.0.1.0/26']); // fits and holds the packet
    const other = policy(['198.51.100.128/25'], ['192.0.1.0/24']); // fits, misses the packet's TSr
    const right = policy(['198.51.100.0/24'], ['192.0.1.32/27']);

    it('prefers the policy that holds the packet over an earlier one that does not', () => {
      const r = narrowTrafficSelectors(ts(...tsi), ts(...tsr), [other, right]);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect([r.value.policy, r.value.packetKept, r.value.additionalTsPossible]).toEqual([1, true, true]);
      expect(r.value.tsi.map(tsToString)).toEqual(['192.0.1.32/27']);
      expect(r.value.tsr.map(tsToString)).toEqual(['198.51.100.0/24']);
    });

    it('keeps the first fitting policy when it holds the packet', () => {
      const r = narrowTrafficSelectors(ts(...tsi), ts(...tsr), [first, other]);
      expect(r.ok && [r.value.policy, r.value.packetKept]).toEqual([0, true]);
    });

    it("answers with the whole /24 when the policy allows it (the RFC's example)", () => {
      const r = narrowTrafficSelectors(ts(...tsi), ts(...tsr), policy(['198.51.100.0/24'], ['192.0.1.0/24']));
      expect(r.ok && [r.value.tsi.map(tsToString), r.value.tsr.map(tsToString)]).toEqual([
        ['192.0.1.0/24'],
        ['198.51.100.0/24'],
      ]);
      expect(r.ok && [r.value.packetKept, r.value.additionalTsPossible]).toEqual([true, false]);
    });

    it('narrows to the packet alone when only the packet is allowed', () => {
      const r = narrowTrafficSelectors(ts(...tsi), ts(...tsr), policy(['198.51.100.7[tcp]'], ['192.0.1.43']));
      expect(r.ok && [r.value.tsi.map(tsToString), r.value.tsr.map(tsToString)]).toEqual([
        ['192.0.1.43/32'], // the packet's own selector is contained in it and pruned
        ['198.51.100.7/32[tcp]'],
      ]);
    });

    it('falls back to the first fitting policy when none holds the packet', () => {
      const r = narrowTrafficSelectors(ts(...tsi), ts(...tsr), [
        other,
        policy(['198.51.100.200'], ['192.0.1.1']),
      ]);
      expect(r.ok && [r.value.policy, r.value.packetKept]).toEqual([0, false]);
    });
  });
});

describe('checkNarrowedTs (initiator)', () => {
  const proposed = { tsi: ts('10.0.0.0/25', '10.0.0.128/25', 'fec0::/64'), tsr: ts('10.99.1.0/24[tcp]') };
  it('accepts subsets, also of the union of two proposed selectors', () => {
    expect(checkNarrowedTs(proposed, { tsi: ts('10.0.0.0/24'), tsr: ts('10.99.1.0/25[tcp/80]') }).ok).toBe(
      true,
    );
    expect(checkNarrowedTs(proposed, { tsi: ts('fec0::1'), tsr: ts('10.99.1.7[tcp/opaque]') }).ok).toBe(true);
  });
  it.each([
    ['wider TSi', { tsi: ts('10.0.0.0/23'), tsr: ts('10.99.1.0/24[tcp]') }, 'NOT_SUBSET', 'TSi'],
    ['other protocol', { tsi: ts('10.0.0.0/24'), tsr: ts('10.99.1.0/24[udp]') }, 'NOT_SUBSET', 'TSr'],
    ['any protocol', { tsi: ts('10.0.0.0/24'), tsr: ts('10.99.1.0/24') }, 'NOT_SUBSET', 'TSr'],
    ['other family', { tsi: ts('fec1::/64'), tsr: ts('10.99.1.0/24[tcp]') }, 'NOT_SUBSET', 'TSi'],
    ['empty TSr', { tsi: ts('10.0.0.0/24'), tsr: [] }, 'EMPTY', 'TSr'],
    [
      'invalid selector',
      {
        tsi: [
          { ...ts('10.0.0.0/24')[0]!, startAddress: parseIp('10.0.0.9')!, endAddress: parseIp('10.0.0.1')! },
        ],
        tsr: ts('10.99.1.0/24[tcp]'),
      },
      'INVALID_SELECTOR',
      'TSi',
    ],
  ])('rejects %s', (_name, answer, code, side) => {
    const r = checkNarrowedTs(proposed, answer);
    expect(r.ok || [r.error.code, r.error.side]).toEqual([code, side]);
  });
});

describe('intersectSelectors / selectorsCover', () => {
  it('covers by union: two halves cover the whole, one half does not', () => {
    expect(selectorsCover(ts('10.0.0.0/25', '10.0.0.128/25'), ts('10.0.0.0/24'))).toBe(true);
    expect(selectorsCover(ts('10.0.0.0/25'), ts('10.0.0.0/24'))).toBe(false);
    expect(selectorsCover(ts('10.0.0.0/24[tcp]', '10.0.0.0/24[udp]'), ts('10.0.0.0/24'))).toBe(false);
    expect(
      selectorsCover(ts('10.0.0.0/24[tcp/0-99]', '10.0.0.0/24[tcp/100-65535]'), ts('10.0.0.0/24[tcp]')),
    ).toBe(false); // OPAQUE left
    expect(
      selectorsCover(
        ts('10.0.0.0/24[tcp/0-99]', '10.0.0.0/24[tcp/100-65535]', '10.0.0.0/24[tcp/opaque]'),
        ts('10.0.0.0/24[tcp]'),
      ),
    ).toBe(true);
  });
  it('intersects lists in the first list order', () => {
    expect(intersectSelectors(ts('10.2.0.0/16', '10.1.0.0/16'), ts('10.0.0.0/8')).map(tsToString)).toEqual([
      '10.2.0.0/16',
      '10.1.0.0/16',
    ]);
  });
});

describe('strongSwan vectors: the CHILD SA selectors', () => {
  for (const v of loadStrongswanVectors()) {
    it(`${v.case}: responder narrowing of 10.99.2.0/24 <-> 10.99.1.0/24 gives the negotiated TS`, () => {
      const child = v.child_sas[0]!;
      const toTs = (s: (typeof child.ts_i)[number]): TrafficSelector => ({
        tsType: s.ts_type,
        ipProtocol: s.ip_protocol,
        startPort: s.start_port,
        endPort: s.end_port,
        startAddress: parseIp(s.start)!,
        endAddress: parseIp(s.end)!,
      });
      const tsi = child.ts_i.map(toTs);
      const tsr = child.ts_r.map(toTs);
      // swanctl.conf of the responder: local_ts 10.99.1.0/24, remote_ts 10.99.2.0/24 (vectors README)
      const r = narrowTrafficSelectors(tsi, tsr, policy(['10.99.1.0/24'], ['10.99.2.0/24']));
      expect(r.ok && r.value).toMatchObject({ tsi, tsr });
      expect(tsi.map(tsToString)).toEqual(['10.99.2.0/24']);
      expect(tsr.map(tsToString)).toEqual(['10.99.1.0/24']);
      expect(checkNarrowedTs({ tsi, tsr }, { tsi, tsr }).ok).toBe(true);
    });
  }
});
