/**
 * The VICI client (targets/native/vici/client.ts) against a scripted server on a unix socket
 * built on the same codec: one command at a time, streamed events, CMD_UNKNOWN / EVENT_UNKNOWN,
 * initiate's arguments and result, a dropped connection, a malformed answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ViciClient, ViciError } from '../../../../targets/native/vici/client.js';
import { type ViciSection, viciPlain, viciSection } from '../../../../targets/native/vici/message.js';
import {
  decodePacket,
  encodeFrame,
  type ViciPacket,
  ViciSegmentReader,
} from '../../../../targets/native/vici/packet.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Reply = (p: ViciPacket) => void;
/** Handles one client packet; `send` writes packets back (in order). */
type Script = (p: ViciPacket, send: Reply, socket: Socket) => void;

interface Fake {
  readonly path: string;
  readonly seen: ViciPacket[];
}

async function fakeServer(script: Script): Promise<Fake> {
  const dir = mkdtempSync(join(tmpdir(), 'vici-test-'));
  const path = join(dir, 'charon.vici');
  const seen: ViciPacket[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const reader = new ViciSegmentReader();
    const send: Reply = (p) => socket.write(encodeFrame(p));
    socket.on('data', (chunk) => {
      const segs = reader.push(new Uint8Array(chunk));
      if (!segs.ok) throw new Error(segs.error.message);
      for (const s of segs.value) {
        const p = decodePacket(s);
        if (!p.ok) throw new Error(p.error.message);
        seen.push(p.value);
        script(p.value, send, socket);
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, seen };
}

async function connect(path: string): Promise<ViciClient> {
  const c = await ViciClient.connect(path);
  cleanups.push(() => c.close());
  return c;
}

const response = (m: Record<string, string>): ViciPacket => ({
  type: 'cmd-response',
  message: viciSection(m),
});

describe('ViciClient', () => {
  it('sends a command and returns its response', async () => {
    const fake = await fakeServer((p, send) => {
      if (p.type === 'cmd-request' && p.name === 'version')
        send(response({ daemon: 'charon', version: '5.9.8' }));
    });
    const c = await connect(fake.path);
    expect(await c.version()).toEqual({ daemon: 'charon', version: '5.9.8' });
  });

  it('runs one command at a time: the second is sent only after the first is answered', async () => {
    let answerFirst: (() => void) | undefined;
    const fake = await fakeServer((p, send) => {
      if (p.type !== 'cmd-request') return;
      if (p.name === 'slow') answerFirst = () => send(response({ which: 'slow' }));
      else send(response({ which: p.name }));
    });
    const c = await connect(fake.path);
    const slow = c.request('slow');
    const fast = c.request('fast');
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.seen.map((p) => p.type === 'cmd-request' && p.name)).toEqual(['slow']);
    answerFirst!();
    expect(viciPlain(await slow)).toEqual({ which: 'slow' });
    expect(viciPlain(await fast)).toEqual({ which: 'fast' });
    expect(fake.seen.map((p) => p.type === 'cmd-request' && p.name)).toEqual(['slow', 'fast']);
  });

  it('streams events during a command (list-sas): register, request, unregister', async () => {
    const fake = await fakeServer((p, send) => {
      if (p.type === 'event-register' || p.type === 'event-unregister') send({ type: 'event-confirm' });
      if (p.type === 'cmd-request' && p.name === 'list-sas') {
        for (const id of ['1', '2'])
          send({ type: 'event', name: 'list-sa', message: viciSection({ bench: { uniqueid: id } }) });
        send({ type: 'event', name: 'other', message: viciSection({ ignored: 'yes' }) });
        send({ type: 'cmd-response', message: new Map() });
      }
    });
    const c = await connect(fake.path);
    const sas = await c.listSas({ ike: 'bench' });
    expect(sas.map(viciPlain)).toEqual([{ bench: { uniqueid: '1' } }, { bench: { uniqueid: '2' } }]);
    expect(fake.seen.map((p) => p.type)).toEqual(['event-register', 'cmd-request', 'event-unregister']);
    const req = fake.seen[1] as Extract<ViciPacket, { type: 'cmd-request' }>;
    expect(viciPlain(req.message)).toEqual({ ike: 'bench' });
  });

  it('initiate: arguments as charon reads them; success and errmsg', async () => {
    const fake = await fakeServer((p, send) => {
      if (p.type !== 'cmd-request') return;
      const args = viciPlain(p.message);
      send(
        args.child === 'net'
          ? response({ success: 'yes' })
          : response({ success: 'no', errmsg: "CHILD_SA config 'x' not found" }),
      );
    });
    const c = await connect(fake.path);
    expect(
      await c.initiate({ child: 'net', ike: 'bench', timeoutMs: 30000, initLimits: false, loglevel: -1 }),
    ).toEqual({ success: true });
    expect(await c.initiate({ child: 'x' })).toEqual({
      success: false,
      errmsg: "CHILD_SA config 'x' not found",
    });
    const first = fake.seen[0] as Extract<ViciPacket, { type: 'cmd-request' }>;
    expect(first.name).toBe('initiate');
    expect(viciPlain(first.message)).toEqual({
      child: 'net',
      ike: 'bench',
      timeout: '30000',
      'init-limits': 'no',
      loglevel: '-1',
    });
    expect([...(fake.seen[1] as Extract<ViciPacket, { type: 'cmd-request' }>).message.keys()]).toEqual([
      'child',
    ]);
  });

  it('CMD_UNKNOWN and EVENT_UNKNOWN reject with their codes; the connection goes on', async () => {
    const fake = await fakeServer((p, send) => {
      if (p.type === 'cmd-request')
        send(p.name === 'stats' ? response({ ok: '1' }) : { type: 'cmd-unknown' });
      if (p.type === 'event-register') send({ type: 'event-unknown' });
    });
    const c = await connect(fake.path);
    await expect(c.request('nope')).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
    await expect(c.register('nope', () => {})).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
    expect(await c.stats()).toEqual({ ok: '1' });
  });

  it('a handler registered twice registers once; events reach every handler until unregistered', async () => {
    // the command `emit` makes the server send an event, then the response: the event is in before it
    const fake = await fakeServer((p, send) => {
      if (p.type === 'event-register' || p.type === 'event-unregister') send({ type: 'event-confirm' });
      if (p.type === 'cmd-request') {
        send({ type: 'event', name: 'ike-updown', message: p.message });
        send({ type: 'cmd-response', message: new Map() });
      }
    });
    const c = await connect(fake.path);
    const a: string[] = [];
    const bb: string[] = [];
    const ha = (m: ViciSection) => a.push(viciPlain(m).up as string);
    const hb = (m: ViciSection) => bb.push(viciPlain(m).up as string);
    await c.register('ike-updown', ha);
    await c.register('ike-updown', hb);
    await c.request('emit', { up: 'yes' });
    await c.unregister('ike-updown', ha);
    await c.request('emit', { up: 'no' });
    await c.unregister('ike-updown', hb);
    await c.request('emit', { up: 'gone' });
    expect(a).toEqual(['yes']);
    expect(bb).toEqual(['yes', 'no']);
    expect(fake.seen.map((p) => p.type)).toEqual([
      'event-register',
      'cmd-request',
      'cmd-request',
      'event-unregister',
      'cmd-request',
    ]);
  });

  it('a dropped connection rejects what is pending and what comes after with CLOSED', async () => {
    const fake = await fakeServer((_p, _send, socket) => socket.destroy());
    const c = await connect(fake.path);
    const e = await c.request('stats').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ViciError);
    expect((e as ViciError).code).toBe('CLOSED');
    await expect(c.request('stats')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('a malformed answer or one nobody asked for is a PROTOCOL error', async () => {
    const bad = await fakeServer((_p, _send, socket) => socket.write(new Uint8Array([0, 0, 0, 2, 1, 2])));
    const c1 = await connect(bad.path);
    await expect(c1.request('stats')).rejects.toMatchObject({ code: 'PROTOCOL' });
    const unasked = await fakeServer((_p, send) => send({ type: 'event-confirm' }));
    const c2 = await connect(unasked.path);
    await expect(c2.request('stats')).rejects.toMatchObject({ code: 'PROTOCOL' });
  });

  it('connecting to nothing rejects with CONNECT', async () => {
    await expect(ViciClient.connect(join(tmpdir(), 'no-such-vici-socket'))).rejects.toMatchObject({
      code: 'CONNECT',
    });
  });

  it('close() rejects pending commands', async () => {
    const fake = await fakeServer(() => {});
    const c = await connect(fake.path);
    const pending = c.request('stats');
    c.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
