import { describe, expect, test } from 'vitest';
import { type ConfigFormat, parseConfigText } from '../../../../targets/native/config/load.js';
import { memoryHost } from './memory-host.js';

const BASE = `connections {
  gw {
    remote_addrs = 192.0.2.1
    local {
      auth = psk
      id = gw@example.org
    }
    remote {
      auth = psk
      id = peer@example.org
    }
    children {
      net {
        local_ts = 10.0.0.0/24
      }
    }
  }
}
secrets {
  ike-gw {
    id = peer@example.org
    secret = psk
  }
}`;

/** BASE with line n (1-based) replaced by `text` (several lines allowed, '' deletes it). */
function edit(...edits: [number, string][]): string {
  const lines = BASE.split('\n');
  for (const [n, text] of [...edits].sort((a, b) => b[0] - a[0]))
    lines.splice(n - 1, 1, ...(text === '' ? [] : [text]));
  return lines.join('\n');
}

function errors(text: string, format: ConfigFormat = 'swanctl', file = 'swanctl.conf'): string[] {
  const r = parseConfigText(text, format, file);
  return r.ok ? [] : r.error.map((e) => e.message);
}

describe('errors name file:line and the full key path', () => {
  test('the base configuration is valid', () => {
    expect(parseConfigText(BASE, 'swanctl', 'swanctl.conf').ok).toBe(true);
  });

  test('unknown key', () => {
    expect(errors(edit([14, 'esp_propsals = aes128-sha256']))).toEqual([
      'swanctl.conf:14: connections.gw.children.net.esp_propsals: unknown key',
    ]);
    expect(errors(`charon {\n}\n${BASE}`)).toEqual(['swanctl.conf:1: charon: unknown key']);
  });

  test('unsupported strongSwan keys, all of them reported', () => {
    const text = edit(
      [3, 'remote_addrs = 192.0.2.1\nvips = 0.0.0.0\naggressive = yes'],
      [6, 'id = gw@example.org\ngroups = admins\ncert-1 { file = x }'],
      [14, 'updown = /bin/true\nah_proposals = sha256'],
    );
    expect(errors(`pools {\n}\n${text}`)).toEqual([
      'swanctl.conf:1: pools: unsupported key',
      'swanctl.conf:6: connections.gw.vips: unsupported key',
      'swanctl.conf:7: connections.gw.aggressive: unsupported key',
      'swanctl.conf:11: connections.gw.local.groups: unsupported key',
      'swanctl.conf:12: connections.gw.local.cert-1: unsupported key',
      'swanctl.conf:20: connections.gw.children.net.updown: unsupported key',
      'swanctl.conf:21: connections.gw.children.net.ah_proposals: unsupported key',
    ]);
  });

  test('bad values: duration, proposal keyword, traffic selector, identity, address', () => {
    expect(errors(edit([14, 'rekey_time = 4x']))).toEqual([
      "swanctl.conf:14: connections.gw.children.net.rekey_time: '4x' is not a duration (an integer with an optional s, m, h or d suffix)",
    ]);
    expect(errors(edit([14, 'esp_proposals = aes128-sha256, aes128-sha256-bogus']))).toEqual([
      "swanctl.conf:14: connections.gw.children.net.esp_proposals: proposal 'aes128-sha256-bogus': algorithm 'bogus' not recognized",
    ]);
    expect(errors(edit([14, 'local_ts = 10.0.0.0/33, dynamic']))).toEqual([
      "swanctl.conf:14: connections.gw.children.net.local_ts: traffic selector '10.0.0.0/33': invalid address or range '10.0.0.0/33'",
    ]);
    expect(errors(edit([10, 'id = "C=CH, XYZ=strongSwan"']))).toEqual([
      "swanctl.conf:10: connections.gw.remote.id: invalid DN identity 'C=CH, XYZ=strongSwan': unknown attribute 'XYZ'",
    ]);
    expect(errors(edit([3, 'remote_addrs = vpn.example.org']))).toEqual([
      "swanctl.conf:3: connections.gw.remote_addrs: 'vpn.example.org': host names are not supported yet (no DNS resolution): use an IP address or %any",
    ]);
    expect(
      errors(
        edit([
          3,
          'remote_addrs = 192.0.2.1\nremote_port = 70000\nunique = sometimes\nversion = 1\nencap = maybe',
        ]),
      ),
    ).toEqual([
      'swanctl.conf:4: connections.gw.remote_port: 70000 is out of range (1..65535)',
      "swanctl.conf:5: connections.gw.unique: 'sometimes' is not one of no, never, keep, replace",
      'swanctl.conf:6: connections.gw.version: IKEv1 is not supported (version = 2 or 0)',
      "swanctl.conf:7: connections.gw.encap: 'maybe' is not a boolean (yes/no, true/false, 1/0)",
    ]);
    expect(errors(edit([14, 'mode = beet\nstart_action = trap|start']))).toEqual([
      "swanctl.conf:14: connections.gw.children.net.mode: 'beet' is not supported (supported: tunnel, transport)",
      "swanctl.conf:15: connections.gw.children.net.start_action: 'trap|start' is not supported (supported: none, trap, start)",
    ]);
  });

  test('auth: eap and xauth are unsupported; absent means pubkey; one round per side', () => {
    expect(errors(edit([5, 'auth = eap-md5']))).toEqual([
      "swanctl.conf:5: connections.gw.local.auth: auth 'eap-md5' is not supported: use psk, pubkey, rsa, rsa/pss, ecdsa, ed25519 or ed448",
    ]);
    // swanctl.conf(5): auth defaults to pubkey (the local round keeps its PSK)
    expect(errors(edit([9, '']))).toEqual([]);
    expect(errors(edit([7, '}\nlocal-2 {\nauth = psk\n}']))).toEqual([
      'swanctl.conf:8: connections.gw.local-2: only one local authentication round is supported',
    ]);
    expect(errors(edit([4, ''], [5, ''], [6, ''], [7, '']))).toEqual([
      'swanctl.conf:2: connections.gw.local: missing local { auth = ...  id = ... } section',
    ]);
  });

  test('a connection without a matching PSK', () => {
    expect(errors(edit([21, 'id = other@example.org']))).toEqual([
      "swanctl.conf:2: connections.gw: no PSK for local id 'gw@example.org' or remote id 'peer@example.org': add secrets { ike-gw { id = ... secret = ... } }",
    ]);
    // either identity is enough (strongSwan's shared-key lookup), and `@fqdn` = `fqdn:` = plain name
    expect(errors(edit([21, 'id-x = gw@example.org']))).toEqual([]);
    expect(errors(edit([10, 'id = @peer.example.org'], [21, 'id = fqdn:peer.example.org']))).toEqual([]);
    expect(errors(edit([22, '']))).toEqual(['swanctl.conf:20: secrets.ike-gw.secret: missing secret']);
    expect(errors(edit([22, 'secret = 0xabc']))).toEqual([
      'swanctl.conf:22: secrets.ike-gw.secret: 0x secret: expected an even number of hex digits',
    ]);
    expect(errors(edit([20, 'eap-x {\n}\nfoo {\n}\nike-gw {']))).toEqual([
      'swanctl.conf:20: secrets.eap-x: unsupported secret type: only ike<suffix> (PSK) and private, rsa, ecdsa, pkcs8<suffix> (key passphrases)',
      'swanctl.conf:22: secrets.foo: unknown secret type',
    ]);
  });

  test('duplicate connection and child names', () => {
    expect(errors(edit([17, '}\ngw {\nmobike = no\n}']))).toEqual([
      "swanctl.conf:18: connections.gw: connection 'gw' defined twice (first at line 2)",
    ]);
    expect(errors(edit([15, '}\nnet {\nmode = transport\n}']))).toEqual([
      "swanctl.conf:16: connections.gw.children.net: child 'net' defined twice (first at line 13)",
    ]);
    expect(errors(edit([14, 'local_ts = 10.0.0.0/24\nlocal_ts = 10.0.1.0/24']))).toEqual([
      'swanctl.conf:15: connections.gw.children.net.local_ts: key set twice (first at line 14)',
    ]);
  });

  test('values that contradict each other', () => {
    expect(errors(edit([14, 'rekey_time = 2h\nlife_time = 1h\nrekey_bytes = 1m\nlife_bytes = 1m']))).toEqual([
      'swanctl.conf:15: connections.gw.children.net.life_time: rekey_time (7200) must be less than life_time (3600)',
      'swanctl.conf:17: connections.gw.children.net.life_bytes: rekey_bytes (1048576) must be less than life_bytes (1048576)',
    ]);
    expect(errors(edit([3, ''], [14, 'start_action = start']))).toEqual([
      "swanctl.conf:13: connections.gw.children.net.start_action: start_action = start needs remote_addrs with the peer's address, not %any",
    ]);
    expect(errors(edit([3, ''], [14, 'dpd_action = restart\nclose_action = trap']))).toEqual([
      "swanctl.conf:13: connections.gw.children.net.dpd_action: dpd_action = restart needs remote_addrs with the peer's address, not %any",
      "swanctl.conf:14: connections.gw.children.net.close_action: close_action = trap needs remote_addrs with the peer's address, not %any",
    ]);
    expect(errors(edit([3, 'remote_addrs = 192.0.2.1\nreauth_time = 1h']))).toEqual([
      'swanctl.conf:4: connections.gw.reauth_time: IKE reauthentication is not supported: use rekey_time (reauth_time = 0)',
    ]);
    expect(errors(`daemon {\nport = 4500\n}\n${BASE}`)).toEqual([
      'swanctl.conf:2: daemon.port: port and port_nat_t are both 4500',
    ]);
  });

  test('values and sections in each other’s place', () => {
    expect(errors(edit([12, 'children = net'], [13, ''], [14, ''], [15, ''], [16, '']))).toEqual([
      'swanctl.conf:12: connections.gw.children: expected a section { ... }, found a value',
    ]);
    expect(errors(edit([3, 'remote_addrs {\n}']))).toEqual([
      'swanctl.conf:3: connections.gw.remote_addrs: expected a value, found a section',
    ]);
  });

  test('syntax errors: unterminated section, stray brace, missing include', () => {
    expect(errors(edit([18, '']))).toEqual([
      "swanctl.conf:1: section 'connections' is not closed: missing '}'",
    ]);
    expect(errors(edit([18, '}\n}']))).toEqual(["swanctl.conf:19: unexpected '}': no section is open"]);
    const host = memoryHost({});
    const r = parseConfigText(edit([11, '}\ninclude children.conf']), 'swanctl', 'etc/swanctl.conf', host);
    expect(r.ok ? [] : r.error.map((e) => e.message)).toEqual([
      "etc/swanctl.conf:12: connections.gw: include 'children.conf': no such file",
    ]);
  });
});

describe('YAML and JSON errors', () => {
  const yaml = `connections:
  gw:
    remote_addrs: 192.0.2.1
    local: { auth: psk, id: gw@example.org }
    remote:
      auth: psk
      id: peer@example.org
    children:
      net:
        esp_propsals: aes128-sha256
        rekey_time: [1h, 2h]
secrets:
  ike-gw: { id: peer@example.org, secret: psk }
`;
  test('YAML: same key table, lines from the node ranges', () => {
    expect(errors(yaml, 'yaml', 'c.yaml')).toEqual([
      'c.yaml:10: connections.gw.children.net.esp_propsals: unknown key',
      'c.yaml:11: connections.gw.children.net.rekey_time: expected a single value, not a list',
    ]);
    expect(errors(`${yaml}connections: {}\n`, 'yaml', 'c.yaml')).toEqual([
      'c.yaml:14: connections: key set twice (first at line 1)',
    ]);
    expect(errors('a: [1\n', 'yaml', 'c.yaml')[0]).toMatch(/^c\.yaml:2: Flow sequence/);
    expect(errors('- a\n- b\n', 'yaml', 'c.yaml')).toEqual(['c.yaml:1: the top level must be a mapping']);
    expect(errors('children: [{a: 1}]\n', 'yaml', 'c.yaml')).toEqual([
      'c.yaml:1: children: list items must be plain values',
    ]);
  });

  test('JSON: key paths (and lines), strict JSON syntax', () => {
    const json = JSON.stringify(
      {
        connections: {
          gw: {
            local: { auth: 'psk', id: 'gw@example.org' },
            remote: { auth: 'eap-md5' },
            children: { net: { life_time: '1h' } },
          },
        },
        secrets: { 'ike-gw': { secret: 'x', note: 'y' } },
      },
      null,
      2,
    );
    expect(errors(json, 'json', 'c.json')).toEqual([
      "c.json:9: connections.gw.remote.auth: auth 'eap-md5' is not supported: use psk, pubkey, rsa, rsa/pss, ecdsa, ed25519 or ed448",
      'c.json:21: secrets.ike-gw.note: unknown key',
    ]);
    expect(errors('{\n  "a": 1,\n}\n', 'json', 'c.json')[0]).toMatch(/^c\.json(:\d+)?: invalid JSON: /);
    expect(errors("{ a: 'yaml, not json' }", 'json', 'c.json')[0]).toMatch(/invalid JSON/);
  });
});
