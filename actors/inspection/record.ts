/**
 * Recordings as text (`--record FILE`, `ikev2 inspect --replay FILE`): JSON Lines, one
 * InspectionEvent a line, after an optional header line (targets/native/inspector/recording.ts
 * writes one with the statecharts). Pure: strings in and out; file I/O belongs to targets/native.
 *
 * Keys are left out unless `keys: true` (--record-keys): every field named `keys`, at any depth,
 * is where the stream carries secrets (events.ts), and is dropped.
 */
import type { InspectionEvent, MachineGraph } from './events.js';

export const RECORDING_FORMAT = 'ikev2-inspect/1';

export interface RecordingHeader {
  readonly kind: 'recording';
  readonly format: string;
  readonly started: string;
  readonly keys: boolean;
  readonly machines: readonly MachineGraph[];
}

export interface RecordOptions {
  /** Keep the `keys` fields (--record-keys). Default false. */
  readonly keys?: boolean;
}

/** `value` without any field named `keys`, at any depth. */
export function redactKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redactKeys(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'keys') out[k] = redactKeys(v);
  return out as T;
}

/** One event as one line of JSON (with its newline). */
export function toJsonLine(event: InspectionEvent, o: RecordOptions = {}): string {
  return `${JSON.stringify(o.keys ? event : redactKeys(event))}\n`;
}

/** Events as JSON Lines; with `header`, its line first. */
export function toJsonLines(
  events: readonly InspectionEvent[],
  o: RecordOptions & { readonly header?: Omit<RecordingHeader, 'kind' | 'format' | 'keys'> } = {},
): string {
  const head = o.header
    ? `${JSON.stringify({ kind: 'recording', format: RECORDING_FORMAT, keys: o.keys ?? false, ...o.header })}\n`
    : '';
  return head + events.map((e) => toJsonLine(e, o)).join('');
}

export class JsonLinesError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const isEvent = (v: unknown): v is InspectionEvent => {
  const o = v as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.kind === 'string' &&
    typeof o.seq === 'number' &&
    typeof o.t === 'number'
  );
};

/** Reads JSON Lines back: the header (if the first line is one) and the events, in order. Throws JsonLinesError. */
export function fromJsonLines(text: string): { header?: RecordingHeader; events: InspectionEvent[] } {
  const events: InspectionEvent[] = [];
  let header: RecordingHeader | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new JsonLinesError(i + 1, 'not JSON');
    }
    if ((v as { kind?: unknown } | null)?.kind === 'recording' && !header && events.length === 0) {
      header = v as RecordingHeader;
      continue;
    }
    if (!isEvent(v)) throw new JsonLinesError(i + 1, 'not an inspection event (kind, seq and t expected)');
    events.push(v);
  }
  return header ? { header, events } : { events };
}
