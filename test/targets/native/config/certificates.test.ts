/**
 * Certificate authentication keys (issue 16): `auth` values and their key type constraints,
 * `certs` / `cacerts` / `pubkeys` / `revocation` in rounds, `send_cert` / `send_certreq`, and
 * `secrets.private<suffix>` (rsa, ecdsa, pkcs8) passphrases; in swanctl.conf and YAML alike.
 */
import { describe, expect, test } from 'vitest';
import type { Config } from '../../../../ipsec/config/model.js';
import { type ConfigFormat, parseConfigText } from '../../../../targets/native/config/load.js';

function conf(local: string, remote = 'auth = pubkey', conn = '', secrets = ''): string {
  return `connections {
  gw {
    remote_addrs = 192.0.2.1
${conn}
    local {
${local}
    }
    remote {
${remote}
    }
  }
}
secrets {
${secrets}
}`;
}

function parsed(text: string, format: ConfigFormat = 'swanctl'): Config {
  const r = parseConfigText(text, format, 'swanctl.conf');
  if (!r.ok) throw new Error(r.error.map((e) => e.message).join('\n'));
  return r.value;
}

function errors(text: string): { code: string; message: string }[] {
  const r = parseConfigText(text, 'swanctl', 'swanctl.conf');
  return r.ok ? [] : r.error.map((e) => ({ code: e.code, message: e.message }));
}

describe('auth', () => {
  test.each([
    ['pubkey', { auth: 'pubkey' }],
    ['PubKey', { auth: 'pubkey' }],
    ['rsa', { auth: 'pubkey', keyTypes: ['rsa'] }],
    ['rsa/pss', { auth: 'pubkey', keyTypes: ['rsa'], rsaPss: true }],
    ['ecdsa', { auth: 'pubkey', keyTypes: ['ecdsa'] }],
    ['ed25519', { auth: 'pubkey', keyTypes: ['ed25519'] }],
    ['ed448', { auth: 'pubkey', keyTypes: ['ed448'] }],
  ])('auth = %s', (value, round) => {
    const c = parsed(conf(`auth = ${value}\nid = gw.example.org`));
    expect(c.connections[0]!.local).toEqual({ ...round, id: 'gw.example.org' });
  });

  test('strongSwan default: pubkey; a connection that only signs needs no PSK', () => {
    const c = parsed(conf('id = gw.example.org', ''));
    expect(c.connections[0]!.local).toEqual({ auth: 'pubkey', id: 'gw.example.org' });
    expect(c.connections[0]!.remote).toEqual({ auth: 'pubkey', id: '%any' });
    expect(c.secrets).toEqual([]);
  });

  test('a psk round still needs its PSK', () => {
    expect(errors(conf('auth = psk\nid = gw.example.org')).map((e) => e.code)).toEqual(['MISSING_SECRET']);
  });

  test.each([
    ['rsa-sha256', 'signature constraints'],
    ['pubkey-sha384', 'signature constraints'],
    ['ecdsa-384', 'signature constraints'],
    ['rsa/pss-sha256', 'signature constraints'],
    ['ike:rsa-sha256', 'signature constraints (ike:, hash'],
    ['eap-tls', 'is not supported'],
    ['xauth', 'is not supported'],
    ['bliss', 'is not supported'],
  ])('auth = %s is unsupported (%s)', (value, words) => {
    const e = errors(conf(`auth = ${value}`));
    expect(e).toHaveLength(1);
    expect(e[0]!.code).toBe('UNSUPPORTED_VALUE');
    expect(e[0]!.message).toContain(`swanctl.conf:6: connections.gw.local.auth: auth '${value}'`);
    expect(e[0]!.message).toContain(words);
    expect(e[0]!.message).toContain('use psk, pubkey, rsa, rsa/pss, ecdsa, ed25519 or ed448');
  });

  test('auth = bogus is invalid', () => {
    expect(errors(conf('auth = bogus'))).toEqual([
      {
        code: 'INVALID_VALUE',
        message: "swanctl.conf:6: connections.gw.local.auth: 'bogus' is not an authentication method",
      },
    ]);
  });
});

describe('round files and revocation', () => {
  test('certs, cacerts, pubkeys are comma lists of file names; revocation in the remote round', () => {
    const c = parsed(
      conf(
        'certs = gw.pem, /etc/other.der',
        'auth = ecdsa\ncacerts = root.pem,intermediate.pem\npubkeys = peer.pem\nrevocation = strict',
      ),
    );
    expect(c.connections[0]!.local).toEqual({
      auth: 'pubkey',
      id: '%any',
      certs: ['gw.pem', '/etc/other.der'],
    });
    expect(c.connections[0]!.remote).toEqual({
      auth: 'pubkey',
      keyTypes: ['ecdsa'],
      id: '%any',
      cacerts: ['root.pem', 'intermediate.pem'],
      pubkeys: ['peer.pem'],
      revocation: 'strict',
    });
  });

  test('revocation: ifuri, relaxed; other values invalid; not in a local round', () => {
    for (const v of ['ifuri', 'relaxed'])
      expect(parsed(conf('', `revocation = ${v}`)).connections[0]!.remote.revocation).toBe(v);
    expect(errors(conf('', 'revocation = sometimes'))).toEqual([
      {
        code: 'INVALID_VALUE',
        message:
          "swanctl.conf:9: connections.gw.remote.revocation: 'sometimes' is not one of strict, ifuri, relaxed",
      },
    ]);
    expect(errors(conf('revocation = strict'))).toEqual([
      {
        code: 'UNSUPPORTED_KEY',
        message:
          'swanctl.conf:6: connections.gw.local.revocation: revocation applies to remote rounds only (the peer certificate)',
      },
    ]);
  });

  test('empty lists and cert<suffix> sections are refused', () => {
    expect(errors(conf('certs = ')).map((e) => e.message)).toEqual([
      'swanctl.conf:6: connections.gw.local.certs: expected at least one value',
    ]);
    expect(errors(conf('cert-1 {\nfile = x.pem\n}')).map((e) => e.message)).toEqual([
      'swanctl.conf:6: connections.gw.local.cert-1: unsupported key',
    ]);
  });
});

describe('send_cert and send_certreq', () => {
  test('values and defaults (absent: ifasked, yes)', () => {
    const plain = parsed(conf('')).connections[0]!;
    expect(plain.send_cert).toBeUndefined();
    expect(plain.send_certreq).toBeUndefined();
    for (const v of ['always', 'ifasked', 'never'])
      expect(parsed(conf('', 'auth = pubkey', `send_cert = ${v}`)).connections[0]!.send_cert).toBe(v);
    expect(parsed(conf('', 'auth = pubkey', 'send_certreq = no')).connections[0]!.send_certreq).toBe(false);
    expect(errors(conf('', 'auth = pubkey', 'send_cert = sometimes')).map((e) => e.code)).toEqual([
      'INVALID_VALUE',
    ]);
  });
});

describe('secrets.private<suffix> and friends', () => {
  test('private, rsa, ecdsa, pkcs8 sections name a key file and its passphrase', () => {
    const c = parsed(
      conf(
        '',
        'auth = pubkey',
        '',
        `private-gw {\nfile = gw.pem\nsecret = "gw pass"\n}
rsa-1 {\nfile = /keys/r.der\n}
ecdsa {\nfile = e.pem\nsecret = 0xnot-hex-kept-as-is\n}
pkcs8-x {\nfile = p.pem\nsecret = p\n}`,
      ),
    );
    expect(c.privateKeySecrets).toEqual([
      { name: 'private-gw', kind: 'private', file: 'gw.pem', secret: 'gw pass' },
      { name: 'rsa-1', kind: 'rsa', file: '/keys/r.der' },
      { name: 'ecdsa', kind: 'ecdsa', file: 'e.pem', secret: '0xnot-hex-kept-as-is' },
      { name: 'pkcs8-x', kind: 'pkcs8', file: 'p.pem', secret: 'p' },
    ]);
  });

  test('without private key secrets the field is absent', () => {
    expect(parsed(conf('')).privateKeySecrets).toBeUndefined();
  });

  test('file is required; unknown keys; pkcs12, token, eap stay unsupported', () => {
    expect(
      errors(
        conf(
          '',
          'auth = pubkey',
          '',
          'private-a {\nsecret = x\n}\nprivate-b {\nfile = b.pem\npin = 1\n}\npkcs12-c {\nfile = c.p12\n}\ntoken-d {\n}',
        ),
      ).map((e) => `${e.code} ${e.message}`),
    ).toEqual([
      'MISSING swanctl.conf:14: secrets.private-a.file: missing file (the key file name)',
      'UNKNOWN_KEY swanctl.conf:19: secrets.private-b.pin: unknown key',
      'UNSUPPORTED_KEY swanctl.conf:21: secrets.pkcs12-c: unsupported secret type: only ike<suffix> (PSK) and private, rsa, ecdsa, pkcs8<suffix> (key passphrases)',
      'UNSUPPORTED_KEY swanctl.conf:24: secrets.token-d: unsupported secret type: only ike<suffix> (PSK) and private, rsa, ecdsa, pkcs8<suffix> (key passphrases)',
    ]);
  });
});

describe('YAML and JSON read the same keys', () => {
  test('yaml', () => {
    const c = parsed(
      `connections:
  gw:
    remote_addrs: 192.0.2.1
    send_cert: always
    send_certreq: no
    local:
      auth: rsa/pss
      certs: [gw.pem, second.pem]
    remote:
      auth: pubkey
      cacerts: root.pem
      revocation: relaxed
secrets:
  private-gw:
    file: gw.pem
    secret: pass
`,
      'yaml',
    );
    expect(c.connections[0]).toMatchObject({
      send_cert: 'always',
      send_certreq: false,
      local: { auth: 'pubkey', keyTypes: ['rsa'], rsaPss: true, certs: ['gw.pem', 'second.pem'] },
      remote: { auth: 'pubkey', cacerts: ['root.pem'], revocation: 'relaxed' },
    });
    expect(c.privateKeySecrets).toEqual([
      { name: 'private-gw', kind: 'private', file: 'gw.pem', secret: 'pass' },
    ]);
  });

  test('json', () => {
    const c = parsed(
      JSON.stringify({
        connections: {
          gw: { local: { auth: 'ed25519', certs: ['gw.pem'] }, remote: { pubkeys: 'peer.pem' } },
        },
      }),
      'json',
    );
    expect(c.connections[0]!.local).toEqual({
      auth: 'pubkey',
      keyTypes: ['ed25519'],
      id: '%any',
      certs: ['gw.pem'],
    });
    expect(c.connections[0]!.remote).toEqual({ auth: 'pubkey', id: '%any', pubkeys: ['peer.pem'] });
  });
});
