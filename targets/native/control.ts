/**
 * The control socket: a Unix stream socket carrying newline-delimited JSON (one object per
 * line, UTF-8). The CLI sends requests; the daemon answers each with zero or more event lines
 * and exactly one final line:
 *   request   {"id": 1, "command": "initiate", "args": {"child": "net", "timeout": 10}}
 *   event     {"id": 1, "event": {...}}                      (progress, e.g. a ping reply)
 *   final     {"id": 1, "ok": true, "result": ...}  |  {"id": 1, "ok": false, "error": "one line"}
 * Several requests may be in flight on one connection; `id` pairs the lines. A line that is
 * not a request object gets {"id": null, "ok": false, "error": ...}; a request line longer
 * than MAX_LINE closes the connection. Answers may be far longer (list-sas of 100,000 IKE SAs
 * is over 100 MB): the client reads lines up to MAX_REPLY_LINE, and the daemon writes an array
 * result in pieces, so that no single string holds all of it (the same bytes as one
 * JSON.stringify, the pieces written in one go so that no other line can come between).
 */
import { constants } from 'node:buffer';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

/** The longest request line the daemon reads. */
export const MAX_LINE = 64 * 1024;
/** The longest answer line the client reads: 1 GiB, or the longest string this V8 can hold. */
export const MAX_REPLY_LINE = Math.min(1024 ** 3, constants.MAX_STRING_LENGTH);
/** Pieces of an array result are joined up to about this size before each write. */
const WRITE_PIECE = 1024 * 1024;

/** $XDG_RUNTIME_DIR/ikev2.sock, else /run/ikev2.sock. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'ikev2.sock') : '/run/ikev2.sock';
}

export interface ControlRequest {
  readonly id: number | string;
  readonly command: string;
  readonly args: Record<string, unknown>;
}

export type ControlResponse =
  | { readonly id: number | string | null; readonly event: unknown }
  | { readonly id: number | string | null; readonly ok: true; readonly result: unknown }
  | { readonly id: number | string | null; readonly ok: false; readonly error: string };

/** An error whose message is meant for the user (one line). */
export class ControlError extends Error {}

export interface HandlerContext {
  /** Sends a progress event before the final answer. */
  event(e: unknown): void;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
}

export type ControlHandler = (args: Record<string, unknown>, ctx: HandlerContext) => unknown;

export interface ControlLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

function parseRequest(line: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'malformed request: not JSON';
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'malformed request: not an object';
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'number' && typeof o.id !== 'string') return 'malformed request: id missing';
  if (typeof o.command !== 'string') return 'malformed request: command missing';
  const args = o.args ?? {};
  if (!args || typeof args !== 'object' || Array.isArray(args))
    return 'malformed request: args must be an object';
  return { id: o.id, command: o.command, args: args as Record<string, unknown> };
}

/**
 * Splits a byte stream into lines (UTF-8, decoded per whole line so that a character split
 * across chunks survives); calls `onLine` per complete line, `onOverflow` once if a line grows
 * beyond `max` bytes (and reads nothing more). Only each new chunk is searched for the newline
 * and a line's chunks are joined once: a line of n bytes costs O(n), however many chunks.
 */
export function lineReader(
  onLine: (line: string) => void,
  onOverflow: () => void,
  max: number = MAX_LINE,
): (chunk: Buffer | string) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowed = false;
  return (data: Buffer | string) => {
    if (overflowed) return;
    let chunk = typeof data === 'string' ? Buffer.from(data) : data;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10)) {
      if (pendingBytes + nl > max) break;
      pending.push(chunk.subarray(0, nl));
      const line = (pending.length === 1 ? pending[0]! : Buffer.concat(pending)).toString('utf8');
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(nl + 1);
      if (line.trim()) onLine(line);
      if (overflowed) return;
    }
    if (chunk.length === 0) return;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes > max) {
      pending = [];
      pendingBytes = 0;
      overflowed = true;
      onOverflow();
    }
  };
}

/**
 * Writes `{"id":..,"ok":true,"result":[...]}` and a newline: the bytes of JSON.stringify of that
 * object, but an array result is stringified element by element into pieces of about
 * WRITE_PIECE, written all before returning (no other line can come between) and only once
 * every element is stringified: an element JSON.stringify throws on (a BigInt, a cycle) throws
 * here with nothing written, so that the caller's error line is not glued to half a result.
 */
function writeResult(socket: Socket, id: number | string, result: unknown): void {
  if (!Array.isArray(result)) {
    socket.write(`${JSON.stringify({ id, ok: true, result })}\n`);
    return;
  }
  const pieces: string[] = [];
  let piece = `${JSON.stringify({ id, ok: true, result: [] }).slice(0, -3)}[`;
  for (let i = 0; i < result.length; i++) {
    // JSON.stringify writes null for an array element that has no JSON form.
    const json = (JSON.stringify(result[i]) as string | undefined) ?? 'null';
    piece += i === 0 ? json : `,${json}`;
    if (piece.length >= WRITE_PIECE) {
      pieces.push(piece);
      piece = '';
    }
  }
  pieces.push(`${piece}]}\n`);
  for (const p of pieces) socket.write(p);
}

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

/**
 * Listens on `path` (mode 0600). A leftover socket file nobody listens on is replaced; a live
 * one is an error (another daemon).
 */
export async function startControlServer(
  path: string,
  handlers: Readonly<Record<string, ControlHandler>>,
  logger?: ControlLogger,
): Promise<ControlServer> {
  if (existsSync(path)) {
    if (await isListening(path)) throw new ControlError(`another daemon is listening on ${path}`);
    unlinkSync(path);
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const aborter = new AbortController();
    const send = (r: ControlResponse) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(r)}\n`);
    };
    const run = async (req: ControlRequest) => {
      const handler = Object.hasOwn(handlers, req.command) ? handlers[req.command] : undefined;
      if (!handler) {
        send({ id: req.id, ok: false, error: `unknown command '${req.command}'` });
        return;
      }
      try {
        const result = await handler(req.args, {
          event: (e) => send({ id: req.id, event: e }),
          signal: aborter.signal,
        });
        if (!socket.destroyed) writeResult(socket, req.id, result ?? null);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (!(e instanceof ControlError))
          logger?.warn({ command: req.command, err: e }, 'control: command failed');
        send({ id: req.id, ok: false, error: oneLine(message) });
      }
    };
    socket.on(
      'data',
      lineReader(
        (line) => {
          const req = parseRequest(line);
          if (typeof req === 'string') send({ id: null, ok: false, error: req });
          else void run(req);
        },
        () => {
          send({ id: null, ok: false, error: `request line longer than ${MAX_LINE} bytes` });
          socket.end();
        },
      ),
    );
    socket.on('error', (e) => logger?.debug({ err: e }, 'control: connection error'));
    socket.on('close', () => {
      sockets.delete(socket);
      aborter.abort();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    chmodSync(path, 0o600);
  } catch (e) {
    logger?.warn({ path, err: e }, 'control: cannot restrict the socket mode');
  }
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface RequestOptions {
  readonly onEvent?: (e: unknown) => void;
  /** Give up after this many milliseconds (0 = never). */
  readonly timeoutMs?: number;
}

/** Why the daemon could not be reached, in one line naming the socket. */
export function connectErrorMessage(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return `daemon not running: no control socket at ${path}`;
    case 'ECONNREFUSED':
      return `daemon not running: nothing listening on ${path}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on control socket ${path}`;
    default:
      return `cannot reach the daemon at ${path}: ${e.message}`;
  }
}

/** Sends one request and resolves with its result; rejects with a one-line Error. */
export function controlRequest(
  path: string,
  command: string,
  args: Record<string, unknown> = {},
  o: RequestOptions = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let settled = false;
    let connected = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      f();
    };
    if (o.timeoutMs)
      timer = setTimeout(
        () => done(() => reject(new Error(`no answer from the daemon within ${o.timeoutMs! / 1000} s`))),
        o.timeoutMs,
      );
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ id: 1, command, args })}\n`);
    });
    socket.on(
      'data',
      lineReader(
        (line) => {
          let r: Record<string, unknown>;
          try {
            r = JSON.parse(line) as Record<string, unknown>;
          } catch {
            done(() => reject(new Error('malformed answer from the daemon')));
            return;
          }
          if ('event' in r) o.onEvent?.(r.event);
          else if (r.ok === true) done(() => resolve(r.result));
          else done(() => reject(new Error(String(r.error ?? 'request failed'))));
        },
        () => done(() => reject(new Error('answer line from the daemon too long'))),
        MAX_REPLY_LINE,
      ),
    );
    socket.on('error', (e: NodeJS.ErrnoException) =>
      done(() =>
        reject(new Error(connected ? `control connection: ${e.message}` : connectErrorMessage(path, e))),
      ),
    );
    socket.on('close', () =>
      done(() => reject(new Error('the daemon closed the connection without an answer'))),
    );
  });
}
