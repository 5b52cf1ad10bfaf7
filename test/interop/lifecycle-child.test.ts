/**
 * Child SA deletion (RFC 7296 §1.4.1) and additional Child SAs (§1.3.1) against charon, each
 * started by either side:
 *   --> INFORMATIONAL { D(ESP, SPI) }                     <-- { D(ESP, the other SPI) }
 *   --> CREATE_CHILD_SA { SA, Ni, TSi, TSr }              <-- { SA, Nr, TSi, TSr }
 * A deleted child leaves the IKE SA up on both sides without children (and a new child can be
 * negotiated over it). A second tunnel child `net2` (10.99.3.0/24 <-> 10.99.1.0/24, its own
 * selectors, reqid and policies) is created beside `net`, carries its own traffic, is rekeyed
 * and deleted without disturbing `net`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloseAction } from '../../ipsec/config/model.js';
import { diagnosed, establish, expectTraffic, waitForAgreement } from './checks.js';
import {
  CHARON_NET2,
  charonConf,
  LIFECYCLE_CHARON_CONF,
  OUR_NET2,
  OUR_SECRETS,
  ourConnection,
  type TunnelChild,
} from './configs.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';

const IKE = 'aes256gcm16-prfsha256-ecp256';
const ESP = 'aes256gcm16';
const CHARON_NET: TunnelChild = { name: 'net', localTs: LAB.charonNet, remoteTs: LAB.ourNet };

describe('Child SA delete and a second Child SA', () => {
  let charon: Charon;
  let ours: OurHost | undefined;

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'lc-child',
      swanctlConf: charonConf([
        {
          name: 'lc',
          ids: 'ipaddr',
          proposals: IKE,
          espProposals: ESP,
          remote: LAB.ours,
          children: [CHARON_NET, CHARON_NET2],
        },
      ]),
      extraConf: LIFECYCLE_CHARON_CONF,
    });
  });

  afterAll(async () => {
    await charon?.terminateAll();
    await ours?.close();
    await charon?.stop();
  });

  /** A fresh host per case with children `net` and `net2` (`net` with the given close_action). */
  async function start(closeAction: CloseAction = 'none'): Promise<OurHost> {
    await charon.terminateAll();
    await ours?.close();
    const conn = ourConnection({
      name: 'lc',
      ids: 'ipaddr',
      proposals: IKE,
      espProposals: ESP,
      role: 'initiator',
      moreChildren: [OUR_NET2],
    });
    ours = await OurHost.start({
      addresses: [LAB.ours],
      connections: [
        {
          ...conn,
          children: conn.children.map((c) => (c.name === 'net' ? { ...c, close_action: closeAction } : c)),
        },
      ],
      secrets: OUR_SECRETS,
    });
    return ours;
  }

  it('charon deletes the child: the IKE SA stays up without it; we create it anew over that IKE SA', async () => {
    const host = await start();
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'us', 'lc');
      const t = await charon.terminateChild('net');
      expect(t.code, t.stdout + t.stderr).toBe(0);
      const empty = await waitForAgreement(charon, host, [], [up.children.net!.spiIn]);
      expect([empty.spiI, empty.spiR]).toEqual([up.spiI, up.spiR]);
      expect(host.events.filter((e) => e.type === 'child-removed')).toHaveLength(1);
      expect(host.esp.backend.listPolicies()).toEqual([]); // the policies went with the last SA

      expect(host.supervisor.createChild('lc', 'net')).toBe(1);
      const again = await waitForAgreement(charon, host, ['net'], [up.children.net!.spiIn]);
      expect([again.spiI, again.spiR]).toEqual([up.spiI, up.spiR]);
      await expectTraffic(charon, host, again.children.net!);
    });
  });

  it('close_action = start: charon deletes the child and we negotiate it anew by ourselves', async () => {
    const host = await start('start');
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'us', 'lc');
      const t = await charon.terminateChild('net');
      expect(t.code, t.stdout + t.stderr).toBe(0);
      // No createChild from the test: close_action answers charon's Delete with CREATE_CHILD_SA.
      const again = await waitForAgreement(charon, host, ['net'], [up.children.net!.spiIn]);
      expect([again.spiI, again.spiR]).toEqual([up.spiI, up.spiR]);
      expect(host.events.filter((e) => e.type === 'child-removed')).toHaveLength(1);
      await expectTraffic(charon, host, again.children.net!);
    });
    // Gone before charon's next terminateAll: its Delete would make close_action start a new IKE SA.
    await host.close();
    ours = undefined;
  });

  it('we delete the child: the IKE SA stays up without it; charon creates it anew over that IKE SA', async () => {
    const host = await start();
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'charon', 'lc');
      const mark = charon.logMark();
      expect(host.supervisor.deleteChild('net')).toBe(true);
      const empty = await waitForAgreement(charon, host, [], [up.children.net!.spiIn]);
      expect([empty.spiI, empty.spiR]).toEqual([up.spiI, up.spiR]);
      expect(charon.logSince(mark)).toMatch(
        new RegExp(`received DELETE for ESP CHILD_SA with SPI ${up.children.net!.spiIn}`),
      );

      const r = await charon.initiate('lc', 'net'); // reuses the IKE SA: CREATE_CHILD_SA
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const again = await waitForAgreement(charon, host, ['net'], [up.children.net!.spiIn]);
      expect([again.spiI, again.spiR]).toEqual([up.spiI, up.spiR]);
      await expectTraffic(charon, host, again.children.net!);
    });
  });

  it('we create net2 beside net; charon rekeys net2; both carry their own traffic', async () => {
    const host = await start();
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'charon', 'lc');
      expect(host.supervisor.createChild('lc', 'net2')).toBe(1);
      const two = await waitForAgreement(charon, host, ['net', 'net2']);
      expect([two.spiI, two.spiR]).toEqual([up.spiI, up.spiR]);
      expect(two.children.net).toEqual(up.children.net);
      const sa = (await charon.listSas())[0]!;
      expect(sa.children.find((c) => c.name === 'net2')!.remoteTs).toEqual([LAB.ourNet2]);
      await expectTraffic(charon, host, two.children.net!);
      await expectTraffic(charon, host, two.children.net2!, LAB.ourInner2);

      const r = await charon.rekeyChild('net2');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const old = two.children.net2!;
      const after = await waitForAgreement(charon, host, ['net', 'net2'], [old.spiIn, old.spiOut]);
      expect(after.children.net).toEqual(up.children.net);
      await expectTraffic(charon, host, after.children.net2!, LAB.ourInner2);
      await expectTraffic(charon, host, after.children.net!);
    });
  });

  it('charon creates net2 beside net; we rekey net2, then delete it; net is undisturbed', async () => {
    const host = await start();
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'us', 'lc');
      const r = await charon.initiate('lc', 'net2'); // reuses the IKE SA: CREATE_CHILD_SA
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const two = await waitForAgreement(charon, host, ['net', 'net2']);
      expect([two.spiI, two.spiR]).toEqual([up.spiI, up.spiR]);
      await expectTraffic(charon, host, two.children.net2!, LAB.ourInner2);

      expect(host.supervisor.rekeyChild('net2')).toBe(true);
      const old = two.children.net2!;
      const after = await waitForAgreement(charon, host, ['net', 'net2'], [old.spiIn, old.spiOut]);
      expect(after.children.net).toEqual(up.children.net);
      await expectTraffic(charon, host, after.children.net2!, LAB.ourInner2);

      expect(host.supervisor.deleteChild('net2')).toBe(true);
      const one = await waitForAgreement(charon, host, ['net'], [after.children.net2!.spiIn]);
      expect(one.children.net).toEqual(up.children.net);
      await expectTraffic(charon, host, one.children.net!);
      // net2's policies went with its last SA; net's stayed
      expect(new Set(host.esp.backend.listPolicies().map((p) => p.reqid)).size).toBe(1);
    });
  });

  it('charon rekeys the IKE SA with net and net2: both children move over unchanged', async () => {
    const host = await start();
    await diagnosed(charon, host, async () => {
      const up = await establish(charon, host, 'us', 'lc');
      expect(host.supervisor.createChild('lc', 'net2')).toBe(1);
      const two = await waitForAgreement(charon, host, ['net', 'net2']);
      const r = await charon.rekeyIke('lc');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const after = await waitForAgreement(charon, host, ['net', 'net2'], [up.spiI, up.spiR]);
      expect(after.children).toEqual(two.children);
      await expectTraffic(charon, host, after.children.net!);
      await expectTraffic(charon, host, after.children.net2!, LAB.ourInner2);
    });
  });
});
