/**
 * Logging for the daemon: pino, structured JSON lines by default (one object per line on
 * stderr), or a small human format with --pretty (pino-pretty is not a dependency):
 *   12:03:04.123 INFO  IKE SA established  ike=1 name=gw remote=10.99.0.2:500
 */
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export const isLogLevel = (s: string): s is LevelWithSilent => (LOG_LEVELS as readonly string[]).includes(s);

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Keys pino adds to every line; the pretty format shows them in its own places. */
const FIXED_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function valueText(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // Endpoints read better as address:port.
    if (typeof o.address === 'string' && typeof o.port === 'number' && Object.keys(o).length === 2)
      return o.address.includes(':') ? `[${o.address}]:${o.port}` : `${o.address}:${o.port}`;
  }
  return JSON.stringify(v);
}

/** Formats one pino JSON line for humans; lines that are not JSON pass through unchanged. */
export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const t = typeof o.time === 'number' ? new Date(o.time) : new Date();
  const time = t.toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const fields = Object.entries(o)
    .filter(([k]) => !FIXED_KEYS.has(k))
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join(' ');
  return `${time} ${level} ${String(o.msg ?? '')}${fields ? `  ${fields}` : ''}\n`;
}

/** A pino destination that writes prettyLine() of every record to `out`. */
export function prettyStream(out: { write(s: string): unknown }): DestinationStream {
  return { write: (msg: string) => void out.write(prettyLine(msg)) };
}

export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  readonly pretty?: boolean;
  /** Default: process.stderr (stdout is for command output). */
  readonly out?: { write(s: string): unknown };
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const out = o.out ?? process.stderr;
  const dest: DestinationStream = o.pretty ? prettyStream(out) : { write: (s: string) => void out.write(s) };
  return pino({ level: o.level ?? 'info', base: { pid: process.pid } }, dest);
}

export type { Logger } from 'pino';
