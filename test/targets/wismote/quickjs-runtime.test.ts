/**
 * `ikev2 sim --runtime quickjs`: every mote's firmware bundle in a QuickJS runtime of its own,
 * against the gateway in Node over the same simulated medium. The runtimes must not change
 * behaviour: the report is the same, to the octet and the microsecond, as the node runtime's for
 * the same seed, on a star with loss, on a line with RFC 7383 fragmentation (routes, pacing and
 * fragment sizing cross the host boundary) and across a reboot (a fresh runtime).
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { type MoteTexts, TEXT_END, TEXT_START } from '../../../targets/wismote/mote-texts.js';
import { loadQuickJs, QuickJsMoteRuntime } from '../../../targets/wismote/quickjs-runtime.js';
import { runSimulation } from '../../../targets/wismote/sim.js';
import { simMain } from '../../../targets/wismote/sim-cli.js';
import { SIM_DEFAULTS, type SimOptions } from '../../../targets/wismote/sim-options.js';

/**
 * The firmware bundle, built as `npm run build:mote` builds it (minified): every suite, or one
 * suite's firmware (`--suite`, the one a board flashes).
 */
async function buildBundle(suite?: string): Promise<string> {
  return (await buildFirmware(suite)).code;
}

/** The firmware and its texts' dictionary (the host's: build-mote writes it beside). */
async function buildFirmware(suite?: string): Promise<{ code: string; texts: MoteTexts }> {
  const script = '../../../scripts/build-mote.mjs';
  const { buildMote } = (await import(script)) as {
    buildMote: (o?: { suite?: string }) => Promise<{ minCode: Uint8Array; texts: MoteTexts }>;
  };
  const b = await buildMote(suite ? { suite } : {});
  return { code: new TextDecoder().decode(b.minCode), texts: b.texts };
}

let code = '';
beforeAll(async () => {
  code = await buildBundle();
}, 60_000);

async function both(o: Partial<SimOptions>, firmware = code) {
  const options = { ...SIM_DEFAULTS, ...o };
  const node = runSimulation(options, { provider: nobleProvider, compareWithSeed: false });
  const runtime = new QuickJsMoteRuntime(await loadQuickJs(), { code: firmware });
  const quickjs = runSimulation(options, {
    provider: nobleProvider,
    compareWithSeed: false,
    runtime,
    wallClock: runtime.firmwareClock,
  });
  return { node: node.report, quickjs: quickjs.report, world: quickjs.world, heaps: runtime.measurements() };
}

describe('the quickjs mote runtime', () => {
  it('a star of 3 motes under 10 % loss: the same report as the node runtime, and each mote measured', async () => {
    const r = await both({ seed: 'qjs-star', motes: 3, loss: 0.1, durationS: 60, intervalS: 10 });
    expect(r.quickjs.ok).toBe(true);
    expect(r.quickjs.motes.every((m) => m.established && m.readingsDelivered >= 3)).toBe(true);
    expect(JSON.stringify(r.quickjs)).toBe(JSON.stringify(r.node));
    expect(r.heaps.map((h) => h.short)).toEqual([2, 3, 4]);
    for (const h of r.heaps) {
      // An empty QuickJS context holds ~84 KiB; the firmware's code and state come on top.
      expect(h.afterBoot!.octets).toBeGreaterThan(200 * 1024);
      expect(h.afterBoot!.functionOctets).toBeGreaterThan(0);
      expect(h.afterHandshake!.octets).toBeGreaterThan(0);
      expect(h.peak!.octets).toBeGreaterThanOrEqual(Math.max(h.afterBoot!.octets, h.afterHandshake!.octets));
      expect(h.samples).toBeGreaterThan(10);
    }
    for (const m of r.world.motes) {
      const s = m.steps[0]!;
      expect(s.ikeSaInitRequest).toBeGreaterThan(0);
      expect(s.ikeAuthRequest).toBeGreaterThan(0);
      expect(s.childSaInstalled).toBeGreaterThan(0);
    }
  }, 120_000);

  it("the seed suite's own firmware (build-mote --suite seed) under 10 % loss: the same report as the node runtime", async () => {
    const r = await both(
      { seed: 'qjs-seed-firmware', motes: 2, loss: 0.1, durationS: 40, intervalS: 10 },
      await buildBundle('seed'),
    );
    expect(r.quickjs.ok).toBe(true);
    expect(r.quickjs.motes.every((m) => m.established && m.readingsDelivered >= 2)).toBe(true);
    expect(JSON.stringify(r.quickjs)).toBe(JSON.stringify(r.node));
  }, 120_000);

  // Each suite's own firmware looks its suite up by name (a quoted key the property renaming
  // once renamed: every firmware but the seed's stopped at boot).
  for (const suite of ['ccm8-ecp256', 'ccm8-x25519'] as const)
    it(`the ${suite} suite's own firmware: the same report as the node runtime`, async () => {
      const r = await both(
        { seed: `qjs-${suite}`, suite, motes: 2, loss: 0.1, durationS: 30, intervalS: 10 },
        await buildBundle(suite),
      );
      expect(r.quickjs.ok).toBe(true);
      expect(r.quickjs.motes.every((m) => m.established && m.readingsDelivered >= 1)).toBe(true);
      expect(JSON.stringify(r.quickjs)).toBe(JSON.stringify(r.node));
    }, 120_000);

  it('a line of 3 with RFC 7383 fragmentation and a reboot: the same report as the node runtime', async () => {
    const r = await both({
      seed: 'qjs-line',
      motes: 3,
      topology: 'line',
      fragmentation: 'ike',
      durationS: 90,
      intervalS: 15,
      events: [{ atS: 40, kind: 'reboot', mote: 3, downS: 5 }],
    });
    expect(r.quickjs.ok).toBe(true);
    expect(r.quickjs.motes.find((m) => m.id === 3)!.boots).toBe(2);
    expect(Math.max(...r.quickjs.motes.map((m) => m.hops))).toBe(3);
    expect(JSON.stringify(r.quickjs)).toBe(JSON.stringify(r.node));
    expect(r.heaps.find((h) => h.short === 3)!.boots).toBe(2);
  }, 120_000);

  it('the firmware carries codes for its texts; the host, given the dictionary, writes them out', async () => {
    const { code: seed, texts } = await buildFirmware('seed');
    const refusal = 'IKE fragmentation: this minimal firmware has no RFC 7383 (the every-suite firmware has)';
    expect(seed).not.toContain(refusal);
    expect(seed).not.toContain('IKE SA established');
    expect(texts.texts).toContainEqual([refusal]);
    const dir = mkdtempSync(join(tmpdir(), 'ikev2-qjs-texts-'));
    try {
      const bundle = join(dir, 'mote-seed.min.js');
      writeFileSync(bundle, seed);
      const run = async () => {
        const err: string[] = [];
        const io = { stdout: { write: () => {} }, stderr: { write: (t: string) => err.push(t) } };
        const argv = ['--motes', '1', '--duration', '5', '--fragmentation', 'ike', '--quiet'];
        const report = ['--report', join(dir, 'out')];
        const status = await simMain(
          [...argv, ...report, '--runtime', 'quickjs', '--mote-bundle', bundle],
          io,
        );
        return { status, err: err.join('') };
      };
      // without the dictionary the refusal comes out as the firmware says it: a code
      const coded = await run();
      expect(coded.status).not.toBe(0);
      expect(coded.err).toMatch(new RegExp(`${TEXT_START}[0-9a-z]+${TEXT_END}`));
      expect(coded.err).not.toContain(refusal);
      // with it beside the bundle (as build-mote writes it), as the source says it
      writeFileSync(join(dir, 'mote-seed.texts.json'), JSON.stringify(texts));
      const decoded = await run();
      expect(decoded.status).toBe(1);
      expect(decoded.err).toBe(`ikev2: sim: the mote firmware ${bundle} stopped: ${refusal}\n`);
      expect(decoded.err).not.toContain(TEXT_START);
      // a dictionary that is not one is an error of its own
      writeFileSync(join(dir, 'mote-seed.texts.json'), '{"texts": 3}');
      expect((await run()).err).toContain('mote-seed.texts.json is not a dictionary of firmware texts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the firmware's log lines and errors reach the host's log written out", async () => {
    const script = '../../../scripts/mote-texts.mjs';
    const { encodeTexts } = (await import(script)) as {
      encodeTexts: (c: string) => { code: string; texts: string[][] };
    };
    // a firmware of two lines: one log line, then an error from its first tick
    const firmware = encodeTexts(`var Mote = { createMote(caps, o) {
      caps.log(\`mote \${o.short}: IKE SA established\`);
      return { tick() { throw new Error('SA ' + o.short + ' reached its hard lifetime'); } };
    } };`);
    expect(firmware.code).not.toContain('IKE SA established');
    const lines: string[] = [];
    const runtime = new QuickJsMoteRuntime(await loadQuickJs(), {
      code: firmware.code,
      texts: { texts: firmware.texts },
      measureHeap: false,
    });
    const caps = {
      now: () => 0,
      wakeAt: () => {},
      random: (n: number) => new Uint8Array(n),
      radioSend: () => {},
      log: (line: string) => lines.push(line),
    };
    const mote = runtime.boot(caps, { short: 7, psk: new Uint8Array(32) });
    expect(lines).toEqual(['mote 7: IKE SA established']);
    expect(() => mote.tick()).toThrow('SA 7 reached its hard lifetime');
  });

  it("ikev2 sim --runtime quickjs prints and writes each mote's heap, step times and the bundle size", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ikev2-qjs-'));
    try {
      const bundle = join(dir, 'mote.min.js');
      writeFileSync(bundle, code);
      const out: string[] = [];
      const err: string[] = [];
      const io = {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
      };
      const argv = ['--motes', '2', '--duration', '20', '--seed', 'cli', '--quiet'];
      const report = join(dir, 'out');
      expect(
        await simMain([...argv, '--runtime', 'quickjs', '--mote-bundle', bundle, '--report', report], io),
      ).toBe(0);
      expect(err.join('')).toBe('');
      const text = out.join('');
      expect(text).toContain(`bundle ${bundle} ${(Buffer.byteLength(code) / 1024).toFixed(1)} KiB`);
      expect(text).toMatch(
        /heap boot KiB +heap handshake KiB +heap peak KiB +IKE_SA_INIT ms +IKE_AUTH ms +Child SA ms/,
      );
      const rt = JSON.parse(readFileSync(join(report, 'runtime.json'), 'utf8'));
      expect(rt.runtime).toBe('quickjs');
      expect(rt.bundle.octets).toBe(Buffer.byteLength(code));
      expect(rt.bundle.gzipOctets).toBeLessThan(rt.bundle.octets);
      for (const m of rt.motes) {
        expect(m.heap.peak.octets).toBeGreaterThanOrEqual(m.heap.afterBoot.octets);
        expect(m.stepsMs.ikeAuthRequest).toBeGreaterThan(0);
      }
      // The same report.json as the node runtime's.
      const nodeReport = join(dir, 'node');
      expect(await simMain([...argv, '--report', nodeReport], io)).toBe(0);
      expect(readFileSync(join(report, 'report.json'), 'utf8')).toBe(
        readFileSync(join(nodeReport, 'report.json'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
