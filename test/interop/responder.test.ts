/**
 * charon initiator -> our responder: charon in netns swan (10.99.0.2) initiates with
 * swanctl --initiate to our supervisor at 10.99.0.1 (PEER_NS=root), one IKE and one ESP
 * proposal per case on both sides. Per case: IKE SA + child `net` on both sides, charon's
 * kernel pings our inner host (ip netns exec swan ping -I 10.99.1.1 10.99.2.1) and our inner
 * host answers through the tunnel; then charon deletes the IKE SA and we close ours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Algorithms, diagnosed, expectSameSa, waitForCharonSa } from './checks.js';
import { charonConf, IDS, type IdKind, OUR_SECRETS, ourConnection } from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

interface Case {
  readonly ike: string;
  readonly esp: string;
  readonly ids: IdKind;
  readonly expectIke: Algorithms;
  readonly expectEsp: Algorithms;
}

const CASES: readonly Case[] = [
  {
    ike: 'aes128ctr-aesxcbc-prfsha256-ecp192',
    esp: 'aes128ctr-aesxcbc',
    ids: 'email',
    expectIke: {
      encr: 'AES_CTR',
      keysize: 128,
      integ: 'AES_XCBC_96',
      prf: 'PRF_HMAC_SHA2_256',
      dh: 'ECP_192',
    },
    expectEsp: { encr: 'AES_CTR', keysize: 128, integ: 'AES_XCBC_96' },
  },
  {
    ike: 'aes256gcm16-prfsha384-ecp384',
    esp: 'aes256gcm16',
    ids: 'fqdn',
    expectIke: { encr: 'AES_GCM_16', keysize: 256, prf: 'PRF_HMAC_SHA2_384', dh: 'ECP_384' },
    expectEsp: { encr: 'AES_GCM_16', keysize: 256 },
  },
  {
    ike: 'chacha20poly1305-prfsha512-x448',
    esp: 'aes192-sha512',
    ids: 'ipaddr',
    expectIke: { encr: 'CHACHA20_POLY1305', prf: 'PRF_HMAC_SHA2_512', dh: 'CURVE_448' },
    expectEsp: { encr: 'AES_CBC', keysize: 192, integ: 'HMAC_SHA2_512_256' },
  },
  {
    ike: 'aes256-aescmac-prfaescmac-modp2048',
    esp: 'aes128ccm12',
    ids: 'email',
    expectIke: {
      encr: 'AES_CBC',
      keysize: 256,
      integ: 'AES_CMAC_96',
      prf: 'PRF_AES128_CMAC',
      dh: 'MODP_2048',
    },
    expectEsp: { encr: 'AES_CCM_12', keysize: 128 },
  },
];

/** charon's connection: it initiates from 10.99.0.2 to us at 10.99.0.1 (port 500, encap = yes). */
const charonSide = (c: Case) =>
  charonConf([{ name: c.ids, ids: c.ids, proposals: c.ike, espProposals: c.esp, remote: LAB.ours }]);

/** Our responder, a fresh host per case (see initiator.test.ts: policies outlive IKE SAs). */
const ourHostFor = (c: Case) =>
  OurHost.start({
    addresses: [LAB.ours],
    connections: [
      ourConnection({ name: 'rw', ids: c.ids, proposals: c.ike, espProposals: c.esp, role: 'responder' }),
    ],
    secrets: OUR_SECRETS,
  });

describe('charon initiator -> our responder', () => {
  let charon: Charon;

  beforeAll(async () => {
    charon = await Charon.start({ name: 'initiator', swanctlConf: charonSide(CASES[0]!) });
  });

  afterAll(async () => {
    await charon?.stop();
  });

  for (const c of CASES) {
    it(`${c.ike} / ESP ${c.esp}, IDs ${c.ids}: charon initiates, charon pings our inner host`, async () => {
      await charon.load(charonSide(c));
      const ours = await ourHostFor(c);
      try {
        await diagnosed(charon, ours, async () => {
          const r = await charon.initiate(c.ids, 'net');
          expect(r.code, r.stdout + r.stderr).toBe(0);
          const handle = await ours.established();
          expect(handle.initiator).toBe(false);
          expect(handle.name).toBe('rw');
          const sa = await waitForCharonSa(charon, c.ids);
          expect(sa.initiator).toBe(true);
          expect(sa.remoteHost).toBe(LAB.ours);
          expect(sa.remotePort).toBe('4500'); // charon floated (encap = yes fakes NAT-D, §2.23)
          expect(sa.localId).toBe(IDS[c.ids].responder);
          expect(sa.remoteId).toBe(IDS[c.ids].initiator);
          expectSameSa(sa, handle, { ike: c.expectIke, esp: c.expectEsp });

          // charon's kernel pings our inner host through its TUN device and the tunnel
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
          expect(ours.answered.map((e) => [e.src, e.dst])).toEqual([
            [LAB.charonInner, LAB.ourInner],
            [LAB.charonInner, LAB.ourInner],
            [LAB.charonInner, LAB.ourInner],
          ]);
          const child = (await waitForCharonSa(charon, c.ids)).children.find((x) => x.name === 'net')!;
          expect(child.packetsOut).toBe(3);
          expect(child.packetsIn).toBe(3);

          const t = await charon.terminate(c.ids);
          expect(t.code, t.stdout + t.stderr).toBe(0);
          expect(await ours.waitFor(() => handle.state === 'DESTROYED', 5000)).toBe(true);
          expect(await charon.listSas()).toEqual([]);
        });
      } finally {
        await charon.terminateAll();
        await ours.close();
      }
    });
  }
});
