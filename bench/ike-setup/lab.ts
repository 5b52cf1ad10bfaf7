/**
 * The lab side of bench/ike-setup.ts: configurations for the charon initiator (netns swanc,
 * 10.99.0.1), the charon responder and our daemon as responder (netns swan, 10.99.0.2), with the
 * same PSK, identities and proposals; starting and stopping them; /proc readings.
 *
 * Charon instances are the lab's (charon.sh start NAME NETNS CONFDIR, as test/interop/lab.ts
 * starts them: the responder template's strongswan.conf.in, a generated swanctl.conf.in and an
 * EXTRA_CONF file, runtime files under SWANLAB_RUN). Self-contained rather than importing the
 * test helpers: those locate the repository from their own path, which is wrong once compiled
 * to dist/. Unlike the tests, the namespaces are built with the peer in netns swanc
 * (PEER_NS=swanc), as the lab's initiator.sh does.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the first folder upwards with our package.json (bench/ or dist/bench/). */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"ikev2-actors"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bench/ike-setup: cannot find the repository (package.json)');
    dir = up;
  }
})();
/** The lab: SWANLAB_DIR, or ../shared/interop next to the repository. */
export const labDir = process.env.SWANLAB_DIR ?? path.resolve(repoRoot, '..', 'shared', 'interop');

/** The lab's addresses (its README). */
const LAB = {
  charonNs: 'swan',
  ours: '10.99.0.1',
  charon: '10.99.0.2',
  charonInner: '10.99.1.1',
  charonNet: '10.99.1.0/24',
  psk: 'swanlab-psk-0123456789',
} as const;

export function runDir(): string {
  const dir = process.env.SWANLAB_RUN;
  if (!dir) throw new Error('SWANLAB_RUN is not set');
  return dir;
}

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (no shell); never rejects. */
function run(cmd: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000) {
  return new Promise<RunResult>((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function mustRun(
  cmd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const r = await run(cmd, args, env);
  if (r.code !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`.trim());
  return r.stdout;
}

/** A charon of the lab (charon.sh), started from a generated config folder. */
export class Charon {
  private constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(o: {
    name: string;
    netns: string;
    swanctlConf: string;
    env: Record<string, string>;
    extraConf?: string;
  }): Promise<Charon> {
    const confDir = path.join(runDir(), `conf-${o.name}`);
    mkdirSync(confDir, { recursive: true });
    const template = readFileSync(path.join(labDir, 'conf', 'responder', 'strongswan.conf.in'), 'utf8');
    writeFileSync(path.join(confDir, 'strongswan.conf.in'), template);
    writeFileSync(path.join(confDir, 'swanctl.conf.in'), o.swanctlConf);
    const env: Record<string, string> = { SWANLAB_RUN: runDir(), ...o.env };
    if (o.extraConf !== undefined) {
      env.EXTRA_CONF = path.join(confDir, 'extra.conf');
      writeFileSync(env.EXTRA_CONF, `${o.extraConf}\n`);
    }
    await mustRun(path.join(labDir, 'charon.sh'), ['start', o.name, o.netns, confDir], env);
    return new Charon(o.name, env);
  }

  /** charon's pid (its pid file). */
  pid(): number {
    const pid = Number(readFileSync(path.join(runDir(), this.name, 'charon.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`charon ${this.name}: no pid`);
    return pid;
  }

  get vici(): string {
    return path.join(runDir(), this.name, 'charon.vici');
  }

  /** charon.sh stop: SIGTERM, SIGKILL after 5 s. */
  async stop(): Promise<void> {
    await run(path.join(labDir, 'charon.sh'), ['stop', this.name], this.env);
  }
}

export const IKE_PROPOSAL = 'aes128gcm16-prfsha256-x25519';
export const ESP_PROPOSAL = 'aes128gcm16';
/** The connection and child names on all three. */
export const CONN = 'bench';
export const CHILD = 'net';
const INITIATOR_ID = 'alice@example.org';
const RESPONDER_ID = 'bob@example.org';
const INITIATOR_NS = 'swanc';
const INITIATOR_NET = '10.99.2.0/24';

/** Log levels of both charons (charon.sh LOGLEVEL / KEYLOGLEVEL): errors and SA up/down only, no keys. */
const CHARON_ENV = { LOGLEVEL: '0', KEYLOGLEVEL: '0' };

const secrets = `secrets {
    ike-${CONN} {
        id-a = ${INITIATOR_ID}
        id-b = ${RESPONDER_ID}
        secret = "${LAB.psk}"
    }
}
`;

/**
 * One connection `bench` with one tunnel child `net`, no rekeying, no DPD, no MOBIKE, and
 * unique = never: with `no` (the default) a responder lets an IKE SA whose IKE_AUTH carries
 * INITIAL_CONTACT replace the peer's others, and the initiator sends INITIAL_CONTACT on every SA
 * it starts while it has none established with the peer (so of the first 64 in flight all but
 * one died on charon and on ours alike).
 */
function connection(o: {
  local: string;
  remote: string;
  localId: string;
  remoteId: string;
  localTs: string;
  remoteTs: string;
}): string {
  return `connections {
    ${CONN} {
        version = 2
        local_addrs = ${o.local}
        remote_addrs = ${o.remote}
        proposals = ${IKE_PROPOSAL}
        encap = yes
        mobike = no
        unique = never
        dpd_delay = 0
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = ${o.localId}
        }
        remote {
            auth = psk
            id = ${o.remoteId}
        }
        children {
            ${CHILD} {
                mode = tunnel
                local_ts = ${o.localTs}
                remote_ts = ${o.remoteTs}
                esp_proposals = ${ESP_PROPOSAL}
                rekey_time = 0
                life_time = 0
            }
        }
    }
}
`;
}

const initiatorSwanctl = `# generated by bench/ike-setup/lab.ts: the load generator
${connection({
  local: LAB.ours,
  remote: LAB.charon,
  localId: INITIATOR_ID,
  remoteId: RESPONDER_ID,
  localTs: INITIATOR_NET,
  remoteTs: LAB.charonNet,
})}${secrets}`;

const responderConnection = connection({
  local: LAB.charon,
  remote: '%any',
  localId: RESPONDER_ID,
  remoteId: INITIATOR_ID,
  localTs: LAB.charonNet,
  remoteTs: INITIATOR_NET,
});

const charonResponderSwanctl = `# generated by bench/ike-setup/lab.ts: charon as responder
${responderConnection}${secrets}`;

/**
 * Our daemon as responder: the lab's DoS thresholds as charon has them here (charon.sh: 10000),
 * so that 64 half-open SAs from one address are neither asked for cookies nor dropped.
 */
/** OURS_NODE_ARGS: extra node flags for our daemon (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const nodeArgs = (): string[] => (process.env.OURS_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');

const ourResponderConf = `# generated by bench/ike-setup/lab.ts: our daemon as responder
daemon {
    port = 500
    port_nat_t = 4500
    inner_addrs = ${LAB.charonInner}
    cookie_threshold = 10000
    cookie_threshold_ip = 10000
    block_threshold = 10000
}
${responderConnection}${secrets}`;

/** The namespaces with the peer end in netns swanc (netns.sh up). */
export async function netnsUp(): Promise<void> {
  await mustRun(path.join(labDir, 'netns.sh'), ['up'], { PEER_NS: INITIATOR_NS });
}

/** netns swan or swanc already there: another interop run or bench uses the lab. */
export function labInUse(): string | undefined {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const names = list.split('\n').map((l) => l.split(' ')[0]);
  const busy = [LAB.charonNs, INITIATOR_NS].filter((n) => names.includes(n));
  return busy.length > 0 ? busy.join(', ') : undefined;
}

/** Synchronous teardown (safe in an exit handler): charons of this run by pid file, then the namespaces. */
export function teardownSync(): void {
  try {
    execFileSync(path.join(labDir, 'teardown.sh'), [], {
      env: { ...process.env, SWANLAB_RUN: runDir() },
      stdio: 'ignore',
      timeout: 60_000,
    });
  } catch {
    // best effort: the caller reports what is left
  }
}

/** The charon load generator in netns swanc: reuse_ikesa = no (every initiate a new IKE SA). */
export function startInitiator(): Promise<Charon> {
  return Charon.start({
    name: 'initiator',
    netns: INITIATOR_NS,
    swanctlConf: initiatorSwanctl,
    env: CHARON_ENV,
    extraConf: 'reuse_ikesa = no',
  });
}

export function startCharonResponder(): Promise<Charon> {
  return Charon.start({
    name: 'responder',
    netns: LAB.charonNs,
    swanctlConf: charonResponderSwanctl,
    env: CHARON_ENV,
  });
}

/** Our `ikev2 daemon` in netns swan: --log-level warn, no --save-keys. */
export class OurResponder {
  private constructor(
    readonly child: ChildProcess,
    readonly controlPath: string,
    private readonly output: string[],
  ) {}

  static async start(): Promise<OurResponder> {
    const dir = path.join(runDir(), 'ours');
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'swanctl.conf');
    writeFileSync(config, ourResponderConf);
    const controlPath = path.join(dir, 'ikev2.sock');
    const bin = path.join(repoRoot, 'dist', 'targets', 'native', 'ikev2.js');
    const output: string[] = [];
    // `ip netns exec` execs node itself: the child's pid is the daemon's
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        LAB.charonNs,
        process.execPath,
        ...nodeArgs(),
        bin,
        'daemon',
        '--config',
        config,
        '--control',
        controlPath,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (s: Buffer) => {
      output.push(s.toString('utf8'));
      if (output.length > 200) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const d = new OurResponder(child, controlPath, output);
    const until = Date.now() + 20_000;
    while (!(await answers(controlPath))) {
      if (d.exited) throw new Error(`ikev2 daemon exited ${child.exitCode ?? child.signalCode}\n${d.log()}`);
      if (Date.now() > until) {
        await d.stop();
        throw new Error(`ikev2 daemon: no control socket after 20 s\n${d.log()}`);
      }
      await sleep(50);
    }
    return d;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  log(): string {
    return this.output.join('').trimEnd().split('\n').slice(-30).join('\n');
  }

  /**
   * IKE SAs ESTABLISHED with an INSTALLED Child SA: `list-sas` on the control socket, read here
   * rather than with `ikev2 list-sas --json`, whose client refuses answer lines over 64 KiB
   * (control.ts MAX_LINE: about 150 SAs).
   */
  async established(): Promise<number> {
    const result = await controlRequestUnbounded(this.controlPath, 'list-sas');
    if (!Array.isArray(result)) throw new Error('list-sas: not a list');
    return (result as { state: string; 'child-sas': { state: string }[] }[]).filter(
      (s) => s.state === 'ESTABLISHED' && s['child-sas'].some((c) => c.state === 'INSTALLED'),
    ).length;
  }

  /** SIGTERM (it deletes its SAs), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    if (await Promise.race([gone.then(() => true), sleep(timeoutMs).then(() => false)])) return;
    this.child.kill('SIGKILL');
    await gone;
  }

  /** For an exit handler. */
  killSync(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** One request on our control socket (newline-delimited JSON, control.ts), any answer size. */
function controlRequestUnbounded(socketPath: string, command: string, timeoutMs = 120_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${command}: no answer in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const done = (f: () => void) => {
      clearTimeout(timer);
      s.destroy();
      f();
    };
    s.once('connect', () => s.write(`${JSON.stringify({ id: 1, command, args: {} })}\n`));
    s.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!chunk.includes(10)) return;
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (line === '') continue;
        const r = JSON.parse(line) as { ok?: boolean; result?: unknown; error?: string; event?: unknown };
        if ('event' in r) continue;
        if (r.ok === true) done(() => resolve(r.result));
        else done(() => reject(new Error(`${command}: ${r.error}`)));
        return;
      }
    });
    s.once('error', (e) => done(() => reject(e)));
  });
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcSample {
  /** utime + stime of the process (all its threads), in ms. */
  readonly cpuMs: number;
  /** stime alone (the kernel's share: sendmsg and the veth path it runs), in ms. */
  readonly sysMs: number;
  /** VmRSS in KiB. */
  readonly rssKb: number;
  /** When it was read (performance.now()). */
  readonly at: number;
}

/** /proc/PID/stat (utime, stime: fields 14 and 15) and /proc/PID/status (VmRSS). */
export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may hold spaces and parentheses: count from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  const sysMs = (Number(fields[12]) * 1000) / CLK_TCK;
  return {
    cpuMs: (ticks * 1000) / CLK_TCK,
    sysMs,
    rssKb: rss ? Number(rss[1]) : Number.NaN,
    at: performance.now(),
  };
}

/** The name of a process (/proc/PID/comm), to check we measure what we think. */
export function procName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}
