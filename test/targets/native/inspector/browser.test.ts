/**
 * The inspector page in a real browser (Debian's Chromium through playwright-core). Two daemons
 * (gateway 127.0.0.1, client 127.0.0.2, free ports) as in daemon.test.ts; the client runs with
 * `--inspect 127.0.0.1:0 --record FILE`: the page shows its IKE SA reach ESTABLISHED, its
 * timeline and statechart; then the same from the recording replayed, with the time slider.
 * Screenshots go to test-artifacts/inspector/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../../../targets/native/daemon.js';
import { RecordingWriter, readRecording } from '../../../../targets/native/inspector/recording.js';
import { startInspector } from '../../../../targets/native/inspector/server.js';
import { MemorySource } from '../../../../targets/native/inspector/source.js';
import { createLogger } from '../../../../targets/native/logger.js';
import { main } from '../../../../targets/native/main.js';
import { ARTIFACTS, type Browser, launchChromium } from './chromium.js';
import { FIXTURE_EVENTS, SECRET_HEX } from './fixture.js';
import { FIXTURE_MACHINES } from './fixture-machines.js';

const dir = mkdtempSync(join(tmpdir(), 'ikev2-inspector-browser-'));
const RECORDING = join(dir, 'client.jsonl');

const peer = (local: string, remote: string, ids: [string, string], extra: string) => `
    local_addrs = ${local}
    ${remote}
    proposals = aes128ctr-aesxcbc-ecp192
    local { auth = psk
      id = ${ids[0]} }
    remote { auth = psk
      id = ${ids[1]} }
    children {
      net {
        local_ts = ${extra}
        esp_proposals = aes128ctr-aesxcbc
      }
    }`;
const SECRETS = `secrets {
  ike-demo {
    id-a = gateway.example.org
    id-b = client.example.org
    secret = "inspector-test-psk-0123456789"
  }
}
`;

let browser: Browser;
let gateway: Daemon;
let client: Daemon;
beforeAll(async () => {
  browser = await launchChromium();
  const logger = createLogger({ level: 'silent' });
  writeFileSync(
    join(dir, 'gw.conf'),
    `daemon {
  port = 0
  port_nat_t = 0
}
connections {
  rw {${peer('127.0.0.1', '', ['gateway.example.org', 'client.example.org'], '10.99.1.0/24\n        remote_ts = 10.99.2.0/24')}
  }
}
${SECRETS}`,
  );
  gateway = await Daemon.start({
    configPath: join(dir, 'gw.conf'),
    controlPath: join(dir, 'gw.sock'),
    logger,
  });
  const { port, natT } = gateway.host.ports;
  writeFileSync(
    join(dir, 'client.conf'),
    `daemon {
  port = ${port}
  port_nat_t = ${natT}
}
connections {
  gw {${peer('127.0.0.2', `remote_addrs = 127.0.0.1\n    remote_port = ${port}`, ['client.example.org', 'gateway.example.org'], '10.99.2.0/24\n        remote_ts = 10.99.1.0/24')}
  }
}
${SECRETS}`,
  );
  client = await Daemon.start({
    configPath: join(dir, 'client.conf'),
    controlPath: join(dir, 'client.sock'),
    logger,
    inspect: { address: '127.0.0.1', port: 0, keys: true },
    record: { file: RECORDING, keys: false },
  });
}, 60_000);
afterAll(async () => {
  await client?.stop();
  await gateway?.stop();
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Errors the page threw or logged: none expected. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/** Selects the IKE SA, checks its timeline, chart and one expanded message; a screenshot. */
async function inspectSa(page: Page, id: string, shot: string) {
  await page.locator(`.ike[data-id="${id}"]`).click();
  await expect
    .poll(() => page.locator('#seq .msg[data-exchange="IKE_SA_INIT"]').count())
    .toBeGreaterThanOrEqual(2);
  await expect
    .poll(() => page.locator('#seq .msg[data-exchange="IKE_AUTH"]').count())
    .toBeGreaterThanOrEqual(2);
  const active = page.locator('#chart .st.active');
  await expect.poll(() => active.count()).toBeGreaterThan(0);
  expect(await active.first().getAttribute('data-state')).toMatch(/^established/);
  await page.locator('#seq .msg[data-exchange="IKE_SA_INIT"]').first().click();
  const detail = page.locator('#seq .detail').first();
  await expect.poll(() => detail.textContent()).toMatch(/Proposal/);
  await expect.poll(() => detail.textContent()).toMatch(/Transform/);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
}

describe('inspector page', () => {
  it('shows a live IKE SA reach ESTABLISHED, its timeline and its statechart', async () => {
    const url = client.inspection?.server?.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser.page();
    const errors = watchErrors(page);
    try {
      await page.goto(url!);
      await expect.poll(() => page.locator('#mode').textContent()).toBe('LIVE');
      const out: string[] = [];
      const io = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => out.push(s) },
      };
      const code = await main(
        ['initiate', '--child', 'net', '--timeout', '10', '--control', join(dir, 'client.sock')],
        io,
      );
      expect(code, out.join('')).toBe(0);
      const card = page.locator('.ike').first();
      await expect
        .poll(() => card.locator('.pill').first().textContent(), { timeout: 10_000 })
        .toBe('ESTABLISHED');
      await expect.poll(() => card.locator('.child').count()).toBe(1);
      // Filters: by state, by peer.
      await page.locator('#f-state').selectOption('CONNECTING');
      await expect.poll(() => page.locator('.ike').count()).toBe(0);
      await page.locator('#f-state').selectOption('');
      await page.locator('#f-peer').fill('gateway.example');
      await expect.poll(() => page.locator('.ike').count()).toBe(1);
      await page.locator('#f-peer').fill('');
      await inspectSa(page, (await card.getAttribute('data-id'))!, 'live.png');
      // The README's picture: the IKE_AUTH response opened (SK decrypted with the SA's keys).
      await page.locator('#seq .msg[data-exchange="IKE_SA_INIT"]').first().click();
      await page.locator('#seq .msg[data-exchange="IKE_AUTH"]').last().click();
      await expect.poll(() => page.locator('#seq .detail').first().textContent()).toMatch(/IDr/);
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: join(ARTIFACTS, 'overview.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1500, height: 1500 },
      });
      // --inspect-keys: the page's API shows the IKE SA's keys.
      expect(await (await fetch(`${url}api/actors`)).text()).toMatch(/"keys":\s*\{\s*"SK_?d/i);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("replays the daemon's recording", async () => {
    await client.stop();
    const recording = readRecording(RECORDING);
    expect(recording.header.machines.map((m) => m.id).sort()).toEqual(['childSa', 'ikeSa']);
    // The hub had keys (--inspect-keys), the recording was not asked for them (no --record-keys).
    expect(readFileSync(RECORDING, 'utf8')).not.toMatch(/"keys":\{/);
    const insp = await startInspector({ address: '127.0.0.1', port: 0, feed: { kind: 'replay', recording } });
    const page = await browser.page();
    const errors = watchErrors(page);
    try {
      await page.goto(insp.url);
      await expect.poll(() => page.locator('#mode').textContent()).toBe('REPLAY');
      const slider = page.locator('#r-slider');
      await expect.poll(() => slider.getAttribute('max')).toBe(String(recording.events.length));
      // The end of the recording: the daemon deleted its SA on the way out; step back to when it was established.
      const established = recording.events.findIndex(
        (e) => e.kind === 'actor.snapshot' && JSON.stringify(e.value).startsWith('{"established"'),
      );
      expect(established).toBeGreaterThan(0);
      const childUp = recording.events.findIndex(
        (e, i) => i > established && e.kind === 'actor.created' && e.actorKind === 'child-sa',
      );
      await slider.fill(String(Math.max(established, childUp) + 1));
      const card = page.locator('.ike').first();
      await expect.poll(() => card.locator('.pill').first().textContent()).toBe('ESTABLISHED');
      await inspectSa(page, (await card.getAttribute('data-id'))!, 'replay.png');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await insp.close();
    }
  });

  it('replays a recording with its slider (keys recorded, not shown; behind a token)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ikev2-insp-')), 'fixture.jsonl');
    const source = new MemorySource(FIXTURE_MACHINES);
    const w = await RecordingWriter.start(file, source, true);
    for (const e of FIXTURE_EVENTS) source.publish(e);
    await w.close();
    const insp = await startInspector({
      address: '127.0.0.1',
      port: 0,
      token: 'browser-token-0123',
      feed: { kind: 'replay', recording: readRecording(file) },
    });
    const denied = await browser.page();
    expect((await denied.goto(insp.url.replace(/\?token=.*/, '')))?.status()).toBe(401);
    await denied.close();
    const page = await browser.page();
    const errors = watchErrors(page);
    try {
      await page.goto(insp.url);
      await expect.poll(() => page.locator('#mode').textContent()).toBe('REPLAY');
      await expect.poll(() => page.locator('.ike .pill').first().textContent()).toBe('ESTABLISHED');
      await inspectSa(page, 'ike:1', 'replay-fixture.png');
      // The IKE_AUTH request sent again: dashed and tagged; the drop as a note.
      expect(await page.locator('#seq .arrow.re').count()).toBe(1);
      expect(await page.locator('#seq .tag.re').textContent()).toBe('retransmission');
      expect(await page.locator('#seq .drop').textContent()).toContain('dropped: integrity');
      expect(await page.content()).not.toContain(SECRET_HEX);
      // Back to the start: the SA is connecting, waiting for the IKE_SA_INIT response.
      await page.locator('#r-slider').fill('4');
      await expect.poll(() => page.locator('.ike .pill').first().textContent()).toBe('CONNECTING');
      expect(await page.locator('#chart .st.active').first().getAttribute('data-state')).toBe(
        'initiator.init.waiting',
      );
      expect(await page.locator('#seq .msg').count()).toBe(1);
      await page.locator('#r-next').click();
      await expect.poll(() => page.locator('#seq .msg').count()).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await insp.close();
    }
  });
});
