/**
 * The TUN device against the real kernel, inside a throwaway network namespace: ping through
 * it (echo replies written back by the test), a UDP datagram read byte-exact, a burst read in
 * batches with every packet still intact at the end (slab and copy buffering), close deleting
 * the device and its routes, typed errors for bad and busy names, writes after close.
 * Needs root and /dev/net/tun: fails (never skips) without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerEcho } from '../../../../ipsec/packet/echo.js';
import { decodeIp } from '../../../../ipsec/packet/ip.js';
import { IpProto } from '../../../../ipsec/packet/proto.js';
import { buildUdp, decodeUdp } from '../../../../ipsec/packet/udp.js';
import { ip, linkExists, routeList } from '../../../../targets/native/tun/iproute.js';
import { openTun, TunError } from '../../../../targets/native/tun/tun-device.js';
import {
  collect,
  createNetns,
  datagram,
  netnsDelete,
  nsDevice,
  nsExec,
  randomHex,
  requireTunHost,
  sendUdp,
} from './netns.js';

/** A decoded IPv4 UDP packet to `port`, or undefined (IPv6 router solicitations, MLD, ...). */
function udpTo(packet: Uint8Array, port: number) {
  const d = decodeIp(packet);
  if (!d.ok || d.value.version !== 4 || d.value.protocol !== IpProto.UDP) return undefined;
  const u = decodeUdp(d.value.payload);
  return u.ok && u.value.dstPort === port ? { ip: d.value, udp: u.value } : undefined;
}

let ns = '';

beforeAll(async () => {
  requireTunHost();
  ns = await createNetns();
});

afterAll(async () => {
  if (ns) await netnsDelete(ns);
});

describe('TUN device', () => {
  it('answers ping: echo requests read from the fd, replies written back', async () => {
    const { dev, local, remote } = await nsDevice(ns, 20);
    try {
      const sub = dev.packets$.subscribe((p) => {
        const reply = answerEcho(p);
        if (reply.ok) dev.write(reply.value);
      });
      const ping = await nsExec(ns, [
        'ping',
        '-n',
        '-c',
        '3',
        '-i',
        '0.2',
        '-W',
        '10',
        '-I',
        local,
        remote(5),
      ]);
      sub.unsubscribe();
      expect(ping.stderr).toBe('');
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
      expect(ping.code).toBe(0);
      expect(dev.counters().packetsWritten).toBe(3);
      expect(dev.counters().writeErrors).toBe(0);
    } finally {
      dev.close();
    }
  });

  it.each(['slab', 'copy'] as const)('reads a UDP datagram byte-exact (%s)', async (buffering) => {
    const { dev, local, remote } = await nsDevice(ns, 22, { buffering });
    try {
      const got = collect(dev, (p) => udpTo(p, 9999) !== undefined, 1);
      const payload = datagram(0, 100); // the sender's first datagram
      const sent = await sendUdp(ns, { addr: local, port: 40000 }, { addr: remote(9), port: 9999 }, 1, 100);
      expect(sent).toMatchObject({ code: 0, stderr: '' });
      const [packet] = await got;
      const { ip: h } = udpTo(packet!, 9999)!;
      expect([...h.src]).toEqual([10, 22, 0, 1]);
      expect([...h.dst]).toEqual([10, 23, 0, 9]);
      // The whole UDP segment, checksum included (no offloads: the kernel completes it).
      const segment = buildUdp({ src: h.src, dst: h.dst, srcPort: 40000, dstPort: 9999, payload });
      expect(Buffer.from(h.payload).toString('hex')).toBe(Buffer.from(segment).toString('hex'));
      expect(packet!.length).toBe(20 + 8 + 100);
    } finally {
      dev.close();
    }
  });

  it.each(['slab', 'copy'] as const)(
    'reads a burst of 2000 datagrams, each still intact after all were read (%s)',
    async (buffering) => {
      const count = 2000;
      const size = 200;
      const { dev, local, remote } = await nsDevice(ns, 24, { buffering, slabSize: 64 * 1024 });
      try {
        const got = collect(dev, (p) => udpTo(p, 7000) !== undefined, count);
        const sent = await sendUdp(
          ns,
          { addr: local, port: 40001 },
          { addr: remote(7), port: 7000 },
          count,
          size,
        );
        expect(sent).toMatchObject({ code: 0, stderr: '' });
        const packets = await got;
        const seen = new Set<number>();
        for (const p of packets) {
          const { udp } = udpTo(p, 7000)!;
          const i = new DataView(udp.payload.buffer, udp.payload.byteOffset).getUint32(0);
          expect(Buffer.from(udp.payload).equals(datagram(i, size))).toBe(true);
          seen.add(i);
        }
        expect(seen.size).toBe(count);
        const c = dev.counters();
        expect(c.readErrors).toBe(0);
        expect(c.packetsRead).toBeGreaterThanOrEqual(count);
        expect(c.readBatches).toBeGreaterThan(0);
        expect(c.readBatches).toBeLessThanOrEqual(c.packetsRead);
      } finally {
        dev.close();
      }
    },
  );

  it('close() deletes the device and its routes; it is idempotent and completes packets$', async () => {
    const { dev, remote } = await nsDevice(ns, 26);
    const name = dev.name;
    const routes = await routeList(name, { netns: ns });
    expect(routes.map((r) => r.dst)).toContain('10.27.0.0/24');
    let completed = false;
    dev.packets$.subscribe({ complete: () => (completed = true) });
    dev.close();
    dev.close();
    expect(completed).toBe(true);
    expect(dev.closed).toBe(true);
    expect(await linkExists(name, { netns: ns })).toBe(false);
    const all = JSON.parse(await ip(['-j', 'route', 'show'], { netns: ns })) as {
      dst: string;
      dev?: string;
    }[];
    expect(all.filter((r) => r.dev === name || r.dst === '10.27.0.0/24')).toEqual([]);
    // With the route gone, the address is unreachable from inside the namespace.
    const ping = await nsExec(ns, ['ping', '-n', '-c', '1', '-W', '1', remote(1)]);
    expect(ping.code).not.toBe(0);
  });

  it('write() after close returns false (counted as a drop), never throws', async () => {
    const { dev } = await nsDevice(ns, 28);
    dev.close();
    expect(dev.write(new Uint8Array(40))).toBe(false);
    expect(dev.counters().drops).toBe(1);
  });

  it('write() of a non-IP packet is a counted write error, not a throw', async () => {
    const { dev } = await nsDevice(ns, 30);
    try {
      expect(dev.write(new Uint8Array([0xff, 1, 2, 3]))).toBe(false);
      expect(dev.write(new Uint8Array(0))).toBe(false);
      expect(dev.counters()).toMatchObject({ writeErrors: 2, packetsWritten: 0 });
    } finally {
      dev.close();
    }
  });

  it('packets$ errors when the interface is deleted under the fd', async () => {
    const { dev } = await nsDevice(ns, 32);
    const failed = new Promise<unknown>((resolve) => dev.packets$.subscribe({ error: resolve }));
    await ip(['link', 'del', 'dev', dev.name], { netns: ns });
    const e = await failed;
    expect(e).toBeInstanceOf(TunError);
    expect((e as TunError).code).toBe('io');
    expect(dev.closed).toBe(true);
    expect(dev.write(new Uint8Array(40))).toBe(false);
  });
});

describe('openTun errors and names', () => {
  it('a name over 15 characters is a typed invalid-name error', () => {
    const e = (() => {
      try {
        openTun('a-much-too-long-name');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(TunError);
    expect((e as TunError).code).toBe('invalid-name');
    expect((e as TunError).message).toMatch(/at most 15/);
  });

  it.each(['', 'a/b', 'a:b', 'a b', '..', 'x%s', 'x%d%d'])('%j is an invalid name', (name) => {
    expect(() => openTun(name)).toThrow(expect.objectContaining({ code: 'invalid-name' }));
  });

  it('a %d pattern gets a kernel-chosen name; the same name twice is busy', () => {
    const prefix = `ikp${randomHex(3)}`;
    const a = openTun(`${prefix}%d`);
    try {
      expect(a.name).toMatch(new RegExp(`^${prefix}\\d+$`));
      expect(() => openTun(a.name)).toThrow(expect.objectContaining({ code: 'busy' }));
    } finally {
      a.close();
    }
  });

  it('a name taken by a device that is not TUN is busy', () => {
    expect(() => openTun('lo')).toThrow(expect.objectContaining({ code: 'busy' }));
  });
});
