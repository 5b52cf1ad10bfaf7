/**
 * Our real daemon as a child process: `node dist/targets/native/ikev2.js daemon --config FILE
 * --control SOCKET --save-keys DIR` (optionally inside a network namespace through
 * `ip netns exec`), driven by separate `ikev2` CLI processes over its control socket (a path:
 * reachable from every network namespace). Its stderr (pino JSON lines) is kept for failure
 * messages. The build (dist/) is made first if it is missing; scripts/interop/run.sh builds
 * it before every run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ListSasIke } from '../../targets/native/list-sas.js';
import { LAB, mustRun, type RunResult, repoRoot, run, runDir } from './lab.js';

/** The built `ikev2` command. */
export const IKEV2_BIN = path.join(repoRoot, 'dist', 'targets', 'native', 'ikev2.js');

/** `npm run build` unless dist/ already has the ikev2 command. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(IKEV2_BIN)) return;
  await mustRun('npm', ['run', 'build', '--silent', '--prefix', repoRoot], {}, 300_000);
  if (!existsSync(IKEV2_BIN)) throw new Error(`npm run build did not produce ${IKEV2_BIN}`);
}

export interface DaemonProcessOptions {
  /** A name for its folder under SWANLAB_RUN (config, socket, keys). */
  readonly name: string;
  /** swanctl.conf text with a `daemon { }` section. */
  readonly conf: string;
  /** Run inside this network namespace (default: the root namespace). */
  readonly netns?: string;
  readonly logLevel?: string;
  /** Fills the daemon's folder before it starts (credentials next to swanctl.conf: x509/, private/, ...). */
  readonly prepare?: (dir: string) => void;
  /** Also serve VICI (`--vici DIR/charon.vici`, for swanctl --uri). */
  readonly vici?: boolean;
}

export interface CliResult extends RunResult {
  readonly args: readonly string[];
}

/** One `ikev2 daemon` process and its control socket. */
export class DaemonProcess {
  private stderr = '';
  private exit?: Promise<number | null>;
  readonly dir: string;
  readonly configPath: string;
  readonly controlPath: string;
  readonly keysDir: string;
  /** The VICI socket (`--vici`), when started with `vici: true`. */
  readonly viciPath: string | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    dir: string,
    vici: boolean,
  ) {
    this.dir = dir;
    this.viciPath = vici ? path.join(dir, 'charon.vici') : undefined;
    this.configPath = path.join(dir, 'swanctl.conf');
    this.controlPath = path.join(dir, 'ikev2.sock');
    this.keysDir = path.join(dir, 'keys');
  }

  /** Spawns the daemon and waits until its control socket answers (or it exits: rejects). */
  static async start(o: DaemonProcessOptions): Promise<DaemonProcess> {
    await ensureBuilt();
    const base = path.join(runDir(), 'daemons');
    mkdirSync(base, { recursive: true });
    const dir = mkdtempSync(path.join(base, `${o.name}-`));
    const conf = path.join(dir, 'swanctl.conf');
    writeFileSync(conf, o.conf);
    o.prepare?.(dir);
    const args = [
      IKEV2_BIN,
      'daemon',
      '--config',
      conf,
      '--control',
      path.join(dir, 'ikev2.sock'),
      '--save-keys',
      path.join(dir, 'keys'),
      '--log-level',
      o.logLevel ?? 'debug',
      ...(o.vici ? ['--vici', path.join(dir, 'charon.vici')] : []),
    ];
    // `ip netns exec` execs the command itself: the pid is node's, signals reach the daemon.
    const child = o.netns
      ? spawn('ip', ['netns', 'exec', o.netns, process.execPath, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const d = new DaemonProcess(o.name, child, dir, o.vici === true);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      d.stderr += s;
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => {
      d.stderr += s;
    });
    d.exit = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
      child.on('error', (e) => {
        d.stderr += `spawn error: ${e.message}\n`;
        resolve(null);
      });
    });
    let exited: number | null | undefined;
    void d.exit.then((c) => {
      exited = c;
    });
    const until = Date.now() + 15_000;
    while (!d.stderr.includes('"daemon started"')) {
      if (exited !== undefined) throw new Error(`ikev2 daemon ${o.name} exited ${exited}\n${d.log()}`);
      if (Date.now() > until) {
        await d.kill();
        throw new Error(`ikev2 daemon ${o.name} did not start in 15 s\n${d.log()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return d;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs `ikev2 ARGS --control SOCKET` as its own process (the real CLI). */
  async cli(...args: string[]): Promise<CliResult> {
    const r = await run(process.execPath, [IKEV2_BIN, ...args, '--control', this.controlPath], {}, 90_000);
    return { ...r, args };
  }

  /** `ikev2 ARGS`, which must exit 0 (else throws with its output and the daemon's log). */
  async mustCli(...args: string[]): Promise<string> {
    const r = await this.cli(...args);
    if (r.code !== 0)
      throw new Error(
        `ikev2 ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}\n--- daemon ${this.name} log ---\n${this.log()}`,
      );
    return r.stdout;
  }

  /** `ikev2 list-sas --json`, parsed. */
  async listSas(): Promise<ListSasIke[]> {
    return JSON.parse(await this.mustCli('list-sas', '--json')) as ListSasIke[];
  }

  /** The daemon's log (stderr), the last `lines` lines. */
  log(lines = 60): string {
    return this.stderr.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** The parsed JSON log records (lines that are not JSON are skipped). */
  records(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.stderr.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a partial line
      }
    }
    return out;
  }

  /** Whether the process has exited. */
  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Sends `signal` and waits (up to `timeoutMs`) for the exit code (-1: killed by a signal). */
  async signal(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null | 'timeout'> {
    if (!this.exited) this.child.kill(signal);
    return Promise.race([
      this.exit!,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref()),
    ]);
  }

  /** Cleanup: SIGTERM, then SIGKILL if it does not go away. */
  async kill(): Promise<void> {
    if (this.exited) return;
    if ((await this.signal('SIGTERM', 5000)) === 'timeout') await this.signal('SIGKILL', 5000);
  }
}

/** A `daemon { }` section and one connection, in swanctl.conf syntax. */
export interface DaemonConf {
  readonly port?: number;
  readonly natT?: number;
  readonly innerAddrs: readonly string[];
  readonly connection: string;
  readonly local: string;
  readonly remote: string;
  readonly localId: string;
  readonly remoteId: string;
  readonly proposals: string;
  readonly espProposals: string;
  readonly child: string;
  readonly mode?: 'tunnel' | 'transport';
  /** Default dynamic (the IKE addresses). */
  readonly localTs?: string;
  readonly remoteTs?: string;
  /** daemon.fragment_size (default: not written, 1280). */
  readonly fragmentSize?: number;
  /** swanctl fragmentation (default: not written, yes). */
  readonly fragmentation?: 'yes' | 'accept' | 'force' | 'no';
}

export function daemonConf(c: DaemonConf): string {
  const ts = (k: string, v: string | undefined) => (v ? `\n                ${k} = ${v}` : '');
  return `# generated by test/interop/daemon-host.ts
daemon {
    port = ${c.port ?? 500}
    port_nat_t = ${c.natT ?? 4500}
    inner_addrs = ${c.innerAddrs.join(', ')}
    retransmit_timeout = 1
    retransmit_tries = 3${c.fragmentSize === undefined ? '' : `\n    fragment_size = ${c.fragmentSize}`}
}
connections {
    ${c.connection} {
        version = 2
        local_addrs = ${c.local}
        remote_addrs = ${c.remote}
        proposals = ${c.proposals}
        encap = yes
        mobike = no${c.fragmentation === undefined ? '' : `\n        fragmentation = ${c.fragmentation}`}
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = ${c.localId}
        }
        remote {
            auth = psk
            id = ${c.remoteId}
        }
        children {
            ${c.child} {
                mode = ${c.mode ?? 'tunnel'}${ts('local_ts', c.localTs)}${ts('remote_ts', c.remoteTs)}
                esp_proposals = ${c.espProposals}
                rekey_time = 0
                life_time = 0
            }
        }
    }
}
secrets {
    ike-${c.connection} {
        id-a = ${c.localId}
        id-b = ${c.remoteId}
        secret = "${LAB.psk}"
    }
}
`;
}

/** Polls `probe` until it returns a value (not undefined), or throws after `timeoutMs` with `what()`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: () => string | Promise<string>,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting: ${await what()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Something with a log tail: a DaemonProcess or a lab Charon. */
interface Logged {
  log(lines?: number): string;
}

/**
 * Runs `fn`; on failure adds the tails of our daemon's and charon's logs (as they are then) to
 * the error.
 */
export async function withLogs(
  fn: () => Promise<void>,
  logs: () => { readonly daemon?: Logged | undefined; readonly charon?: Logged | undefined },
): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const { daemon, charon } = logs();
    err.message += `\n--- ikev2 daemon log (tail) ---\n${daemon?.log(40)}\n--- charon.log (tail) ---\n${charon?.log(40)}`;
    throw err;
  }
}
