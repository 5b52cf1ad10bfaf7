/**
 * What a VICI control command (initiate, terminate) tells its client while it runs: control-log
 * events worded as charon logs the same steps (charon's vici_control.c), and the waits that
 * decide when the command answers. From the supervisor's events: we have no charon bus to tap.
 */
import type { IkeSaHandle, InstalledChild } from '../../../../actors/supervisor.js';
import { formatIdentity } from '../../../../ipsec/ike/identity.js';
import type { Clock } from '../../../../ipsec/util/clock.js';
import { ControlError } from '../../control.js';
import type { SupervisorLike } from '../../sa-control.js';
import { viciSection } from '../message.js';
import type { ViciCommandContext } from '../server-types.js';

export function ids(h: IkeSaHandle) {
  const s = h.actor.getSnapshot().context.session;
  const id = (x: typeof s.localId, configured: string | undefined) =>
    x ? formatIdentity(x) : (configured ?? '%any');
  return { local: id(s.localId, s.config?.local.id), remote: id(s.remoteId, s.config?.remote.id) };
}

/** charon's "IKE_SA gw[1] established between 10.0.0.1[id]...10.0.0.2[id]". */
export function ikeEstablishedLine(h: IkeSaHandle): string {
  const { local, remote } = ids(h);
  return `IKE_SA ${h.name}[${h.uniqueid}] established between ${h.local.address}[${local}]...${h.remote.address}[${remote}]`;
}

export function failureText(h: IkeSaHandle): string {
  const f = h.failure;
  if (!f) return 'no reason given';
  return f.notify !== undefined ? `${f.reason} (notify ${f.notify})` : f.reason;
}

/** Streams control-log events to one client, as charon does while a control command runs. */
export class ControlLog {
  constructor(
    private readonly c: ViciCommandContext,
    private readonly level: number,
  ) {}

  log(h: IkeSaHandle | undefined, msg: string, level = 0, group = 'IKE'): void {
    if (level > this.level || !this.c.registered('control-log')) return;
    this.c.emit(
      'control-log',
      viciSection({
        group,
        level,
        ...(h ? { 'ikesa-name': h.name, 'ikesa-uniqueid': h.uniqueid } : {}),
        msg,
      }),
    );
  }
}

/** Resolves once `handle` is established or gone, or after `timeoutMs` (0: no limit). */
export function waitGoneOrUp(
  sup: SupervisorLike,
  handle: IkeSaHandle,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: unknown;
    const off = sup.on((e) => {
      if (e.handle !== handle) return;
      if (e.type === 'ike-established') done(() => resolve());
      else if (e.type === 'ike-failed' || e.type === 'ike-closed')
        done(() => reject(new ControlError(failureText(handle))));
    });
    const done = (f: () => void) => {
      off();
      if (timer !== undefined) clock.clearTimeout(timer);
      f();
    };
    if (timeoutMs > 0)
      timer = clock.setTimeout(() => done(() => reject(new ControlError('timeout'))), timeoutMs);
  });
}

/** Resolves with how many of `children` are still there after `timeoutMs` (0: at once). */
export function waitChildrenGone(
  sup: SupervisorLike,
  children: readonly InstalledChild[],
  timeoutMs: number,
  clock: Clock,
  onGone: (h: IkeSaHandle, c: InstalledChild) => void,
): Promise<number> {
  const alive = new Set(children);
  if (timeoutMs <= 0) return Promise.resolve(alive.size);
  return new Promise((resolve) => {
    const finish = () => {
      off();
      clock.clearTimeout(timer);
      resolve(alive.size);
    };
    const timer = clock.setTimeout(finish, timeoutMs);
    const off = sup.on((e) => {
      if (e.type === 'child-removed' && alive.delete(e.child)) onGone(e.handle, e.child);
      else if ((e.type === 'ike-closed' || e.type === 'ike-failed') && e.handle.state === 'DESTROYED')
        for (const c of [...alive])
          if (!e.handle.children.includes(c) && c.lifecycle.getSnapshot().value === 'deleted')
            alive.delete(c);
      if (alive.size === 0) finish();
    });
  });
}
