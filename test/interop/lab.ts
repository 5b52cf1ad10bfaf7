/**
 * The strongSwan interop lab (../shared/interop, README "Interop lab"): paths, shell helpers,
 * the namespaces (PEER_NS=root: our side is 10.99.0.1 in the root namespace, charon runs in
 * netns `swan` at 10.99.0.2), charon instances started from generated config folders, and
 * swanctl against them. Only the lab's addresses are ever used: 10.99.0.0/24 on the veth,
 * the inner 10.99.1.1 (charon) / 10.99.2.0/24 and 10.99.3.0/24 (ours), and fd99::/64 which we add
 * to the veth.
 *
 * The lab folder is read-only: everything generated goes to SWANLAB_RUN (a temp folder made by
 * the global setup unless the environment names one).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The lab: SWANLAB_DIR, or ../shared/interop next to the repository (CI layout). */
export const labDir = process.env.SWANLAB_DIR ?? path.resolve(repoRoot, '..', 'shared', 'interop');

/** The lab's addresses (README: netns swan <-> root namespace with PEER_NS=root). */
export const LAB = {
  charonNs: 'swan',
  ours: '10.99.0.1',
  charon: '10.99.0.2',
  charonInner: '10.99.1.1',
  ourInner: '10.99.2.1',
  charonNet: '10.99.1.0/24',
  ourNet: '10.99.2.0/24',
  /** A second inner network on our side (lifecycle tests: a second tunnel child `net2`). */
  ourInner2: '10.99.3.1',
  ourNet2: '10.99.3.0/24',
  /** IPv6 outer addresses we add to the lab's veth ends (swanp in the root ns, swanr in swan). */
  ours6: 'fd99::1',
  charon6: 'fd99::2',
  psk: 'swanlab-psk-0123456789',
} as const;

export function runDir(): string {
  const dir = process.env.SWANLAB_RUN;
  if (!dir) throw new Error('SWANLAB_RUN is not set (the interop global setup sets it)');
  return dir;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (no shell); never rejects: the caller checks `code`. */
export function run(
  cmd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs a command and throws with its output unless it exits 0. */
export async function mustRun(
  cmd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs?: number,
): Promise<string> {
  const r = await run(cmd, args, env, timeoutMs);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`.trim());
  return r.stdout;
}

const lab = (script: string) => path.join(labDir, script);
const labEnv = (extra: Record<string, string> = {}) => ({ SWANLAB_RUN: runDir(), PEER_NS: 'root', ...extra });

/** netns.sh up with PEER_NS=root, then the IPv6 addresses on the veth (nodad: usable at once). */
export async function netnsUp(): Promise<void> {
  await mustRun(lab('netns.sh'), ['up'], labEnv());
  await mustRun('ip', ['-6', 'addr', 'replace', `${LAB.ours6}/64`, 'dev', 'swanp', 'nodad']);
  await mustRun('ip', [
    'netns',
    'exec',
    LAB.charonNs,
    'ip',
    '-6',
    'addr',
    'replace',
    `${LAB.charon6}/64`,
    'dev',
    'swanr',
    'nodad',
  ]);
}

/** teardown.sh: stops every charon of this run (by pid file) and deletes the namespaces. */
export async function teardown(): Promise<string> {
  const r = await run(lab('teardown.sh'), [], labEnv());
  return r.stdout + r.stderr;
}

export interface CharonOptions {
  readonly name: string;
  readonly netns?: string;
  /** swanctl.conf contents (loaded with swanctl --load-all after start). */
  readonly swanctlConf: string;
  /** charon.sh environment: COOKIE_THRESHOLD, COOKIE_THRESHOLD_IP, LOGLEVEL, ... */
  readonly env?: Record<string, string>;
  /** More `charon { }` settings (strongswan.conf syntax), written to a file passed as EXTRA_CONF. */
  readonly extraConf?: string;
}

/** A charon instance of the lab (charon.sh) with its own generated config folder. */
export class Charon {
  readonly name: string;
  readonly netns: string;
  readonly confDir: string;
  private readonly env: Record<string, string>;

  private constructor(o: CharonOptions) {
    this.name = o.name;
    this.netns = o.netns ?? LAB.charonNs;
    this.confDir = path.join(runDir(), `conf-${o.name}`);
    this.env = { ...o.env };
  }

  /** Starts charon from the lab's responder strongswan.conf template and `swanctlConf`. */
  static async start(o: CharonOptions): Promise<Charon> {
    const c = new Charon(o);
    mkdirSync(c.confDir, { recursive: true });
    const template = readFileSync(path.join(labDir, 'conf', 'responder', 'strongswan.conf.in'), 'utf8');
    writeFileSync(path.join(c.confDir, 'strongswan.conf.in'), template);
    writeFileSync(path.join(c.confDir, 'swanctl.conf.in'), o.swanctlConf);
    if (o.extraConf !== undefined) {
      const extra = path.join(c.confDir, 'extra.conf');
      writeFileSync(extra, `${o.extraConf}\n`);
      c.env.EXTRA_CONF = extra;
    }
    await mustRun(lab('charon.sh'), ['start', c.name, c.netns, c.confDir], labEnv(c.env));
    return c;
  }

  /** Replaces the loaded connections and secrets (swanctl --load-all with a new file). */
  async load(swanctlConf: string): Promise<void> {
    const file = path.join(runDir(), this.name, 'swanctl.conf');
    writeFileSync(file, swanctlConf);
    await this.swanctl('--load-all', '--file', file);
  }

  swanctl(...args: string[]): Promise<string> {
    return mustRun(lab('charon.sh'), ['swanctl', this.name, ...args], labEnv(this.env), 90_000);
  }

  /** swanctl --list-sas --raw, parsed. */
  async listSas(): Promise<IkeSaInfo[]> {
    return parseListSas(await this.swanctl('--list-sas', '--raw'));
  }

  /** swanctl --initiate --ike IKE --child CHILD (blocks until established or failed). */
  initiate(ike: string, child: string, timeoutS = 30): Promise<RunResult> {
    return run(
      lab('charon.sh'),
      ['swanctl', this.name, '--initiate', '--ike', ike, '--child', child, '--timeout', String(timeoutS)],
      labEnv(this.env),
      (timeoutS + 10) * 1000,
    );
  }

  /** swanctl --terminate --ike IKE (charon sends the Delete and waits for the answer). */
  terminate(ike: string, timeoutS = 15): Promise<RunResult> {
    return run(
      lab('charon.sh'),
      ['swanctl', this.name, '--terminate', '--ike', ike, '--timeout', String(timeoutS)],
      labEnv(this.env),
      (timeoutS + 10) * 1000,
    );
  }

  rekeyChild(child: string): Promise<RunResult> {
    return run(lab('charon.sh'), ['swanctl', this.name, '--rekey', '--child', child], labEnv(this.env));
  }

  /** swanctl --rekey --ike IKE (queued: charon answers before the exchange is done). */
  rekeyIke(ike: string): Promise<RunResult> {
    return run(lab('charon.sh'), ['swanctl', this.name, '--rekey', '--ike', ike], labEnv(this.env));
  }

  /** swanctl --terminate --child CHILD (charon sends the Delete and waits for the answer). */
  terminateChild(child: string, timeoutS = 15): Promise<RunResult> {
    return run(
      lab('charon.sh'),
      ['swanctl', this.name, '--terminate', '--child', child, '--timeout', String(timeoutS)],
      labEnv(this.env),
      (timeoutS + 10) * 1000,
    );
  }

  /** charon's pid (from its pid file), if it runs. */
  pid(): number | undefined {
    const f = path.join(runDir(), this.name, 'charon.pid');
    if (!existsSync(f)) return undefined;
    const pid = Number(readFileSync(f, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  }

  /** SIGKILL (an unresponsive peer: no Delete, no answers), then waits until the process is gone. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }

  /** ping from `src` to `dst` inside charon's namespace (through its TUN device and the tunnel). */
  ping(src: string, dst: string, count = 3): Promise<RunResult> {
    return this.exec('ping', ['-c', String(count), '-i', '0.2', '-W', '2', '-I', src, dst]);
  }

  /** Terminates every IKE SA charon has (by unique id, --force: no waiting for the peer). */
  async terminateAll(): Promise<void> {
    for (const sa of await this.listSas())
      await run(
        lab('charon.sh'),
        ['swanctl', this.name, '--terminate', '--ike-id', sa.uniqueid, '--force', '--timeout', '2'],
        labEnv(this.env),
      );
  }

  async stop(): Promise<void> {
    await run(lab('charon.sh'), ['stop', this.name], labEnv(this.env));
  }

  get logFile(): string {
    return path.join(runDir(), this.name, 'charon.log');
  }

  /** The size of the charon log now: logSince(mark) is what charon logged after it. */
  logMark(): number {
    return existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
  }

  /** The charon log from byte `mark` on, without the key and message hex dumps (KEYLOGLEVEL 4). */
  logSince(mark = 0): string {
    if (!existsSync(this.logFile)) return '(no charon.log)';
    return readFileSync(this.logFile)
      .subarray(mark)
      .toString('utf8')
      .split('\n')
      .filter((l) => !/^\S+ \S+ \d+\[\w+\] <[^>]*>\s+\d+: /.test(l) && !/ => \d+ bytes @ /.test(l))
      .join('\n');
  }

  /** The last lines of the charon log, without hex dumps (for diagnosis in assertion messages). */
  log(lastLines = 80): string {
    return this.logSince().split('\n').slice(-lastLines).join('\n');
  }

  /** Runs a command inside charon's namespace. */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.netns, cmd, ...args], {}, timeoutMs);
  }
}

/** A running charon: /proc/PID exists, names charon and is no zombie (killed, not yet reaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^\d+ \(charon\) [^Z]/.test(stat);
  } catch {
    return false;
  }
}

// ---- swanctl --list-sas --raw ----

/** A VICI value as swanctl --raw prints it: a string, a list, or a section. */
export type ViciValue = string | string[] | ViciSection;
export interface ViciSection {
  [key: string]: ViciValue;
}

/**
 * Parses one line of `swanctl --raw` output ("list-sa event {name {k=v k=[a b] sub {...}}}")
 * into its top-level section. Values are printed unquoted and may contain spaces
 * ("class=pre-shared key", "local-id=C=CH, O=test, CN=x"): a value runs up to the next
 * " key=" (a lower-case key), " name {" or "}".
 */
export function parseRawLine(line: string): ViciSection {
  const start = line.indexOf('{');
  if (start < 0) return {};
  let i = start + 1;
  const section = (): ViciSection => {
    const out: ViciSection = {};
    for (;;) {
      while (line[i] === ' ') i++;
      if (i >= line.length) return out;
      if (line[i] === '}') {
        i++;
        return out;
      }
      const rest = line.slice(i);
      const sub = /^([^\s{}=]+) \{/.exec(rest);
      if (sub) {
        i += sub[0].length;
        out[sub[1]!] = section();
        continue;
      }
      const list = /^([^\s{}=]+)=\[([^\]]*)\]/.exec(rest);
      if (list) {
        i += list[0].length;
        out[list[1]!] = list[2]!.split(' ').filter((s) => s !== '');
        continue;
      }
      // VICI keys are lower case: "local-id=C=CH, O=test, CN=x" is one value (a DN's attributes are upper case)
      const kv = /^([^\s{}=]+)=(.*?)(?=\s+[a-z][a-z0-9_-]*=|\s+[^\s{}=]+ \{|\s*\})/.exec(rest);
      if (kv) {
        i += kv[0].length;
        out[kv[1]!] = kv[2]!;
        continue;
      }
      throw new Error(`unparsable swanctl --raw output at ${i}: ${rest.slice(0, 60)}`);
    }
  };
  return section();
}

export interface ChildSaInfo {
  readonly name: string;
  readonly uniqueid: string;
  readonly state: string;
  readonly mode: string;
  readonly protocol: string;
  readonly encap: boolean;
  readonly spiIn: string;
  readonly spiOut: string;
  readonly encrAlg: string;
  readonly encrKeysize?: string;
  readonly integAlg?: string;
  readonly localTs: string[];
  readonly remoteTs: string[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly packetsIn: number;
  readonly packetsOut: number;
  readonly raw: ViciSection;
}

export interface IkeSaInfo {
  readonly name: string;
  readonly uniqueid: string;
  readonly state: string;
  readonly initiator: boolean;
  readonly localHost: string;
  readonly localPort: string;
  readonly remoteHost: string;
  readonly remotePort: string;
  readonly localId: string;
  readonly remoteId: string;
  readonly initiatorSpi: string;
  readonly responderSpi: string;
  readonly natRemote: boolean;
  readonly natFake: boolean;
  readonly encrAlg: string;
  readonly encrKeysize?: string;
  readonly integAlg?: string;
  readonly prfAlg: string;
  readonly dhGroup: string;
  readonly children: ChildSaInfo[];
  readonly raw: ViciSection;
}

const str = (v: ViciValue | undefined): string => (typeof v === 'string' ? v : '');
const opt = (v: ViciValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: ViciValue | undefined): string[] => (Array.isArray(v) ? v : []);
const num = (v: ViciValue | undefined): number => Number(str(v) || '0');

function childInfo(name: string, s: ViciSection): ChildSaInfo {
  const encrKeysize = opt(s['encr-keysize']);
  const integAlg = opt(s['integ-alg']);
  return {
    name: str(s.name) || name,
    uniqueid: str(s.uniqueid),
    state: str(s.state),
    mode: str(s.mode),
    protocol: str(s.protocol),
    encap: str(s.encap) === 'yes',
    spiIn: str(s['spi-in']),
    spiOut: str(s['spi-out']),
    encrAlg: str(s['encr-alg']),
    ...(encrKeysize ? { encrKeysize } : {}),
    ...(integAlg ? { integAlg } : {}),
    localTs: arr(s['local-ts']),
    remoteTs: arr(s['remote-ts']),
    bytesIn: num(s['bytes-in']),
    bytesOut: num(s['bytes-out']),
    packetsIn: num(s['packets-in']),
    packetsOut: num(s['packets-out']),
    raw: s,
  };
}

/** `swanctl --list-sas --raw` output -> one entry per IKE SA. */
export function parseListSas(output: string): IkeSaInfo[] {
  const out: IkeSaInfo[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('list-sa event')) continue;
    const top = parseRawLine(line);
    for (const [name, v] of Object.entries(top)) {
      if (typeof v !== 'object' || Array.isArray(v)) continue;
      const children = v['child-sas'];
      const encrKeysize = opt(v['encr-keysize']);
      const integAlg = opt(v['integ-alg']);
      out.push({
        name,
        uniqueid: str(v.uniqueid),
        state: str(v.state),
        initiator: str(v.initiator) === 'yes',
        localHost: str(v['local-host']),
        localPort: str(v['local-port']),
        remoteHost: str(v['remote-host']),
        remotePort: str(v['remote-port']),
        localId: str(v['local-id']),
        remoteId: str(v['remote-id']),
        initiatorSpi: str(v['initiator-spi']),
        responderSpi: str(v['responder-spi']),
        natRemote: str(v['nat-remote']) === 'yes',
        natFake: str(v['nat-fake']) === 'yes',
        encrAlg: str(v['encr-alg']),
        ...(encrKeysize ? { encrKeysize } : {}),
        ...(integAlg ? { integAlg } : {}),
        prfAlg: str(v['prf-alg']),
        dhGroup: str(v['dh-group']),
        children:
          children && typeof children === 'object' && !Array.isArray(children)
            ? Object.entries(children).flatMap(([k, c]) =>
                typeof c === 'object' && !Array.isArray(c) ? [childInfo(k, c)] : [],
              )
            : [],
        raw: v,
      });
    }
  }
  return out;
}
