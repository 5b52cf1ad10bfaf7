/**
 * IPv6 outer addresses: fd99::1 (ours, on the lab's veth end swanp in the root namespace) and
 * fd99::2 (charon, on swanr in netns swan), added by the harness (lab.ts netnsUp). The inner
 * networks stay 10.99.2.0/24 <-> 10.99.1.0/24: IPv4 inside ESP-in-UDP over IPv6 (RFC 3948).
 * Both directions, with IDs of type RFC822 and IPV6_ADDR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosed, expectSameSa, waitForCharonSa } from './checks.js';
import { charonConf, IDS, type IdKind, OUR_SECRETS, ourConnection } from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

const CASES: readonly { ike: string; esp: string; ids: IdKind }[] = [
  { ike: 'aes128ctr-aesxcbc-prfsha256-ecp192', esp: 'aes128ctr-aesxcbc', ids: 'email' },
  { ike: 'aes256gcm16-prfsha384-x25519', esp: 'chacha20poly1305', ids: 'ipaddr6' },
];

describe('IPv6 outer addresses', () => {
  let charon: Charon;

  beforeAll(async () => {
    const c = CASES[0]!;
    charon = await Charon.start({
      name: 'v6',
      swanctlConf: charonConf([
        { name: c.ids, ids: c.ids, proposals: c.ike, espProposals: c.esp, local: LAB.charon6 },
      ]),
    });
  });

  afterAll(async () => {
    await charon?.stop();
  });

  for (const c of CASES) {
    it(`our initiator -> charon over IPv6, ${c.ike} / ESP ${c.esp}, IDs ${c.ids}`, async () => {
      await charon.load(
        charonConf([{ name: c.ids, ids: c.ids, proposals: c.ike, espProposals: c.esp, local: LAB.charon6 }]),
      );
      const ours = await OurHost.start({
        addresses: [LAB.ours6],
        connections: [
          ourConnection({
            name: 'v6',
            ids: c.ids,
            proposals: c.ike,
            espProposals: c.esp,
            role: 'initiator',
            local: LAB.ours6,
            remote: LAB.charon6,
          }),
        ],
        secrets: OUR_SECRETS,
      });
      try {
        await diagnosed(charon, ours, async () => {
          const handle = await ours.initiate('v6', 'net');
          const sa = await waitForCharonSa(charon, c.ids);
          expect(sa.localHost).toBe(LAB.charon6);
          expect(sa.remoteHost).toBe(LAB.ours6);
          expect(sa.remotePort).toBe('4500');
          expect(sa.remoteId).toBe(IDS[c.ids].initiator);
          expectSameSa(sa, handle);
          expect(await ours.ping(LAB.ourInner, LAB.charonInner, 3)).toEqual([1, 2, 3]);
          const t = await charon.terminate(c.ids);
          expect(t.code, t.stdout + t.stderr).toBe(0);
          expect(await ours.waitFor(() => handle.state === 'DESTROYED', 5000)).toBe(true);
        });
      } finally {
        await charon.terminateAll();
        await ours.close();
      }
    });

    it(`charon initiator -> our responder over IPv6, ${c.ike} / ESP ${c.esp}, IDs ${c.ids}`, async () => {
      await charon.load(
        charonConf([
          {
            name: c.ids,
            ids: c.ids,
            proposals: c.ike,
            espProposals: c.esp,
            local: LAB.charon6,
            remote: LAB.ours6,
          },
        ]),
      );
      const ours = await OurHost.start({
        addresses: [LAB.ours6],
        connections: [
          ourConnection({
            name: 'rw6',
            ids: c.ids,
            proposals: c.ike,
            espProposals: c.esp,
            role: 'responder',
            local: LAB.ours6,
          }),
        ],
        secrets: OUR_SECRETS,
      });
      try {
        await diagnosed(charon, ours, async () => {
          const r = await charon.initiate(c.ids, 'net');
          expect(r.code, r.stdout + r.stderr).toBe(0);
          const handle = await ours.established();
          expect(handle.remote.address).toBe(LAB.charon6);
          const sa = await waitForCharonSa(charon, c.ids);
          expect(sa.remoteHost).toBe(LAB.ours6);
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
          expect(ours.answered).toHaveLength(3);
          const t = await charon.terminate(c.ids);
          expect(t.code, t.stdout + t.stderr).toBe(0);
          expect(await ours.waitFor(() => handle.state === 'DESTROYED', 5000)).toBe(true);
        });
      } finally {
        await charon.terminateAll();
        await ours.close();
      }
    });
  }
});
