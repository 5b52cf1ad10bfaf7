import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { mustEncr, mustInteg } from '../../../ipsec/crypto/transforms.js';
import { createEspSaFromKeys } from '../../../ipsec/esp/sa.js';
import { LifetimeTracker } from '../../../ipsec/policy/lifetime.js';
import { type SaDirection, Sad, type SadEntry } from '../../../ipsec/policy/sad.js';
import { flowMatches, mustSelector } from '../../../ipsec/policy/selector.js';
import { echoRequest, flowOf, ip } from './fixtures.js';

const NULL = mustEncr(EncrId.NULL);
const SHA256 = mustInteg(IntegId.HMAC_SHA2_256_128);

function entry(spi: number, direction: SaDirection, reqid: number, remote = '10.2.0.0/24'): SadEntry {
  const esp = createEspSaFromKeys(
    {
      provider: nobleProvider,
      encr: NULL,
      encrKey: new Uint8Array(0),
      integ: SHA256,
      integKey: new Uint8Array(32),
    },
    { spi, direction: direction === 'in' ? 'inbound' : 'outbound', mode: 'tunnel' },
  );
  if (!esp.ok) throw new Error(esp.error.message);
  return {
    spi,
    direction,
    reqid,
    mode: 'tunnel',
    esp: esp.value,
    src: { address: '192.0.2.1', port: 4500 },
    dst: { address: '192.0.2.2', port: 4500 },
    srcAddress: ip('192.0.2.1'),
    dstAddress: ip('192.0.2.2'),
    encap: true,
    localTs: [mustSelector('10.1.0.0/24')],
    remoteTs: [mustSelector(remote)],
    // Hard-expires only when a test reports a packet to it (check).
    lifetime: new LifetimeTracker({ hard: { packets: 1 } }, 0),
    lastUsedAt: undefined,
    secrets: [],
  };
}

describe('Sad', () => {
  it('finds inbound SAs by SPI and keeps directions apart', () => {
    const sad = new Sad();
    expect(sad.add(entry(300, 'in', 1)).ok).toBe(true);
    expect(sad.add(entry(300, 'out', 1)).ok).toBe(true);
    const dup = sad.add(entry(300, 'in', 2));
    expect(!dup.ok && dup.error.code).toBe('duplicate-spi');
    expect(sad.inbound(300)?.direction).toBe('in');
    expect(sad.get('out', 300)?.direction).toBe('out');
    expect(sad.inbound(301)).toBeUndefined();
    expect(sad.size).toBe(2);
  });

  it('picks the newest live outbound SA of a reqid that covers the packet', () => {
    const sad = new Sad();
    const old = entry(400, 'out', 7);
    const narrow = entry(401, 'out', 7, '10.2.0.0/25');
    sad.add(old);
    sad.add(narrow);
    expect(sad.outbound(7, flowOf(echoRequest('10.1.0.1', '10.2.0.1')))?.spi).toBe(401);
    expect(sad.outbound(7, flowOf(echoRequest('10.1.0.1', '10.2.0.200')))?.spi).toBe(400);
    expect(sad.outbound(7, flowOf(echoRequest('10.1.0.1', '10.3.0.1')))).toBeUndefined();
    narrow.esp.dead = true;
    expect(sad.outbound(7)?.spi).toBe(400);
    expect(sad.remove('out', 400)).toBe(old);
    expect(sad.outbound(7)).toBeUndefined();
    expect(sad.outbound(8)).toBeUndefined();
  });
});

/**
 * Property: the outbound SAs of a reqid are a doubly linked list (O(1) remove, issue 14).
 * After every step of a random sequence of adds (in and out, SPIs and reqids from small sets,
 * so that duplicates are rejected and reqids are shared), removes (present and absent SPIs)
 * and SAs ending (esp.dead, or a hard lifetime crossed), the SAD agrees with a reference model
 * of two arrays in installation order: outbound(reqid[, flow]) is the newest live entry of that
 * reqid (covering the flow), and get, inbound, list() and size agree.
 */
describe('Sad against a reference model', () => {
  /** SPIs 0x1001..0x1006 are installed; 0x1000 and 0x1007 never are (1-255 are reserved). */
  const SPI = 0x1000;
  const SPIS = 6;
  const REQIDS = 2;
  const flows = [
    flowOf(echoRequest('10.1.0.1', '10.2.0.1')), // in 10.2.0.0/25 and /24
    flowOf(echoRequest('10.1.0.1', '10.2.0.200')), // in /24 only
    flowOf(echoRequest('10.1.0.1', '10.3.0.1')), // in neither
  ];

  type Op =
    | { kind: 'add'; direction: SaDirection; spi: number; reqid: number; narrow: boolean }
    /** The SPI of an installed entry (either direction) or one never installed. */
    | { kind: 'remove'; direction: SaDirection; pick: number }
    | { kind: 'end'; pick: number; how: 'dead' | 'hard' };

  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        direction: fc.constantFrom<SaDirection>('in', 'out', 'out'),
        spi: fc.integer({ min: SPI + 1, max: SPI + SPIS }),
        reqid: fc.integer({ min: 1, max: REQIDS }),
        narrow: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('remove' as const),
        direction: fc.constantFrom<SaDirection>('in', 'out', 'out'),
        pick: fc.nat(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('end' as const),
        pick: fc.nat(),
        how: fc.constantFrom('dead' as const, 'hard' as const),
      }),
    },
  );

  const live = (e: SadEntry) => !e.esp.dead && !e.lifetime.hardExpired;
  /** One comparison per step (cheap when equal, a readable diff when not). */
  const agree = (actual: unknown, wanted: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) expect(actual).toEqual(wanted);
  };

  it('agrees on outbound, get, list and size through adds, removes and SAs ending', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
        const sad = new Sad();
        /** Installed entries per direction, oldest first. */
        const model: Record<SaDirection, SadEntry[]> = { in: [], out: [] };
        /** Every entry made: one is named by direction and SPI only if it is the very object. */
        const made: SadEntry[] = [];
        const name = (e: SadEntry | undefined) =>
          e === undefined ? 'none' : `${e.direction}:${e.spi.toString(16)}#${made.indexOf(e)}`;
        const spis = Array.from({ length: SPIS + 2 }, (_, i) => SPI + i);
        const reqids = Array.from({ length: REQIDS + 2 }, (_, i) => i);

        for (const o of ops) {
          let result: unknown;
          let wanted: unknown;
          if (o.kind === 'add') {
            const e = entry(o.spi, o.direction, o.reqid, o.narrow ? '10.2.0.0/25' : '10.2.0.0/24');
            made.push(e);
            const r = sad.add(e);
            result = r.ok ? name(r.value) : r.error.code;
            if (model[o.direction].some((x) => x.spi === o.spi)) wanted = 'duplicate-spi';
            else {
              wanted = name(e);
              model[o.direction].push(e);
            }
          } else if (o.kind === 'remove') {
            const installed = [...model.in, ...model.out].map((x) => x.spi).concat(SPI, SPI + SPIS + 1);
            const spi = installed[o.pick % installed.length]!;
            const list = model[o.direction];
            const at = list.findIndex((x) => x.spi === spi);
            result = name(sad.remove(o.direction, spi));
            wanted = name(list[at]);
            if (at >= 0) list.splice(at, 1);
          } else {
            const all = [...model.in, ...model.out];
            const e = all[o.pick % Math.max(all.length, 1)];
            if (!e) continue;
            if (o.how === 'dead') e.esp.dead = true;
            else e.lifetime.check({ bytes: 0, packets: 1 }, 0);
            result = live(e);
            wanted = false;
          }

          /** The newest live entry of the model for reqid (covering flow f). */
          const newest = (reqid: number, f?: (typeof flows)[number]) =>
            model.out
              .filter(
                (x) => x.reqid === reqid && live(x) && (!f || flowMatches(f, true, x.localTs, x.remoteTs)),
              )
              .at(-1);
          agree(
            {
              result,
              list: sad.list().map(name),
              size: sad.size,
              get: spis.map((spi) => [
                name(sad.get('in', spi)),
                name(sad.inbound(spi)),
                name(sad.get('out', spi)),
              ]),
              outbound: reqids.map((r) => [
                name(sad.outbound(r)),
                ...flows.map((f) => name(sad.outbound(r, f))),
              ]),
            },
            {
              result: wanted,
              list: [...model.in, ...model.out].map(name),
              size: model.in.length + model.out.length,
              get: spis.map((spi) => {
                const inbound = name(model.in.find((x) => x.spi === spi));
                return [inbound, inbound, name(model.out.find((x) => x.spi === spi))];
              }),
              outbound: reqids.map((r) => [name(newest(r)), ...flows.map((f) => name(newest(r, f)))]),
            },
          );
        }
      }),
      { numRuns: 150 },
    );
  });

  it('unlinks an outbound SA from anywhere in its reqid list, in every removal order', () => {
    const permutations = (xs: number[]): number[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations(xs.filter((_, j) => j !== i)).map((p) => [x, ...p]));
    for (const order of permutations([0, 1, 2, 3])) {
      const sad = new Sad();
      const entries = [0, 1, 2, 3].map((i) => entry(SPI + 1 + i, 'out', 1));
      const other = entry(SPI + 9, 'out', 2);
      for (const e of entries) sad.add(e);
      sad.add(other);
      const left = entries.slice();
      for (const i of order) {
        expect(sad.remove('out', entries[i]!.spi)).toBe(entries[i]);
        left.splice(left.indexOf(entries[i]!), 1);
        expect(sad.outbound(1)).toBe(left.at(-1));
        expect(sad.outbound(2)).toBe(other);
        expect(sad.list()).toEqual([...left, other]);
      }
      // The emptied reqid takes new SAs again, newest first.
      sad.add(entries[2]!);
      sad.add(entries[0]!);
      expect(sad.outbound(1)).toBe(entries[0]);
      sad.remove('out', entries[0]!.spi);
      expect(sad.outbound(1)).toBe(entries[2]);
    }
  });
});
