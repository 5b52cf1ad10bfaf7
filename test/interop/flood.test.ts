/**
 * Floods with legitimate peers (issue 18 point 4): a spoofed IKE_SA_INIT flood (FLOOD_RATE per
 * second for FLOOD_SECONDS, each from a random address of 10.98.0.0/16, a raw socket in netns
 * swanflood: flood.ts) while a charon initiator in the same namespace, driven over VICI by
 * bench/ike-setup's load generator, sets up LEGIT IKE SAs with a Child SA each. First against
 * our daemon as responder, then against a charon responder with the same settings, in the
 * same run; a table of both is printed at the end.
 *
 * What is asserted for our daemon:
 * - every legitimate SA comes up: once cookie_threshold half-open SAs exist, every
 *   IKE_SA_INIT without a valid cookie gets a stateless N(COOKIE) (RFC 7296 §2.6); charon
 *   retries with it, a forged source never does;
 * - the half-open table is bounded during the flood (cookie_threshold + the legitimate SAs in
 *   flight) and empties after it (half_open_timeout), and only the legitimate SAs remain;
 * - RSS stays bounded (RSS_GROWTH_LIMIT_MB below: why that figure).
 * charon's figures are measured and printed, not asserted (a comparison).
 *
 * Both responders: cookie_threshold 30 and cookie_threshold_ip 3 (charon's defaults),
 * block_threshold 50 (charon's 5 would drop the legitimate initiator's own IKE_SA_INITs: all
 * LEGIT_IN_FLIGHT of them come from one address), half_open_timeout 10 s (charon's 30 s would
 * only make the test wait longer for the table to empty).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charonEstablished, runLoad } from '../../bench/ike-setup/load.js';
import { DaemonProcess, waitFor } from './daemon-host.js';
import {
  charonDos,
  charonResponderSwanctl,
  type DosSettings,
  FLOOD,
  Flood,
  floodNetDown,
  floodNetUp,
  initiatorSwanctl,
  ourResponderConf,
  RssSampler,
  rssKb,
  viciIkeStats,
} from './flood.js';
import { Charon, LAB, runDir } from './lab.js';

const FLOOD_RATE = Number(process.env.FLOOD_RATE ?? 3000);
const FLOOD_SECONDS = Number(process.env.FLOOD_SECONDS ?? 20);
const LEGIT = 100;
const LEGIT_IN_FLIGHT = 16;
/** Both responders' DoS settings (the header comment says why these). */
const DOS: DosSettings = {
  cookieThreshold: 30,
  cookieThresholdIp: 3,
  blockThreshold: 50,
  halfOpenTimeout: 10,
};
/**
 * Our daemon's RSS may grow by at most this much (peak during the flood, and after it, over
 * the RSS before). Why 128 MiB: with cookies the daemon keeps at most cookie_threshold forged
 * half-open SAs plus the LEGIT established ones (a few tens of KiB of actor state each: a few
 * MiB); the rest is V8 heap that the garbage of FLOOD_RATE decoded datagrams and cookie answers
 * per second makes V8 take and keep: its young generation grows to its maximum (Node 20 on
 * 64 bit: 3 x 16 MiB semi-spaces, 48 MiB) and the old space some more. Seen here: +52 MiB after
 * an 8 s flood, +63 to +85 MiB at the peak after 20 s (CI runs vary that much), the mid-flood
 * sample close to the peak (it levels off). The bound is there to tell that from state kept per
 * forged datagram, which is an order of magnitude more. Without the cookie check the table
 * would hold up to FLOOD_RATE x half_open_timeout = 30,000
 * half-open SAs, each with an x25519 key pair, a decoded message and an xstate actor: a run
 * here with cookie_threshold = cookie_threshold_ip = block_threshold = 0 and a 10 s flood
 * reached 23,217 half-open SAs and 619 MiB (+563 MiB), and the legitimate SAs took 16.8 s.
 */
const RSS_GROWTH_LIMIT_MB = 128;

interface Row {
  readonly responder: string;
  readonly sent: number;
  readonly floodSeconds: number;
  readonly up: number;
  readonly refused: number;
  readonly lost: number;
  readonly setupMs: number;
  /** The legitimate load finished while the flood was still on. */
  readonly underFlood: boolean;
  readonly halfOpenPeak: number;
  /** N(COOKIE) answers the legitimate initiator got (its log): cookies did kick in for it. */
  readonly cookies: number;
  readonly rssBeforeKb: number;
  /** RSS halfway through the flood (with rssPeakKb: growth levels off, no leak per datagram). */
  readonly rssMidKb: number;
  readonly rssPeakKb: number;
  readonly rssAfterKb: number;
  readonly halfOpenAfter: number;
  /** From the end of the flood to an empty half-open table. */
  readonly drainMs: number;
  readonly establishedAfter: number;
}

const rows: Row[] = [];
let initiator: Charon | undefined;
let ours: DaemonProcess | undefined;
let charon: Charon | undefined;
let flood: Flood | undefined;

/** One trial against the responder whose VICI socket is `vici` and process is `pid`. */
async function trial(responder: string, vici: string, pid: number): Promise<Row> {
  initiator = await Charon.start({
    name: `flood-init-${responder}`,
    netns: FLOOD.ns,
    swanctlConf: initiatorSwanctl,
    // level 1: charon logs every message it parses (the COOKIE answers counted below)
    env: { LOGLEVEL: '1', KEYLOGLEVEL: '0' },
    extraConf: 'reuse_ikesa = no',
  });
  const initVici = `${runDir()}/${initiator.name}/charon.vici`;
  const rssBeforeKb = rssKb(pid);
  const rss = new RssSampler(pid);
  let halfOpenPeak = 0;
  const halfOpenSampler = setInterval(() => {
    viciIkeStats(vici).then(
      (s) => {
        halfOpenPeak = Math.max(halfOpenPeak, s.halfOpen);
      },
      () => {},
    );
  }, 250);
  try {
    flood = Flood.start(FLOOD_RATE, FLOOD_SECONDS);
    let rssMidKb = Number.NaN;
    const mid = setTimeout(
      () => {
        rssMidKb = rss.sample();
      },
      (FLOOD_SECONDS * 1000) / 2,
    );
    let floodOver = false;
    void flood.done.then(
      () => {
        floodOver = true;
      },
      () => {
        floodOver = true;
      },
    );
    // the flood reaches the responder and fills its half-open table up to the cookie threshold
    await waitFor(
      async () => ((await viciIkeStats(vici)).halfOpen >= DOS.cookieThreshold ? true : undefined),
      async () =>
        `${responder}: half-open ${JSON.stringify(await viciIkeStats(vici))} < ${DOS.cookieThreshold}`,
      5000,
    );
    const load = await runLoad(initVici, {
      sas: LEGIT,
      inFlight: LEGIT_IN_FLIGHT,
      ike: FLOOD.conn,
      child: FLOOD.child,
      stallMs: 15_000,
    });
    const underFlood = !floodOver;
    const sent = await flood.done;
    clearTimeout(mid);
    const floodEnd = performance.now();
    await waitFor(
      async () => ((await viciIkeStats(vici)).halfOpen === 0 ? true : undefined),
      async () => `${responder}: half-open table not empty: ${JSON.stringify(await viciIkeStats(vici))}`,
      (DOS.halfOpenTimeout + 20) * 1000,
    ).catch(() => undefined);
    const drainMs = performance.now() - floodEnd;
    const after = await viciIkeStats(vici);
    rss.sample();
    const rssAfterKb = rssKb(pid);
    const row: Row = {
      responder,
      sent: sent.sent,
      floodSeconds: sent.seconds,
      up: load.up,
      refused: load.refused,
      lost: load.lost,
      setupMs: load.wallMs,
      underFlood,
      halfOpenPeak,
      cookies: (
        readFileSync(initiator.logFile, 'utf8').match(/parsed IKE_SA_INIT response 0 \[ N\(COOKIE\) \]/g) ??
        []
      ).length,
      rssBeforeKb,
      rssMidKb,
      rssPeakKb: rss.peakKb,
      rssAfterKb,
      halfOpenAfter: after.halfOpen,
      drainMs,
      establishedAfter: await charonEstablished(vici),
    };
    rows.push(row);
    console.log(`flood trial ${responder}: ${JSON.stringify({ ...row, errors: [...load.errors] })}`);
    return row;
  } finally {
    clearInterval(halfOpenSampler);
    rss.stop();
    flood?.stop();
    await initiator.stop();
    initiator = undefined;
  }
}

const mb = (kb: number) => (kb / 1024).toFixed(0);

function table(): string {
  const head = [
    'responder',
    'flood (sent/s, s)',
    `legit up / ${LEGIT}`,
    'setup time',
    'half-open peak (sampled)',
    'COOKIEs to legit',
    'RSS before / mid-flood / peak / after (MiB)',
    'half-open after',
    'drained in',
  ];
  const lines = rows.map((r) => [
    r.responder,
    `${Math.round(r.sent / r.floodSeconds)} pps, ${r.floodSeconds.toFixed(0)} s`,
    `${r.up}${r.lost + r.refused > 0 ? ` (${r.lost} lost, ${r.refused} refused)` : ''}`,
    `${(r.setupMs / 1000).toFixed(2)} s${r.underFlood ? '' : ' (flood ended first)'}`,
    String(r.halfOpenPeak),
    String(r.cookies),
    `${mb(r.rssBeforeKb)} / ${mb(r.rssMidKb)} / ${mb(r.rssPeakKb)} / ${mb(r.rssAfterKb)}`,
    String(r.halfOpenAfter),
    `${(r.drainMs / 1000).toFixed(1)} s`,
  ]);
  const all = [head, ...lines];
  return all
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n')
    .replace(/\n/, `\n|${head.map(() => '---').join('|')}|\n`);
}

describe('spoofed IKE_SA_INIT flood with legitimate peers (RFC 7296 §2.6)', () => {
  beforeAll(async () => {
    await floodNetUp();
  });

  afterAll(async () => {
    flood?.stop();
    await initiator?.stop();
    await ours?.kill();
    await charon?.stop();
    await floodNetDown();
    if (rows.length > 0)
      console.log(`\nflood with ${LEGIT} legitimate IKE SAs (${LEGIT_IN_FLIGHT} in flight):\n${table()}\n`);
  });

  it(`our daemon: ${LEGIT} legitimate SAs come up, RSS bounded, half-open table empties`, async () => {
    ours = await DaemonProcess.start({
      name: 'flood-ours',
      conf: ourResponderConf(DOS),
      netns: LAB.charonNs,
      logLevel: 'info', // 'daemon started' is what DaemonProcess.start waits for
      vici: true,
    });
    let row: Row;
    let log = '';
    let exitedEarly = true;
    try {
      row = await trial('ours', ours.viciPath!, ours.pid!);
      exitedEarly = ours.exited;
    } finally {
      // stopped before the assertions: port 500 in swan is the charon responder's next
      log = ours.log(40);
      await ours.kill();
      ours = undefined;
    }
    const diag = () => `${JSON.stringify(row)}\n--- daemon log ---\n${log}`;
    expect(exitedEarly, diag()).toBe(false);
    expect(row.up, diag()).toBe(LEGIT);
    expect(row.underFlood, `the legitimate SAs were set up while the flood was on: ${diag()}`).toBe(true);
    expect(row.halfOpenAfter, diag()).toBe(0);
    expect(row.establishedAfter, diag()).toBe(LEGIT);
    expect(row.cookies, `the legitimate initiator was asked for COOKIEs: ${diag()}`).toBeGreaterThan(0);
    // bounded during the flood: the forged ones up to the threshold, plus legitimate ones in flight
    expect(row.halfOpenPeak, diag()).toBeLessThanOrEqual(DOS.cookieThreshold + LEGIT_IN_FLIGHT + 5);
    expect((row.rssPeakKb - row.rssBeforeKb) / 1024, diag()).toBeLessThan(RSS_GROWTH_LIMIT_MB);
    expect((row.rssAfterKb - row.rssBeforeKb) / 1024, diag()).toBeLessThan(RSS_GROWTH_LIMIT_MB);
  }, 120_000);

  it('charon responder under the same flood (for comparison: measured, not asserted)', async () => {
    const dos = charonDos(DOS);
    charon = await Charon.start({
      name: 'flood-responder',
      netns: LAB.charonNs,
      swanctlConf: charonResponderSwanctl,
      env: dos.env,
      extraConf: dos.extraConf,
    });
    const pid = charon.pid();
    if (pid === undefined) throw new Error('charon responder: no pid');
    let row: Row;
    try {
      row = await trial('charon', `${runDir()}/${charon.name}/charon.vici`, pid);
    } finally {
      await charon.stop();
      charon = undefined;
    }
    // sanity of the measurement, not charon's performance: the initiator's SAs are this charon's
    expect(row.sent).toBeGreaterThan(0);
    expect(row.establishedAfter).toBe(row.up);
  }, 120_000);
});
