/**
 * Batched sends (transport/udp-batch.ts): the native layout sendmmsg reads, the kernel's short
 * counts and errors (through the syscall seam), and real sendmmsg on loopback sockets through
 * the UDP transport: every datagram arrives, whole and in order, batched or not.
 */
import fc from 'fast-check';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../transport/types.js';
import { createUdpTransport, type UdpTransport } from '../../transport/udp.js';
import {
  type BatchSyscalls,
  createBatchSender,
  koffiSyscalls,
  SLOT_BYTES,
  SLOTS,
  socketFd,
} from '../../transport/udp-batch.js';

/** Native memory stand-in: an ArrayBuffer at a made-up address; sendmmsg scripted per call. */
function fakeSyscalls(script: (number | { errno: number })[]) {
  const calls: { msgvec: bigint; vlen: number }[] = [];
  let errno = 0;
  let freed = 0;
  let memory: DataView | undefined;
  const base = 0x7000_0000_0000n;
  const sys: BatchSyscalls = {
    alloc(bytes) {
      const view = new ArrayBuffer(bytes);
      memory = new DataView(view);
      return { address: base, view, free: () => freed++ };
    },
    sendmmsg(_fd, msgvec, vlen) {
      calls.push({ msgvec, vlen });
      const r = script.shift() ?? vlen;
      if (typeof r === 'number') return Math.min(r, vlen);
      errno = r.errno;
      return -1;
    },
    errno: () => errno,
  };
  return { sys, calls, base, memory: () => memory!, freed: () => freed };
}

const to4: Endpoint = { address: '192.0.2.7', port: 4500 };
const to6: Endpoint = { address: '2001:db8::9', port: 500 };

describe('createBatchSender', () => {
  it('writes mmsghdr, iovec, sockaddr_in and payload where sendmmsg reads them (LP64)', () => {
    const f = fakeSyscalls([]);
    const s = createBatchSender(5, false, f.sys);
    expect(s.queue(new Uint8Array([1, 2, 3]), to4)).toBe(true);
    expect(s.queue(new Uint8Array(SLOT_BYTES).fill(9), { address: '198.51.100.1', port: 65535 })).toBe(true);
    expect(s.flush()).toEqual({ sent: 2, segmented: 0, refused: [], failed: [] }); // the headers are written here
    const m = f.memory();
    const ptr = (at: number) => Number(m.getBigUint64(at, true) - f.base);
    const iovAt = SLOTS * 64;
    for (const [i, len, family, port, addr] of [
      [0, 3, 2, 4500, [192, 0, 2, 7]],
      [1, SLOT_BYTES, 2, 65535, [198, 51, 100, 1]],
    ] as const) {
      const h = i * 64;
      const name = ptr(h); // msg_name
      expect(m.getUint32(h + 8, true)).toBe(16); // msg_namelen = sizeof(struct sockaddr_in)
      expect(ptr(h + 16)).toBe(iovAt + i * 16); // msg_iov
      expect(m.getBigUint64(h + 24, true)).toBe(1n); // msg_iovlen
      expect(m.getUint16(name, true)).toBe(family);
      expect(m.getUint16(name + 2, false)).toBe(port);
      expect([...new Uint8Array(m.buffer, name + 4, 4)]).toEqual(addr);
      const base = ptr(iovAt + i * 16);
      expect(m.getBigUint64(iovAt + i * 16 + 8, true)).toBe(BigInt(len));
      expect(new Uint8Array(m.buffer, base, len)).toEqual(
        i === 0 ? new Uint8Array([1, 2, 3]) : new Uint8Array(len).fill(9),
      );
    }
    expect(f.calls).toEqual([{ msgvec: f.base, vlen: 2 }]);
  });

  it('writes sockaddr_in6 (family 10, port, address at 8, no scope) for an IPv6 socket', () => {
    const f = fakeSyscalls([]);
    const s = createBatchSender(5, true, f.sys);
    expect(s.queue(new Uint8Array([7]), to6)).toBe(true);
    s.flush();
    const m = f.memory();
    const name = Number(m.getBigUint64(0, true) - f.base);
    expect(m.getUint32(8, true)).toBe(28);
    expect(m.getUint16(name, true)).toBe(10);
    expect(m.getUint16(name + 2, false)).toBe(500);
    expect(m.getUint32(name + 4, true)).toBe(0); // flow info
    expect([...new Uint8Array(m.buffer, name + 8, 16)]).toEqual([
      0x20,
      1,
      0x0d,
      0xb8,
      ...Array(11).fill(0),
      9,
    ]);
    expect(m.getUint32(name + 24, true)).toBe(0); // scope id
  });

  it('close() frees the native block once; queue() refuses after it', () => {
    const f = fakeSyscalls([]);
    const s = createBatchSender(5, false, f.sys);
    s.close();
    s.close();
    expect(f.freed()).toBe(1);
    expect(s.queue(new Uint8Array(1), to4)).toBe(false);
  });

  it('refuses what it cannot batch: too big, another family, no literal, a full queue', () => {
    const s = createBatchSender(5, false, fakeSyscalls([]).sys);
    expect(s.queue(new Uint8Array(SLOT_BYTES + 1), to4)).toBe(false);
    expect(s.queue(new Uint8Array(1), to6)).toBe(false);
    expect(s.queue(new Uint8Array(1), { address: 'localhost', port: 1 })).toBe(false);
    expect(s.pending).toBe(0);
    for (let i = 0; i < SLOTS; i++) expect(s.queue(new Uint8Array(1), to4)).toBe(true);
    expect(s.queue(new Uint8Array(1), to4)).toBe(false);
    expect(s.pending).toBe(SLOTS);
  });

  it('goes on after a short count, hands EAGAIN back to the caller, drops one datagram per other errno', () => {
    const f = fakeSyscalls([2, { errno: 101 /* ENETUNREACH */ }, 1, { errno: 11 /* EAGAIN */ }]);
    const s = createBatchSender(5, false, f.sys);
    const data = Array.from({ length: 7 }, (_, i) => new Uint8Array([i]));
    for (const d of data) s.queue(d, { ...to4, port: 1000 + d[0]! });
    const r = s.flush();
    expect(r.sent).toBe(3);
    expect(r.failed).toEqual([{ to: { ...to4, port: 1002 }, errno: 101 }]);
    expect(r.refused.map((x) => x.data)).toEqual(data.slice(4));
    // each call gets the headers rebuilt for what is left
    expect(f.calls.map((c) => [Number(c.msgvec - f.base) / 64, c.vlen])).toEqual([
      [0, 7],
      [0, 5],
      [0, 4],
      [0, 3],
    ]);
    expect(s.pending).toBe(0);
  });
});

describe('createBatchSender with UDP segmentation offload', () => {
  const header = (m: DataView, base: bigint, k: number) => ({
    iov: Number(m.getBigUint64(k * 64 + 16, true) - base - BigInt(SLOTS * 64)) / 16,
    iovlen: Number(m.getBigUint64(k * 64 + 24, true)),
    control: m.getBigUint64(k * 64 + 32, true),
    controllen: Number(m.getBigUint64(k * 64 + 40, true)),
  });

  it('sends a run of one size to one destination (the last may be shorter) as one UDP_SEGMENT message', () => {
    const f = fakeSyscalls([]);
    const s = createBatchSender(5, false, f.sys);
    const other = { ...to4, port: 4501 };
    for (const [n, to] of [
      [100, to4],
      [100, to4],
      [100, to4],
      [60, to4], // shorter: ends the run
      [100, to4],
      [100, other],
      [120, other], // larger: starts a new run
    ] as const)
      s.queue(new Uint8Array(n), to);
    expect(s.flush()).toEqual({ sent: 7, segmented: 4, refused: [], failed: [] });
    expect(f.calls.map((c) => c.vlen)).toEqual([4]);
    const m = f.memory();
    const msgs = [0, 1, 2, 3].map((k) => header(m, f.base, k));
    expect(msgs.map((h) => [h.iov, h.iovlen, h.controllen])).toEqual([
      [0, 4, 24],
      [4, 1, 0],
      [5, 1, 0],
      [6, 1, 0],
    ]);
    expect(msgs[1]!.control).toBe(0n);
    const c = Number(msgs[0]!.control - f.base);
    expect(m.getBigUint64(c, true)).toBe(18n); // cmsg_len = CMSG_LEN(sizeof(u16))
    expect([m.getInt32(c + 8, true), m.getInt32(c + 12, true), m.getUint16(c + 16, true)]).toEqual([
      17, 103, 100,
    ]);
  });

  it('stops segmenting when the kernel refuses it, and sends the same datagrams singly', () => {
    const f = fakeSyscalls([{ errno: 5 /* EIO */ }]);
    const s = createBatchSender(5, false, f.sys);
    for (let i = 0; i < 3; i++) s.queue(new Uint8Array(100), to4);
    expect(s.flush()).toEqual({ sent: 3, segmented: 0, refused: [], failed: [] });
    expect(f.calls.map((c) => c.vlen)).toEqual([1, 3]);
    for (let i = 0; i < 2; i++) s.queue(new Uint8Array(100), to4);
    s.flush();
    expect(f.calls.map((c) => c.vlen)).toEqual([1, 3, 2]); // off for good
    expect(s.gso).toBe(false);
  });

  it('without gso every datagram is a message of its own', () => {
    const f = fakeSyscalls([]);
    const s = createBatchSender(5, false, f.sys, { gso: false });
    for (let i = 0; i < 3; i++) s.queue(new Uint8Array(100), to4);
    s.flush();
    expect(f.calls.map((c) => c.vlen)).toEqual([3]);
  });
});

describe('the UDP transport with batched sends (real sendmmsg)', () => {
  const open: UdpTransport[] = [];
  afterEach(async () => {
    for (const t of open.splice(0)) {
      t.close();
      await t.closed;
    }
  });
  const udp = async (address: string, batch?: BatchSyscalls) => {
    const t = await createUdpTransport({ bind: [{ address, port: 0 }], ...(batch ? { batch } : {}) });
    open.push(t);
    return t;
  };

  it('finds the file descriptor of a bound dgram socket', async () => {
    const { createSocket } = await import('node:dgram');
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    try {
      expect(socketFd(s)).toBeGreaterThan(2);
    } finally {
      s.close();
    }
    expect(socketFd({})).toBeUndefined();
  });

  for (const address of ['127.0.0.1', '::1']) {
    it(`delivers every datagram whole and in order, batched and not (${address})`, async () => {
      const sys = await koffiSyscalls();
      await fc.assert(
        fc.asyncProperty(
          fc
            .array(
              fc.record({
                size: fc.integer({ min: 0, max: SLOT_BYTES + 600 }),
                run: fc.integer({ min: 1, max: 70 }),
              }),
              { minLength: 1, maxLength: 8 },
            )
            .map((runs) => runs.flatMap((r) => Array<number>(r.run).fill(r.size)).slice(0, 3 * SLOTS)),
          async (sizes) => {
            const a = await udp(address, sys);
            const b = await udp(address);
            const from = a.endpoints[0]!;
            const to = b.endpoints[0]!;
            const got = firstValueFrom(
              b.datagrams$.pipe(
                filter((d) => d.remote.port === from.port),
                take(sizes.length),
                toArray(),
                timeout(5000),
              ),
            );
            const sent = sizes.map((n, i) => new Uint8Array(n + 2).fill(i & 0xff).fill(i >> 8, 0, 1));
            for (const d of sent) a.send(d, from, to);
            const received = await got;
            expect(received.map((d) => d.data)).toEqual(sent);
            expect(a.counters.sent).toBe(sizes.length);
            expect(a.counters.sendErrors).toBe(0);
            // the first datagram is batched when it fits; after one sent through dgram the rest
            // follow it there until it has gone, so the order holds
            if (sizes[0]! + 2 <= SLOT_BYTES) expect(a.counters.batches).toBeGreaterThan(0);
            if (sizes.every((n) => n + 2 <= SLOT_BYTES))
              expect(a.counters.batches).toBe(Math.ceil(sizes.length / SLOTS));
            a.close();
            b.close();
          },
        ),
        { numRuns: 15 },
      );
    });
  }

  for (const address of ['127.0.0.1', '::1'])
    it(`sends a run of equal datagrams as one UDP_SEGMENT message; they arrive one by one (${address})`, async () => {
      const a = await udp(address, await koffiSyscalls());
      const b = await udp(address);
      const from = a.endpoints[0]!;
      const to = b.endpoints[0]!;
      const got = firstValueFrom(b.datagrams$.pipe(take(41), toArray(), timeout(5000)));
      const sent = Array.from({ length: 41 }, (_, i) => new Uint8Array(i === 40 ? 300 : 1400).fill(i));
      for (const d of sent) a.send(d, from, to);
      expect((await got).map((d) => d.data)).toEqual(sent);
      expect(a.counters.batchSegmented).toBe(41);
      expect(a.counters.batches).toBe(1);
    });

  it('counts a datagram the kernel rejects and still sends the rest of the batch', async () => {
    const a = await udp('127.0.0.1', await koffiSyscalls());
    const b = await udp('127.0.0.1');
    const from = a.endpoints[0]!;
    const to = b.endpoints[0]!;
    const got = firstValueFrom(b.datagrams$.pipe(take(2), toArray(), timeout(5000)));
    a.send(new Uint8Array([1]), from, to);
    a.send(new Uint8Array([2]), from, { address: '0.0.0.0', port: 0 }); // EINVAL / unreachable
    a.send(new Uint8Array([3]), from, to);
    expect((await got).map((d) => [...d.data])).toEqual([[1], [3]]);
    expect(a.counters.sent).toBe(2);
    expect(a.counters.sendErrors).toBe(1);
  });
});
