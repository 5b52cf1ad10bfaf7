/**
 * Liveness checks (RFC 7296 §2.4, swanctl dpd_delay) against charon:
 *   --> INFORMATIONAL { }   <-- { }
 * - charon with dpd_delay = 2 s checks us while the IKE SA is idle; we answer each check (our
 *   message log: every request from charon has our response with its Message ID) and charon
 *   keeps the SAs;
 * - we with dpd_delay = 1 s check charon, which answers; both keep the SAs;
 * - an unresponsive peer (charon killed with SIGKILL: no Delete, no answers): our check is
 *   retransmitted retransmit_tries times (short timeouts here), then our side removes the IKE SA,
 *   its Child SA, the ESP SAs and the policies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { diagnosed, establish, expectTraffic, waitForAgreement } from './checks.js';
import { charonConf, OUR_SECRETS, ourConnection } from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

const IKE = 'aes128-sha256-x25519';
const ESP = 'aes128-sha256';
const INFO = ExchangeType.INFORMATIONAL;

const charonSide = (dpdDelay: number) =>
  charonConf([{ name: 'lc', ids: 'email', proposals: IKE, espProposals: ESP, remote: LAB.ours, dpdDelay }]);

/**
 * Our host; `dpdDelay` for our liveness checks, short retransmissions for the dead peer;
 * `restart`: dpd_action = restart with keyingtries = 0 (try until the peer is back).
 */
const ourHost = (dpdDelay: number, restart = false) => {
  const conn = ourConnection({
    name: 'lc',
    ids: 'email',
    proposals: IKE,
    espProposals: ESP,
    role: 'initiator',
    dpdDelay,
  });
  return OurHost.start({
    addresses: [LAB.ours],
    connections: [
      restart
        ? {
            ...conn,
            keyingtries: 0,
            children: conn.children.map((c) => ({ ...c, dpd_action: 'restart' as const })),
          }
        : conn,
    ],
    secrets: OUR_SECRETS,
    // 3 transmissions in 0.5 + 0.9 + 1.6 s (§2.1: exponential back-off) before we give up
    daemon: { retransmit_timeout: 0.5, retransmit_tries: 2, retransmit_base: 1.8 },
  });
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** INFORMATIONAL requests sent by `side` after `mark` in our message log, each with its answer. */
function checks(ours: OurHost, mark: number, by: 'us' | 'charon') {
  const log = ours.ike.slice(mark).filter((m) => m.exchangeType === INFO);
  const requestDir = by === 'us' ? 'out' : 'in';
  const requests = log.filter((m) => !m.response && m.dir === requestDir);
  const answered = requests.filter((q) =>
    log.some((a) => a.response && a.dir !== requestDir && a.messageId === q.messageId),
  );
  return { requests: requests.map((m) => m.messageId), answered: answered.map((m) => m.messageId) };
}

describe('liveness checks', () => {
  let charon: Charon;
  let ours: OurHost | undefined;

  beforeAll(async () => {
    charon = await Charon.start({ name: 'lc-dpd', swanctlConf: charonSide(0) });
  });

  afterEach(async () => {
    if (charon.pid() !== undefined) await charon.terminateAll();
    await ours?.close();
    ours = undefined;
  });

  afterAll(async () => {
    await charon?.stop();
  });

  it('charon checks us every 2 s while idle; we answer, charon keeps the SAs', async () => {
    await charon.load(charonSide(2));
    ours = await ourHost(0);
    const host = ours;
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'us', 'lc');
      const mark = host.ike.length;
      const logMark = charon.logMark();
      await sleep(5000);
      const c = checks(host, mark, 'charon');
      expect(c.requests.length, JSON.stringify(c)).toBeGreaterThanOrEqual(2);
      expect(c.answered).toEqual(c.requests);
      expect(checks(host, mark, 'us').requests).toEqual([]); // our dpd_delay is 0
      const log = charon.logSince(logMark);
      expect(log.match(/sending DPD request/g)?.length ?? 0).toBe(c.requests.length);
      expect(log).not.toMatch(/retransmit/);
      const still = await waitForAgreement(charon, host, ['net']);
      expect(still).toEqual(up);
      await expectTraffic(charon, host, up.children.net!);
    });
  });

  it('we check charon every 1 s while idle; charon answers, both keep the SAs', async () => {
    await charon.load(charonSide(0));
    ours = await ourHost(1);
    const host = ours;
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'charon', 'lc');
      const mark = host.ike.length;
      await sleep(3500);
      const c = checks(host, mark, 'us');
      expect(c.requests.length, JSON.stringify(c)).toBeGreaterThanOrEqual(2);
      expect(c.answered).toEqual(c.requests);
      // each a new exchange (new Message ID), none retransmitted
      expect(new Set(c.requests).size).toBe(c.requests.length);
      expect(checks(host, mark, 'charon').requests).toEqual([]);
      expect(host.supervisor.ikeSas[0]!.actor.getSnapshot().context.stats.retransmits).toBe(0);
      expect(await waitForAgreement(charon, host, ['net'])).toEqual(up);
    });
  });

  it('charon dies (SIGKILL): our check goes unanswered, we remove the IKE SA and its children', async () => {
    await charon.load(charonSide(0));
    ours = await ourHost(1);
    const host = ours;
    await diagnosed(charon, host, async () => {
      await establish(charon, host, 'us', 'lc');
      const handle = host.supervisor.ikeSas[0]!;
      const mark = host.ike.length;
      await charon.kill();
      // dpd_delay 1 s, then 3 transmissions over 0.5 + 0.9 + 1.62 s: about 4 s
      expect(await host.waitFor(() => handle.state === 'DESTROYED', 10_000)).toBe(true);
      const sent = host.ike.slice(mark).filter((m) => m.exchangeType === INFO && m.dir === 'out');
      expect(sent.map((m) => m.messageId)).toEqual(Array(3).fill(sent[0]!.messageId)); // §2.1: the same request
      expect(handle.failure?.reason).toMatch(/no response after 3 transmissions/);
      expect(host.events.map((e) => e.type)).toContain('ike-closed');
      expect(host.supervisor.ikeSas).toEqual([]);
      expect(host.esp.backend.listSas()).toEqual([]);
      expect(host.esp.backend.listPolicies()).toEqual([]);
    });
  });

  /*
   *  charon dies -> our liveness check goes unanswered -> IKE SA removed; dpd_action = restart:
   *  IKE_SA_INIT --> (nobody) ... keyingtries = 0: tried again and again; charon is started
   *  again -> IKE_SA_INIT --> <-- ; IKE_AUTH --> <-- : the tunnel is back without anyone asking.
   */
  it('dpd_action = restart, keyingtries = 0: charon dies and comes back; we negotiate again on our own', async () => {
    if (charon.pid() === undefined)
      charon = await Charon.start({ name: 'lc-dpd', swanctlConf: charonSide(0) });
    ours = await ourHost(1, true);
    const host = ours;
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'us', 'lc');
      const first = host.supervisor.ikeSas[0]!;
      await charon.kill();
      expect(await host.waitFor(() => first.state === 'DESTROYED', 10_000)).toBe(true);
      // Restarted at once; each attempt gives up after about 3 s of retransmissions and the
      // next one follows (keyingtries = 0): after 4 s one has failed and another is running.
      await sleep(4000);
      expect(host.events.filter((e) => e.type === 'ike-failed').length).toBeGreaterThanOrEqual(1);
      expect(host.supervisor.ikeSas.map((h) => h.state)).toEqual(['CONNECTING']);
      charon = await Charon.start({ name: 'lc-dpd', swanctlConf: charonSide(0) });
      const again = await waitForAgreement(charon, host, ['net'], [up.children.net!.spiIn], 20_000);
      expect(again.spiI).not.toBe(up.spiI);
      await expectTraffic(charon, host, again.children.net!);
    });
  });
});
