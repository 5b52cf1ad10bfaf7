/**
 * Credentials the daemon can reload (SIGHUP, `ikev2 reload`): one CredentialStore handed to the
 * supervisor once, whose lookups go to the credentials loaded last. IKE SAs being authenticated
 * read the store again on each lookup, so a reload applies to the next IKE_AUTH.
 */
import type { Config } from '../../../ipsec/config/model.js';
import type { SignatureProvider } from '../../../ipsec/crypto/signature-types.js';
import type { CredentialStore } from '../../../ipsec/ike/credentials.js';
import { type LoadedCredentials, type LoadOptions, loadCredentials } from './load.js';

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
}

export function reloadableCredentials(
  dir: string,
  config: Pick<Config, 'connections' | 'privateKeySecrets'>,
  provider: SignatureProvider,
  o: LoadOptions = {},
): ReloadableCredentials {
  let loaded = loadCredentials(dir, config, provider, o);
  const s = () => loaded.store;
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
      if (r.errors.length === 0) loaded = r;
      return r;
    },
  };
}
