/**
 * The statechart inspector's server (`ikev2 daemon --inspect`, `ikev2 inspect --replay`):
 * node:http for the page and the JSON API, `ws` for the live stream. Read-only: every method
 * but GET and HEAD is 405, and nothing a client sends over the WebSocket is read.
 *
 *   GET /                      the page (page/index.html, app.js, ...: static, no build step)
 *   GET /api/actors            the actor tree with states (?connection= &peer= &state=; replay: &seq=)
 *   GET /api/ike/:id/events    one IKE SA's timeline (:id = 3 or ike:3; replay: ?seq=)
 *   GET /api/machines[/:id]    the statecharts (MachineGraph) the actors run
 *   GET /api/counters          IKE SAs by state, half-open, cookies sent, drops by reason
 *   WS  /ws                    {type:'hello'}, then live: {type:'state'} and one {type:'event'} per
 *                              event; replay: {type:'events'} with the whole recording
 *
 * Keys (fields named `keys`) are removed from everything served unless `keys` is set.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent, MachineGraph } from '../../../actors/inspection/events.js';
import type { Logger } from '../logger.js';
import { checkListen, InspectorError, type Listen, refusal } from './access.js';
import { actorTree, apply, counters, createModel, fold, type Model, timeline } from './page/model.js';
import type { Recording } from './recording.js';
import { type InspectionSource, withoutKeys } from './source.js';

export { InspectorError } from './access.js';

export type InspectorFeed =
  | { readonly kind: 'live'; readonly source: InspectionSource }
  | { readonly kind: 'replay'; readonly recording: Recording; readonly file?: string };

export interface InspectorOptions extends Listen {
  readonly feed: InspectorFeed;
  readonly token?: string;
  /** Serve the fields named `keys` (--inspect-keys). */
  readonly keys?: boolean;
  readonly logger?: Logger;
}

export interface Inspector {
  readonly address: string;
  readonly port: number;
  /** The page's address (with the token when one is set). */
  readonly url: string;
  close(): Promise<void>;
}

const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'model.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'sequence.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'diagrams.css': 'text/css; charset=utf-8',
};

/** A client further behind than this (octets queued) is dropped rather than buffered for. */
const MAX_BUFFERED = 16 * 1024 * 1024;

function loadPage(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(PAGE_FILES)) {
    try {
      files.set(name, readFileSync(new URL(`./page/${name}`, import.meta.url)));
    } catch (e) {
      throw new InspectorError(`inspector page file ${name} missing: ${(e as Error).message}`);
    }
  }
  return files;
}

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head = false) {
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

const json = (res: ServerResponse, status: number, value: unknown, head = false) =>
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 1)}\n`, head);

export async function startInspector(o: InspectorOptions): Promise<Inspector> {
  checkListen(o, o.token);
  const page = loadPage();
  const keys = o.keys === true;
  const clean = <T>(v: T): T => (keys ? v : withoutKeys(v));
  const log = o.logger;

  let model: Model = createModel();
  let graphs: readonly MachineGraph[];
  let replayEvents: readonly InspectionEvent[] = [];
  let unsubscribe = () => {};
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  if (o.feed.kind === 'replay') {
    replayEvents = o.feed.recording.events.map(clean);
    graphs = o.feed.recording.header.machines;
    model = fold(replayEvents);
  } else {
    const source = o.feed.source;
    graphs = source.machines();
    unsubscribe = source.subscribe((raw) => {
      const e = clean(raw);
      try {
        apply(model, e);
      } catch (err) {
        log?.warn({ err, seq: e.seq, kind: e.kind }, 'inspector: event not applied');
      }
      const msg = JSON.stringify({ type: 'event', event: e });
      for (const ws of wss.clients) broadcast(ws, msg);
    });
  }

  function broadcast(ws: WebSocket, msg: string) {
    if (ws.readyState !== 1) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.terminate();
      return;
    }
    ws.send(msg);
  }

  /** The model to answer from: in replay, up to ?seq= when given. */
  function modelFor(url: URL): Model {
    const seq = url.searchParams.get('seq');
    if (o.feed.kind !== 'replay' || seq === null) return model;
    const n = Number(seq);
    const upTo = replayEvents.findIndex((e) => e.seq > n);
    return fold(replayEvents, upTo < 0 ? replayEvents.length : upTo);
  }

  function api(url: URL, res: ServerResponse, head: boolean) {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const m = modelFor(url);
    if (parts.length === 2 && parts[1] === 'actors') {
      const filter: Record<string, string> = {};
      for (const k of ['connection', 'peer', 'state']) {
        const v = url.searchParams.get(k);
        if (v) filter[k] = v;
      }
      return json(res, 200, actorTree(m, filter), head);
    }
    if (parts.length === 4 && parts[1] === 'ike' && parts[3] === 'events') {
      const tl = timeline(m, parts[2]!);
      return tl ? json(res, 200, tl, head) : json(res, 404, { error: `no IKE SA ${parts[2]}` }, head);
    }
    if (parts.length === 2 && parts[1] === 'machines') return json(res, 200, graphs, head);
    if (parts.length === 3 && parts[1] === 'machines') {
      const g = graphs.find((x) => x.id === parts[2]);
      return g ? json(res, 200, g, head) : json(res, 404, { error: `no machine ${parts[2]}` }, head);
    }
    if (parts.length === 2 && parts[1] === 'counters') return json(res, 200, counters(m), head);
    return json(res, 404, { error: 'not found' }, head);
  }

  /** Never throws: a request it cannot read is a 400 (a throw here would stop the daemon). */
  function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      route(req, res);
    } catch (e) {
      if (!res.headersSent)
        json(res, 400, { error: `bad request: ${e instanceof Error ? e.message : String(e)}` });
      else res.destroy();
    }
  }

  function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://inspector');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(res, 405, { error: 'the inspector is read-only' });
    }
    const head = req.method === 'HEAD';
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const file = page.get(name);
    // The scripts and the style sheet hold no data: they load without the token.
    if (file && name !== 'index.html') return send(res, 200, PAGE_FILES[name]!, file, head);
    const refused = refusal(req, url, o.token);
    if (refused) return json(res, refused.status, { error: refused.text }, head);
    if (file) return send(res, 200, PAGE_FILES[name]!, file, head);
    if (url.pathname.startsWith('/api/')) return api(url, res, head);
    return json(res, 404, { error: 'not found' }, head);
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://inspector');
    } catch {
      socket.destroy();
      return;
    }
    const refused = url.pathname === '/ws' ? refusal(req, url, o.token) : { status: 404, text: 'not found' };
    if (refused) {
      socket.end(`HTTP/1.1 ${refused.status} ${refused.status === 404 ? 'Not Found' : 'Refused'}\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      const hello = {
        type: 'hello',
        mode: o.feed.kind,
        keys,
        machines: graphs,
        ...(o.feed.kind === 'replay'
          ? { recording: { file: o.feed.file ?? null, started: o.feed.recording.header.started || null } }
          : {}),
      };
      ws.send(JSON.stringify(hello));
      if (o.feed.kind === 'replay') ws.send(JSON.stringify({ type: 'events', events: replayEvents }));
      else ws.send(JSON.stringify({ type: 'state', state: model }));
    });
  }

  const server: Server = createServer(handle);
  server.on('upgrade', upgrade);
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new InspectorError(`--inspect ${o.address}:${o.port}: cannot listen: ${e.message}`)),
    );
    server.listen(o.port, o.address, () => resolve());
  });
  server.on('error', (e) => log?.warn({ err: e }, 'inspector server error'));
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : o.port;
  const hostPart = o.address.includes(':') ? `[${o.address}]` : o.address;
  const url = `http://${hostPart}:${port}/${o.token ? `?token=${encodeURIComponent(o.token)}` : ''}`;
  log?.info({ inspector: `http://${hostPart}:${port}/`, mode: o.feed.kind, keys }, 'inspector listening');
  let closing: Promise<void> | undefined;
  return {
    address: o.address,
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
