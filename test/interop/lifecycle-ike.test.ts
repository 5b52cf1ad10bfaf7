/**
 * IKE SA rekeying (RFC 7296 §1.3.2, §2.18) and deletion (§1.4.1) against charon, each started
 * by either side:
 *   --> CREATE_CHILD_SA { SA(new SPI), Ni, KEi }   <-- { SA(new SPI), Nr, KEr }
 *   --> INFORMATIONAL on the old IKE SA { D(IKE) } <-- { }
 * After a rekey both sides hold one IKE SA with new SPIs, the rekey's initiator is its original
 * initiator (§2.18), the Child SA moved over unchanged (same SPIs) and still carries pings, and
 * a Child SA rekey over the new IKE SA works, and so does its Delete. After a Delete neither
 * side has anything left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosed, establish, expectTraffic, waitForAgreement, waitForNothing } from './checks.js';
import { charonConf, LIFECYCLE_CHARON_CONF, OUR_SECRETS, ourConnection } from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

type Side = 'us' | 'charon';
const ESP = 'aes128gcm16';

/** The same connection `lc` on both sides; charon's may initiate to us (remote = 10.99.0.1). */
const charonSide = (ike: string) =>
  charonConf([{ name: 'lc', ids: 'fqdn', proposals: ike, espProposals: ESP, remote: LAB.ours }]);

const ourHost = (ike: string) =>
  OurHost.start({
    addresses: [LAB.ours],
    connections: [
      ourConnection({ name: 'lc', ids: 'fqdn', proposals: ike, espProposals: ESP, role: 'initiator' }),
    ],
    secrets: OUR_SECRETS,
  });

const REKEYS: readonly { ike: string; ikeBy: Side; rekeyBy: Side }[] = [
  { ike: 'aes128-sha256-ecp256', ikeBy: 'us', rekeyBy: 'charon' },
  { ike: 'aes256gcm16-prfsha384-x25519', ikeBy: 'charon', rekeyBy: 'us' },
  { ike: 'aes128-sha256-modp2048', ikeBy: 'us', rekeyBy: 'us' },
  { ike: 'chacha20poly1305-prfsha256-x25519', ikeBy: 'charon', rekeyBy: 'charon' },
];

describe('IKE SA rekey and delete', () => {
  let charon: Charon;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'lc-ike',
      swanctlConf: charonSide(REKEYS[0]!.ike),
      extraConf: LIFECYCLE_CHARON_CONF,
    });
  });

  afterAll(async () => {
    await charon?.stop();
  });

  for (const c of REKEYS) {
    it(`${c.ike}: IKE SA by ${c.ikeBy}, rekeyed by ${c.rekeyBy}; the child moves, then a child rekey`, async () => {
      await charon.load(charonSide(c.ike));
      const ours = await ourHost(c.ike);
      try {
        await diagnosed(charon, ours, async () => {
          const before = await establish(charon, ours, c.ikeBy, 'lc');
          const child = before.children.net!;
          await expectTraffic(charon, ours, child);

          if (c.rekeyBy === 'us') expect(ours.supervisor.rekeyIke('lc')).toBe(1);
          else {
            const r = await charon.rekeyIke('lc');
            expect(r.code, r.stdout + r.stderr).toBe(0);
          }
          // one IKE SA, both SPIs new (§2.18), the child moved over as it was
          const after = await waitForAgreement(charon, ours, ['net'], [before.spiI, before.spiR]);
          expect(after.children.net).toEqual(child);
          expect(ours.events.filter((e) => e.type === 'ike-rekeyed')).toHaveLength(1);
          // §2.18: the rekey's initiator is the new IKE SA's original initiator
          const [sa] = await charon.listSas();
          expect(sa!.initiator).toBe(c.rekeyBy === 'charon');
          expect(ours.supervisor.ikeSas[0]!.initiator).toBe(c.rekeyBy === 'us');
          await expectTraffic(charon, ours, child);

          // a Child SA rekey over the new IKE SA, started by the other side this time
          if (c.rekeyBy === 'us') {
            const r = await charon.rekeyChild('net');
            expect(r.code, r.stdout + r.stderr).toBe(0);
          } else expect(ours.supervisor.rekeyChild('net')).toBe(true);
          const last = await waitForAgreement(charon, ours, ['net'], [child.spiIn, child.spiOut]);
          expect([last.spiI, last.spiR]).toEqual([after.spiI, after.spiR]);
          await expectTraffic(charon, ours, last.children.net!);

          // and the new IKE SA is deleted like any other, by the side that set up the old one
          if (c.ikeBy === 'us') expect(ours.supervisor.terminate('lc')).toBe(1);
          else {
            const t = await charon.terminate('lc');
            expect(t.code, t.stdout + t.stderr).toBe(0);
          }
          await waitForNothing(charon, ours);
        });
      } finally {
        await charon.terminateAll();
        await ours.close();
      }
    });
  }

  for (const c of [
    { ikeBy: 'charon', deleteBy: 'us' },
    { ikeBy: 'us', deleteBy: 'charon' },
  ] as const) {
    it(`IKE SA by ${c.ikeBy}, deleted by ${c.deleteBy}: nothing left on either side`, async () => {
      const ike = 'aes128gcm16-prfsha256-ecp256';
      await charon.load(charonSide(ike));
      const ours = await ourHost(ike);
      try {
        await diagnosed(charon, ours, async () => {
          await establish(charon, ours, c.ikeBy, 'lc');
          const mark = charon.logMark();
          if (c.deleteBy === 'us') expect(ours.supervisor.terminate('lc')).toBe(1);
          else {
            const t = await charon.terminate('lc');
            expect(t.code, t.stdout + t.stderr).toBe(0);
          }
          await waitForNothing(charon, ours);
          expect(ours.events.map((e) => e.type)).toContain('ike-closed');
          expect(ours.esp.backend.listPolicies()).toEqual([]);
          // the Delete went over the wire (not a timeout): charon logs it, under the IKE SA's SPIs
          const log = charon.logSince(mark);
          if (c.deleteBy === 'us') expect(log).toMatch(/received DELETE for IKE_SA lc\[\d+\]/);
          else expect(log).toMatch(/sending DELETE for IKE_SA lc\[\d+\]/);
        });
      } finally {
        await charon.terminateAll();
        await ours.close();
      }
    });
  }
});
