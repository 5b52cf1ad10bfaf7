/**
 * The daemon (`ikev2 daemon`): loads the configuration (all errors, or nothing starts), starts
 * a native host (host.ts), the control socket (control.ts, daemon-commands.ts) and the
 * optional Wireshark key tables (save-keys.ts); initiates the children with
 * start_action (start, trap); logs the supervisor's events.
 *   SIGHUP          reload the file: checked first, kept running unchanged on errors
 *   SIGTERM/SIGINT  terminate every IKE SA (Deletes, once the supervisor sends them), close, exit 0
 * Start order: config -> inspection (--record file, --inspect server) -> sockets -> supervisor ->
 * control socket -> VICI socket; a failure on the way closes what was opened, so there is never a
 * half-started daemon. The inspector (and its web socket server), --save-keys and the VICI
 * server (daemon.vici / --vici) are imported only when configured (start RSS, issue 14).
 *
 * Connections and shared secrets loaded over VICI (swanctl --load-conns...) are kept apart from
 * the file's: a reload (SIGHUP, reload-settings) reads the file again and adds them on top (a
 * VICI-loaded connection replaces the file's of the same name); unloading one removes it from
 * the running configuration until the file is read again.
 */
import { existsSync, unlinkSync } from 'node:fs';
import type { Config, ConnectionConfig, IkeSecret } from '../../ipsec/config/model.js';
import type { CryptoProvider, RandomBytes } from '../../ipsec/crypto/types.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { type Clock, systemClock } from '../../ipsec/util/clock.js';
import type { InspectListen } from './cli.js';
import { loadConfigFile } from './config/load.js';
import { viciUri } from './config/values.js';
import { ControlError, type ControlServer, defaultSocketPath, startControlServer } from './control.js';
import {
  type DaemonCredentials,
  openCredentials,
  wantsCredentials,
} from './credentials/daemon-credentials.js';
import { nodeProvider } from './crypto/node-provider.js';
import { daemonCommands } from './daemon-commands.js';
import { type NativeHost, startNativeHost } from './host.js';
import type { DaemonInspection } from './inspector/run.js';
import type { Logger } from './logger.js';
import { waitGone } from './sa-control.js';
import type { SaveKeys } from './save-keys.js';
import type { NativeViciServer } from './vici/server.js';

export interface DaemonOptions {
  readonly configPath: string;
  readonly controlPath?: string;
  /** --vici: the VICI socket, a path or unix://PATH (overrides daemon.vici; '' = none). */
  readonly viciPath?: string;
  readonly saveKeysDir?: string;
  readonly logger: Logger;
  readonly provider?: CryptoProvider;
  readonly random?: RandomBytes;
  readonly clock?: Clock;
  /** --inspect: the statechart inspector's address, port, token, keys. */
  readonly inspect?: InspectListen;
  /** --record FILE [--record-keys]: the inspection stream as JSON Lines. */
  readonly record?: { readonly file: string; readonly keys: boolean };
  /** How long stop() waits for IKE SAs to be deleted (ms, default 3000). */
  readonly stopGraceMs?: number;
}

export class DaemonStartError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

export class Daemon {
  private stopping?: Promise<void>;
  private readonly offEvents: () => void;
  private vici: NativeViciServer | undefined;
  private offVici: (() => void) | undefined;
  /** Connections and secrets loaded over VICI, kept across reloads of the file. */
  private readonly viciConnections = new Map<string, ConnectionConfig>();
  private readonly viciSecrets = new Map<string, IkeSecret>();
  private readonly startedAt: number;

  private constructor(
    private readonly o: DaemonOptions,
    private config: Config,
    readonly host: NativeHost,
    readonly saveKeys: SaveKeys | undefined,
    private control: ControlServer | undefined,
    private readonly clock: Clock,
    readonly inspection: DaemonInspection | undefined,
    /** Certificates and keys (swanctl x509/, private/...), when a connection signs. */
    readonly credentials: DaemonCredentials | undefined,
  ) {
    this.offEvents = this.watch();
    this.startedAt = clock.now();
  }

  /** Starts the daemon, or rejects with a DaemonStartError listing every problem. */
  static async start(o: DaemonOptions): Promise<Daemon> {
    const loaded = loadConfigFile(o.configPath);
    if (!loaded.ok) throw new DaemonStartError(loaded.error.map((e) => e.message));
    const config = loaded.value;
    const clock = o.clock ?? systemClock;
    const creds = await openCredentials(o.configPath, config, o.provider ?? nodeProvider, {
      log: o.logger.child({ component: 'credentials' }),
      now: () => clock.now(),
    });
    if (!creds.ok) throw new DaemonStartError(creds.errors);
    const credentials = creds.value;
    const inspector = o.inspect || o.record ? await import('./inspector/run.js') : undefined;
    const source = inspector?.createInspectionHub(clock, inspector.wantsKeys(o));
    let inspection: DaemonInspection | undefined;
    try {
      if (inspector && source) inspection = await inspector.DaemonInspection.start(source, o, o.logger);
    } catch (e) {
      throw new DaemonStartError([e instanceof Error ? e.message : String(e)]);
    }
    let host: NativeHost;
    try {
      host = await startNativeHost({
        config,
        logger: o.logger,
        clock,
        ...(o.provider ? { provider: o.provider } : {}),
        ...(o.random ? { random: o.random } : {}),
        ...(source ? { inspection: source } : {}),
        ...(credentials ? { pubkey: credentials.pubkey } : {}),
      });
    } catch (e) {
      await inspection?.close();
      throw new DaemonStartError([
        `cannot bind the IKE ports: ${e instanceof Error ? e.message : String(e)}`,
      ]);
    }
    let saveKeys: SaveKeys | undefined;
    try {
      if (o.saveKeysDir)
        saveKeys = new (await import('./save-keys.js')).SaveKeys(
          o.saveKeysDir,
          o.logger.child({ component: 'save-keys' }),
          { clock },
        );
    } catch (e) {
      await host.close();
      await inspection?.close();
      throw new DaemonStartError([
        `--save-keys ${o.saveKeysDir}: ${e instanceof Error ? e.message : String(e)}`,
      ]);
    }
    const daemon = new Daemon(o, config, host, saveKeys, undefined, clock, inspection, credentials);
    const controlPath = o.controlPath ?? defaultSocketPath();
    try {
      daemon.control = await startControlServer(
        controlPath,
        daemonCommands({
          host,
          clock,
          config: () => daemon.config,
          reload: () => daemon.reloadOrThrow(),
          credentials: () => daemon.credentials?.credentials.current(),
        }),
        o.logger.child({ component: 'control' }),
      );
    } catch (e) {
      await daemon.closeHost();
      await inspection?.close();
      throw new DaemonStartError([
        `control socket ${controlPath}: ${e instanceof Error ? e.message : String(e)}`,
      ]);
    }
    const vici = daemon.viciSocket();
    if (vici.error !== undefined) {
      await daemon.control?.close();
      await daemon.closeHost();
      await inspection?.close();
      throw new DaemonStartError([vici.error]);
    }
    if (vici.path) {
      try {
        await daemon.startVici(vici.path);
      } catch (e) {
        await daemon.control?.close();
        await daemon.closeHost();
        await inspection?.close();
        throw new DaemonStartError([
          `vici socket ${vici.path}: ${e instanceof Error ? e.message : String(e)}`,
        ]);
      }
    }
    o.logger.info(
      { control: controlPath, ...(vici.path ? { vici: vici.path } : {}), config: o.configPath },
      'daemon started',
    );
    daemon.startChildren();
    return daemon;
  }

  get controlPath(): string | undefined {
    return this.control?.path;
  }

  /** The VICI socket's path (undefined: no VICI server). */
  get viciPath(): string | undefined {
    return this.vici?.path;
  }

  /** The VICI server (counters, clients), when one runs. */
  get viciServer(): NativeViciServer | undefined {
    return this.vici;
  }

  /** --vici, else daemon.vici: the socket path ('' = none), or why the flag's value is wrong. */
  private viciSocket(): { path: string; error?: undefined } | { path?: undefined; error: string } {
    if (this.o.viciPath === undefined) return { path: this.config.daemon.vici };
    const r = viciUri(this.o.viciPath);
    return r.ok ? { path: r.value } : { error: `--vici ${this.o.viciPath}: ${r.error.detail}` };
  }

  private async startVici(path: string): Promise<void> {
    const { startViciServer } = await import('./vici/server.js');
    const { registerViciCommands } = await import('./vici/commands/index.js');
    const logger = this.o.logger.child({ component: 'vici' });
    const server = await startViciServer({ path, logger });
    this.vici = server;
    try {
      this.offVici = registerViciCommands(server, {
        host: this.host,
        clock: this.clock,
        logger,
        startedAt: this.startedAt,
        config: () => this.config,
        reload: () => this.reload(),
        credentials: () => this.credentials?.credentials.current(),
        viciCredentials: () => {
          const signatures = (this.o.provider ?? nodeProvider).signatures;
          return this.credentials && signatures
            ? { credentials: this.credentials.credentials, signatures }
            : undefined;
        },
        loadConnection: (conn) => this.loadConnection(conn),
        unloadConnection: (name) => this.unloadConnection(name),
        loadShared: (secret) => this.loadShared(secret),
        unloadShared: (name) => this.unloadShared(name),
      });
    } catch (e) {
      this.vici = undefined;
      await server.close();
      throw e;
    }
  }

  /** `config` with the VICI-loaded connections and secrets on top (they replace same names). */
  private withViciLoaded(config: Config): Config {
    if (this.viciConnections.size === 0 && this.viciSecrets.size === 0) return config;
    return {
      ...config,
      connections: [
        ...config.connections.filter((c) => !this.viciConnections.has(c.name)),
        ...this.viciConnections.values(),
      ],
      secrets: [...config.secrets.filter((s) => !this.viciSecrets.has(s.name)), ...this.viciSecrets.values()],
    };
  }

  /** Runs `config` from now on (new IKE SAs); returns the settings that need a restart. */
  private apply(config: Config): string[] {
    this.config = config;
    return this.host.reload(config);
  }

  /** VICI load-conn: adds or replaces connection `conn.name` in the running configuration. */
  loadConnection(conn: ConnectionConfig): string[] {
    this.viciConnections.set(conn.name, conn);
    const restart = this.apply({
      ...this.config,
      connections: [...this.config.connections.filter((c) => c.name !== conn.name), conn],
    });
    this.o.logger.info(
      { connection: conn.name, ...(restart.length ? { restart } : {}) },
      'connection loaded',
    );
    return restart;
  }

  /** VICI unload-conn: removes connection `name` (its IKE SAs stay up). */
  unloadConnection(name: string): boolean {
    const had = this.viciConnections.delete(name);
    if (!this.config.connections.some((c) => c.name === name)) return had;
    this.apply({ ...this.config, connections: this.config.connections.filter((c) => c.name !== name) });
    this.o.logger.info({ connection: name }, 'connection unloaded');
    return true;
  }

  /** VICI load-shared: adds or replaces shared secret `secret.name`. */
  loadShared(secret: IkeSecret): void {
    this.viciSecrets.set(secret.name, secret);
    this.apply({
      ...this.config,
      secrets: [...this.config.secrets.filter((s) => s.name !== secret.name), secret],
    });
  }

  /** VICI unload-shared: removes shared secret `name`. */
  unloadShared(name: string): boolean {
    const had = this.viciSecrets.delete(name);
    if (!this.config.secrets.some((s) => s.name === name)) return had;
    this.apply({ ...this.config, secrets: this.config.secrets.filter((s) => s.name !== name) });
    return true;
  }

  private watch(): () => void {
    const log = this.o.logger;
    return this.host.supervisor.on((e) => {
      const h = e.handle;
      const base = { ike: h.uniqueid, name: h.name, remote: h.remote };
      switch (e.type) {
        case 'ike-established': {
          const s = h.actor.getSnapshot().context.session;
          log.info(
            { ...base, spiI: toHex(s.spiI), spiR: toHex(s.spiR), initiator: h.initiator },
            'IKE SA established',
          );
          break;
        }
        case 'child-installed':
          log.info(
            {
              ...base,
              child: e.child.record.config.name,
              childId: e.child.uniqueid,
              spiIn: toHex(e.child.record.spiIn),
              spiOut: toHex(e.child.record.spiOut),
            },
            'CHILD SA installed',
          );
          break;
        case 'ike-failed':
          log.warn({ ...base, reason: h.failure?.reason, notify: h.failure?.notify }, 'IKE SA failed');
          break;
        case 'ike-closed':
          log.info(base, 'IKE SA closed');
          break;
        case 'child-removed':
          log.info(
            {
              ...base,
              child: e.child.record.config.name,
              childId: e.child.uniqueid,
              spiIn: toHex(e.child.record.spiIn),
            },
            'CHILD SA removed',
          );
          break;
        case 'ike-rekeyed':
          log.info({ ...base, old: e.old.uniqueid }, 'IKE SA rekeyed');
          break;
      }
      this.saveKeys?.event(e); // O(1): appends what came up, marks what went
    });
  }

  /**
   * start_action (swanctl.conf): `start` initiates each connection once and adds its further
   * children with CREATE_CHILD_SA; `trap` installs policies whose first packet negotiates.
   */
  private startChildren(): void {
    try {
      this.host.supervisor.start();
    } catch (e) {
      this.o.logger.warn({ err: e }, 'start_action: cannot initiate');
    }
  }

  private reloadOrThrow(): { restart: string[] } {
    const r = this.reload();
    if (!r.ok)
      throw new ControlError(
        `configuration has ${r.errors.length} error(s), kept the running one: ${r.errors[0] ?? ''}`,
      );
    return { restart: r.restart };
  }

  /** SIGHUP: loads the file again; applies it only if it has no errors. */
  reload(): { ok: true; restart: string[] } | { ok: false; errors: string[] } {
    const log = this.o.logger;
    const loaded = loadConfigFile(this.o.configPath);
    if (!loaded.ok) {
      const errors = loaded.error.map((e) => e.message);
      for (const message of errors) log.error({ error: message }, 'reload: configuration error');
      log.warn({ errors: errors.length }, 'reload failed: keeping the running configuration');
      return { ok: false, errors };
    }
    const creds = this.credentials?.credentials.reload(loaded.value);
    if (creds && creds.errors.length > 0) {
      const errors = [...creds.errors];
      for (const message of errors) log.error({ error: message }, 'reload: credential error');
      log.warn({ errors: errors.length }, 'reload failed: keeping the running configuration');
      return { ok: false, errors };
    }
    const restart = this.apply(this.withViciLoaded(loaded.value));
    if (!this.credentials && wantsCredentials(this.o.configPath, loaded.value))
      restart.push('certificates (none were loaded at start)');
    if (restart.length) log.warn({ settings: restart }, 'reload: these settings need a restart');
    log.info({ connections: loaded.value.connections.map((c) => c.name) }, 'configuration reloaded');
    return { ok: true, restart };
  }

  /** Terminates every IKE SA, waits for them (bounded), closes everything. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const sup = this.host.supervisor;
      const handles = [...sup.ikeSas];
      for (const h of handles) sup.terminate(h.uniqueid);
      const left = await waitGone(sup, handles, this.o.stopGraceMs ?? 3000, this.clock);
      if (left.length)
        this.o.logger.warn({ ike: left.map((h) => h.uniqueid) }, 'closing IKE SAs not yet deleted');
      this.offVici?.();
      await this.vici?.close();
      await this.control?.close();
      await this.closeHost();
      this.saveKeys?.close(); // drops the rows gone for keepGoneMs; the others stay for captures
      await this.inspection?.close();
      this.o.logger.info({}, 'daemon stopped');
    })();
    return this.stopping;
  }

  private async closeHost(): Promise<void> {
    this.offEvents();
    await this.host.close();
    const path = this.control?.path;
    if (path && existsSync(path)) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }

  /** Installs SIGHUP/SIGTERM/SIGINT handlers; resolves with the exit code once stopped. */
  runUntilSignalled(): Promise<number> {
    return new Promise((resolve) => {
      const hup = () => void this.reload();
      const term = (signal: NodeJS.Signals) => {
        if (this.stopping) {
          resolve(1); // a second signal: give up waiting
          return;
        }
        this.o.logger.info({ signal }, 'shutting down');
        void this.stop().then(() => {
          process.off('SIGHUP', hup);
          process.off('SIGTERM', term);
          process.off('SIGINT', term);
          resolve(0);
        });
      };
      process.on('SIGHUP', hup);
      process.on('SIGTERM', term);
      process.on('SIGINT', term);
    });
  }
}
