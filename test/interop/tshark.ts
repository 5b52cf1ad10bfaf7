/**
 * tshark for the interop tests: a capture in a namespace of the lab (started before the
 * traffic, stopped after it), and reading it back decrypted with Wireshark tables
 * (WIRESHARK_CONFIG_DIR = a --save-keys folder: ikev2_decryption_table, esp_sa, preferences).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mustRun } from './lab.js';

export interface Capture {
  readonly file: string;
  /** SIGINT, then waits for tshark to write the file and exit. Idempotent. */
  stop(): Promise<void>;
  stderr(): string;
}

/** How long after tshark reports capturing the traffic may start (see startCapture). */
const CAPTURE_SETTLE_MS = 500;

/** `ip netns exec NETNS tshark -i IFACE -w FILE -f FILTER`, once it reports capturing. */
export async function startCapture(
  netns: string,
  iface: string,
  file: string,
  filter = 'udp port 500 or udp port 4500',
): Promise<Capture> {
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', netns, 'tshark', '-i', iface, '-w', file, '-f', filter],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    err += s;
  });
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', (e) => {
      err += `spawn error: ${e.message}\n`;
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const capture: Capture = {
    file,
    stderr: () => err,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      })();
      return stopping;
    },
  };
  const until = Date.now() + 15_000;
  while (!err.includes('Capturing on')) {
    if (child.exitCode !== null || Date.now() > until) {
      await capture.stop();
      throw new Error(`tshark did not start capturing on ${iface} in ${netns}:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // "Capturing on" comes as dumpcap opens the interface; the first milliseconds after it can
  // still be missed (seen once in CI: our first IKE_AUTH fragments were absent from a capture
  // that held charon's answers to them). Traffic starts once the capture has settled.
  await new Promise((r) => setTimeout(r, CAPTURE_SETTLE_MS));
  return capture;
}

/**
 * `tshark -r FILE -Y FILTER -T fields -e ...` with WIRESHARK_CONFIG_DIR = keysDir and ESP
 * integrity checking on; one tab-separated line per packet (several occurrences joined by ',').
 */
export async function tsharkFields(
  file: string,
  keysDir: string,
  displayFilter: string,
  fields: readonly string[],
): Promise<string[]> {
  const out = await mustRun(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'esp.enable_encryption_decode:TRUE',
      '-o',
      'esp.enable_authentication_check:TRUE',
      '-Y',
      displayFilter,
      '-T',
      'fields',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { WIRESHARK_CONFIG_DIR: keysDir },
  );
  return out.split('\n').filter((l) => l !== '');
}

/** `tshark -r FILE -V` (every packet in full, decrypted with keysDir), for diagnosis. */
export function tsharkVerbose(file: string, keysDir: string): Promise<string> {
  return mustRun('tshark', ['-r', file, '-V', '-o', 'esp.enable_authentication_check:TRUE'], {
    WIRESHARK_CONFIG_DIR: keysDir,
  });
}
