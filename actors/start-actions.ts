/**
 * start_action (swanctl.conf) and acquires (RFC 4301 §5.1): `start` initiates a connection's
 * first child and adds the others with CREATE_CHILD_SA once the IKE SA is up; `trap` installs
 * PROTECT policies whose first packet raises an acquire, answered by negotiating the child on
 * its IKE SA if one is up, else by initiating one.
 */
import type { ChildConfig, Config, ConnectionConfig } from '../ipsec/config/model.js';
import { resolveTs } from '../ipsec/ike/exchange/child.js';
import type { IpsecBackend } from './ipsec-backend.js';
import type { IkeSaHandle, SupervisorEvent, SupervisorLogger } from './supervisor-types.js';

function firstOf<T>(items: Iterable<T>, test: (x: T) => boolean): T | undefined {
  for (const x of items) if (test(x)) return x;
  return undefined;
}

/** What start actions need of the supervisor. */
export interface SupervisorApi {
  /** The live IKE SAs of connection `name`, in spawn order (an index, no scan). */
  ikeSasNamed(name: string): Iterable<IkeSaHandle>;
  initiate(connection: string, child?: string): IkeSaHandle;
  createChild(ike: number | string, child: string): number;
  on(listener: (e: SupervisorEvent) => void): () => void;
}

export interface StartActionsOptions {
  readonly config: Config;
  readonly backend: IpsecBackend;
  readonly logger?: SupervisorLogger;
  /** A fresh reqid (shared numbering with the negotiated Child SAs). */
  readonly newReqid: (key: string) => number;
}

export class StartActions {
  /** connection/child -> reqid of its trap policies. */
  private readonly trapReqids = new Map<string, number>();
  /** The reqids of trap policies, for isTrapped on every Child SA removal. */
  private readonly trapped = new Set<number>();

  constructor(
    private readonly sup: SupervisorApi,
    private readonly o: StartActionsOptions,
  ) {}

  trapReqid(connection: string, child: string): number | undefined {
    return this.trapReqids.get(`${connection}/${child}`);
  }

  isTrapped(reqid: number): boolean {
    return this.trapped.has(reqid);
  }

  start(): void {
    for (const conn of this.o.config.connections) {
      for (const child of conn.children) {
        if (child.start_action === 'start') this.startChild(conn, child);
        else if (child.start_action === 'trap') this.trap(conn, child);
      }
    }
  }

  /**
   * dpd_action / close_action (supervisor.ts afterLoss): traps or negotiates `child` of
   * `connection` again, from the configuration as it is now (it may have been reloaded).
   */
  restore(connection: string, child: string, how: 'trap' | 'start'): void {
    const conn = this.o.config.connections.find((c) => c.name === connection);
    const config = conn?.children.find((c) => c.name === child);
    if (!conn || !config) {
      this.o.logger?.info({ connection, child }, 'cannot restore: no longer configured');
      return;
    }
    if (how === 'trap') this.trap(conn, config);
    else this.startChild(conn, config);
  }

  /** Negotiates `child`: on the connection's IKE SA if there is one, else with a new IKE SA. */
  private startChild(conn: ConnectionConfig, child: ChildConfig): void {
    const h = firstOf(this.sup.ikeSasNamed(conn.name), (x) => x.state !== 'DESTROYED');
    if (!h) {
      try {
        this.sup.initiate(conn.name, child.name);
      } catch (e) {
        this.o.logger?.warn({ connection: conn.name, error: String(e) }, 'start_action: cannot initiate');
      }
    } else if (h.state === 'ESTABLISHED') this.sup.createChild(h.uniqueid, child.name);
    else {
      // It follows in CREATE_CHILD_SA once the IKE SA is up.
      const off = this.sup.on((e) => {
        if (
          e.handle !== h ||
          (e.type !== 'ike-established' && e.type !== 'ike-failed' && e.type !== 'ike-closed')
        )
          return;
        off();
        if (e.type === 'ike-established') this.sup.createChild(h.uniqueid, child.name);
      });
    }
  }

  private trap(conn: ConnectionConfig, child: ChildConfig): void {
    const key = `${conn.name}/${child.name}`;
    if (this.trapReqids.has(key)) return;
    const local = { address: conn.local_addrs[0] ?? '0.0.0.0', port: conn.local_port };
    const remote = { address: conn.remote_addrs[0] ?? '', port: conn.remote_port };
    const localTs = resolveTs(child.local_ts, local);
    const remoteTs = resolveTs(child.remote_ts, remote);
    if (!localTs.ok || !remoteTs.ok) {
      this.o.logger?.warn({ connection: conn.name, child: child.name }, 'trap: unusable traffic selectors');
      return;
    }
    const reqid = this.o.newReqid(`trap:${key}`);
    this.trapReqids.set(key, reqid);
    this.trapped.add(reqid);
    for (const direction of ['out', 'in'] as const)
      this.o.backend.addPolicy({
        direction,
        action: 'PROTECT',
        reqid,
        localTs: localTs.value,
        remoteTs: remoteTs.value,
        mode: child.mode,
        ...(direction === 'out' ? { offer: { connection: conn.name, child: child.name } } : {}),
      });
  }

  /** An acquire (RFC 4301 §5.1): negotiate the trapped child, on its IKE SA if one is up. */
  acquire(connection: string, child: string, reqid: number): void {
    const existing = firstOf(this.sup.ikeSasNamed(connection), () => true);
    if (existing?.state === 'ESTABLISHED') {
      if (!existing.children.some((c) => c.reqid === reqid)) this.sup.createChild(connection, child);
      return;
    }
    if (existing) return; // being negotiated
    try {
      const h = this.sup.initiate(connection, child);
      const off = this.sup.on((e) => {
        if (e.type === 'ike-failed' && e.handle === h) {
          this.o.backend.acquireFailed({ reqid });
          off();
        } else if (e.type === 'ike-established' && e.handle === h) off();
      });
    } catch (e) {
      this.o.logger?.warn({ connection, error: String(e) }, 'acquire: cannot initiate');
      this.o.backend.acquireFailed({ reqid });
    }
  }
}
