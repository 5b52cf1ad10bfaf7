/**
 * Trap policies (swanctl.conf start_action = trap, swanctl --install / --uninstall) and their
 * acquires (RFC 4301 §5.1): PROTECT policies whose first packet raises an acquire, answered by
 * negotiating the child on its IKE SA if one is up, else by initiating one. start-actions.ts
 * installs them at start and after a loss; a minimal mote firmware links
 * targets/wismote/no-traps.ts instead (its child starts at once).
 */
import type { ChildConfig, ConnectionConfig } from '../ipsec/config/model.js';
import { resolveTs } from '../ipsec/ike/exchange/child.js';
import { err, ok, type Result } from '../ipsec/result.js';
import type { StartActionsOptions, SupervisorApi } from './start-actions.js';

export class TrapPolicies {
  /** connection/child -> the trap installed: its policies' reqid and the names it was keyed by. */
  private readonly traps = new Map<
    string,
    { readonly reqid: number; readonly connection: string; readonly child: string }
  >();
  /** The reqids of trap policies, for isTrapped on every Child SA removal. */
  private readonly trapped = new Set<number>();
  /** connection/child -> the reqid its trap policies had (a trap installed again keeps it). */
  private readonly knownReqids = new Map<string, number>();

  constructor(
    private readonly sup: SupervisorApi,
    private readonly o: StartActionsOptions,
  ) {}

  trapReqid(connection: string, child: string): number | undefined {
    return this.traps.get(`${connection}/${child}`)?.reqid;
  }

  isTrapped(reqid: number): boolean {
    return this.trapped.has(reqid);
  }

  /**
   * swanctl --install: trap policies for `child` of `connection` (the first connection with that
   * child if none is named), whatever its start_action. Installed already: nothing to do.
   */
  install(connection: string | undefined, child: string): Result<{ connection: string }, string> {
    const conn = this.o.config.connections.find(
      (c) => (connection === undefined || c.name === connection) && c.children.some((x) => x.name === child),
    );
    const config = conn?.children.find((x) => x.name === child);
    if (!conn || !config)
      return err(connection === undefined ? `no child '${child}'` : `no child '${child}' in '${connection}'`);
    return this.trap(conn, config)
      ? ok({ connection: conn.name })
      : err(`installing policy '${child}' failed: unusable traffic selectors`);
  }

  /**
   * swanctl --uninstall: removes the trap policies of `child` (of `connection`, if named). A
   * Child SA of theirs that is up keeps policies of its own. False when no such trap exists.
   */
  uninstall(child: string, connection?: string): boolean {
    let found = false;
    for (const [key, { reqid, connection: conn, child: name }] of [...this.traps]) {
      if (name !== child || (connection !== undefined && conn !== connection)) continue;
      found = true;
      this.traps.delete(key);
      this.trapped.delete(reqid);
      this.o.backend.deletePolicy({ reqid });
      // Child SAs negotiated under the trap shared its policies: theirs again, without the offer.
      const up = [...this.sup.ikeSasNamed(conn)].flatMap((h) => h.children.filter((c) => c.reqid === reqid));
      const first = up[0];
      if (first)
        for (const direction of ['out', 'in'] as const)
          this.o.backend.addPolicy({
            direction,
            action: 'PROTECT',
            reqid,
            localTs: first.record.localTs,
            remoteTs: first.record.remoteTs,
            mode: first.record.mode,
          });
    }
    return found;
  }

  /** Installs the trap policies of `child`; false when its traffic selectors are unusable. */
  trap(conn: ConnectionConfig, child: ChildConfig): boolean {
    const key = `${conn.name}/${child.name}`;
    if (this.traps.has(key)) return true;
    const local = { address: conn.local_addrs[0] ?? '0.0.0.0', port: conn.local_port };
    const remote = { address: conn.remote_addrs[0] ?? '', port: conn.remote_port };
    const localTs = resolveTs(child.local_ts, local);
    const remoteTs = resolveTs(child.remote_ts, remote);
    if (!localTs.ok || !remoteTs.ok) {
      this.o.logger?.warn({ connection: conn.name, child: child.name }, 'trap: unusable traffic selectors');
      return false;
    }
    const reqid = this.knownReqids.get(key) ?? this.o.newReqid(`trap:${key}`);
    this.knownReqids.set(key, reqid);
    this.traps.set(key, { reqid, connection: conn.name, child: child.name });
    this.trapped.add(reqid);
    // A Child SA of this reqid still up (trapped before) holds the policies: the trap's replace them.
    if (this.o.backend.hasPolicies(reqid)) this.o.backend.deletePolicy({ reqid });
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
    return true;
  }

  /** An acquire (RFC 4301 §5.1): negotiate the trapped child, on its IKE SA if one is up. */
  acquire(connection: string, child: string, reqid: number): void {
    const [existing] = this.sup.ikeSasNamed(connection);
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
