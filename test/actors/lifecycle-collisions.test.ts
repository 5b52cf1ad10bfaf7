/**
 * Exchange collisions (RFC 7296 §2.8.1, §2.8.2, §2.25): both peers start an exchange on the
 * same SA at the same virtual instant, so the two requests cross on the wire. The network has
 * 5 ms latency plus up to 4 ms jitter, so across seeds either request may arrive first; the
 * nonces and the random retry delays (2-10 s after TEMPORARY_FAILURE) vary with the seed too.
 *
 * Implementation choice (machines/ike-sa.established.ts): a simultaneous rekey of the same SA
 * is refused on both sides with TEMPORARY_FAILURE (the RFC's "reply as usual and delete the
 * redundant SA with the lowest nonce" is a SHOULD); the first to retry wins. The suites check
 * the end state whatever the interleaving, plus the §2.25 SHOULDs the code claims to follow.
 */
import { describe, expect, it } from 'vitest';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { NotifyError } from '../../ipsec/ike/wire/notify-types.js';
import { fromHex } from '../../ipsec/util/bytes.js';
import { CLIENT_ADDR, GATEWAY_ADDR } from '../support/ike-peers.js';
import { ikeMessageOf } from '../support/two-hosts.js';
import {
  CONN,
  childSpis,
  expectNothingLeft,
  expectSteadyState,
  isChildRekey,
  isIkeRekey,
  onlyIke,
  type Peers,
  proposedEspSpis,
  type SeenIke,
  type Side,
  startPeers,
  trace,
} from './lifecycle-harness.js';

const SEEDS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
const NETWORK = { latencyMs: 5, jitterMs: 4 };
const SETTLE_MS = 60_000;

const other = (s: Side): Side => (s === 'client' ? 'gateway' : 'client');
const ikeSpi = (p: Peers) => onlyIke(p, 'client').ourSpi;
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
const nonceOf = (m: SeenIke) => m.payloads?.find((x) => x.type === PayloadType.NONCE);

/** The response to request `req` (same sender pair, same Message ID and IKE SA). */
function responseTo(p: Peers, req: SeenIke): SeenIke | undefined {
  return p.ike.find(
    (m) =>
      m.response &&
      m.from !== req.from &&
      m.messageId === req.messageId &&
      m.ikeSpis === req.ikeSpis &&
      m.exchangeType === req.exchangeType &&
      m.at >= req.at,
  );
}
const refused = (m: SeenIke | undefined) =>
  (m?.payloads ?? []).some((x) => x.type === PayloadType.N && x.notifyType === NotifyError.TEMPORARY_FAILURE);

/** Requests matching `kind` that were answered with something else than TEMPORARY_FAILURE. */
const winners = (p: Peers, kind: (m: SeenIke) => boolean) =>
  p.ike.filter((m) => kind(m) && !refused(responseTo(p, m))).map((m) => m.from);

/**
 * SPIs proposed in CREATE_CHILD_SA exchanges that did not become a Child SA must be released
 * (allocSpi reserves them in the SAD): deleting a still-reserved SPI succeeds, so a success
 * here is a leaked larval SA.
 */
function leakedReservations(p: Peers, side: Side, installed: readonly string[]): string[] {
  const backend = p.host(side).esp.backend;
  return proposedEspSpis(p, side)
    .filter((spi) => !installed.includes(spi))
    .filter((spi) => backend.deleteSa({ spi: fromHex(spi), direction: 'in' }).ok);
}

describe('simultaneous Child SA rekey (§2.8.1, §2.25.1)', () => {
  /*
   *  client  CREATE_CHILD_SA { N(REKEY_SA, c.in), SA, Ni, KEi, TSi, TSr }  -->  (crossing)
   *          <--  CREATE_CHILD_SA { N(REKEY_SA, g.in), SA, Ni, KEi, TSi, TSr }  gateway
   *  client  --> { SA, Nr, KEr, TSi, TSr }          { SA, Nr, KEr, TSi, TSr } <--  gateway
   *  Both exchanges complete (§2.8.1). The new SA of the exchange holding the lowest of the four
   *  nonces is redundant: its initiator deletes it; the other initiator deletes the old SA.
   *  INFORMATIONAL { D(ESP) } -->   and   <-- INFORMATIONAL { D(ESP) }
   */
  const seen = new Set<string>();
  it.each(SEEDS)('seed %s: one Child SA pair with fresh SPIs, both ends agree', (seed) => {
    const p = startPeers({ seed, network: NETWORK });
    const before = childSpis(p, 'client').net![0]!;
    expect(p.client.supervisor.rekeyChild('net')).toBe(true);
    expect(p.gateway.supervisor.rekeyChild('net')).toBe(true);
    p.clock.advance(SETTLE_MS);
    const won = winners(p, isChildRekey);
    expect(won.sort()).toEqual(['client', 'gateway']); // both exchanges complete (§2.8.1)
    // The surviving SA's exchange is the one without the lowest of the four nonces.
    const exchange = (side: Side) => {
      const req = p.ike.find((m) => isChildRekey(m) && m.from === side)!;
      const res = responseTo(p, req)!;
      return [nonceOf(req), nonceOf(res)].flatMap((x) => (x?.type === PayloadType.NONCE ? [x.data] : []));
    };
    const all = [
      ...exchange('client').map((n) => ({ n, side: 'client' as Side })),
      ...exchange('gateway').map((n) => ({ n, side: 'gateway' as Side })),
    ];
    const lowest = all.reduce((a, b) => (compareBytes(b.n, a.n) < 0 ? b : a));
    const survivor: Side = lowest.side === 'client' ? 'gateway' : 'client';
    console.log(
      `child rekey collision, seed ${seed}: lowest nonce in the ${lowest.side}'s exchange, ${survivor}'s SA survives`,
    );
    seen.add(`winner:${survivor}`);
    const now = childSpis(p, 'client').net![0]!;
    expect(now.in).not.toBe(before.in);
    expect(now.out).not.toBe(before.out);
    expectSteadyState(p, ['net']);
    for (const side of ['client', 'gateway'] as const)
      expect(leakedReservations(p, side, [childSpis(p, side).net![0]!.in]), `${side} reserved SPIs`).toEqual(
        [],
      );
  });
  it('across the seeds, each side won at least once', () => {
    expect([...seen].sort()).toEqual(['winner:client', 'winner:gateway']);
  });
});

describe('simultaneous IKE SA rekey (§2.8.2)', () => {
  /*
   *  client  CREATE_CHILD_SA { SA(IKE), Ni, KEi }  -->  (crossing)  <--  { SA(IKE), Ni, KEi }  gateway
   *  client  --> { SA(IKE), Nr, KEr }                              <--  { SA(IKE), Nr, KEr }  gateway
   *  Both complete. The new IKE SA of the exchange with the lowest of the four nonces is
   *  redundant: its creator deletes it (INFORMATIONAL { D(IKE) } on it); the other creator
   *  deletes the old IKE SA; the Child SA moves to the surviving one.
   */
  const seen = new Set<string>();
  it.each(SEEDS)('seed %s: one new IKE SA per side, the Child SA moved', (seed) => {
    const p = startPeers({ seed, network: NETWORK });
    const oldSpi = ikeSpi(p);
    const children = { client: childSpis(p, 'client'), gateway: childSpis(p, 'gateway') };
    expect(p.client.supervisor.rekeyIke(CONN.client)).toBe(1);
    expect(p.gateway.supervisor.rekeyIke(CONN.gateway)).toBe(1);
    p.clock.advance(SETTLE_MS);
    const won = winners(p, isIkeRekey);
    expect(won.sort()).toEqual(['client', 'gateway']); // both exchanges complete (§2.8.2)
    const exchange = (side: Side) => {
      const req = p.ike.find((m) => isIkeRekey(m) && m.from === side)!;
      const res = responseTo(p, req)!;
      return [nonceOf(req), nonceOf(res)].flatMap((x) => (x?.type === PayloadType.NONCE ? [x.data] : []));
    };
    const all = [
      ...exchange('client').map((n) => ({ n, side: 'client' as Side })),
      ...exchange('gateway').map((n) => ({ n, side: 'gateway' as Side })),
    ];
    const lowest = all.reduce((a, b) => (compareBytes(b.n, a.n) < 0 ? b : a));
    const survivor: Side = lowest.side === 'client' ? 'gateway' : 'client';
    console.log(
      `IKE rekey collision, seed ${seed}: lowest nonce in the ${lowest.side}'s exchange, ${survivor}'s IKE SA survives`,
    );
    seen.add(`winner:${survivor}`);
    expect(ikeSpi(p)).not.toBe(oldSpi);
    expect(childSpis(p, 'client')).toEqual(children.client);
    expect(childSpis(p, 'gateway')).toEqual(children.gateway);
    expectSteadyState(p, ['net']);
    // The survivor's creator is the original initiator of the new IKE SA (§2.18).
    const role = (s: Side) => onlyIke(p, s).actor.getSnapshot().context.session.role;
    expect(role(survivor)).toBe('initiator');
    expect(role(other(survivor))).toBe('responder');
  });
  it('across the seeds, each side won at least once', () => {
    expect([...seen].sort()).toEqual(['winner:client', 'winner:gateway']);
  });
});

describe.each(['client', 'gateway'] as const)(
  'the %s rekeys a Child SA the other deletes (§2.25.1)',
  (rekeyer) => {
    /*
     *  R  CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr }  -->  (crossing)
     *                                         <--  INFORMATIONAL { D(ESP) }  D
     *  R  --> INFORMATIONAL { D(ESP) }     (§2.25.1: a delete of an SA being rekeyed is answered as usual)
     *                                         <--  { N(TEMPORARY_FAILURE) }  D  (rekey of an SA being closed)
     *  R's retry finds no Child SA and is dropped: no Child SA is left, the IKE SA stays.
     */
    const deleter = other(rekeyer);
    it.each(SEEDS)('seed %s', (seed) => {
      const p = startPeers({ seed, network: NETWORK });
      const mark = p.ike.length;
      expect(p.host(rekeyer).supervisor.rekeyChild('net')).toBe(true);
      expect(p.host(deleter).supervisor.deleteChild('net')).toBe(true);
      p.clock.advance(SETTLE_MS);
      const lines = trace(p, mark);
      expect(lines).toContain(`${rekeyer} <-- INFORMATIONAL { D(ESP) }`);
      expect(lines).toContain(`${deleter} <-- CREATE_CHILD_SA { N(TEMPORARY_FAILURE) }`);
      expectSteadyState(p, [], false);
      for (const side of ['client', 'gateway'] as const) {
        expect(p.host(side).esp.backend.listSas()).toEqual([]);
        expect(p.host(side).esp.backend.listPolicies()).toEqual([]);
        expect(leakedReservations(p, side, []), `${side} reserved SPIs`).toEqual([]);
      }
      // The IKE SA still works: a new Child SA can be created.
      expect(p.client.supervisor.createChild(CONN.client, 'net')).toBe(1);
      p.clock.advance(1000);
      expectSteadyState(p, ['net']);
    });
  },
);

describe.each(['client', 'gateway'] as const)(
  'the %s rekeys the IKE SA while the other rekeys a Child SA (§2.25)',
  (ikeRekeyer) => {
    /*
     *  I  CREATE_CHILD_SA { SA(IKE), Ni, KEi }  -->  (crossing)
     *                     <--  CREATE_CHILD_SA { N(REKEY_SA), SA(ESP), Ni, KEi, TSi, TSr }  C
     *  I  --> { N(TEMPORARY_FAILURE) }   (§2.25.1: rekeying the IKE SA, a Child SA rekey waits)
     *                     <--  { N(TEMPORARY_FAILURE) }  C  (§2.25.2: "If a peer receives a request
     *                           to rekey the IKE SA, and it is currently creating, rekeying, or
     *                           closing a Child SA of that IKE SA, it SHOULD reply with TEMPORARY_FAILURE")
     *  Both retry later; in the end the IKE SA AND the Child SA are rekeyed.
     */
    const childRekeyer = other(ikeRekeyer);
    it.each(SEEDS)('seed %s', (seed) => {
      const p = startPeers({ seed, network: NETWORK });
      const oldSpi = ikeSpi(p);
      const before = childSpis(p, 'client').net![0]!;
      expect(p.host(ikeRekeyer).supervisor.rekeyIke(CONN[ikeRekeyer])).toBe(1);
      expect(p.host(childRekeyer).supervisor.rekeyChild('net')).toBe(true);
      p.clock.advance(SETTLE_MS);
      const firstIkeRekey = p.ike.find(isIkeRekey)!;
      const firstChildRekey = p.ike.find(isChildRekey)!;
      console.log(
        `IKE rekey (${ikeRekeyer}) vs child rekey (${childRekeyer}), seed ${seed}:`,
        `IKE rekey ${refused(responseTo(p, firstIkeRekey)) ? 'refused' : 'accepted'},`,
        `child rekey ${refused(responseTo(p, firstChildRekey)) ? 'refused' : 'accepted'},`,
        `completed: IKE by ${winners(p, isIkeRekey).join(',')}, child by ${winners(p, isChildRekey).join(',')}`,
      );
      expect(refused(responseTo(p, firstChildRekey)), 'child rekey during the IKE rekey').toBe(true);
      expect(refused(responseTo(p, firstIkeRekey)), 'IKE rekey during the child rekey').toBe(true);
      expect(ikeSpi(p)).not.toBe(oldSpi);
      const now = childSpis(p, 'client').net![0]!;
      expect(now.in, 'the Child SA was rekeyed in the end').not.toBe(before.in);
      expectSteadyState(p, ['net']);
    });
  },
);

describe('simultaneous deletes', () => {
  /*
   *  client  INFORMATIONAL { D(IKE) }  -->  (crossing)  <--  INFORMATIONAL { D(IKE) }  gateway
   *  each answers { } and closes: nothing is left on either side.
   */
  it.each(SEEDS.slice(0, 3))('of the IKE SA, seed %s', (seed) => {
    const p = startPeers({ seed, network: NETWORK, children: ['net', 'net2'] });
    p.client.supervisor.terminate(CONN.client);
    p.gateway.supervisor.terminate(CONN.gateway);
    p.clock.advance(SETTLE_MS);
    expectNothingLeft(p);
    expect(p.clock.pending).toBe(2);
  });
  /*
   *  client  INFORMATIONAL { D(ESP, c.in) }  -->  (crossing)  <--  INFORMATIONAL { D(ESP, g.in) }  gateway
   *  both remove the Child SA; the other one and the IKE SA stay.
   */
  it.each(SEEDS.slice(0, 3))('of a Child SA, seed %s', (seed) => {
    const p = startPeers({ seed, network: NETWORK, children: ['net', 'net2'] });
    p.client.supervisor.deleteChild('net2');
    p.gateway.supervisor.deleteChild('net2');
    p.clock.advance(SETTLE_MS);
    expectSteadyState(p, ['net']);
  });
});

describe.each(['client', 'gateway'] as const)(
  'the %s deletes a Child SA, the answer is lost, the other rekeys the IKE SA (§2.25.2)',
  (deleter) => {
    /*
     *  D  INFORMATIONAL { D(ESP, net2) }  -->                     (P removes net2 and answers)
     *                                     <--  { D(ESP) }  P      (lost)
     *                    <--  CREATE_CHILD_SA { SA(IKE), Ni, KEi }  P
     *  D  --> { N(TEMPORARY_FAILURE) }    (§2.25.2: D is closing a Child SA of this IKE SA)
     *  D  INFORMATIONAL { D(ESP, net2) }  -->  (retransmitted)   <--  { D(ESP) }  P  (from its cache)
     *  P retries the IKE rekey later. End: net2 is gone on both sides, 'net' moved to the new IKE SA.
     */
    const rekeyer = other(deleter);
    it('leaves no stale Child SA', () => {
      const p = startPeers({ seed: `del-lost-${deleter}`, children: ['net', 'net2'] });
      let dropped = 0;
      p.net.filter = (d) => {
        const m = ikeMessageOf(d);
        const lose =
          dropped === 0 &&
          m?.header.exchangeType === ExchangeType.INFORMATIONAL &&
          d.remote.address === (rekeyer === 'client' ? CLIENT_ADDR.address : GATEWAY_ADDR.address);
        if (lose) dropped++;
        return !lose;
      };
      const oldSpi = ikeSpi(p);
      expect(p.host(deleter).supervisor.deleteChild('net2')).toBe(true);
      p.clock.advance(20);
      expect(dropped).toBe(1);
      expect(p.host(rekeyer).supervisor.rekeyIke(CONN[rekeyer])).toBe(1);
      p.clock.advance(SETTLE_MS);
      expect(ikeSpi(p)).not.toBe(oldSpi);
      expectSteadyState(p, ['net']);
    });
  },
);
