/**
 * Every lifecycle exchange (RFC 7296 §1.3, §1.4, §2.8, §2.18) started by either peer, with and
 * without PFS (esp_proposals with and without a KE method). "S" is the side that starts the
 * exchange (the client on 'gw' or the gateway on 'rw'), "P" the other one.
 */
import { describe, expect, it } from 'vitest';
import { PayloadType } from '../../ipsec/ike/wire/constants.js';
import { toHex } from '../../ipsec/util/bytes.js';
import {
  CONN,
  childSpis,
  ESP_NO_PFS,
  ESP_PFS,
  expectNothingLeft,
  expectSteadyState,
  onlyIke,
  type Side,
  startPeers,
  trace,
} from './lifecycle-harness.js';

const other = (s: Side): Side => (s === 'client' ? 'gateway' : 'client');
const cases = (['client', 'gateway'] as const).flatMap((side) =>
  [
    { pfs: true, esp: ESP_PFS },
    { pfs: false, esp: ESP_NO_PFS },
  ].map((v) => ({ side, ...v })),
);
const ke = (pfs: boolean, k: 'KEi' | 'KEr') => (pfs ? ` ${k}` : '');

describe.each(cases)('started by the $side, PFS $pfs', ({ side, pfs, esp }) => {
  const peer = other(side);

  it('creates a second Child SA', () => {
    /*
     *  S  CREATE_CHILD_SA { SA(ESP), Ni, [KEi,] TSi, TSr }  -->
     *                                                  <--  { SA(ESP), Nr, [KEr,] TSi, TSr }  P
     */
    const p = startPeers({ esp, children: ['net', 'net2'], up: ['net'] });
    expectSteadyState(p, ['net'], false);
    const mark = p.ike.length;
    expect(p.host(side).supervisor.createChild(CONN[side], 'net2')).toBe(1);
    p.clock.advance(1000);
    expect(trace(p, mark)).toEqual([
      `${side} --> CREATE_CHILD_SA { SA(ESP) Ni${ke(pfs, 'KEi')} TSi TSr }`,
      `${peer} <-- CREATE_CHILD_SA { SA(ESP) Nr${ke(pfs, 'KEr')} TSi TSr }`,
    ]);
    expectSteadyState(p, ['net', 'net2']);
  });

  it('rekeys a Child SA: new SPIs both ways, the rekey initiator deletes the old SAs', () => {
    /*
     *  S  CREATE_CHILD_SA { N(REKEY_SA, old), SA(ESP), Ni, [KEi,] TSi, TSr }  -->
     *                                                  <--  { SA(ESP), Nr, [KEr,] TSi, TSr }  P
     *  S  INFORMATIONAL { D(ESP, old inbound SPI of S) }  -->
     *                                                  <--  { D(ESP, old inbound SPI of P) }  P
     */
    const p = startPeers({ esp, children: ['net', 'net2'] });
    const before = { client: childSpis(p, 'client'), gateway: childSpis(p, 'gateway') };
    const mark = p.ike.length;
    expect(p.host(side).supervisor.rekeyChild('net')).toBe(true);
    p.clock.advance(1000);
    expect(trace(p, mark)).toEqual([
      `${side} --> CREATE_CHILD_SA { N(REKEY_SA) SA(ESP) Ni${ke(pfs, 'KEi')} TSi TSr }`,
      `${peer} <-- CREATE_CHILD_SA { SA(ESP) Nr${ke(pfs, 'KEr')} TSi TSr }`,
      `${side} --> INFORMATIONAL { D(ESP) }`,
      `${peer} <-- INFORMATIONAL { D(ESP) }`,
    ]);
    // REKEY_SA names S's old inbound SPI; each Delete names its sender's old inbound SPI (§1.4.1).
    const [rekey, , del, delAnswer] = p.ike.slice(mark);
    const n = rekey!.payloads!.find((x) => x.type === PayloadType.N);
    expect(n?.type === 41 && toHex(n.spi)).toBe(before[side].net![0]!.in);
    const spisOf = (m: typeof del) =>
      (m!.payloads ?? []).flatMap((x) => (x.type === PayloadType.D ? x.spis.map(toHex) : []));
    expect(spisOf(del)).toEqual([before[side].net![0]!.in]);
    expect(spisOf(delAnswer)).toEqual([before[peer].net![0]!.in]);
    for (const s of ['client', 'gateway'] as const) {
      const now = childSpis(p, s);
      expect(now.net![0]!.in).not.toBe(before[s].net![0]!.in);
      expect(now.net![0]!.out).not.toBe(before[s].net![0]!.out);
      expect(now.net2).toEqual(before[s].net2); // the other child is untouched
    }
    expectSteadyState(p, ['net', 'net2']);
  });

  it('rekeys the IKE SA: new IKE SPIs, the Child SAs move, the old IKE SA is deleted by S', () => {
    /*
     *  S  CREATE_CHILD_SA { SA(IKE, new SPI of S), Ni, KEi }  -->
     *                                                  <--  { SA(IKE, new SPI of P), Nr, KEr }  P
     *  S  INFORMATIONAL { D(IKE) }   (on the old IKE SA)  -->
     *                                                  <--  { }  P
     *  then, through the new IKE SA, P rekeys the Child SA (and deletes the old one).
     */
    const p = startPeers({ esp });
    const oldIke = { client: onlyIke(p, 'client'), gateway: onlyIke(p, 'gateway') };
    const oldSpis = `${toHex(oldIke.client.actor.getSnapshot().context.session.spiI)}`;
    const children = { client: childSpis(p, 'client'), gateway: childSpis(p, 'gateway') };
    const mark = p.ike.length;
    expect(p.host(side).supervisor.rekeyIke(CONN[side])).toBe(1);
    p.clock.advance(1000);
    expect(trace(p, mark)).toEqual([
      `${side} --> CREATE_CHILD_SA { SA(IKE) Ni KEi }`,
      `${peer} <-- CREATE_CHILD_SA { SA(IKE) Nr KEr }`,
      `${side} --> INFORMATIONAL { D(IKE) }`,
      `${peer} <-- INFORMATIONAL { }`,
    ]);
    // Both exchanges ran on the old IKE SA's SPIs.
    expect(p.ike.slice(mark).every((m) => m.ikeSpis.startsWith(oldSpis))).toBe(true);
    for (const s of ['client', 'gateway'] as const) {
      const now = onlyIke(p, s);
      expect(now).not.toBe(oldIke[s]);
      expect(oldIke[s].state).toBe('DESTROYED');
      expect(now.ourSpi).not.toBe(oldIke[s].ourSpi);
      // §2.18: the rekey's initiator is the original initiator of the new IKE SA.
      expect(now.actor.getSnapshot().context.session.role).toBe(s === side ? 'initiator' : 'responder');
      expect(childSpis(p, s)).toEqual(children[s]);
    }
    expectSteadyState(p, ['net']);

    const mark2 = p.ike.length;
    expect(p.host(peer).supervisor.rekeyChild('net')).toBe(true);
    p.clock.advance(1000);
    const newSpis = `${toHex(onlyIke(p, 'client').actor.getSnapshot().context.session.spiI)}`;
    expect(p.ike.slice(mark2).every((m) => m.ikeSpis.startsWith(newSpis))).toBe(true);
    // §2.2: Message IDs restart at 0 on the new IKE SA.
    expect(p.ike.slice(mark2).map((m) => m.messageId)).toEqual([0, 0, 1, 1]);
    expect(childSpis(p, 'client').net![0]!.in).not.toBe(children.client.net![0]!.in);
    expectSteadyState(p, ['net']);
  });

  it('deletes one Child SA of two, then the last one; the IKE SA stays', () => {
    /*
     *  S  INFORMATIONAL { D(ESP, inbound SPI of S) }  -->
     *                                                  <--  { D(ESP, inbound SPI of P) }  P
     */
    const p = startPeers({ esp, children: ['net', 'net2'] });
    const mark = p.ike.length;
    expect(p.host(side).supervisor.deleteChild('net2')).toBe(true);
    p.clock.advance(1000);
    expect(trace(p, mark)).toEqual([
      `${side} --> INFORMATIONAL { D(ESP) }`,
      `${peer} <-- INFORMATIONAL { D(ESP) }`,
    ]);
    expectSteadyState(p, ['net']);
    expect(p.host(side).supervisor.deleteChild('net')).toBe(true);
    p.clock.advance(1000);
    expectSteadyState(p, [], false);
    for (const s of ['client', 'gateway'] as const) expect(p.host(s).esp.backend.listSas()).toEqual([]);
    // A new Child SA can still be created on the IKE SA.
    expect(p.host(peer).supervisor.createChild(CONN[peer], 'net')).toBe(1);
    p.clock.advance(1000);
    expectSteadyState(p, ['net']);
  });

  it('deletes the IKE SA with its Child SAs; nothing is left but the cookie timers', () => {
    /*
     *  S  INFORMATIONAL { D(IKE) }  -->
     *                                                  <--  { }  P
     */
    const p = startPeers({ esp, children: ['net', 'net2'] });
    const mark = p.ike.length;
    expect(p.host(side).supervisor.terminate(CONN[side])).toBe(1);
    p.clock.advance(1000);
    expect(trace(p, mark)).toEqual([`${side} --> INFORMATIONAL { D(IKE) }`, `${peer} <-- INFORMATIONAL { }`]);
    expectNothingLeft(p);
    expect(p.clock.pending).toBe(2); // the two supervisors' cookie-secret rotations
    expect(p.ping()).toEqual([]);
  });
});
