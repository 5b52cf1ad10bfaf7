/**
 * A recording VICI proxy: a Unix socket that a client (strongSwan's `swanctl --uri unix://PATH`)
 * connects to, forwarded byte for byte to a real VICI socket (charon's `charon.vici`), with
 * each direction's bytes kept in the order they passed. The recordings are the fixtures of
 * test/fixtures/vici/ (made by test/interop/vici.test.ts with VICI_RECORD=1; read by
 * test/targets/native/vici/recorded.test.ts).
 *
 * Fixture format (viciFixtureText / parseViciFixture): one VICI transport segment per line,
 * in hex, its 4-octet length header included, so that the lines joined are the exact stream;
 * `#` lines are comments.
 */
import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** What passed through one proxied connection, per direction. */
export interface ViciRecording {
  /** client -> server (requests, event registrations) */
  readonly client: Buffer;
  /** server -> client (responses, confirmations, events) */
  readonly server: Buffer;
}

export class ViciRecorder {
  private readonly connections: { client: Buffer[]; server: Buffer[]; done: Promise<void> }[] = [];

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  /** Listens on `path`, forwarding every connection to the VICI socket `target`. */
  static async start(path: string, target: string): Promise<ViciRecorder> {
    if (existsSync(path)) rmSync(path);
    let rec: ViciRecorder | undefined;
    const server = createServer((down: Socket) => {
      const c: { client: Buffer[]; server: Buffer[]; done: Promise<void> } = {
        client: [],
        server: [],
        done: Promise.resolve(),
      };
      const up = createConnection(target);
      c.done = new Promise((resolve) => {
        let open = 2;
        const closed = () => {
          if (--open === 0) resolve();
        };
        down.on('close', closed);
        up.on('close', closed);
      });
      down.on('data', (b: Buffer) => {
        c.client.push(Buffer.from(b));
        up.write(b);
      });
      up.on('data', (b: Buffer) => {
        c.server.push(Buffer.from(b));
        down.write(b);
      });
      down.on('end', () => up.end());
      up.on('end', () => down.end());
      down.on('error', () => up.destroy());
      up.on('error', () => down.destroy());
      rec?.connections.push(c);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    rec = new ViciRecorder(path, server);
    return rec;
  }

  /** The `unix://` URI for swanctl. */
  get uri(): string {
    return `unix://${this.path}`;
  }

  /**
   * Everything recorded since the last take(), all connections in order, once they have
   * closed (swanctl closes its connection before it exits).
   */
  async take(): Promise<ViciRecording> {
    const done = this.connections.splice(0);
    await Promise.all(done.map((c) => c.done));
    return {
      client: Buffer.concat(done.flatMap((c) => c.client)),
      server: Buffer.concat(done.flatMap((c) => c.server)),
    };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (existsSync(this.path)) rmSync(this.path);
  }
}

/** Cuts a stream into its segments, length headers included (throws on a truncated stream). */
export function splitFrames(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < stream.length) {
    if (stream.length - i < 4) throw new Error(`truncated length header at ${i}`);
    const n = ((stream[i]! << 24) | (stream[i + 1]! << 16) | (stream[i + 2]! << 8) | stream[i + 3]!) >>> 0;
    if (stream.length - i - 4 < n) throw new Error(`segment of ${n} octets at ${i} runs past the end`);
    out.push(stream.subarray(i, i + 4 + n));
    i += 4 + n;
  }
  return out;
}

/** A recorded stream as fixture text: the comment lines, then one hex frame per line. */
export function viciFixtureText(stream: Uint8Array, comments: readonly string[]): string {
  return `${[...comments.map((c) => `# ${c}`), ...splitFrames(stream).map((f) => Buffer.from(f).toString('hex'))].join('\n')}\n`;
}

/** Fixture text back to the stream's bytes. */
export function parseViciFixture(text: string): Uint8Array {
  const hex = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('');
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error('fixture is not hex');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
