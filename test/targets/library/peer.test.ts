/**
 * The library façade (targets/library): two Peers on the memory network and virtual time, through
 * the public entry point only: connect, UDP through ESP both ways, the SA events of a Child SA
 * rekey, an IKE SA rekey and a Delete (every child-up has its child-down), failures, and
 * defineConfig's checks.
 */
import { describe, expect, it } from 'vitest';
import {
  buildUdpPacket,
  ConfigValidationError,
  createPeer,
  defineConfig,
  MemoryNetwork,
  nobleProvider,
  type Peer,
  PeerError,
  type PeerEvent,
  parseUdpPacket,
  seededRandom,
  VirtualClock,
} from '../../../targets/library/index.js';

const GW = '192.0.2.1';
const CL = '192.0.2.2';

function config(side: 'gw' | 'cl', secret = 'the shared secret') {
  const [localId, remoteId] = side === 'gw' ? ['gw.example', 'cl.example'] : ['cl.example', 'gw.example'];
  const [localNet, remoteNet] =
    side === 'gw' ? ['10.1.0.0/16', '10.2.0.0/16'] : ['10.2.0.0/16', '10.1.0.0/16'];
  return defineConfig({
    connections: [
      {
        name: 'site',
        local_addrs: [side === 'gw' ? GW : CL],
        remote_addrs: [side === 'gw' ? '%any' : GW],
        proposals: ['aes128gcm16-prfsha256-ecp256'],
        local: { auth: 'psk', id: localId },
        remote: { auth: 'psk', id: remoteId },
        children: [
          { name: 'net', local_ts: [localNet], remote_ts: [remoteNet], esp_proposals: ['aes128gcm16'] },
        ],
      },
    ],
    secrets: [{ id: [localId, remoteId], secret }],
  });
}

function twoPeers(o: { clientSecret?: string; noGateway?: boolean } = {}) {
  const clock = new VirtualClock(1_000_000);
  const net = new MemoryNetwork({ clock, latencyMs: 5 });
  const make = (side: 'gw' | 'cl', address: string, secret?: string) =>
    createPeer({
      config: config(side, secret),
      transport: net.bind({ address, port: 500 }, { address, port: 4500 }),
      provider: nobleProvider,
      random: seededRandom(`library/${side}`),
      clock,
    });
  const gateway = o.noGateway ? undefined : make('gw', GW);
  const client = make('cl', CL, o.clientSecret);
  const events = { gateway: [] as PeerEvent[], client: [] as PeerEvent[] };
  gateway?.on((e) => events.gateway.push(e));
  client.on((e) => events.client.push(e));
  return { clock, gateway, client, events };
}

/** Advances virtual time in steps until `p` settles (or `ms` have passed). */
async function settle<T>(clock: VirtualClock, p: Promise<T>, ms = 60_000): Promise<T> {
  let settled = false;
  const q = p.finally(() => {
    settled = true;
  });
  q.catch(() => {});
  for (let t = 0; t < ms && !settled; t += 50) {
    clock.advance(50);
    await Promise.resolve();
  }
  return q;
}

const types = (events: PeerEvent[]) =>
  events.map((e) => (e.type === 'child-down' || e.type === 'ike-down' ? `${e.type}:${e.reason}` : e.type));

/** Every child-up has exactly one child-down (by inbound SPI), and likewise for IKE SAs. */
function balanced(events: PeerEvent[]): void {
  const up = events.flatMap((e) => (e.type === 'child-up' ? [e.child.spiIn] : [])).sort();
  const down = events.flatMap((e) => (e.type === 'child-down' ? [e.child.spiIn] : [])).sort();
  expect(down).toEqual(up);
  const ikeUp = events.flatMap((e) => (e.type === 'ike-up' ? [e.ike.uniqueid] : [])).sort();
  const ikeDown = events.flatMap((e) => (e.type === 'ike-down' ? [e.ike.uniqueid] : [])).sort();
  expect(ikeDown).toEqual(ikeUp);
}

describe('library Peer', () => {
  it('connects, carries UDP through ESP both ways, reports rekeys and the Delete as up/down events', async () => {
    const { clock, gateway, client, events } = twoPeers();
    const gw = gateway as Peer;
    const up = await settle(clock, client.connect('site'));
    expect(up.ike).toMatchObject({ name: 'site', initiator: true, state: 'ESTABLISHED' });
    expect(up.child).toMatchObject({
      name: 'net',
      mode: 'tunnel',
      localTs: ['10.2.0.0/16'],
      remoteTs: ['10.1.0.0/16'],
    });
    clock.advance(100);
    expect(types(events.client)).toEqual(['ike-up', 'child-up']);
    expect(types(events.gateway)).toEqual(['ike-up', 'child-up']);

    gw.onUdp((m) => gw.sendUdp({ from: m.to, to: m.from, payload: Uint8Array.of(...m.payload, 0x21) }));
    const got: string[] = [];
    client.onUdp((m) => got.push(`${m.from.address}:${m.from.port} ${new TextDecoder().decode(m.payload)}`));
    client.sendUdp({
      from: { address: '10.2.0.1', port: 4000 },
      to: { address: '10.1.0.1', port: 7 },
      payload: new TextEncoder().encode('hi'),
    });
    clock.advance(100);
    expect(got).toEqual(['10.1.0.1:7 hi!']);
    expect(client.counters().esp).toMatchObject({ outProtected: 1, inProtected: 1 });
    // Outside every policy: dropped and counted, never sent in clear.
    client.sendUdp({
      from: { address: '10.9.0.1', port: 1 },
      to: { address: '10.1.0.1', port: 7 },
      payload: Uint8Array.of(1),
    });
    expect(client.counters().esp.drops['no-policy']).toBe(1);

    expect(client.supervisor.rekeyChild('net')).toBe(true);
    clock.advance(1000);
    const rekeyed = events.client.find((e) => e.type === 'child-up' && e.rekeyOf !== undefined);
    expect(rekeyed?.type === 'child-up' && rekeyed.rekeyOf).toBe(up.child.spiIn);
    expect(types(events.client).slice(2)).toEqual(['child-up', 'child-down:rekeyed']);

    expect(client.supervisor.rekeyIke('site')).toBe(1);
    clock.advance(5000);
    expect(types(events.client).slice(4)).toEqual(['ike-up', 'ike-rekeyed', 'ike-down:rekeyed']);

    expect(client.terminate('site')).toBe(1);
    clock.advance(1000);
    expect(client.ikeSas()).toEqual([]);
    expect(types(events.client).slice(-2)).toEqual(['child-down:ike-down', 'ike-down:closed']);
    expect(types(events.gateway).slice(-2)).toEqual(['child-down:ike-down', 'ike-down:closed']);
    balanced(events.client);
    balanced(events.gateway);
    client.close();
    gw.close();
  });

  it('rejects connect with a PeerError when authentication fails, and reports no Child SA', async () => {
    const { clock, client, events } = twoPeers({ clientSecret: 'not the shared secret' });
    const error = await settle(clock, client.connect('site')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeerError);
    expect((error as PeerError).code).toBe('ike-failed');
    expect((error as PeerError).message).toMatch(
      /IKE SA 'site' #1 failed: .*AUTHENTICATION_FAILED|notify 24/,
    );
    expect(types(events.client)).toEqual(['ike-down:failed']);
    client.close();
  });

  it('rejects connect after timeoutMs when nobody answers, and for an unknown connection', async () => {
    const { clock, client } = twoPeers({ noGateway: true });
    const error = await settle(clock, client.connect('site', { timeoutMs: 3000 })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'timeout',
      message: "IKE SA 'site' #1: no CHILD_SA 'net' after 3000 ms",
    });
    await expect(client.connect('nope')).rejects.toThrow("no connection 'nope'");
    const pending = client.connect('site');
    client.close();
    await expect(pending).rejects.toMatchObject({
      code: 'closed',
      message: "IKE SA 'site' #2: the peer was closed",
    });
    await expect(client.connect('site')).rejects.toMatchObject({ code: 'closed' });
  });

  it('builds and parses inner UDP packets of either IP version', () => {
    for (const [a, b] of [
      ['10.0.0.1', '10.0.0.2'],
      ['2001:db8::1', '2001:db8::2'],
    ] as const) {
      const m = {
        from: { address: a, port: 1234 },
        to: { address: b, port: 53 },
        payload: Uint8Array.of(1, 2, 3),
      };
      expect(parseUdpPacket(buildUdpPacket(m))).toEqual(m);
    }
    const bad = buildUdpPacket({
      from: { address: '10.0.0.1', port: 1 },
      to: { address: '10.0.0.2', port: 2 },
      payload: Uint8Array.of(9),
    });
    bad[bad.length - 1] = 8; // the checksum no longer matches
    expect(parseUdpPacket(bad)).toBeUndefined();
    expect(() =>
      buildUdpPacket({
        from: { address: '10.0.0.1', port: 1 },
        to: { address: '::1', port: 2 },
        payload: Uint8Array.of(),
      }),
    ).toThrow(TypeError);
  });
});

describe('defineConfig', () => {
  it('fills the swanctl defaults', () => {
    const c = config('cl');
    expect(c.daemon.port_nat_t).toBe(4500);
    expect(c.connections[0]).toMatchObject({ remote_port: 500, rekey_time: 14400, keyingtries: 1 });
    expect(c.connections[0]?.children[0]).toMatchObject({
      mode: 'tunnel',
      rekey_time: 3600,
      life_time: 3960,
    });
    expect(c.secrets[0]?.secret).toEqual(new TextEncoder().encode('the shared secret'));
  });

  it('lists every problem in one ConfigValidationError', () => {
    let error: unknown;
    try {
      defineConfig({
        daemon: { port: 4500 },
        connections: [
          {
            name: 'a',
            proposals: ['aes128-nosuchprf-x25519'],
            local: { auth: 'psk', id: 'a.example' },
            remote: { auth: 'psk', id: 'ipv4:not-an-address' },
            children: [{ name: 'c', local_ts: ['10.0.0.0/33'], esp_proposals: ['aes128gcm16'] }],
          },
          {
            name: 'b',
            local: { auth: 'psk', id: 'b.example' },
            remote: { auth: 'psk', id: 'x.example' },
            children: [],
          },
        ],
        secrets: [
          { id: ['a.example'], secret: 'k' },
          { name: 'env', id: ['nobody.example'], secret: undefined as unknown as string },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems;
    expect(problems).toHaveLength(6);
    expect(problems[0]).toBe('daemon: port and port_nat_t are both 4500');
    expect(problems[1]).toBe('secrets.env: the secret is undefined, not a string or Uint8Array');
    expect(problems[2]).toMatch(/^connections\.a\.proposals: .*nosuchprf/);
    expect(problems[3]).toMatch(/^connections\.a\.remote\.id: invalid IPv4 identity/);
    expect(problems[4]).toMatch(/^connections\.a\.children\.c\.local_ts: '10\.0\.0\.0\/33'/);
    expect(problems[5]).toBe("connections.b: no secret for local id 'b.example' or remote id 'x.example'");
  });
});
