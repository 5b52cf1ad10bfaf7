/**
 * sim-cli.ts: `ikev2 sim`'s command line (defaults, flags, the command line over the scenario,
 * one-line usage errors) and a small run end to end into a temporary report directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../targets/native/main.js';
import {
  defaultMoteBundle,
  parseSimArgs,
  SIM_USAGE,
  type SimCommand,
  simMain,
} from '../../../targets/wismote/sim-cli.js';
import { SIM_DEFAULTS } from '../../../targets/wismote/sim-options.js';

const noFile = (p: string): string => {
  throw new Error(`ENOENT: no such file or directory, open '${p}'`);
};

const parsed = (argv: string[], readFile: (p: string) => string = noFile): SimCommand => {
  const r = parseSimArgs(argv, readFile);
  if (!r.ok) throw new Error(r.error);
  if (r.value === 'help') throw new Error('help');
  return r.value;
};
const failure = (argv: string[], readFile: (p: string) => string = noFile): string => {
  const r = parseSimArgs(argv, readFile);
  if (r.ok) throw new Error(`expected a usage error for ${argv.join(' ')}`);
  return r.error;
};

function io(isTTY?: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), ...(isTTY !== undefined ? { isTTY } : {}) },
    },
    out: () => out.join(''),
    err: () => err.join(''),
    errWrites: err,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ikev2-sim-'));
  dirs.push(d);
  return d;
};

describe('parseSimArgs', () => {
  it('defaults: only --report is needed', () => {
    expect(parsed(['--report', 'out'])).toEqual({
      options: SIM_DEFAULTS,
      reportDir: 'out',
      quiet: false,
      runtime: 'node',
    });
  });

  it('reads every flag', () => {
    const c = parsed([
      '--motes',
      '7',
      '--loss',
      '0.25',
      '--seed',
      'abc',
      '--topology',
      'tree',
      '--suite',
      'ccm8-x25519',
      '--fragmentation',
      'ike',
      '--duration',
      '90.5',
      '--interval',
      '0.5',
      '--report',
      'dir',
      '--runtime',
      'quickjs',
      '--mote-bundle',
      'fw.js',
      '--quiet',
    ]);
    expect(c).toEqual({
      options: {
        ...SIM_DEFAULTS,
        motes: 7,
        loss: 0.25,
        seed: 'abc',
        topology: 'tree',
        suite: 'ccm8-x25519',
        fragmentation: 'ike',
        durationS: 90.5,
        intervalS: 0.5,
      },
      reportDir: 'dir',
      quiet: true,
      runtime: 'quickjs',
      moteBundle: 'fw.js',
    });
    expect(parsed(['--report=d', '--loss=1', '--motes=1']).options).toMatchObject({ loss: 1, motes: 1 });
  });

  it('--help and -h ask for the usage, whatever else is there', () => {
    expect(parseSimArgs(['--help'])).toEqual({ ok: true, value: 'help' });
    expect(parseSimArgs(['-h', '--motes', '3'])).toEqual({ ok: true, value: 'help' });
  });

  it('the scenario file fills in the options; the command line wins over it', () => {
    const files: Record<string, string> = {
      's.yaml':
        'seed: from-file\nmotes: 4\nloss: 0.2\ntopology: line\nduration: 100\nevents:\n  - { at: 50, reboot: 5 }\n',
    };
    const read = (p: string) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: ${p}`);
      return t;
    };
    const fromFile = parsed(['--scenario', 's.yaml', '--report', 'r'], read).options;
    expect(fromFile).toEqual({
      ...SIM_DEFAULTS,
      seed: 'from-file',
      motes: 4,
      loss: 0.2,
      topology: 'line',
      durationS: 100,
      events: [{ atS: 50, kind: 'reboot', mote: 5, downS: 0 }],
    });
    const over = parsed(
      ['--scenario', 's.yaml', '--report', 'r', '--seed', 'cli', '--loss', '0', '--motes', '9'],
      read,
    );
    expect(over.options).toMatchObject({ seed: 'cli', loss: 0, motes: 9, topology: 'line', durationS: 100 });
    // The whole run is checked after the merge: fewer motes than the scenario's events name.
    expect(failure(['--scenario', 's.yaml', '--report', 'r', '--motes', '3'], read)).toBe(
      'events[0].reboot: no mote 5',
    );
    expect(failure(['--scenario', 's.yaml', '--report', 'r', '--duration', '40'], read)).toBe(
      'events[0].at: 50 s is after the end of the run (40 s)',
    );
  });

  it('a scenario error names the file and the key', () => {
    expect(failure(['--scenario', 'bad.yaml', '--report', 'r'], () => 'motes: 3\nloss: 2\n')).toBe(
      'bad.yaml: loss: must be a number from 0 to 1',
    );
    expect(failure(['--scenario', 'bad.yaml', '--report', 'r'], () => 'motes: [3\n')).toMatch(/^bad\.yaml: /);
  });

  it('an unreadable scenario', () => {
    expect(failure(['--scenario', 'nowhere.yaml', '--report', 'r'])).toBe(
      "cannot read scenario nowhere.yaml: ENOENT: no such file or directory, open 'nowhere.yaml'",
    );
  });

  it.each<[string[], string | RegExp]>([
    [['--motes', '3'], '--report DIR is required'],
    [['--report', ''], '--report DIR is required'],
    [['--report', 'r', '--motes', 'ten'], "--motes must be a whole number from 1 to 1000, not 'ten'"],
    [['--report', 'r', '--motes', '0'], "--motes must be a whole number from 1 to 1000, not '0'"],
    [['--report', 'r', '--motes', '2.5'], "--motes must be a whole number from 1 to 1000, not '2.5'"],
    [['--report', 'r', '--motes', '1001'], "--motes must be a whole number from 1 to 1000, not '1001'"],
    [['--report', 'r', '--motes', ' '], "--motes must be a whole number from 1 to 1000, not ' '"],
    [['--report', 'r', '--loss', '1.1'], "--loss must be a number from 0 to 1, not '1.1'"],
    [['--report', 'r', '--loss=-0.5'], "--loss must be a number from 0 to 1, not '-0.5'"],
    // node:util's message for a value that looks like an option spans three lines: one here.
    [['--report', 'r', '--loss', '-0.5'], /^Option '--loss' argument is ambiguous\. .*'--loss=-XYZ'/],
    [['--report', 'r', '--loss', 'NaN'], "--loss must be a number from 0 to 1, not 'NaN'"],
    [['--report', 'r', '--duration', '0'], "--duration must be a number from 1 to 604800, not '0'"],
    [
      ['--report', 'r', '--duration', 'Infinity'],
      "--duration must be a number from 1 to 604800, not 'Infinity'",
    ],
    [['--report', 'r', '--interval', '0.05'], "--interval must be a number from 0.1 to 86400, not '0.05'"],
    [['--report', 'r', '--topology', 'ring'], '--topology must be star, line or tree'],
    [['--report', 'r', '--suite', 'aes-gcm'], /^--suite must be one of seed, ccm8-ecp256, ccm8-x25519/],
    [['--report', 'r', '--fragmentation', 'ip'], '--fragmentation must be 6lowpan or ike'],
    [['--report', 'r', '--colour', 'red'], /^unknown option '--colour'/],
    [['--report', 'r', 'extra'], /positional/i],
    [['--report'], /--report/],
  ])('usage error: %j', (argv, expected) => {
    const e = failure(argv);
    if (typeof expected === 'string') expect(e).toBe(expected);
    else expect(e).toMatch(expected);
    expect(e).not.toContain('\n');
  });
});

describe('simMain', () => {
  it('a small run writes DIR/report.json and DIR/timeline.svg, prints the summary, returns 0', async () => {
    const dir = join(tempDir(), 'nested', 'out');
    const t = io();
    const code = await simMain(
      ['--motes', '2', '--duration', '20', '--interval', '5', '--seed', 'cli', '--report', dir, '--quiet'],
      t.io,
    );
    expect(t.err()).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.seed).toBe('cli');
    expect(report.ok).toBe(true);
    expect(report.motes.map((m: { id: number }) => m.id)).toEqual([2, 3]);
    for (const m of report.motes) {
      expect(m.established).toBe(true);
      expect(m.handshakeMs).toBeGreaterThan(0);
      expect(m.bytesOnAir).toBeGreaterThan(0);
      expect(m.frames).toBeGreaterThan(0);
      expect(m.exchanges.map((e: { exchange: string }) => e.exchange)).toEqual(['IKE_SA_INIT', 'IKE_AUTH']);
      expect(m.ikeRetransmissions).toBe(0); // no loss
      expect(m.linkRetries).toBeGreaterThanOrEqual(0);
      expect(m.readingsSent).toBeGreaterThanOrEqual(2);
      expect(m.readingsDelivered).toBe(m.readingsSent);
      expect(m.radioOnMs).toBeGreaterThan(0);
    }
    expect(report.gateway).toMatchObject({ id: 1, ikeSasEstablished: 2, boots: 1 });
    expect(report.gateway.readingsDelivered).toBe(
      report.motes.reduce((s: number, m: { readingsSent: number }) => s + m.readingsSent, 0),
    );
    expect(report.seedComparison.seed).toHaveLength(4);
    const svg = readFileSync(join(dir, 'timeline.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>mote 3<');
    expect(t.out()).toContain('established 2/2');
    expect(t.out()).toContain(
      `wrote ${join(dir, 'report.json')}, ${join(dir, 'timeline.svg')} and ${join(dir, 'runtime.json')}\n`,
    );
    // The node runtime's runtime.json: the firmware's time per handshake step, no heap.
    const rt = JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8'));
    expect(rt.runtime).toBe('node');
    expect(rt.motes.map((m: { id: number }) => m.id)).toEqual([2, 3]);
    for (const m of rt.motes) {
      expect(m.stepsMs.ikeSaInitRequest).toBeGreaterThan(0);
      expect(m.stepsMs.childSaInstalled).toBeGreaterThan(0);
      expect(m.heap).toBeUndefined();
    }
  });

  it('not quiet, not a terminal: progress lines on stderr, each ending in a newline', async () => {
    const dir = tempDir();
    const t = io(false);
    expect(await simMain(['--motes', '1', '--duration', '10', '--report', dir], t.io)).toBe(0);
    expect(t.errWrites.length).toBeGreaterThan(1);
    for (const w of t.errWrites) {
      expect(w.endsWith('\n')).toBe(true);
      expect(w).not.toContain('\r');
    }
    expect(t.out()).not.toBe('');
  });

  it('not quiet, a terminal: one line rewritten in place, a newline at the end', async () => {
    const dir = tempDir();
    const t = io(true);
    expect(await simMain(['--motes', '1', '--duration', '10', '--report', dir], t.io)).toBe(0);
    expect(t.errWrites.length).toBeGreaterThan(2);
    for (const w of t.errWrites.slice(0, -1)) expect(w.startsWith('\r')).toBe(true);
    expect(t.errWrites.at(-1)).toBe('\n');
  });

  it('--help prints the usage on stdout and returns 0', async () => {
    const t = io();
    expect(await simMain(['--help'], t.io)).toBe(0);
    expect(t.out()).toBe(SIM_USAGE);
    expect(SIM_USAGE).toContain('--report DIR');
    for (const flag of [
      '--motes',
      '--loss',
      '--seed',
      '--topology',
      '--suite',
      '--fragmentation',
      '--duration',
      '--interval',
      '--scenario',
      '--runtime',
      '--mote-bundle',
      '--quiet',
    ])
      expect(SIM_USAGE).toContain(flag);
    expect(t.err()).toBe('');
  });

  it.each([
    [['--motes', 'x', '--report', 'r']],
    [['--bogus']],
    [[]],
    [['--report', 'r', '--scenario', '/nonexistent/s.yaml']],
    [['--report', 'r', '--loss', '-0.5']],
    [['--report', 'r', '--runtime', 'v8']],
    [['--report', 'r', '--mote-bundle', 'm.js']],
  ])('bad arguments %j: one line on stderr, exit 2, nothing written', async (argv) => {
    const t = io();
    expect(await simMain(argv, t.io)).toBe(2);
    expect(t.out()).toBe('');
    expect(t.err()).toMatch(/^ikev2: sim: [^\n]+ \(see 'ikev2 sim --help'\)\n$/);
  });

  it("the default firmware: the suite's own (no RFC 7383), the every-suite one for --fragmentation ike", () => {
    // A one-suite firmware refuses IKE fragmentation at boot (targets/wismote/mote-stack.ts).
    const every = defaultMoteBundle('seed', true);
    expect(every).toMatch(/\/dist\/mote\/mote\.min\.js$/);
    const own = every.replace(/mote\.min\.js$/, 'mote-seed.min.js');
    expect(defaultMoteBundle('seed')).toBe(existsSync(own) ? own : every);
  });

  it('--runtime quickjs without its bundle: one line naming the file and the build command, exit 2', async () => {
    const dir = join(tempDir(), 'out');
    const t = io();
    const missing = join(tempDir(), 'none.js');
    expect(await simMain(['--runtime', 'quickjs', '--mote-bundle', missing, '--report', dir], t.io)).toBe(2);
    expect(t.err()).toMatch(
      new RegExp(`^ikev2: sim: cannot read the mote bundle ${missing}: ENOENT[^\n]*\n$`),
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("main(['sim', ...]) runs the simulator", async () => {
    const t = io();
    expect(await main(['sim', '--help'], t.io)).toBe(0);
    expect(t.out()).toBe(SIM_USAGE);
    const u = io();
    expect(await main(['sim', '--motes', 'x'], u.io)).toBe(2);
    expect(u.err()).toMatch(/^ikev2: sim: --motes must be/);
    const dir = tempDir();
    const v = io();
    expect(await main(['sim', '--motes', '1', '--duration', '20', '--report', dir, '--quiet'], v.io)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).motes).toHaveLength(1);
  });
});
