/**
 * Topologies: who hears whom in the generated star, line and tree, link quality overrides, and
 * the static routes (every route reaches its destination over existing links, without loops).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GATEWAY_ADDRESS,
  lineTopology,
  moteAddress,
  starTopology,
  Topology,
  treeTopology,
} from '../../../transport/radio/topology.js';

describe('addresses', () => {
  it('the gateway is 0x0001 and motes are 0x0002, 0x0003, ...', () => {
    expect(GATEWAY_ADDRESS).toBe(1);
    expect(moteAddress(0)).toBe(2);
    expect(starTopology(3).addresses).toEqual([1, 2, 3, 4]);
    expect(lineTopology(3).addresses).toEqual([1, 2, 3, 4]);
    expect(treeTopology(5, 2).addresses).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('rejects the broadcast address and duplicates', () => {
    expect(() => new Topology().addNode(0xffff)).toThrow(RangeError);
    expect(() => new Topology().addNode(1).addNode(1)).toThrow();
    expect(() => new Topology().addNode(2, undefined, 1)).toThrow();
  });
});

describe('generators', () => {
  it('star: every mote hears the gateway and every other mote', () => {
    const t = starTopology(12);
    for (const a of t.addresses)
      for (const b of t.addresses) if (a !== b) expect(t.hears(a, b), `${a} -> ${b}`).toBe(true);
    expect(t.children(GATEWAY_ADDRESS)).toHaveLength(12);
  });
  it('line: each node hears exactly its neighbours', () => {
    const t = lineTopology(6);
    const as = t.addresses;
    for (let i = 0; i < as.length; i++)
      expect(t.neighbours(as[i]!).sort()).toEqual(
        [as[i - 1], as[i + 1]].filter((x) => x !== undefined).sort(),
      );
    expect(() => lineTopology(3, { spacingM: 20 })).toThrow(RangeError); // two hops would be in range
  });
  it('tree: each node hears exactly its parent and its children', () => {
    const t = treeTopology(20, 3);
    for (const a of t.addresses) {
      const expected = [...t.children(a), t.parent(a)].filter((x) => x !== undefined).sort();
      expect(t.neighbours(a).sort()).toEqual(expected);
    }
    expect(t.children(GATEWAY_ADDRESS)).toEqual([2, 3, 4]);
    expect(t.parent(moteAddress(3))).toBe(2); // node j = 4 has parent floor(3 / 3) = 1, i.e. mote 0
  });
  it('every generator gives a tree whose parent-child pairs hear each other', () => {
    for (const t of [starTopology(9), lineTopology(9), treeTopology(30, 2), treeTopology(7, 1)])
      expect(t.brokenTreeLinks()).toEqual([]);
  });
});

describe('link quality', () => {
  it('overrides merge over the default, per direction or both', () => {
    const t = lineTopology(2, { defaultQuality: { loss: 0.1, delayMs: 2 } });
    expect(t.quality(1, 2)).toEqual({ loss: 0.1, delayMs: 2 });
    t.setQuality(1, 2, { loss: 0.5 }, true);
    expect(t.quality(1, 2)).toEqual({ loss: 0.5, delayMs: 2 });
    expect(t.quality(2, 1)).toEqual({ loss: 0.1, delayMs: 2 });
    t.setQuality(2, 3, { duplicate: 1 });
    expect(t.quality(3, 2)).toEqual({ loss: 0.1, delayMs: 2, duplicate: 1 });
    t.setQuality(1, 2, undefined, true);
    expect(t.quality(1, 2)).toEqual({ loss: 0.1, delayMs: 2 });
    expect(t.quality(1, 3)).toBeUndefined(); // out of range: no link, whatever the override
    t.setQuality(1, 3, { loss: 0 });
    expect(t.quality(1, 3)).toBeUndefined();
  });
  it('connect() adds a directed link even out of range', () => {
    const t = lineTopology(2).connect(1, 3, true);
    expect(t.hears(1, 3)).toBe(true);
    expect(t.hears(3, 1)).toBe(false);
  });
});

describe('static routes', () => {
  it('line: up toward the gateway, down toward the far end', () => {
    const t = lineTopology(4); // 1 - 2 - 3 - 4 - 5
    expect(t.nextHop(5, 1)).toBe(4);
    expect(t.nextHop(1, 5)).toBe(2);
    expect(t.nextHop(3, 5)).toBe(4);
    expect(t.nextHop(3, 3)).toBeUndefined();
    expect(t.nextHop(3, 99)).toBeUndefined();
    expect(t.routesOf(2)(5)).toBe(3);
  });
  it('tree: between siblings through the parent', () => {
    const t = treeTopology(6, 2); // 1 -> (2, 3); 2 -> (4, 5); 3 -> (6, 7)
    expect(t.nextHop(4, 5)).toBe(2);
    expect(t.nextHop(4, 7)).toBe(2);
    expect(t.nextHop(2, 7)).toBe(1);
    expect(t.nextHop(1, 7)).toBe(3);
    expect(t.nextHop(3, 7)).toBe(7);
  });
  it('nodes in separate trees have no route', () => {
    const t = new Topology().addNode(1).addNode(2).addNode(9).addNode(10, undefined, 9);
    expect(t.nextHop(10, 1)).toBeUndefined();
    expect(t.nextHop(1, 10)).toBeUndefined();
  });
  it('property: following next hops reaches every destination over existing links in at most 2 * depth hops', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('tree', 'line', 'star'),
        (motes, fanout, kind) => {
          const t =
            kind === 'tree'
              ? treeTopology(motes, fanout)
              : kind === 'line'
                ? lineTopology(motes)
                : starTopology(motes);
          const depth = (a: number) => {
            let d = 0;
            for (let p = t.parent(a); p !== undefined; p = t.parent(p)) d++;
            return d;
          };
          const maxDepth = Math.max(...t.addresses.map(depth));
          for (const from of t.addresses)
            for (const to of t.addresses) {
              if (from === to) continue;
              let at = from;
              let hops = 0;
              while (at !== to) {
                const next = t.nextHop(at, to);
                expect(next).toBeDefined();
                expect(t.hears(at, next!)).toBe(true);
                at = next!;
                hops++;
                expect(hops).toBeLessThanOrEqual(2 * maxDepth);
              }
            }
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});
