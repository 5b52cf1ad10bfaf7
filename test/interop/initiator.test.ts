/**
 * Our initiator -> charon responder (netns swan, 10.99.0.2), one IKE and one ESP proposal per
 * case on both sides, so each case pins every transform. Per case: IKE_SA_INIT + IKE_AUTH with
 * child `net` (10.99.2.0/24 <-> 10.99.1.0/24, ESP-in-UDP), both sides agree (SPIs, algorithms,
 * charon's child INSTALLED), our inner 10.99.2.1 pings charon's 10.99.1.1 through the tunnel,
 * and charon's Delete (swanctl --terminate) closes our IKE SA.
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

/**
 * Every transform both sides implement appears at least once: ENCR AES-CBC/CTR 128/192/256,
 * AES-GCM 8/12/16, AES-CCM 8/12/16, ChaCha20-Poly1305; INTEG HMAC-SHA1/SHA2-256/384/512,
 * AES-XCBC, AES-CMAC; PRF the same six; KE MODP 2048/3072/4096, ECP 192/256/384/521, X25519, X448;
 * and ESP NULL with integrity (RFC 4303 §3.2).
 */
const CASES: readonly Case[] = [
  {
    // the seed's suite (Contiki README): AES-CTR, AES-XCBC, PRF-HMAC-SHA256, group 25
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
    ike: 'aes128-sha256-modp2048',
    esp: 'aes128-sha256',
    ids: 'fqdn',
    expectIke: {
      encr: 'AES_CBC',
      keysize: 128,
      integ: 'HMAC_SHA2_256_128',
      prf: 'PRF_HMAC_SHA2_256',
      dh: 'MODP_2048',
    },
    expectEsp: { encr: 'AES_CBC', keysize: 128, integ: 'HMAC_SHA2_256_128' },
  },
  {
    ike: 'aes192-sha384-ecp384',
    esp: 'aes192-sha384',
    ids: 'ipaddr',
    expectIke: {
      encr: 'AES_CBC',
      keysize: 192,
      integ: 'HMAC_SHA2_384_192',
      prf: 'PRF_HMAC_SHA2_384',
      dh: 'ECP_384',
    },
    expectEsp: { encr: 'AES_CBC', keysize: 192, integ: 'HMAC_SHA2_384_192' },
  },
  {
    ike: 'aes256-sha512-ecp521',
    esp: 'aes256-sha512',
    ids: 'email',
    expectIke: {
      encr: 'AES_CBC',
      keysize: 256,
      integ: 'HMAC_SHA2_512_256',
      prf: 'PRF_HMAC_SHA2_512',
      dh: 'ECP_521',
    },
    expectEsp: { encr: 'AES_CBC', keysize: 256, integ: 'HMAC_SHA2_512_256' },
  },
  {
    ike: 'aes192ctr-sha1-prfsha1-modp3072',
    esp: 'aes192ctr-sha1',
    ids: 'fqdn',
    expectIke: {
      encr: 'AES_CTR',
      keysize: 192,
      integ: 'HMAC_SHA1_96',
      prf: 'PRF_HMAC_SHA1',
      dh: 'MODP_3072',
    },
    expectEsp: { encr: 'AES_CTR', keysize: 192, integ: 'HMAC_SHA1_96' },
  },
  {
    ike: 'aes256ctr-aescmac-prfaescmac-modp4096',
    esp: 'aes256ctr-aescmac',
    ids: 'ipaddr',
    expectIke: {
      encr: 'AES_CTR',
      keysize: 256,
      integ: 'AES_CMAC_96',
      prf: 'PRF_AES128_CMAC',
      dh: 'MODP_4096',
    },
    expectEsp: { encr: 'AES_CTR', keysize: 256, integ: 'AES_CMAC_96' },
  },
  {
    ike: 'aes128-aesxcbc-prfaesxcbc-ecp256',
    esp: 'aes256-aesxcbc',
    ids: 'email',
    expectIke: { encr: 'AES_CBC', keysize: 128, integ: 'AES_XCBC_96', prf: 'PRF_AES128_XCBC', dh: 'ECP_256' },
    expectEsp: { encr: 'AES_CBC', keysize: 256, integ: 'AES_XCBC_96' },
  },
  {
    ike: 'aes128gcm16-prfsha256-x25519',
    esp: 'aes128gcm16',
    ids: 'fqdn',
    expectIke: { encr: 'AES_GCM_16', keysize: 128, prf: 'PRF_HMAC_SHA2_256', dh: 'CURVE_25519' },
    expectEsp: { encr: 'AES_GCM_16', keysize: 128 },
  },
  {
    ike: 'aes256gcm12-prfsha384-x448',
    esp: 'aes256gcm12',
    ids: 'ipaddr',
    expectIke: { encr: 'AES_GCM_12', keysize: 256, prf: 'PRF_HMAC_SHA2_384', dh: 'CURVE_448' },
    expectEsp: { encr: 'AES_GCM_12', keysize: 256 },
  },
  {
    ike: 'aes192gcm8-prfsha512-ecp256',
    esp: 'aes192gcm8',
    ids: 'email',
    expectIke: { encr: 'AES_GCM_8', keysize: 192, prf: 'PRF_HMAC_SHA2_512', dh: 'ECP_256' },
    expectEsp: { encr: 'AES_GCM_8', keysize: 192 },
  },
  {
    ike: 'aes128ccm16-prfaesxcbc-ecp256',
    esp: 'aes128ccm16',
    ids: 'fqdn',
    expectIke: { encr: 'AES_CCM_16', keysize: 128, prf: 'PRF_AES128_XCBC', dh: 'ECP_256' },
    expectEsp: { encr: 'AES_CCM_16', keysize: 128 },
  },
  {
    ike: 'aes256ccm8-prfsha256-ecp384',
    esp: 'aes192ccm12',
    ids: 'ipaddr',
    expectIke: { encr: 'AES_CCM_8', keysize: 256, prf: 'PRF_HMAC_SHA2_256', dh: 'ECP_384' },
    expectEsp: { encr: 'AES_CCM_12', keysize: 192 },
  },
  {
    ike: 'aes192ccm12-prfaescmac-x25519',
    esp: 'aes256ccm8',
    ids: 'email',
    expectIke: { encr: 'AES_CCM_12', keysize: 192, prf: 'PRF_AES128_CMAC', dh: 'CURVE_25519' },
    expectEsp: { encr: 'AES_CCM_8', keysize: 256 },
  },
  {
    ike: 'chacha20poly1305-prfsha256-x25519',
    esp: 'chacha20poly1305',
    ids: 'fqdn',
    expectIke: { encr: 'CHACHA20_POLY1305', prf: 'PRF_HMAC_SHA2_256', dh: 'CURVE_25519' },
    expectEsp: { encr: 'CHACHA20_POLY1305' },
  },
  {
    ike: 'aes256gcm16-prfsha1-ecp521',
    esp: 'aes192gcm16',
    ids: 'ipaddr',
    expectIke: { encr: 'AES_GCM_16', keysize: 256, prf: 'PRF_HMAC_SHA1', dh: 'ECP_521' },
    expectEsp: { encr: 'AES_GCM_16', keysize: 192 },
  },
  {
    ike: 'aes128-sha256-ecp256',
    esp: 'null-sha256',
    ids: 'email',
    expectIke: {
      encr: 'AES_CBC',
      keysize: 128,
      integ: 'HMAC_SHA2_256_128',
      prf: 'PRF_HMAC_SHA2_256',
      dh: 'ECP_256',
    },
    expectEsp: { encr: 'NULL', integ: 'HMAC_SHA2_256_128' },
  },
];

/**
 * A fresh host per case: the supervisor keeps a Child SA's policies after its IKE SA is gone
 * (actors/supervisor.ts removeChild deletes only the SAs), and a stale policy of another
 * connection with the same selectors would shadow the new Child SA.
 */
const ourHostFor = (c: Case, name: string) =>
  OurHost.start({
    addresses: [LAB.ours],
    connections: [
      ourConnection({ name, ids: c.ids, proposals: c.ike, espProposals: c.esp, role: 'initiator' }),
    ],
    secrets: OUR_SECRETS,
  });

describe('our initiator -> charon responder', () => {
  let charon: Charon;

  beforeAll(async () => {
    const first = CASES[0]!;
    charon = await Charon.start({
      name: 'responder',
      swanctlConf: charonConf([
        { name: first.ids, ids: first.ids, proposals: first.ike, espProposals: first.esp },
      ]),
    });
  });

  afterAll(async () => {
    await charon?.stop();
  });

  CASES.forEach((c, i) => {
    it(`${c.ike} / ESP ${c.esp}, IDs ${c.ids}: IKE SA + child, ping through the tunnel, charon deletes`, async () => {
      // exactly this proposal on charon's side too, under the connection named after the IDs
      await charon.load(charonConf([{ name: c.ids, ids: c.ids, proposals: c.ike, espProposals: c.esp }]));
      const ours = await ourHostFor(c, `case${i + 1}`);
      try {
        await diagnosed(charon, ours, async () => {
          const handle = await ours.initiate(`case${i + 1}`, 'net');
          const sa = await waitForCharonSa(charon, c.ids);
          expect(sa.localHost).toBe(LAB.charon);
          expect(sa.remoteHost).toBe(LAB.ours);
          expect(sa.remotePort).toBe('4500'); // we floated to the NAT-T port (RFC 7296 §2.23)
          expect(sa.localId).toBe(IDS[c.ids].responder);
          expect(sa.remoteId).toBe(IDS[c.ids].initiator);
          expectSameSa(sa, handle, { ike: c.expectIke, esp: c.expectEsp });

          const replies = await ours.ping(LAB.ourInner, LAB.charonInner, 3);
          expect(replies).toEqual([1, 2, 3]);
          const after = await waitForCharonSa(charon, c.ids);
          const child = after.children.find((x) => x.name === 'net')!;
          expect(child.packetsIn).toBe(3);
          expect(child.packetsOut).toBe(3);

          // charon's INFORMATIONAL Delete: we answer and close our IKE SA (§1.4.1)
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
  });
});
