/**
 * The VICI commands (issue 17) and what they need of the running daemon. daemon.ts builds the
 * ViciDaemonContext and calls registerViciCommands once the server listens:
 *   core.ts   version, stats, reload-settings, get-algorithms, get-counters, reset-counters, get-pools
 *   sa.ts     initiate, terminate, rekey, list-sas... (the SA commands)
 *   conns.ts  load-conn, unload-conn, get-conns, list-conns, load-shared... (configuration)
 */
import type { Config, ConnectionConfig, IkeSecret } from '../../../../ipsec/config/model.js';
import type { SignatureProvider } from '../../../../ipsec/crypto/signature-types.js';
import type { Clock } from '../../../../ipsec/util/clock.js';
import type { LoadedCredentials } from '../../credentials/load.js';
import type { ReloadableCredentials } from '../../credentials/reloadable.js';
import type { NativeHost } from '../../host.js';
import type { Logger } from '../../logger.js';
import type { ViciServer } from '../server-types.js';
import { registerConnCommands } from './conns.js';
import { registerCoreCommands } from './core.js';
import { registerSaCommands } from './sa.js';

/** What the VICI command handlers need of the daemon. */
export interface ViciDaemonContext {
  readonly host: NativeHost;
  readonly clock: Clock;
  readonly logger: Logger;
  /** When the daemon started (clock.now(), ms): `stats` uptime. */
  readonly startedAt: number;
  /** The configuration running now (the file's, with what VICI loaded/unloaded applied). */
  config(): Config;
  /** SIGHUP's work: loads the configuration file again, applied only without errors. */
  reload(): { ok: true; restart: string[] } | { ok: false; errors: string[] };
  /** The certificates, keys and CRLs loaded (absent: no credentials are used). */
  credentials?(): LoadedCredentials | undefined;
  /**
   * The daemon's reloadable credential store and the provider that imports keys, for what
   * load-cert/load-key add (undefined: the daemon loaded no credentials).
   */
  viciCredentials?():
    | { readonly credentials: ReloadableCredentials; readonly signatures: SignatureProvider }
    | undefined;
  /**
   * Adds connection `conn` to the running configuration, replacing one of the same name (new
   * IKE SAs use it; existing ones keep theirs). Returns the settings that need a restart to
   * take effect (e.g. a local address not bound yet); throws an Error with a one-line message
   * when the resulting configuration cannot be applied.
   */
  loadConnection(conn: ConnectionConfig): string[];
  /** Removes connection `name` from the running configuration; false if there is none. */
  unloadConnection(name: string): boolean;
  /** Adds a shared secret (IKE PSK), replacing one of the same name. */
  loadShared(secret: IkeSecret): void;
  /** Removes shared secret `name`; false if there is none. */
  unloadShared(name: string): boolean;
}

/**
 * Registers every command on `server`; returns what to call when the server closes (the
 * subscriptions the commands hold on the supervisor).
 */
export function registerViciCommands(server: ViciServer, ctx: ViciDaemonContext): () => void {
  // Each may return what undoes its subscriptions.
  const offs: unknown[] = [
    registerCoreCommands(server, ctx),
    registerSaCommands(server, ctx),
    registerConnCommands(server, ctx),
  ];
  return () => {
    for (const off of offs) if (typeof off === 'function') off();
  };
}
