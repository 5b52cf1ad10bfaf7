/**
 * VICI configuration commands (targets/native/vici/commands/conns.ts, conn-tree.ts):
 *   - the converter: a swanctl.conf read by our loader and the same connections sent as
 *     load-conn messages (encoded as swanctl 5.9.8's load_conns.c encodes them) build identical
 *     ConnectionConfig objects, and the same errors;
 *   - the handlers against a fake ViciServer and daemon context;
 *   - the real `swanctl` (strongswan-swanctl) against an in-process daemon: --load-all,
 *     --list-conns, and the loaded connection establishing with a second daemon.
 */

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Config,
  type ConnectionConfig,
  DAEMON_DEFAULTS,
  type IkeSecret,
} from '../../../../ipsec/config/model.js';
import { parseConfigText } from '../../../../targets/native/config/load.js';
import { parseSwanctl } from '../../../../targets/native/config/swanctl-parser.js';
import type { TreeSection } from '../../../../targets/native/config/tree.js';
import { Daemon } from '../../../../targets/native/daemon.js';
import { createLogger } from '../../../../targets/native/logger.js';
import { main } from '../../../../targets/native/main.js';
import { viciConnections } from '../../../../targets/native/vici/commands/conn-tree.js';
import {
  type ConnCommandsContext,
  registerConnCommands,
} from '../../../../targets/native/vici/commands/conns.js';
import {
  type ViciNode,
  type ViciPlain,
  type ViciSection,
  viciPlain,
  viciSection,
} from '../../../../targets/native/vici/message.js';
import type { ViciCommandHandler, ViciServer } from '../../../../targets/native/vici/server-types.js';
import { ensureSwanctl } from '../../../support/swanctl.js';

// ---- swanctl's encoding of a connection (load_conns.c add_key_values / add_sections) ----

/** swanctl is_list_key: these values are sent as lists, split at commas, blanks trimmed. */
const LIST_KEYS = [
  'local_addrs',
  'remote_addrs',
  'proposals',
  'esp_proposals',
  'ah_proposals',
  'local_ts',
  'remote_ts',
  'vips',
  'pools',
  'groups',
  'cert_policy',
];

const enc = new TextEncoder();

function swanctlSection(sec: TreeSection): ViciSection {
  const out = new Map<string, ViciNode>();
  for (const [name, node] of sec.entries) {
    if (node.kind === 'section') out.set(name, swanctlSection(node));
    else {
      const v = typeof node.value === 'string' ? node.value : node.value.join(',');
      out.set(
        name,
        LIST_KEYS.includes(name)
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== '')
              .map((s) => enc.encode(s))
          : enc.encode(v),
      );
    }
  }
  return out;
}

/** The load-conn messages swanctl --load-all sends for `text` (one per connection). */
function swanctlLoadConns(text: string): ViciSection[] {
  const parsed = parseSwanctl(text, 'swanctl.conf');
  expect(parsed.errors).toEqual([]);
  const conns = parsed.tree.entries.get('connections');
  if (conns?.kind !== 'section') return [];
  return [...conns.entries].map(([name, node]) => {
    if (node.kind !== 'section') throw new Error('not a section');
    return new Map([[name, swanctlSection(node)]]);
  });
}

/** The file's connections, and the same sent as load-conn after its secrets. */
function both(text: string): { file: Config; vici: ConnectionConfig[] } {
  const file = parseConfigText(text, 'swanctl', 'swanctl.conf');
  if (!file.ok) throw new Error(file.error.map((e) => e.message).join('\n'));
  const vici = swanctlLoadConns(text).flatMap((msg) => {
    const r = viciConnections(msg, { secrets: file.value.secrets, daemon: file.value.daemon });
    if (!r.ok) throw new Error(r.error.map((e) => e.message).join('\n'));
    return r.value;
  });
  return { file: file.value, vici };
}

const PSK_CONF = `connections {
  gw {
    local_addrs = 192.0.2.1
    remote_addrs = 198.51.100.7, 198.51.100.8
    remote_port = 4501
    proposals = aes256gcm16-prfsha384-ecp384, aes128-sha256-modp2048
    rekey_time = 2h
    dpd_delay = 30s
    dpd_timeout = 2m
    unique = replace
    mobike = no
    fragmentation = force
    keyingtries = 3
    local { auth = psk
      id = gw.example.org }
    remote { auth = psk
      id = "peer@example.org" }
    children {
      net {
        local_ts = 10.1.0.0/16, 10.2.0.0/16[tcp/80]
        remote_ts = 10.9.0.0/16
        esp_proposals = aes128gcm16-ecp256,default
        rekey_time = 30m
        life_time = 1h
        rekey_bytes = 512k
        life_bytes = 1m
        rekey_packets = 1000
        start_action = trap
        dpd_action = restart
        close_action = start
        replay_window = 64
      }
      host {
        mode = transport
        local_ts = dynamic
        remote_ts = dynamic
      }
    }
  }
  rw {
    local { auth = psk }
    remote { auth = psk }
    children { all { } }
  }
}
secrets {
  ike-gw {
    id = gw.example.org
    secret = 0x0123456789abcdef0123456789abcdef
  }
}
`;

describe('load-conn -> configuration tree -> build.ts', () => {
  it('builds the same connections as the same swanctl.conf (defaults, lists, durations, children)', () => {
    const { file, vici } = both(PSK_CONF);
    expect(vici).toEqual(file.connections);
    expect(vici.map((c) => c.name)).toEqual(['gw', 'rw']);
    expect(vici[0]!.children.map((c) => c.name)).toEqual(['net', 'host']);
  });

  it('takes section references (swanctl resolves them before sending)', () => {
    const text = `connections {
  base { remote_addrs = 192.0.2.9
    local { auth = psk
      id = a.example }
    remote { auth = psk
      id = b.example }
    children { c { remote_ts = 10.0.0.0/8 } } }
  other : connections.base { remote_addrs = 192.0.2.10 }
}
secrets { ike { secret = abcdefgh } }
`;
    const { file, vici } = both(text);
    expect(vici).toEqual(file.connections);
  });

  it('reports the errors build.ts reports for the file, with the same paths and details', () => {
    const text = `connections {
  bad {
    proposals = aes128-nosuchprf-modp2048
    vips = 0.0.0.0
    local { auth = psk }
    remote { auth = eap-md5 }
    children { net { mode = beet
      rekey_time = 2h
      life_time = 1h } }
  }
}
secrets { ike { secret = abcdefgh } }
`;
    const file = parseConfigText(text, 'swanctl', 'swanctl.conf');
    expect(file.ok).toBe(false);
    const [msg] = swanctlLoadConns(text);
    const vici = viciConnections(msg!, { secrets: [], daemon: DAEMON_DEFAULTS });
    expect(vici.ok).toBe(false);
    const shape = (es: readonly { code: string; path: string; detail: string }[]) =>
      es.map(({ code, path, detail }) => ({ code, path, detail }));
    if (!file.ok && !vici.ok) expect(shape(vici.error)).toEqual(shape(file.error));
  });

  it('wants a PSK among the running daemon secrets (as a file wants one in its secrets)', () => {
    const text = `connections { c { local { auth = psk
      id = a.example }
    remote { auth = psk
      id = b.example } } }`;
    const [msg] = swanctlLoadConns(text);
    const none = viciConnections(msg!, { secrets: [], daemon: DAEMON_DEFAULTS });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.error.map((e) => e.code)).toEqual(['MISSING_SECRET']);
    const secret: IkeSecret = { name: 's', id: ['b.example'], secret: enc.encode('psk-psk-psk') };
    expect(viciConnections(msg!, { secrets: [secret], daemon: DAEMON_DEFAULTS }).ok).toBe(true);
  });

  it('refuses values that are not sections at the top, and an empty message', () => {
    const r = viciConnections(viciSection({ name: 'x' }), { secrets: [], daemon: DAEMON_DEFAULTS });
    expect(r.ok).toBe(false);
    expect(viciConnections(viciSection({}), { secrets: [], daemon: DAEMON_DEFAULTS }).ok).toBe(false);
  });

  it('turns certs contents into names through the mapper, and refuses them without one', () => {
    const msg = viciSection({
      c: {
        local: { auth: 'pubkey', certs: [enc.encode('CERT-A')] },
        remote: { auth: 'pubkey', id: 'peer.example' },
      },
    });
    const none = viciConnections(msg, { secrets: [], daemon: DAEMON_DEFAULTS });
    expect(none.ok).toBe(false);
    const seen: string[] = [];
    const r = viciConnections(msg, {
      secrets: [],
      daemon: DAEMON_DEFAULTS,
      files: (key, data) => {
        seen.push(`${key}:${new TextDecoder().decode(data)}`);
        return { ok: true, value: 'a.pem' };
      },
    });
    expect(seen).toEqual(['certs:CERT-A']);
    expect(r.ok && r.value[0]!.local.certs).toEqual(['a.pem']);
  });
});

// ---- handlers against a fake server and daemon ----

function fakeDaemon(initial: Config) {
  let config = initial;
  const handlers = new Map<string, ViciCommandHandler>();
  const server: ViciServer = {
    command: (name, h) => {
      expect(handlers.has(name)).toBe(false);
      handlers.set(name, h);
    },
    publish: () => {},
    clients: 0,
    close: async () => {},
  };
  const noop = () => {};
  const logger = { info: noop, warn: noop, error: noop, debug: noop, child: () => logger };
  const ctx = {
    logger,
    config: () => config,
    loadConnection(conn: ConnectionConfig) {
      config = { ...config, connections: [...config.connections.filter((c) => c.name !== conn.name), conn] };
      return [];
    },
    unloadConnection(name: string) {
      const before = config.connections.length;
      config = { ...config, connections: config.connections.filter((c) => c.name !== name) };
      return config.connections.length < before;
    },
    loadShared(s: IkeSecret) {
      config = { ...config, secrets: [...config.secrets.filter((x) => x.name !== s.name), s] };
    },
    unloadShared(name: string) {
      const before = config.secrets.length;
      config = { ...config, secrets: config.secrets.filter((s) => s.name !== name) };
      return config.secrets.length < before;
    },
  } as unknown as ConnCommandsContext;
  registerConnCommands(server, ctx);
  const events: [string, ViciPlain][] = [];
  const call = async (name: string, req: ViciSection = new Map(), registered = true) => {
    const h = handlers.get(name);
    if (!h) throw new Error(`no handler ${name}`);
    const r = await h(req, {
      client: 1,
      emit: (n, m) => events.push([n, viciPlain(m)]),
      registered: () => registered,
    });
    return viciPlain(r);
  };
  return { call, events, config: () => config, handlers };
}

const EMPTY: Config = { daemon: DAEMON_DEFAULTS, connections: [], secrets: [] };

describe('configuration commands (fake daemon)', () => {
  it('load-shared, load-conn, get-conns, get-shared, list-conns, unload-conn, unload-shared', async () => {
    const d = fakeDaemon(EMPTY);
    const [msg] = swanctlLoadConns(PSK_CONF);
    // without the secret: refused, with build.ts's message
    const refused = await d.call('load-conn', msg);
    expect(refused.success).toBe('no');
    expect(refused.errmsg).toMatch(/no PSK for local id 'gw\.example\.org'/);
    expect(
      await d.call(
        'load-shared',
        viciSection({ id: 'ike-gw', type: 'ike', data: 'sixteen-octets!!', owners: ['gw.example.org'] }),
      ),
    ).toEqual({ success: 'yes' });
    expect(d.config().secrets).toEqual([
      { name: 'ike-gw', id: ['gw.example.org'], secret: enc.encode('sixteen-octets!!') },
    ]);
    expect(await d.call('load-conn', msg)).toEqual({ success: 'yes' });
    expect(d.config().connections).toEqual(both(PSK_CONF).file.connections.slice(0, 1));
    expect(await d.call('get-conns')).toEqual({ conns: ['gw'] });
    expect(await d.call('get-shared')).toEqual({ keys: ['ike-gw'] });

    expect(await d.call('list-conns', viciSection({ ike: 'gw' }))).toEqual({});
    expect(d.events).toEqual([
      [
        'list-conn',
        {
          gw: {
            local_addrs: ['192.0.2.1'],
            remote_addrs: ['198.51.100.7', '198.51.100.8'],
            version: 'IKEv2',
            reauth_time: '0',
            rekey_time: '7200',
            unique: 'UNIQUE_REPLACE',
            dpd_delay: '30',
            dpd_timeout: '120',
            'local-1': {
              class: 'pre-shared key',
              id: 'gw.example.org',
              groups: [],
              cert_policy: [],
              certs: [],
              cacerts: [],
            },
            'remote-1': {
              class: 'pre-shared key',
              id: 'peer@example.org',
              groups: [],
              cert_policy: [],
              certs: [],
              cacerts: [],
            },
            children: {
              net: {
                mode: 'TUNNEL',
                rekey_time: '1800',
                rekey_bytes: '524288',
                rekey_packets: '1000',
                dpd_action: 'restart',
                close_action: 'restart',
                'local-ts': ['10.1.0.0/16', '10.2.0.0/16[tcp/80]'],
                'remote-ts': ['10.9.0.0/16'],
              },
              host: {
                mode: 'TRANSPORT',
                rekey_time: '3600',
                rekey_bytes: '0',
                rekey_packets: '0',
                dpd_action: 'clear',
                close_action: 'clear',
                'local-ts': ['dynamic'],
                'remote-ts': ['dynamic'],
              },
            },
          },
        },
      ],
    ]);
    expect(await d.call('unload-conn', viciSection({ name: 'gw' }))).toEqual({ success: 'yes' });
    expect(await d.call('unload-conn', viciSection({ name: 'gw' }))).toEqual({
      success: 'no',
      errmsg: "configuration 'gw' not found",
    });
    expect(await d.call('get-conns')).toEqual({ conns: [] });
    expect(await d.call('unload-shared', viciSection({ id: 'ike-gw' }))).toEqual({ success: 'yes' });
    expect(await d.call('get-shared')).toEqual({ keys: [] });
  });

  it('get-conns and get-shared leave out what the daemon file configured', async () => {
    const file = both(PSK_CONF).file;
    const d = fakeDaemon(file);
    expect(await d.call('get-conns')).toEqual({ conns: [] });
    expect(await d.call('get-shared')).toEqual({ keys: [] });
    d.events.length = 0;
    await d.call('list-conns');
    expect(d.events.map(([, m]) => Object.keys(m)[0])).toEqual(['gw', 'rw']);
  });

  it('answers what it does not support in VICI convention (success = no, errmsg)', async () => {
    const d = fakeDaemon(EMPTY);
    for (const type of ['EAP', 'XAUTH', 'NTLM', 'PPK']) {
      const r = await d.call('load-shared', viciSection({ type, data: 'x', owners: ['a'] }));
      expect(r.success).toBe('no');
      expect(r.errmsg).toMatch(/unsupported/);
    }
    expect(await d.call('load-pool', viciSection({ p: { addrs: '10.3.0.0/24' } }))).toEqual({
      success: 'no',
      errmsg: 'virtual IP pools are not supported',
    });
    expect(await d.call('load-authority', viciSection({ a: { cacert: 'x' } }))).toEqual({
      success: 'no',
      errmsg: 'not supported',
    });
    expect(await d.call('get-authorities')).toEqual({ authorities: [] });
    expect(await d.call('list-authorities')).toEqual({});
    expect((await d.call('load-cert', viciSection({ type: 'X509', flag: 'NONE', data: 'x' }))).success).toBe(
      'no',
    );
    expect((await d.call('load-key', viciSection({ type: 'rsa', data: 'x' }))).success).toBe('no');
    expect(await d.call('get-keys')).toEqual({ keys: [] });
    expect(await d.call('clear-creds')).toEqual({ success: 'yes' });
    const bad = await d.call('load-conn', viciSection({ c: { local: { auth: 'psk' } } }));
    expect(bad.success).toBe('no');
    expect(bad.errmsg).toMatch(/missing remote/);
  });

  it('clear-creds drops the secrets loaded over VICI', async () => {
    const d = fakeDaemon(EMPTY);
    await d.call('load-shared', viciSection({ id: 'a', type: 'IKE', data: 'psk-a-psk-a', owners: [] }));
    await d.call(
      'load-shared',
      viciSection({ id: 'b', type: 'IKE', data: 'psk-b-psk-b', owners: ['x.example'] }),
    );
    expect(await d.call('get-shared')).toEqual({ keys: ['a', 'b'] });
    expect(await d.call('clear-creds')).toEqual({ success: 'yes' });
    expect(await d.call('get-shared')).toEqual({ keys: [] });
    expect(d.config().secrets).toEqual([]);
  });
});

// ---- the real swanctl against two in-process daemons ----

const SWANCTL = ensureSwanctl();
const dir = mkdtempSync(join(tmpdir(), 'ikev2-vici-conns-'));

function swanctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      SWANCTL,
      args,
      { env: { ...process.env, STRONGSWAN_CONF: join(dir, 'strongswan.conf') }, timeout: 20_000 },
      (e, out, err) =>
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
          out: String(out),
          err: String(err),
        }),
    ),
  );
}

async function cli(sock: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--control', sock], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  });
  return { code, out: out.join(''), err: err.join('') };
}

describe('swanctl 5.9.8 --load-all / --list-conns against the daemon', () => {
  let gateway: Daemon | undefined;
  let client: Daemon | undefined;
  const VICI = join(dir, 'client.vici');
  const uri = `unix://${VICI}`;

  beforeAll(async () => {
    writeFileSync(join(dir, 'strongswan.conf'), '');
    const logger = createLogger({ level: 'warn', out: { write: () => {} } });
    writeFileSync(
      join(dir, 'gateway.conf'),
      `daemon { port = 0
  port_nat_t = 0
  inner_addrs = 10.97.1.0/24 }
connections { rw { local_addrs = 127.0.0.1
    proposals = aes128ctr-aesxcbc-ecp192
    local { auth = psk
      id = gateway.example.org }
    remote { auth = psk
      id = client.example.org }
    children { net { local_ts = 10.97.1.0/24
        remote_ts = 10.97.2.0/24
        esp_proposals = aes128ctr-aesxcbc } } } }
secrets { ike-rw { id = client.example.org
    secret = "vici-conns-test-psk-0123" } }
`,
    );
    gateway = await Daemon.start({
      configPath: join(dir, 'gateway.conf'),
      controlPath: join(dir, 'gateway.sock'),
      logger,
    });
    const { port, natT } = gateway.host.ports;
    // the client's file has no connection swanctl brings; `bind` only makes it listen on
    // 127.0.0.2 (the daemon binds the local addresses of its connections at start)
    writeFileSync(
      join(dir, 'client.conf'),
      `daemon { port = ${port}
  port_nat_t = ${natT}
  inner_addrs = 10.97.2.1
  retransmit_timeout = 0.2
  retransmit_tries = 2 }
connections { bind { local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.3
    local { auth = psk }
    remote { auth = psk } } }
secrets { ike-bind { id = 127.0.0.3
    secret = "bind-only-not-used-0123" } }
`,
    );
    client = await Daemon.start({
      configPath: join(dir, 'client.conf'),
      controlPath: join(dir, 'client.sock'),
      viciPath: VICI,
      logger,
    } as Parameters<typeof Daemon.start>[0]);
    writeFileSync(
      join(dir, 'swanctl.conf'),
      `connections {
  gw {
    local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.1
    remote_port = ${port}
    proposals = aes128ctr-aesxcbc-ecp192
    rekey_time = 2h
    local { auth = psk
      id = client.example.org }
    remote { auth = psk
      id = gateway.example.org }
    children {
      net {
        local_ts = 10.97.2.0/24
        remote_ts = 10.97.1.0/24
        esp_proposals = aes128ctr-aesxcbc
        rekey_time = 30m
      }
    }
  }
}
secrets {
  ike-gw {
    id = gateway.example.org
    secret = "vici-conns-test-psk-0123"
  }
}
`,
    );
  }, 30_000);

  afterAll(async () => {
    await client?.stop();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--load-all loads the secret and the connection', async () => {
    const r = await swanctl('--load-all', '--file', join(dir, 'swanctl.conf'), '--uri', uri);
    expect(r.out).toContain("loaded ike secret 'ike-gw'");
    expect(r.out).toContain("loaded connection 'gw'");
    expect(r.out).toContain('successfully loaded 1 connections, 0 unloaded');
    // swanctl reports the credential directories this test does not have, nothing else
    const problems = r.err
      .split('\n')
      .filter((l) => l && !/^opening directory .* failed: No such file/.test(l));
    expect(problems).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('--load-all again: the same connection and secret are loaded again, nothing unloaded', async () => {
    const r = await swanctl('--load-all', '--file', join(dir, 'swanctl.conf'), '--uri', uri);
    expect(r.out).toContain("loaded ike secret 'ike-gw'");
    expect(r.out).toContain('successfully loaded 1 connections, 0 unloaded');
    expect(r.code).toBe(0);
  });

  it('--list-conns prints it as charon would', async () => {
    const r = await swanctl('--list-conns', '--uri', uri);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // swanctl 5.9.8 has no --ike filter here: the block of gw (the file's `bind` is listed too)
    const lines = r.out.split('\n');
    const start = lines.indexOf(lines.find((l) => l.startsWith('gw: ')) ?? '');
    expect(start).toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((l, i) => i > start && !l.startsWith(' '));
    expect(`${lines.slice(start, end).join('\n')}\n`).toBe(
      [
        'gw: IKEv2, no reauthentication, rekeying every 7200s',
        '  local:  127.0.0.2',
        '  remote: 127.0.0.1',
        '  local pre-shared key authentication:',
        '    id: client.example.org',
        '  remote pre-shared key authentication:',
        '    id: gateway.example.org',
        '  net: TUNNEL, rekeying every 1800s',
        '    local:  10.97.2.0/24',
        '    remote: 10.97.1.0/24',
        '',
      ].join('\n'),
    );
  });

  it('the loaded connection establishes with the other daemon', async () => {
    const r = await cli(
      join(dir, 'client.sock'),
      'initiate',
      '--child',
      'net',
      '--ike',
      'gw',
      '--timeout',
      '10',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/CHILD_SA net\{1\} established .* TS 10\.97\.2\.0\/24 === 10\.97\.1\.0\/24/);
  });

  it('--load-all again with the connection removed from the file unloads it', async () => {
    writeFileSync(join(dir, 'empty.conf'), 'connections { }\n');
    const r = await swanctl('--load-conns', '--file', join(dir, 'empty.conf'), '--uri', uri);
    expect(`${r.out}${r.err}`).toContain('no connections found, 1 unloaded');
    const list = await swanctl('--list-conns', '--uri', uri);
    expect(list.out).not.toContain('gw:');
    expect(list.out).toContain('bind:');
  });
});

const FIXTURES = 'test/targets/native/credentials/fixtures/swanctl';

describe('swanctl --load-all with certificates (load-cert, load-key, certs in load-conn)', () => {
  const base = mkdtempSync(join(tmpdir(), 'ikev2-vici-certs-'));
  const [gdir, cdir, sdir] = ['gateway', 'client', 'swanctl'].map((n) => join(base, n)) as [
    string,
    string,
    string,
  ];
  const uri = `unix://${join(cdir, 'vici')}`;
  let gateway: Daemon | undefined;
  let client: Daemon | undefined;
  const run = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(
        SWANCTL,
        args,
        { env: { ...process.env, STRONGSWAN_CONF: join(base, 'strongswan.conf') }, timeout: 20_000 },
        (e, out, err) =>
          resolve({
            code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
            out: String(out),
            err: String(err),
          }),
      ),
    );

  beforeAll(async () => {
    writeFileSync(join(base, 'strongswan.conf'), '');
    const logger = createLogger({ level: 'silent' });
    cpSync(FIXTURES, gdir, { recursive: true });
    rmSync(join(gdir, 'x509crl'), { recursive: true });
    writeFileSync(
      join(gdir, 'swanctl.conf'),
      `daemon { port = 0
  port_nat_t = 0 }
connections { rw { local_addrs = 127.0.0.1
    local { certs = gw.pem
      id = gw.example.org }
    remote { cacerts = root.pem }
    children { net { local_ts = 10.96.1.0/24
        remote_ts = 10.96.2.0/24 } } } }
secrets { private-gw { file = gw.pem
    secret = gw-secret-passphrase } }
`,
    );
    gateway = await Daemon.start({
      configPath: join(gdir, 'swanctl.conf'),
      controlPath: join(gdir, 's'),
      logger,
    });
    const { port, natT } = gateway.host.ports;
    // the client daemon: no certificate of its own, an (empty) x509ca/ so that it keeps a store
    mkdirSync(join(cdir, 'x509ca'), { recursive: true });
    writeFileSync(
      join(cdir, 'swanctl.conf'),
      `daemon { port = ${port}
  port_nat_t = ${natT}
  retransmit_timeout = 0.3
  retransmit_tries = 1 }
connections { bind { local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.3
    local { auth = psk }
    remote { auth = psk } } }
secrets { ike-bind { secret = "bind-only-not-used-0123" } }
`,
    );
    client = await Daemon.start({
      configPath: join(cdir, 'swanctl.conf'),
      controlPath: join(cdir, 's'),
      viciPath: join(cdir, 'vici'),
      logger,
    } as Parameters<typeof Daemon.start>[0]);
    // what swanctl reads: the client's certificate and key, the CAs
    mkdirSync(join(sdir, 'x509'), { recursive: true });
    mkdirSync(join(sdir, 'x509ca'), { recursive: true });
    mkdirSync(join(sdir, 'rsa'), { recursive: true });
    cpSync(join(FIXTURES, 'x509/client.der'), join(sdir, 'x509/client.der'));
    cpSync(join(FIXTURES, 'x509ca/root.pem'), join(sdir, 'x509ca/root.pem'));
    cpSync(join(FIXTURES, 'x509ca/intermediate.pem'), join(sdir, 'x509ca/intermediate.pem'));
    cpSync(join(FIXTURES, 'rsa/client.der'), join(sdir, 'rsa/client.der'));
    cpSync(join(FIXTURES, 'pubkey'), join(sdir, 'pubkey'), { recursive: true });
    writeFileSync(
      join(sdir, 'swanctl.conf'),
      `connections { gw { local_addrs = 127.0.0.2
    remote_addrs = 127.0.0.1
    remote_port = ${port}
    local { auth = rsa
      certs = client.der
      id = client.example.org }
    remote { auth = ecdsa
      id = gw.example.org
      cacerts = root.pem }
    children { net { local_ts = 10.96.2.0/24
        remote_ts = 10.96.1.0/24 } } } }
`,
    );
  }, 30_000);

  afterAll(async () => {
    await client?.stop();
    await gateway?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('loads the certificates, the key and the connection, which establishes', async () => {
    const r = await run('--load-all', '--file', join(sdir, 'swanctl.conf'), '--uri', uri);
    const problems = r.err
      .split('\n')
      .filter((l) => l && !/^opening directory .* failed: No such file/.test(l));
    expect(problems).toEqual([]);
    expect(r.out).toContain("loaded certificate from '");
    expect(r.out).toMatch(/loaded RSA key from '.*client\.der'/);
    expect(r.out).toContain("loaded connection 'gw'");
    expect(r.code).toBe(0);
    const list = await run('--list-conns', '--uri', uri);
    expect(list.out).toContain('  local public key authentication:\n    id: client.example.org\n    certs:');
    expect(list.out).toMatch(
      / {2}remote public key authentication:\n {4}id: gw\.example\.org\n {4}cacerts: .+/,
    );
    const certs = await run('--list-certs', '--uri', uri);
    expect(certs.code).toBe(0);
    expect(certs.out).toContain('has private key');
    const init = await cli(join(cdir, 's'), 'initiate', '--child', 'net', '--ike', 'gw', '--timeout', '10');
    expect(init.out).toMatch(/CHILD_SA net\{1\} established/);
    expect(init.code).toBe(0);
  });
});
