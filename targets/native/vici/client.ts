/**
 * A small VICI client (strongSwan's control interface, e.g. charon's `charon.vici` socket) on
 * the codec of ./message.ts and ./packet.ts.
 *
 * One connection runs one command at a time (the protocol has no sequence numbers): request(),
 * register() and unregister() queue, each is sent when the previous one is answered. Events
 * arrive at any time, also while a command runs (that is how charon streams `list-sas`), and go
 * to the handlers registered for their name. For N commands in parallel open N connections
 * (charon serves each connection in a thread of its own while a command blocks, e.g. `initiate`
 * with a timeout: give charon enough `threads`).
 */
import { createConnection, type Socket } from 'node:net';
import { type ViciInput, type ViciPlain, type ViciSection, viciPlain, viciSection } from './message.js';
import { decodePacket, encodeFrame, type ViciPacket, ViciSegmentReader } from './packet.js';

export type ViciErrorCode =
  | 'CONNECT' // the socket could not be opened
  | 'CLOSED' // the connection ended (or was closed) with a command pending
  | 'PROTOCOL' // the server sent something malformed or unexpected
  | 'UNKNOWN_COMMAND' // CMD_UNKNOWN
  | 'UNKNOWN_EVENT'; // EVENT_UNKNOWN

export class ViciError extends Error {
  override readonly name = 'ViciError';
  constructor(
    readonly code: ViciErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Pending =
  | { readonly kind: 'command'; readonly packet: ViciPacket; readonly resolve: (m: ViciSection) => void }
  | { readonly kind: 'event'; readonly packet: ViciPacket; readonly resolve: () => void };

interface Queued {
  readonly op: Pending;
  readonly reject: (e: Error) => void;
}

export type ViciEventHandler = (message: ViciSection, name: string) => void;

/** The arguments of `initiate` (README "initiate()"); timeoutMs 0 waits for ever, -1 returns at once. */
export interface InitiateArgs {
  readonly child?: string;
  readonly ike?: string;
  readonly timeoutMs?: number;
  /** Whether charon's init limits (init_limit_half_open, init_limit_job_load) may refuse. */
  readonly initLimits?: boolean;
  /** control-log events up to this level are streamed while the command runs (-1: none). */
  readonly loglevel?: number;
}

export interface CommandResult {
  readonly success: boolean;
  readonly errmsg?: string;
}

export class ViciClient {
  private readonly queue: Queued[] = [];
  private inFlight = false;
  private readonly handlers = new Map<string, Set<ViciEventHandler>>();
  private readonly reader = new ViciSegmentReader();
  private closed: ViciError | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(new ViciError('CLOSED', `vici connection: ${e.message}`)));
    socket.on('close', () => this.fail(new ViciError('CLOSED', 'vici connection closed')));
  }

  /** Connects to a unix socket path (charon's `unix://PATH`) or `{ host, port }` (tcp://). */
  static connect(to: string | { host: string; port: number }, timeoutMs = 5000): Promise<ViciClient> {
    return new Promise((resolve, reject) => {
      const socket = typeof to === 'string' ? createConnection(to) : createConnection(to.port, to.host);
      const where = typeof to === 'string' ? to : `${to.host}:${to.port}`;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ViciError('CONNECT', `vici ${where}: no connection after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new ViciError('CONNECT', `vici ${where}: ${e.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new ViciClient(socket));
      });
    });
  }

  /** Sends a command and resolves with its response message (rejects on CMD_UNKNOWN). */
  request(command: string, args: ViciSection | ViciInput = {}): Promise<ViciSection> {
    const message = args instanceof Map ? args : viciSection(args as ViciInput);
    return new Promise((resolve, reject) =>
      this.enqueue(
        { kind: 'command', packet: { type: 'cmd-request', name: command, message }, resolve },
        reject,
      ),
    );
  }

  /** Registers `handler` for event `name` (the first handler of a name registers with the server). */
  async register(name: string, handler: ViciEventHandler): Promise<void> {
    let set = this.handlers.get(name);
    if (set) {
      set.add(handler);
      return;
    }
    set = new Set([handler]);
    this.handlers.set(name, set);
    try {
      await new Promise<void>((resolve, reject) =>
        this.enqueue({ kind: 'event', packet: { type: 'event-register', name }, resolve }, reject),
      );
    } catch (e) {
      this.handlers.delete(name);
      throw e;
    }
  }

  /** Removes `handler` (the last one of a name unregisters with the server). */
  async unregister(name: string, handler: ViciEventHandler): Promise<void> {
    const set = this.handlers.get(name);
    if (!set?.delete(handler) || set.size > 0) return;
    this.handlers.delete(name);
    await new Promise<void>((resolve, reject) =>
      this.enqueue({ kind: 'event', packet: { type: 'event-unregister', name }, resolve }, reject),
    );
  }

  /** A command that streams `event`s before its response (list-sas, list-conns, ...): the events' messages. */
  async streamed(command: string, event: string, args: ViciSection | ViciInput = {}): Promise<ViciSection[]> {
    const got: ViciSection[] = [];
    const handler: ViciEventHandler = (m) => got.push(m);
    await this.register(event, handler);
    try {
      await this.request(command, args);
    } finally {
      if (!this.closed) await this.unregister(event, handler);
    }
    return got;
  }

  /** `initiate` (blocks in charon until the SA is up, failed, or timeoutMs passed). */
  async initiate(a: InitiateArgs): Promise<CommandResult> {
    return result(
      await this.request('initiate', {
        child: a.child,
        ike: a.ike,
        timeout: a.timeoutMs,
        'init-limits': a.initLimits,
        loglevel: a.loglevel,
      }),
    );
  }

  /** `list-sas`: one section per IKE SA (its config name -> details), as charon streams them. */
  listSas(filter: { ike?: string; ikeId?: number; noblock?: boolean } = {}): Promise<ViciSection[]> {
    return this.streamed('list-sas', 'list-sa', {
      ike: filter.ike,
      'ike-id': filter.ikeId,
      noblock: filter.noblock ? 'yes' : undefined,
    });
  }

  /** `stats`, as strings (ikesas.total, ikesas.half-open, workers, queues, ...). */
  async stats(): Promise<ViciPlain> {
    return viciPlain(await this.request('stats'));
  }

  /** `version`, as strings. */
  async version(): Promise<ViciPlain> {
    return viciPlain(await this.request('version'));
  }

  /** Closes the connection; whatever is pending rejects with CLOSED. */
  close(): void {
    this.fail(new ViciError('CLOSED', 'vici connection closed by the client'));
  }

  private enqueue(op: Pending, reject: (e: Error) => void): void {
    if (this.closed) {
      reject(this.closed);
      return;
    }
    this.queue.push({ op, reject });
    this.pump();
  }

  private pump(): void {
    if (this.inFlight || this.closed) return;
    const next = this.queue[0];
    if (!next) return;
    this.inFlight = true;
    this.socket.write(encodeFrame(next.op.packet));
  }

  private onData(chunk: Buffer): void {
    const segments = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!segments.ok) {
      this.fail(new ViciError('PROTOCOL', `vici: ${segments.error.message}`));
      return;
    }
    for (const data of segments.value) {
      const p = decodePacket(data);
      if (!p.ok) {
        this.fail(new ViciError('PROTOCOL', `vici: ${p.error.message}`));
        return;
      }
      this.onPacket(p.value);
      if (this.closed) return;
    }
  }

  private onPacket(p: ViciPacket): void {
    if (p.type === 'event') {
      for (const h of this.handlers.get(p.name) ?? []) h(p.message, p.name);
      return;
    }
    const head = this.queue[0];
    const answer = (): Queued => {
      this.queue.shift();
      this.inFlight = false;
      return head!;
    };
    switch (p.type) {
      case 'cmd-response':
        if (head?.op.kind !== 'command' || !this.inFlight) break;
        answer();
        head.op.resolve(p.message);
        this.pump();
        return;
      case 'cmd-unknown':
        if (head?.op.kind !== 'command' || !this.inFlight) break;
        answer().reject(
          new ViciError('UNKNOWN_COMMAND', `vici: unknown command ${packetName(head.op.packet)}`),
        );
        this.pump();
        return;
      case 'event-confirm':
        if (head?.op.kind !== 'event' || !this.inFlight) break;
        answer();
        head.op.resolve();
        this.pump();
        return;
      case 'event-unknown':
        if (head?.op.kind !== 'event' || !this.inFlight) break;
        answer().reject(new ViciError('UNKNOWN_EVENT', `vici: unknown event ${packetName(head.op.packet)}`));
        this.pump();
        return;
      default:
        break;
    }
    this.fail(new ViciError('PROTOCOL', `vici: unexpected ${p.type} packet`));
  }

  private fail(e: ViciError): void {
    if (this.closed) return;
    this.closed = e;
    this.socket.destroy();
    for (const q of this.queue.splice(0)) q.reject(e);
  }
}

const packetName = (p: ViciPacket): string => ('name' in p ? p.name : p.type);

/** A `{ success, errmsg }` response. */
function result(m: ViciSection): CommandResult {
  const plain = viciPlain(m);
  const errmsg = typeof plain.errmsg === 'string' ? plain.errmsg : undefined;
  return { success: plain.success === 'yes', ...(errmsg !== undefined ? { errmsg } : {}) };
}
