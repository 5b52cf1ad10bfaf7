import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  CHILD_DEFAULTS,
  CONNECTION_DEFAULTS,
  type Config,
  DAEMON_DEFAULTS,
} from '../../../../ipsec/config/model.js';
import { loadConfigFile, parseConfigText } from '../../../../targets/native/config/load.js';

const FIXTURES = 'test/targets/native/config/fixtures';
const utf8 = (s: string) => new TextEncoder().encode(s);
const PSK = utf8('swanlab-psk-0123456789');

function loaded(path: string): Config {
  const r = loadConfigFile(path);
  if (!r.ok) throw new Error(r.error.map((e) => e.message).join('\n'));
  return r.value;
}

describe('interop lab templates (/work/shared/interop/conf/*/swanctl.conf.in, @REMOTE_PORT@ = 500)', () => {
  test('initiator: every key is supported; section references expanded', () => {
    const c = loaded(`${FIXTURES}/initiator.swanctl.conf`);
    expect(c.daemon).toEqual(DAEMON_DEFAULTS);
    expect(c.connections.map((x) => [x.name, x.local.id, x.remote.id])).toEqual([
      ['email', 'alice@example.org', 'bob@example.org'],
      ['fqdn', 'initiator.example.org', 'responder.example.org'],
      ['ipaddr', '10.99.0.1', '10.99.0.2'],
    ]);
    for (const conn of c.connections) {
      expect(conn).toMatchObject({
        version: 2,
        local_addrs: ['10.99.0.1'],
        remote_addrs: ['10.99.0.2'],
        remote_port: 500,
        local_port: 500,
        proposals: ['aes128-sha256-ecp192'],
        encap: true,
        mobike: true,
        unique: 'never',
        dpd_delay: 0,
        rekey_time: 0,
        reauth_time: 0,
        over_time: 0,
        local: { auth: 'psk' },
        remote: { auth: 'psk' },
      });
      expect(
        conn.children.map((ch) => [ch.name, ch.mode, ch.local_ts, ch.remote_ts, ch.esp_proposals]),
      ).toEqual([
        ['net', 'tunnel', ['10.99.2.0/24'], ['10.99.1.0/24'], ['aes128-sha256']],
        ['host', 'transport', ['dynamic'], ['dynamic'], ['aes128-sha256']],
      ]);
      for (const ch of conn.children) expect([ch.rekey_time, ch.life_time, ch.rand_time]).toEqual([0, 0, 0]);
    }
    expect(c.secrets).toEqual([
      { name: 'ike-email', id: ['alice@example.org', 'bob@example.org'], secret: PSK },
      { name: 'ike-fqdn', id: ['initiator.example.org', 'responder.example.org'], secret: PSK },
      { name: 'ike-ip', id: ['10.99.0.1', '10.99.0.2'], secret: PSK },
    ]);
  });

  test('responder: its broad IKE proposals name ecp224, modp1536 and modp1024, which we do not implement', () => {
    // Each proposal is reported once, at the first unimplemented keyword (ecp224); fqdn and ipaddr
    // inherit `proposals` from email (`fqdn : connections.email`), so the errors point at line 12.
    const r = loadConfigFile(`${FIXTURES}/responder.swanctl.conf`);
    const text = readFileSync(`${FIXTURES}/responder.swanctl.conf`, 'utf8');
    const proposals = /proposals = (.*)/.exec(text)![1]!.split(', ');
    const [, broad, aead] = proposals;
    const expected = ['email', 'fqdn', 'ipaddr'].flatMap((conn) =>
      [broad, aead].map(
        (p) =>
          `${FIXTURES}/responder.swanctl.conf:12: connections.${conn}.proposals: proposal '${p}': algorithm 'ecp224' is not implemented`,
      ),
    );
    expect(r.ok ? [] : r.error.map((e) => e.message)).toEqual(expected);
    expect(r.ok ? [] : r.error.map((e) => e.code)).toEqual(Array(6).fill('UNSUPPORTED_VALUE'));
  });

  test('responder without those three groups loads, with its three IKE and four ESP proposals', () => {
    const c = loaded(`${FIXTURES}/responder-supported.swanctl.conf`);
    expect(c.connections.map((x) => [x.name, x.local_addrs, x.remote_addrs, x.proposals.length])).toEqual([
      ['email', ['10.99.0.2'], ['%any'], 3],
      ['fqdn', ['10.99.0.2'], ['%any'], 3],
      ['ipaddr', ['10.99.0.2'], ['%any'], 3],
    ]);
    expect(c.connections[0]!.children.map((ch) => [ch.name, ch.esp_proposals.length])).toEqual([
      ['net', 4],
      ['host', 4],
    ]);
  });
});

describe('one configuration in three syntaxes', () => {
  test('swanctl.conf, YAML and JSON give equal Config objects (strings, hex and base64 PSKs)', () => {
    const conf = loaded(`${FIXTURES}/initiator.swanctl.conf`);
    expect(loaded(`${FIXTURES}/initiator.yaml`)).toEqual(conf);
    expect(loaded(`${FIXTURES}/initiator.json`)).toEqual(conf);
  });
});

const MINIMAL = `connections {
  gw {
    local { auth = psk
            id = gw@example.org }
    remote { auth = psk }
    children { net { } }
  }
}
secrets { ike { secret = x } }
`;

describe('YAML specifics', () => {
  test('anchors and aliases are followed; scalars stay text (0x.. is a hex PSK, not a number)', () => {
    const text = [
      'connections:',
      '  a:',
      '    remote_addrs: 192.0.2.1',
      '    local: &round { auth: psk, id: a@example.org }',
      '    remote: *round',
      '    children: &kids',
      '      net: { rekey_time: 010m, start_action: start }',
      '  b:',
      '    remote_addrs: 192.0.2.2',
      '    local: *round',
      '    remote: *round',
      '    children: *kids',
      'secrets:',
      '  ike: { id: a@example.org, secret: 0x0102 }',
    ].join('\n');
    const r = parseConfigText(text, 'yaml', 'c.yaml');
    if (!r.ok) throw new Error(r.error.map((e) => e.message).join('\n'));
    expect(r.value.connections.map((c) => [c.name, c.remote.id, c.children[0]?.rekey_time])).toEqual([
      ['a', 'a@example.org', 600],
      ['b', 'a@example.org', 600],
    ]);
    expect(r.value.secrets[0]?.secret).toEqual(new Uint8Array([1, 2]));
  });
});

describe('defaults (swanctl.conf(5), strongswan.conf(5))', () => {
  test('a minimal connection gets strongSwan defaults', () => {
    const r = parseConfigText(MINIMAL, 'swanctl', 'swanctl.conf');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { daemon, connections, secrets } = r.value;
    expect(daemon).toEqual(DAEMON_DEFAULTS);
    expect(secrets).toEqual([{ name: 'ike', id: [], secret: utf8('x') }]);
    const conn = connections[0]!;
    expect(conn).toMatchObject({ ...CONNECTION_DEFAULTS, name: 'gw', remote: { auth: 'psk', id: '%any' } });
    expect([conn.rekey_time, conn.over_time, conn.rand_time]).toEqual([4 * 3600, 1440, 1440]); // 4h, 10 %
    const child = conn.children[0]!;
    expect(child).toMatchObject({ ...CHILD_DEFAULTS, name: 'net' });
    expect([child.rekey_time, child.life_time, child.rand_time]).toEqual([3600, 3960, 360]); // 1h, 110 %
    expect([child.life_bytes, child.life_packets]).toEqual([0, 0]);
  });

  test('explicit values with units, keywords in any case; life and rand derive from rekey unless set', () => {
    const text = MINIMAL.replace(
      'children { net { } }',
      'rekey_time = 1d\n children { net { rekey_time = 30m\n rekey_bytes = 512k\n life_bytes = 1M\n rekey_packets = 1000\n mode = Transport\n start_action = ROUTE\n dpd_action = start } }',
    ).replace('remote { auth = psk }', 'remote { auth = psk }\n remote_addrs = 192.0.2.1');
    const r = parseConfigText(text, 'swanctl', 'swanctl.conf');
    if (!r.ok) throw new Error(r.error.map((e) => e.message).join('\n'));
    const conn = r.value.connections[0]!;
    expect([conn.rekey_time, conn.over_time]).toEqual([86400, 8640]);
    expect(conn.children[0]).toMatchObject({
      mode: 'transport',
      start_action: 'trap', // route is strongSwan's alias of trap
      dpd_action: 'restart', // and start of restart
      rekey_time: 1800,
      life_time: 1980,
      rand_time: 180,
      rekey_bytes: 524288,
      life_bytes: 1048576,
      rand_bytes: 524288,
      rekey_packets: 1000,
      life_packets: 1100,
      rand_packets: 100,
    });
  });

  test('daemon section', () => {
    const text = `daemon {\n port = 5000\n port_nat_t = 5001\n inner_addrs = 10.99.1.1, fec0::/64\n retransmit_timeout = 2.5\n retransmit_base = 1.5\n half_open_timeout = 1m\n cookie_threshold = 0\n init_limit_half_open = 500\n}\n`;
    const r = parseConfigText(text, 'swanctl', 'swanctl.conf');
    expect(r.ok && r.value.daemon).toEqual({
      ...DAEMON_DEFAULTS,
      port: 5000,
      port_nat_t: 5001,
      inner_addrs: ['10.99.1.1', 'fec0::/64'],
      retransmit_timeout: 2.5,
      retransmit_base: 1.5,
      half_open_timeout: 60,
      cookie_threshold: 0,
      init_limit_half_open: 500,
    });
  });
});

describe('loadConfigFile', () => {
  test('includes from the file system: relative paths, globs, references across files', () => {
    const c = loaded(`${FIXTURES}/inc/main.conf`);
    expect(c.daemon).toMatchObject({
      port: 5000,
      port_nat_t: 5001,
      inner_addrs: ['10.99.1.1', '10.99.1.0/24'],
    });
    expect(c.connections.map((x) => [x.name, x.remote_addrs, x.remote.id, x.children[0]?.remote_ts])).toEqual(
      [
        ['gw', ['192.0.2.1'], 'gw.example.org', ['10.0.0.0/8']],
        ['gw2', ['192.0.2.2'], 'gw.example.org', ['10.0.0.0/8']],
      ],
    );
    expect(c.secrets).toEqual([{ name: 'ike-gw', id: ['gw.example.org'], secret: utf8('secret') }]);
  });

  test('unreadable files and unknown extensions are errors, not exceptions', () => {
    const missing = loadConfigFile(`${FIXTURES}/nope.conf`);
    expect(missing.ok ? [] : missing.error.map((e) => e.message)).toEqual([
      `${FIXTURES}/nope.conf: cannot read: no such file`,
    ]);
    const ext = loadConfigFile(`${FIXTURES}/initiator.swanctl.conf.in`);
    expect(ext.ok ? [] : ext.error.map((e) => e.code)).toEqual(['IO']);
    const dir = loadConfigFile(`${FIXTURES}/inc/conf.d.json`);
    expect(dir.ok).toBe(false);
  });
});
