/**
 * The firmware's stand-in for trap policies and their acquires, linked by scripts/build-mote.mjs
 * into a minimal firmware: actors/trap-policies.ts where start-actions.ts imports it, and
 * actors/esp-acquire.ts where the ESP pipeline imports it. A mote's child starts at once and
 * again after a loss (start_action = start, close_action = start, dpd_action = restart:
 * profile.ts), so it installs no trap policy and meets no acquire of one; a configuration that
 * asks for a trap anyway gets none, and a warning that says why.
 */

import type { HoldResult } from '../../actors/esp-acquire.js';
import type { StartActionsOptions, SupervisorApi } from '../../actors/start-actions.js';
import type { ChildConfig, ConnectionConfig } from '../../ipsec/config/model.js';
import { err, type Result } from '../../ipsec/result.js';

const NONE = 'this firmware has no trap policies';

export class TrapPolicies {
  constructor(
    _sup: SupervisorApi,
    private readonly o: StartActionsOptions,
  ) {}

  trapReqid(_connection: string, _child: string): number | undefined {
    return undefined;
  }

  isTrapped(_reqid: number): boolean {
    return false;
  }

  install(_connection: string | undefined, child: string): Result<{ connection: string }, string> {
    return err(`installing policy '${child}' failed: ${NONE}`);
  }

  uninstall(_child: string, _connection?: string): boolean {
    return false;
  }

  trap(conn: ConnectionConfig, child: ChildConfig): boolean {
    this.o.logger?.warn({ connection: conn.name, child: child.name }, `trap: ${NONE}`);
    return false;
  }

  /** Only a trap policy's acquire names a child to negotiate; there are none. */
  acquire(_connection: string, _child: string, _reqid: number): void {}
}

/**
 * The ESP pipeline's acquire queue: only a trap policy protects traffic before its SA exists, so
 * no packet is ever held here; one that met a PROTECT policy without an SA would be dropped as a
 * full queue (of no places), and no acquire is raised.
 */
export class AcquireTable {
  isPending(_reqid: number): boolean {
    return false;
  }

  hold(): HoldResult {
    return 'queue-full';
  }

  release(_reqid: number): Uint8Array[] {
    return [];
  }

  fail(_reqid: number): void {}
}
