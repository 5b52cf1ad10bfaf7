/**
 * The VICI server (issue 17): strongSwan's control protocol (src/libcharon/plugins/vici/README.md)
 * on a Unix stream socket, carrying ./packet.ts's packets to the command handlers of
 * ./commands/ (the contract is ./server-types.ts).
 *
 * Per connection, packets are handled in the order they arrive, one at a time (the protocol
 * has no sequence numbers; swanctl waits for each answer):
 *   CMD_REQUEST name     -> CMD_RESPONSE, or CMD_UNKNOWN for a command nobody registered;
 *                           the events the handler emits (ctx.emit) go before the response
 *   EVENT_REGISTER name  -> EVENT_CONFIRM, or EVENT_UNKNOWN for an event we never raise
 *   EVENT_UNREGISTER     -> EVENT_CONFIRM, or EVENT_UNKNOWN if it was not registered
 * Events published by the daemon (publish) go to every client registered for them, between
 * any other packets.
 *
 * A client can never hurt the daemon: more than maxClients connections -> the new one is
 * closed at once; a segment over maxMessage, bytes that do not decode, or a packet a client
 * must not send (CMD_RESPONSE, EVENT...) -> that client is closed; a handler that throws is
 * answered `success = no, errmsg = internal error` and logged; a client that reads nothing
 * while events pile up beyond OUTPUT_MAX is closed; a client that sends faster than it is
 * answered is paused (MAX_QUEUED). Each case is logged and counted (server.counters).
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type ViciSection, viciSection } from './message.js';
import { decodePacket, encodeFrame, VICI_SEGMENT_MAX, type ViciPacket, ViciSegmentReader } from './packet.js';
import type { ViciCommandContext, ViciCommandHandler, ViciServer } from './server-types.js';

/** The events strongSwan's charon raises (vici_query.c, vici_control.c, vici_logger.c...). */
export const VICI_KNOWN_EVENTS: readonly string[] = [
  'ike-updown',
  'ike-rekey',
  'child-updown',
  'child-rekey',
  'log',
  'control-log',
  'list-sa',
  'list-policy',
  'list-conn',
  'list-cert',
  'list-authority',
  'list-pool',
];

export interface ViciServerLimits {
  /** Clients connected at once (default 32); one more is closed at once. */
  readonly maxClients?: number;
  /** Longest segment a client may send, octets (default VICI_SEGMENT_MAX, 512 KiB, as charon). */
  readonly maxMessage?: number;
  /** Close a client idle (nothing sent, no command running) this long, ms (default: never). */
  readonly idleMs?: number;
}

export interface ViciLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ViciServerCounters {
  /** Connections accepted. */
  accepted: number;
  /** Connections refused (over maxClients). */
  refused: number;
  /** Clients closed for what they sent (oversized segment, undecodable packet, wrong packet type). */
  malformed: number;
  /** CMD_REQUESTs received (unknown commands included). */
  commands: number;
  /** EVENT packets sent (streamed by commands and published). */
  events: number;
  /** Handlers that threw (answered `internal error`). */
  failed: number;
  /** Clients closed because they did not read their events (OUTPUT_MAX). */
  slow: number;
}

export interface NativeViciServer extends ViciServer {
  readonly path: string;
  readonly counters: Readonly<ViciServerCounters>;
  /** Allows clients to register for `name` besides VICI_KNOWN_EVENTS. */
  declareEvent(name: string): void;
}

/** Packets of one client waiting to be handled before its socket is paused. */
const MAX_QUEUED = 16;
/** Octets waiting to be written to one client before it is closed as not reading. */
const OUTPUT_MAX = 64 * 1024 * 1024;

const INTERNAL_ERROR = viciSection({ success: 'no', errmsg: 'internal error' });

function isListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** `unix:///run/charon.vici` or a plain path -> the path; anything else -> undefined. */
export function viciSocketPath(uri: string): string | undefined {
  if (uri.startsWith('unix://')) {
    const p = uri.slice('unix://'.length);
    return p === '' ? undefined : p;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return undefined;
  return uri === '' ? undefined : uri;
}

/**
 * Listens on `path` (mode 0660, as charon's socket: root and the group). A leftover socket file
 * nobody listens on is replaced; a live one is an error (another daemon).
 */
export async function startViciServer(o: {
  path: string;
  logger: ViciLogger;
  limits?: ViciServerLimits;
}): Promise<NativeViciServer> {
  const { path, logger: log } = o;
  const maxClients = o.limits?.maxClients ?? 32;
  const maxMessage = o.limits?.maxMessage ?? VICI_SEGMENT_MAX;
  const idleMs = o.limits?.idleMs;
  if (existsSync(path)) {
    if (await isListening(path)) throw new Error(`another daemon is listening on ${path}`);
    unlinkSync(path);
  }
  const handlers = new Map<string, ViciCommandHandler>();
  const events = new Set(VICI_KNOWN_EVENTS);
  const clients = new Set<Client>();
  const counters: ViciServerCounters = {
    accepted: 0,
    refused: 0,
    malformed: 0,
    commands: 0,
    events: 0,
    failed: 0,
    slow: 0,
  };
  let nextId = 1;

  class Client {
    readonly id = nextId++;
    readonly registered = new Set<string>();
    private readonly reader = new ViciSegmentReader(maxMessage);
    private readonly queue: ViciPacket[] = [];
    private busy = false;
    private paused = false;
    closed = false;

    constructor(readonly socket: Socket) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (e) => log.debug({ client: this.id, err: e }, 'vici: connection error'));
      socket.on('close', () => this.onClose());
      if (idleMs)
        socket.setTimeout(idleMs, () => {
          if (this.busy) return;
          log.debug({ client: this.id }, 'vici: idle client closed');
          this.close();
        });
    }

    send(p: ViciPacket): boolean {
      if (this.closed) return false;
      this.socket.write(encodeFrame(p));
      return true;
    }

    /** An event for this client, if it registered the name; closes a client that stopped reading. */
    event(name: string, frame: Uint8Array): void {
      if (this.closed || !this.registered.has(name)) return;
      if (this.socket.writableLength > OUTPUT_MAX) {
        counters.slow++;
        log.warn(
          { client: this.id, pending: this.socket.writableLength },
          'vici: client not reading, closed',
        );
        this.close();
        return;
      }
      counters.events++;
      this.socket.write(frame);
    }

    close(): void {
      if (this.closed) return;
      this.closed = true;
      this.queue.length = 0;
      this.socket.destroy();
    }

    private malformed(message: string): void {
      counters.malformed++;
      log.warn({ client: this.id, error: message }, 'vici: malformed input, client closed');
      this.close();
    }

    private onData(chunk: Buffer): void {
      if (this.closed) return;
      const segments = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (!segments.ok) {
        this.malformed(segments.error.message);
        return;
      }
      for (const data of segments.value) {
        const p = decodePacket(data);
        if (!p.ok) {
          this.malformed(p.error.message);
          return;
        }
        const t = p.value.type;
        if (t !== 'cmd-request' && t !== 'event-register' && t !== 'event-unregister') {
          this.malformed(`a client does not send ${t} packets`);
          return;
        }
        this.queue.push(p.value);
      }
      if (this.queue.length >= MAX_QUEUED && !this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      void this.pump();
    }

    private async pump(): Promise<void> {
      if (this.busy) return;
      this.busy = true;
      try {
        for (let p = this.queue.shift(); p && !this.closed; p = this.queue.shift()) {
          if (this.paused && this.queue.length < MAX_QUEUED / 2) {
            this.paused = false;
            this.socket.resume();
          }
          await this.handle(p);
        }
      } finally {
        this.busy = false;
      }
    }

    private async handle(p: ViciPacket): Promise<void> {
      switch (p.type) {
        case 'event-register':
          if (!events.has(p.name)) {
            log.debug({ client: this.id, event: p.name }, 'vici: registration for an unknown event');
            this.send({ type: 'event-unknown' });
            return;
          }
          this.registered.add(p.name);
          this.send({ type: 'event-confirm' });
          return;
        case 'event-unregister':
          this.send({ type: this.registered.delete(p.name) ? 'event-confirm' : 'event-unknown' });
          return;
        case 'cmd-request':
          await this.command(p.name, p.message);
          return;
        default:
          return;
      }
    }

    private async command(name: string, request: ViciSection): Promise<void> {
      counters.commands++;
      const handler = handlers.get(name);
      if (!handler) {
        log.debug({ client: this.id, command: name }, 'vici: unknown command');
        this.send({ type: 'cmd-unknown' });
        return;
      }
      const ctx: ViciCommandContext = {
        client: this.id,
        emit: (event, message) => {
          if (this.closed || !this.registered.has(event)) return;
          this.event(event, encodeFrame({ type: 'event', name: event, message }));
        },
        registered: (event) => !this.closed && this.registered.has(event),
      };
      let frame: Uint8Array;
      try {
        const response = await handler(request, ctx);
        frame = encodeFrame({ type: 'cmd-response', message: response });
      } catch (e) {
        counters.failed++;
        log.error({ client: this.id, command: name, err: e }, 'vici: command failed');
        frame = encodeFrame({ type: 'cmd-response', message: INTERNAL_ERROR });
      }
      if (this.closed) {
        log.debug({ client: this.id, command: name }, 'vici: client gone before the response');
        return;
      }
      this.socket.write(frame);
    }

    private onClose(): void {
      this.closed = true;
      this.queue.length = 0;
      clients.delete(this);
      log.debug({ client: this.id }, 'vici: client disconnected');
    }
  }

  const server: Server = createServer((socket) => {
    if (clients.size >= maxClients) {
      counters.refused++;
      log.warn({ clients: clients.size, maxClients }, 'vici: too many clients, connection refused');
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    counters.accepted++;
    const c = new Client(socket);
    clients.add(c);
    log.debug({ client: c.id }, 'vici: client connected');
  });
  server.on('error', (e) => log.warn({ err: e }, 'vici: server error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    chmodSync(path, 0o660);
  } catch (e) {
    log.warn({ path, err: e }, 'vici: cannot set the socket mode');
  }
  let closing: Promise<void> | undefined;
  return {
    path,
    counters,
    get clients() {
      return clients.size;
    },
    command(name, handler) {
      if (handlers.has(name)) throw new Error(`vici: command ${name} registered twice`);
      handlers.set(name, handler);
    },
    declareEvent(name) {
      events.add(name);
    },
    publish(name, message) {
      let frame: Uint8Array | undefined;
      for (const c of clients) {
        if (c.closed || !c.registered.has(name)) continue;
        try {
          frame ??= encodeFrame({ type: 'event', name, message });
        } catch (e) {
          log.error({ event: name, err: e }, 'vici: event does not encode, not sent');
          return;
        }
        c.event(name, frame);
      }
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const c of clients) c.close();
        server.close(() => {
          try {
            if (existsSync(path)) unlinkSync(path);
          } catch {
            // already gone
          }
          resolve();
        });
      });
      return closing;
    },
  };
}
