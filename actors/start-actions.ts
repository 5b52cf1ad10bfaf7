/**
 * start_action (swanctl.conf): `start` initiates a connection's first child and adds the others
 * with CREATE_CHILD_SA once the IKE SA is up; `trap` installs PROTECT policies whose first
 * packet raises an acquire (RFC 4301 §5.1; trap-policies.ts).
 */
import type { ChildConfig, Config, ConnectionConfig } from '../ipsec/config/model.js';
import type { Result } from '../ipsec/result.js';
import type { IpsecBackend } from './ipsec-backend.js';
import type { IkeSaHandle, SupervisorEvent, SupervisorLogger } from './supervisor-types.js';
import { TrapPolicies } from './trap-policies.js';

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
  private readonly traps: TrapPolicies;

  constructor(
    private readonly sup: SupervisorApi,
    private readonly o: StartActionsOptions,
  ) {
    this.traps = new TrapPolicies(sup, o);
  }

  trapReqid(connection: string, child: string): number | undefined {
    return this.traps.trapReqid(connection, child);
  }

  isTrapped(reqid: number): boolean {
    return this.traps.isTrapped(reqid);
  }

  start(): void {
    for (const conn of this.o.config.connections) {
      for (const child of conn.children) {
        if (child.start_action === 'start') this.startChild(conn, child);
        else if (child.start_action === 'trap') this.traps.trap(conn, child);
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
    if (how === 'trap') this.traps.trap(conn, config);
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

  /** swanctl --install (trap-policies.ts). */
  installTrap(connection: string | undefined, child: string): Result<{ connection: string }, string> {
    return this.traps.install(connection, child);
  }

  /** swanctl --uninstall (trap-policies.ts). */
  uninstallTrap(child: string, connection?: string): boolean {
    return this.traps.uninstall(child, connection);
  }

  /** An acquire (RFC 4301 §5.1) of a trap policy (trap-policies.ts). */
  acquire(connection: string, child: string, reqid: number): void {
    this.traps.acquire(connection, child, reqid);
  }
}
