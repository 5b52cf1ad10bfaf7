/**
 * The supervisor's indexes (actors/supervisor-index.ts) against what a scan over the IKE SAs
 * and their children answers: reqids in use, peers for INITIAL_CONTACT, remote identities,
 * Child SAs by uniqueid and SPI (colliding SPIs resolved in the scan's order).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IkeSaIndex } from '../../actors/supervisor-index.js';
import type { IkeSaHandle, InstalledChild } from '../../actors/supervisor-types.js';
import type { Identity } from '../../ipsec/ike/identity.js';
import { fromHex, toHex } from '../../ipsec/util/bytes.js';

let nextId = 1;
const handle = (name: string, address: string): IkeSaHandle =>
  ({
    uniqueid: nextId++,
    name,
    remote: { address, port: 500 },
    children: [] as InstalledChild[],
    state: 'ESTABLISHED',
  }) as unknown as IkeSaHandle;
let nextChild = 1;
const child = (reqid: number, spiIn: string, spiOut: string): InstalledChild =>
  ({
    uniqueid: nextChild++,
    reqid,
    record: { spiIn: fromHex(spiIn), spiOut: fromHex(spiOut) },
  }) as unknown as InstalledChild;
const id = (s: string): Identity => ({ type: 3, data: new TextEncoder().encode(s) }) as Identity;

describe('IkeSaIndex', () => {
  it('a reqid stays in use while another Child SA uses it, and is released with the last', () => {
    const x = new IkeSaIndex();
    const a = handle('gw', '192.0.2.1');
    const b = handle('gw', '192.0.2.2');
    x.add(a);
    x.add(b);
    x.attach(a, child(1, '00000101', 'c0000001'));
    x.attach(b, child(1, '00000102', 'c0000002'));
    x.attach(b, child(2, '00000103', 'c0000003'));
    expect(b.children).toHaveLength(2);
    expect(x.detach(a)).toHaveLength(1);
    expect(a.children).toHaveLength(0);
    expect(x.reqidInUse(1)).toBe(true);
    expect(x.detach(b, 0, 1)[0]?.reqid).toBe(1);
    expect(x.reqidInUse(1)).toBe(false);
    expect(x.reqidInUse(2)).toBe(true);
    x.detach(b);
    expect(x.reqidInUse(2)).toBe(false);
  });

  it('renamed: a responder’s IKE SA moves to the connection IKE_AUTH chose (by name and by peer)', () => {
    const x = new IkeSaIndex();
    const a = handle('first', '192.0.2.1');
    x.add(a);
    x.renamed(a, 'chosen');
    expect(a.name).toBe('chosen');
    expect([...x.named('first')]).toEqual([]);
    expect([...x.named('chosen')]).toEqual([a]);
    expect(x.hasPeer('first', '192.0.2.1')).toBe(false);
    expect(x.hasPeer('chosen', '192.0.2.1')).toBe(true);
    x.remove(a);
    expect(x.hasPeer('chosen', '192.0.2.1')).toBe(false);
    expect([...x.named('chosen')]).toEqual([]);
  });

  it('counts IKE SAs per (connection, remote address), following a moved peer', () => {
    const x = new IkeSaIndex();
    const a = handle('gw', '192.0.2.1');
    const b = handle('gw', '192.0.2.1');
    x.add(a);
    x.add(b);
    expect(x.hasPeer('gw', '192.0.2.1')).toBe(true);
    expect(x.hasPeer('other', '192.0.2.1')).toBe(false);
    x.remove(a);
    expect(x.hasPeer('gw', '192.0.2.1')).toBe(true);
    b.remote = { address: '198.51.100.7', port: 4500 };
    x.moved(b);
    expect(x.hasPeer('gw', '192.0.2.1')).toBe(false);
    expect(x.hasPeer('gw', '198.51.100.7')).toBe(true);
    x.remove(b);
    x.remove(b); // twice: no negative count
    expect(x.hasPeer('gw', '198.51.100.7')).toBe(false);
  });

  it('finds IKE SAs by uniqueid and by name in spawn order, and by remote identity', () => {
    const x = new IkeSaIndex();
    const [a, b, c] = [handle('gw', '192.0.2.1'), handle('rw', '192.0.2.2'), handle('gw', '192.0.2.3')];
    for (const h of [a, b, c]) x.add(h);
    expect(x.matching('gw')).toEqual([a, c]);
    expect(x.matching(b.uniqueid)).toEqual([b]);
    expect(x.first('gw')).toBe(a);
    expect(x.first(9999)).toBeUndefined();
    // Identities arrive in any order; the answer is in spawn order.
    x.setRemoteId(c, id('alice'));
    x.setRemoteId(a, id('alice'));
    x.setRemoteId(b, id('bob'));
    expect(x.withRemoteId(id('alice'))).toEqual([a, c]);
    x.setRemoteId(c, id('carol'));
    expect(x.withRemoteId(id('alice'))).toEqual([a]);
    x.remove(a);
    expect(x.withRemoteId(id('alice'))).toEqual([]);
    expect([...x.named('gw')]).toEqual([c]);
  });

  it('finds a Child SA by uniqueid and by either SPI while it is in a live IKE SA', () => {
    const x = new IkeSaIndex();
    const a = handle('gw', '192.0.2.1');
    const b = handle('gw', '192.0.2.2');
    x.add(a);
    x.add(b);
    const c1 = child(1, '00000101', 'c0000001');
    x.attach(a, c1);
    expect(x.childBySpi(fromHex('00000101'))).toEqual({ handle: a, child: c1 });
    expect(x.childBySpi(fromHex('c0000001'))).toEqual({ handle: a, child: c1 });
    expect(x.childByUniqueid(c1.uniqueid)).toEqual({ handle: a, child: c1 });
    // Moved to another IKE SA (an IKE SA rekey): found there; while in none, not found.
    const moved = x.detach(a);
    expect(x.childBySpi(fromHex('00000101'))).toBeUndefined();
    expect(x.childByUniqueid(c1.uniqueid)).toBeUndefined();
    for (const c of moved) x.attach(b, c);
    expect(x.childBySpi(fromHex('00000101'))?.handle).toBe(b);
  });

  it('resolves colliding SPIs as the scan did: first IKE SA in spawn order, newest child first', () => {
    const x = new IkeSaIndex();
    const a = handle('gw', '192.0.2.1');
    const b = handle('gw', '192.0.2.2');
    x.add(a);
    x.add(b);
    // Two peers chose the same outbound SPI; one of them also equals an inbound SPI of ours.
    const inB = child(1, 'c0000009', '00000200');
    const older = child(1, '00000101', 'c0000009');
    const newer = child(1, '00000102', 'c0000009');
    x.attach(b, inB);
    x.attach(a, older);
    x.attach(a, newer);
    expect(x.childBySpi(fromHex('c0000009'))).toEqual({ handle: a, child: newer });
    x.detach(a);
    expect(x.childBySpi(fromHex('c0000009'))).toEqual({ handle: b, child: inB });
  });

  it('answers what a scan over the live IKE SAs and their children answers, after any steps', () => {
    // Few names, addresses, identities and SPIs, so that keys are shared and SPIs collide.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('spawn' as const), name: fc.constantFrom('gw', 'rw'), addr: fc.nat(2) }),
      fc.record({ kind: fc.constant('destroy' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('identity' as const), pick: fc.nat(), who: fc.option(fc.nat(2)) }),
      fc.record({
        kind: fc.constant('attach' as const),
        pick: fc.nat(),
        reqid: fc.nat(2),
        spiIn: fc.nat(3),
        spiOut: fc.nat(3),
      }),
      fc.record({ kind: fc.constant('detach' as const), pick: fc.nat(), at: fc.nat(), n: fc.nat(2) }),
      fc.record({ kind: fc.constant('rekey' as const), pick: fc.nat(), name: fc.constantFrom('gw', 'rw') }),
    );
    const spi = (n: number) => `c00000${n.toString(16).padStart(2, '0')}`;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const x = new IkeSaIndex();
        const live: IkeSaHandle[] = [];
        const ids = new Map<IkeSaHandle, Identity>();
        const pick = (i: number) => live[i % live.length];
        for (const o of ops) {
          if (o.kind === 'spawn') {
            const h = handle(o.name, `192.0.2.${o.addr}`);
            live.push(h);
            x.add(h);
            continue;
          }
          const h = pick(o.pick);
          if (!h) continue;
          if (o.kind === 'destroy') {
            x.detach(h);
            x.remove(h);
            live.splice(live.indexOf(h), 1);
            ids.delete(h);
          } else if (o.kind === 'identity') {
            const who = o.who === null ? undefined : id(`peer${o.who}`);
            if (who) ids.set(h, who);
            else ids.delete(h);
            x.setRemoteId(h, who);
          } else if (o.kind === 'attach') {
            x.attach(h, child(o.reqid, `0000${o.spiIn}`.padStart(8, '0'), spi(o.spiOut)));
          } else if (o.kind === 'detach') {
            x.detach(h, o.at % (h.children.length + 1), o.n);
          } else {
            // An IKE SA rekey: the children move to a new IKE SA of that name.
            const next = handle(o.name, h.remote.address);
            live.push(next);
            x.add(next);
            for (const c of x.detach(h)) x.attach(next, c);
          }
        }
        for (const name of ['gw', 'rw']) {
          expect([...x.named(name)]).toEqual(live.filter((h) => h.name === name));
          for (let a = 0; a < 3; a++)
            expect(x.hasPeer(name, `192.0.2.${a}`)).toBe(
              live.some((h) => h.name === name && h.remote.address === `192.0.2.${a}`),
            );
        }
        for (const h of live) expect(x.matching(h.uniqueid)).toEqual([h]);
        for (let w = 0; w < 3; w++) {
          const who = id(`peer${w}`);
          const scan = live.filter((h) => toHex(ids.get(h)?.data ?? new Uint8Array()) === toHex(who.data));
          expect(x.withRemoteId(who)).toEqual(scan);
        }
        for (let r = 0; r < 3; r++)
          expect(x.reqidInUse(r)).toBe(live.some((h) => h.children.some((c) => c.reqid === r)));
        const spis = [
          ...new Set(live.flatMap((h) => h.children.flatMap((c) => [c.record.spiIn, c.record.spiOut]))),
        ];
        for (const s of [...spis, fromHex('deadbeef')]) {
          let want: { handle: IkeSaHandle; child: InstalledChild } | undefined;
          for (const handle of live) {
            for (let i = handle.children.length - 1; i >= 0 && !want; i--) {
              const c = handle.children[i]!;
              if (toHex(c.record.spiIn) === toHex(s) || toHex(c.record.spiOut) === toHex(s))
                want = { handle, child: c };
            }
            if (want) break;
          }
          expect(x.childBySpi(s)).toEqual(want);
        }
        for (const h of live)
          for (const c of h.children) expect(x.childByUniqueid(c.uniqueid)).toEqual({ handle: h, child: c });
      }),
      { numRuns: 300 },
    );
  });
});
