/**
 * The ikev2 command line: argument parsing into commands, and the one-line errors (usage errors
 * exit 2, failures exit 1) - including a broken configuration, which lists every error and
 * starts nothing.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../../../targets/native/cli.js';
import { main } from '../../../targets/native/main.js';

const ENV = { XDG_RUNTIME_DIR: '/run/user/1000' };
const SOCK = '/run/user/1000/ikev2.sock';

const parsed = (argv: string[]) => {
  const r = parseCli(argv, ENV);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const failure = (argv: string[]) => {
  const r = parseCli(argv, ENV);
  return r.ok ? undefined : r.error;
};

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ikev2-cli-'));
  dirs.push(d);
  return d;
};

describe('parseCli', () => {
  it('reads the daemon options', () => {
    expect(parsed(['daemon', '--config', 'a.conf'])).toEqual({
      kind: 'daemon',
      config: 'a.conf',
      logLevel: 'info',
      pretty: false,
    });
    expect(
      parsed([
        'daemon',
        '--config=b.yaml',
        '--control',
        '/tmp/s',
        '--save-keys',
        '/tmp/k',
        '--log-level',
        'debug',
        '--pretty',
      ]),
    ).toEqual({
      kind: 'daemon',
      config: 'b.yaml',
      control: '/tmp/s',
      saveKeys: '/tmp/k',
      logLevel: 'debug',
      pretty: true,
    });
  });

  it('turns control commands into requests on the default or given socket', () => {
    expect(parsed(['initiate', '--child', 'net'])).toEqual({
      kind: 'request',
      command: 'initiate',
      args: { child: 'net' },
      control: SOCK,
      json: false,
      timeoutMs: 0,
    });
    expect(
      parsed(['initiate', '--child', 'net', '--ike', 'gw', '--timeout', '2.5', '--control', '/s']),
    ).toMatchObject({
      args: { child: 'net', ike: 'gw', timeout: 2.5 },
      control: '/s',
      timeoutMs: 7500, // the daemon enforces 2.5 s; the client waits 5 s longer for the answer
    });
    expect(parsed(['terminate', '--ike', 'gw'])).toMatchObject({ command: 'terminate', args: { ike: 'gw' } });
    expect(parsed(['terminate', '--ike-id', '7'])).toMatchObject({ args: { ikeId: 7 } });
    expect(parsed(['rekey', '--child', 'net'])).toMatchObject({ command: 'rekey', args: { child: 'net' } });
    expect(parsed(['list-sas', '--json'])).toMatchObject({ command: 'list-sas', json: true, args: {} });
    expect(parsed(['list-conns'])).toMatchObject({ command: 'list-conns', json: false });
    expect(parsed(['list-certs', '--json'])).toMatchObject({ command: 'list-certs', json: true, args: {} });
    expect(parsed(['ping', '--child', 'net', '10.99.1.1', '-c', '5'])).toMatchObject({
      command: 'ping',
      args: { child: 'net', dest: '10.99.1.1', count: 5 },
    });
    expect(parsed(['ping', '10.99.1.1', '--child', 'net'])).toMatchObject({ args: { count: 3 } });
    expect(parsed(['reload'])).toMatchObject({ command: 'reload' });
    expect(parseCli(['list-sas'], {})).toMatchObject({ ok: true, value: { control: '/run/ikev2.sock' } });
  });

  it('answers help without a command', () => {
    for (const argv of [[], ['help'], ['--help'], ['-h']]) expect(parsed(argv)).toEqual({ kind: 'help' });
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['daemon'], 'daemon: --config NAME is required'],
    [['daemon', '--config', 'a', '--log-level', 'loud'], "daemon: unknown log level 'loud'"],
    [['initiate'], 'initiate: --child NAME is required'],
    [['initiate', '--child'], 'initiate: --child needs a value'],
    [
      ['initiate', '--child', 'net', '--timeout', 'soon'],
      "initiate: --timeout must be a number >= 0, not 'soon'",
    ],
    [['initiate', '--child', 'net', '--timeout=-1'], "initiate: --timeout must be a number >= 0, not '-1'"],
    [['initiate', '--child', 'net', 'extra'], "initiate: unexpected argument 'extra'"],
    [['list-sas', '--bogus'], "list-sas: unknown option '--bogus'"],
    [['terminate'], 'terminate: give exactly one of --ike NAME, --ike-id N, --child NAME'],
    [
      ['terminate', '--ike', 'a', '--child', 'b'],
      'terminate: give exactly one of --ike NAME, --ike-id N, --child NAME',
    ],
    [['terminate', '--ike-id', '0'], 'terminate: --ike-id must be a positive integer'],
    [['rekey', '--ike-id', '1.5'], "rekey: --ike-id must be a whole number >= 0, not '1.5'"],
    [['ping', '--child', 'net'], 'ping: give exactly one destination address'],
    [['ping', '--child', 'net', 'a', 'b'], 'ping: give exactly one destination address'],
    [['ping', '--child', 'net', '10.0.0.1', '-c', '0'], 'ping: -c must be at least 1'],
    [['ping', '10.0.0.1'], 'ping: --child NAME is required'],
  ])('%j -> %s', (argv, message) => {
    expect(failure(argv)).toBe(message);
  });
});

describe('ikev2 main', () => {
  it('prints the usage for help', async () => {
    const t = io();
    expect(await main(['help'], t.io)).toBe(0);
    expect(t.out()).toBe(USAGE);
  });

  it('reports a usage error in one line with exit code 2', async () => {
    const t = io();
    expect(await main(['initiate'], t.io)).toBe(2);
    expect(t.err()).toBe("ikev2: initiate: --child NAME is required (see 'ikev2 help')\n");
    expect(t.out()).toBe('');
  });

  it('says the daemon is not running and names the socket', async () => {
    const path = join(tempDir(), 'ikev2.sock');
    for (const argv of [
      ['list-sas'],
      ['initiate', '--child', 'net'],
      ['ping', '--child', 'net', '10.0.0.1'],
    ]) {
      const t = io();
      expect(await main([...argv, '--control', path], t.io)).toBe(1);
      expect(t.err()).toBe(`ikev2: ${argv[0]}: daemon not running: no control socket at ${path}\n`);
    }
  });

  it('lists every configuration error and starts nothing', async () => {
    const dir = tempDir();
    const conf = join(dir, 'bad.conf');
    writeFileSync(
      conf,
      [
        'daemon {',
        '  port = 70000',
        '}',
        'connections {',
        '  gw {',
        '    remote_addrs = 127.0.0.1',
        '    proposals = aes128-sha256-ecp256',
        '    local { auth = psk }',
        '    remote { auth = psk }',
        '    children { net { esp_propsals = aes128-sha256 } }',
        '  }',
        '}',
        'secrets { ike { secret = x } }',
        '',
      ].join('\n'),
    );
    const path = join(dir, 'ikev2.sock');
    const t = io();
    expect(await main(['daemon', '--config', conf, '--control', path, '--log-level', 'silent'], t.io)).toBe(
      1,
    );
    const lines = t.err().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^ikev2: ${conf}:2: daemon\\.port: `));
    expect(lines[1]).toMatch(
      new RegExp(`^ikev2: ${conf}:10: connections\\.gw\\.children\\.net\\.esp_propsals: unknown key`),
    );
    expect(existsSync(path)).toBe(false);
  });

  it('reports an unreadable configuration', async () => {
    const t = io();
    const missing = join(tempDir(), 'none.conf');
    expect(await main(['daemon', '--config', missing, '--log-level', 'silent'], t.io)).toBe(1);
    expect(t.err()).toBe(`ikev2: ${missing}: cannot read: no such file\n`);
  });
});
