/**
 * Credentials the daemon can reload (SIGHUP, `ikev2 reload`): one CredentialStore handed to the
 * supervisor once, whose lookups go to the credentials loaded last. IKE SAs being authenticated
 * read the store again on each lookup, so a reload applies to the next IKE_AUTH.
 */
import type { Config } from '../../../ipsec/config/model.js';
import type { PrivateKey, PublicKey, SignatureProvider } from '../../../ipsec/crypto/signature-types.js';
import { createCredentialStore } from '../../../ipsec/ike/credential-store.js';
import type { CredentialStore } from '../../../ipsec/ike/credentials.js';
import type { Certificate, Crl } from '../../../ipsec/x509/types.js';
import { type LoadedCredentials, type LoadOptions, loadCredentials } from './load.js';

/**
 * Credentials loaded over VICI (load-cert, load-key, and the certs/cacerts/pubkeys contents of
 * load-conn), looked up together with the directory's; a reload of the directory keeps them.
 */
export interface ExtraCredentials {
  readonly certs: ReadonlyMap<string, Certificate>;
  readonly cacerts: ReadonlyMap<string, Certificate>;
  readonly pubkeys: ReadonlyMap<string, PublicKey>;
  readonly crls: readonly Crl[];
  readonly keys: readonly PrivateKey[];
}

export interface ReloadableCredentials {
  /** The store to give the supervisor: always answers from the current credentials. */
  readonly store: CredentialStore;
  /** What was loaded last (list-certs). */
  current(): LoadedCredentials;
  /**
   * Loads the directory again for `config`. With errors the current credentials stay (as a
   * configuration with errors is not applied) and the errors are returned.
   */
  reload(config: Pick<Config, 'connections' | 'privateKeySecrets'>): LoadedCredentials;
  /** Replaces the credentials loaded over VICI (looked up after the directory's). */
  setExtra(extra: ExtraCredentials | undefined): void;
}

/** A store over the directory's credentials and the extra ones. */
function combined(loaded: LoadedCredentials, extra: ExtraCredentials, now: () => number): CredentialStore {
  const named = (kind: 'end-entity' | 'ca', more: ReadonlyMap<string, Certificate>) =>
    new Map([
      ...more,
      ...loaded.certificates.filter((c) => c.kind === kind).map((c) => [c.name, c.cert] as const),
    ]);
  return createCredentialStore({
    certs: named('end-entity', extra.certs),
    cacerts: named('ca', extra.cacerts),
    pubkeys: new Map([...extra.pubkeys, ...loaded.pubkeys.map((p) => [p.name, p.key] as const)]),
    crls: [...loaded.crls.map((c) => c.crl), ...extra.crls],
    keys: [...loaded.keys.map((k) => k.key), ...extra.keys],
    now,
  });
}

export function reloadableCredentials(
  dir: string,
  config: Pick<Config, 'connections' | 'privateKeySecrets'>,
  provider: SignatureProvider,
  o: LoadOptions = {},
): ReloadableCredentials {
  let loaded = loadCredentials(dir, config, provider, o);
  let extra: ExtraCredentials | undefined;
  let merged: CredentialStore | undefined; // loaded + extra, rebuilt when either changes
  const s = () => {
    if (!extra) return loaded.store;
    if (!merged) merged = combined(loaded, extra, o.now ?? (() => Date.now()));
    return merged;
  };
  const store: CredentialStore = {
    local: (conn, round, id) => s().local(conn, round, id),
    locals: (conn, round, id) => s().locals(conn, round, id),
    trustAnchors: (conn, round) => s().trustAnchors(conn, round),
    intermediates: () => s().intermediates(),
    pinnedCerts: (conn, round) => s().pinnedCerts(conn, round),
    pinnedKeys: (conn, round) => s().pinnedKeys(conn, round),
    crls: () => s().crls(),
    now: () => s().now(),
  };
  return {
    store,
    current: () => loaded,
    reload(next) {
      const r = loadCredentials(dir, next, provider, o);
      if (r.errors.length === 0) {
        loaded = r;
        merged = undefined;
      }
      return r;
    },
    setExtra(next) {
      extra = next;
      merged = undefined;
    },
  };
}
