/**
 * The control socket protocol: newline-delimited JSON requests, event lines, one final answer
 * per request id; errors as one line; stale and live socket files; client error messages.
 * Large answers and line framing are in control-answers.test.ts.
 */
import { statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  ControlError,
  controlRequest,
  defaultSocketPath,
  MAX_LINE,
  startControlServer,
} from '../../../targets/native/control.js';
import { serve, socketPath } from '../../support/control-server.js';

/** Sends raw lines on one connection and collects `n` answer lines. */
function raw(path: string, text: string, n: number): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const got: Record<string, unknown>[] = [];
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        got.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
        buf = buf.slice(i + 1);
      }
      if (got.length >= n) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.write(text);
  });
}

describe('control socket', () => {
  it('answers a request with its events, then one result', async () => {
    const path = socketPath();
    await serve(path, {
      count: (args, ctx) => {
        for (let i = 1; i <= Number(args.n); i++) ctx.event({ i });
        return { counted: args.n };
      },
    });
    const events: unknown[] = [];
    const result = await controlRequest(path, 'count', { n: 3 }, { onEvent: (e) => events.push(e) });
    expect(events).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect(result).toEqual({ counted: 3 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('turns handler errors into one-line answers, logging only unexpected ones', async () => {
    const path = socketPath();
    const warnings: string[] = [];
    await serve(
      path,
      {
        refuse: () => {
          throw new ControlError('no IKE SA named x');
        },
        crash: async () => {
          throw new Error('bug\nwith a second line');
        },
      },
      warnings,
    );
    await expect(controlRequest(path, 'refuse')).rejects.toThrow(/^no IKE SA named x$/);
    await expect(controlRequest(path, 'crash')).rejects.toThrow(/^bug with a second line$/);
    await expect(controlRequest(path, 'nope')).rejects.toThrow("unknown command 'nope'");
    await expect(controlRequest(path, 'toString')).rejects.toThrow("unknown command 'toString'");
    expect(warnings).toEqual(['control: command failed']);
  });

  it('pairs answers with request ids and rejects malformed lines', async () => {
    const path = socketPath();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    await serve(path, {
      slow: async () => {
        await gate;
        return 'slow';
      },
      fast: () => {
        release();
        return 'fast';
      },
    });
    const answers = await raw(
      path,
      [
        '{"id":1,"command":"slow"}',
        '{"id":"b","command":"fast","args":{}}',
        'not json',
        '{"command":"fast"}',
        '{"id":2,"command":"fast","args":[1]}',
        '',
      ].join('\n'),
      5,
    );
    expect(answers).toEqual(
      expect.arrayContaining([
        { id: 'b', ok: true, result: 'fast' },
        { id: 1, ok: true, result: 'slow' },
        { id: null, ok: false, error: 'malformed request: not JSON' },
        { id: null, ok: false, error: 'malformed request: id missing' },
        { id: null, ok: false, error: 'malformed request: args must be an object' },
      ]),
    );
    // The slow answer comes after the fast one it waited for.
    expect(answers.findIndex((a) => a.id === 'b')).toBeLessThan(answers.findIndex((a) => a.id === 1));
  });

  it('closes a connection whose line exceeds the limit', async () => {
    const path = socketPath();
    await serve(path, {});
    const [answer] = await raw(path, 'x'.repeat(MAX_LINE + 10), 1);
    expect(answer).toEqual({ id: null, ok: false, error: `request line longer than ${MAX_LINE} bytes` });
  });

  it('aborts a handler when its client goes away', async () => {
    const path = socketPath();
    let aborted: () => void = () => {};
    const wasAborted = new Promise<void>((r) => {
      aborted = r;
    });
    await serve(path, {
      wait: (_a, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted();
            resolve(null);
          });
        }),
    });
    const s = connect(path);
    s.write('{"id":1,"command":"wait"}\n');
    setTimeout(() => s.destroy(), 50);
    await wasAborted;
  });

  it('replaces a leftover socket file but refuses a live one', async () => {
    const path = socketPath();
    writeFileSync(path, ''); // left behind, nobody listening
    await serve(path, { ping: () => 'pong' });
    await expect(controlRequest(path, 'ping')).resolves.toBe('pong');
    await expect(startControlServer(path, {})).rejects.toThrow(`another daemon is listening on ${path}`);
    await expect(controlRequest(path, 'ping')).resolves.toBe('pong');
  });

  it('tells the client the daemon is not running, naming the socket', async () => {
    const path = socketPath();
    await expect(controlRequest(path, 'list-sas')).rejects.toThrow(
      `daemon not running: no control socket at ${path}`,
    );
    writeFileSync(path, '');
    await expect(controlRequest(path, 'list-sas')).rejects.toThrow(
      `daemon not running: nothing listening on ${path}`,
    );
  });

  it('gives up after the client timeout', async () => {
    const path = socketPath();
    await serve(path, { hang: () => new Promise(() => {}) });
    await expect(controlRequest(path, 'hang', {}, { timeoutMs: 100 })).rejects.toThrow(
      'no answer from the daemon within 0.1 s',
    );
  });

  it('defaults to $XDG_RUNTIME_DIR/ikev2.sock, else /run/ikev2.sock', () => {
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/ikev2.sock');
    expect(defaultSocketPath({})).toBe('/run/ikev2.sock');
  });
});
