/**
 * Stateless cookies (RFC 7296 §2.6) both ways.
 *
 * charon counts half-open IKE SAs per IP and demands a COOKIE once cookie_threshold_ip of
 * them exist (charon.sh COOKIE_THRESHOLD_IP=1; 0 would disable it), so we first leave one
 * half-open SA at charon from 10.99.0.1 (a bare IKE_SA_INIT from an ephemeral port); then our
 * initiator gets N(COOKIE), retries with it first in the message and gets the IKE SA.
 * Mirror: our responder with cookie_threshold_ip = 1 and one half-open SA from 10.99.0.2
 * answers charon's IKE_SA_INIT with N(COOKIE); charon retries with it and gets the IKE SA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { decodeMessage } from '../../ipsec/ike/wire/message.js';
import { NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import { diagnosed, expectSameSa, waitForCharonSa } from './checks.js';
import { charonConf, OUR_SECRETS, ourConnection } from './configs.js';
import { initRequest, sendFromCharonNs, sendFromUs } from './half-open.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

const IKE = 'aes128ctr-aesxcbc-prfsha256-ecp192';
const ESP = 'aes128ctr-aesxcbc';
const INIT = ExchangeType.IKE_SA_INIT;

/** The notify types of the first outer payloads of an IKE_SA_INIT message. */
function initNotifies(bytes: Uint8Array | undefined): number[] {
  if (!bytes) return [];
  const m = decodeMessage(bytes);
  if (!m.ok) return [];
  return m.value.payloads.flatMap((p) => (p.type === PayloadType.N ? [p.notifyType] : []));
}

describe('COOKIE: charon responder demands one from our initiator', () => {
  let charon: Charon;
  let ours: OurHost;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'cookie-responder',
      swanctlConf: charonConf([{ name: 'email', ids: 'email', proposals: IKE, espProposals: ESP }]),
      env: { COOKIE_THRESHOLD_IP: '1' },
    });
    ours = await OurHost.start({
      addresses: [LAB.ours],
      connections: [
        ourConnection({ name: 'c', ids: 'email', proposals: IKE, espProposals: ESP, role: 'initiator' }),
      ],
      secrets: OUR_SECRETS,
    });
  });

  afterAll(async () => {
    await charon?.terminateAll();
    await ours?.close();
    await charon?.stop();
  });

  it('retries IKE_SA_INIT with the COOKIE and establishes; ping through the tunnel', async () => {
    await diagnosed(charon, ours, async () => {
      // one half-open IKE SA at charon from 10.99.0.1 (no cookie needed yet: 0 < 1)
      const config = ourConnection({
        name: 'h',
        ids: 'email',
        proposals: IKE,
        espProposals: ESP,
        role: 'initiator',
      });
      const first = await sendFromUs(
        initRequest(config, { address: LAB.ours, port: 500 }, { address: LAB.charon, port: 500 }),
        LAB.ours,
        { address: LAB.charon, port: 500 },
      );
      expect(first, 'charon answered the half-open IKE_SA_INIT').toBeDefined();
      expect(initNotifies(first)).not.toContain(NotifyStatus.COOKIE);

      const handle = await ours.initiate('c', 'net');
      const inits = ours.ike.filter((m) => m.exchangeType === INIT);
      // --> SAi1 KEi Ni   <-- N(COOKIE)   --> N(COOKIE) SAi1 KEi Ni   <-- SAr1 KEr Nr
      expect(inits.map((m) => `${m.dir}${m.response ? ' response' : ''}`)).toEqual([
        'out',
        'in response',
        'out',
        'in response',
      ]);
      expect(inits[1]!.notifies).toEqual([NotifyStatus.COOKIE]);
      expect(inits[2]!.notifies[0]).toBe(NotifyStatus.COOKIE); // §2.6: the first payload
      expect(inits[3]!.notifies).not.toContain(NotifyStatus.COOKIE);
      expect(handle.actor.getSnapshot().context.session.initAttempts).toBe(2);

      const sa = await waitForCharonSa(charon, 'email');
      expectSameSa(sa, handle);
      expect(await ours.ping(LAB.ourInner, LAB.charonInner, 3)).toEqual([1, 2, 3]);
      expect(charon.logSince()).toMatch(/IKE_SA_INIT response 0 \[ N\(COOKIE\) \]/);
    });
  });
});

describe('COOKIE: our responder demands one from charon initiator', () => {
  let charon: Charon;
  let ours: OurHost;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'cookie-initiator',
      swanctlConf: charonConf([
        { name: 'email', ids: 'email', proposals: IKE, espProposals: ESP, remote: LAB.ours },
      ]),
    });
    ours = await OurHost.start({
      addresses: [LAB.ours],
      connections: [
        ourConnection({ name: 'rw', ids: 'email', proposals: IKE, espProposals: ESP, role: 'responder' }),
      ],
      secrets: OUR_SECRETS,
      daemon: { cookie_threshold: 0, cookie_threshold_ip: 1, block_threshold: 0 },
    });
  });

  afterAll(async () => {
    await charon?.terminateAll();
    await ours?.close();
    await charon?.stop();
  });

  it('charon retries with our COOKIE and establishes; charon pings our inner host', async () => {
    await diagnosed(charon, ours, async () => {
      // one half-open IKE SA at our responder from 10.99.0.2 (from an ephemeral port in swan)
      const first = await sendFromCharonNs(
        charon,
        initRequest(
          ourConnection({ name: 'h', ids: 'email', proposals: IKE, espProposals: ESP, role: 'initiator' }),
          { address: LAB.charon, port: 500 },
          { address: LAB.ours, port: 500 },
        ),
        LAB.charon,
        { address: LAB.ours, port: 500 },
      );
      expect(first, 'our responder answered the half-open IKE_SA_INIT').toBeDefined();
      expect(initNotifies(first)).not.toContain(NotifyStatus.COOKIE);
      expect(ours.supervisor.dos.halfOpenFrom(LAB.charon)).toBe(1);

      const r = await charon.initiate('email', 'net');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const handle = await ours.established();
      expect(ours.supervisor.counters.cookiesSent).toBe(1);
      const fromCharon = ours.ike.filter(
        (m) => m.exchangeType === INIT && m.from.address === LAB.charon && m.from.port === 500,
      );
      // <-- SAi1 KEi Ni   --> N(COOKIE)   <-- N(COOKIE) SAi1 KEi Ni   --> SAr1 KEr Nr
      // charon may drop our answer to its second request when it lands while charon still holds
      // the IKE SA (its log: "ignoring request with ID 0, already processing") and retransmit that
      // request after 4 s: each retransmission is the same octets, and so is our answer to it.
      expect(fromCharon.map((m) => `${m.dir}${m.response ? ' response' : ''}`)).toEqual(
        fromCharon.map(() => 'in'),
      );
      expect(fromCharon.length).toBeGreaterThanOrEqual(2);
      expect(fromCharon[0]!.notifies).not.toContain(NotifyStatus.COOKIE);
      expect(fromCharon[1]!.notifies[0]).toBe(NotifyStatus.COOKIE);
      for (const retransmitted of fromCharon.slice(2))
        expect(retransmitted.data).toEqual(fromCharon[1]!.data);
      const toCharon = ours.ike.filter(
        (m) => m.exchangeType === INIT && m.to.address === LAB.charon && m.to.port === 500,
      );
      expect(toCharon.length).toBe(fromCharon.length);
      expect(toCharon.map((m) => m.notifies.includes(NotifyStatus.COOKIE))).toEqual([
        true,
        ...toCharon.slice(1).map(() => false),
      ]);
      for (const retransmitted of toCharon.slice(2)) expect(retransmitted.data).toEqual(toCharon[1]!.data);

      const sa = await waitForCharonSa(charon, 'email');
      expectSameSa(sa, handle);
      const ping = await charon.exec('ping', [
        '-c',
        '3',
        '-i',
        '0.2',
        '-W',
        '2',
        '-I',
        LAB.charonInner,
        LAB.ourInner,
      ]);
      expect(ping.stdout, ping.stdout + ping.stderr).toMatch(/3 packets transmitted, 3 received/);
    });
  });
});
