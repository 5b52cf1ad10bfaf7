/**
 * A test PKI made with strongSwan's `pki` tool (Debian strongswan-pki) for the certificate interop
 * tests: a root CA, an intermediate CA (issued by the root), a second unrelated root, end-entity
 * certificates with DN subjects and subjectAltNames, and a CRL of the intermediate. Everything is
 * written into one folder in the swanctl layout (x509/, x509ca/, x509crl/, private/), which is then
 * copied into charon's run folder and into our daemon's config folder.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { mustRun, run } from './lab.js';

export const PKI_BIN = '/usr/bin/pki';

export type KeyType = 'rsa3072' | 'p256' | 'p384' | 'ed25519';

const genArgs: Record<KeyType, string[]> = {
  rsa3072: ['--type', 'rsa', '--size', '3072'],
  p256: ['--type', 'ecdsa', '--size', '256'],
  p384: ['--type', 'ecdsa', '--size', '384'],
  ed25519: ['--type', 'ed25519'],
};
/** `pki --pub/--issue --type` of a private key file. */
const privType: Record<KeyType, string> = { rsa3072: 'rsa', p256: 'ecdsa', p384: 'ecdsa', ed25519: 'priv' };

export interface EndEntity {
  /** File base name: x509/NAME.pem, private/NAME.pem. */
  readonly name: string;
  readonly type: KeyType;
  /** Subject DN, strongSwan syntax ("C=CH, O=test, CN=..."). */
  readonly dn: string;
  /** subjectAltNames: FQDN, email, IP. */
  readonly sans: readonly string[];
  /** The issuing CA (default the intermediate). */
  readonly issuer?: 'root' | 'intermediate' | 'other';
  /** Serial number in hex. */
  readonly serial: string;
}

export interface Pki {
  readonly dir: string;
  readonly rootDn: string;
  readonly intermediateDn: string;
  readonly otherRootDn: string;
  /**
   * Copies the CA certificates, the CRL and the end entities whose names start with `own` (their
   * certificates and keys) into `dest` (x509/, x509ca/, x509crl/, private/): the peer's
   * certificate must come from its CERT payloads.
   */
  copyTo(dest: string, own: string): void;
}

export const ROOT_DN = 'C=CH, O=test, CN=Interop Root CA';
export const INTERMEDIATE_DN = 'C=CH, O=test, CN=Interop Intermediate CA';
export const OTHER_ROOT_DN = 'C=CH, O=other, CN=Other Root CA';

/** Runs pki (its plugin warnings go to stderr) and returns what it wrote to stdout. */
const pki = (args: readonly string[]): Promise<string> => mustRun(PKI_BIN, args);

/**
 * Makes the PKI in `dir`: root (ECDSA P-384), intermediate (ECDSA P-256), the other root (P-256),
 * the end entities, and a CRL of the intermediate revoking `revoked` (names of end entities).
 */
export async function makePki(
  dir: string,
  entities: readonly EndEntity[],
  revoked: readonly string[],
): Promise<Pki> {
  const r = await run(PKI_BIN, ['--help']);
  if (!`${r.stdout}${r.stderr}`.includes('--issue'))
    throw new Error(`strongSwan's pki tool is missing (${PKI_BIN}: apt-get install strongswan-pki)`);
  for (const sub of ['x509', 'x509ca', 'x509crl', 'private', 'keys'])
    mkdirSync(path.join(dir, sub), { recursive: true });
  const f = (...p: string[]) => path.join(dir, ...p);
  const gen = async (file: string, type: KeyType) => {
    writeFileSync(file, await pki(['--gen', ...genArgs[type], '--outform', 'pem']));
  };
  const pub = async (keyFile: string, type: KeyType, pubFile: string) => {
    writeFileSync(
      pubFile,
      await pki(['--pub', '--in', keyFile, '--type', privType[type], '--outform', 'pem']),
    );
  };
  const issue = async (
    keyFile: string,
    type: KeyType,
    ca: { cert: string; key: string },
    dn: string,
    out: string,
    extra: string[],
  ) => {
    const pubFile = f('keys', `${path.basename(keyFile, '.pem')}.pub`);
    await pub(keyFile, type, pubFile);
    writeFileSync(
      out,
      await pki([
        '--issue',
        '--in',
        pubFile,
        '--type',
        'pub',
        '--cacert',
        ca.cert,
        '--cakey',
        ca.key,
        '--dn',
        dn,
        '--lifetime',
        '30',
        '--outform',
        'pem',
        ...extra,
      ]),
    );
  };
  // CAs
  const root = { cert: f('x509ca', 'root.pem'), key: f('keys', 'root.key') };
  await gen(root.key, 'p384');
  writeFileSync(
    root.cert,
    await pki([
      '--self',
      '--in',
      root.key,
      '--type',
      'ecdsa',
      '--dn',
      ROOT_DN,
      '--ca',
      '--lifetime',
      '60',
      '--outform',
      'pem',
    ]),
  );
  const other = { cert: f('x509ca', 'other-root.pem'), key: f('keys', 'other-root.key') };
  await gen(other.key, 'p256');
  writeFileSync(
    other.cert,
    await pki([
      '--self',
      '--in',
      other.key,
      '--type',
      'ecdsa',
      '--dn',
      OTHER_ROOT_DN,
      '--ca',
      '--lifetime',
      '60',
      '--outform',
      'pem',
    ]),
  );
  const int = { cert: f('x509ca', 'intermediate.pem'), key: f('keys', 'intermediate.key') };
  await gen(int.key, 'p256');
  await issue(int.key, 'p256', root, INTERMEDIATE_DN, int.cert, ['--ca', '--serial', '01']);
  // end entities (keys generated in parallel: RSA-3072 takes a while)
  await Promise.all(
    entities.map(async (e) => {
      const key = f('private', `${e.name}.pem`);
      await gen(key, e.type);
      const ca = e.issuer === 'root' ? root : e.issuer === 'other' ? other : int;
      await issue(key, e.type, ca, e.dn, f('x509', `${e.name}.pem`), [
        ...e.sans.flatMap((s) => ['--san', s]),
        '--serial',
        e.serial,
      ]);
    }),
  );
  // the intermediate's CRL revoking `revoked`
  writeFileSync(
    f('x509crl', 'intermediate.crl'),
    await pki([
      '--signcrl',
      '--cacert',
      int.cert,
      '--cakey',
      int.key,
      '--lifetime',
      '30',
      ...revoked.flatMap((n) => ['--cert', f('x509', `${n}.pem`), '--reason', 'key-compromise']),
      '--outform',
      'pem',
    ]),
  );
  return {
    dir,
    rootDn: ROOT_DN,
    intermediateDn: INTERMEDIATE_DN,
    otherRootDn: OTHER_ROOT_DN,
    copyTo(dest, own) {
      for (const sub of ['x509', 'x509ca', 'x509crl', 'private']) {
        mkdirSync(path.join(dest, sub), { recursive: true });
        for (const file of readdirSync(f(sub))) {
          if ((sub === 'x509' || sub === 'private') && !file.startsWith(own)) continue;
          copyFileSync(f(sub, file), path.join(dest, sub, file));
        }
      }
    },
  };
}
