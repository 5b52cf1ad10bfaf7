/**
 * Recordings (`ikev2 daemon --record FILE`, `ikev2 inspect --replay FILE`): JSON Lines. The first
 * line is a header that carries the statecharts (so a recording opens on another machine, with
 * another version of the code), every other line one InspectionEvent (actors/inspection/events.ts):
 *
 *   {"kind":"recording","format":"ikev2-inspect/1","started":"2026-...","keys":false,"machines":[...]}
 *   {"seq":1,"t":0,"kind":"actor.created","actor":"supervisor","actorKind":"supervisor"}
 *   ...
 *
 * Keys are left out (every field named `keys`) unless the writer is told to keep them.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import type { InspectionEvent } from '../../../actors/inspection/events.js';
import {
  fromJsonLines,
  JsonLinesError,
  RECORDING_FORMAT,
  type RecordingHeader,
  toJsonLine,
} from '../../../actors/inspection/record.js';
import type { InspectionSource } from './source.js';

export { RECORDING_FORMAT, type RecordingHeader };

export interface Recording {
  readonly header: RecordingHeader;
  readonly events: readonly InspectionEvent[];
}

export class RecordingError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
  }
}

/** Appends the source's events to `file` (created or truncated) from now on. */
export class RecordingWriter {
  private readonly out: WriteStream;
  private readonly off: () => void;
  private closing?: Promise<void>;
  private failure?: Error;

  private constructor(
    readonly file: string,
    source: InspectionSource,
    private readonly keys: boolean,
    out: WriteStream,
    onError?: (e: Error) => void,
  ) {
    this.out = out;
    out.on('error', (e) => {
      this.failure = e;
      onError?.(e);
    });
    const header: RecordingHeader = {
      kind: 'recording',
      format: RECORDING_FORMAT,
      started: new Date().toISOString(),
      keys,
      machines: source.machines(),
    };
    out.write(`${JSON.stringify(header)}\n`);
    this.off = source.subscribe((e) => this.write(e));
  }

  /**
   * Opens the file (rejects with a RecordingError if it cannot) and starts recording; a later
   * write error stops the recording and is handed to `onError`.
   */
  static async start(
    file: string,
    source: InspectionSource,
    keys = false,
    onError?: (e: Error) => void,
  ): Promise<RecordingWriter> {
    const out = createWriteStream(file, { flags: 'w', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', (e) => reject(new RecordingError(file, undefined, e.message)));
    });
    return new RecordingWriter(file, source, keys, out, onError);
  }

  /** The write error, if the file stopped taking lines. */
  get error(): Error | undefined {
    return this.failure;
  }

  private write(e: InspectionEvent): void {
    if (this.failure || this.closing) return;
    this.out.write(toJsonLine(e, { keys: this.keys }));
  }

  /** Stops recording and flushes the file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.off();
      this.out.end(() => resolve());
    });
    return this.closing;
  }
}

/**
 * Reads a recording. A file without the header line (a bare stream of events) is accepted too,
 * with no statecharts. Throws a RecordingError naming the file and line of the first problem.
 */
export function readRecording(file: string): Recording {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RecordingError(file, undefined, e instanceof Error ? e.message : String(e));
  }
  return parseRecording(text, file);
}

export function parseRecording(text: string, file = 'recording'): Recording {
  let parsed: ReturnType<typeof fromJsonLines>;
  try {
    parsed = fromJsonLines(text);
  } catch (e) {
    if (e instanceof JsonLinesError)
      throw new RecordingError(file, e.line, e.message.replace(/^line \d+: /, ''));
    throw e;
  }
  const { header, events } = parsed;
  if (header && header.format !== RECORDING_FORMAT)
    throw new RecordingError(
      file,
      1,
      `unknown format '${String(header.format)}' (${RECORDING_FORMAT} expected)`,
    );
  if (!header && events.length === 0) throw new RecordingError(file, undefined, 'empty recording');
  return {
    header: header
      ? { ...header, machines: Array.isArray(header.machines) ? header.machines : [] }
      : { kind: 'recording', format: RECORDING_FORMAT, started: '', keys: false, machines: [] },
    events,
  };
}
