/**
 * Issue 18 point 3: NAT traversal through a real NAT (nat-lab.ts: a router namespace with
 * iptables MASQUERADE between our daemon and charon), with no `encap = yes` on either side, in
 * both directions:
 *   (a) our daemon behind the NAT initiates to charon;
 *   (b) charon behind the NAT initiates to our daemon.
 * Each checks
 *   - NAT detection (RFC 7296 §2.23): nat-local on the side behind the NAT, nat-remote on the
 *     other, nat-any on both, in swanctl --list-sas --raw of charon and of our daemon (VICI);
 *   - the float to 4500: after IKE_AUTH both IKE SAs use port 4500 at both ends, and the Child
 *     SAs are UDP-encapsulated (RFC 3948);
 *   - NAT-keepalives (RFC 3948 §4) from the side behind the NAT cross the router (a counting
 *     iptables rule) and the mapping stays what it was;
 *   - a mapping change in the middle of the SAs (the router's conntrack flushed, the NAT now maps
 *     to ports 20000-20099): the side behind the NAT sends a liveness check (dpd_delay 2 s) from
 *     its new public port, the public side follows it (§2.23: IKE and the ESP SAs), and ping
 *     through the tunnel works both ways again.
 * Traffic is the namespaces' own ping through our daemon's TUN device and charon's
 * kernel-libipsec device.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListSasIke } from '../../targets/native/list-sas.js';
import { DaemonProcess, waitFor, withLogs } from './daemon-host.js';
import { Charon, type IkeSaInfo, LAB, parseListSas, run } from './lab.js';
import {
  CHARON_KEEPALIVE_S,
  conntrackUdp,
  inNs,
  keepalivesSeen,
  mappedPort,
  NAT_LAB,
  natCharonConf,
  natDaemonConf,
  natLabDown,
  natLabUp,
  remap,
  tunnelPing,
} from './nat-lab.js';

/** swanctl --list-sas --raw against our daemon's VICI socket, parsed like charon's. */
async function ourViciSas(d: DaemonProcess): Promise<IkeSaInfo[]> {
  const conf = path.join(d.dir, 'swanctl-client.conf');
  writeFileSync(conf, '');
  const r = await run('swanctl', ['--list-sas', '--raw', '--uri', `unix://${d.viciPath}`], {
    STRONGSWAN_CONF: conf,
  });
  if (r.code !== 0) throw new Error(`swanctl --list-sas against our daemon exited ${r.code}: ${r.stderr}`);
  return parseListSas(r.stdout);
}

const installed = (d: DaemonProcess) =>
  waitFor(
    async () =>
      (await d.listSas()).find(
        (s) => s.state === 'ESTABLISHED' && s['child-sas'].some((c) => c.state === 'INSTALLED'),
      ),
    async () => `no INSTALLED child: ${JSON.stringify(await d.listSas())}`,
    20_000,
  );

const remapped = (port: string | number) =>
  Number(port) >= NAT_LAB.remapFrom && Number(port) <= NAT_LAB.remapTo;

/** NAT flags of one IKE SA as swanctl --raw prints them. */
const natFlags = (sa: IkeSaInfo) => ({
  local: sa.raw['nat-local'] === 'yes',
  remote: sa.raw['nat-remote'] === 'yes',
  any: sa.raw['nat-any'] === 'yes',
  fake: sa.raw['nat-fake'] === 'yes',
});

/** What the two sides see, for a failed ping. */
async function pathState(ourNs: string, charonNs: string): Promise<string> {
  const sh = async (ns: string, argv: string[]) => (await inNs(ns, argv)).stdout.trim();
  return [
    `routes (our ns, table 220): ${await sh(ourNs, ['ip', 'route', 'show', 'table', '220'])}`,
    `routes (charon ns, table 220): ${await sh(charonNs, ['ip', 'route', 'show', 'table', '220'])}`,
    `conntrack: ${(await conntrackUdp()).join('\n  ')}`,
  ].join('\n');
}

/** Pings both ways through the tunnel until both get all answers (or times out). */
async function pingsBothWays(ourNs: string, charonNs: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => ((await tunnelPing(ourNs, LAB.ourInner, LAB.charonInner, 2)).code === 0 ? true : undefined),
    async () =>
      `ping ${LAB.ourInner} -> ${LAB.charonInner}: ${(await tunnelPing(ourNs, LAB.ourInner, LAB.charonInner, 1)).stdout}\n${await pathState(ourNs, charonNs)}`,
    timeoutMs,
  );
  await waitFor(
    async () =>
      (await tunnelPing(charonNs, LAB.charonInner, LAB.ourInner, 2)).code === 0 ? true : undefined,
    async () =>
      `ping ${LAB.charonInner} -> ${LAB.ourInner}: ${(await tunnelPing(charonNs, LAB.charonInner, LAB.ourInner, 1)).stdout}\n${await pathState(ourNs, charonNs)}`,
    timeoutMs,
  );
  const out = await tunnelPing(ourNs, LAB.ourInner, LAB.charonInner, 3);
  expect(out.stdout, out.stderr).toContain('3 received');
  const back = await tunnelPing(charonNs, LAB.charonInner, LAB.ourInner, 3);
  expect(back.stdout, back.stderr).toContain('3 received');
}

const CHARON_EXTRA = `keep_alive = ${CHARON_KEEPALIVE_S}s`;

describe('(a) our daemon behind a NAT initiates to charon', () => {
  let charon: Charon | undefined;
  let daemon: DaemonProcess | undefined;
  const diagnosed = (fn: () => Promise<void>) => withLogs(fn, () => ({ daemon, charon }));

  beforeAll(async () => {
    await natLabUp(NAT_LAB.pub);
    charon = await Charon.start({
      name: 'nat-pub',
      netns: NAT_LAB.pub,
      swanctlConf: natCharonConf({ local: NAT_LAB.pubAddr, remote: '%any' }),
      extraConf: CHARON_EXTRA,
    });
  });

  afterAll(async () => {
    await daemon?.kill();
    await charon?.stop();
    await natLabDown();
  });

  it('detects the NAT, floats to 4500, keeps the mapping with keepalives and follows a new mapping', () =>
    diagnosed(async () => {
      const c = charon!;
      daemon = await DaemonProcess.start({
        name: 'nat-priv',
        netns: NAT_LAB.priv,
        vici: true,
        logLevel: 'debug',
        conf: natDaemonConf({ local: NAT_LAB.privAddr, remote: NAT_LAB.pubAddr, dpdDelay: 2 }),
      });
      const d = daemon;
      await d.mustCli('initiate', '--child', 'net');
      const ours: ListSasIke = await installed(d);
      const established = Date.now();

      // the float: 4500 at both ends, on both sides; ESP in UDP
      expect(ours['local-port']).toBe(4500);
      expect(ours['remote-port']).toBe(4500);
      expect(ours['child-sas'][0]?.encap).toBe(true);
      const [theirs] = await c.listSas();
      expect(theirs?.state).toBe('ESTABLISHED');
      expect(theirs?.remoteHost).toBe(NAT_LAB.routerPub); // charon sees the NAT's address
      expect(theirs?.localPort).toBe('4500');
      expect(theirs?.remotePort).toBe('4500'); // MASQUERADE kept the port
      expect(theirs?.children[0]?.encap).toBe(true);

      // NAT detection: we are behind it (nat-local), charon sees it in front of us (nat-remote).
      // Our nat-remote is charon's doing: with kernel-libipsec (KERNEL_REQUIRE_UDP_ENCAPSULATION)
      // charon always fakes its NAT_DETECTION_SOURCE_IP hash (ike_natd.c force_encap), so it
      // looks as if behind a NAT too.
      const [ourVici] = await ourViciSas(d);
      expect(natFlags(ourVici!)).toEqual({ local: true, remote: true, any: true, fake: false });
      expect({ ...natFlags(theirs!), fake: undefined }).toEqual({
        local: false,
        remote: true,
        any: true,
        fake: undefined,
      });

      await pingsBothWays(NAT_LAB.priv, NAT_LAB.pub);

      // our NAT-keepalives (every 20 s, RFC 3948 §4) cross the router; the mapping is the same
      const before = await keepalivesSeen();
      await waitFor(
        async () => ((await keepalivesSeen()) > before ? true : undefined),
        async () =>
          `no NAT-keepalive crossed the router ${Math.round((Date.now() - established) / 1000)} s after IKE_AUTH`,
        25_000,
      );
      expect(await mappedPort(4500)).toBe(4500);

      // the mapping changes: the NAT forgets it and maps us to 20000-20099 from now on
      await remap();
      // our next liveness check (dpd_delay 2 s) comes from the new port: charon follows
      const moved = await waitFor(
        async () => {
          const [sa] = await c.listSas();
          return sa && remapped(sa.remotePort) ? sa : undefined;
        },
        async () =>
          `charon still has ${JSON.stringify((await c.listSas()).map((s) => [s.remoteHost, s.remotePort]))}`,
        20_000,
      );
      expect(moved.remoteHost).toBe(NAT_LAB.routerPub);
      expect(remapped((await mappedPort(4500)) ?? 0)).toBe(true);
      await pingsBothWays(NAT_LAB.priv, NAT_LAB.pub);
      // the same IKE SA all along. (charon rekeys the Child SA after the move: kernel-libipsec
      // cannot update an SA's endpoints, so charon's child_sa update is NOT_SUPPORTED -> CHILD_REKEY.)
      const [after] = await d.listSas();
      expect(after?.['initiator-spi']).toBe(ours['initiator-spi']);
    }));
});

describe('(b) charon behind a NAT initiates to our daemon', () => {
  let charon: Charon | undefined;
  let daemon: DaemonProcess | undefined;
  const diagnosed = (fn: () => Promise<void>) => withLogs(fn, () => ({ daemon, charon }));

  beforeAll(async () => {
    await natLabUp(NAT_LAB.priv);
    charon = await Charon.start({
      name: 'nat-priv',
      netns: NAT_LAB.priv,
      swanctlConf: natCharonConf({ local: NAT_LAB.privAddr, remote: NAT_LAB.pubAddr, dpdDelay: 2 }),
      extraConf: CHARON_EXTRA,
    });
  });

  afterAll(async () => {
    await daemon?.kill();
    await charon?.stop();
    await natLabDown();
  });

  it('detects the NAT, floats to 4500, sees the keepalives and follows a new mapping', () =>
    diagnosed(async () => {
      const c = charon!;
      daemon = await DaemonProcess.start({
        name: 'nat-pub',
        netns: NAT_LAB.pub,
        vici: true,
        logLevel: 'debug',
        conf: natDaemonConf({ local: NAT_LAB.pubAddr, remote: '%any' }),
      });
      const d = daemon;
      const r = await c.initiate('nat', 'net');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const ours = await installed(d);

      // the float: 4500 at both ends, on both sides; ESP in UDP
      expect(ours['remote-host']).toBe(NAT_LAB.routerPub); // we see the NAT's address
      expect(ours['local-port']).toBe(4500);
      expect(ours['remote-port']).toBe(4500);
      expect(ours['child-sas'][0]?.encap).toBe(true);
      const [theirs] = await c.listSas();
      expect(theirs?.localPort).toBe('4500');
      expect(theirs?.remotePort).toBe('4500');
      expect(theirs?.children[0]?.encap).toBe(true);

      // NAT detection: charon is behind it (nat-local), we see it in front of charon (nat-remote)
      const [ourVici] = await ourViciSas(d);
      expect(natFlags(ourVici!)).toEqual({ local: false, remote: true, any: true, fake: false });
      expect({ ...natFlags(theirs!), fake: undefined }).toEqual({
        local: true,
        remote: false,
        any: true,
        fake: undefined,
      });

      await pingsBothWays(NAT_LAB.pub, NAT_LAB.priv);

      // charon's NAT-keepalives (keep_alive = 1 s here) cross the router; the mapping holds
      const before = await keepalivesSeen();
      await waitFor(
        async () => ((await keepalivesSeen()) >= before + 2 ? true : undefined),
        async () => `keepalives seen: ${await keepalivesSeen()} (before: ${before})`,
        4 * 1000 * CHARON_KEEPALIVE_S + 5000,
      );
      expect(await mappedPort(4500)).toBe(4500);

      // the mapping changes: charon's next liveness check (dpd_delay 2 s) comes from a new port
      await remap();
      const moved = await waitFor(
        async () => {
          const [sa] = await d.listSas();
          return sa && remapped(sa['remote-port']) ? sa : undefined;
        },
        async () =>
          `we still have ${JSON.stringify((await d.listSas()).map((s) => [s['remote-host'], s['remote-port']]))}`,
        20_000,
      );
      expect(moved['remote-host']).toBe(NAT_LAB.routerPub);
      expect(remapped((await mappedPort(4500)) ?? 0)).toBe(true);
      // the ESP SAs followed the IKE SA: our pings reach charon at its new port
      await pingsBothWays(NAT_LAB.pub, NAT_LAB.priv);
      const [after] = await d.listSas();
      expect(after?.['responder-spi']).toBe(ours['responder-spi']);
      expect(after?.['child-sas'][0]?.['spi-in']).toBe(ours['child-sas'][0]?.['spi-in']);
    }));
});
