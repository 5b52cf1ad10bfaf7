/**
 * IKE fragmentation (RFC 7383) with charon, both roles, IKE_AUTH fragmented both ways:
 *
 *   charon (netns swan, 10.99.0.2): fragmentation = force, charon.fragment_size = 256
 *   ours   (root ns,    10.99.0.1): fragmentation = yes (default), daemon.fragment_size = 256
 *
 * 256 octets is the whole IP datagram: on the NAT-T port (both float there, encap = yes) an IKE
 * message of at most 256 - 20 (IPv4) - 8 (UDP) - 4 (non-ESP marker) = 224 octets. With
 * aes256-sha512 (16-octet IV, 32-octet ICV, 64-octet AUTH) every IKE_AUTH message is larger, so
 * each is sent as Encrypted Fragment payloads (SKF, type 53) by both sides. tshark captures on
 * swanr and must see every IKE_AUTH datagram carry SKF, from both addresses, none over 256
 * octets; then traffic passes through the Child SA and our fragment counters show nothing dropped.
 * The same again with our real daemon process, configured by swanctl.conf (`fragmentation`,
 * `daemon { fragment_size }`), as initiator.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosed, waitForCharonSa } from './checks.js';
import { charonConf, IDS, OUR_SECRETS, ourConnection } from './configs.js';
import { DaemonProcess, daemonConf } from './daemon-host.js';
import { Charon, LAB } from './lab.js';
import { OurHost } from './our-host.js';
import { startCapture, tsharkFields } from './tshark.js';

const IKE = 'aes256-sha512-ecp256';
const ESP = 'aes256-sha512';
const FRAGMENT_SIZE = 256;
const SKF = '53';
const IKE_AUTH = '35';

const charonSide = (role: 'initiator' | 'responder') =>
  charonConf([
    {
      name: 'fqdn',
      ids: 'fqdn',
      proposals: IKE,
      espProposals: ESP,
      fragmentation: 'force',
      ...(role === 'initiator' ? { remote: LAB.ours } : {}),
    },
  ]);

const ourHost = (role: 'initiator' | 'responder') =>
  OurHost.start({
    addresses: [LAB.ours],
    connections: [ourConnection({ name: 'frag', ids: 'fqdn', proposals: IKE, espProposals: ESP, role })],
    secrets: OUR_SECRETS,
    daemon: { fragment_size: FRAGMENT_SIZE },
  });

/** The IKE_AUTH datagrams on the wire: source, IP length, IKE header Next Payload, payload types. */
async function authOnWire(file: string, dir: string) {
  const lines = await tsharkFields(file, dir, `isakmp.exchangetype == ${IKE_AUTH}`, [
    'ip.src',
    'ip.len',
    'isakmp.nextpayload',
    'isakmp.typepayload',
  ]);
  return lines.map((l) => {
    const [src, len, next, types] = l.split('\t');
    return { src: src!, len: Number(len), next: next!.split(',')[0]!, types: types ?? '' };
  });
}

function expectFragmentedBothWays(wire: Awaited<ReturnType<typeof authOnWire>>) {
  for (const from of [LAB.ours, LAB.charon]) {
    const sent = wire.filter((w) => w.src === from);
    expect(sent.length, `IKE_AUTH datagrams from ${from}`).toBeGreaterThan(1); // fragments
    for (const d of sent) {
      expect(d.next).toBe(SKF); // the IKE header announces SKF (RFC 7383 §2.5)
      expect(d.types.split(',')).toContain(SKF);
      expect(d.len).toBeLessThanOrEqual(FRAGMENT_SIZE);
    }
  }
}

describe('IKE fragmentation with charon (RFC 7383), IKE_AUTH fragmented both ways', () => {
  for (const role of ['initiator', 'responder'] as const) {
    describe(`we are the ${role}`, () => {
      let charon: Charon;
      beforeAll(async () => {
        charon = await Charon.start({
          name: role === 'initiator' ? 'responder' : 'initiator',
          swanctlConf: charonSide(role === 'initiator' ? 'responder' : 'initiator'),
          extraConf: `fragment_size = ${FRAGMENT_SIZE}`,
        });
      });
      afterAll(async () => {
        await charon?.stop();
      });

      if (role === 'initiator')
        it('our daemon process, from swanctl.conf (fragmentation = force, daemon.fragment_size = 256): SKF both ways, ping', async () => {
          const conf = daemonConf({
            innerAddrs: [LAB.ourInner],
            connection: 'frag',
            local: LAB.ours,
            remote: LAB.charon,
            localId: IDS.fqdn.initiator,
            remoteId: IDS.fqdn.responder,
            proposals: IKE,
            espProposals: ESP,
            child: 'net',
            localTs: LAB.ourNet,
            remoteTs: LAB.charonNet,
            fragmentSize: FRAGMENT_SIZE,
            fragmentation: 'force',
          });
          const daemon = await DaemonProcess.start({ name: 'frag', conf });
          const dir = path.join(charon.confDir, 'capture');
          mkdirSync(dir, { recursive: true });
          const file = path.join(dir, 'fragments-daemon.pcapng');
          const capture = await startCapture(LAB.charonNs, 'swanr', file);
          try {
            const init = await daemon.cli('initiate', '--child', 'net', '--timeout', '20');
            expect(init.code, init.stderr + daemon.log(30)).toBe(0);
            await waitForCharonSa(charon, 'fqdn');
            const ping = await daemon.cli('ping', '--child', 'net', LAB.charonInner, '-c', '3');
            expect(ping.code, ping.stdout + ping.stderr).toBe(0);
            expect(ping.stdout).toContain('3 packets transmitted, 3 received');
            await new Promise((r) => setTimeout(r, 1500));
            await capture.stop();
            expectFragmentedBothWays(await authOnWire(file, dir));
          } finally {
            await capture.stop();
            await charon.terminateAll();
            await daemon.kill();
          }
        });

      it(`${IKE}: SKF both ways on the wire, then ping through the Child SA`, async () => {
        const ours = await ourHost(role);
        const dir = path.join(charon.confDir, 'capture');
        mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `fragments-${role}.pcapng`);
        const capture = await startCapture(LAB.charonNs, 'swanr', file);
        try {
          await diagnosed(charon, ours, async () => {
            let handle: Awaited<ReturnType<OurHost['established']>>;
            if (role === 'initiator') handle = await ours.initiate('frag', 'net');
            else {
              const r = await charon.initiate('fqdn', 'net');
              expect(r.code, r.stdout + r.stderr).toBe(0);
              handle = await ours.established();
            }
            const sa = await waitForCharonSa(charon, 'fqdn');
            expect(sa.remotePort).toBe('4500');
            const session = handle.actor.getSnapshot().context.session;
            expect(session.peerFragmentation).toBe(true); // charon announced it (§2.3)

            if (role === 'initiator') {
              expect(await ours.ping(LAB.ourInner, LAB.charonInner, 3)).toEqual([1, 2, 3]);
            } else {
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
            }

            const counters = ours.supervisor.fragmentCounters();
            expect(counters.fragmentedMessages).toBeGreaterThanOrEqual(1);
            expect(counters.reassembled).toBeGreaterThanOrEqual(1);
            expect(
              Object.values(counters.dropped).every((n) => n === 0),
              JSON.stringify(counters),
            ).toBe(true);

            await new Promise((r) => setTimeout(r, 1500)); // dumpcap hands packets over in blocks
            await capture.stop();
            const wire = await authOnWire(file, dir);
            console.info(
              `${role}: IKE_AUTH on the wire (src, ip.len, next payload, payload types):\n` +
                wire.map((w) => `  ${w.src} ${w.len} ${w.next} ${w.types}`).join('\n'),
            );
            expectFragmentedBothWays(wire);
            expect(wire.filter((w) => w.src === LAB.ours)).toHaveLength(counters.sent);
          });
        } finally {
          await capture.stop();
          await charon.terminateAll();
          await ours.close();
        }
      });
    });
  }
});
