/**
 * The inspector in the two commands that run it: `ikev2 daemon --inspect/--record` (a live
 * stream) and `ikev2 inspect --replay FILE` (a recording).
 */
import { InspectionHub } from '../../../actors/inspection/hub.js';
import type { Clock } from '../../../ipsec/util/clock.js';
import type { InspectListen } from '../cli.js';
import type { Logger } from '../logger.js';
import { RecordingWriter, readRecording } from './recording.js';
import { type Inspector, startInspector } from './server.js';
import type { InspectionSource } from './source.js';

export interface InspectionOptions {
  readonly inspect?: InspectListen;
  readonly record?: { readonly file: string; readonly keys: boolean };
}

/** Whether the hub must produce keys: asked for by the page or by the recording. */
export const wantsKeys = (o: InspectionOptions): boolean =>
  o.inspect?.keys === true || o.record?.keys === true;

/**
 * The daemon's inspection hub (actors/inspection), handed to createIpsecHost. It carries keys
 * only when the page or the recording asked for them; each of the two removes them again when
 * only the other asked.
 */
export function createInspectionHub(clock: Clock, keys: boolean): InspectionHub {
  return new InspectionHub({ clock, keys });
}

/** The recorder and the server of a daemon; close() stops both (the recording is flushed). */
export class DaemonInspection {
  private constructor(
    readonly recorder: RecordingWriter | undefined,
    readonly server: Inspector | undefined,
  ) {}

  /** Starts what `o` asks for; on a failure closes what it opened and rethrows. */
  static async start(
    source: InspectionSource,
    o: InspectionOptions,
    logger: Logger,
  ): Promise<DaemonInspection> {
    let recorder: RecordingWriter | undefined;
    try {
      if (o.record) {
        const file = o.record.file;
        recorder = await RecordingWriter.start(file, source, o.record.keys, (err) =>
          logger.error({ err, record: file }, 'recording stopped: cannot write'),
        );
        logger.info({ record: o.record.file, keys: o.record.keys }, 'recording the inspection stream');
      }
      const server = o.inspect
        ? await startInspector({
            ...o.inspect,
            feed: { kind: 'live', source },
            logger: logger.child({ component: 'inspector' }),
          })
        : undefined;
      return new DaemonInspection(recorder, server);
    } catch (e) {
      await recorder?.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.recorder?.close();
  }
}

export interface ReplayIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** `ikev2 inspect --replay FILE`: serves the recording until SIGINT/SIGTERM; the exit code. */
export async function runReplay(
  cmd: InspectListen & { readonly replay: string },
  io: ReplayIo,
  until: Promise<unknown> = signalled(),
): Promise<number> {
  let server: Inspector;
  try {
    const recording = readRecording(cmd.replay);
    server = await startInspector({ ...cmd, feed: { kind: 'replay', recording, file: cmd.replay } });
    io.stdout.write(
      `replaying ${cmd.replay} (${recording.events.length} events${recording.header.started ? `, recorded ${recording.header.started}` : ''})\n` +
        `inspector: ${server.url}\n`,
    );
  } catch (e) {
    io.stderr.write(`ikev2: inspect: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  await until;
  await server.close();
  return 0;
}

function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
