/**
 * IKE fragmentation (RFC 7383) between two supervisors on virtual time: a small
 * daemon.fragment_size makes IKE_AUTH (and CREATE_CHILD_SA with a key exchange) go out as
 * Encrypted Fragment payloads both ways; lost fragments are recovered by retransmitting every
 * fragment (§2.6.1: only fragment 1 of a retransmitted request resends the response); the
 * swanctl modes decide who fragments; limits, the per-transport overhead hook and the counters.
 *
 *   client 10.99.0.1 (initiator: fragments its requests)  <->  gateway 10.99.0.2 (responder)
 */
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FragmentSizeError } from '../../actors/ike-fragments.js';
import { createIpsecHost, type IpsecHostOptions } from '../../actors/ipsec-host.js';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import { type ConnectionConfig, DAEMON_DEFAULTS, type DaemonConfig } from '../../ipsec/config/model.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { DEFAULT_FRAGMENT_LIMITS } from '../../ipsec/ike/fragment/limits.js';
import { openSk } from '../../ipsec/ike/sk.js';
import { decodePayloadChain } from '../../ipsec/ike/wire/chain.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { NotifyError, NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { answerEcho } from '../../ipsec/packet/echo.js';
import { equalBytes } from '../../ipsec/util/bytes.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import { MemoryNetwork } from '../../transport/memory.js';
import type { Datagram } from '../../transport/types.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, clientConfig, GATEWAY_ADDR, gatewayConfig } from '../support/ike-peers.js';
import {
  captureIke,
  DEFAULT_SECRETS,
  type IkeCapture,
  icmpType,
  ikeContext,
  ikeMessageOf,
  ikePhase,
  informationalFragments,
  memoryLogger,
  type TwoHostOptions,
  twoHosts,
} from '../support/two-hosts.js';

const AUTH = ExchangeType.IKE_AUTH;
const INIT = ExchangeType.IKE_SA_INIT;

const skfOf = (payloads: readonly Payload[]) => {
  const last = payloads.at(-1);
  return last?.type === PayloadType.SKF ? last : undefined;
};
const isAuth = (m: IkeCapture, response: boolean) =>
  m.header.exchangeType === AUTH && isResponse(m.header) === response;
/** The fragment (number, total) a datagram carries, if it is an IKE_AUTH SKF message. */
const authFragment = (d: Datagram, response: boolean) => {
  const m = ikeMessageOf(d);
  if (!m || m.header.exchangeType !== AUTH || isResponse(m.header) !== response) return undefined;
  return skfOf(m.payloads);
};

function setup(o: TwoHostOptions = {}) {
  const w = twoHosts({ ...o, daemon: { fragment_size: 160, ...o.daemon } });
  const wire = captureIke(w.net, w.clock);
  return { ...w, wire };
}

function pingThrough(w: ReturnType<typeof setup>) {
  const before = w.client.received.length;
  w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
  w.clock.advance(100);
  return w.client.received.slice(before).map(icmpType);
}

const dropped = (h: IkeSaHandle) =>
  Object.entries(ikeContext(h).fragments.counters.dropped).filter(([, n]) => n > 0);

describe('IKE_AUTH fragmented both ways (fragment_size 160 over UDP/IPv4: 132 octets of IKE message)', () => {
  it('the request and the response go out as SKF fragments of at most 132 octets; the Child SA works', () => {
    const w = setup();
    const ike = w.client.supervisor.initiate('gw', 'net');
    /* IKE_SA_INIT { SAi1, KEi, Ni, N(IKEV2_FRAGMENTATION_SUPPORTED) }  -->  <-- { ..., N(IKEV2_FRAGMENTATION_SUPPORTED) } */
    /* IKE_AUTH SKF(1/n) .. SKF(n/n)  -->   <--  IKE_AUTH SKF(1/m) .. SKF(m/m) */
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = w.gateway.supervisor.ikeSas;

    // §2.3: both announced support in IKE_SA_INIT, which is never fragmented (§2.5.1)
    const init = w.wire.filter((m) => m.header.exchangeType === INIT);
    expect(init).toHaveLength(2);
    for (const m of init) {
      expect(skfOf(m.payloads)).toBeUndefined();
      expect(
        m.payloads.some(
          (p) => p.type === PayloadType.N && p.notifyType === NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED,
        ),
      ).toBe(true);
    }
    expect(ikeContext(ike).session.peerFragmentation).toBe(true);
    expect(ikeContext(gw!).session.peerFragmentation).toBe(true);

    for (const response of [false, true]) {
      const auth = w.wire.filter((m) => isAuth(m, response));
      expect(auth.length).toBeGreaterThan(1);
      auth.forEach((m, i) => {
        const skf = skfOf(m.payloads)!;
        expect(m.header.nextPayload).toBe(PayloadType.SKF);
        expect(skf.fragmentNumber).toBe(i + 1);
        expect(skf.totalFragments).toBe(auth.length);
        expect(skf.firstInnerPayload === 0).toBe(i > 0); // §2.5.3: Next Payload only in fragment 1
        expect(m.data.length).toBeLessThanOrEqual(160 - 20 - 8);
        expect(m.header.messageId).toBe(1);
      });
    }
    const c = ikeContext(ike).fragments.counters;
    const g = ikeContext(gw!).fragments.counters;
    expect(c.fragmentedMessages).toBe(1);
    expect(c.sent).toBe(w.wire.filter((m) => isAuth(m, false)).length);
    expect(c.reassembled).toBe(1);
    expect(g.received).toBe(c.sent);
    expect(g.reassembled).toBe(1);
    expect(g.sent).toBe(c.received);
    expect(dropped(ike)).toEqual([]);
    expect(dropped(gw!)).toEqual([]);
    expect(pingThrough(w)).toEqual([0]);
  });

  it('CREATE_CHILD_SA with a key exchange is fragmented too (established state), both directions', () => {
    const w = setup({
      client: { esp_proposals: ['aes128ctr-aesxcbc-ecp256'] },
      gateway: { esp_proposals: ['aes128ctr-aesxcbc-ecp256'] },
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    expect(w.client.supervisor.rekeyChild(ike.children[0]!.record.spiIn)).toBe(true);
    w.clock.advance(1000);
    const rekey = w.wire.filter((m) => m.header.exchangeType === ExchangeType.CREATE_CHILD_SA);
    expect(rekey.length).toBeGreaterThan(2);
    expect(rekey.every((m) => skfOf(m.payloads) !== undefined)).toBe(true);
    expect(rekey.some((m) => isResponse(m.header))).toBe(true);
    expect(ike.children).toHaveLength(1);
    expect(ike.children[0]!.record.rekeyOf).toBeDefined();
    expect(pingThrough(w)).toEqual([0]);
  });

  it('IKE on the NAT-T port (encap = yes): the non-ESP marker comes off the budget', () => {
    const w = setup({ client: { encap: true }, gateway: { encap: true } });
    const sent: Datagram[] = [];
    const previous = w.net.onSend;
    w.net.onSend = (d) => {
      previous?.(d);
      sent.push(d);
    };
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    expect(ike.natT).toBe(true);
    const auth = sent.filter((d) => authFragment(d, false) || authFragment(d, true));
    expect(auth.length).toBeGreaterThan(2);
    for (const d of auth) {
      expect(d.local.port).toBe(4500);
      expect(d.data.length).toBeLessThanOrEqual(160 - 20 - 8); // UDP payload: marker + IKE
    }
    expect(auth.some((d) => d.data.length === 160 - 28)).toBe(true); // the budget is used up
  });
});

describe('loss and retransmission (RFC 7383 §2.6.1)', () => {
  it('a lost request fragment: the client resends every fragment, identical; the gateway counts the duplicates', () => {
    const w = setup();
    let lost = 0;
    w.net.filter = (d) => !(authFragment(d, false)?.fragmentNumber === 2 && lost++ === 0);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('initiator.auth.waiting');
    w.clock.advance(4000); // retransmit_timeout
    expect(ike.state).toBe('ESTABLISHED');
    const requests = w.wire.filter((m) => isAuth(m, false));
    const n = skfOf(requests[0]!.payloads)!.totalFragments;
    expect(requests).toHaveLength(2 * n);
    for (let i = 0; i < n; i++) expect(equalBytes(requests[i]!.data, requests[n + i]!.data)).toBe(true);
    const [gw] = w.gateway.supervisor.ikeSas;
    // resent fragment 1 is a duplicate, fragment 2 completes the message, and the rest belong to
    // a request already answered (§2.6.1: ignored)
    expect(n).toBeGreaterThan(2);
    expect(ikeContext(gw!).fragments.counters.dropped.duplicate).toBe(1);
    expect(ikeContext(gw!).fragments.counters.dropped.retransmitted).toBe(n - 2);
    expect(ikeContext(gw!).fragments.counters.reassembled).toBe(1);
    expect(ikeContext(ike).stats.retransmits).toBe(1);
    expect(ikeContext(ike).fragments.counters.sent).toBe(2 * n);
    expect(pingThrough(w)).toEqual([0]);
  });

  it('a lost response fragment: fragment 1 of the resent request brings every response fragment back, the others are ignored', () => {
    const w = setup();
    let lost = 0;
    w.net.filter = (d) => {
      const f = authFragment(d, true);
      return !(f && f.fragmentNumber === f.totalFragments && lost++ === 0);
    };
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(5000);
    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = w.gateway.supervisor.ikeSas;
    const requests = w.wire.filter((m) => isAuth(m, false));
    const responses = w.wire.filter((m) => isAuth(m, true));
    const n = requests.length / 2;
    const m = responses.length / 2;
    expect(Number.isInteger(n) && Number.isInteger(m)).toBe(true);
    for (let i = 0; i < m; i++) expect(equalBytes(responses[i]!.data, responses[m + i]!.data)).toBe(true);
    const g = ikeContext(gw!);
    expect(g.stats.retransmittedResponses).toBe(1); // once, for fragment 1
    expect(g.fragments.counters.dropped.retransmitted).toBe(n - 1); // §2.6.1: the others
    expect(g.fragments.counters.reassembled).toBe(1); // processed once
    expect(ikeContext(ike).fragments.counters.dropped.duplicate).toBe(m - 1);
    expect(gw?.children).toHaveLength(1);
    expect(pingThrough(w)).toEqual([0]);
  });

  for (const seed of ['a', 'b', 'c', 'd', 'e']) {
    it(`a lossy, duplicating, reordering network (seed ${seed}): established, each side reassembled once`, () => {
      const w = setup({ seed, network: { loss: 0.15, duplicate: 0.15, jitterMs: 20 } });
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(200_000);
      const gws = w.gateway.supervisor.ikeSas;
      // these seeds lose fragments of IKE_AUTH and still get through by retransmission
      expect(ike.state).toBe('ESTABLISHED');
      expect(gws.filter((h) => h.state === 'ESTABLISHED')).toHaveLength(1);
      expect(gws[0]!.children[0]!.record.spiOut).toEqual(ike.children[0]!.record.spiIn);
      const c = w.client.supervisor.fragmentCounters();
      const g = w.gateway.supervisor.fragmentCounters();
      expect(c.reassembled).toBe(1);
      expect(g.reassembled).toBe(1);
      // nothing but loss-induced drops: no integrity failure, nothing malformed
      for (const k of ['integrity', 'malformed', 'invalidNumber', 'staleTotal', 'tooLarge'] as const)
        expect(c.dropped[k] + g.dropped[k]).toBe(0);
      expect(w.net.stats.lost).toBeGreaterThan(0);
    });
  }
});

describe('swanctl fragmentation modes (strongSwan semantics)', () => {
  const authSkf = (w: ReturnType<typeof setup>, response: boolean) =>
    w.wire.filter((m) => isAuth(m, response)).map((m) => skfOf(m.payloads) !== undefined);
  const run = (client: ConnectionConfig['fragmentation'], gateway: ConnectionConfig['fragmentation']) => {
    const w = setup({
      clientConnections: [{ ...clientConfig(), fragmentation: client }],
      gatewayConnections: [{ ...gatewayConfig(), fragmentation: gateway }],
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    expect(pingThrough(w)).toEqual([0]);
    return { request: authSkf(w, false), response: authSkf(w, true), ike, w };
  };

  it('accept: announces support and receives fragments, but sends its own messages whole', () => {
    const r = run('accept', 'yes');
    expect(r.request).toEqual([false]);
    expect(r.response.length).toBeGreaterThan(1);
    expect(r.response.every(Boolean)).toBe(true);
  });

  it('no: does not announce support, so a peer with yes sends whole messages too', () => {
    const r = run('no', 'yes');
    expect(r.request).toEqual([false]);
    expect(r.response).toEqual([false]);
    expect(ikeContext(r.ike).session.peerFragmentation).toBeUndefined(); // the gateway did not answer it (§2.3)
  });

  it('force: fragments even though the peer did not announce support (and the peer accepts, as strongSwan)', () => {
    const r = run('force', 'no');
    expect(r.request.length).toBeGreaterThan(1);
    expect(r.request.every(Boolean)).toBe(true);
    expect(r.response).toEqual([false]);
  });
});

/** A host like two-hosts.ts createHost, with the transport hooks of IpsecHostOptions. */
function hostWith(
  name: string,
  net: MemoryNetwork,
  clock: VirtualClock,
  address: string,
  connection: ConnectionConfig,
  daemon: Partial<DaemonConfig>,
  extra: Pick<IpsecHostOptions, 'ikeDatagramOverhead' | 'fragmentLimits' | 'logger'>,
) {
  const d = { ...DAEMON_DEFAULTS, ...daemon };
  const transport = net.bind({ address, port: d.port }, { address, port: d.port_nat_t });
  const host = createIpsecHost({
    config: { daemon: d, connections: [connection], secrets: DEFAULT_SECRETS },
    provider: nobleProvider,
    random: seededRandom(`frag/${name}`),
    clock,
    transport,
    ...extra,
  });
  const received: Uint8Array[] = [];
  host.esp.pipeline.delivered$.pipe(filter((p) => p.spi !== undefined)).subscribe((p) => {
    const reply = answerEcho(p.packet);
    if (reply.ok) host.esp.pipeline.send(reply.value);
    else received.push(p.packet);
  });
  return { ...host, received };
}

function hookedPair(
  daemon: Partial<DaemonConfig>,
  client: Pick<IpsecHostOptions, 'ikeDatagramOverhead' | 'fragmentLimits' | 'logger'>,
  gateway: Pick<IpsecHostOptions, 'ikeDatagramOverhead' | 'fragmentLimits' | 'logger'>,
  gatewayConnection: ConnectionConfig = gatewayConfig(),
) {
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({ clock, latencyMs: 5 });
  const wire = captureIke(net, clock);
  const c = hostWith('client', net, clock, CLIENT_ADDR.address, clientConfig(), daemon, client);
  const g = hostWith('gateway', net, clock, GATEWAY_ADDR.address, gatewayConnection, daemon, gateway);
  return { clock, net, wire, client: c, gateway: g };
}

describe('the per-transport overhead hook and small fragments (a 6LoWPAN radio)', () => {
  it('fragment_size 100 with a 10-octet overhead: IKE messages of at most 90 octets, 33 octets of plaintext each', () => {
    const overhead = () => 10;
    const p = hookedPair(
      { fragment_size: 100 },
      { ikeDatagramOverhead: overhead },
      { ikeDatagramOverhead: overhead },
    );
    const ike = p.client.supervisor.initiate('gw', 'net');
    p.clock.advance(2000);
    expect(ike.state).toBe('ESTABLISHED');
    const auth = p.wire.filter((m) => m.header.exchangeType === AUTH);
    expect(auth.length).toBeGreaterThan(6);
    for (const m of auth) {
      expect(skfOf(m.payloads)).toBeDefined();
      expect(m.data.length).toBeLessThanOrEqual(90);
    }
    // aes128ctr-aesxcbc: 28 + 8 header, 8 IV, 12 ICV, 1 Pad Length: 90 - 57 = 33 octets of plaintext
    expect(Math.max(...auth.map((m) => m.data.length))).toBe(90);
    p.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    p.clock.advance(100);
    expect(p.client.received.map(icmpType)).toEqual([0]);
  });

  it('a fragment size without room for plaintext on this transport is refused when the host is built', () => {
    // aes128ctr-aesxcbc-prfsha256-ecp192 needs 28 + 8 + 8 (IV) + 12 (ICV) + 2 = 58 octets of IKE message
    const hook = { ikeDatagramOverhead: () => 10 };
    expect(() => hookedPair({ fragment_size: 68 }, hook, hook)).not.toThrow();
    let error: unknown;
    try {
      hookedPair({ fragment_size: 67 }, hook, hook);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FragmentSizeError);
    expect((error as FragmentSizeError).problems).toEqual([{ connection: 'gw', budget: 57, needed: 58 }]);
    expect((error as Error).message).toContain('daemon.fragment_size 67 is too small');
    // over UDP on the NAT-T port: the client (remote 10.99.0.2, IPv4: 20 + 8 + 4) needs 90, the
    // gateway (remote %any, taken as IPv6: 40 + 8 + 4) 110
    expect(() => hookedPair({ fragment_size: 89 }, {}, hook)).toThrow(/connection 'gw' gets 57 octets/);
    expect(() => hookedPair({ fragment_size: 90 }, {}, hook)).not.toThrow();
    expect(() => hookedPair({ fragment_size: 109 }, hook, {})).toThrow(/connection 'rw' gets 57 octets/);
    expect(() => hookedPair({ fragment_size: 110 }, hook, {})).not.toThrow();
  });

  it('a message needing more than maxFragments goes whole, counted unfragmentable and logged', () => {
    const logger = memoryLogger();
    const p = hookedPair(
      { fragment_size: 118 },
      { fragmentLimits: { ...DEFAULT_FRAGMENT_LIMITS, maxFragments: 2 }, logger },
      {},
      { ...gatewayConfig(), fragmentation: 'accept' }, // the gateway sends whole messages
    );
    const ike = p.client.supervisor.initiate('gw', 'net');
    p.clock.advance(2000);
    expect(ike.state).toBe('ESTABLISHED'); // the memory network has no MTU
    expect(p.wire.filter((m) => isAuth(m, false)).map((m) => skfOf(m.payloads))).toEqual([undefined]);
    expect(p.wire.filter((m) => isAuth(m, true)).map((m) => skfOf(m.payloads))).toEqual([undefined]);
    expect(p.client.supervisor.fragmentCounters().unfragmentable).toBe(1);
    const warned = logger.lines.filter((l) => l.level === 'warn');
    expect(warned.map((l) => [l.msg, (l.obj.error as { code: string }).code])).toEqual([
      ['oversized IKE message sent unfragmented', 'TOO_MANY_FRAGMENTS'],
    ]);
  });

  it('the gateway accepts at most 4 fragments: a request of more is dropped fragment by fragment and never answered', () => {
    const p = hookedPair(
      { fragment_size: 118 },
      {},
      { fragmentLimits: { ...DEFAULT_FRAGMENT_LIMITS, maxFragments: 4 } },
    );
    const ike = p.client.supervisor.initiate('gw', 'net');
    p.clock.advance(1000);
    const requests = p.wire.filter((m) => isAuth(m, false));
    expect(skfOf(requests[0]!.payloads)!.totalFragments).toBeGreaterThan(4);
    expect(p.wire.filter((m) => isAuth(m, true))).toHaveLength(0);
    expect(p.gateway.supervisor.fragmentCounters().dropped.tooManyFragments).toBe(requests.length);
    p.clock.advance(200_000);
    expect(ike.state).toBe('DESTROYED');
    expect(ike.failure?.timeout).toBe(true);
    // counted after the IKE SAs are gone too
    expect(p.gateway.supervisor.ikeSas).toHaveLength(0);
    expect(p.gateway.supervisor.fragmentCounters().dropped.tooManyFragments).toBeGreaterThan(requests.length);
  });

  it('a message larger than maxMessageBytes is refused; what was collected times out', () => {
    const p = hookedPair(
      { fragment_size: 118 },
      {},
      { fragmentLimits: { ...DEFAULT_FRAGMENT_LIMITS, maxMessageBytes: 100, reassemblyTimeoutMs: 2000 } },
    );
    p.client.supervisor.initiate('gw', 'net');
    p.clock.advance(1000);
    const g = p.gateway.supervisor.fragmentCounters();
    expect(g.dropped.tooLarge).toBeGreaterThan(0);
    expect(g.reassembled).toBe(0);
    p.clock.advance(1500); // 2 s after the first fragment
    const [gw] = p.gateway.supervisor.ikeSas;
    expect(ikeContext(gw!).fragments.request).toBeUndefined();
    expect(p.gateway.supervisor.fragmentCounters().dropped.timeout).toBeGreaterThan(0);
  });
});

describe('hostile fragments', () => {
  it('mutated and replayed SKF messages at an established SA are dropped and counted; nothing breaks', () => {
    const logger = memoryLogger();
    const w = setup({ seed: 'hostile', gatewayLogger: logger });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = w.gateway.supervisor.ikeSas;
    const seeds = w.wire.filter((m) => m.header.exchangeType === AUTH).map((m) => m.data);
    const random = seededRandom('hostile/mutants');
    for (let i = 0; i < 2000; i++) {
      const m = seeds[i % seeds.length]!.slice();
      const [at, value, how] = random(3);
      if (how! % 3 === 0) m[at! % m.length] = value!;
      else if (how! % 3 === 1) m[28 + 4 + (at! % 4)] = value!; // Fragment Number / Total Fragments
      // else: a verbatim replay
      w.client.transport.send(m, ike.local, ike.remote);
      w.clock.advance(1);
    }
    w.clock.advance(1000);
    expect(w.gateway.supervisor.counters.actorErrors).toBe(0);
    expect(gw!.state).toBe('ESTABLISHED');
    const g = w.gateway.supervisor.fragmentCounters();
    expect(g.reassembled).toBe(1); // never a second message from replays or forgeries
    expect(g.dropped.integrity + g.dropped.unexpected + g.dropped.retransmitted).toBeGreaterThan(0);
    expect(ikeContext(gw!).fragments.request).toBeUndefined();
    // every drop is logged with its reason
    const logged = logger.lines.filter((l) => l.msg === 'IKE fragment dropped');
    expect(logged).toHaveLength(Object.values(g.dropped).reduce((a, b) => a + b, 0));
    expect(new Set(logged.map((l) => l.obj.reason))).toEqual(
      new Set(Object.entries(g.dropped).flatMap(([k, n]) => (n > 0 ? [k] : []))),
    );
    expect(pingThrough(w)).toEqual([0]);
  });
});

describe('a reassembled request that is malformed (RFC 7296 §2.21.2)', () => {
  it('is answered with INVALID_SYNTAX, once, and the Message ID window moves on', () => {
    const w = setup({ seed: 'malformed' });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    const [gw] = w.gateway.supervisor.ikeSas;
    const ctx = ikeContext(ike);
    const messageId = ctx.nextMessageId;
    // An INFORMATIONAL request whose inner chain announces a Notify but holds 200 octets of junk,
    // fragmented and sealed with the client's keys: every fragment verifies, the whole does not parse.
    const frags = informationalFragments(ike, new Uint8Array(200).fill(0xee), 'j', 100, messageId);
    expect(frags.length).toBeGreaterThan(2);
    for (const f of frags) w.client.transport.send(f, ike.local, ike.remote);
    w.clock.advance(100);
    const answers = w.wire.filter(
      (m) =>
        m.header.exchangeType === ExchangeType.INFORMATIONAL &&
        isResponse(m.header) &&
        m.header.messageId === messageId,
    );
    expect(answers).toHaveLength(1);
    const sk = answers[0]!.payloads.at(-1)!;
    expect(sk.type).toBe(PayloadType.SK);
    const plain = openSk(ctx.session.sk!.responder, answers[0]!.data, 28);
    const inner = plain.ok ? decodePayloadChain(PayloadType.N, plain.value) : undefined;
    expect(inner?.ok && inner.value.map((p) => p.type === PayloadType.N && p.notifyType)).toEqual([
      NotifyError.INVALID_SYNTAX,
    ]);
    expect(ikeContext(gw!).peerMessageId).toBe(messageId + 1);
    expect(ikeContext(gw!).fragments.counters.reassembled).toBe(2); // IKE_AUTH, then this one
    expect(gw!.state).toBe('ESTABLISHED');
  });
});
