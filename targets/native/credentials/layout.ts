/**
 * The swanctl directory layout (swanctl(8) FILES), next to the configuration file:
 *   x509/     end-entity certificates        x509ca/   CA certificates      x509crl/  CRLs
 *   private/ rsa/ ecdsa/ pkcs8/   private keys                              pubkey/   raw public keys
 * A file name in the configuration (`certs`, `cacerts`, `pubkeys`, `secrets.private*.file`) is
 * relative to the directory of its kind, or absolute. Top-level files only, as swanctl.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { PrivateKeyKind } from '../../../ipsec/config/model.js';

export const CERT_DIR = 'x509';
export const CA_DIR = 'x509ca';
export const CRL_DIR = 'x509crl';
export const PUBKEY_DIR = 'pubkey';
/** Private key directories, named as their `secrets` section types. */
export const KEY_DIRS: readonly PrivateKeyKind[] = ['private', 'rsa', 'ecdsa', 'pkcs8'];
export const CREDENTIAL_DIRS: readonly string[] = [CERT_DIR, CA_DIR, CRL_DIR, PUBKEY_DIR, ...KEY_DIRS];

/** Larger files are not credentials (a certificate is a few kB). */
export const MAX_CREDENTIAL_FILE = 1024 * 1024;

/** The swanctl directory of a configuration file: the directory it is in. */
export const credentialDir = (configPath: string): string => dirname(resolve(configPath));

/** True if `dir` has one of the credential directories. */
export function hasCredentialDirs(dir: string): boolean {
  return CREDENTIAL_DIRS.some((d) => {
    try {
      return statSync(join(dir, d)).isDirectory();
    } catch {
      return false;
    }
  });
}

/** The path of `name` (as configured) in directory `sub` of `dir`. */
export const resolveIn = (dir: string, sub: string, name: string): string =>
  isAbsolute(name) ? name : join(dir, sub, name);

/** How a file is named in messages: relative to the swanctl directory when inside it. */
export function displayName(dir: string, path: string): string {
  const r = relative(dir, path);
  return r.startsWith('..') || isAbsolute(r) ? path : r;
}

export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; missing: boolean; problem: string };

/** A credential file's octets, or why not. */
export function readCredentialFile(path: string): ReadResult {
  try {
    const st = statSync(path);
    if (!st.isFile()) return { ok: false, missing: false, problem: 'not a regular file' };
    if (st.size > MAX_CREDENTIAL_FILE)
      return { ok: false, missing: false, problem: `larger than ${MAX_CREDENTIAL_FILE} octets` };
    return { ok: true, bytes: new Uint8Array(readFileSync(path)) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return { ok: false, missing: true, problem: 'no such file' };
    return { ok: false, missing: false, problem: e instanceof Error ? e.message : String(e) };
  }
}

/** The file names in `dir/sub` (sorted; none when it does not exist), with their full paths. */
export function listDir(dir: string, sub: string): { name: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, sub));
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .map((name) => ({ name, path: join(dir, sub, name) }))
    .filter(({ path }) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    });
}
