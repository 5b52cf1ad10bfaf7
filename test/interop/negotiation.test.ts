/**
 * Negotiation paths beyond the happy case, against charon:
 * - the lab's own responder configuration (conf/responder, broad proposal lists) unchanged,
 *   our initiator as the lab's conf/initiator describes it (aes128-sha256-ecp192 / aes128-sha256);
 * - INVALID_KE_PAYLOAD (RFC 7296 §1.2) both ways: the responder wants another KE group than the
 *   initiator guessed, the initiator retries with it;
 * - errors: NO_PROPOSAL_CHOSEN in IKE_SA_INIT, AUTHENTICATION_FAILED (wrong PSK) in IKE_AUTH,
 *   and a Child SA refused inside a successful IKE_AUTH (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE:
 *   the IKE SA stays up without the child, §1.2).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { NotifyError } from '../../ipsec/ike/wire/notify-types.js';
import { utf8 } from '../../ipsec/util/bytes.js';
import { diagnosed, expectSameSa, waitForCharonSa } from './checks.js';
import { charonConf, OUR_SECRETS, type OurConnection, ourConnection } from './configs.js';
import { Charon, LAB, labDir } from './lab.js';
import { OurHost } from './our-host.js';

const INIT = ExchangeType.IKE_SA_INIT;
const SEED_IKE = 'aes128ctr-aesxcbc-prfsha256-ecp192';
const SEED_ESP = 'aes128ctr-aesxcbc';

/** The lab's responder proposals (conf/responder/swanctl.conf.in), as charon's initiator offers. */
function labProposals(key: 'proposals' | 'esp_proposals'): string {
  const text = readFileSync(path.join(labDir, 'conf', 'responder', 'swanctl.conf.in'), 'utf8');
  const m = new RegExp(`^\\s*${key} = (.+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${key} in the lab's responder template`);
  return m[1]!.trim();
}

describe('against the lab responder configuration, unchanged', () => {
  let charon: Charon;
  let ours: OurHost | undefined;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'lab-responder',
      swanctlConf: readFileSync(path.join(labDir, 'conf', 'responder', 'swanctl.conf.in'), 'utf8'),
    });
  });
  afterEach(async () => {
    await charon.terminateAll();
    await ours?.close();
    ours = undefined;
  });
  afterAll(async () => {
    await charon?.stop();
  });

  for (const ids of ['email', 'fqdn', 'ipaddr'] as const) {
    it(`connection ${ids} as conf/initiator has it: aes128-sha256-ecp192, ESP aes128-sha256`, async () => {
      const host = await OurHost.start({
        addresses: [LAB.ours],
        connections: [
          ourConnection({
            name: ids,
            ids,
            proposals: 'aes128-sha256-ecp192',
            espProposals: 'aes128-sha256',
            role: 'initiator',
          }),
        ],
        secrets: OUR_SECRETS,
      });
      ours = host;
      await diagnosed(charon, host, async () => {
        const handle = await host.initiate(ids, 'net');
        const sa = await waitForCharonSa(charon, ids);
        expectSameSa(sa, handle, {
          ike: {
            encr: 'AES_CBC',
            keysize: 128,
            integ: 'HMAC_SHA2_256_128',
            prf: 'PRF_HMAC_SHA2_256',
            dh: 'ECP_192',
          },
          esp: { encr: 'AES_CBC', keysize: 128, integ: 'HMAC_SHA2_256_128' },
        });
        expect(await host.ping(LAB.ourInner, LAB.charonInner, 2)).toEqual([1, 2]);
      });
    });
  }
});

describe('INVALID_KE_PAYLOAD and error notifies with charon', () => {
  let charon: Charon;
  let ours: OurHost | undefined;

  const start = async (c: Partial<OurConnection> & Pick<OurConnection, 'role'>, secrets = OUR_SECRETS) => {
    ours = await OurHost.start({
      addresses: [LAB.ours],
      connections: [
        ourConnection({ name: 'n', ids: 'email', proposals: SEED_IKE, espProposals: SEED_ESP, ...c }),
      ],
      secrets,
    });
    return ours;
  };

  const seedConf = charonConf([{ name: 'email', ids: 'email', proposals: SEED_IKE, espProposals: SEED_ESP }]);
  let mark = 0;

  beforeAll(async () => {
    charon = await Charon.start({ name: 'negotiation', swanctlConf: seedConf });
  });
  beforeEach(async () => {
    await charon.load(seedConf);
    mark = charon.logMark();
  });
  afterEach(async () => {
    await charon.terminateAll();
    await ours?.close();
    ours = undefined;
  });
  afterAll(async () => {
    await charon?.stop();
  });

  it('our initiator guesses ecp256, charon wants x25519: INVALID_KE_PAYLOAD, retry, second proposal', async () => {
    await charon.load(
      charonConf([
        { name: 'email', ids: 'email', proposals: 'aes256gcm16-prfsha384-x25519', espProposals: SEED_ESP },
      ]),
    );
    const host = await start({
      role: 'initiator',
      proposals: ['aes128-sha256-ecp256', 'aes256gcm16-prfsha384-x25519'],
    });
    await diagnosed(charon, host, async () => {
      const handle = await host.initiate('n', 'net');
      const inits = host.ike.filter((m) => m.exchangeType === INIT && m.dir === 'in');
      expect(inits.map((m) => m.notifies.includes(NotifyError.INVALID_KE_PAYLOAD))).toEqual([true, false]);
      expect(handle.actor.getSnapshot().context.session.initAttempts).toBe(2);
      const sa = await waitForCharonSa(charon, 'email');
      expect(sa.dhGroup).toBe('CURVE_25519');
      expect(sa.encrAlg).toBe('AES_GCM_16');
      expectSameSa(sa, handle);
      expect(await host.ping(LAB.ourInner, LAB.charonInner, 2)).toEqual([1, 2]);
    });
  });

  it("charon initiator offers the lab's broad lists (ecp192 first), our responder wants x25519", async () => {
    await charon.load(
      charonConf([
        {
          name: 'email',
          ids: 'email',
          proposals: labProposals('proposals'),
          espProposals: labProposals('esp_proposals'),
          remote: LAB.ours,
        },
      ]),
    );
    const host = await start({
      role: 'responder',
      proposals: 'chacha20poly1305-prfsha256-x25519',
      espProposals: 'aes256gcm16',
    });
    await diagnosed(charon, host, async () => {
      const r = await charon.initiate('email', 'net');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const handle = await host.established();
      // charon may drop our second answer when it lands while charon still holds the IKE SA
      // (its log: "ignoring request with ID 0, already processing") and retransmit after 4 s:
      // every answer after the INVALID_KE_PAYLOAD one is then the same response, byte for byte.
      const answers = host.ike.filter((m) => m.exchangeType === INIT && m.dir === 'out');
      const requests = host.ike.filter((m) => m.exchangeType === INIT && m.dir === 'in');
      expect(answers.length).toBe(requests.length);
      expect(answers.map((m) => m.notifies.includes(NotifyError.INVALID_KE_PAYLOAD))).toEqual([
        true,
        ...answers.slice(1).map(() => false),
      ]);
      expect(answers.length).toBeGreaterThanOrEqual(2);
      for (const retransmitted of answers.slice(2)) expect(retransmitted.data).toEqual(answers[1]?.data);
      const sa = await waitForCharonSa(charon, 'email');
      expect(sa.dhGroup).toBe('CURVE_25519');
      expect(sa.encrAlg).toBe('CHACHA20_POLY1305');
      expectSameSa(sa, handle, {
        ike: { encr: 'CHACHA20_POLY1305', prf: 'PRF_HMAC_SHA2_256', dh: 'CURVE_25519' },
        esp: { encr: 'AES_GCM_16', keysize: 256 },
      });
      const ping = await charon.exec('ping', [
        '-c',
        '2',
        '-i',
        '0.2',
        '-W',
        '2',
        '-I',
        LAB.charonInner,
        LAB.ourInner,
      ]);
      expect(ping.stdout, ping.stdout + ping.stderr).toMatch(/2 packets transmitted, 2 received/);
    });
  });

  it('NO_PROPOSAL_CHOSEN: charon accepts none of our IKE proposals', async () => {
    const host = await start({ role: 'initiator', proposals: 'aes256-sha512-modp4096' });
    await diagnosed(charon, host, async () => {
      const handle = host.supervisor.initiate('n', 'net');
      expect(await host.waitFor(() => handle.state === 'DESTROYED', 10_000)).toBe(true);
      expect(handle.failure?.notify).toBe(NotifyError.NO_PROPOSAL_CHOSEN);
      expect(await charon.listSas()).toEqual([]);
    });
  });

  it('AUTHENTICATION_FAILED: our PSK differs from charon', async () => {
    const wrong = OUR_SECRETS.map((s) => ({ ...s, secret: utf8('not-the-lab-psk') }));
    const host = await start({ role: 'initiator' }, wrong);
    await diagnosed(charon, host, async () => {
      const handle = host.supervisor.initiate('n', 'net');
      expect(await host.waitFor(() => handle.state === 'DESTROYED', 10_000)).toBe(true);
      expect(handle.failure?.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
      expect(charon.logSince(mark)).toMatch(
        /tried 1 shared key for 'bob@example.org' - 'alice@example.org', but MAC mismatched/,
      );
      expect(await charon.listSas()).toEqual([]);
    });
  });

  it('AUTHENTICATION_FAILED: charon initiator with a PSK our responder does not share', async () => {
    const wrong = OUR_SECRETS.map((s) => ({ ...s, secret: utf8('not-the-lab-psk') }));
    await charon.load(
      charonConf([
        { name: 'email', ids: 'email', proposals: SEED_IKE, espProposals: SEED_ESP, remote: LAB.ours },
      ]),
    );
    const host = await start({ role: 'responder' }, wrong);
    await diagnosed(charon, host, async () => {
      const r = await charon.initiate('email', 'net', 10);
      expect(r.code).not.toBe(0);
      expect(charon.logSince(mark)).toMatch(/received AUTHENTICATION_FAILED notify error/);
      expect(host.supervisor.ikeSas.filter((h) => h.state === 'ESTABLISHED')).toEqual([]);
    });
  });

  for (const [what, conn, notify] of [
    ['ESP proposal', { espProposals: 'aes256gcm16' }, NotifyError.NO_PROPOSAL_CHOSEN],
    ['traffic selectors', { localTs: '10.99.3.0/24' }, NotifyError.TS_UNACCEPTABLE],
  ] as const) {
    it(`child refused in IKE_AUTH (${what}): IKE SA up on both sides, no Child SA`, async () => {
      const host = await start({ role: 'initiator', ...conn });
      await diagnosed(charon, host, async () => {
        const handle = host.supervisor.initiate('n', 'net');
        expect(await host.waitFor(() => handle.state === 'ESTABLISHED', 10_000)).toBe(true);
        expect(handle.children).toEqual([]);
        expect(
          host.log.some(
            (l) => l.msg === 'child SA not created' && JSON.stringify(l.obj).includes(`"notify":${notify}`),
          ),
        ).toBe(true);
        const sas = await charon.listSas();
        expect(sas.map((s) => [s.name, s.state, s.children.length])).toEqual([['email', 'ESTABLISHED', 0]]);
      });
    });
  }
});
