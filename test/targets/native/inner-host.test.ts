/**
 * The inner host: owns its inner addresses, answers echo requests, matches echo replies to
 * pings, and carries UDP datagrams for in-process applications - back to back over a fake
 * pipeline, and through real ESP between two hosts on the in-memory network.
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { InboundPacket } from '../../../actors/esp-pipeline.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { tsFromString } from '../../../ipsec/ike/ts/text.js';
import { formatIp } from '../../../ipsec/packet/address.js';
import { decodeIp } from '../../../ipsec/packet/ip.js';
import { utf8 } from '../../../ipsec/util/bytes.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { hostAddressOf, InnerHost } from '../../../targets/native/inner-host.js';
import { echoRequest } from '../../ipsec/policy/fixtures.js';
import { twoHosts } from '../../support/two-hosts.js';

/** Two inner hosts whose pipelines are wired to each other (as if through one Child SA). */
function backToBack(a: string[], b: string[]) {
  const clock = new VirtualClock(0);
  const toA = new Subject<InboundPacket>();
  const toB = new Subject<InboundPacket>();
  const sentByA: Uint8Array[] = [];
  const sentByB: Uint8Array[] = [];
  const hostA = new InnerHost({
    pipeline: {
      delivered$: toA,
      send: (p) => {
        sentByA.push(p);
        toB.next({ packet: p, spi: 0x100 });
      },
    },
    addresses: a,
    clock,
    random: seededRandom('a'),
  });
  const hostB = new InnerHost({
    pipeline: {
      delivered$: toB,
      send: (p) => {
        sentByB.push(p);
        toA.next({ packet: p, spi: 0x200 });
      },
    },
    addresses: b,
    clock,
    random: seededRandom('b'),
  });
  return { clock, hostA, hostB, toA, toB, sentByA, sentByB };
}

const ts = (s: string) => {
  const r = tsFromString(s);
  if (!r.ok) throw new Error(s);
  return r.value;
};

describe('inner host', () => {
  it('owns its addresses and prefixes, and picks a source inside a Child SA selector', () => {
    const { hostA } = backToBack(['10.99.2.1', '10.99.3.0/24', 'fd00::1'], []);
    expect(hostA.addresses).toEqual(['10.99.2.1', '10.99.3.1', 'fd00::1']);
    expect(hostA.owns(Uint8Array.of(10, 99, 2, 1))).toBe(true);
    expect(hostA.owns(Uint8Array.of(10, 99, 2, 2))).toBe(false);
    expect(hostA.owns(Uint8Array.of(10, 99, 3, 200))).toBe(true);
    expect(hostA.sourceFor([ts('10.99.3.0/24')])).toBe('10.99.3.1');
    expect(hostA.sourceFor([ts('10.0.0.0/8')])).toBe('10.99.2.1');
    expect(hostA.sourceFor([ts('192.0.2.0/24')])).toBeUndefined();
    expect(hostA.sourceFor([ts('192.0.2.0/24')], ['192.0.2.7'])).toBe('192.0.2.7');
    expect(hostAddressOf('10.1.2.0/24')).toBe('10.1.2.1');
    expect(hostAddressOf('10.1.2.3/32')).toBe('10.1.2.3');
  });

  it('answers echo requests to its addresses only', () => {
    const { hostB, toB, sentByB } = backToBack([], ['10.99.1.0/24']);
    toB.next({ packet: echoRequest('10.99.2.1', '10.99.1.5', 7), spi: 1 });
    toB.next({ packet: echoRequest('10.99.2.1', '10.99.9.9', 8), spi: 1 });
    toB.next({ packet: echoRequest('10.99.2.1', '10.99.1.5', 9) }); // not through a Child SA: ignored
    expect(sentByB).toHaveLength(1);
    const reply = decodeIp(sentByB[0]!);
    expect(
      reply.ok && [formatIp(reply.value.src), formatIp(reply.value.dst), reply.value.payload[0]],
    ).toEqual([
      '10.99.1.5',
      '10.99.2.1',
      0, // echo reply
    ]);
    expect(hostB.counters).toMatchObject({ received: 2, echoAnswered: 1, dropped: { 'not-ours': 1 } });
  });

  it('matches echo replies to its ping, counting losses', async () => {
    const { clock, hostA, hostB } = backToBack(['10.99.2.1'], ['10.99.1.1']);
    const replies: number[] = [];
    const done = hostA.ping({
      src: '10.99.2.1',
      dst: '10.99.1.1',
      count: 3,
      intervalMs: 1000,
      timeoutMs: 500,
      onReply: (r) => replies.push(r.seq),
    });
    clock.advance(3000);
    expect(await done).toMatchObject({ sent: 3, received: 3 });
    expect(replies).toEqual([1, 2, 3]);
    expect(hostB.counters.echoAnswered).toBe(3);

    // Nobody answers a destination that is not B's.
    const lost = hostA.ping({
      src: '10.99.2.1',
      dst: '10.99.1.2',
      count: 2,
      intervalMs: 100,
      timeoutMs: 500,
    });
    clock.advance(1000);
    expect(await lost).toEqual({ sent: 2, received: 0, replies: [] });
  });

  it('carries UDP datagrams between in-process sockets', () => {
    const { hostA, hostB } = backToBack(['10.99.2.1'], ['10.99.1.1']);
    const server = hostB.udp(5353);
    const client = hostA.udp();
    expect(client.port).toBeGreaterThanOrEqual(49152);
    const atServer: string[] = [];
    const atClient: string[] = [];
    server.messages$.subscribe((m) => {
      atServer.push(`${m.from.address}:${m.from.port} ${new TextDecoder().decode(m.data)}`);
      server.send(utf8('pong'), m.from);
    });
    client.messages$.subscribe((m) =>
      atClient.push(`${m.from.address}:${m.from.port} ${new TextDecoder().decode(m.data)}`),
    );
    client.send(utf8('ping'), { address: '10.99.1.1', port: 5353 });
    client.send(utf8('nobody'), { address: '10.99.1.1', port: 9 });
    expect(atServer).toEqual([`10.99.2.1:${client.port} ping`]);
    expect(atClient).toEqual(['10.99.1.1:5353 pong']);
    expect(hostB.counters.dropped['no-socket']).toBe(1);
    expect(() => hostB.udp(5353)).toThrow('inner UDP port 5353 is in use');
    server.close();
    expect(() => hostB.udp(5353)).not.toThrow();
  });

  it('pings through a real Child SA (ESP on the in-memory network)', async () => {
    const { clock, client } = twoHosts();
    client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    const inner = new InnerHost({
      pipeline: client.esp.pipeline,
      addresses: ['10.99.2.1'],
      clock,
      random: seededRandom('inner'),
    });
    const done = inner.ping({
      src: '10.99.2.1',
      dst: '10.99.1.1',
      count: 2,
      intervalMs: 100,
      timeoutMs: 1000,
    });
    clock.advance(2000);
    const r = await done;
    expect(r).toMatchObject({ sent: 2, received: 2 });
    expect(r.replies.map((x) => x.rttMs)).toEqual([10, 10]); // 5 ms each way on this network
    inner.close();
  });
});
