import { networkInterfaces } from 'node:os';
import { pino } from 'pino';
import { firstValueFrom, timeout, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint, Transport } from '../../transport/types.js';
import { createUdpTransport, type TransportLogger, type UdpTransport } from '../../transport/udp.js';

const V4 = '127.0.0.1';
const V6 = '::1';
const WAIT_MS = 2000;

/** A pino logger satisfies the transport's logger interface (compile-time check). */
const _pinoFits: TransportLogger = pino({ enabled: false });

const open: UdpTransport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) {
    t.close();
    await t.closed;
  }
});

async function udp(...bind: Endpoint[]): Promise<UdpTransport & { logs: string[] }> {
  const logs: string[] = [];
  const logger: TransportLogger = { warn: (_o, msg) => logs.push(msg), debug: () => {} };
  const t = await createUdpTransport({ bind, logger });
  open.push(t);
  return Object.assign(t, { logs });
}

const next = (t: Transport) => firstValueFrom(t.datagrams$.pipe(timeout(WAIT_MS)));

/** Waits (bounded) until `cond` holds; asynchronous send errors arrive in a later tick. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

function hasLoopbackV6(): boolean {
  return Object.values(networkInterfaces()).some((list) =>
    list?.some((a) => a.family === 'IPv6' && a.address === V6),
  );
}

describe('createUdpTransport', () => {
  it('exchanges datagrams both ways between two IPv4 loopback transports', async () => {
    const a = await udp({ address: V4, port: 0 });
    const b = await udp({ address: V4, port: 0 });
    const [ea] = a.endpoints;
    const [eb] = b.endpoints;
    expect(ea!.address).toBe(V4);
    expect(ea!.port).toBeGreaterThan(0);
    expect(eb!.port).not.toBe(ea!.port);

    const atB = next(b);
    a.send(new Uint8Array([1, 2, 3]), ea!, eb!);
    const d1 = await atB;
    expect(d1).toEqual({ data: new Uint8Array([1, 2, 3]), local: eb, remote: ea });
    // A plain Uint8Array: Buffer's slice() shares memory and would surprise the ipsec/ code.
    expect(Buffer.isBuffer(d1.data)).toBe(false);
    expect(d1.data.slice().buffer).not.toBe(d1.data.buffer);

    const atA = next(a);
    b.send(new Uint8Array(1400).fill(0xab), eb!, d1.remote);
    const d2 = await atA;
    expect(d2.data).toEqual(new Uint8Array(1400).fill(0xab));
    expect(d2.local).toEqual(ea);
    expect(d2.remote).toEqual(eb);
    await until(() => a.counters.sent === 1 && b.counters.sent === 1);
    expect(a.counters).toEqual({
      received: 1,
      sent: 1,
      sendErrors: 0,
      sendNoSocket: 0,
      socketErrors: 0,
      batches: 0,
      batchRefused: 0,
      batchSegmented: 0,
    });
    expect(b.counters.received).toBe(1);
  });

  it('exchanges datagrams over IPv6 ::1 (the machine must have it)', async () => {
    // Fails loudly rather than skipping: every host running this suite has IPv6 loopback.
    expect(hasLoopbackV6(), 'no ::1 on this machine: IPv6 transport untested').toBe(true);
    const a = await udp({ address: V6, port: 0 });
    const b = await udp({ address: V6, port: 0 });
    const [ea] = a.endpoints;
    const [eb] = b.endpoints;
    expect(ea!.address).toBe(V6);

    const atB = next(b);
    a.send(new Uint8Array([6, 6]), ea!, eb!);
    expect(await atB).toEqual({ data: new Uint8Array([6, 6]), local: eb, remote: ea });
    const atA = next(a);
    b.send(new Uint8Array([9]), eb!, ea!);
    expect(await atA).toEqual({ data: new Uint8Array([9]), local: ea, remote: eb });
  });

  it('serves several endpoints in one transport, each datagram tagged with its local endpoint', async () => {
    const multi = await udp({ address: V4, port: 0 }, { address: V4, port: 0 }, { address: V6, port: 0 });
    const peer4 = await udp({ address: V4, port: 0 });
    const peer6 = await udp({ address: V6, port: 0 });
    expect(multi.endpoints).toHaveLength(3);
    const [m1, m2, m6] = multi.endpoints;
    const [p4] = peer4.endpoints;
    const [p6] = peer6.endpoints;
    expect(new Set(multi.endpoints.map((e) => e.port)).size).toBe(3);

    // Inbound on each socket carries that socket's endpoint as `local`.
    const inbound = firstValueFrom(multi.datagrams$.pipe(toArray(), timeout(WAIT_MS)));
    const collected: { local: Endpoint; first: number }[] = [];
    const sub = multi.datagrams$.subscribe((d) => collected.push({ local: d.local, first: d.data[0]! }));
    peer4.send(new Uint8Array([1]), p4!, m1!);
    peer4.send(new Uint8Array([2]), p4!, m2!);
    peer6.send(new Uint8Array([6]), p6!, m6!);
    await until(() => collected.length === 3);
    sub.unsubscribe();
    expect(collected.sort((x, y) => x.first - y.first)).toEqual([
      { local: m1, first: 1 },
      { local: m2, first: 2 },
      { local: m6, first: 6 },
    ]);

    // Outbound leaves from the socket named by `from`.
    const at4 = firstValueFrom(peer4.datagrams$.pipe(timeout(WAIT_MS)));
    multi.send(new Uint8Array([22]), m2!, p4!);
    expect((await at4).remote).toEqual(m2);
    const at4b = firstValueFrom(peer4.datagrams$.pipe(timeout(WAIT_MS)));
    multi.send(new Uint8Array([11]), m1!, p4!);
    expect((await at4b).remote).toEqual(m1);
    const at6 = firstValueFrom(peer6.datagrams$.pipe(timeout(WAIT_MS)));
    // A non-canonical spelling of ::1 finds the same socket.
    multi.send(new Uint8Array([66]), { address: '0:0:0:0:0:0:0:1', port: m6!.port }, p6!);
    expect((await at6).remote).toEqual(m6);

    multi.close();
    expect(await inbound).toHaveLength(3);
  });

  it('finds the socket from any RFC 4291 spelling of its address, every time (cached), and only from those', async () => {
    expect(hasLoopbackV6(), 'no ::1 on this machine: IPv6 transport untested').toBe(true);
    const a = await udp({ address: V4, port: 0 }, { address: V6, port: 0 });
    const peer4 = await udp({ address: V4, port: 0 });
    const peer6 = await udp({ address: V6, port: 0 });
    const [a4, a6] = a.endpoints;
    const [p4] = peer4.endpoints;
    const [p6] = peer6.endpoints;
    const received6: Endpoint[] = [];
    const received4: Endpoint[] = [];
    peer6.datagrams$.subscribe((d) => received6.push(d.remote));
    peer4.datagrams$.subscribe((d) => received4.push(d.remote));

    // Each spelling twice: the first send fills the cache, the second is served from it.
    const spellings6 = ['::1', '0:0:0:0:0:0:0:1', '::0001', '0::1', '0000:0000::0:1', '::0:0:1'];
    for (const address of [...spellings6, ...spellings6])
      a.send(new Uint8Array([6]), { address, port: a6!.port }, p6!);
    a.send(new Uint8Array([4]), { address: V4, port: a4!.port }, p4!);
    a.send(new Uint8Array([4]), { address: V4, port: a4!.port }, p4!);
    await until(() => received6.length === 2 * spellings6.length && received4.length === 2);
    expect(new Set(received6.map((e) => `${e.address}|${e.port}`))).toEqual(new Set([`${V6}|${a6!.port}`]));
    expect(received4).toEqual([a4, a4]);
    expect(a.counters.sendNoSocket).toBe(0);

    // Not the same socket, as before the cache: another port, an IPv4-mapped or leading-zero
    // spelling of 127.0.0.1 (the families stay apart), text that is no address - twice each.
    const strangers: Endpoint[] = [
      { address: '::1', port: a4!.port },
      { address: V4, port: a6!.port },
      { address: '::ffff:127.0.0.1', port: a4!.port },
      { address: '127.0.0.01', port: a4!.port },
      { address: 'localhost', port: a4!.port },
    ];
    for (const from of [...strangers, ...strangers]) a.send(new Uint8Array([0]), from, p4!);
    expect(a.counters.sendNoSocket).toBe(2 * strangers.length);

    // More spellings than the cache holds: it starts over and still answers right.
    for (let i = 0; i < 200; i++)
      a.send(new Uint8Array([0]), { address: `192.0.2.${i}`, port: a4!.port }, p4!);
    expect(a.counters.sendNoSocket).toBe(2 * strangers.length + 200);
    a.send(new Uint8Array([6]), { address: '0:0:0:0:0:0:0:1', port: a6!.port }, p6!);
    await until(() => received6.length === 2 * spellings6.length + 1);

    a.close();
    a.send(new Uint8Array([6]), { address: '0:0:0:0:0:0:0:1', port: a6!.port }, p6!);
    expect(a.counters.sendNoSocket).toBe(2 * strangers.length + 201);
  });

  it('counts and logs a send from an unbound endpoint instead of throwing', async () => {
    const a = await udp({ address: V4, port: 0 });
    const b = await udp({ address: V4, port: 0 });
    const [ea] = a.endpoints;
    const [eb] = b.endpoints;
    expect(() => a.send(new Uint8Array([1]), eb!, ea!)).not.toThrow(); // eb belongs to b
    expect(() => a.send(new Uint8Array([1]), { address: '192.0.2.1', port: ea!.port }, eb!)).not.toThrow();
    expect(a.counters.sendNoSocket).toBe(2);
    expect(a.logs).toEqual([
      'udp: no socket bound to the source endpoint',
      'udp: no socket bound to the source endpoint',
    ]);
    expect(a.counters.sent).toBe(0);
  });

  it('counts failed sends: family mismatch, oversized datagram, bad port', async () => {
    const a = await udp({ address: V4, port: 0 });
    const [ea] = a.endpoints;
    expect(() => a.send(new Uint8Array([1]), ea!, { address: V6, port: 9 })).not.toThrow();
    expect(a.counters.sendErrors).toBe(1);
    // 70000 octets exceed the IPv4 UDP maximum (65507): EMSGSIZE, asynchronously.
    expect(() => a.send(new Uint8Array(70_000), ea!, ea!)).not.toThrow();
    expect(() => a.send(new Uint8Array([1]), ea!, { address: V4, port: 70_000 })).not.toThrow();
    await until(() => a.counters.sendErrors === 3);
    expect(a.counters.sent).toBe(0);
    expect(a.logs.filter((l) => l === 'udp: send failed')).toHaveLength(3);
  });

  it('completes the stream on close, frees the ports, and ignores sends afterwards', async () => {
    const a = await udp({ address: V4, port: 0 }, { address: V6, port: 0 });
    const ends = [...a.endpoints];
    let completed = false;
    a.datagrams$.subscribe({ complete: () => (completed = true) });
    a.close();
    expect(completed).toBe(true);
    await a.closed;
    a.close(); // idempotent
    expect(() => a.send(new Uint8Array([1]), ends[0]!, ends[0]!)).not.toThrow();
    expect(a.counters.sendNoSocket).toBe(1);
    // The sockets are really closed: the same ports bind again.
    const again = await udp(...ends);
    expect(again.endpoints).toEqual(ends);
  });

  it('rejects when a bind fails and releases the sockets it had bound', async () => {
    const a = await udp({ address: V4, port: 0 });
    const [taken] = a.endpoints;
    const free = await udp({ address: V4, port: 0 });
    const [freePort] = free.endpoints;
    free.close();
    await free.closed;
    await expect(createUdpTransport({ bind: [freePort!, taken!] })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    // freePort was bound by the failed call and released again.
    const reuse = await udp(freePort!);
    expect(reuse.endpoints).toEqual([freePort]);
    await expect(createUdpTransport({ bind: [{ address: 'localhost', port: 0 }] })).rejects.toThrow(
      /IP literal/,
    );
  });

  it('binds the wildcard address; `local` is then the wildcard (no per-packet destination in dgram)', async () => {
    const w = await udp({ address: '0.0.0.0', port: 0 });
    const [ew] = w.endpoints;
    expect(ew!.address).toBe('0.0.0.0');
    const peer = await udp({ address: V4, port: 0 });
    const [ep] = peer.endpoints;
    const atW = next(w);
    peer.send(new Uint8Array([7]), ep!, { address: V4, port: ew!.port });
    expect(await atW).toEqual({ data: new Uint8Array([7]), local: ew, remote: ep });
    const atPeer = next(peer);
    w.send(new Uint8Array([8]), ew!, ep!);
    expect((await atPeer).remote).toEqual({ address: V4, port: ew!.port }); // the kernel picked the source
  });
});
