/**
 * The inspector's server without a browser: API shapes, read-only (405), the token, loopback
 * only without one, DNS-rebinding guard, keys left out unless asked, replay of a recording.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MachineGraph } from '../../../../actors/inspection/events.js';
import { InspectorError, parseListen } from '../../../../targets/native/inspector/access.js';
import type { ActorTree, CountersView, Timeline } from '../../../../targets/native/inspector/page/model.js';
import { RecordingWriter, readRecording } from '../../../../targets/native/inspector/recording.js';
import { type Inspector, startInspector } from '../../../../targets/native/inspector/server.js';
import { MemorySource } from '../../../../targets/native/inspector/source.js';
import { FIXTURE_EVENTS, SECRET_HEX } from './fixture.js';
import { FIXTURE_MACHINES } from './fixture-machines.js';

const dir = mkdtempSync(join(tmpdir(), 'ikev2-inspector-'));

function raw(port: number, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first `n` messages a WebSocket client gets (or the HTTP status that refused it). */
function wsMessages(url: string, n: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const got: unknown[] = [];
    ws.on('message', (d: Buffer) => {
      got.push(JSON.parse(d.toString()));
      if (got.length === n) {
        ws.close();
        resolve(got.slice());
      }
    });
    ws.on('unexpected-response', (_req: unknown, res: { statusCode: number }) =>
      reject(new Error(`refused ${res.statusCode}`)),
    );
    ws.on('error', reject);
  });
}

const get = async <T>(url: string): Promise<T> => (await fetch(url)).json() as Promise<T>;
const tree = (url: string) => get<ActorTree>(url);
const events = (url: string) => get<Timeline>(url);

describe('live inspector', () => {
  const source = new MemorySource(FIXTURE_MACHINES);
  let insp: Inspector;
  let base: string;
  beforeAll(async () => {
    insp = await startInspector({ address: '127.0.0.1', port: 0, feed: { kind: 'live', source } });
    base = `http://127.0.0.1:${insp.port}`;
    for (const e of FIXTURE_EVENTS) source.publish(e);
  });
  afterAll(() => insp.close());

  it('serves the page and its scripts', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    for (const f of ['app.js', 'model.js', 'chart.js', 'sequence.js', 'style.css', 'diagrams.css'])
      expect((await fetch(`${base}/${f}`)).status).toBe(200);
  });

  it('GET /api/actors: the tree with states, filters', async () => {
    const t = await tree(`${base}/api/actors`);
    expect(t).toMatchObject({ id: 'supervisor', kind: 'supervisor' });
    expect(t.ikeSas).toHaveLength(1);
    expect(t.ikeSas[0]).toMatchObject({
      id: 'ike:1',
      machine: 'ikeSa',
      state: 'ESTABLISHED',
      value: { established: 'idle' },
      ike: { connection: 'gw', remote: '127.0.0.1:500', remoteId: 'gateway.example.org' },
    });
    expect(t.ikeSas[0]?.children[0]).toMatchObject({
      id: 'child:1:1',
      child: { name: 'net', spiIn: 'c1c2c3c4' },
    });
    const none = await tree(`${base}/api/actors?state=CONNECTING`);
    expect(none.ikeSas).toHaveLength(0);
    const byPeer = await tree(`${base}/api/actors?peer=gateway&connection=gw`);
    expect(byPeer.ikeSas).toHaveLength(1);
  });

  it('GET /api/ike/:id/events: the timeline', async () => {
    const tl = await events(`${base}/api/ike/1/events`);
    const msgs = tl.events.flatMap((e) => (e.kind === 'ike.message' ? [e] : []));
    expect(msgs.map((m) => m.exchange)).toEqual([
      'IKE_SA_INIT (34)',
      'IKE_SA_INIT (34)',
      'IKE_AUTH (35)',
      'IKE_AUTH (35)',
      'IKE_AUTH (35)',
    ]);
    expect(msgs.filter((m) => m.retransmission)).toHaveLength(1);
    expect(tl.events.some((e: { kind: string }) => e.kind === 'ike.drop')).toBe(true);
    expect((await fetch(`${base}/api/ike/ike:1/events`)).status).toBe(200);
    expect((await fetch(`${base}/api/ike/99/events`)).status).toBe(404);
  });

  it('GET /api/machines/:id and /api/counters', async () => {
    const g = await get<MachineGraph>(`${base}/api/machines/ikeSa`);
    expect(g.states.map((s: { id: string }) => s.id)).toContain('established.idle');
    expect((await fetch(`${base}/api/machines/nope`)).status).toBe(404);
    const c = await get<CountersView>(`${base}/api/counters`);
    expect(c).toMatchObject({ ikeSas: { ESTABLISHED: 1 }, drops: { integrity: 1 } });
  });

  it('answers a request it cannot read with 400, and goes on', async () => {
    const r = await raw(insp.port, 'GET', '/api/ike/%E0%A4%A/events', { host: '127.0.0.1' });
    expect(r.status).toBe(400);
    expect((await fetch(`${base}/api/actors`)).status).toBe(200);
  });

  it('is read-only: every other method is 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
      for (const path of ['/', '/api/actors', '/api/ike/1/events', '/nothing']) {
        const r = await raw(insp.port, method, path, { host: '127.0.0.1' });
        expect(r.status, `${method} ${path}`).toBe(405);
      }
  });

  it('keeps keys out of the API and the WebSocket', async () => {
    for (const p of ['/api/actors', '/api/ike/1/events'])
      expect(await (await fetch(`${base}${p}`)).text()).not.toContain(SECRET_HEX);
    const [hello, state] = (await wsMessages(`ws://127.0.0.1:${insp.port}/ws`, 2)) as Record<
      string,
      unknown
    >[];
    expect(hello).toMatchObject({ type: 'hello', mode: 'live', keys: false });
    expect(state?.type).toBe('state');
    expect(JSON.stringify(state)).not.toContain(SECRET_HEX);
  });

  it('streams events live after the state', async () => {
    const got = wsMessages(`ws://127.0.0.1:${insp.port}/ws`, 3);
    await new Promise((r) => setTimeout(r, 100));
    source.publish({ kind: 'actor.stopped', seq: 100, t: 3000, actor: 'child:1:1' });
    const [, , ev] = (await got) as Record<string, unknown>[];
    expect(ev).toMatchObject({ type: 'event', event: { kind: 'actor.stopped', actor: 'child:1:1' } });
  });

  it('reads nothing a WebSocket client sends; a large message closes it', async () => {
    const before = await (await fetch(`${base}/api/actors`)).text();
    const ws = new WebSocket(`ws://127.0.0.1:${insp.port}/ws`);
    await new Promise((resolve) => ws.on('open', resolve));
    ws.send(JSON.stringify({ type: 'terminate', ike: 1 }));
    ws.send(JSON.stringify({ kind: 'actor.stopped', seq: 999, t: 9999, actor: 'ike:1' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(await (await fetch(`${base}/api/actors`)).text()).toBe(before);
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));
    ws.send('x'.repeat(4096));
    expect(await closed).toBe(1009);
  });

  it('refuses a foreign Host (DNS rebinding) and a cross-origin WebSocket', async () => {
    expect((await raw(insp.port, 'GET', '/api/actors', { host: 'evil.example:80' })).status).toBe(403);
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${insp.port}/ws`, {
          headers: { origin: 'http://evil.example' },
        });
        ws.on('open', resolve);
        ws.on('error', reject);
      }),
    ).rejects.toThrow(/403/);
  });
});

describe('keys when asked, token, addresses', () => {
  it('--inspect-keys shows keys', async () => {
    const source = new MemorySource(FIXTURE_MACHINES);
    const insp = await startInspector({
      address: '127.0.0.1',
      port: 0,
      keys: true,
      feed: { kind: 'live', source },
    });
    for (const e of FIXTURE_EVENTS) source.publish(e);
    const [, state] = await wsMessages(`ws://127.0.0.1:${insp.port}/ws`, 2);
    expect(JSON.stringify(state)).toContain(SECRET_HEX);
    await insp.close();
  });

  it('a token is required on the page, the API and the WebSocket when set', async () => {
    const token = 'sesame-0123456789';
    const insp = await startInspector({
      address: '127.0.0.1',
      port: 0,
      token,
      feed: { kind: 'live', source: new MemorySource() },
    });
    const base = `http://127.0.0.1:${insp.port}`;
    expect(insp.url).toBe(`${base}/?token=${token}`);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/actors`)).status).toBe(401);
    expect((await fetch(`${base}/api/actors?token=wrong-token-000`)).status).toBe(401);
    expect((await fetch(`${base}/api/actors?token=${token}`)).status).toBe(200);
    expect(
      (await fetch(`${base}/api/actors`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect((await fetch(`${base}/?token=${token}`)).status).toBe(200);
    await expect(wsMessages(`ws://127.0.0.1:${insp.port}/ws`, 1)).rejects.toThrow(/401/);
    expect(await wsMessages(`ws://127.0.0.1:${insp.port}/ws?token=${token}`, 1)).toHaveLength(1);
    await insp.close();
  });

  it('refuses a non-loopback address without a token', async () => {
    await expect(
      startInspector({ address: '0.0.0.0', port: 0, feed: { kind: 'live', source: new MemorySource() } }),
    ).rejects.toThrow(/not a loopback address: give --inspect-token/);
    await expect(
      startInspector({
        address: '127.0.0.1',
        port: 0,
        token: 'short',
        feed: { kind: 'live', source: new MemorySource() },
      }),
    ).rejects.toBeInstanceOf(InspectorError);
  });

  it('parses [ADDR:]PORT', () => {
    expect(parseListen('8080')).toEqual({ address: '127.0.0.1', port: 8080 });
    expect(parseListen('127.0.0.2:9000')).toEqual({ address: '127.0.0.2', port: 9000 });
    expect(parseListen('[::1]:9000')).toEqual({ address: '::1', port: 9000 });
    expect(() => parseListen('x')).toThrow(InspectorError);
    expect(() => parseListen('70000')).toThrow(InspectorError);
    expect(() => parseListen('[nope]:1')).toThrow(InspectorError);
  });

  it('a busy port is a clear error', async () => {
    const a = await startInspector({
      address: '127.0.0.1',
      port: 0,
      feed: { kind: 'live', source: new MemorySource() },
    });
    await expect(
      startInspector({
        address: '127.0.0.1',
        port: a.port,
        feed: { kind: 'live', source: new MemorySource() },
      }),
    ).rejects.toThrow(/cannot listen: .*EADDRINUSE/);
    await a.close();
  });
});

describe('record and replay', () => {
  async function record(file: string, keys: boolean) {
    const source = new MemorySource(FIXTURE_MACHINES);
    const w = await RecordingWriter.start(file, source, keys);
    for (const e of FIXTURE_EVENTS) source.publish(e);
    await w.close();
    source.publish(FIXTURE_EVENTS[0]!); // after close: not written
  }

  it('writes JSON Lines with the statecharts in the header, keys left out', async () => {
    const file = join(dir, 'plain.jsonl');
    await record(file, false);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET_HEX);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(FIXTURE_EVENTS.length + 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      kind: 'recording',
      format: 'ikev2-inspect/1',
      keys: false,
    });
    const rec = readRecording(file);
    expect(rec.events.map((e) => e.seq)).toEqual(FIXTURE_EVENTS.map((e) => e.seq));
    expect(rec.header.machines.map((m) => m.id)).toEqual(['ikeSa', 'childSa']);
  });

  it('--record-keys keeps them; replay still hides them unless --inspect-keys', async () => {
    const file = join(dir, 'keys.jsonl');
    await record(file, true);
    expect(readFileSync(file, 'utf8')).toContain(SECRET_HEX);
    const feed = { kind: 'replay' as const, recording: readRecording(file) };
    const hidden = await startInspector({ address: '127.0.0.1', port: 0, feed });
    const msgs = await wsMessages(`ws://127.0.0.1:${hidden.port}/ws`, 2);
    expect(msgs[0]).toMatchObject({ type: 'hello', mode: 'replay' });
    expect(msgs[1]).toMatchObject({ type: 'events' });
    expect(JSON.stringify(msgs)).not.toContain(SECRET_HEX);
    await hidden.close();
    const shown = await startInspector({ address: '127.0.0.1', port: 0, keys: true, feed });
    expect(JSON.stringify(await wsMessages(`ws://127.0.0.1:${shown.port}/ws`, 2))).toContain(SECRET_HEX);
    await shown.close();
  });

  it('serves the API from a recording, at any point with ?seq=', async () => {
    const file = join(dir, 'api.jsonl');
    await record(file, false);
    const insp = await startInspector({
      address: '127.0.0.1',
      port: 0,
      feed: { kind: 'replay', recording: readRecording(file) },
    });
    const base = `http://127.0.0.1:${insp.port}`;
    expect((await tree(`${base}/api/actors`)).ikeSas[0]?.state).toBe('ESTABLISHED');
    const early = await tree(`${base}/api/actors?seq=4`);
    expect(early.ikeSas[0]).toMatchObject({ state: 'CONNECTING', value: { initiator: { init: 'waiting' } } });
    const tl = await events(`${base}/api/ike/1/events?seq=4`);
    expect(tl.events.filter((e: { kind: string }) => e.kind === 'ike.message')).toHaveLength(1);
    await insp.close();
  });

  it('a file it cannot open or write is an error, not a crash', async () => {
    await expect(
      RecordingWriter.start(join(dir, 'no', 'such', 'dir.jsonl'), new MemorySource()),
    ).rejects.toThrow(/dir\.jsonl: ENOENT/);
    const source = new MemorySource();
    const errors: Error[] = [];
    const w = await RecordingWriter.start('/dev/full', source, false, (e) => errors.push(e));
    for (const e of FIXTURE_EVENTS) source.publish(e);
    await expect.poll(() => errors.length).toBe(1);
    expect(w.error?.message).toMatch(/ENOSPC/);
    source.publish(FIXTURE_EVENTS[0]!); // ignored from now on
    await w.close();
  });

  it('names the line of a broken recording', () => {
    const file = join(dir, 'broken.jsonl');
    writeFileSync(file, `${JSON.stringify(FIXTURE_EVENTS[0])}\n{oops\n`);
    expect(() => readRecording(file)).toThrow(/broken\.jsonl:2: not JSON/);
    expect(() => readRecording(join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl: ENOENT/);
  });
});
