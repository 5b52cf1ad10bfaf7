/**
 * What the control commands need from the supervisor beyond its public API, in one place:
 * waiting for a Child SA or for IKE SAs to go away (on its events), finding installed
 * children, and the operations the supervisor may not have yet (rekey, deleting one Child SA),
 * detected at run time so that they work as soon as the supervisor grows them.
 */
import type { IkeSaHandle, InstalledChild, Supervisor, SupervisorEvent } from '../../actors/supervisor.js';
import type { ConnectionConfig } from '../../ipsec/config/model.js';
import { tsToString } from '../../ipsec/ike/ts/text.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { Clock } from '../../ipsec/util/clock.js';
import { ControlError } from './control.js';

/**
 * Supervisor operations used when present (the supervisor grows them with CREATE_CHILD_SA,
 * rekeying and Delete); a boolean answer counts as 0 or 1.
 */
export interface OptionalSupervisorOps {
  rekeyIke?(which: number | string): number | boolean;
  rekeyChild?(which: number | string): number | boolean;
  deleteChild?(which: number | string): number | boolean;
  createChild?(ike: number | string, child: string): number | boolean;
}

export type SupervisorLike = Pick<Supervisor, 'ikeSas' | 'on' | 'terminate' | 'initiate'> &
  OptionalSupervisorOps;

export interface ChildRef {
  readonly ike: IkeSaHandle;
  readonly child: InstalledChild;
}

/** Installed children named `name` (optionally in IKE SAs named `ike`), newest first. */
export function findChildren(sup: Pick<Supervisor, 'ikeSas'>, name: string, ike?: string): ChildRef[] {
  const out: ChildRef[] = [];
  for (const h of sup.ikeSas)
    if (h.state === 'ESTABLISHED' && (ike === undefined || h.name === ike))
      for (const c of h.children) if (c.record.config.name === name) out.push({ ike: h, child: c });
  return out.sort((a, b) => b.child.uniqueid - a.child.uniqueid);
}

const failureText = (h: IkeSaHandle) => {
  const f = h.failure;
  if (!f) return 'no reason given';
  return f.notify !== undefined ? `${f.reason} (notify ${f.notify})` : f.reason;
};

/**
 * Resolves with the Child SA once `handle` installs a child named `child`; rejects with a
 * one-line ControlError when the IKE SA fails or closes first, when it is established without
 * that child, or after `timeoutMs` (0 = no limit).
 */
export function waitForChild(
  sup: Pick<Supervisor, 'on'>,
  handle: IkeSaHandle,
  child: string,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<InstalledChild> {
  return new Promise((resolve, reject) => {
    let timer: unknown;
    const finish = (f: () => void) => {
      off();
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const fail = (msg: string) => finish(() => reject(new ControlError(msg)));
    const what = `IKE SA '${handle.name}' #${handle.uniqueid}`;
    const onAbort = () => fail('cancelled');
    const off = sup.on((e: SupervisorEvent) => {
      if (e.handle !== handle) return;
      if (e.type === 'child-installed' && e.child.record.config.name === child)
        finish(() => resolve(e.child));
      else if (e.type === 'ike-failed') fail(`${what} failed: ${failureText(handle)}`);
      else if (e.type === 'ike-closed') fail(`${what} closed before CHILD_SA '${child}' was installed`);
      else if (e.type === 'ike-established')
        // Children of IKE_AUTH are installed before the IKE SA reports itself established.
        setImmediate(() => {
          if (!handle.children.some((c) => c.record.config.name === child))
            fail(`${what} established, but CHILD_SA '${child}' was not created (see the daemon log)`);
        });
    });
    if (timeoutMs > 0)
      timer = clock.setTimeout(
        () =>
          fail(
            `timeout after ${timeoutMs / 1000} s: ${what} is ${handle.state}, CHILD_SA '${child}' not installed`,
          ),
        timeoutMs,
      );
    signal?.addEventListener('abort', onAbort);
  });
}

/** Resolves once none of `handles` is alive any more, or after `timeoutMs`; returns those still alive. */
export function waitGone(
  sup: Pick<Supervisor, 'on'>,
  handles: readonly IkeSaHandle[],
  timeoutMs: number,
  clock: Clock,
): Promise<IkeSaHandle[]> {
  // A set, checked per event for the event's own IKE SA only: shutting down N SAs costs O(N).
  // An IKE SA is DESTROYED only by the supervisor's destroy, which then reports it.
  const alive = new Set(handles.filter((h) => h.state !== 'DESTROYED'));
  if (alive.size === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => {
      off();
      resolve([...alive].filter((h) => h.state !== 'DESTROYED'));
    }, timeoutMs);
    const off = sup.on((e) => {
      if (alive.has(e.handle) && e.handle.state === 'DESTROYED') alive.delete(e.handle);
      if (alive.size > 0) return;
      off();
      clock.clearTimeout(timer);
      resolve([]);
    });
  });
}

/** Resolves true once a CHILD_SA named `name` is removed, false after `timeoutMs`. */
export function waitChildRemoved(
  sup: Pick<Supervisor, 'on'>,
  name: string,
  timeoutMs: number,
  clock: Clock,
): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => {
      off();
      resolve(false);
    }, timeoutMs);
    const off = sup.on((e) => {
      if (e.type !== 'child-removed' || e.child.record.config.name !== name) return;
      off();
      clock.clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Seconds to wait for a CHILD_SA created in an existing IKE SA when no timeout is given. */
export const CREATE_CHILD_WAIT = 30;

/** What startChild did: a new IKE SA (`initiated`) or CREATE_CHILD_SA in an established one. */
export interface StartedChild {
  readonly connection: string;
  readonly handle: IkeSaHandle;
  readonly initiated: boolean;
}

/**
 * `initiate --child CHILD [--ike IKE]`, like swanctl: the first connection (named `ike`, if
 * given) with a child `child`; an established IKE SA of it gets the child by CREATE_CHILD_SA,
 * else a new IKE SA is initiated with it. Throws a one-line ControlError.
 */
export function startChild(
  sup: SupervisorLike,
  connections: readonly ConnectionConfig[],
  child: string,
  ike?: string,
): StartedChild {
  const conn = connections.find(
    (k) => (ike === undefined || k.name === ike) && k.children.some((ch) => ch.name === child),
  );
  if (!conn)
    throw new ControlError(
      ike === undefined
        ? `no connection has a child '${child}'`
        : connections.some((k) => k.name === ike)
          ? `connection '${ike}' has no child '${child}'`
          : `no connection '${ike}'`,
    );
  const existing = sup.ikeSas.find((h) => h.name === conn.name && h.state === 'ESTABLISHED');
  if (existing && typeof sup.createChild === 'function') {
    if (!Number(sup.createChild(existing.uniqueid, child)))
      throw new ControlError(`cannot create CHILD_SA '${child}' in IKE SA #${existing.uniqueid}`);
    return { connection: conn.name, handle: existing, initiated: false };
  }
  try {
    return { connection: conn.name, handle: sup.initiate(conn.name, child), initiated: true };
  } catch (e) {
    throw new ControlError(e instanceof Error ? e.message : String(e));
  }
}

/** `ikev2 rekey`: forwarded to the supervisor's rekey methods when it has them. */
export function rekey(
  sup: SupervisorLike,
  target: { ike?: string | number; child?: string | number },
): number {
  if (target.child !== undefined) {
    if (typeof sup.rekeyChild !== 'function')
      throw new ControlError('rekeying a CHILD_SA is not supported yet');
    const n = Number(sup.rekeyChild(target.child));
    if (n === 0) throw new ControlError(`no CHILD_SA '${target.child}' to rekey`);
    return n;
  }
  if (target.ike === undefined) throw new ControlError('rekey needs an IKE SA or a CHILD_SA');
  if (typeof sup.rekeyIke !== 'function') throw new ControlError('rekeying an IKE SA is not supported yet');
  const n = Number(sup.rekeyIke(target.ike));
  if (n === 0) throw new ControlError(`no established IKE SA '${target.ike}' to rekey`);
  return n;
}

/** `ikev2 terminate --child`: the supervisor's deleteChild (INFORMATIONAL Delete of the ESP SAs). */
export function terminateChild(sup: SupervisorLike, which: string | number): number {
  if (typeof sup.deleteChild !== 'function')
    throw new ControlError('terminating a single CHILD_SA is not supported yet: use --ike');
  const n = Number(sup.deleteChild(which));
  if (n === 0) throw new ControlError(`no CHILD_SA '${which}'`);
  return n;
}

/** charon's log line for an installed child: "CHILD_SA net{1} established with SPIs ... and TS a === b". */
export function childEstablishedLine(c: InstalledChild): string {
  const r = c.record;
  const ts = (l: typeof r.localTs) => l.map(tsToString).join(' ');
  return `CHILD_SA ${r.config.name}{${c.uniqueid}} established with SPIs ${toHex(r.spiIn)}_i ${toHex(r.spiOut)}_o and TS ${ts(r.localTs)} === ${ts(r.remoteTs)}`;
}

/** That line with the IKE SA it belongs to, for our control socket's initiate answer. */
export const childSummary = (ike: IkeSaHandle, c: InstalledChild): string =>
  `${childEstablishedLine(c)} (IKE_SA ${ike.name}[${ike.uniqueid}])`;
