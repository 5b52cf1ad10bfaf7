/**
 * Transport mode between two of our own daemon processes (charon's kernel-libipsec cannot do
 * transport mode, lab README "Traps"), checked on the wire by tshark with the daemons' own
 * --save-keys tables:
 *
 *   daemon "left"  10.99.0.1, root namespace      daemon "right" 10.99.0.2, inside netns swan
 *   ikev2 initiate --child host (mode = transport, traffic selectors dynamic: 10.99.0.1 <-> .2)
 *   ikev2 ping --child host 10.99.0.2 / 10.99.0.1   (ICMP between the daemons' own addresses)
 *
 * tshark captures on swanr (udp port 500 or 4500) meanwhile; then
 * WIRESHARK_CONFIG_DIR=<left's --save-keys folder> tshark -r capture must show every IKE SK
 * payload decrypted (the inner payloads of IKE_AUTH and the Delete) and every ESP packet
 * decrypted to ICMP echo request/reply between 10.99.0.1 and 10.99.0.2, with the integrity
 * checked where tshark 4.0 can (HMAC-SHA2; AES-GCM tags by decryption). No charon runs here.
 */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IDS } from './configs.js';
import { DaemonProcess, daemonConf, waitFor } from './daemon-host.js';
import { LAB, run } from './lab.js';
import { startCapture, tsharkFields, tsharkVerbose } from './tshark.js';

interface Case {
  readonly ike: string;
  readonly esp: string;
  /** Wireshark's names in the tables --save-keys wrote. */
  readonly ikeEncr: string;
  readonly espEncr: string;
}

const CASES: readonly Case[] = [
  {
    ike: 'aes128-sha256-x25519',
    esp: 'aes128-sha256',
    ikeEncr: 'AES-CBC-128 [RFC3602]',
    espEncr: 'AES-CBC [RFC3602]',
  },
  {
    ike: 'aes128gcm16-prfsha256-ecp256',
    esp: 'aes128gcm16',
    ikeEncr: 'AES-GCM-128 with 16 octet ICV [RFC5282]',
    espEncr: 'AES-GCM with 16 octet ICV [RFC4106]',
  },
];

const LEFT = LAB.ours;
const RIGHT = LAB.charon;

const confFor = (c: Case, side: 'left' | 'right') =>
  daemonConf({
    innerAddrs: [side === 'left' ? LEFT : RIGHT], // transport mode: the inner host is the host itself
    connection: 'peer',
    local: side === 'left' ? LEFT : RIGHT,
    remote: side === 'left' ? RIGHT : LEFT,
    localId: side === 'left' ? IDS.fqdn.initiator : IDS.fqdn.responder,
    remoteId: side === 'left' ? IDS.fqdn.responder : IDS.fqdn.initiator,
    proposals: c.ike,
    espProposals: c.esp,
    child: 'host',
    mode: 'transport',
  });

describe('transport mode between two of our daemons, decrypted by tshark', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  for (const c of CASES) {
    it(`IKE ${c.ike}, ESP ${c.esp} (transport, in UDP)`, async () => {
      const left = await DaemonProcess.start({ name: 'left', conf: confFor(c, 'left') });
      cleanup.push(() => left.kill());
      const right = await DaemonProcess.start({
        name: 'right',
        conf: confFor(c, 'right'),
        netns: LAB.charonNs,
      });
      cleanup.push(() => right.kill());
      const file = path.join(left.dir, 'transport.pcapng');
      const capture = await startCapture(LAB.charonNs, 'swanr', file);
      cleanup.push(() => capture.stop());
      const logs = () =>
        `--- left ---\n${left.log(30)}\n--- right ---\n${right.log(30)}\n--- tshark ---\n${capture.stderr()}`;
      try {
        const init = await left.cli('initiate', '--child', 'host', '--timeout', '20');
        expect(init.code, init.stderr).toBe(0);
        const [l] = await left.listSas();
        const child = l!['child-sas'][0]!;
        expect(child).toMatchObject({
          mode: 'TRANSPORT',
          encap: true,
          'local-ts': [`${LEFT}/32`],
          'remote-ts': [`${RIGHT}/32`],
        });
        const [r] = await waitFor(
          async () => {
            const sas = await right.listSas();
            return sas[0]?.['child-sas'].length ? sas : undefined;
          },
          () => 'right has no Child SA',
        );
        expect(r!['child-sas'][0]).toMatchObject({
          mode: 'TRANSPORT',
          'spi-in': child['spi-out'],
          'spi-out': child['spi-in'],
        });

        const there = await left.cli('ping', '--child', 'host', RIGHT, '-c', '3');
        expect(there.code, there.stdout + there.stderr).toBe(0);
        expect(there.stdout).toContain(`PING ${RIGHT} from ${LEFT} through CHILD_SA 'host'`);
        expect(there.stdout).toContain('3 packets transmitted, 3 received');
        const back = await right.cli('ping', '--child', 'host', LEFT, '-c', '2');
        expect(back.code, back.stdout + back.stderr).toBe(0);
        expect(back.stdout).toContain('2 packets transmitted, 2 received');

        const term = await left.cli('terminate', '--ike', 'peer', '--timeout', '10');
        expect(term.stdout).toBe('terminated 1 SA(s)\n');
        // dumpcap hands packets over in blocks: give the last ones (the Delete) time to arrive
        await new Promise((res) => setTimeout(res, 1500));
        await capture.stop();

        const keys = left.keysDir;
        expect(existsSync(path.join(keys, 'ikev2_decryption_table'))).toBe(true);
        const ikeRow = `${l!['initiator-spi']},${l!['responder-spi']},`;
        const ikeTable = await run('cat', [path.join(keys, 'ikev2_decryption_table')]);
        expect(ikeTable.stdout).toContain(ikeRow);
        expect(ikeTable.stdout).toContain(`"${c.ikeEncr}"`);
        const espTable = await run('cat', [path.join(keys, 'esp_sa')]);
        expect(espTable.stdout).toContain(`"0x${child['spi-out']}","${c.espEncr}"`);
        expect(espTable.stdout).toContain(`"0x${child['spi-in']}","${c.espEncr}"`);

        // Every IKE message after IKE_SA_INIT: its SK payload decrypted to the inner payloads.
        const ike = await tsharkFields(file, keys, 'isakmp', [
          'ip.src',
          'udp.dstport',
          'isakmp.exchangetype',
          'isakmp.ispi',
          'isakmp.rspi',
          'isakmp.nextpayload',
          'isakmp.typepayload',
          'isakmp.id.type',
          'isakmp.notify.msgtype',
          'isakmp.delete.protoid',
        ]);
        writeFileSync(path.join(left.dir, 'ike.txt'), ike.join('\n'));
        const byExchange = (t: string) => ike.filter((x) => x.split('\t')[2] === t);
        // IKE_SA_INIT (34) in the clear, IKE_AUTH (35) and INFORMATIONAL (37) decrypted
        expect(byExchange('34')).toHaveLength(2);
        const auth = byExchange('35');
        expect(auth).toHaveLength(2);
        for (const line of auth) {
          const f = line.split('\t');
          expect(f[1]).toBe('4500'); // §2.23: IKE floats to the NAT-T port (encap = yes)
          expect(f[3]).toBe(l!['initiator-spi']);
          expect(f[4]).toBe(l!['responder-spi']);
          // the decrypted payloads: SK (46) holds IDi/IDr (35/36), AUTH (39), SA (33), TSi/TSr (44/45)
          expect(f[6]).toMatch(/\b46\b/);
          expect(f[6]).toMatch(/\b39\b/);
          expect(f[6]).toMatch(/\b33\b/);
          expect(f[6]).toMatch(/\b44\b/);
          expect(f[6]).toMatch(/\b45\b/);
          expect(f[7]).toMatch(/^2(,2)?$/); // ID_FQDN (RFC 7296 §3.5)
          expect(f[8]).toContain('16391'); // USE_TRANSPORT_MODE (RFC 7296 §1.3.1)
        }
        const info = byExchange('37');
        expect(info.length).toBeGreaterThanOrEqual(2);
        expect(info.some((line) => line.split('\t')[6]!.match(/\b42\b/) && line.split('\t')[9] === '1')).toBe(
          true,
        ); // D (42) of the IKE SA (protocol 1)
        // tshark checked the integrity of every SK payload (HMAC-SHA2-256-128 / the GCM tag)
        const verbose = await tsharkVerbose(file, keys);
        writeFileSync(path.join(left.dir, 'verbose.txt'), verbose);
        const icd = verbose.split('\n').filter((x) => x.includes('Integrity Checksum Data:'));
        expect(icd).toHaveLength(auth.length + info.length);
        for (const line of icd) expect(line).toMatch(/\[correct\]$/);

        // Every ESP packet decrypted to ICMP between the two hosts' own addresses.
        const esp = await tsharkFields(file, keys, 'esp', [
          'ip.src',
          'ip.dst',
          'udp.dstport',
          'esp.spi',
          'esp.protocol',
          'icmp.type',
          'esp.icv_good',
          'esp.icv_bad',
        ]);
        writeFileSync(path.join(left.dir, 'esp.txt'), esp.join('\n'));
        expect(esp).toHaveLength(10); // 3 + 2 echo requests and their replies
        const spiHex = (s: string) => `0x${s}`;
        const rows = esp.map((line) => line.split('\t'));
        for (const f of rows) {
          expect(f[2]).toBe('4500'); // RFC 3948 ESP-in-UDP
          expect(f[4]).toBe('0x01'); // next header: ICMP, straight after the ESP header (transport)
          expect(['0', '8']).toContain(f[5]);
          expect(f[6]).toBe('1'); // the ICV (HMAC-SHA2-256-128 / the GCM tag) checked by tshark
          expect(f[7]).toBe('0');
        }
        const out = rows.filter((f) => f[0] === LEFT);
        expect(out.map((f) => f[3])).toEqual(Array(5).fill(spiHex(child['spi-out'])));
        expect(out.map((f) => f[5])).toEqual(['8', '8', '8', '0', '0']);
        const inn = rows.filter((f) => f[0] === RIGHT);
        expect(inn.map((f) => f[3])).toEqual(Array(5).fill(spiHex(child['spi-in'])));
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        err.message += `\n${logs()}`;
        throw err;
      }
    });
  }
});
