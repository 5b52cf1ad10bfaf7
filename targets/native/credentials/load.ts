/**
 * Loads the swanctl credential directories (layout.ts) into a CredentialStore for IKE_AUTH
 * (ipsec/ike/credential-store.ts does the lookups), and keeps what was loaded for list-certs.
 *
 * Every file of every directory is read; a file that cannot be read or parsed is a warning naming
 * it (the daemon still starts: one broken certificate must not take every connection down). A file
 * a connection names (`certs`, `cacerts`, `pubkeys`) that is missing or broken is an error: that
 * connection could never authenticate. Encrypted private keys take their passphrase from
 * `secrets.private<suffix>` (rsa, ecdsa, pkcs8) whose `file` is the key file.
 */
import type { AuthRound, Config } from '../../../ipsec/config/model.js';
import type { PrivateKey, PublicKey, SignatureProvider } from '../../../ipsec/crypto/signature-types.js';
import { createCredentialStore } from '../../../ipsec/ike/credential-store.js';
import type { CredentialStore } from '../../../ipsec/ike/credentials.js';
import type { Result } from '../../../ipsec/result.js';
import { equalBytes } from '../../../ipsec/util/bytes.js';
import type { Certificate, Crl } from '../../../ipsec/x509/types.js';
import { decodeCertificates, decodeCrls, decodePrivateKey, decodePublicKey } from './decode.js';
import {
  CA_DIR,
  CERT_DIR,
  CRL_DIR,
  displayName,
  KEY_DIRS,
  listDir,
  PUBKEY_DIR,
  readCredentialFile,
  resolveIn,
} from './layout.js';

export interface LoadedCertificate {
  /** x509/ (end entity) or x509ca/ (CA). */
  readonly kind: 'end-entity' | 'ca';
  /** The name connections use: relative to its directory, or absolute as configured. */
  readonly name: string;
  /** The file, relative to the swanctl directory when inside it. */
  readonly file: string;
  readonly cert: Certificate;
  /** The certificate's key as the provider reads it (absent: a key type it cannot import). */
  readonly publicKey?: PublicKey;
  /** We hold the private key of this certificate. */
  readonly hasPrivateKey: boolean;
}

export interface LoadedCrl {
  readonly file: string;
  readonly crl: Crl;
}

export interface LoadedCredentials {
  readonly store: CredentialStore;
  readonly certificates: readonly LoadedCertificate[];
  readonly crls: readonly LoadedCrl[];
  readonly keys: readonly { readonly file: string; readonly key: PrivateKey }[];
  readonly pubkeys: readonly { readonly name: string; readonly file: string; readonly key: PublicKey }[];
  /** Files skipped (each names its file); the rest is loaded. */
  readonly warnings: readonly string[];
  /** Files a connection names that are missing or broken: the configuration cannot work. */
  readonly errors: readonly string[];
}

/** The daemon's logger, or anything with its warn(). */
export interface WarnLog {
  warn(fields: object, message: string): void;
}

export interface LoadOptions {
  readonly log?: WarnLog;
  /** The clock for validity checks (ms since the epoch; default Date.now). */
  readonly now?: () => number;
}

const ROUND_FILES = [
  ['certs', CERT_DIR],
  ['cacerts', CA_DIR],
  ['pubkeys', PUBKEY_DIR],
] as const;

/** Reads the credential directories of `dir` for `config`. Never throws. */
export function loadCredentials(
  dir: string,
  config: Pick<Config, 'connections' | 'privateKeySecrets'>,
  provider: SignatureProvider,
  o: LoadOptions = {},
): LoadedCredentials {
  const warnings: string[] = [];
  const errors: string[] = [];
  /** Why each file that failed did (by path): named files turn this into an error. */
  const failed = new Map<string, string>();
  const shown = (path: string) => displayName(dir, path);
  const load = <T>(path: string, decode: (b: Uint8Array) => Result<T, string>): T | undefined => {
    const f = readCredentialFile(path);
    const r = f.ok ? decode(f.bytes) : undefined;
    if (r?.ok) return r.value;
    const problem = f.ok ? (r && !r.ok ? r.error : '') : f.problem;
    failed.set(path, problem);
    if (!(f.ok === false && f.missing)) warnings.push(`${shown(path)}: ${problem}: skipped`);
    return undefined;
  };

  // Files the configuration names outside the directories (absolute paths) are read too.
  const named = (key: 'certs' | 'cacerts' | 'pubkeys', sub: string) => [
    ...new Set(
      config.connections.flatMap((c) =>
        [c.local, c.remote]
          .flatMap((r: AuthRound) => r[key] ?? [])
          .filter((n) => resolveIn(dir, sub, n) === n),
      ),
    ),
  ];
  const files = (sub: string, key?: 'certs' | 'cacerts' | 'pubkeys') => [
    ...listDir(dir, sub),
    ...(key ? named(key, sub).map((n) => ({ name: n, path: n })) : []),
  ];

  const certMaps = { 'end-entity': new Map<string, Certificate>(), ca: new Map<string, Certificate>() };
  const certFiles: { kind: 'end-entity' | 'ca'; name: string; path: string; cert: Certificate }[] = [];
  for (const [kind, sub, key] of [
    ['end-entity', CERT_DIR, 'certs'],
    ['ca', CA_DIR, 'cacerts'],
  ] as const) {
    for (const { name, path } of files(sub, key)) {
      const certs = load(path, decodeCertificates);
      // A file of several certificates: the first answers to its name, all are loaded.
      for (const [i, cert] of (certs ?? []).entries()) {
        const n = i === 0 ? name : `${name}#${i + 1}`;
        certMaps[kind].set(n, cert);
        certFiles.push({ kind, name: n, path, cert });
      }
    }
  }

  const crls: LoadedCrl[] = [];
  for (const { path } of files(CRL_DIR))
    for (const crl of load(path, decodeCrls) ?? []) crls.push({ file: shown(path), crl });

  const pubkeys: LoadedCredentials['pubkeys'][number][] = [];
  for (const { name, path } of files(PUBKEY_DIR, 'pubkeys')) {
    const key = load(path, (b) => decodePublicKey(b, provider));
    if (key) pubkeys.push({ name, file: shown(path), key });
  }

  // Private keys: every file of the key directories, plus files named only in secrets.
  const passphrases = new Map<string, string | undefined>();
  for (const s of config.privateKeySecrets ?? []) passphrases.set(resolveIn(dir, s.kind, s.file), s.secret);
  const keyPaths = new Set(KEY_DIRS.flatMap((d) => listDir(dir, d).map((f) => f.path)));
  for (const path of passphrases.keys()) {
    if (keyPaths.has(path)) continue;
    keyPaths.add(path);
    const f = readCredentialFile(path);
    if (!f.ok && f.missing) warnings.push(`${shown(path)}: named in secrets, but no such file`);
  }
  const keys: { file: string; key: PrivateKey }[] = [];
  for (const path of [...keyPaths].sort()) {
    const key = load(path, (b) => decodePrivateKey(b, provider, passphrases.get(path)));
    if (key) keys.push({ file: shown(path), key });
  }

  const holds = (spki: Uint8Array) => keys.some((k) => equalBytes(k.key.publicKey.spki, spki));
  const certificates: LoadedCertificate[] = certFiles.map(({ kind, name, path, cert }) => {
    const pub = provider.importPublicKey(cert.spki);
    return {
      kind,
      name,
      file: shown(path),
      cert,
      ...(pub.ok ? { publicKey: pub.value } : {}),
      hasPrivateKey: holds(cert.spki),
    };
  });

  // What connections name must be there.
  const maps = {
    certs: certMaps['end-entity'],
    cacerts: certMaps.ca,
    pubkeys: new Map(pubkeys.map((p) => [p.name, p])),
  };
  for (const conn of config.connections) {
    for (const side of ['local', 'remote'] as const) {
      const round = conn[side];
      for (const [key, sub] of ROUND_FILES) {
        for (const name of round[key] ?? []) {
          if (maps[key].has(name)) continue;
          const path = resolveIn(dir, sub, name);
          errors.push(
            `connections.${conn.name}.${side}.${key}: ${shown(path)}: ${failed.get(path) ?? 'no such file'}`,
          );
        }
      }
      if (side === 'local' && round.auth === 'pubkey') {
        for (const name of round.certs ?? []) {
          const cert = certMaps['end-entity'].get(name);
          if (cert && !holds(cert.spki))
            warnings.push(
              `connections.${conn.name}.local.certs: no private key for ${shown(resolveIn(dir, CERT_DIR, name))} (in ${KEY_DIRS.map((d) => `${d}/`).join(', ')})`,
            );
        }
      }
    }
  }

  for (const w of warnings) o.log?.warn({ credentials: dir }, w);
  const store = createCredentialStore({
    certs: certMaps['end-entity'],
    cacerts: certMaps.ca,
    pubkeys: new Map(pubkeys.map((p) => [p.name, p.key])),
    crls: crls.map((c) => c.crl),
    keys: keys.map((k) => k.key),
    now: o.now ?? (() => Date.now()),
  });
  return { store, certificates, crls, keys, pubkeys, warnings, errors };
}
