/**
 * The ESP data path end to end: two in-process hosts on a MemoryNetwork with a VirtualClock,
 * SAs installed by hand through the backend interface, inner packets built with ipsec/packet.
 */
import { Subject } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEspHost, type EspHost } from '../../actors/esp-host.js';
import type { InboundPacket, RawIpLink, TooBig } from '../../actors/esp-pipeline.js';
import type { AddSaParams, IpsecEvent, SaEndpoint } from '../../actors/ipsec-backend.js';
import { EncrId, IntegId } from '../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../ipsec/crypto/transforms.js';
import type { TrafficSelector } from '../../ipsec/ike/model.js';
import { answerEcho } from '../../ipsec/packet/echo.js';
import { decodeIp } from '../../ipsec/packet/ip.js';
import { buildIpv4 } from '../../ipsec/packet/ipv4.js';
import { IpProto } from '../../ipsec/packet/proto.js';
import { buildUdp } from '../../ipsec/packet/udp.js';
import { readU16 } from '../../ipsec/packet/wire.js';
import type { Lifetimes } from '../../ipsec/policy/lifetime.js';
import { mustSelector } from '../../ipsec/policy/selector.js';
import type { IpsecMode } from '../../ipsec/policy/spd.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { VirtualClock } from '../../ipsec/util/clock.js';
import { MemoryNetwork } from '../../transport/memory.js';
import type { Datagram, Transport } from '../../transport/types.js';
import { echoRequest, ip, udpPacket } from '../ipsec/policy/fixtures.js';

const A_OUTER: SaEndpoint = { address: '192.0.2.1', port: 4500 };
const B_OUTER: SaEndpoint = { address: '198.51.100.2', port: 4500 };
const A_NET = '10.1.0.0/24';
const B_NET = '10.2.0.0/24';
const REQID = 1;
const GCM = mustEncr(EncrId.AES_GCM_16, 128);
const CBC = mustEncr(EncrId.AES_CBC, 128);
const SHA256 = mustInteg(IntegId.HMAC_SHA2_256_128);

interface Host {
  readonly h: EspHost;
  readonly outer: SaEndpoint;
  readonly delivered: InboundPacket[];
  readonly events: IpsecEvent[];
}

interface World {
  clock: VirtualClock;
  net: MemoryNetwork;
  a: Host;
  b: Host;
  /** ESP-in-UDP datagrams as sent, in order. */
  wire: Datagram[];
}

/** Two raw IP links joined back to back, delivering after 1 ms on the clock. */
function rawPair(clock: VirtualClock): [RawIpLink, RawIpLink] {
  const toA = new Subject<Uint8Array>();
  const toB = new Subject<Uint8Array>();
  const link = (rx: Subject<Uint8Array>, tx: Subject<Uint8Array>): RawIpLink => ({
    packets$: rx.asObservable(),
    send: (p) => clock.setTimeout(() => tx.next(p.slice()), 1),
  });
  return [link(toA, toB), link(toB, toA)];
}

function world(
  options: { acquireQueueLimit?: number; acquireTimeoutMs?: number; pathMtu?: number } = {},
): World {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock, latencyMs: 1 });
  const wire: Datagram[] = [];
  net.onSend = (d) => wire.push(d);
  const [rawA, rawB] = rawPair(clock);
  const host = (outer: SaEndpoint, rawIp: RawIpLink, seed: string): Host => {
    const h = createEspHost({
      clock,
      provider: nobleProvider,
      random: seededRandom(seed),
      transport: net.bind(outer, { address: outer.address, port: 500 }),
      rawIp,
      ...options,
    });
    const delivered: InboundPacket[] = [];
    const events: IpsecEvent[] = [];
    h.pipeline.delivered$.subscribe((p) => delivered.push(p));
    h.backend.events$.subscribe((e) => events.push(e));
    return { h, outer, delivered, events };
  };
  return { clock, net, wire, a: host(A_OUTER, rawA, 'host-a'), b: host(B_OUTER, rawB, 'host-b') };
}

interface PairOptions {
  mode?: IpsecMode;
  encap?: boolean;
  suite?: 'gcm' | 'cbc-sha256';
  aTs?: [string, string];
  bTs?: [string, string];
  lifetimes?: Lifetimes;
  policies?: boolean;
}

const sel = (s: string): TrafficSelector[] => [mustSelector(s)];

/** Fixed, distinct key bytes per direction (the tests check behaviour, not vectors). */
function keys(suite: 'gcm' | 'cbc-sha256', dir: number): Pick<AddSaParams, 'encr' | 'integ'> {
  const bytes = (n: number, fill: number) => new Uint8Array(n).map((_, i) => (fill + i) & 0xff);
  return suite === 'gcm'
    ? { encr: { transform: GCM, key: bytes(GCM.keyLength, 0x10 * dir) } }
    : {
        encr: { transform: CBC, key: bytes(CBC.keyLength, 0x10 * dir) },
        integ: { transform: SHA256, key: bytes(SHA256.keyLength, 0x80 + dir) },
      };
}

/** Policies and a pair of SAs on both hosts, by hand through the backend interface. */
function installPair(w: World, o: PairOptions = {}): { ab: Uint8Array; ba: Uint8Array } {
  const { mode = 'tunnel', encap = true, suite = 'gcm', aTs = [A_NET, B_NET], bTs = [B_NET, A_NET] } = o;
  const side = (
    me: Host,
    peer: Host,
    [local, remote]: [string, string],
    inSpi: Uint8Array,
    outSpi: Uint8Array,
  ) => {
    const common = { reqid: REQID, mode, encap, localTs: sel(local), remoteTs: sel(remote) };
    if (o.policies !== false) {
      for (const direction of ['out', 'in'] as const)
        expect(
          me.h.backend.addPolicy({
            direction,
            action: 'PROTECT',
            reqid: REQID,
            localTs: sel(local),
            remoteTs: sel(remote),
          }).ok,
        ).toBe(true);
    }
    const outDir = me === w.a ? 1 : 2;
    const out = me.h.backend.addSa({
      ...common,
      ...keys(suite, outDir),
      spi: outSpi,
      direction: 'out',
      src: me.outer,
      dst: peer.outer,
      ...(o.lifetimes ? { lifetimes: o.lifetimes } : {}),
    });
    const inn = me.h.backend.addSa({
      ...common,
      ...keys(suite, 3 - outDir),
      spi: inSpi,
      direction: 'in',
      src: peer.outer,
      dst: me.outer,
    });
    expect([out.ok, inn.ok]).toEqual([true, true]);
  };
  const ab = w.b.h.backend.allocSpi(); // B's inbound SPI, A's outbound
  const ba = w.a.h.backend.allocSpi();
  if (!ab.ok || !ba.ok) throw new Error('allocSpi failed');
  side(w.a, w.b, aTs, ba.value, ab.value);
  side(w.b, w.a, bTs, ab.value, ba.value);
  return { ab: ab.value, ba: ba.value };
}

const drops = (host: Host) => host.h.pipeline.counters().drops;

describe('ESP pipeline between two hosts', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  it('carries an ICMP echo request A -> B and the echo reply B -> A through ESP-in-UDP (tunnel, AES-GCM)', () => {
    const { ab } = installPair(w);
    w.b.h.pipeline.delivered$.subscribe(({ packet }) => {
      const reply = answerEcho(packet);
      if (reply.ok) w.b.h.pipeline.send(reply.value);
    });
    const request = echoRequest('10.1.0.1', '10.2.0.1', 7, new Uint8Array(32).fill(0x61));
    w.a.h.pipeline.send(request);
    w.clock.runUntilIdle();

    expect(w.b.delivered.map((d) => toHex(d.packet))).toEqual([toHex(request)]);
    expect(w.b.delivered[0]?.reqid).toBe(REQID);
    expect(w.a.delivered).toHaveLength(1);
    const reply = decodeIp(w.a.delivered[0]!.packet);
    expect(reply.ok && [toHex(reply.value.src), toHex(reply.value.dst), reply.value.payload[0]]).toEqual([
      toHex(ip('10.2.0.1')),
      toHex(ip('10.1.0.1')),
      0, // ICMP Echo Reply
    ]);
    // On the wire: UDP 4500 -> 4500, SPI first (RFC 3948 §2.1), no plaintext.
    expect(w.wire).toHaveLength(2);
    const first = w.wire[0]!;
    expect([first.remote, first.local]).toEqual([A_OUTER, B_OUTER]);
    expect(toHex(first.data.subarray(0, 4))).toBe(toHex(ab));
    expect(toHex(first.data.subarray(4, 8))).toBe('00000001'); // first sequence number
    expect(toHex(first.data)).not.toContain('61616161');
    expect(w.a.h.pipeline.counters()).toMatchObject({ outProtected: 1, inProtected: 1 });
    expect(w.b.h.pipeline.counters()).toMatchObject({ outProtected: 1, inProtected: 1 });
    expect(w.a.h.backend.querySa({ spi: ab, direction: 'out' })).toMatchObject({
      packets: 1,
      bytes: request.length,
      seq: 1,
      encr: 'AES_GCM_16',
    });
    expect(w.b.h.backend.querySa({ spi: ab, direction: 'in' })).toMatchObject({ packets: 1, seq: 1 });
  });

  it('carries IPv6 inner packets over IPv4 outer (tunnel, AES-CBC + HMAC-SHA-256)', () => {
    installPair(w, {
      suite: 'cbc-sha256',
      aTs: ['2001:db8:1::/64', '2001:db8:2::/64'],
      bTs: ['2001:db8:2::/64', '2001:db8:1::/64'],
    });
    const request = echoRequest('2001:db8:1::1', '2001:db8:2::1');
    w.a.h.pipeline.send(request);
    w.clock.runUntilIdle();
    expect(w.b.delivered.map((d) => toHex(d.packet))).toEqual([toHex(request)]);
  });

  it('transport mode rebuilds the IP header from the SA endpoints', () => {
    const aHost = `${A_OUTER.address}/32`;
    const bHost = `${B_OUTER.address}/32`;
    installPair(w, { mode: 'transport', aTs: [aHost, bHost], bTs: [bHost, aHost] });
    const packet = udpPacket(A_OUTER.address, B_OUTER.address, 1234, 53, new Uint8Array([1, 2, 3]));
    w.a.h.pipeline.send(packet);
    w.clock.runUntilIdle();
    expect(w.b.delivered.map((d) => toHex(d.packet))).toEqual([toHex(packet)]);
  });

  it('sends ESP without UDP encapsulation on the raw IP link (protocol 50)', () => {
    installPair(w, { encap: false });
    const request = echoRequest('10.1.0.1', '10.2.0.1');
    w.a.h.pipeline.send(request);
    w.clock.runUntilIdle();
    expect(w.wire).toHaveLength(0);
    expect(w.b.delivered.map((d) => toHex(d.packet))).toEqual([toHex(request)]);
  });

  it('passes BYPASS traffic in clear and drops a clear packet that matches a PROTECT rule', () => {
    installPair(w);
    const bypass = { action: 'BYPASS' as const, localTs: sel('0.0.0.0/0'), remoteTs: sel('10.9.0.0/16') };
    w.a.h.backend.addPolicy({ ...bypass, direction: 'out' });
    w.b.h.backend.addPolicy({
      direction: 'in',
      action: 'BYPASS',
      localTs: sel('10.9.0.0/16'),
      remoteTs: sel('0.0.0.0/0'),
    });
    const clear = udpPacket('10.1.0.1', '10.9.0.1', 1, 2);
    w.a.h.pipeline.send(clear);
    w.clock.runUntilIdle();
    expect(w.wire).toHaveLength(0);
    expect(w.b.delivered.map((d) => [toHex(d.packet), d.spi])).toEqual([[toHex(clear), undefined]]);
    expect(w.a.h.pipeline.counters().outBypassed).toBe(1);
    expect(w.b.h.pipeline.counters().inBypassed).toBe(1);
    // A packet for the protected networks arriving in clear: RFC 4301 §5.2 step 3a.
    w.a.h.backend.addPolicy({
      direction: 'out',
      action: 'BYPASS',
      priority: -1,
      localTs: sel(A_NET),
      remoteTs: sel(B_NET),
    });
    w.a.h.pipeline.send(udpPacket('10.1.0.1', '10.2.0.1', 1, 2));
    w.clock.runUntilIdle();
    expect(drops(w.b)['clear-protected']).toBe(1);
    expect(w.b.delivered).toHaveLength(1);
  });

  it('classifies NAT-T datagrams: keepalive, non-ESP marker (IKE), and IKE on port 500', () => {
    const ike: { data: string; natT: boolean }[] = [];
    w.b.h.pipeline.ike$.subscribe((d) => ike.push({ data: toHex(d.data), natT: d.natT }));
    const tx = w.net.bind({ address: '203.0.113.9', port: 4500 }, { address: '203.0.113.9', port: 500 });
    tx.send(Uint8Array.of(0xff), { address: '203.0.113.9', port: 4500 }, B_OUTER); // RFC 3948 §2.3
    tx.send(Uint8Array.of(0, 0, 0, 0, 0xaa, 0xbb), { address: '203.0.113.9', port: 4500 }, B_OUTER); // §2.2
    tx.send(
      Uint8Array.of(0xcc),
      { address: '203.0.113.9', port: 500 },
      { address: B_OUTER.address, port: 500 },
    );
    tx.send(Uint8Array.of(1, 2), { address: '203.0.113.9', port: 4500 }, B_OUTER);
    w.clock.runUntilIdle();
    expect(ike).toEqual([
      { data: 'aabb', natT: true },
      { data: 'cc', natT: false },
    ]);
    expect(w.b.h.pipeline.counters()).toMatchObject({ keepalives: 1, ike: 2 });
    expect(drops(w.b).malformed).toBe(1);
  });
});

describe('path MTU (pathMtu: RFC 1191, RFC 8201)', () => {
  // AES-GCM-16 over IPv4 in UDP: 20 + 8 outer, ESP 8 + IV 8 + payload|pad|trailer (4-aligned) + ICV 16.
  // With a 1400-octet path the largest inner packet is 1338 (ESP 1372, outer 1400).
  const udpOf = (size: number, dontFragment: boolean) => {
    const src = ip('10.1.0.1');
    const dst = ip('10.2.0.1');
    const udp = buildUdp({ src, dst, srcPort: 4000, dstPort: 5000, payload: new Uint8Array(size - 28) });
    return buildIpv4({ src, dst, protocol: IpProto.UDP, dontFragment, payload: udp });
  };

  it('sends the largest packet that fits, refuses one more octet with DF and answers ICMP with the MTU that fits', () => {
    const w = world({ pathMtu: 1400 });
    installPair(w);
    const tooBig: TooBig[] = [];
    w.a.h.pipeline.tooBig$.subscribe((t) => tooBig.push(t));
    w.a.h.pipeline.send(udpOf(1338, true));
    w.a.h.pipeline.send(udpOf(1339, true));
    w.clock.runUntilIdle();
    expect(w.wire.map((d) => d.data.length + 28)).toEqual([1400]);
    expect(w.b.delivered.map((d) => d.packet.length)).toEqual([1338]);
    expect(drops(w.a)['too-big']).toBe(1);
    expect(tooBig.map((t) => [t.packet.length, t.mtu])).toEqual([[1339, 1338]]);
    const icmp = decodeIp(tooBig[0]!.icmp);
    if (!icmp.ok || icmp.value.version !== 4) throw new Error('no ICMP');
    expect([toHex(icmp.value.src), toHex(icmp.value.dst)]).toEqual([
      toHex(ip('10.2.0.1')),
      toHex(ip('10.1.0.1')),
    ]);
    expect([icmp.value.payload[0], icmp.value.payload[1], readU16(icmp.value.payload, 6)]).toEqual([
      3, 4, 1338,
    ]);
  });

  it('sends a packet without DF whatever its size (the outer packet gets fragmented), and IPv6 never', () => {
    const w = world({ pathMtu: 1400 });
    installPair(w, {
      aTs: ['2001:db8:1::/64', '2001:db8:2::/64'],
      bTs: ['2001:db8:2::/64', '2001:db8:1::/64'],
    });
    const v6 = udpPacket('2001:db8:1::1', '2001:db8:2::1', 4000, 5000, new Uint8Array(1400));
    const w4 = world({ pathMtu: 1400 });
    installPair(w4);
    w.a.h.pipeline.send(v6);
    w4.a.h.pipeline.send(udpOf(1500, false));
    w.clock.runUntilIdle();
    w4.clock.runUntilIdle();
    expect(drops(w.a)['too-big']).toBe(1);
    expect(w4.b.delivered.map((d) => d.packet.length)).toEqual([1500]);
    expect(drops(w4.a)['too-big']).toBe(0);
  });

  it('checks nothing without pathMtu', () => {
    const w = world();
    installPair(w);
    w.a.h.pipeline.send(udpOf(1500, true));
    w.clock.runUntilIdle();
    expect(w.b.delivered).toHaveLength(1);
  });
});

describe('acquire', () => {
  const protectOut = (host: Host) =>
    host.h.backend.addPolicy({
      direction: 'out',
      action: 'PROTECT',
      reqid: REQID,
      offer: { connection: 'gw', child: 'net' },
      localTs: sel(A_NET),
      remoteTs: sel(B_NET),
    });

  it('is raised once per reqid while pending, and the held packets go out when the SA is installed', () => {
    const w = world();
    protectOut(w.a);
    const packets = [1, 2, 3].map((seq) => echoRequest('10.1.0.1', '10.2.0.1', seq));
    for (const p of packets) w.a.h.pipeline.send(p);
    expect(w.a.events).toHaveLength(1);
    const acquire = w.a.events[0]!;
    expect(acquire.type).toBe('ipsec.acquire');
    if (acquire.type !== 'ipsec.acquire') return;
    expect([acquire.reqid, acquire.policyId, acquire.offer]).toEqual([
      REQID,
      1,
      { connection: 'gw', child: 'net' },
    ]);
    // RFC 7296 §2.9: the packet's own selectors, ICMP type 8 code 0 as the port.
    expect([toHex(acquire.localTs.startAddress), toHex(acquire.localTs.endAddress)]).toEqual([
      '0a010001',
      '0a010001',
    ]);
    expect([
      toHex(acquire.remoteTs.startAddress),
      acquire.remoteTs.ipProtocol,
      acquire.remoteTs.startPort,
    ]).toEqual(['0a020001', IpProto.ICMP, 8 << 8]);
    expect(w.a.h.pipeline.counters().queued).toBe(3);
    expect(w.wire).toHaveLength(0);

    installPair(w, { policies: false });
    w.b.h.backend.addPolicy({
      direction: 'in',
      action: 'PROTECT',
      reqid: REQID,
      localTs: sel(B_NET),
      remoteTs: sel(A_NET),
    });
    w.clock.runUntilIdle();
    expect(w.b.delivered.map((d) => toHex(d.packet))).toEqual(packets.map(toHex));
    expect(w.a.h.pipeline.counters()).toMatchObject({ released: 3, outProtected: 3 });
    w.a.h.pipeline.send(packets[0]!);
    expect(w.a.events).toHaveLength(1);
  });

  it('drops beyond the queue limit, and on failure or timeout; a later packet acquires again', () => {
    const w = world({ acquireQueueLimit: 2, acquireTimeoutMs: 5_000 });
    protectOut(w.a);
    for (let i = 0; i < 4; i++) w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.1', i));
    expect(drops(w.a)['queue-full']).toBe(2);
    w.a.h.backend.acquireFailed({ reqid: REQID });
    expect(drops(w.a)['acquire-failed']).toBe(2);
    expect(w.a.h.pipeline.isAcquirePending(REQID)).toBe(false);

    w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.1', 9));
    expect(w.a.events).toHaveLength(2);
    w.clock.advance(4_999);
    expect(drops(w.a)['acquire-timeout']).toBe(0);
    w.clock.advance(1);
    expect(drops(w.a)['acquire-timeout']).toBe(1);
    w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.1', 10));
    expect(w.a.events.map((e) => e.type)).toEqual(['ipsec.acquire', 'ipsec.acquire', 'ipsec.acquire']);
  });
});

describe('drop counters', () => {
  let w: World;
  let held: Datagram[];
  let attacker: Transport | undefined;
  beforeEach(() => {
    w = world();
    held = [];
    attacker = undefined;
  });

  /** Sends a packet from A and keeps the ESP datagram instead of delivering it. */
  function capture(packet: Uint8Array): Datagram {
    w.net.filter = (d) => {
      held.push(d);
      return false;
    };
    w.a.h.pipeline.send(packet);
    w.net.filter = undefined;
    return held[held.length - 1]!;
  }
  /** Re-sends a captured ESP datagram to B from another host, as an attacker could. */
  const inject = (d: Datagram, data = d.data) => {
    const from = { address: '203.0.113.7', port: 4500 };
    attacker ??= w.net.bind(from);
    attacker.send(data, from, d.local);
    w.clock.runUntilIdle();
  };

  it('counts tampered packets as icv and replayed packets as replay, without delivering them', () => {
    installPair(w, { suite: 'cbc-sha256' });
    const d = capture(echoRequest('10.1.0.1', '10.2.0.1'));
    const tampered = d.data.slice();
    tampered[tampered.length - 20]! ^= 0x01;
    inject(d, tampered);
    expect(drops(w.b).icv).toBe(1);
    inject(d); // the original still arrives: the bad ICV did not move the window
    expect(w.b.delivered).toHaveLength(1);
    inject(d);
    expect(drops(w.b).replay).toBe(1);
    expect(w.b.delivered).toHaveLength(1);
  });

  it('counts an inner packet outside the SA selectors as policy-mismatch', () => {
    // A protects 10.1.0.0/24 -> 10.2.0.0/16, B's SA only covers 10.2.0.0/24.
    installPair(w, { aTs: [A_NET, '10.2.0.0/16'] });
    w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.7.1'));
    w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.7'));
    w.clock.runUntilIdle();
    expect(drops(w.b)['policy-mismatch']).toBe(1);
    expect(w.b.delivered).toHaveLength(1);
  });

  it('counts ESP for an unknown SPI as no-sa', () => {
    const { ab } = installPair(w);
    expect(w.b.h.backend.deleteSa({ spi: ab, direction: 'in' }).ok).toBe(true);
    w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.1'));
    w.clock.runUntilIdle();
    expect(drops(w.b)['no-sa']).toBe(1);
  });

  it('counts DISCARD rules and packets that match no rule', () => {
    installPair(w);
    w.a.h.backend.addPolicy({
      direction: 'out',
      action: 'DISCARD',
      priority: -1,
      localTs: sel(A_NET),
      remoteTs: sel('10.2.0.99/32'),
    });
    w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.99'));
    w.a.h.pipeline.send(echoRequest('10.1.0.1', '172.16.0.1'));
    w.a.h.pipeline.send(new Uint8Array([0x45, 0]));
    w.clock.runUntilIdle();
    expect(drops(w.a)).toMatchObject({ 'discard-policy': 1, 'no-policy': 1, malformed: 1 });
    expect(w.wire).toHaveLength(0);
  });
});

describe('lifetimes on the data path', () => {
  it('raises soft then hard by packets; the next packet acquires a new SA', () => {
    const w = world();
    const { ab } = installPair(w, { lifetimes: { soft: { packets: 2 }, hard: { packets: 3 } } });
    const send = (seq: number) => w.a.h.pipeline.send(echoRequest('10.1.0.1', '10.2.0.1', seq));
    send(1);
    expect(w.a.events).toHaveLength(0);
    send(2);
    expect(w.a.events).toEqual([
      { type: 'ipsec.expire', hard: false, spi: ab, direction: 'out', reqid: REQID, cause: 'packets' },
    ]);
    expect(w.a.h.backend.querySa({ spi: ab, direction: 'out' })?.rekeyRequested).toBe(true);
    send(3);
    expect(w.a.events[1]).toEqual({
      type: 'ipsec.expire',
      hard: true,
      spi: ab,
      direction: 'out',
      reqid: REQID,
      cause: 'packets',
    });
    expect(w.a.h.backend.querySa({ spi: ab, direction: 'out' })).toBeUndefined();
    send(4);
    expect(w.a.events[2]?.type).toBe('ipsec.acquire');
    w.clock.runUntilIdle();
    expect(w.b.delivered).toHaveLength(3);
  });

  it('raises soft then hard by bytes', () => {
    const w = world();
    const request = echoRequest('10.1.0.1', '10.2.0.1');
    const { ab } = installPair(w, {
      lifetimes: { soft: { bytes: request.length * 2 }, hard: { bytes: request.length * 4 } },
    });
    for (let i = 0; i < 4; i++) w.a.h.pipeline.send(request);
    const expires = w.a.events.filter((e) => e.type === 'ipsec.expire');
    expect(expires.map((e) => e.type === 'ipsec.expire' && [e.hard, e.cause, toHex(e.spi)])).toEqual([
      [false, 'bytes', toHex(ab)],
      [true, 'bytes', toHex(ab)],
    ]);
    w.clock.runUntilIdle();
    expect(w.b.delivered).toHaveLength(4);
  });
});
