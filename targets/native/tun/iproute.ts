/**
 * A small typed wrapper over iproute2's `ip` for configuring the TUN device: link, address,
 * routes. Each call runs `ip` with execFile (no shell, arguments passed as they are), async.
 * Every function takes an optional `netns` and then runs `ip -n NETNS ...` (tests configure a
 * device inside a throwaway namespace). Failures are IpError with the command and ip's stderr.
 */
import { execFile } from 'node:child_process';

export interface NetnsOption {
  /** Run inside this named network namespace (`ip -n NETNS`). */
  readonly netns?: string;
}

export class IpError extends Error {
  override readonly name = 'IpError';
  constructor(
    /** The argument vector after `ip`. */
    readonly args: readonly string[],
    /** ip's stderr, trimmed ('' if it printed nothing). */
    readonly stderr: string,
    /** ip's exit code, or the spawn error code (e.g. 'ENOENT' when ip is not installed). */
    readonly exitCode: number | string | undefined,
  ) {
    super(
      `ip ${args.join(' ')} failed${exitCode === undefined ? '' : ` (${exitCode})`}: ${stderr || 'no output'}`,
    );
  }
}

/** The `ip` binary (IKEV2_IP_BIN overrides, for hosts where it is not on PATH). */
const IP_BIN = process.env.IKEV2_IP_BIN ?? 'ip';

/** Runs `ip [-n NETNS] ...args` and resolves with its stdout. */
export function ip(args: readonly string[], options: NetnsOption = {}): Promise<string> {
  const full = options.netns ? ['-n', options.netns, ...args] : [...args];
  return new Promise((resolve, reject) => {
    execFile(IP_BIN, full, { encoding: 'utf8', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException & { code?: number | string }).code;
      reject(new IpError(full, (stderr || error.message).trim(), code));
    });
  });
}

export interface LinkSetupOptions extends NetnsOption {
  readonly mtu?: number;
  /** true: `up`, false: `down`, absent: unchanged. */
  readonly up?: boolean;
  /** The transmit queue length (for a TUN device, how many packets wait for read()). */
  readonly txqueuelen?: number;
}

/** `ip link set dev NAME [mtu N] [txqueuelen N] [up|down]`. */
export async function linkSetup(name: string, options: LinkSetupOptions): Promise<void> {
  const args = ['link', 'set', 'dev', name];
  if (options.mtu !== undefined) args.push('mtu', String(options.mtu));
  if (options.txqueuelen !== undefined) args.push('txqueuelen', String(options.txqueuelen));
  if (options.up !== undefined) args.push(options.up ? 'up' : 'down');
  await ip(args, options);
}

/** `ip link set dev NAME netns TARGET`: moves the link (a TUN fd keeps working). */
export async function linkSetNetns(name: string, target: string, options: NetnsOption = {}): Promise<void> {
  await ip(['link', 'set', 'dev', name, 'netns', target], options);
}

/** Whether a link of that name exists (`ip link show dev NAME` succeeds). */
export async function linkExists(name: string, options: NetnsOption = {}): Promise<boolean> {
  try {
    await ip(['link', 'show', 'dev', name], options);
    return true;
  } catch (e) {
    if (e instanceof IpError && /does not exist|Cannot find device/i.test(e.stderr)) return false;
    throw e;
  }
}

/** `ip addr replace CIDR dev NAME`: idempotent (adding the same address twice is fine). */
export async function addressAdd(name: string, cidr: string, options: NetnsOption = {}): Promise<void> {
  await ip(['addr', 'replace', cidr, 'dev', name], options);
}

export interface RouteSpec extends NetnsOption {
  /** Destination prefix, e.g. '10.1.0.0/16', '2001:db8::/32' or 'default'. */
  readonly prefix: string;
  readonly dev: string;
  /** Preferred source address for traffic that takes this route. */
  readonly src?: string;
  /** Routing table (name or number); main if absent. */
  readonly table?: string | number;
  readonly metric?: number;
}

function routeArgs(verb: 'replace' | 'del', r: RouteSpec): string[] {
  const args = ['route', verb, r.prefix, 'dev', r.dev];
  if (r.src !== undefined) args.push('src', r.src);
  if (r.table !== undefined) args.push('table', String(r.table));
  if (r.metric !== undefined) args.push('metric', String(r.metric));
  return args;
}

/** `ip route replace PREFIX dev DEV [src] [table] [metric]`: adds or updates. */
export async function routeReplace(route: RouteSpec): Promise<void> {
  await ip(routeArgs('replace', route), route);
}

/**
 * `ip route del ...`. A route (or device) that is already gone is not an error: resolves
 * false then, true when a route was deleted.
 */
export async function routeDelete(route: RouteSpec): Promise<boolean> {
  try {
    await ip(routeArgs('del', route), route);
    return true;
  } catch (e) {
    if (e instanceof IpError && /No such process|Cannot find device|not found/i.test(e.stderr)) return false;
    throw e;
  }
}

/** One route of `ip -j route show` (the fields we use; ip prints more for some routes). */
export interface IpRoute {
  /** 'default' or a prefix; host routes come without '/32' or '/128'. */
  readonly dst: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly prefsrc?: string;
  readonly protocol?: string;
  readonly scope?: string;
  readonly metric?: number;
  readonly table?: string;
  readonly flags: readonly string[];
}

export interface RouteListOptions extends NetnsOption {
  readonly table?: string | number;
  /** Address family: 4 (default, `ip` shows IPv4 unless told) or 6. */
  readonly family?: 4 | 6;
}

/** The routes through `dev` (`ip -j [-6] route show [table T] dev DEV`), parsed. */
export async function routeList(dev: string, options: RouteListOptions = {}): Promise<IpRoute[]> {
  const args = ['-j'];
  if (options.family === 6) args.push('-6');
  args.push('route', 'show');
  if (options.table !== undefined) args.push('table', String(options.table));
  args.push('dev', dev);
  const out = (await ip(args, options)).trim();
  if (out === '') return [];
  const parsed: unknown = JSON.parse(out);
  if (!Array.isArray(parsed)) throw new IpError(args, `unexpected JSON from ip: ${out.slice(0, 200)}`, 0);
  return parsed.map((r: Record<string, unknown>) => ({
    dst: String(r.dst),
    ...(typeof r.dev === 'string' ? { dev: r.dev } : { dev }),
    ...(typeof r.gateway === 'string' ? { gateway: r.gateway } : {}),
    ...(typeof r.prefsrc === 'string' ? { prefsrc: r.prefsrc } : {}),
    ...(typeof r.protocol === 'string' ? { protocol: r.protocol } : {}),
    ...(typeof r.scope === 'string' ? { scope: r.scope } : {}),
    ...(typeof r.metric === 'number' ? { metric: r.metric } : {}),
    ...(r.table !== undefined ? { table: String(r.table) } : {}),
    flags: Array.isArray(r.flags) ? r.flags.map(String) : [],
  }));
}

/** `ip netns add NAME`: a new, empty network namespace (only its loopback, down). */
export async function netnsAdd(name: string): Promise<void> {
  await ip(['netns', 'add', name]);
}

/** `ip netns del NAME`; a namespace that is already gone is not an error. */
export async function netnsDelete(name: string): Promise<void> {
  try {
    await ip(['netns', 'del', name]);
  } catch (e) {
    if (e instanceof IpError && /No such file or directory/i.test(e.stderr)) return;
    throw e;
  }
}
