/**
 * The VICI server (targets/native/vici/server.ts) on a unix socket, driven by our client and by
 * raw sockets: several clients at once, streamed events before the response, CMD_UNKNOWN,
 * event (un)registration, publish, a handler that throws, and the limits (too many clients, an
 * oversized segment, garbage, a client gone mid-command, random bytes) never hurting the server.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ViciClient, ViciError } from '../../../../targets/native/vici/client.js';
import { type ViciSection, viciPlain, viciSection } from '../../../../targets/native/vici/message.js';
import { encodeFrame } from '../../../../targets/native/vici/packet.js';
import { startViciServer, type ViciLogger, viciSocketPath } from '../../../../targets/native/vici/server.js';

const dir = mkdtempSync(join(tmpdir(), 'vici-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: { level: string; msg: string; obj: object }[] = [];
const logger: ViciLogger = {
  debug: (obj, msg) => lines.push({ level: 'debug', msg, obj }),
  info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
  warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
  error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
};

let n = 0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server with test commands: echo, stream (3 list-sa events), boom (throws), wait (until released). */
async function server(limits?: Parameters<typeof startViciServer>[0]['limits']) {
  const path = join(dir, `s${n++}.vici`);
  const s = await startViciServer({ path, logger, ...(limits ? { limits } : {}) });
  cleanups.push(() => s.close());
  const waiting: (() => void)[] = [];
  s.command('echo', (req) => req);
  s.command('stream', (_req, ctx) => {
    for (let i = 0; i < 3; i++) ctx.emit('list-sa', viciSection({ [`sa${i}`]: { i } }));
    ctx.emit('list-conn', viciSection({ never: 'sent' })); // not registered: dropped
    return viciSection({ done: 'yes', registered: ctx.registered('list-sa') });
  });
  s.command('boom', () => {
    throw new Error('a bug');
  });
  s.command('wait', async () => {
    await new Promise<void>((resolve) => waiting.push(resolve));
    return viciSection({ waited: 'yes' });
  });
  const release = () => {
    for (const r of waiting.splice(0)) r();
  };
  return { s, path, release, waiting };
}

async function client(path: string): Promise<ViciClient> {
  const c = await ViciClient.connect(path);
  cleanups.push(() => c.close());
  return c;
}

/** Writes `bytes` on a raw connection; resolves true if the server closed it within `ms`. */
function raw(path: string, bytes: Uint8Array, ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let done = false;
    const end = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(closed);
    };
    const timer = setTimeout(() => end(false), ms);
    sock.on('error', () => end(true));
    sock.on('close', () => end(true));
    sock.on('connect', () => sock.write(bytes));
  });
}

const until = async (cond: () => boolean, ms = 2000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('viciSocketPath', () => {
  it('reads unix:// URIs and plain paths', () => {
    expect(viciSocketPath('unix:///run/charon.vici')).toBe('/run/charon.vici');
    expect(viciSocketPath('/tmp/x.vici')).toBe('/tmp/x.vici');
    expect(viciSocketPath('tcp://127.0.0.1:4502')).toBeUndefined();
    expect(viciSocketPath('')).toBeUndefined();
  });
});

describe('VICI server', () => {
  it('answers commands of several clients at once', async () => {
    const { s, path } = await server();
    const clients = await Promise.all([0, 1, 2, 3, 4].map(() => client(path)));
    await until(() => s.clients === 5);
    const answers = await Promise.all(
      clients.flatMap((c, i) => [0, 1, 2].map((j) => c.request('echo', { client: i, n: j }))),
    );
    expect(answers.map((a) => viciPlain(a))).toEqual(
      clients.flatMap((_, i) => [0, 1, 2].map((j) => ({ client: String(i), n: String(j) }))),
    );
    expect(s.counters.commands).toBe(15);
    expect(s.counters.accepted).toBe(5);
  });

  it('streams the events a command emits before its response, to that client only', async () => {
    const { s, path } = await server();
    const a = await client(path);
    const b = await client(path);
    const order: string[] = [];
    await a.register('list-sa', (m) => order.push(`event ${[...m.keys()][0]}`));
    let bGot = 0;
    await b.register('list-sa', () => bGot++);
    const r = await a.request('stream');
    order.push('response');
    expect(order).toEqual(['event sa0', 'event sa1', 'event sa2', 'response']);
    expect(viciPlain(r)).toEqual({ done: 'yes', registered: 'yes' });
    expect(bGot).toBe(0);
    expect(s.counters.events).toBe(3);
    // Without registration: no events, the response alone.
    const c = await client(path);
    expect(viciPlain(await c.request('stream'))).toEqual({ done: 'yes', registered: 'no' });
    expect(s.counters.events).toBe(3);
  });

  it('answers CMD_UNKNOWN for a command nobody registered, and goes on', async () => {
    const { path } = await server();
    const c = await client(path);
    await expect(c.request('no-such-command')).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
    expect(viciPlain(await c.request('echo', { a: 1 }))).toEqual({ a: '1' });
  });

  it('confirms registration of known and declared events, EVENT_UNKNOWN otherwise', async () => {
    const { s, path } = await server();
    const c = await client(path);
    await expect(c.register('no-such-event', () => {})).rejects.toBeInstanceOf(ViciError);
    await expect(c.register('my-event', () => {})).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
    s.declareEvent('my-event');
    const got: ViciSection[] = [];
    const h = (m: ViciSection) => got.push(m);
    await c.register('my-event', h);
    await c.register('ike-updown', () => {});
    const other = await client(path);
    await other.register('child-updown', () => {});
    s.publish('my-event', viciSection({ x: 1 }));
    s.publish('child-updown', viciSection({ y: 2 }));
    await c.request('echo'); // a round trip: the event came before
    expect(got.map((m) => viciPlain(m))).toEqual([{ x: '1' }]);
    await c.unregister('my-event', h);
    s.publish('my-event', viciSection({ x: 2 }));
    await c.request('echo');
    expect(got).toHaveLength(1);
  });

  it('answers EVENT_UNKNOWN to unregistering what was not registered', async () => {
    const { path } = await server();
    const c = await client(path);
    const h = () => {};
    await c.register('log', h);
    await c.unregister('log', h);
    // The client keeps its own books; send the packet raw through a second client's socket.
    const answer = await new Promise<Uint8Array>((resolve) => {
      const sock = connect(path);
      sock.on('connect', () => sock.write(encodeFrame({ type: 'event-unregister', name: 'log' })));
      sock.on('data', (d: Buffer) => {
        resolve(new Uint8Array(d));
        sock.destroy();
      });
    });
    expect([...answer]).toEqual([0, 0, 0, 1, 6]); // EVENT_UNKNOWN
  });

  it('answers success = no, errmsg = internal error for a handler that throws, and logs it', async () => {
    const { s, path } = await server();
    const c = await client(path);
    expect(viciPlain(await c.request('boom'))).toEqual({ success: 'no', errmsg: 'internal error' });
    expect(s.counters.failed).toBe(1);
    expect(lines.some((l) => l.level === 'error' && l.msg === 'vici: command failed')).toBe(true);
    expect(viciPlain(await c.request('echo', { ok: 'yes' }))).toEqual({ ok: 'yes' });
  });

  it('handles one request of a client at a time, in order', async () => {
    const { path, release, waiting } = await server();
    const c = await client(path);
    const first = c.request('wait');
    const second = c.request('echo', { second: 'yes' });
    await until(() => waiting.length === 1);
    release();
    expect(viciPlain(await first)).toEqual({ waited: 'yes' });
    expect(viciPlain(await second)).toEqual({ second: 'yes' });
  });

  it('closes a connection over maxClients at once', async () => {
    const { s, path } = await server({ maxClients: 2 });
    const a = await client(path);
    await client(path);
    expect(await raw(path, new Uint8Array(0))).toBe(true);
    expect(s.counters.refused).toBe(1);
    expect(lines.some((l) => l.msg === 'vici: too many clients, connection refused')).toBe(true);
    expect(viciPlain(await a.request('echo', { still: 'here' }))).toEqual({ still: 'here' });
  });

  it('closes a client sending a segment over maxMessage', async () => {
    const { s, path } = await server({ maxMessage: 1024 });
    const big = new Uint8Array(8);
    new DataView(big.buffer).setUint32(0, 1025);
    expect(await raw(path, big)).toBe(true);
    expect(s.counters.malformed).toBe(1);
    const c = await client(path);
    await expect(c.request('echo', { v: 'x'.repeat(2000) })).rejects.toMatchObject({ code: 'CLOSED' });
    expect(s.counters.malformed).toBe(2);
    const d = await client(path);
    expect(viciPlain(await d.request('echo', { v: 'ok' }))).toEqual({ v: 'ok' });
  });

  it('closes a client sending garbage or packets only a server sends', async () => {
    const { s, path } = await server();
    expect(await raw(path, new Uint8Array([0, 0, 0, 2, 9, 9]))).toBe(true); // packet type 9
    expect(await raw(path, new Uint8Array([0, 0, 0, 0]))).toBe(true); // empty segment
    expect(await raw(path, encodeFrame({ type: 'cmd-response', message: new Map() }))).toBe(true);
    expect(await raw(path, new Uint8Array([0, 0, 0, 4, 0, 1, 0x61, 9]))).toBe(true); // bad message
    expect(s.counters.malformed).toBe(4);
    const c = await client(path);
    expect(viciPlain(await c.request('echo', { v: 1 }))).toEqual({ v: '1' });
  });

  it('survives a client that disconnects while its command runs', async () => {
    const { s, path, release, waiting } = await server();
    const c = await ViciClient.connect(path);
    const pending = c.request('wait').catch((e: unknown) => e);
    await until(() => waiting.length === 1);
    c.close();
    expect(await pending).toMatchObject({ code: 'CLOSED' });
    await until(() => s.clients === 0);
    release();
    await new Promise((r) => setTimeout(r, 20));
    const d = await client(path);
    expect(viciPlain(await d.request('echo', { after: 'yes' }))).toEqual({ after: 'yes' });
  });

  it('closes idle clients with idleMs', async () => {
    const { s, path } = await server({ idleMs: 50 });
    await client(path);
    await until(() => s.clients === 1);
    await until(() => s.clients === 0, 1000);
  });

  it('replaces a stale socket file, refuses a live one, removes its file on close', async () => {
    const path = join(dir, 'stale.vici');
    writeFileSync(path, '');
    const s = await startViciServer({ path, logger });
    await expect(startViciServer({ path, logger })).rejects.toThrow(/another daemon/);
    await s.close();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a second registration of one command', async () => {
    const { s } = await server();
    expect(() => s.command('echo', (r) => r)).toThrow(/twice/);
  });

  it('random bytes never hurt it: a normal command works after each', async () => {
    const { s, path } = await server({ maxMessage: 4096 });
    const c = await client(path);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // A well-framed segment of random bytes (reaches the packet and message decoders).
          fc.uint8Array({ maxLength: 200 }).map((b) => {
            const out = new Uint8Array(4 + b.length);
            new DataView(out.buffer).setUint32(0, b.length);
            out.set(b, 4);
            return out;
          }),
        ),
        async (bytes) => {
          await raw(path, bytes, 30);
          const r = await c.request('echo', { ok: 'yes' });
          expect(viciPlain(r)).toEqual({ ok: 'yes' });
        },
      ),
      { numRuns: 60 },
    );
    expect(s.counters.malformed).toBeGreaterThan(0);
  });
});
