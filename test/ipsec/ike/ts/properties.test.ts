/** fast-check properties of §2.9 narrowing and the selector text form. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TrafficSelector, TsType } from '../../../../ipsec/ike/model.js';
import {
  checkNarrowedTs,
  intersectSelectors,
  narrowTrafficSelectors,
  selectorsCover,
  selectorWithin,
} from '../../../../ipsec/ike/ts/narrow.js';
import { bigintToBytes, boxContainsPoint, type TsPoint, toBox } from '../../../../ipsec/ike/ts/range.js';
import { tsFromString, tsToString } from '../../../../ipsec/ike/ts/text.js';

// A small address space (the low 6 bits vary) so that random selectors overlap often.
const V4_BASE = 0x0a000000n; // 10.0.0.0
const V6_BASE = 0xfec0n << 112n; // fec0::
const PORT_EDGES = [0, 1, 79, 80, 81, 1024, 65534, 65535];

const family = fc.constantFrom(
  TsType.TS_IPV4_ADDR_RANGE,
  TsType.TS_IPV4_ADDR_RANGE,
  TsType.TS_IPV6_ADDR_RANGE,
);
const ports = fc.oneof(
  fc.constant<[number, number]>([0, 65535]), // any
  fc.constant<[number, number]>([65535, 0]), // OPAQUE (§3.13.1)
  fc
    .tuple(fc.constantFrom(...PORT_EDGES), fc.constantFrom(...PORT_EDGES))
    .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a])),
);

const selector: fc.Arbitrary<TrafficSelector> = fc
  .tuple(
    family,
    fc.integer({ min: 0, max: 63 }),
    fc.integer({ min: 0, max: 63 }),
    fc.constantFrom(0, 0, 6, 17, 1),
    ports,
  )
  .map(([tsType, a, b, ipProtocol, [startPort, endPort]]) => {
    const [base, len] = tsType === TsType.TS_IPV4_ADDR_RANGE ? [V4_BASE, 4] : [V6_BASE, 16];
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return {
      tsType,
      ipProtocol,
      startPort,
      endPort,
      startAddress: bigintToBytes(base + BigInt(lo), len),
      endAddress: bigintToBytes(base + BigInt(hi), len),
    };
  });
const list = fc.array(selector, { minLength: 0, maxLength: 4 });

const point: fc.Arbitrary<TsPoint> = fc
  .tuple(
    family,
    fc.integer({ min: 0, max: 64 }),
    fc.constantFrom(0, 1, 6, 17, 50),
    fc.oneof(fc.constantFrom(...PORT_EDGES), fc.constant<'opaque'>('opaque')),
  )
  .map(([tsType, a, ipProtocol, port]) => ({
    tsType,
    address: (tsType === TsType.TS_IPV4_ADDR_RANGE ? V4_BASE : V6_BASE) + BigInt(a),
    ipProtocol,
    port,
  }));

const covers = (l: readonly TrafficSelector[], p: TsPoint) =>
  l.some((ts) => {
    const b = toBox(ts);
    return b !== undefined && boxContainsPoint(b, p);
  });

describe('narrowing properties (RFC 7296 §2.9)', () => {
  it('every narrowed selector lies within an initiator selector and a configured selector', () => {
    fc.assert(
      fc.property(list, list, list, list, (tsi, tsr, local, remote) => {
        const r = narrowTrafficSelectors(tsi, tsr, { local, remote });
        if (!r.ok)
          return intersectSelectors(tsi, remote).length === 0 || intersectSelectors(tsr, local).length === 0;
        const inBoth = (n: TrafficSelector, a: readonly TrafficSelector[], b: readonly TrafficSelector[]) =>
          a.some((x) => selectorWithin(n, x)) && b.some((x) => selectorWithin(n, x));
        return (
          r.value.tsi.length > 0 &&
          r.value.tsr.length > 0 &&
          r.value.tsi.every((n) => inBoth(n, tsi, remote)) &&
          r.value.tsr.every((n) => inBoth(n, tsr, local)) &&
          checkNarrowedTs({ tsi, tsr }, r.value).ok
        );
      }),
      { numRuns: 300 },
    );
  });

  it('intersection is commutative in coverage and covers exactly the common traffic', () => {
    fc.assert(
      fc.property(list, list, fc.array(point, { minLength: 1, maxLength: 20 }), (a, b, points) => {
        const ab = intersectSelectors(a, b);
        const ba = intersectSelectors(b, a);
        return (
          points.every(
            (p) => covers(ab, p) === covers(ba, p) && covers(ab, p) === (covers(a, p) && covers(b, p)),
          ) &&
          selectorsCover(ab, ba) &&
          selectorsCover(ba, ab) &&
          selectorsCover(a, ab) &&
          selectorsCover(b, ab)
        );
      }),
      { numRuns: 300 },
    );
  });

  it('a proposal inside the policy comes back covering the same traffic', () => {
    fc.assert(
      fc.property(list, list, (tsi, tsr) => {
        fc.pre(tsi.length > 0 && tsr.length > 0);
        const r = narrowTrafficSelectors(tsi, tsr, { local: tsr, remote: tsi });
        return r.ok && selectorsCover(r.value.tsi, tsi) && selectorsCover(r.value.tsr, tsr);
      }),
    );
  });

  it('keeps the packet when the policy holds it (first TSi/TSr single addresses)', () => {
    const host = selector.map((s) => ({ ...s, endAddress: s.startAddress }));
    fc.assert(
      fc.property(host, host, list, list, list, list, (pi, pr, tsi, tsr, local, remote) => {
        const holds = selectorsCover(remote, [pi]) && selectorsCover(local, [pr]);
        const r = narrowTrafficSelectors([pi, ...tsi], [pr, ...tsr], { local, remote });
        if (!holds) return !r.ok || !r.value.packetKept;
        return (
          r.ok && r.value.packetKept && selectorsCover(r.value.tsi, [pi]) && selectorsCover(r.value.tsr, [pr])
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('text form', () => {
  it('tsFromString(tsToString(ts)) gives ts back', () => {
    const plain = selector.filter((s) => s.ipProtocol !== 1); // ICMP Type < 256 is read as a Type (see text.ts)
    fc.assert(
      fc.property(plain, (ts) => {
        const r = tsFromString(tsToString(ts));
        expect(r).toEqual({ ok: true, value: ts });
      }),
    );
  });
});
