/**
 * Issue 15: our daemon carries the host's own traffic through a TUN device, against charon.
 * Our daemon runs in its own namespace `swant` (10.98.0.1, tun-support.ts) with `daemon.tun =
 * ipsec0`, inner address 10.99.2.1 and child `net` 10.99.2.0/24 <-> 10.99.1.0/24; charon is
 * the lab's responder in `swan` (10.98.0.2 on a second veth; its own kernel-libipsec ipsec0).
 * The traffic is the namespaces' own: ping(8) and TCP between Node processes started with
 * `ip netns exec`, nothing inside our daemon.
 *   - the route to charon's net appears through ipsec0 with the SA, and goes with it
 *   - ping both ways; TCP transfers both ways, checksummed
 *   - Child SA rekeys (ours, then charon's) during a transfer: complete, no stall over 3 s
 *   - start_action = trap: the route is there before any SA; the host's first packet starts IKE
 *   - SIGTERM: exit 0, no device, no route, no policy rule left
 *   - SIGKILL: the kernel deletes the device and its routes; a new daemon starts cleanly
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { charonConf, LIFECYCLE_CHARON_CONF } from './configs.js';
import { DaemonProcess, waitFor, withLogs } from './daemon-host.js';
import { Charon, LAB } from './lab.js';
import {
  nsIpJson,
  nsRun,
  TUN_LAB,
  tcpTransfer,
  tunDaemonConf,
  tunNetnsDown,
  tunNetnsUp,
  tunRoutes,
} from './tun-support.js';

const NET_ROUTE = `${LAB.charonNet} src ${LAB.ourInner}`;

describe('our daemon with a TUN device <-> charon', () => {
  let charon: Charon;
  let daemon: DaemonProcess | undefined;

  /** Runs `fn`; on failure adds the daemon's and charon's logs to the error. */
  const diagnosed = (fn: () => Promise<void>) => withLogs(fn, () => ({ daemon, charon }));

  const start = async (conf: string) => {
    daemon = await DaemonProcess.start({ name: 'tun', conf, netns: TUN_LAB.ns, logLevel: 'info' });
    return daemon;
  };

  const installed = (d: DaemonProcess) =>
    waitFor(
      async () =>
        (await d.listSas()).find(
          (s) => s.state === 'ESTABLISHED' && s['child-sas'].some((c) => c.state === 'INSTALLED'),
        ),
      async () => `no INSTALLED child: ${JSON.stringify(await d.listSas())}`,
      15_000,
    );

  const routesAre = (want: string[]) =>
    waitFor(
      async () => {
        const r = await tunRoutes(TUN_LAB.ns);
        return JSON.stringify(r) === JSON.stringify(want) ? r : undefined;
      },
      async () => `routes ${JSON.stringify(await tunRoutes(TUN_LAB.ns))}, want ${JSON.stringify(want)}`,
    );

  const ping = (from: string, to: string, ns: string = TUN_LAB.ns) =>
    nsRun(ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '5', '-I', from, to]);

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'tun-peer',
      swanctlConf: charonConf([
        {
          name: 'email',
          ids: 'email',
          proposals: 'aes128gcm16-prfsha256-x25519',
          // GCM for most tests; CBC+HMAC for the rekey test, the other ESP path
          espProposals: 'aes128gcm16,aes128-sha256',
          local: TUN_LAB.charon,
        },
      ]),
      extraConf: LIFECYCLE_CHARON_CONF,
    });
    await tunNetnsUp();
  });

  afterEach(async () => {
    await daemon?.kill();
    daemon = undefined;
    await charon.swanctl('--terminate', '--ike', 'email', '--force').catch(() => undefined);
  });

  afterAll(async () => {
    await tunNetnsDown();
    await charon?.stop();
  });

  it('routes through ipsec0 with the SA, carries ping and TCP both ways, and leaves nothing on SIGTERM', () =>
    diagnosed(async () => {
      const d = await start(tunDaemonConf());
      const link = (
        await nsIpJson<{ mtu: number; flags: string[] }>(TUN_LAB.ns, 'link', 'show', 'dev', TUN_LAB.dev)
      )[0]!;
      expect(link.mtu).toBe(1400);
      expect(link.flags).toContain('UP');
      expect(await tunRoutes(TUN_LAB.ns)).toEqual([]); // no SA, no trap: no route
      await d.mustCli('initiate', '--child', 'net');
      await installed(d);
      await routesAre([NET_ROUTE]);

      // the host's own ping, both ways (charon's side through its own kernel-libipsec ipsec0)
      const out = await ping(LAB.ourInner, LAB.charonInner);
      expect(out.stdout, out.stderr).toContain('3 received');
      const back = await ping(LAB.charonInner, LAB.ourInner, LAB.charonNs);
      expect(back.stdout, back.stderr).toContain('3 received');

      // TCP, both ways, checksummed
      for (const [fromNs, from, toNs, to] of [
        [TUN_LAB.ns, LAB.ourInner, LAB.charonNs, LAB.charonInner],
        [LAB.charonNs, LAB.charonInner, TUN_LAB.ns, LAB.ourInner],
      ] as const) {
        const t = await tcpTransfer({ fromNs, from, toNs, to, port: 5201, bytes: 8 << 20 });
        expect(t.received.bytes).toBe(8 << 20);
        expect(t.received.sha256).toBe(t.sent.sha256);
      }

      // the route goes with the SA
      await d.mustCli('terminate', '--child', 'net');
      await routesAre([]);

      // SIGTERM: exit 0, and nothing of ours is left in the namespace
      expect(await d.signal('SIGTERM')).toBe(0);
      expect((await nsRun(TUN_LAB.ns, ['ip', 'link', 'show', 'dev', TUN_LAB.dev])).code).not.toBe(0);
      const rules = await nsIpJson<{ table?: string }>(TUN_LAB.ns, 'rule', 'show');
      expect(rules.filter((r) => String(r.table) === String(TUN_LAB.table))).toEqual([]);
      expect(await nsIpJson(TUN_LAB.ns, 'route', 'show', 'table', String(TUN_LAB.table))).toEqual([]);
    }));

  it('a crash (SIGKILL) takes the device and its routes with the process; the next start works', () =>
    diagnosed(async () => {
      const d = await start(tunDaemonConf());
      await d.mustCli('initiate', '--child', 'net');
      await installed(d);
      await routesAre([NET_ROUTE]);
      await d.signal('SIGKILL');
      expect((await nsRun(TUN_LAB.ns, ['ip', 'link', 'show', 'dev', TUN_LAB.dev])).code).not.toBe(0);
      expect(await nsIpJson(TUN_LAB.ns, 'route', 'show', 'table', String(TUN_LAB.table))).toEqual([]);
      // the peer is gone: charon deletes its half at once instead of retransmitting a DELETE
      await charon.swanctl('--terminate', '--ike', 'email', '--force').catch(() => undefined);
      const again = await start(tunDaemonConf());
      await again.mustCli('initiate', '--child', 'net');
      await installed(again);
      await routesAre([NET_ROUTE]);
      const out = await ping(LAB.ourInner, LAB.charonInner);
      expect(out.stdout, out.stderr).toContain('3 received');
    }));

  it('keeps a TCP transfer going through Child SA rekeys on both sides', () =>
    diagnosed(async () => {
      const d = await start(tunDaemonConf({ esp: 'aes128-sha256' }));
      await d.mustCli('initiate', '--child', 'net');
      const before = await installed(d);
      const t = await tcpTransfer({
        fromNs: TUN_LAB.ns,
        from: LAB.ourInner,
        toNs: LAB.charonNs,
        to: LAB.charonInner,
        port: 5202,
        bytes: 48 << 20,
        during: async () => {
          await new Promise((r) => setTimeout(r, 500));
          await d.mustCli('rekey', '--child', 'net');
          await new Promise((r) => setTimeout(r, 1000));
          const r = await charon.rekeyChild('net');
          expect(r.code, r.stderr).toBe(0);
        },
      });
      expect(t.received.bytes).toBe(48 << 20);
      expect(t.received.sha256).toBe(t.sent.sha256);
      // TCP recovers any loss at a rekey within a few round trips: no retransmission timeout
      // backing off into seconds
      expect(t.received.maxGapMs).toBeLessThan(3000);
      const after = await installed(d);
      const spi = (s: typeof before) => s['child-sas'].find((c) => c.state === 'INSTALLED')?.['spi-in'];
      expect(spi(after)).not.toBe(spi(before)); // the transfer ran across new SAs
      await routesAre([NET_ROUTE]); // one route all along (counted, not doubled or dropped)
    }));

  it("start_action = trap: the route is there before any SA, and the host's first packets start IKE", () =>
    diagnosed(async () => {
      const d = await start(tunDaemonConf({ startAction: 'trap' }));
      await routesAre([NET_ROUTE]);
      expect(await d.listSas()).toEqual([]);
      const out = await nsRun(TUN_LAB.ns, [
        'ping',
        '-n',
        '-c',
        '5',
        '-i',
        '0.5',
        '-W',
        '5',
        '-I',
        LAB.ourInner,
        LAB.charonInner,
      ]);
      expect(out.stdout).toMatch(/[1-5] received/); // the first packets wait in the acquire queue
      await installed(d);
      const again = await ping(LAB.ourInner, LAB.charonInner);
      expect(again.stdout, again.stderr).toContain('3 received');
      // terminating the child leaves the trap: the route stays
      await d.mustCli('terminate', '--child', 'net');
      await waitFor(
        async () => ((await d.listSas()).length === 0 ? true : undefined),
        () => 'the IKE SA is still there',
      ).catch(() => undefined);
      expect(await tunRoutes(TUN_LAB.ns)).toEqual([NET_ROUTE]);
    }));
});
