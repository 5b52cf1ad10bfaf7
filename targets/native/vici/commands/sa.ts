/**
 * VICI's SA commands and events (strongSwan's vici README; charon's vici_query.c and
 * vici_control.c): list-sas (list-sa events), list-policies (list-policy events for trap
 * policies), initiate / terminate / rekey (control-log events while they run), install /
 * uninstall (trap policies), and the events published to registered clients:
 * ike-updown, child-updown, ike-rekey, child-rekey.
 *
 * The operations are our control socket's (../../sa-control.ts); the sections are
 * ./sa-sections.ts's. Errors a client causes are answered in VICI's convention
 * (`success = no`, `errmsg`).
 *
 * control-log lines come from the supervisor's events (we have no charon bus to tap), worded as
 * charon logs them, all at level 0 (charon's DBG0/DBG1 lines of the same steps): a request's
 * `loglevel` below 0 silences them.
 */
import type { IkeSaHandle, InstalledChild, SupervisorEvent } from '../../../../actors/supervisor.js';
import { tsToString } from '../../../../ipsec/ike/ts/text.js';
import { toHex } from '../../../../ipsec/util/bytes.js';
import type { Clock } from '../../../../ipsec/util/clock.js';
import { ControlError } from '../../control.js';
import type { NativeHost } from '../../host.js';
import {
  CREATE_CHILD_WAIT,
  childEstablishedLine,
  rekey,
  type SupervisorLike,
  startChild,
  terminateChild,
  waitForChild,
  waitGone,
} from '../../sa-control.js';
import { type ViciInput, type ViciSection, viciSection, viciString } from '../message.js';
import type { ViciServer } from '../server-types.js';
import {
  ControlLog,
  failureText,
  ids,
  ikeEstablishedLine,
  waitChildrenGone,
  waitGoneOrUp,
} from './control-log.js';
import { publishSaEvents } from './sa-events.js';
import { listSaEvent, type SaSectionSource, saSectionSource } from './sa-sections.js';

/** What the SA commands need of the daemon (ViciDaemonContext has it). */
export interface SaCommandsContext {
  readonly host: Pick<NativeHost, 'supervisor' | 'esp' | 'config'>;
  readonly clock: Clock;
}

/** How long terminate waits when the client sets no timeout (charon: until done). */
const TERMINATE_WAIT_MS = 60_000;

const reply = (o: ViciInput) => viciSection(o);
const failure = (errmsg: string, extra: ViciInput = {}) => reply({ success: 'no', errmsg, ...extra });

/** A request's integer argument (decimal, possibly negative); undefined when absent or not one. */
function int(req: ViciSection, key: string): number | undefined {
  const v = viciString(req, key);
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** A request's string argument; empty counts as absent. */
function text(req: ViciSection, key: string): string | undefined {
  const v = viciString(req, key);
  return v === undefined || v === '' ? undefined : v;
}

const flag = (req: ViciSection, key: string) => {
  const v = viciString(req, key);
  return v !== undefined && /^(yes|true|1|on)$/i.test(v);
};

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function registerSaCommands(server: ViciServer, ctx: SaCommandsContext): () => void {
  const sup = () => ctx.host.supervisor as unknown as SupervisorLike & typeof ctx.host.supervisor;
  const source = (): SaSectionSource => saSectionSource(ctx.host.esp.backend.listSas(), ctx.clock.now());

  server.command('list-sas', (req, c) => {
    const ike = text(req, 'ike');
    const ikeId = int(req, 'ike-id');
    const child = text(req, 'child');
    const childId = int(req, 'child-id');
    if (!c.registered('list-sa')) return reply({});
    const src = source();
    for (const h of sup().ikeSas) {
      if (h.state === 'DESTROYED') continue;
      if (ike !== undefined && h.name !== ike) continue;
      if (ikeId !== undefined && ikeId !== 0 && h.uniqueid !== ikeId) continue;
      let children: readonly InstalledChild[] = h.children;
      if (child !== undefined || (childId !== undefined && childId !== 0)) {
        children = children.filter(
          (x) =>
            (child === undefined || x.record.config.name === child) &&
            (childId === undefined || childId === 0 || x.uniqueid === childId),
        );
        if (children.length === 0) continue;
      }
      c.emit('list-sa', viciSection(listSaEvent(h, src, children)));
    }
    return reply({});
  });

  server.command('list-policies', (req, c) => {
    const child = text(req, 'child');
    const ike = text(req, 'ike');
    // Only trap policies are ours to list: we have no drop/pass shunts.
    if (!flag(req, 'trap') || !c.registered('list-policy')) return reply({});
    const seen = new Set<string>();
    for (const p of ctx.host.esp.backend.listPolicies()) {
      const offer = p.offer;
      if (p.direction !== 'out' || p.action !== 'PROTECT' || !offer?.connection) continue;
      if (child !== undefined && offer.child !== child) continue;
      if (ike !== undefined && offer.connection !== ike) continue;
      const key = `${offer.connection}/${offer.child}`;
      if (seen.has(key)) continue;
      seen.add(key);
      c.emit(
        'list-policy',
        viciSection({
          [key]: {
            child: offer.child,
            ike: offer.connection,
            mode: p.mode === 'transport' ? 'TRANSPORT' : 'TUNNEL',
            'local-ts': p.localTs.map(tsToString),
            'remote-ts': p.remoteTs.map(tsToString),
          },
        }),
      );
    }
    return reply({});
  });

  server.command('initiate', async (req, c) => {
    const child = text(req, 'child');
    const ike = text(req, 'ike');
    const timeout = int(req, 'timeout') ?? 0;
    const log = new ControlLog(c, int(req, 'loglevel') ?? 1);
    if (child === undefined && ike === undefined) return failure('missing configuration name');
    const s = sup();
    let handle: IkeSaHandle;
    let initiated: boolean;
    let childName = child;
    try {
      if (child !== undefined) {
        const started = startChild(s, ctx.host.config.connections, child, ike);
        handle = started.handle;
        initiated = started.initiated;
      } else {
        // Only an IKE SA: ours always carries the connection's first child in IKE_AUTH.
        const conn = ctx.host.config.connections.find((k) => k.name === ike);
        if (!conn) return failure(`IKE_SA config '${ike}' not found`);
        childName = conn.children[0]?.name;
        handle = s.initiate(conn.name, childName);
        initiated = true;
      }
    } catch (e) {
      return failure(errText(e));
    }
    // Follow the IKE SA while the command runs (with a timeout of -1: not at all). Children of
    // IKE_AUTH are installed before the IKE SA reports itself established: their lines wait,
    // to come in charon's order.
    let early: string[] = [];
    const flush = () => {
      for (const line of early) log.log(handle, line); // charon logs it in its IKE group
      early = [];
    };
    const off =
      timeout < 0
        ? () => {}
        : s.on((e: SupervisorEvent) => {
            if (e.handle !== handle) return;
            if (e.type === 'ike-established') {
              log.log(handle, ikeEstablishedLine(handle));
              flush();
            } else if (e.type === 'child-installed') {
              early.push(childEstablishedLine(e.child));
              if (handle.state === 'ESTABLISHED') flush();
            } else if (e.type === 'ike-failed')
              log.log(
                handle,
                `establishing IKE_SA ${handle.name}[${handle.uniqueid}] failed: ${failureText(handle)}`,
              );
          });
    if (initiated)
      log.log(handle, `initiating IKE_SA ${handle.name}[${handle.uniqueid}] to ${handle.remote.address}`);
    else
      log.log(
        handle,
        `establishing CHILD_SA ${child} in IKE_SA ${handle.name}[${handle.uniqueid}]`,
        0,
        'CHD',
      );
    if (timeout < 0) return reply({ success: 'yes', matches: 1 });
    try {
      if (childName === undefined) {
        if (handle.state !== 'ESTABLISHED') await waitGoneOrUp(s, handle, timeout, ctx.clock);
      } else {
        const limit = initiated ? timeout : timeout || CREATE_CHILD_WAIT * 1000;
        await waitForChild(s, handle, childName, limit, ctx.clock);
      }
      return reply({ success: 'yes', matches: 1 });
    } catch (e) {
      const msg = errText(e);
      if (msg.startsWith('timeout'))
        return failure(
          childName !== undefined
            ? `CHILD_SA '${childName}' not established after ${timeout}ms`
            : `IKE_SA '${handle.name}' not established after ${timeout}ms`,
          { matches: 1 },
        );
      return failure(
        childName !== undefined
          ? `establishing CHILD_SA '${childName}' failed: ${msg}`
          : `establishing IKE_SA '${handle.name}' failed: ${msg}`,
        { matches: 1 },
      );
    } finally {
      flush();
      off();
    }
  });

  server.command('terminate', async (req, c) => {
    const child = text(req, 'child');
    const ike = text(req, 'ike');
    const childId = int(req, 'child-id');
    const ikeId = int(req, 'ike-id');
    const timeout = int(req, 'timeout') ?? 0;
    const force = flag(req, 'force');
    const log = new ControlLog(c, int(req, 'loglevel') ?? 1);
    if (child === undefined && ike === undefined && !childId && !ikeId)
      return failure('missing terminate selector');
    const s = sup();
    const ikeMatches = (h: IkeSaHandle) =>
      h.state !== 'DESTROYED' && (ike === undefined || h.name === ike) && (!ikeId || h.uniqueid === ikeId);
    const waitMs = timeout > 0 ? timeout : TERMINATE_WAIT_MS;
    if (child !== undefined || childId) {
      const targets: { h: IkeSaHandle; c: InstalledChild }[] = [];
      for (const h of s.ikeSas)
        if (ikeMatches(h))
          for (const x of h.children)
            if (
              (child === undefined || x.record.config.name === child) &&
              (!childId || x.uniqueid === childId)
            )
              targets.push({ h, c: x });
      if (targets.length === 0)
        return failure('no matching SAs to terminate found', { matches: 0, terminated: 0 });
      const gone = waitChildrenGone(
        s,
        targets.map((t) => t.c),
        timeout < 0 ? 0 : waitMs,
        ctx.clock,
        (h, x) => log.log(h, `CHILD_SA ${x.record.config.name}{${x.uniqueid}} closed`, 0, 'CHD'),
      );
      let errors = 0;
      for (const t of targets) {
        const r = t.c.record;
        log.log(
          t.h,
          `closing CHILD_SA ${r.config.name}{${t.c.uniqueid}} with SPIs ${toHex(r.spiIn)}_i ${toHex(r.spiOut)}_o and TS ${r.localTs.map(tsToString).join(' ')} === ${r.remoteTs.map(tsToString).join(' ')}`,
          0,
          'CHD',
        );
        try {
          terminateChild(s, t.c.uniqueid);
        } catch (e) {
          errors++;
          log.log(t.h, errText(e), 0, 'CHD');
        }
      }
      if (timeout < 0)
        return reply({ success: errors ? 'no' : 'yes', matches: targets.length, terminated: 0 });
      const left = await gone;
      const terminated = targets.length - left;
      return terminated === targets.length
        ? reply({ success: 'yes', matches: targets.length, terminated })
        : failure(`terminating ${left} of ${targets.length} CHILD_SAs timed out or failed`, {
            matches: targets.length,
            terminated,
          });
    }
    const handles = s.ikeSas.filter(ikeMatches);
    if (handles.length === 0)
      return failure('no matching SAs to terminate found', { matches: 0, terminated: 0 });
    for (const h of handles) {
      const { local, remote } = ids(h);
      log.log(
        h,
        `deleting IKE_SA ${h.name}[${h.uniqueid}] between ${h.local.address}[${local}]...${h.remote.address}[${remote}]`,
      );
    }
    const off = s.on((e) => {
      if ((e.type === 'ike-closed' || e.type === 'ike-failed') && handles.includes(e.handle))
        log.log(e.handle, `IKE_SA ${e.handle.name}[${e.handle.uniqueid}] deleted`);
    });
    const gone = waitGone(s, handles, timeout < 0 ? 0 : waitMs, ctx.clock);
    // force: destroyed here at once, without waiting for the peer's answer (charon's force).
    for (const h of handles) s.terminate(h.uniqueid, force ? { force } : {});
    if (timeout < 0) {
      off();
      return reply({ success: 'yes', matches: handles.length, terminated: 0 });
    }
    const left = await gone;
    off();
    const terminated = handles.length - left.length;
    return left.length === 0
      ? reply({ success: 'yes', matches: handles.length, terminated })
      : failure(`terminating ${left.length} of ${handles.length} IKE_SAs timed out`, {
          matches: handles.length,
          terminated,
        });
  });

  server.command('rekey', (req) => {
    const child = text(req, 'child');
    const ike = text(req, 'ike');
    const childId = int(req, 'child-id');
    const ikeId = int(req, 'ike-id');
    if (flag(req, 'reauth')) return failure('reauthentication is not supported', { matches: 0 });
    try {
      const target =
        childId || child !== undefined
          ? { child: childId || (child as string) }
          : ikeId || ike !== undefined
            ? { ike: ikeId || (ike as string) }
            : undefined;
      if (!target) return failure('missing rekey selector', { matches: 0 });
      return reply({ success: 'yes', matches: rekey(sup(), target) });
    } catch (e) {
      if (e instanceof ControlError) return failure(e.message, { matches: 0 });
      throw e;
    }
  });

  // Trap policies (actors/start-actions.ts), as start_action = trap installs them. We have no
  // drop/pass shunts: only traps are installed and uninstalled.
  server.command('install', (req) => {
    const child = text(req, 'child');
    if (child === undefined) return failure('missing configuration name');
    const r = sup().installTrap(text(req, 'ike'), child);
    return r.ok ? reply({ success: 'yes' }) : failure(r.error);
  });
  server.command('uninstall', (req) => {
    const child = text(req, 'child');
    if (child === undefined) return failure('missing configuration name');
    return sup().uninstallTrap(child, text(req, 'ike'))
      ? reply({ success: 'yes' })
      : failure(`policy '${child}' not found`);
  });

  return publishSaEvents(server, ctx, source);
}
