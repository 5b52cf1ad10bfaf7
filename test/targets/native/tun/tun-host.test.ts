/**
 * The TUN host (targets/native/tun/tun-host.ts) against the real kernel, in a throwaway network
 * namespace, with a real SPD actor and a stand-in ESP pipeline: the device comes up with its MTU
 * and address and the policy rule; routes follow the outbound tunnel-mode PROTECT policies
 * (with the device's address as source, counted when two policies need one prefix, none for
 * transport mode); the host's own ping reaches the pipeline and the answer written back reaches
 * ping; a too-big packet gets its ICMP error and ping learns the MTU; a route covering a peer
 * gets an exclude route; close removes the device, its routes, the rule and the exclude route.
 * Needs root and /dev/net/tun: fails (never skips) without them.
 */
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundPacket, TooBig } from '../../../../actors/esp-pipeline.js';
import type { SadNotice } from '../../../../actors/sad.js';
import { SpdActor } from '../../../../actors/spd.js';
import { answerEcho } from '../../../../ipsec/packet/echo.js';
import { decodeIp } from '../../../../ipsec/packet/ip.js';
import { IpProto } from '../../../../ipsec/packet/proto.js';
import { tooBigError } from '../../../../ipsec/packet/too-big.js';
import { mustSelector } from '../../../../ipsec/policy/selector.js';
import { ip, linkExists, linkSetNetns, routeList } from '../../../../targets/native/tun/iproute.js';
import { openTun } from '../../../../targets/native/tun/tun-device.js';
import { startTunHost, TUN_TXQUEUELEN, type TunHost } from '../../../../targets/native/tun/tun-host.js';
import { createNetns, netnsDelete, nsExec, randomHex, requireTunHost } from './netns.js';

const TABLE = 120;
let ns = '';

beforeAll(async () => {
  requireTunHost();
  ns = await createNetns();
  // a link in the namespace's main table, where a peer's packets go before any tunnel
  await ip(['link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1'], { netns: ns });
  await ip(['link', 'set', 'up1', 'up'], { netns: ns });
  await ip(['addr', 'add', '10.70.0.1/24', 'dev', 'up0'], { netns: ns });
  await ip(['link', 'set', 'up0', 'up'], { netns: ns });
});

afterAll(async () => {
  if (ns) await netnsDelete(ns);
});

const quiet = { info() {}, warn() {}, debug() {} };

interface Rig {
  readonly host: TunHost;
  readonly spd: SpdActor;
  readonly sent: Uint8Array[];
  readonly delivered$: Subject<InboundPacket>;
  readonly tooBig$: Subject<TooBig>;
  readonly sad$: Subject<SadNotice>;
  onSend?: (p: Uint8Array) => void;
}

async function rig(peers: string[] = []): Promise<Rig> {
  const spd = new SpdActor();
  const delivered$ = new Subject<InboundPacket>();
  const tooBig$ = new Subject<TooBig>();
  const sad$ = new Subject<SadNotice>();
  const sent: Uint8Array[] = [];
  const r: { onSend?: (p: Uint8Array) => void } = {};
  const host = await startTunHost({
    name: `ikh${randomHex(4)}`,
    mtu: 1400,
    table: TABLE,
    addresses: ['10.60.0.1', 'fd60::1'],
    pipeline: {
      send: (p) => {
        sent.push(p);
        r.onSend?.(p);
      },
      delivered$,
      tooBig$,
    },
    spd,
    sad: { events$: sad$ },
    peers,
    logger: quiet,
    netns: ns,
    open: async (name) => {
      const dev = openTun(name);
      await linkSetNetns(dev.name, ns);
      return dev;
    },
  });
  return Object.assign(r, { host, spd, sent, delivered$, tooBig$, sad$ });
}

const protect = (
  spd: SpdActor,
  remote: string,
  o: { mode?: 'tunnel' | 'transport'; reqid?: number; local?: string } = {},
) => {
  const r = spd.send({
    type: 'policy.add',
    params: {
      direction: 'out',
      action: 'PROTECT',
      reqid: o.reqid ?? 1,
      localTs: [mustSelector(o.local ?? '10.60.0.0/24')],
      remoteTs: [mustSelector(remote)],
      mode: o.mode ?? 'tunnel',
    },
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value[0]!;
};

const tableRoutes = async (dev: string) =>
  (await routeList(dev, { netns: ns, table: TABLE })).map(
    (r) => `${r.dst}${r.prefsrc ? ` src ${r.prefsrc}` : ''}`,
  );
const rules = async () =>
  (JSON.parse(await ip(['-j', 'rule', 'show'], { netns: ns })) as { table?: string; priority?: number }[])
    .filter((r) => String(r.table) === String(TABLE))
    .map((r) => r.priority);

describe('TUN host', () => {
  it('brings the device up with its MTU and address, adds the rule, and removes all of it on close', async () => {
    const r = await rig();
    const link = JSON.parse(await ip(['-j', 'addr', 'show', 'dev', r.host.name], { netns: ns }))[0];
    expect(link.mtu).toBe(1400);
    expect(link.txqlen).toBe(TUN_TXQUEUELEN); // not the TUN default of 500
    expect(link.flags).toContain('UP');
    expect(
      link.addr_info.map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`),
    ).toContain('10.60.0.1/32');
    expect(await rules()).toEqual([220]);
    await r.host.close();
    expect(await linkExists(r.host.name, { netns: ns })).toBe(false);
    expect(await rules()).toEqual([]);
  });

  it('routes the remote selectors of tunnel-mode PROTECT policies, counted per prefix, none for transport mode', async () => {
    const r = await rig();
    try {
      const a = protect(r.spd, '10.50.0.0/24', { reqid: 1 });
      const b = protect(r.spd, '10.50.0.0/24', { reqid: 2 }); // e.g. a trap policy and its SA's
      protect(r.spd, '10.51.0.5-10.51.0.9', { reqid: 3 });
      protect(r.spd, '10.52.0.0/24', { reqid: 4, mode: 'transport' });
      await r.host.settled();
      expect((await tableRoutes(r.host.name)).sort()).toEqual([
        '10.50.0.0/24 src 10.60.0.1',
        '10.51.0.5 src 10.60.0.1',
        '10.51.0.6/31 src 10.60.0.1',
        '10.51.0.8/31 src 10.60.0.1',
      ]);
      r.spd.send({ type: 'policy.delete', params: { id: a.id } });
      await r.host.settled();
      expect(await tableRoutes(r.host.name)).toContain('10.50.0.0/24 src 10.60.0.1');
      r.spd.send({ type: 'policy.delete', params: { id: b.id } });
      r.spd.send({ type: 'policy.delete', params: { reqid: 3 } });
      await r.host.settled();
      expect(await tableRoutes(r.host.name)).toEqual([]);
    } finally {
      await r.host.close();
    }
  });

  it('routes IPv6 selectors too, with the device address of that family as source', async () => {
    const r = await rig();
    try {
      protect(r.spd, 'fd50::/64', { local: 'fd60::/64' });
      await r.host.settled();
      const v6 = (await routeList(r.host.name, { netns: ns, table: TABLE, family: 6 })).map(
        (x) => `${x.dst} src ${x.prefsrc}`,
      );
      expect(v6).toEqual(['fd50::/64 src fd60::1']);
    } finally {
      await r.host.close();
    }
  });

  it("carries the host's own ping to the pipeline and the reply back to ping", async () => {
    const r = await rig();
    try {
      protect(r.spd, '10.50.0.0/24');
      await r.host.settled();
      r.onSend = (p) => {
        const reply = answerEcho(p);
        if (reply.ok) r.delivered$.next({ packet: reply.value });
      };
      const ping = await nsExec(ns, ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '5', '10.50.0.7']);
      expect(ping.stdout).toContain('2 received');
      const first = decodeIp(r.sent.find((p) => decodeIp(p).ok && p[9] === IpProto.ICMP)!);
      expect(first.ok && first.value.version === 4 && [...first.value.src]).toEqual([10, 60, 0, 1]);
    } finally {
      await r.host.close();
    }
  });

  it('answers a too-big packet with ICMP fragmentation needed, so ping learns the MTU', async () => {
    const r = await rig();
    try {
      protect(r.spd, '10.50.0.0/24');
      await r.host.settled();
      r.onSend = (p) => {
        if (p.length > 1200) r.tooBig$.next({ packet: p, mtu: 1100, icmp: tooBigError(p, 1100)! });
      };
      const ping = await nsExec(ns, [
        'ping',
        '-n',
        '-c',
        '1',
        '-M',
        'do',
        '-s',
        '1300',
        '-W',
        '2',
        '10.50.0.7',
      ]);
      expect(`${ping.stdout}${ping.stderr}`).toMatch(/mtu = 1100/);
      expect(r.host.counters().packetsWritten).toBeGreaterThanOrEqual(1);
    } finally {
      await r.host.close();
    }
  });

  it('adds an exclude route for a peer inside a routed prefix, and removes it on close', async () => {
    const r = await rig(['10.70.0.5']);
    protect(r.spd, '0.0.0.0/0');
    await r.host.settled();
    const excludes = async () =>
      (
        JSON.parse(
          await ip(['-j', 'route', 'show', 'table', String(TABLE), 'dev', 'up0'], { netns: ns }),
        ) as {
          dst: string;
        }[]
      ).map((x) => x.dst);
    expect(await excludes()).toEqual(['10.70.0.5']);
    expect(await tableRoutes(r.host.name)).toEqual(['default src 10.60.0.1']);
    // a peer that shows up with an SA later gets one too
    r.sad$.next({
      type: 'sa.installed',
      entry: {
        direction: 'out',
        dst: { address: '10.70.0.9', port: 4500 },
        dstAddress: new Uint8Array([10, 70, 0, 9]),
      },
    } as unknown as SadNotice);
    await r.host.settled();
    expect((await excludes()).sort()).toEqual(['10.70.0.5', '10.70.0.9']);
    await r.host.close();
    expect(await excludes()).toEqual([]);
  });
});
