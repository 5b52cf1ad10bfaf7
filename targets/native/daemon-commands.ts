/**
 * The control socket's commands (control.ts carries them), run against one native host.
 * Arguments arrive as JSON from the CLI: each handler checks what it reads and answers a
 * wrong argument with a one-line ControlError.
 */
import type { Config } from '../../ipsec/config/model.js';
import { tsToString } from '../../ipsec/ike/ts/text.js';
import { parseIp } from '../../ipsec/packet/address.js';
import { addressInRange } from '../../ipsec/policy/selector.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { Clock } from '../../ipsec/util/clock.js';
import { ControlError, type ControlHandler } from './control.js';
import type { LoadedCredentials } from './credentials/load.js';
import type { NativeHost } from './host.js';
import { buildListCerts } from './list-certs.js';
import { buildListConns } from './list-conns.js';
import { buildListSas } from './list-sas.js';
import {
  CREATE_CHILD_WAIT,
  childSummary,
  findChildren,
  rekey,
  type SupervisorLike,
  startChild,
  terminateChild,
  waitChildRemoved,
  waitForChild,
  waitGone,
} from './sa-control.js';

export interface CommandContext {
  readonly host: NativeHost;
  readonly clock: Clock;
  /** The configuration as loaded (list-conns shows it as written). */
  config(): Config;
  /** SIGHUP's work: reload the file; throws a ControlError when it has errors. */
  reload(): { restart: string[] };
  /** The certificates, keys and CRLs loaded (absent: no credentials are used). */
  credentials?(): LoadedCredentials | undefined;
}

function str(args: Record<string, unknown>, key: string, required: true): string;
function str(args: Record<string, unknown>, key: string, required?: false): string | undefined;
function str(args: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) {
    if (required) throw new ControlError(`missing argument '${key}'`);
    return undefined;
  }
  if (typeof v !== 'string' || v === '')
    throw new ControlError(`argument '${key}' must be a non-empty string`);
  return v;
}

function num(args: Record<string, unknown>, key: string, fallback: number, max = 86_400): number {
  const v = args[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)
    throw new ControlError(`argument '${key}' must be a number from 0 to ${max}`);
  return v;
}

/** `--ike NAME` or `--ike-id N` (uniqueid) as the supervisor's terminate() takes it. */
function ikeTarget(args: Record<string, unknown>): string | number | undefined {
  const id = args.ikeId;
  if (id !== undefined) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1)
      throw new ControlError("argument 'ikeId' must be a positive integer");
    return id;
  }
  return str(args, 'ike');
}

const sup = (c: CommandContext) => c.host.supervisor as SupervisorLike;

export function daemonCommands(c: CommandContext): Record<string, ControlHandler> {
  return {
    'list-sas': () => buildListSas(c.host.supervisor.ikeSas, c.host.esp.backend.listSas(), c.clock.now()),

    'list-conns': () => buildListConns(c.config(), c.credentials?.()),

    'list-certs': () => buildListCerts(c.credentials?.()),

    initiate: async (args, ctx) => {
      const child = str(args, 'child', true);
      const ike = str(args, 'ike');
      const timeout = num(args, 'timeout', 0);
      const s = sup(c);
      const started = startChild(s, c.host.config.connections, child, ike);
      const handle = started.handle;
      // A refused CREATE_CHILD_SA raises no supervisor event: bound the wait.
      const limit = started.initiated ? timeout : timeout || CREATE_CHILD_WAIT;
      ctx.event({
        message: started.initiated
          ? `initiating IKE_SA ${started.connection}[${handle.uniqueid}] to ${handle.remote.address}`
          : `creating CHILD_SA ${child} in IKE_SA ${started.connection}[${handle.uniqueid}]`,
      });
      const installed = await waitForChild(s, handle, child, limit * 1000, c.clock, ctx.signal);
      return {
        ike: started.connection,
        uniqueid: handle.uniqueid,
        child,
        'child-uniqueid': installed.uniqueid,
        'spi-in': toHex(installed.record.spiIn),
        'spi-out': toHex(installed.record.spiOut),
        message: childSummary(handle, installed),
      };
    },

    terminate: async (args) => {
      const child = str(args, 'child');
      if (child !== undefined) {
        const removed = waitChildRemoved(c.host.supervisor, child, num(args, 'timeout', 10) * 1000, c.clock);
        const n = terminateChild(sup(c), child);
        if (!(await removed)) throw new ControlError(`CHILD_SA '${child}' still installed after the timeout`);
        return { terminated: n };
      }
      const target = ikeTarget(args);
      if (target === undefined)
        throw new ControlError('terminate needs --ike NAME, --ike-id N or --child NAME');
      const handles = c.host.supervisor.ikeSas.filter((h) => h.name === target || h.uniqueid === target);
      if (handles.length === 0) throw new ControlError(`no IKE SA '${target}'`);
      c.host.supervisor.terminate(target);
      const left = await waitGone(c.host.supervisor, handles, num(args, 'timeout', 10) * 1000, c.clock);
      if (left.length) throw new ControlError(`IKE SA '${target}' still there after the timeout`);
      return { terminated: handles.length };
    },

    rekey: (args) => {
      const child = str(args, 'child');
      const ike = ikeTarget(args);
      return { rekeyed: rekey(sup(c), child !== undefined ? { child } : ike !== undefined ? { ike } : {}) };
    },

    ping: async (args, ctx) => {
      const childName = str(args, 'child', true);
      const dest = str(args, 'dest', true);
      const count = num(args, 'count', 3, 1000);
      const dst = parseIp(dest);
      if (!dst) throw new ControlError(`'${dest}' is not an IP address`);
      const found = findChildren(c.host.supervisor, childName, str(args, 'ike'));
      const ref = found.find(({ child }) =>
        child.record.remoteTs.some(
          (t) => t.startAddress.length === dst.length && addressInRange(dst, t.startAddress, t.endAddress),
        ),
      );
      if (!ref) {
        if (found.length === 0)
          throw new ControlError(`CHILD_SA '${childName}' is not installed (initiate it first)`);
        const ts = found[0]!.child.record.remoteTs.map(tsToString).join(' ');
        throw new ControlError(`${dest} is outside CHILD_SA '${childName}' remote traffic selectors (${ts})`);
      }
      const inner = c.host.inner;
      if (!inner)
        throw new ControlError(
          `this daemon carries the host's own traffic through ${c.host.tun?.name ?? 'its TUN device'} (daemon.tun): use ping(8), e.g. ping -I <an inner address> ${dest}`,
        );
      const src = inner.sourceFor(ref.child.record.localTs, [ref.ike.local.address]);
      if (!src)
        throw new ControlError(
          `no inner address of this host is inside CHILD_SA '${childName}' local traffic selectors (set daemon.inner_addrs)`,
        );
      ctx.event({ start: { src, dst: dest, child: childName } });
      const summary = await inner.ping({
        src,
        dst: dest,
        count,
        intervalMs: num(args, 'interval', 1, 60) * 1000,
        timeoutMs: num(args, 'timeout', 2, 60) * 1000,
        onReply: (r) => ctx.event({ reply: r }),
      });
      return { src, dst: dest, sent: summary.sent, received: summary.received };
    },

    reload: () => c.reload(),
  };
}
