/**
 * The supervisor's indexes (actors/supervisor-index.ts) against what a scan over the IKE SAs
 * and their children answers: reqids in use, peers for INITIAL_CONTACT, remote identities,
 * Child SAs by uniqueid and SPI (colliding SPIs resolved in the scan's order).
 */
import { describe, expect, it } from 'vitest';
import { IkeSaIndex } from '../../actors/supervisor-index.js';
import type { IkeSaHandle, InstalledChild } from '../../actors/supervisor-types.js';
import type { Identity } from '../../ipsec/ike/identity.js';
import { fromHex } from '../../ipsec/util/bytes.js';

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
    expect(x.childBySpiHex('00000101')).toEqual({ handle: a, child: c1 });
    expect(x.childBySpiHex('c0000001')).toEqual({ handle: a, child: c1 });
    expect(x.childByUniqueid(c1.uniqueid)).toEqual({ handle: a, child: c1 });
    // Moved to another IKE SA (an IKE SA rekey): found there; while in none, not found.
    const moved = x.detach(a);
    expect(x.childBySpiHex('00000101')).toBeUndefined();
    expect(x.childByUniqueid(c1.uniqueid)).toBeUndefined();
    for (const c of moved) x.attach(b, c);
    expect(x.childBySpiHex('00000101')?.handle).toBe(b);
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
    expect(x.childBySpiHex('c0000009')).toEqual({ handle: a, child: newer });
    x.detach(a);
    expect(x.childBySpiHex('c0000009')).toEqual({ handle: b, child: inB });
  });
});
