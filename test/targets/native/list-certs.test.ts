/**
 * ikev2 list-certs: the certificates and CRLs a daemon loaded from the swanctl directories next to
 * its configuration (fixtures of credentials/), asked over the control socket as JSON and as
 * swanctl --list-certs text; list-conns shows the configured certificates by subject; a missing
 * named certificate stops the start, a broken unnamed file is a logged warning.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon, DaemonStartError } from '../../../targets/native/daemon.js';
import type { ListCertsEntry } from '../../../targets/native/list-certs.js';
import { formatListCerts } from '../../../targets/native/list-certs.js';
import { createLogger } from '../../../targets/native/logger.js';
import { main } from '../../../targets/native/main.js';

const dir = mkdtempSync(join(tmpdir(), 'ikev2-list-certs-'));
const CONF = join(dir, 'swanctl.conf');
const SOCK = join(dir, 'ikev2.sock');

const conf = (certs = 'gw.pem') => `daemon {
  port = 0
  port_nat_t = 0
}
connections {
  rw {
    local_addrs = 127.0.0.1
    local {
      auth = ecdsa
      certs = ${certs}
      id = gw.example.org
    }
    remote {
      auth = pubkey
      cacerts = root.pem
    }
  }
}
secrets {
  private-gw {
    file = gw.pem
    secret = gw-secret-passphrase
  }
}
`;

const logLines: string[] = [];
const logger = createLogger({ level: 'info', out: { write: (s: string) => logLines.push(s) } });
let daemon: Daemon;

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--control', SOCK], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
  });
  return { code, out: out.join(''), err: err.join('') };
}

beforeAll(async () => {
  cpSync('test/targets/native/credentials/fixtures/swanctl', dir, { recursive: true });
  writeFileSync(CONF, conf());
  daemon = await Daemon.start({ configPath: CONF, controlPath: SOCK, logger });
});

afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ikev2 list-certs', () => {
  it('the broken certificate file is a warning in the log; the daemon started', () => {
    const warnings = logLines
      .map((l) => JSON.parse(l) as { level: number; msg: string; component?: string })
      .filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/^x509\/broken\.pem: .+: skipped$/)]);
    expect(warnings[0]?.component).toBe('credentials');
  });

  it('--json: every certificate and CRL with subject, issuer, validity, serial, key and private key', async () => {
    const r = await cli('list-certs', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as ListCertsEntry[];
    expect(list.map((e) => [e.type, e.flag, e.subject ?? e.issuer, e.has_privkey])).toEqual([
      ['X509', 'NONE', 'C=CH, O=Test, CN=client.example.org', true],
      ['X509', 'NONE', 'C=CH, O=Test, CN=gw.example.org', true],
      ['X509', 'NONE', 'C=CH, O=Test, CN=old.example.org', false],
      ['X509', 'CA', 'C=CH, O=Test, CN=Test Intermediate CA', false],
      ['X509', 'CA', 'C=CH, O=Test, CN=Test Root CA', false],
      ['X509_CRL', 'NONE', 'C=CH, O=Test, CN=Test Root CA', false],
    ]);
    const gw = list[1]!;
    expect(gw).toMatchObject({
      file: 'x509/gw.pem',
      issuer: 'C=CH, O=Test, CN=Test Intermediate CA',
      serial: '0a:01',
      altNames: ['gw.example.org'],
      pubkey: { type: 'ECDSA', bits: 256 },
    });
    expect(gw.keyid).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(gw.subjkey).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    expect(gw.authkeyId).toBe(list[3]!.subjkeyId); // issued by the intermediate
    expect(list[0]).toMatchObject({
      altNames: ['client.example.org', '192.0.2.7'],
      pubkey: { type: 'RSA', bits: 2048 },
    });
    expect(list[4]!.flags).toEqual(expect.arrayContaining(['CA', 'self-signed']));
    expect(list[5]!.revoked?.map((e) => e.serial)).toEqual(['0b:02']);
  });

  it('prints like swanctl --list-certs', async () => {
    const r = await cli('list-certs');
    expect(r.code).toBe(0);
    const text = r.out;
    expect(text).toMatch(
      /^\nList of X\.509 End Entity Certificates\n\n {2}subject: {2}"C=CH, O=Test, CN=client\.example\.org"\n/,
    );
    expect(text).toContain('\nList of X.509 CA Certificates\n');
    expect(text).toContain('\nList of X.509 CRLs\n');
    expect(text).toMatch(/ {2}validity: {2}not before [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \d{4}, ok\n/);
    expect(text).toMatch(
      / {13}not after {2}[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \d{4}, ok \(expires in \d+ days\)\n/,
    );
    expect(text).toContain('             not after  Jan 01 00:00:00 2002, expired (');
    expect(text).toContain('  pubkey:    ECDSA 256 bits, has private key\n');
    expect(text).toContain('  pubkey:    RSA 2048 bits, has private key\n');
    expect(text).toContain('  altNames:  client.example.org, 192.0.2.7\n');
    expect(text).toContain('  1 revoked certificate:\n    0b:02: ');
  });

  it('list-conns shows the configured certificates by subject', async () => {
    const r = await cli('list-conns');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      '  local public key authentication:\n    id: gw.example.org\n    certs: C=CH, O=Test, CN=gw.example.org\n',
    );
    expect(r.out).toContain(
      '  remote public key authentication:\n    id: %any\n    cacerts: C=CH, O=Test, CN=Test Root CA\n',
    );
  });

  it('a certificate the configuration names that is missing stops the start', async () => {
    const other = join(dir, 'missing.conf');
    writeFileSync(other, conf('nothere.pem'));
    const start = Daemon.start({ configPath: other, controlPath: join(dir, 'other.sock'), logger });
    await expect(start).rejects.toBeInstanceOf(DaemonStartError);
    await expect(start).rejects.toThrow('connections.rw.local.certs: x509/nothere.pem: no such file');
  });

  it('a reload with a missing named certificate fails and keeps the running credentials', async () => {
    writeFileSync(CONF, conf('nothere.pem'));
    try {
      const r = await cli('reload');
      expect(r.code).toBe(1);
      expect(r.err).toContain('x509/nothere.pem: no such file');
      const again = JSON.parse((await cli('list-certs', '--json')).out) as ListCertsEntry[];
      expect(again).toHaveLength(6);
    } finally {
      writeFileSync(CONF, conf());
    }
  });
});

describe('formatListCerts', () => {
  it('prints nothing without certificates; expiry counted from now', () => {
    expect(formatListCerts([], 0)).toBe('');
    const e: ListCertsEntry = {
      type: 'X509',
      flag: 'NONE',
      has_privkey: false,
      file: 'x509/a.pem',
      subject: 'CN=a',
      issuer: 'CN=b',
      serial: '01',
      'not-before': '2020-01-01T00:00:00.000Z',
      'not-after': '2020-01-11T00:00:00.000Z',
      flags: [],
      keyid: 'aa',
    };
    const text = formatListCerts([e], Date.UTC(2020, 0, 6));
    expect(text).toBe(
      [
        '',
        'List of X.509 End Entity Certificates',
        '',
        '  subject:  "CN=a"',
        '  issuer:   "CN=b"',
        '  validity:  not before Jan 01 00:00:00 2020, ok',
        '             not after  Jan 11 00:00:00 2020, ok (expires in 5 days)',
        '  serial:    01',
        '  flags:     ',
        '  pubkey:    unsupported key type',
        '  keyid:     aa',
        '',
      ].join('\n'),
    );
    expect(formatListCerts([e], Date.UTC(2020, 0, 21))).toContain('expired (10 days ago)');
    expect(formatListCerts([e], Date.UTC(2019, 0, 1))).toContain('2020, not valid yet');
  });
});
