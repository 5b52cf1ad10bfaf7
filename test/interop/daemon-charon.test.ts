/**
 * Our real daemon process against charon: `ikev2 daemon` (dist/targets/native/ikev2.js) runs as
 * a child process at 10.99.0.1 in the root namespace (inner host 10.99.2.1, child `net`
 * 10.99.2.0/24 <-> 10.99.1.0/24, encap = yes, PSK, RFC 822 identities), charon is the lab's
 * responder in netns swan (10.99.0.2, inner 10.99.1.1). Everything goes through separate
 * `ikev2` CLI processes over the daemon's control socket:
 *   initiate --child net            IKE_SA_INIT + IKE_AUTH to charon; list-sas --json = charon's SPIs
 *   ping --child net 10.99.1.1      ICMP through the Child SA, answered by charon's kernel
 *   rekey --child net / --ike swan  CREATE_CHILD_SA; pings again through the new SAs
 *   terminate --ike swan            INFORMATIONAL { D }; charon has nothing left
 *   charon initiates to us          charon's kernel pings 10.99.2.1, our inner host answers
 *   SIGTERM                         the daemon deletes its IKE SA and exits 0
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListSasIke } from '../../targets/native/list-sas.js';
import { waitForCharonSa } from './checks.js';
import { charonConf, IDS, LIFECYCLE_CHARON_CONF } from './configs.js';
import { DaemonProcess, daemonConf, waitFor, withLogs } from './daemon-host.js';
import { Charon, type IkeSaInfo, LAB } from './lab.js';

const IKE = 'aes128gcm16-prfsha256-x25519';
const ESP = 'aes128-sha256';
const NAME = 'swan';

const ourConf = daemonConf({
  innerAddrs: [LAB.ourInner],
  connection: NAME,
  local: LAB.ours,
  remote: LAB.charon,
  localId: IDS.email.initiator,
  remoteId: IDS.email.responder,
  proposals: IKE,
  espProposals: ESP,
  child: 'net',
  localTs: LAB.ourNet,
  remoteTs: LAB.charonNet,
});

/** charon's connection `email`: answers us and may initiate to us (remote = 10.99.0.1). */
const charonSide = charonConf([
  { name: 'email', ids: 'email', proposals: IKE, espProposals: ESP, remote: LAB.ours },
]);

describe('our daemon process <-> charon', () => {
  let charon: Charon;
  let daemon: DaemonProcess;

  /** Runs `fn`; on failure adds the daemon's and charon's logs to the error. */
  const diagnosed = (fn: () => Promise<void>) => withLogs(fn, () => ({ daemon, charon }));

  /** Our single IKE SA named `swan`, ESTABLISHED with child `net` INSTALLED. */
  const ourSa = async (): Promise<ListSasIke> =>
    waitFor(
      async () =>
        (await daemon.listSas()).find(
          (s) =>
            s.name === NAME &&
            s.state === 'ESTABLISHED' &&
            s['child-sas'].some((c) => c.state === 'INSTALLED'),
        ),
      async () => `no ESTABLISHED ${NAME}: ${JSON.stringify(await daemon.listSas())}`,
    );

  /** Both sides hold exactly one IKE SA with one child, with the same SPIs; returns both views. */
  const agreed = async (): Promise<{ ours: ListSasIke; theirs: IkeSaInfo }> =>
    waitFor(
      async () => {
        const ours = await daemon.listSas();
        const theirs = await charon.listSas();
        if (ours.length !== 1 || theirs.length !== 1) return undefined;
        const [o, t] = [ours[0]!, theirs[0]!];
        if (o.state !== 'ESTABLISHED' || t.state !== 'ESTABLISHED') return undefined;
        if (o['initiator-spi'] !== t.initiatorSpi || o['responder-spi'] !== t.responderSpi) return undefined;
        if (o['child-sas'].length !== 1 || t.children.length !== 1) return undefined;
        const [oc, tc] = [o['child-sas'][0]!, t.children[0]!];
        if (oc['spi-in'] !== tc.spiOut || oc['spi-out'] !== tc.spiIn || tc.state !== 'INSTALLED')
          return undefined;
        return { ours: o, theirs: t };
      },
      async () =>
        `no agreement: ours ${JSON.stringify(await daemon.listSas())}\ncharon ${JSON.stringify(
          (await charon.listSas()).map((s) => ({
            state: s.state,
            spiI: s.initiatorSpi,
            spiR: s.responderSpi,
            children: s.children.map((c) => [c.name, c.state, c.spiIn, c.spiOut]),
          })),
        )}`,
      15_000,
    );

  const pingCharon = async () => {
    const r = await daemon.cli('ping', '--child', 'net', LAB.charonInner, '-c', '3');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`PING ${LAB.charonInner} from ${LAB.ourInner} through CHILD_SA 'net'`);
    expect(lines.filter((l) => l.startsWith(`64 bytes from ${LAB.charonInner}: icmp_seq=`))).toHaveLength(3);
    expect(r.stdout).toContain('3 packets transmitted, 3 received, 0% packet loss');
  };

  beforeAll(async () => {
    charon = await Charon.start({
      name: 'daemon-peer',
      swanctlConf: charonSide,
      extraConf: LIFECYCLE_CHARON_CONF,
    });
    daemon = await DaemonProcess.start({ name: 'ours', conf: ourConf });
  });

  afterAll(async () => {
    await daemon?.kill();
    await charon?.stop();
  });

  it('initiates: ikev2 initiate --child net exits 0, list-sas shows charon’s SPIs', () =>
    diagnosed(async () => {
      const r = await daemon.cli('initiate', '--child', 'net', '--ike', NAME, '--timeout', '20');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^initiating IKE_SA ${NAME}\\[\\d+\\] to ${LAB.charon.replace(/\./g, '\\.')}\\n`),
      );
      expect(r.stdout).toMatch(/CHILD_SA net\{\d+\} established with SPIs [0-9a-f]{8}_i [0-9a-f]{8}_o/);
      const theirs = await waitForCharonSa(charon, 'email');
      const ours = await ourSa();
      expect(ours).toMatchObject({
        initiator: true,
        'local-host': LAB.ours,
        'remote-host': LAB.charon,
        'local-id': IDS.email.initiator,
        'remote-id': IDS.email.responder,
        'initiator-spi': theirs.initiatorSpi,
        'responder-spi': theirs.responderSpi,
        'encr-alg': 'AES_GCM_16',
        'encr-keysize': 128,
        'prf-alg': 'PRF_HMAC_SHA2_256',
        'dh-group': 'CURVE_25519',
      });
      expect(theirs.initiator).toBe(false);
      const child = theirs.children[0]!;
      expect(ours['child-sas']).toHaveLength(1);
      expect(ours['child-sas'][0]).toMatchObject({
        name: 'net',
        state: 'INSTALLED',
        mode: 'TUNNEL',
        encap: true,
        'spi-in': child.spiOut,
        'spi-out': child.spiIn,
        'encr-alg': 'AES_CBC',
        'encr-keysize': 128,
        'integ-alg': 'HMAC_SHA2_256_128',
        'local-ts': [LAB.ourNet],
        'remote-ts': [LAB.charonNet],
      });
    }));

  it('pings charon’s inner address through the Child SA (ikev2 ping)', () => diagnosed(pingCharon));

  it('rekeys the Child SA (ikev2 rekey --child net), then pings through the new SAs', () =>
    diagnosed(async () => {
      const before = (await agreed()).ours['child-sas'][0]!;
      const r = await daemon.cli('rekey', '--child', 'net');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('rekeying 1 SA(s)\n');
      const after = await waitFor(
        async () => {
          const a = await agreed();
          const c = a.ours['child-sas'][0]!;
          return c['spi-in'] !== before['spi-in'] && c['spi-out'] !== before['spi-out'] ? c : undefined;
        },
        async () => `child not rekeyed: ${JSON.stringify(await daemon.listSas())}`,
        15_000,
      );
      await pingCharon();
      const now = (await daemon.listSas())[0]!['child-sas'].find((c) => c['spi-in'] === after['spi-in']);
      expect(now).toMatchObject({ 'packets-out': 3, 'packets-in': 3 });
    }));

  it('rekeys the IKE SA (ikev2 rekey --ike swan): both sides on the new SPIs', () =>
    diagnosed(async () => {
      const before = (await agreed()).ours;
      const r = await daemon.cli('rekey', '--ike', NAME);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('rekeying 1 SA(s)\n');
      const after = await waitFor(
        async () => {
          const a = await agreed();
          return a.ours['initiator-spi'] !== before['initiator-spi'] ? a : undefined;
        },
        async () => `IKE SA not rekeyed: ${JSON.stringify(await daemon.listSas())}`,
        15_000,
      );
      expect(after.ours['responder-spi']).not.toBe(before['responder-spi']);
      expect(after.ours['child-sas'][0]!['spi-in']).toBe(before['child-sas'][0]!['spi-in']);
      await pingCharon(); // the Child SA moved to the new IKE SA
    }));

  it('terminates the IKE SA (ikev2 terminate --ike swan): charon has nothing left', () =>
    diagnosed(async () => {
      const r = await daemon.cli('terminate', '--ike', NAME, '--timeout', '10');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('terminated 1 SA(s)\n');
      expect(await daemon.listSas()).toEqual([]);
      await waitFor(
        async () => ((await charon.listSas()).length === 0 ? true : undefined),
        async () => `charon still has ${JSON.stringify(await charon.listSas())}`,
      );
    }));

  it('answers charon’s initiation; charon’s kernel pings our inner host through it', () =>
    diagnosed(async () => {
      const init = await charon.initiate('email', 'net');
      expect(init.code, `${init.stdout}\n${init.stderr}`).toBe(0);
      const theirs = await waitForCharonSa(charon, 'email');
      expect(theirs.initiator).toBe(true);
      const { ours } = await agreed();
      expect(ours).toMatchObject({ name: NAME, initiator: false, 'remote-host': LAB.charon });
      const ping = await charon.ping(LAB.charonInner, LAB.ourInner, 3);
      expect(ping.code, `${ping.stdout}\n${ping.stderr}`).toBe(0);
      expect(ping.stdout).toContain('3 packets transmitted, 3 received');
      const child = (await daemon.listSas())[0]!['child-sas'][0]!;
      expect(child['packets-in']).toBeGreaterThanOrEqual(3);
      expect(child['packets-out']).toBeGreaterThanOrEqual(3);
      // and the SA charon set up is terminated by our CLI just the same
      const r = await daemon.cli('terminate', '--ike', NAME, '--timeout', '10');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('terminated 1 SA(s)\n');
      await waitFor(
        async () => ((await charon.listSas()).length === 0 ? true : undefined),
        async () => `charon still has ${JSON.stringify(await charon.listSas())}`,
      );
    }));

  it('SIGTERM: the daemon deletes its IKE SA at charon and exits 0', () =>
    diagnosed(async () => {
      const r = await daemon.cli('initiate', '--child', 'net', '--ike', NAME, '--timeout', '20');
      expect(r.code, r.stderr).toBe(0);
      await waitForCharonSa(charon, 'email');
      expect(await daemon.signal('SIGTERM', 15_000)).toBe(0);
      expect(daemon.log()).toContain('"daemon stopped"');
      await waitFor(
        async () => ((await charon.listSas()).length === 0 ? true : undefined),
        async () => `charon still has ${JSON.stringify(await charon.listSas())}`,
      );
      const gone = await daemon.cli('list-sas');
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('daemon not running');
    }));
});
