/**
 * The swanctl credential directories (fixtures/swanctl, made by fixtures/make.sh with strongSwan's
 * pki): a root CA, an intermediate, gw.pem (ECDSA, issued by the intermediate, its key an
 * encrypted PKCS#8 PEM in private/), client.der (RSA, issued by the root, its key PKCS#1 DER in
 * rsa/), old.pem (expired, no key), a raw public key, a CRL revoking the client, and a broken
 * certificate file.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Config } from '../../../../ipsec/config/model.js';
import { type Identity, parseIdentity } from '../../../../ipsec/ike/identity.js';
import { equalBytes } from '../../../../ipsec/util/bytes.js';
import { formatDn } from '../../../../ipsec/x509/name.js';
import { parseConfigText } from '../../../../targets/native/config/load.js';
import { loadCredentials } from '../../../../targets/native/credentials/load.js';
import { reloadableCredentials } from '../../../../targets/native/credentials/reloadable.js';
import { nodeSignatures } from '../../../../targets/native/crypto/node-signature.js';

const FIXTURES = 'test/targets/native/credentials/fixtures/swanctl';
const NOW = Date.UTC(2027, 0, 1);
const PASS = 'gw-secret-passphrase';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ikev2-creds-'));
  cpSync(FIXTURES, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function config(o: { local?: string; remote?: string; secrets?: string } = {}): Config {
  const text = `connections {
  gw {
    local {
      auth = pubkey
      ${o.local ?? 'certs = gw.pem'}
    }
    remote {
      auth = pubkey
      ${o.remote ?? 'cacerts = root.pem'}
    }
  }
}
secrets {
  ${o.secrets ?? `private-gw {\n file = gw.pem\n secret = ${PASS}\n }`}
}`;
  const r = parseConfigText(text, 'swanctl', join(dir, 'swanctl.conf'));
  if (!r.ok) throw new Error(r.error.map((e) => e.message).join('\n'));
  return r.value;
}

const id = (text: string): Identity => {
  const r = parseIdentity(text);
  if (!r.ok || !r.value) throw new Error(text);
  return r.value;
};

const load = (c: Config) => loadCredentials(dir, c, nodeSignatures, { now: () => NOW });
const subject = (c: { subject: Parameters<typeof formatDn>[0] }) => formatDn(c.subject);

describe('loadCredentials', () => {
  test('loads every directory; the broken file is one warning naming it', () => {
    const warned: string[] = [];
    const r = loadCredentials(dir, config(), nodeSignatures, {
      now: () => NOW,
      log: { warn: (_fields, message) => warned.push(message) },
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^x509\/broken\.pem: .+: skipped$/);
    expect(warned).toEqual(r.warnings);
    expect(r.certificates.map((c) => [c.kind, c.name, c.file, c.hasPrivateKey])).toEqual([
      ['end-entity', 'client.der', 'x509/client.der', true],
      ['end-entity', 'gw.pem', 'x509/gw.pem', true],
      ['end-entity', 'old.pem', 'x509/old.pem', false],
      ['ca', 'intermediate.pem', 'x509ca/intermediate.pem', false],
      ['ca', 'root.pem', 'x509ca/root.pem', false],
    ]);
    expect(r.keys.map((k) => [k.file, k.key.type])).toEqual([
      ['private/gw.pem', 'ecdsa'],
      ['rsa/client.der', 'rsa'],
    ]);
    expect(r.pubkeys.map((p) => [p.name, p.key.type])).toEqual([['peer.pem', 'ecdsa']]);
    expect(r.crls.map((c) => [c.file, c.crl.revoked.map((e) => [...e.serial])])).toEqual([
      ['x509crl/root.crl', [[0x0b, 0x02]]],
    ]);
  });

  test('local(): the configured cert whose key we hold, its chain up to (not including) the root', () => {
    const c = config();
    const { store, keys } = load(c);
    const conn = c.connections[0]!;
    const cred = store.local(conn, conn.local, id('gw.example.org'));
    expect(cred && subject(cred.cert!)).toBe('C=CH, O=Test, CN=gw.example.org');
    expect(cred?.chain.map(subject)).toEqual(['C=CH, O=Test, CN=Test Intermediate CA']);
    // the private key matched by its public key
    expect(equalBytes(cred!.key.publicKey.spki, cred!.cert!.spki)).toBe(true);
    expect(cred!.key).toBe(keys.find((k) => k.file === 'private/gw.pem')!.key);
    // without certs: any certificate with the identity whose key we hold (issued by the root: no chain)
    const any = config({ local: '' });
    const client = load(any).store.local(
      any.connections[0]!,
      any.connections[0]!.local,
      id('client.example.org'),
    );
    expect(client && subject(client.cert!)).toBe('C=CH, O=Test, CN=client.example.org');
    expect(client!.chain).toEqual([]);
    expect(client!.key.type).toBe('rsa');
    // an identity in no certificate we have a key for
    expect(load(any).store.local(any.connections[0]!, any.connections[0]!.local, id('old.example.org'))).toBe(
      undefined,
    );
  });

  test('trust anchors, intermediates, pinned keys, CRLs and the clock', () => {
    const c = config({ remote: 'cacerts = root.pem\npubkeys = peer.pem' });
    const { store } = load(c);
    const conn = c.connections[0]!;
    expect(store.trustAnchors(conn, conn.remote).map(subject)).toEqual(['C=CH, O=Test, CN=Test Root CA']);
    expect(store.trustAnchors(conn, conn.local).map(subject)).toEqual([
      'C=CH, O=Test, CN=Test Intermediate CA',
      'C=CH, O=Test, CN=Test Root CA',
    ]);
    expect(store.intermediates().map(subject)).toEqual(['C=CH, O=Test, CN=Test Intermediate CA']);
    expect(store.pinnedKeys(conn, conn.remote).map((k) => k.type)).toEqual(['ecdsa']);
    expect(store.crls()).toHaveLength(1);
    expect(store.now()).toBe(NOW);
  });

  test('encrypted key: wrong or missing passphrase is a warning naming the file', () => {
    const wrong = load(config({ secrets: 'private-gw {\n file = gw.pem\n secret = nope\n }' }));
    expect(wrong.errors).toEqual([]);
    expect(wrong.warnings).toContain('private/gw.pem: cannot decrypt: wrong passphrase?: skipped');
    expect(wrong.warnings).toContain(
      'connections.gw.local.certs: no private key for x509/gw.pem (in private/, rsa/, ecdsa/, pkcs8/)',
    );
    expect(wrong.certificates.find((c) => c.name === 'gw.pem')?.hasPrivateKey).toBe(false);
    const none = load(config({ secrets: '' }));
    expect(none.warnings.find((w) => w.startsWith('private/gw.pem: '))).toMatch(
      /encrypted, and no passphrase for it in secrets/,
    );
  });

  test('a file a connection names that is missing or broken is an error; absolute names work', () => {
    expect(load(config({ local: 'certs = missing.pem' })).errors).toEqual([
      'connections.gw.local.certs: x509/missing.pem: no such file',
    ]);
    const broken = load(config({ local: 'certs = broken.pem' }));
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatch(/^connections\.gw\.local\.certs: x509\/broken\.pem: ./);
    expect(load(config({ remote: 'cacerts = nothere.pem' })).errors).toEqual([
      'connections.gw.remote.cacerts: x509ca/nothere.pem: no such file',
    ]);
    const outside = mkdtempSync(join(tmpdir(), 'ikev2-creds-abs-'));
    try {
      cpSync(join(dir, 'x509/gw.pem'), join(outside, 'mine.pem'));
      const c = config({ local: `certs = ${join(outside, 'mine.pem')}` });
      const r = load(c);
      expect(r.errors).toEqual([]);
      expect(r.certificates.find((x) => x.name === join(outside, 'mine.pem'))?.hasPrivateKey).toBe(true);
      const cred = r.store.local(c.connections[0]!, c.connections[0]!.local, undefined);
      expect(cred && subject(cred.cert!)).toBe('C=CH, O=Test, CN=gw.example.org');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('an unencrypted PEM PKCS#8 key in pkcs8/ needs no secret', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const pem = createPrivateKey({ key: await readFixture('private/gw.pem'), passphrase: PASS }).export({
      type: 'pkcs8',
      format: 'pem',
    });
    rmSync(join(dir, 'private/gw.pem'));
    mkdirSync(join(dir, 'pkcs8'));
    writeFileSync(join(dir, 'pkcs8/gw.pem'), pem);
    const r = load(config({ secrets: '' }));
    expect(r.warnings.filter((w) => !w.startsWith('x509/broken.pem'))).toEqual([]);
    expect(r.keys.map((k) => k.file)).toEqual(['pkcs8/gw.pem', 'rsa/client.der']);
  });

  test('legacy encrypted PEM (Proc-Type: 4,ENCRYPTED) and encrypted PKCS#8 DER, passphrases from secrets', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const gw = createPrivateKey({ key: await readFixture('private/gw.pem'), passphrase: PASS });
    rmSync(join(dir, 'private/gw.pem'));
    const legacy = gw.export({
      type: 'sec1',
      format: 'pem',
      cipher: 'aes-128-cbc',
      passphrase: 'legacy pass',
    });
    expect(String(legacy)).toContain('Proc-Type: 4,ENCRYPTED');
    mkdirSync(join(dir, 'ecdsa'));
    writeFileSync(join(dir, 'ecdsa/gw.pem'), legacy);
    const c = config({ secrets: 'ecdsa-gw {\n file = gw.pem\n secret = "legacy pass"\n }' });
    const r = load(c);
    expect(r.warnings.filter((w) => !w.startsWith('x509/broken.pem'))).toEqual([]);
    expect(r.keys.map((k) => k.file)).toEqual(['ecdsa/gw.pem', 'rsa/client.der']);
    rmSync(join(dir, 'ecdsa/gw.pem'));
    const der = gw.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: 'der pass' });
    writeFileSync(join(dir, 'private/gw.der'), der);
    const d = load(config({ secrets: 'private-gw {\n file = gw.der\n secret = der pass\n }' }));
    expect(d.keys.map((k) => k.file)).toEqual(['private/gw.der', 'rsa/client.der']);
    expect(d.certificates.find((x) => x.name === 'gw.pem')?.hasPrivateKey).toBe(true);
  });
});

async function readFixture(name: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  return readFileSync(join(FIXTURES, name), 'utf8');
}

describe('reloadableCredentials', () => {
  test('one store answers from the last good load; a load with errors keeps the old one', () => {
    const c = config();
    const r = reloadableCredentials(dir, c, nodeSignatures, { now: () => NOW });
    const conn = c.connections[0]!;
    expect(r.store.local(conn, conn.local, undefined)).toBeDefined();
    rmSync(join(dir, 'private/gw.pem'));
    const again = r.reload(c);
    expect(again.errors).toEqual([]);
    expect(r.store.local(conn, conn.local, undefined)).toBeUndefined(); // the key is gone
    const bad = r.reload(config({ local: 'certs = missing.pem' }));
    expect(bad.errors).toHaveLength(1);
    expect(r.current()).toBe(again);
  });
});
