/**
 * The `ikev2` command (run by ikev2.ts, the package's bin): parses the command line (cli.ts) and either runs
 * the daemon in the foreground or sends one request to it over the control socket.
 *
 * Each command imports what only it needs when it runs (the simulator, the inspector's replay,
 * the daemon): a daemon does not load the mesh simulator, and a one-shot request loads neither
 * (start RSS, issue 14).
 */
import { type CliIo, parseCli, runRequest, USAGE } from './cli.js';
import type { Daemon } from './daemon.js';
import { createLogger } from './logger.js';
import { releaseStartFlags } from './start-flags.js';

export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  // The mesh simulator runs in this process and needs no daemon (targets/wismote).
  if (argv[0] === 'sim') {
    releaseStartFlags(); // a CPU-bound run: V8's usual flags
    return (await import('../wismote/sim-cli.js')).simMain(argv.slice(1), io);
  }
  const parsed = parseCli(argv);
  if (!parsed.ok) {
    io.stderr.write(`ikev2: ${parsed.error} (see 'ikev2 help')\n`);
    return 2;
  }
  const cmd = parsed.value;
  if (cmd.kind === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (cmd.kind === 'request') return runRequest(cmd, io);
  if (cmd.kind === 'inspect') {
    releaseStartFlags();
    return (await import('./inspector/run.js')).runReplay(cmd, io);
  }
  const { Daemon: DaemonClass, DaemonStartError } = await import('./daemon.js');
  const logger = createLogger({ level: cmd.logLevel, pretty: cmd.pretty, out: io.stderr });
  let daemon: Daemon;
  try {
    daemon = await DaemonClass.start({
      configPath: cmd.config,
      logger,
      ...(cmd.control !== undefined ? { controlPath: cmd.control } : {}),
      ...(cmd.vici !== undefined ? { viciPath: cmd.vici } : {}),
      ...(cmd.saveKeys !== undefined ? { saveKeysDir: cmd.saveKeys } : {}),
      ...(cmd.inspect ? { inspect: cmd.inspect } : {}),
      ...(cmd.record ? { record: cmd.record } : {}),
    });
  } catch (e) {
    const lines = e instanceof DaemonStartError ? e.lines : [e instanceof Error ? e.message : String(e)];
    for (const line of lines) io.stderr.write(`ikev2: ${line}\n`);
    return 1;
  }
  // Started: from here on V8 runs with its usual heap and compiler flags (start-flags.ts).
  releaseStartFlags();
  return daemon.runUntilSignalled();
}
