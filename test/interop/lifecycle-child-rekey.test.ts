/**
 * Child SA rekeying (RFC 7296 §1.3.3, §2.8) against charon, started by either side:
 *   --> CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr }   <-- { SA, Nr, [KEr,] TSi, TSr }
 *   --> INFORMATIONAL { D(ESP, old SPI) }                           <-- { D(ESP, old SPI) }
 * without PFS and with it (ESP proposals with a KE group: ECP-256, X25519), with the IKE SA set
 * up by either side. Afterwards both sides hold exactly one child `net` with new SPIs (charon's
 * swanctl --list-sas vs our supervisor and our IPsec backend), the old SAs are gone on both, and
 * pings both ways pass through the new SAs (counted on them on both sides).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosed, establish, expectTraffic, waitForAgreement } from './checks.js';
import { charonConf, LIFECYCLE_CHARON_CONF, OUR_SECRETS, ourConnection } from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

const IKE = 'aes128gcm16-prfsha256-x25519';

interface Case {
  readonly esp: string;
  /** charon's name of the PFS group (swanctl --list-sas dh-group), none without PFS. */
  readonly pfs?: string;
  /** Who sets up the IKE SA. */
  readonly ikeBy: 'us' | 'charon';
  /** Who starts the rekey. */
  readonly rekeyBy: 'us' | 'charon';
}

const CASES: readonly Case[] = [
  { esp: 'aes128-sha256', ikeBy: 'us', rekeyBy: 'charon' },
  { esp: 'aes128-sha256', ikeBy: 'charon', rekeyBy: 'us' },
  { esp: 'aes128-sha256-ecp256', pfs: 'ECP_256', ikeBy: 'charon', rekeyBy: 'charon' },
  { esp: 'aes128-sha256-ecp256', pfs: 'ECP_256', ikeBy: 'us', rekeyBy: 'us' },
  { esp: 'aes128gcm16-x25519', pfs: 'CURVE_25519', ikeBy: 'us', rekeyBy: 'charon' },
  { esp: 'aes128gcm16-x25519', pfs: 'CURVE_25519', ikeBy: 'charon', rekeyBy: 'us' },
];

/** The same connection `lc` on both sides; charon's may initiate to us (remote = 10.99.0.1). */
const charonSide = (esp: string) =>
  charonConf([{ name: 'lc', ids: 'email', proposals: IKE, espProposals: esp, remote: LAB.ours }]);

describe('Child SA rekey', () => {
  let charon: Charon;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'lc-rekey',
      swanctlConf: charonSide(CASES[0]!.esp),
      extraConf: LIFECYCLE_CHARON_CONF,
    });
  });

  afterAll(async () => {
    await charon?.stop();
  });

  for (const c of CASES) {
    it(`ESP ${c.esp}${c.pfs ? ' (PFS)' : ''}: IKE SA by ${c.ikeBy}, rekeyed by ${c.rekeyBy}`, async () => {
      await charon.load(charonSide(c.esp));
      const ours = await OurHost.start({
        addresses: [LAB.ours],
        connections: [
          ourConnection({ name: 'lc', ids: 'email', proposals: IKE, espProposals: c.esp, role: 'initiator' }),
        ],
        secrets: OUR_SECRETS,
      });
      try {
        await diagnosed(charon, ours, async () => {
          const before = await establish(charon, ours, c.ikeBy, 'lc');
          const old = before.children.net!;
          await expectTraffic(charon, ours, old);

          if (c.rekeyBy === 'us') expect(ours.supervisor.rekeyChild('net')).toBe(true);
          else {
            const r = await charon.rekeyChild('net');
            expect(r.code, r.stdout + r.stderr).toBe(0);
          }
          // exactly one child `net` on both sides, none of the old SPIs anywhere, same IKE SA
          const after = await waitForAgreement(charon, ours, ['net'], [old.spiIn, old.spiOut]);
          expect([after.spiI, after.spiR]).toEqual([before.spiI, before.spiR]);
          const fresh = after.children.net!;

          // PFS: the rekey ran a key exchange of the proposal's group (§1.3.3), on both sides
          const theirs = (await charon.listSas())[0]!.children[0]!;
          expect(theirs.raw['dh-group']).toBe(c.pfs);
          const mine = ours.supervisor.ikeSas[0]!.children[0]!.record;
          expect(mine.suite.ke?.name).toBe(c.pfs);

          await expectTraffic(charon, ours, fresh);
        });
      } finally {
        await charon.terminateAll();
        await ours.close();
      }
    });
  }
});
