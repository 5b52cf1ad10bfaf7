/**
 * The daemon's credentials: loaded from the swanctl directory next to the configuration file
 * when a connection signs (auth = pubkey...) or one of the credential directories exists, then
 * handed to the supervisor as its `pubkey` authentication (ipsec/ike/exchange/auth-signature.ts).
 * The loader and the X.509 code are imported only then (start RSS, issue 14).
 */
import type { Config } from '../../../ipsec/config/model.js';
import type { CryptoProvider } from '../../../ipsec/crypto/types.js';
import type { PubkeyAuth } from '../../../ipsec/ike/exchange/auth-signature.js';
import { credentialDir, hasCredentialDirs } from './layout.js';
import type { LoadOptions } from './load.js';
import type { ReloadableCredentials } from './reloadable.js';

export interface DaemonCredentials {
  readonly dir: string;
  readonly credentials: ReloadableCredentials;
  readonly pubkey: PubkeyAuth;
}

export const signs = (config: Pick<Config, 'connections'>): boolean =>
  config.connections.some((c) => c.local.auth === 'pubkey' || c.remote.auth === 'pubkey');

/** Credentials are loaded when a connection signs or the directory has credential folders. */
export const wantsCredentials = (configPath: string, config: Pick<Config, 'connections'>): boolean =>
  signs(config) || hasCredentialDirs(credentialDir(configPath));

/**
 * Loads the credentials for `config` (read from `configPath`): undefined when none are wanted,
 * else the store and its supervisor hook, or the errors (files connections name that are missing
 * or broken; a provider without signatures). Warnings go to `o.log`.
 */
export async function openCredentials(
  configPath: string,
  config: Config,
  provider: CryptoProvider,
  o: LoadOptions,
): Promise<{ ok: true; value: DaemonCredentials | undefined } | { ok: false; errors: string[] }> {
  if (!wantsCredentials(configPath, config)) return { ok: true, value: undefined };
  const signatures = provider.signatures;
  if (!signatures)
    return signs(config)
      ? {
          ok: false,
          errors: [`crypto provider ${provider.name} has no signatures: auth = pubkey is not available`],
        }
      : { ok: true, value: undefined };
  const dir = credentialDir(configPath);
  const [{ reloadableCredentials }, { createPubkeyAuth }] = await Promise.all([
    import('./reloadable.js'),
    import('../../../ipsec/ike/exchange/auth-signature.js'),
  ]);
  const credentials = reloadableCredentials(dir, config, signatures, o);
  const errors = credentials.current().errors;
  if (errors.length > 0) return { ok: false, errors: errors.map((e) => `${configPath}: ${e}`) };
  return { ok: true, value: { dir, credentials, pubkey: createPubkeyAuth(provider, credentials.store) } };
}
