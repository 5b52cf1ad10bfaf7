/**
 * The core VICI commands (targets/native/vici/commands/core.ts) of a daemon started in this
 * process with daemon.vici / --vici, through the real swanctl (Debian's strongswan-swanctl,
 * installed here when missing) and through our client: version, stats, list-algs, counters,
 * reload-settings, get-pools.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir, type } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../../../targets/native/cli.js';
import { parseConfigText } from '../../../../targets/native/config/load.js';
import { Daemon, DaemonStartError } from '../../../../targets/native/daemon.js';
import { createLogger } from '../../../../targets/native/logger.js';
import { ViciClient } from '../../../../targets/native/vici/client.js';
import { daemonVersion, timeDelta, timeStamp } from '../../../../targets/native/vici/commands/core.js';
import { viciPlain } from '../../../../targets/native/vici/message.js';
import { ensureSwanctl } from '../../../support/swanctl.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vici-core-'));
const CONF = join(dir, 'daemon.conf');
const VICI = join(dir, 'charon.vici');
const STRONGSWAN_CONF = join(dir, 'strongswan.conf');

const conf = (vici: string) => `daemon {
  port = 0
  port_nat_t = 0
  vici = ${vici}
}
connections {
  rw {
    local_addrs = 127.0.0.1
    local { auth = psk
      id = gateway.example.org }
    remote { auth = psk
      id = client.example.org }
    children { net { local_ts = 10.99.1.0/24 } }
  }
}
secrets { ike-a { id = client.example.org
  secret = "core-test-psk-0123456789" } }
`;

const swanctl = async (...args: string[]) =>
  (
    await run('swanctl', [...args, '--uri', `unix://${VICI}`], {
      env: { ...process.env, STRONGSWAN_CONF },
      timeout: 20_000,
    })
  ).stdout;

let daemon: Daemon;

beforeAll(async () => {
  ensureSwanctl();
  writeFileSync(STRONGSWAN_CONF, ''); // swanctl reads it; nothing to configure
  writeFileSync(CONF, conf(`unix://${VICI}`));
  daemon = await Daemon.start({
    configPath: CONF,
    controlPath: join(dir, 'control.sock'),
    logger: createLogger({ level: 'silent' }),
    stopGraceMs: 100,
  });
}, 300_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('daemon.vici and --vici', () => {
  it('reads daemon.vici as unix://PATH or a path, empty by default; refuses tcp://', () => {
    const daemonOf = (v: string) => {
      const r = parseConfigText(conf(v), 'swanctl', 'x.conf');
      return r.ok ? r.value.daemon.vici : r.error.map((e) => e.message).join('; ');
    };
    expect(daemonOf('unix:///run/charon.vici')).toBe('/run/charon.vici');
    expect(daemonOf('/tmp/x.vici')).toBe('/tmp/x.vici');
    expect(daemonOf('""')).toBe('');
    expect(daemonOf('tcp://127.0.0.1:4502')).toMatch(/only unix:\/\/ sockets/);
  });

  it('takes --vici on ikev2 daemon', () => {
    const r = parseCli(['daemon', '--config', 'x.conf', '--vici', 'unix:///tmp/v.vici']);
    expect(r.ok && r.value).toMatchObject({ kind: 'daemon', vici: 'unix:///tmp/v.vici' });
  });

  it('serves on the configured socket, and --vici overrides it', async () => {
    expect(daemon.viciPath).toBe(VICI);
    const other = join(dir, 'other.vici');
    const d2 = await Daemon.start({
      configPath: CONF,
      controlPath: join(dir, 'control2.sock'),
      viciPath: `unix://${other}`,
      logger: createLogger({ level: 'silent' }),
      stopGraceMs: 100,
    });
    try {
      expect(d2.viciPath).toBe(other);
      const c = await ViciClient.connect(other);
      expect((await c.version()).daemon).toBe('ikev2-actors');
      c.close();
    } finally {
      await d2.stop();
    }
    expect(existsSync(other)).toBe(false);
    await expect(
      Daemon.start({
        configPath: CONF,
        controlPath: join(dir, 'control3.sock'),
        viciPath: 'tcp://127.0.0.1:1',
        logger: createLogger({ level: 'silent' }),
      }),
    ).rejects.toBeInstanceOf(DaemonStartError);
  });
});

describe('core commands through swanctl', () => {
  it('swanctl --version --daemon prints our version, name and uname', async () => {
    // swanctl's format: "strongSwan <version> <daemon> (<sysname>, <release>, <machine>)".
    const out = (await swanctl('--version', '--daemon')).trim();
    expect(out.startsWith(`strongSwan ${daemonVersion()} ikev2-actors (${type()}, ${release()}, `)).toBe(
      true,
    );
    expect(out).toMatch(/, [\w-]+\)$/);
    expect(daemonVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('swanctl --stats prints uptime, workers, queues, IKE_SAs and plugins', async () => {
    const out = await swanctl('--stats');
    expect(out).toMatch(/^uptime: \d+ (second|minute|hour|day)s?, since \w{3} \d\d \d\d:\d\d:\d\d \d{4}$/m);
    expect(out).toMatch(/^worker threads: 1 total, 0 idle, working: 0\/0\/1\/0$/m);
    expect(out).toMatch(/^job queues: 0\/0\/0\/0$/m);
    expect(out).toMatch(/^jobs scheduled: 0$/m);
    expect(out).toMatch(/^IKE_SAs: 0 total, 0 half-open$/m);
    expect(out).toMatch(/^loaded plugins: ikev2-actors vici$/m);
  });

  it('swanctl --list-algs prints our algorithms by section', async () => {
    const out = await swanctl('--list-algs');
    expect(out).toMatch(/^encryption:\n {2}NULL\[ikev2-actors\]\n {2}AES_CBC\[ikev2-actors\]/m);
    for (const alg of [
      'AES_GCM_16',
      'CHACHA20_POLY1305',
      'HMAC_SHA2_256_128',
      'PRF_HMAC_SHA2_256',
      'CURVE_25519',
    ])
      expect(out).toContain(`${alg}[ikev2-actors]`);
    expect(out).toMatch(/^dh:$/m);
  });

  it('swanctl --counters prints charon counter names; --reset zeroes them', async () => {
    const out = await swanctl('--counters');
    for (const name of ['ike-rekey-init', 'invalid-spi', 'ike-auth-in-req', 'info-out-resp'])
      expect(out).toMatch(new RegExp(`^\\s*${name}\\s*: 0$`, 'm'));
    const conn = await swanctl('--counters', '--name', 'rw');
    expect(conn).toMatch(/ike-rekey-resp\s*: 0/);
    await swanctl('--counters', '--reset');
    await expect(swanctl('--counters', '--name', 'nope')).rejects.toThrow(/no counters found/);
  });

  it('swanctl --reload-settings reloads the file', async () => {
    await expect(swanctl('--reload-settings')).resolves.toBeDefined();
  });
});

describe('core commands through our client', () => {
  it('get-counters, reset-counters, get-pools, reload-settings', async () => {
    const c = await ViciClient.connect(VICI);
    try {
      const all = viciPlain(await c.request('get-counters', { all: 'yes' }));
      expect(all.success).toBe('yes');
      expect(Object.keys(all.counters as object)).toEqual(['rw']);
      const g = viciPlain(await c.request('get-counters'));
      expect(Object.keys((g.counters as Record<string, object>)[''] ?? {})).toHaveLength(21);
      expect(viciPlain(await c.request('reset-counters', { all: 'yes' }))).toEqual({ success: 'yes' });
      expect(viciPlain(await c.request('get-pools'))).toEqual({});
      expect(viciPlain(await c.request('reload-settings'))).toEqual({ success: 'yes' });
      // stats: charon's sections and our front door's counters (none of charon's tools read them)
      const stats = viciPlain(await c.request('stats'));
      expect(stats.ikesas).toEqual({ total: '0', 'half-open': '0' });
      expect(Object.keys(stats.dos as object)).toEqual([
        'datagrams',
        'malformed',
        'unknown-spi',
        'cookies-sent',
        'init-dropped',
      ]);
      writeFileSync(CONF, `${conf(`unix://${VICI}`)}\nbroken {`);
      const bad = viciPlain(await c.request('reload-settings'));
      expect(bad.success).toBe('no');
      expect(bad.errmsg).toMatch(/error/);
      writeFileSync(CONF, conf(`unix://${VICI}`));
    } finally {
      c.close();
    }
  });

  it('formats uptime as strongSwan does', () => {
    expect(timeDelta(1)).toBe('1 second');
    expect(timeDelta(59)).toBe('59 seconds');
    expect(timeDelta(120)).toBe('2 minutes');
    expect(timeDelta(3 * 86_400 + 5)).toBe('3 days');
    expect(timeStamp(new Date(2024, 0, 2, 3, 4, 5).getTime())).toBe('Jan 02 03:04:05 2024');
  });
});
