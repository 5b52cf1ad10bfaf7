/**
 * The inspector's command line: `ikev2 daemon --inspect/--record` flags and `ikev2 inspect
 * --replay FILE` (served until a signal; here until the test says so).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../../../../targets/native/cli.js';
import { runReplay } from '../../../../targets/native/inspector/run.js';
import { main } from '../../../../targets/native/main.js';
import { FIXTURE_EVENTS } from './fixture.js';

const ok = (argv: string[]) => {
  const r = parseCli(argv);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const error = (argv: string[]) => {
  const r = parseCli(argv);
  return r.ok ? undefined : r.error;
};

describe('ikev2 daemon --inspect / --record', () => {
  it('parses the flags', () => {
    expect(ok(['daemon', '--config', 'c', '--inspect', '8080'])).toMatchObject({
      kind: 'daemon',
      inspect: { address: '127.0.0.1', port: 8080, keys: false },
    });
    expect(
      ok([
        'daemon',
        '--config',
        'c',
        '--inspect',
        '0.0.0.0:9000',
        '--inspect-token',
        'sesame-12345',
        '--inspect-keys',
        '--record',
        'r.jsonl',
        '--record-keys',
      ]),
    ).toMatchObject({
      inspect: { address: '0.0.0.0', port: 9000, token: 'sesame-12345', keys: true },
      record: { file: 'r.jsonl', keys: true },
    });
    const plain = ok(['daemon', '--config', 'c']);
    expect(plain).not.toHaveProperty('inspect');
    expect(plain).not.toHaveProperty('record');
  });

  it('refuses what does not fit', () => {
    expect(error(['daemon', '--config', 'c', '--inspect', '0.0.0.0:9000'])).toMatch(
      /daemon: --inspect 0\.0\.0\.0:9000 is not a loopback address: give --inspect-token TOKEN/,
    );
    expect(error(['daemon', '--config', 'c', '--inspect', 'nope'])).toMatch(
      /daemon: 'nope' is not \[ADDR:\]PORT/,
    );
    expect(error(['daemon', '--config', 'c', '--inspect-keys'])).toMatch(/need --inspect/);
    expect(error(['daemon', '--config', 'c', '--record-keys'])).toMatch(/--record-keys needs --record FILE/);
    expect(error(['daemon', '--config', 'c', '--inspect'])).toMatch(/--inspect needs a value/);
  });

  it('a daemon whose inspector cannot listen does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ikev2-inspect-cli-'));
    const conf = join(dir, 'd.conf');
    writeFileSync(conf, 'daemon {\n  port = 0\n  port_nat_t = 0\n}\n');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    const err: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } };
    const args = [
      '--config',
      conf,
      '--control',
      join(dir, 's'),
      '--inspect',
      `${port}`,
      '--log-level',
      'silent',
    ];
    const code = await main(['daemon', ...args], io);
    busy.close();
    expect(code).toBe(1);
    expect(err.join('')).toMatch(
      new RegExp(`ikev2: --inspect 127\\.0\\.0\\.1:${port}: cannot listen: .*EADDRINUSE`),
    );
  });
});

describe('ikev2 inspect --replay', () => {
  it('parses', () => {
    expect(ok(['inspect', '--replay', 'r.jsonl'])).toEqual({
      kind: 'inspect',
      replay: 'r.jsonl',
      address: '127.0.0.1',
      port: 7296,
      keys: false,
    });
    expect(ok(['inspect', '--replay', 'r', '--port', '0', '--address', '::1'])).toMatchObject({
      address: '::1',
      port: 0,
    });
    expect(error(['inspect'])).toBe('inspect: --replay FILE is required');
    expect(error(['inspect', '--replay', 'r', '--address', '10.0.0.1'])).toMatch(/needs|--inspect-token/);
    expect(error(['inspect', '--replay', 'r', '--port', '70000'])).toMatch(/at most 65535/);
    expect(USAGE).toContain('inspect    --replay FILE');
    expect(USAGE).toContain('--inspect [ADDR:]PORT');
  });

  it('serves a recording and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ikev2-replay-'));
    const file = join(dir, 'r.jsonl');
    writeFileSync(file, FIXTURE_EVENTS.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const out: string[] = [];
    let stop = () => {};
    const done = runReplay(
      { replay: file, address: '127.0.0.1', port: 0, keys: false },
      { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } },
      new Promise<void>((resolve) => {
        stop = resolve;
      }),
    );
    await expect.poll(() => out.join('')).toMatch(/inspector: http:\/\/127\.0\.0\.1:\d+\//);
    const url = /inspector: (\S+)/.exec(out.join(''))![1]!;
    expect(out.join('')).toContain(`replaying ${file} (${FIXTURE_EVENTS.length} events)`);
    const tree = (await (await fetch(`${url}api/actors`)).json()) as { ikeSas: unknown[] };
    expect(tree.ikeSas).toHaveLength(1);
    stop();
    expect(await done).toBe(0);
  });

  it('a broken recording is an error naming its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ikev2-replay-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, 'nonsense\n');
    const err: string[] = [];
    const code = await main(['inspect', '--replay', file, '--port', '0'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => err.push(s) },
    });
    expect(code).toBe(1);
    expect(err.join('')).toBe(`ikev2: inspect: ${file}:1: not JSON\n`);
  });
});
