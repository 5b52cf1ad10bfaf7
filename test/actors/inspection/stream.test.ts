/**
 * The inspection stream of two peers on virtual time: actors, IKE messages decoded (SK
 * contents included), rekeys, a failure, retransmissions, drops, ordering, bounded rings,
 * aged-out SAs, and silence when nobody listens.
 */
import { describe, expect, it } from 'vitest';
import type { InspectionEvent, PayloadView } from '../../../actors/inspection/events.js';
import { ExchangeType, HeaderFlag } from '../../../ipsec/ike/wire/constants.js';
import { encodeMessage } from '../../../ipsec/ike/wire/message.js';
import { utf8 } from '../../../ipsec/util/bytes.js';
import { ikeMessageOf } from '../../support/two-hosts.js';
import { type InspectedHost, inspectedHosts, ofKind } from './inspected-hosts.js';

const names = (views: readonly PayloadView[] | undefined): string[] => (views ?? []).map((v) => v.type);
const skChildren = (e: { payloads: readonly PayloadView[] }) =>
  e.payloads.find((p) => p.type === 'SK')?.children;
const messages = (h: InspectedHost, exchange: string, direction?: 'in' | 'out') =>
  ofKind(h.events, 'ike.message').filter(
    (m) => m.exchange.startsWith(`${exchange} `) && (direction === undefined || m.direction === direction),
  );

function established() {
  const peers = inspectedHosts();
  peers.client.supervisor.initiate('gw', 'net');
  peers.clock.advance(2000);
  expect(peers.client.supervisor.ikeSas[0]?.state).toBe('ESTABLISHED');
  return peers;
}

describe('inspection stream of two peers', () => {
  it('shows the actors, their snapshots and the IKE_SA_INIT / IKE_AUTH messages decoded', () => {
    const { client, gateway } = established();
    for (const h of [client, gateway]) {
      const created = ofKind(h.events, 'actor.created');
      expect(created.map((e) => [e.actor, e.actorKind, e.parent, e.machine])).toEqual([
        ['supervisor', 'supervisor', undefined, undefined],
        ['ike:1', 'ike-sa', 'supervisor', 'ikeSa'],
        ['child:1:1', 'child-sa', 'ike:1', 'childSa'],
      ]);
      const snaps = ofKind(h.events, 'actor.snapshot');
      const ike = snaps.filter((s) => s.actor === 'ike:1');
      expect(ike.at(-1)?.value).toEqual({ established: 'idle' });
      expect(ike.at(-1)?.ike?.state).toBe('ESTABLISHED');
      expect(ike.at(-1)?.ike?.proposal).toBe('aes128ctr-aesxcbc-prfsha256-ecp192');
      expect(snaps.filter((s) => s.actor === 'child:1:1').at(-1)?.child?.state).toBe('INSTALLED');
      // seq: 1, 2, 3, ... without gaps; time never goes back.
      expect(h.events.map((e) => e.seq)).toEqual(h.events.map((_, i) => i + 1));
      for (let i = 1; i < h.events.length; i++)
        expect(h.events[i]!.t).toBeGreaterThanOrEqual(h.events[i - 1]!.t);
    }
    // The initiator's IKE_SA_INIT request, out: SA with named transforms, KE, Ni, notifies.
    const [initOut] = messages(client, 'IKE_SA_INIT', 'out');
    expect(initOut).toMatchObject({ actor: 'ike:1', messageId: 0, response: false, initiatorFlag: true });
    expect(names(initOut!.payloads).slice(0, 3)).toEqual(['SA', 'KE', 'Ni']);
    const transforms = initOut!.payloads[0]!.children![0]!.children!.map((t) => t.fields['Transform ID']);
    expect([...transforms].sort()).toEqual([
      'AUTH_AES_XCBC_96 (5)',
      'ECP_192 (25)',
      'ENCR_AES_CTR (13)',
      'PRF_HMAC_SHA2_256 (5)',
    ]);
    // At the gateway it comes in before any IKE SA exists (the router spawns the responder).
    const [initIn] = messages(gateway, 'IKE_SA_INIT', 'in');
    expect(initIn?.actor).toBeUndefined();
    expect(messages(gateway, 'IKE_SA_INIT', 'out')[0]?.actor).toBe('ike:1');
    // IKE_AUTH both ways on both peers, SK opened with the SA's keys.
    for (const [h, dir] of [
      [client, 'out'],
      [gateway, 'in'],
    ] as const) {
      const [auth] = messages(h, 'IKE_AUTH', dir);
      expect(auth?.opaque).toBeUndefined();
      expect(names(skChildren(auth!))).toEqual(expect.arrayContaining(['IDi', 'AUTH', 'SA', 'TSi', 'TSr']));
      const idi = skChildren(auth!)!.find((p) => p.type === 'IDi');
      expect(idi?.fields['Identification Data']).toBe('alice@example.org');
      expect(skChildren(auth!)!.find((p) => p.type === 'AUTH')?.fields['Auth Method']).toBe(
        'SHARED_KEY_MIC (2)',
      );
    }
    const [authResp] = messages(client, 'IKE_AUTH', 'in');
    expect(names(skChildren(authResp!))).toEqual(expect.arrayContaining(['IDr', 'AUTH', 'SA', 'TSi', 'TSr']));
    expect(ofKind(client.events, 'ike.message').every((m) => !m.retransmission)).toBe(true);
    // The actor tree, for GET /api/actors.
    const tree = client.hub.snapshot().actors;
    expect(tree.map((n) => [n.id, n.parent])).toEqual([
      ['supervisor', undefined],
      ['ike:1', 'supervisor'],
      ['child:1:1', 'ike:1'],
    ]);
  });

  it('shows a Child SA rekey and an IKE SA rekey', () => {
    const { clock, client, gateway } = established();
    expect(client.supervisor.rekeyChild('net')).toBe(true);
    clock.advance(2000);
    const ccs = messages(client, 'CREATE_CHILD_SA', 'out')[0]!;
    expect(names(skChildren(ccs))).toEqual(expect.arrayContaining(['N', 'SA', 'Ni', 'TSi', 'TSr']));
    expect(skChildren(ccs)!.some((p) => p.fields['Notify Message Type'] === 'REKEY_SA (16393)')).toBe(true);
    const created = ofKind(gateway.events, 'actor.created').map((e) => e.actor);
    expect(created).toContain('child:1:2');
    expect(ofKind(gateway.events, 'actor.stopped').map((e) => e.actor)).toContain('child:1:1');

    expect(client.supervisor.rekeyIke('gw')).toBe(1);
    clock.advance(5000);
    const rekey = messages(client, 'CREATE_CHILD_SA', 'out').at(-1)!;
    const sa = skChildren(rekey)!.find((p) => p.type === 'SA')!;
    expect(sa.children?.[0]?.fields['Protocol ID']).toBe('IKE (1)');
    expect(ofKind(client.events, 'actor.created').map((e) => e.actor)).toContain('ike:2');
    expect(ofKind(client.events, 'actor.stopped').map((e) => e.actor)).toContain('ike:1');
    // The old IKE SA's Delete, decoded with its keys.
    const del = messages(client, 'INFORMATIONAL', 'out').find((m) => m.actor === 'ike:1');
    expect(names(skChildren(del!))).toEqual(['D']);
    expect(client.hub.snapshot().actors.find((n) => n.kind === 'ike-sa')?.id).toBe('ike:2');
  });

  it('shows a failure: AUTHENTICATION_FAILED, and the IKE SA ends', () => {
    const { clock, client } = (() => {
      const peers = inspectedHosts({
        clientSecrets: [{ name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: utf8('wrong') }],
      });
      peers.client.supervisor.initiate('gw', 'net');
      return peers;
    })();
    clock.advance(5000);
    const resp = messages(client, 'IKE_AUTH', 'in')[0]!;
    expect(skChildren(resp)!.map((p) => p.fields['Notify Message Type'])).toContain(
      'AUTHENTICATION_FAILED (24)',
    );
    const last = ofKind(client.events, 'actor.snapshot')
      .filter((s) => s.actor === 'ike:1')
      .at(-1);
    expect(last?.status).toBe('done');
    expect(last?.value).toBe('failed');
    expect(ofKind(client.events, 'actor.stopped').map((e) => e.actor)).toEqual(['ike:1']);
  });

  it('marks retransmissions, and shows drops with their reason', () => {
    const peers = inspectedHosts();
    const { clock, client, gateway, net } = peers;
    let dropped = 0;
    net.filter = (d) => {
      const m = ikeMessageOf(d);
      if (m?.header.exchangeType === ExchangeType.IKE_AUTH && dropped === 0) {
        dropped++;
        return false;
      }
      return true;
    };
    client.supervisor.initiate('gw', 'net');
    clock.advance(10_000);
    const auth = messages(client, 'IKE_AUTH', 'out');
    expect(auth.map((m) => m.retransmission)).toEqual([false, true]);
    expect(messages(gateway, 'IKE_AUTH', 'in').map((m) => m.retransmission)).toEqual([false]);

    // Garbage and an unknown SPI at the gateway: ike.drop and counters.
    const from = { address: '10.99.0.1', port: 500 };
    const to = { address: '10.99.0.2', port: 500 };
    client.transport.send(new Uint8Array(40).fill(7), from, to);
    const header = {
      spiI: new Uint8Array(8).fill(1),
      spiR: new Uint8Array(8).fill(2),
      majorVersion: 2,
      minorVersion: 0,
      exchangeType: ExchangeType.INFORMATIONAL,
      flags: HeaderFlag.I,
      messageId: 5,
    };
    client.transport.send(encodeMessage({ header, payloads: [] }), from, to);
    clock.advance(100);
    const drops = ofKind(gateway.events, 'ike.drop');
    expect(drops.map((d) => d.reason)).toEqual(['malformed', 'unknown-spi']);
    expect(drops[1]?.detail).toBe(`SPIs ${'01'.repeat(8)}/${'02'.repeat(8)}`);
    const counters = ofKind(gateway.events, 'counters').at(-1);
    expect(counters?.drops).toMatchObject({ malformed: 1, 'unknown-spi': 1 });
    expect(counters?.ikeSas).toEqual({ ESTABLISHED: 1 });
  });

  it("marks a peer's retransmitted request and the response sent again from cache", () => {
    const { clock, client, gateway, net } = inspectedHosts();
    let dropped = 0;
    net.filter = (d) => {
      const m = ikeMessageOf(d);
      const response = m !== undefined && (m.header.flags & HeaderFlag.R) !== 0;
      if (m?.header.exchangeType === ExchangeType.IKE_AUTH && response && dropped === 0) {
        dropped++;
        return false;
      }
      return true;
    };
    client.supervisor.initiate('gw', 'net');
    clock.advance(10_000);
    expect(messages(gateway, 'IKE_AUTH', 'in').map((m) => m.retransmission)).toEqual([false, true]);
    expect(messages(gateway, 'IKE_AUTH', 'out').map((m) => m.retransmission)).toEqual([false, true]);
    expect(messages(client, 'IKE_AUTH', 'in').map((m) => m.retransmission)).toEqual([false]);
  });

  it('shows IKE fragments (RFC 7383) with their numbers, then each whole message decoded', () => {
    const { clock, client, gateway } = inspectedHosts({ daemon: { fragment_size: 160 } });
    client.supervisor.initiate('gw', 'net');
    clock.advance(2000);
    expect(client.supervisor.ikeSas[0]?.state).toBe('ESTABLISHED');
    const all = messages(client, 'IKE_AUTH', 'out');
    const out = all.filter((m) => !m.reassembled);
    expect(out.length).toBeGreaterThan(1);
    expect(out.map((m) => m.fragment?.number)).toEqual(out.map((_, i) => i + 1));
    expect(out.every((m) => m.fragment?.total === out.length && m.opaque === 'not yet reassembled')).toBe(
      true,
    );
    expect(names(out[0]!.payloads)).toEqual(['SKF']);
    // After the last fragment: the whole request, its SK contents decoded, in both hosts' streams.
    for (const [h, direction] of [
      [client, 'out'],
      [gateway, 'in'],
    ] as const) {
      const whole = messages(h, 'IKE_AUTH', direction).filter((m) => m.reassembled && !m.response);
      expect(whole).toHaveLength(1);
      expect(whole[0]!.reassembled).toEqual({ fragments: out.length });
      expect(whole[0]!.length).toBe(out.reduce((n, m) => n + m.length, 0));
      expect(names(skChildren(whole[0]!))).toEqual(
        expect.arrayContaining(['IDi', 'AUTH', 'SA', 'TSi', 'TSr']),
      );
      if (h === client) expect(h.events.indexOf(whole[0]!)).toBeGreaterThan(h.events.indexOf(out.at(-1)!)); // after its last fragment
    }
    expect(messages(gateway, 'IKE_AUTH', 'in').filter((m) => !m.reassembled)).toHaveLength(out.length);
    // The response came in fragments too, and is shown whole at the client.
    const response = messages(client, 'IKE_AUTH', 'in').filter((m) => m.reassembled);
    expect(names(skChildren(response[0]!))).toEqual(expect.arrayContaining(['IDr', 'AUTH', 'SA']));
  });

  it('keeps a bounded ring per SA and ages out ended SAs', () => {
    const peers = inspectedHosts({ hub: { ringSize: 25, endedActors: 1 }, listen: true });
    const { clock, client } = peers;
    client.supervisor.initiate('gw', 'net');
    clock.advance(2000);
    for (let i = 0; i < 5; i++) {
      client.supervisor.rekeyChild('net');
      clock.advance(2000);
    }
    const ike1 = client.events.filter((e) => 'actor' in e && e.actor === 'ike:1');
    expect(ike1.length).toBeGreaterThan(25);
    const ring = client.hub.events('ike:1');
    expect(ring).toHaveLength(25);
    expect(ring).toEqual(ike1.slice(-25)); // the newest, in order
    // Ended Child SAs: only the last one keeps its ring.
    const stopped = ofKind(client.events, 'actor.stopped').map((e) => e.actor);
    expect(stopped.length).toBeGreaterThanOrEqual(3);
    expect(client.hub.events(stopped.at(-1)!)).not.toHaveLength(0);
    expect(client.hub.events(stopped[0]!)).toHaveLength(0);
    expect(client.hub.actorsWithEvents()).not.toContain(stopped[0]);
    // history(): every kept event, in seq order.
    const seqs = client.hub.history().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('publishes nothing while nobody listens, and starts from seq 1 when someone does', () => {
    const { clock, client } = inspectedHosts({ listen: false });
    expect(client.hub.active).toBe(false);
    client.supervisor.initiate('gw', 'net');
    clock.advance(2000);
    expect(client.hub.history()).toEqual([]);
    expect(client.hub.publish({ kind: 'actor.stopped', actor: 'x' })).toBeUndefined();
    // The tree still answers (from the live supervisor).
    expect(client.hub.snapshot().actors.map((n) => n.id)).toEqual(['supervisor', 'ike:1', 'child:1:1']);
    const seen: InspectionEvent[] = [];
    const off = client.hub.subscribe((e) => seen.push(e));
    client.supervisor.rekeyChild('net');
    clock.advance(2000);
    off();
    expect(seen[0]?.seq).toBe(1);
    // Actors created before are announced when they first show up.
    expect(ofKind(seen, 'actor.created').map((e) => e.actor)).toEqual(
      expect.arrayContaining(['supervisor', 'ike:1', 'child:1:2']),
    );
    const n = seen.length;
    client.supervisor.rekeyChild('net');
    clock.advance(2000);
    expect(seen).toHaveLength(n);
    expect(client.hub.active).toBe(false);
    // A new listener: the live actors are inspected again.
    const again: InspectionEvent[] = [];
    client.hub.subscribe((e) => again.push(e));
    client.supervisor.rekeyChild('net');
    clock.advance(2000);
    expect(ofKind(again, 'actor.snapshot').some((e) => e.actor === 'ike:1')).toBe(true);
    expect(ofKind(again, 'ike.message').some((e) => e.exchange.startsWith('CREATE_CHILD_SA'))).toBe(true);
    expect(ofKind(again, 'actor.stopped').length).toBeGreaterThan(0);
  });
});
