/**
 * The `ikev2` command line (node:util parseArgs). `ikev2 daemon` runs the daemon in the
 * foreground; every other command talks to it over the control socket. Output goes to stdout;
 * an error is one line on stderr ("ikev2: ...") with exit code 1, or 2 for a usage error.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { err, ok, type Result } from '../../ipsec/result.js';
import { controlRequest, defaultSocketPath } from './control.js';
import { checkListen, DEFAULT_ADDRESS, InspectorError, parseListen } from './inspector/access.js';
import { formatListCerts, type ListCertsEntry } from './list-certs.js';
import { formatListConns, type ListConnsEntry } from './list-conns.js';
import { formatListSas, type ListSasIke } from './list-sas.js';
import { isLogLevel, type LOG_LEVELS } from './logger.js';

export const USAGE = `usage: ikev2 <command> [options]
  daemon     --config FILE [--control SOCKET] [--vici SOCKET] [--save-keys DIR] [--log-level L] [--pretty]
             [--inspect [ADDR:]PORT [--inspect-token T] [--inspect-keys]] [--record FILE [--record-keys]]
  initiate   --child NAME [--ike NAME] [--timeout S]
  terminate  --ike NAME | --ike-id N | --child NAME
  rekey      --ike NAME | --ike-id N | --child NAME
  list-sas   [--json]
  list-conns [--json]
  list-certs [--json]
  ping       --child NAME [--ike NAME] DEST [-c N]
  reload
  inspect    --replay FILE [--port P] [--address A] [--token T] [--inspect-keys]
  sim        --report DIR [--motes N] [--loss P] [--seed S] [--topology T] [--scenario FILE] ...
  help
Commands other than daemon take --control SOCKET (default $XDG_RUNTIME_DIR/ikev2.sock, else /run/ikev2.sock).
--vici SOCKET serves strongSwan's VICI (swanctl --uri unix://SOCKET) there; overrides daemon.vici.
Log levels: fatal, error, warn, info (default), debug, trace, silent.
--inspect serves the statechart inspector (a web page, 127.0.0.1 unless ADDR is given; any other
address needs --inspect-token); --record writes its event stream as JSON Lines for 'ikev2 inspect'.
'ikev2 sim --help' describes the Wismote mesh simulator.
`;

type LogLevel = (typeof LOG_LEVELS)[number];

export type CliCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'daemon';
      readonly config: string;
      readonly control?: string;
      /** --vici: the VICI socket (overrides daemon.vici). */
      readonly vici?: string;
      readonly saveKeys?: string;
      readonly logLevel: LogLevel;
      readonly pretty: boolean;
      readonly inspect?: InspectListen;
      readonly record?: { readonly file: string; readonly keys: boolean };
    }
  | ({ readonly kind: 'inspect'; readonly replay: string } & InspectListen)
  | {
      readonly kind: 'request';
      readonly command:
        | 'initiate'
        | 'terminate'
        | 'rekey'
        | 'list-sas'
        | 'list-conns'
        | 'list-certs'
        | 'ping'
        | 'reload';
      readonly args: Record<string, unknown>;
      readonly control: string;
      readonly json: boolean;
      /** Client-side limit in ms (0 = none). */
      readonly timeoutMs: number;
    };

/** Where the inspector listens, its token, and whether it shows keys. */
export interface InspectListen {
  readonly address: string;
  readonly port: number;
  readonly token?: string;
  readonly keys: boolean;
}

/** `ikev2 inspect`'s port when --port is not given. */
export const DEFAULT_INSPECT_PORT = 7296;

export class UsageError extends Error {}

const CONTROL = { control: { type: 'string' } } as const;
const TARGET = { ike: { type: 'string' }, 'ike-id': { type: 'string' }, child: { type: 'string' } } as const;

const SPECS = {
  daemon: {
    config: { type: 'string' },
    control: { type: 'string' },
    vici: { type: 'string' },
    'save-keys': { type: 'string' },
    'log-level': { type: 'string' },
    pretty: { type: 'boolean' },
    inspect: { type: 'string' },
    'inspect-token': { type: 'string' },
    'inspect-keys': { type: 'boolean' },
    record: { type: 'string' },
    'record-keys': { type: 'boolean' },
  },
  inspect: {
    replay: { type: 'string' },
    port: { type: 'string' },
    address: { type: 'string' },
    token: { type: 'string' },
    'inspect-keys': { type: 'boolean' },
  },
  initiate: { ...CONTROL, child: { type: 'string' }, ike: { type: 'string' }, timeout: { type: 'string' } },
  terminate: { ...CONTROL, ...TARGET, timeout: { type: 'string' } },
  rekey: { ...CONTROL, ...TARGET },
  'list-sas': { ...CONTROL, json: { type: 'boolean' } },
  'list-conns': { ...CONTROL, json: { type: 'boolean' } },
  'list-certs': { ...CONTROL, json: { type: 'boolean' } },
  ping: { ...CONTROL, child: { type: 'string' }, ike: { type: 'string' }, c: { type: 'string', short: 'c' } },
  reload: { ...CONTROL },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Values = Record<string, string | boolean | undefined>;

function parse(command: keyof typeof SPECS, args: string[]): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({
      args,
      options: SPECS[command],
      strict: true,
      allowPositionals: command === 'ping',
    });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const m = e instanceof Error ? e.message : String(e);
    const opt = /'(-[^' ]+)/.exec(m)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${command}: unknown option '${opt}'`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw new UsageError(`${command}: ${opt} needs a value`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(`${command}: unexpected argument '${/'([^']*)'/.exec(m)?.[1]}'`);
    throw new UsageError(`${command}: ${m}`);
  }
}

function seconds(command: string, name: string, v: string | boolean | undefined, integer = false) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (
    typeof v !== 'string' ||
    v.trim() === '' ||
    !Number.isFinite(n) ||
    n < 0 ||
    (integer && !Number.isInteger(n))
  )
    throw new UsageError(`${command}: ${name} must be a ${integer ? 'whole ' : ''}number >= 0, not '${v}'`);
  return n;
}

/** --ike NAME | --ike-id N | --child NAME: exactly one. */
function target(command: string, v: Values): Record<string, unknown> {
  const given = (['ike', 'ike-id', 'child'] as const).filter((k) => v[k] !== undefined);
  if (given.length !== 1)
    throw new UsageError(`${command}: give exactly one of --ike NAME, --ike-id N, --child NAME`);
  if (v['ike-id'] !== undefined) {
    const id = seconds(command, '--ike-id', v['ike-id'], true);
    if (!id) throw new UsageError(`${command}: --ike-id must be a positive integer`);
    return { ikeId: id };
  }
  return v.ike !== undefined ? { ike: v.ike } : { child: v.child };
}

const need = (command: string, v: Values, key: string): string => {
  const s = v[key];
  if (typeof s !== 'string' || s === '') throw new UsageError(`${command}: --${key} NAME is required`);
  return s;
};

/** The inspector's address, port and token, checked (a non-loopback address needs a token). */
function inspectListen(command: string, spec: string, token: unknown, keys: unknown): InspectListen {
  try {
    const listen = parseListen(spec);
    const t = typeof token === 'string' ? token : undefined;
    checkListen(listen, t);
    return { ...listen, ...(t !== undefined ? { token: t } : {}), keys: keys === true };
  } catch (e) {
    if (e instanceof InspectorError) throw new UsageError(`${command}: ${e.message}`);
    throw e;
  }
}

function daemonInspection(v: Values) {
  if (v.inspect === undefined && (v['inspect-token'] !== undefined || v['inspect-keys'] !== undefined))
    throw new UsageError('daemon: --inspect-token and --inspect-keys need --inspect [ADDR:]PORT');
  if (v.record === undefined && v['record-keys'] !== undefined)
    throw new UsageError('daemon: --record-keys needs --record FILE');
  if (v.record === '') throw new UsageError('daemon: --record FILE needs a file name');
  return {
    ...(typeof v.inspect === 'string'
      ? { inspect: inspectListen('daemon', v.inspect, v['inspect-token'], v['inspect-keys']) }
      : {}),
    ...(typeof v.record === 'string' ? { record: { file: v.record, keys: v['record-keys'] === true } } : {}),
  };
}

function inspectCommand(v: Values): CliCommand {
  const replay = v.replay;
  if (typeof replay !== 'string' || replay === '') throw new UsageError('inspect: --replay FILE is required');
  const port = seconds('inspect', '--port', v.port, true) ?? DEFAULT_INSPECT_PORT;
  if (port > 65535) throw new UsageError(`inspect: --port must be at most 65535, not '${v.port}'`);
  const address = typeof v.address === 'string' ? v.address : DEFAULT_ADDRESS;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    kind: 'inspect',
    replay,
    ...inspectListen('inspect', `${host}:${port}`, v.token, v['inspect-keys']),
  };
}

/** Reads argv (without node and the script); never throws. */
export function parseCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Result<CliCommand, string> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h')
      return ok({ kind: 'help' });
    if (!Object.hasOwn(SPECS, command)) throw new UsageError(`unknown command '${command}'`);
    const name = command as keyof typeof SPECS;
    const { values: v, positionals } = parse(name, rest);
    if (name === 'daemon') {
      const level = (v['log-level'] as string | undefined) ?? 'info';
      if (!isLogLevel(level)) throw new UsageError(`daemon: unknown log level '${level}'`);
      return ok({
        kind: 'daemon',
        config: need('daemon', v, 'config'),
        ...(v.control !== undefined ? { control: v.control as string } : {}),
        ...(v.vici !== undefined ? { vici: v.vici as string } : {}),
        ...(v['save-keys'] !== undefined ? { saveKeys: v['save-keys'] as string } : {}),
        logLevel: level,
        pretty: v.pretty === true,
        ...daemonInspection(v),
      });
    }
    if (name === 'inspect') return ok(inspectCommand(v));
    const control = (v.control as string | undefined) ?? defaultSocketPath(env);
    const request = (args: Record<string, unknown>, timeoutMs = 0) =>
      ok<CliCommand>({ kind: 'request', command: name, args, control, json: v.json === true, timeoutMs });
    switch (name) {
      case 'initiate': {
        const timeout = seconds(name, '--timeout', v.timeout);
        const args = { child: need(name, v, 'child'), ...(v.ike !== undefined ? { ike: v.ike } : {}) };
        // The daemon enforces the timeout; the client waits a little longer for its answer.
        return timeout ? request({ ...args, timeout }, timeout * 1000 + 5000) : request(args);
      }
      case 'terminate': {
        const timeout = seconds(name, '--timeout', v.timeout);
        return request({ ...target(name, v), ...(timeout !== undefined ? { timeout } : {}) });
      }
      case 'rekey':
        return request(target(name, v));
      case 'ping': {
        if (positionals.length !== 1) throw new UsageError('ping: give exactly one destination address');
        const count = seconds(name, '-c', v.c, true) ?? 3;
        if (count < 1) throw new UsageError('ping: -c must be at least 1');
        return request({
          child: need(name, v, 'child'),
          dest: positionals[0],
          count,
          ...(v.ike !== undefined ? { ike: v.ike } : {}),
        });
      }
      default:
        return request({});
    }
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e));
  }
}

export interface CliIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

interface PingEvent {
  readonly start?: { src: string; dst: string; child: string };
  readonly reply?: { seq: number; from: string; bytes: number; rttMs: number };
  readonly message?: string;
}

/** Runs a control command and prints its answer; returns the exit code. */
export async function runRequest(cmd: Extract<CliCommand, { kind: 'request' }>, io: CliIo): Promise<number> {
  const print = (s: string) => io.stdout.write(s.endsWith('\n') || s === '' ? s : `${s}\n`);
  const onEvent = (e: unknown) => {
    const ev = e as PingEvent;
    if (ev.start) print(`PING ${ev.start.dst} from ${ev.start.src} through CHILD_SA '${ev.start.child}'`);
    else if (ev.reply)
      print(
        `${ev.reply.bytes} bytes from ${ev.reply.from}: icmp_seq=${ev.reply.seq} time=${ev.reply.rttMs} ms`,
      );
    else if (ev.message && !cmd.json) print(ev.message);
  };
  let result: unknown;
  try {
    result = await controlRequest(cmd.control, cmd.command, cmd.args, { onEvent, timeoutMs: cmd.timeoutMs });
  } catch (e) {
    io.stderr.write(`ikev2: ${cmd.command}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const r = result as Record<string, unknown>;
  switch (cmd.command) {
    case 'list-sas':
      print(cmd.json ? JSON.stringify(result, null, 2) : formatListSas(result as ListSasIke[]));
      return 0;
    case 'list-conns':
      print(cmd.json ? JSON.stringify(result, null, 2) : formatListConns(result as ListConnsEntry[]));
      return 0;
    case 'list-certs':
      print(
        cmd.json ? JSON.stringify(result, null, 2) : formatListCerts(result as ListCertsEntry[], Date.now()),
      );
      return 0;
    case 'initiate':
      print(String(r.message));
      return 0;
    case 'terminate':
      print(`terminated ${r.terminated} SA(s)`);
      return 0;
    case 'rekey':
      print(`rekeying ${r.rekeyed} SA(s)`);
      return 0;
    case 'reload': {
      const restart = (r.restart as string[] | undefined) ?? [];
      print(restart.length ? `reloaded; needs a restart: ${restart.join(', ')}` : 'reloaded');
      return 0;
    }
    case 'ping': {
      const sent = Number(r.sent);
      const received = Number(r.received);
      const loss = sent ? Math.round((100 * (sent - received)) / sent) : 0;
      print(`--- ${r.dst} ping statistics ---`);
      print(`${sent} packets transmitted, ${received} received, ${loss}% packet loss`);
      if (received > 0) return 0;
      io.stderr.write(`ikev2: ping: no reply from ${r.dst}\n`);
      return 1;
    }
  }
}
