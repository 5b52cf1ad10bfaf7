/**
 * --save-keys: Wireshark's ikev2_decryption_table and esp_sa for the SAs of an established
 * pair (in-memory network). The ESP rows are checked by decrypting the captured ESP packets
 * with the keys read back from the file; the IKE rows against both sides' key schedules.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { encrTransform, integTransform } from '../../../ipsec/crypto/transforms.js';
import { espDecapsulate } from '../../../ipsec/esp/esp.js';
import { createEspSaFromKeys } from '../../../ipsec/esp/sa.js';
import { formatIp } from '../../../ipsec/packet/address.js';
import { decodeIp } from '../../../ipsec/packet/ip.js';
import { fromHex, toHex } from '../../../ipsec/util/bytes.js';
import {
  ESP_TABLE,
  IKEV2_TABLE,
  SaveKeys,
  WIRESHARK_PREFERENCES,
} from '../../../targets/native/save-keys.js';
import type { Datagram } from '../../../transport/types.js';
import { echoRequest } from '../../ipsec/policy/fixtures.js';
import type { PeerOptions } from '../../support/ike-peers.js';
import { twoHosts } from '../../support/two-hosts.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ikev2-keys-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Splits one UAT line: fields separated by commas, optionally "quoted" (no commas inside). */
const fields = (line: string) => line.split(',').map((f) => f.replace(/^"(.*)"$/, '$1'));
const readSpi = (b: Uint8Array) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l);

function run(o: PeerOptions, ping = false) {
  const pair = twoHosts({ client: o, gateway: o });
  const captured: Datagram[] = [];
  pair.net.onSend = (d) => captured.push(d);
  const ike = pair.client.supervisor.initiate('gw', 'net');
  pair.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  if (ping) {
    pair.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    pair.clock.advance(1000);
  }
  const dir = tempDir();
  const logs: string[] = [];
  const keys = new SaveKeys(dir, { info: (_o, m) => logs.push(m), warn: (_o, m) => logs.push(m) });
  keys.update(pair.client.supervisor.ikeSas);
  return { ...pair, ike, dir, keys, captured, logs };
}

describe('save-keys', () => {
  it('writes rows that decrypt the captured ESP packets in both directions (AES-CBC + HMAC-SHA-256)', () => {
    const { dir, captured, ike } = run(
      { proposals: ['aes128-sha256-ecp256'], esp_proposals: ['aes128-sha256'] },
      true,
    );
    const esp = lines(join(dir, ESP_TABLE)).map(fields);
    expect(esp).toHaveLength(2);
    const child = ike.children[0]!.record;
    // [protocol, src, dst, spi, encr, encr key, integ, integ key]
    expect(esp.map((r) => r.slice(0, 5))).toEqual([
      ['IPv4', '10.99.0.1', '10.99.0.2', `0x${toHex(child.spiOut)}`, 'AES-CBC [RFC3602]'],
      ['IPv4', '10.99.0.2', '10.99.0.1', `0x${toHex(child.spiIn)}`, 'AES-CBC [RFC3602]'],
    ]);
    expect(esp.map((r) => r[6])).toEqual(['HMAC-SHA-256-128 [RFC4868]', 'HMAC-SHA-256-128 [RFC4868]']);

    // Decrypt every ESP datagram on the wire with the keys of the row for its SPI.
    // RFC 3948 §2.2: on the NAT-T port, ESP is what neither is a keepalive nor starts with the marker.
    const isEsp = (d: Datagram) => d.local.port === 4500 && d.data.length > 8 && readSpi(d.data) !== 0;
    const espDatagrams = captured.filter(isEsp);
    expect(espDatagrams).toHaveLength(2); // the echo request and its reply
    const inner: string[] = [];
    for (const d of espDatagrams) {
      const row = esp.find((r) => r[3] === `0x${toHex(d.data.subarray(0, 4))}`)!;
      expect(row[1]).toBe(d.remote.address); // the row's source is the packet's sender
      const sa = createEspSaFromKeys(
        {
          provider: nobleProvider,
          encr: encrTransform(EncrId.AES_CBC, 128)!,
          encrKey: fromHex(row[5]!.slice(2)),
          integ: integTransform(IntegId.HMAC_SHA2_256_128)!,
          integKey: fromHex(row[7]!.slice(2)),
        },
        { spi: Number(row[3]), direction: 'inbound', mode: 'tunnel' },
      );
      expect(sa.ok).toBe(true);
      if (!sa.ok) continue;
      const opened = espDecapsulate(sa.value, d.data);
      expect(opened.ok).toBe(true); // the ICV verified: both keys are right
      if (!opened.ok) continue;
      const ip = decodeIp(opened.value.payload);
      if (ip.ok) inner.push(`${formatIp(ip.value.src)}>${formatIp(ip.value.dst)}`);
    }
    expect(inner.sort()).toEqual(['10.99.1.1>10.99.2.1', '10.99.2.1>10.99.1.1']);
  });

  it('writes the IKE SA with SK_ei, SK_er, SK_ai, SK_ar in Wireshark order, equal on both peers', () => {
    const { dir, client, gateway } = run({
      proposals: ['aes256-sha256-ecp256'],
      esp_proposals: ['aes128-sha256'],
    });
    const [row] = lines(join(dir, IKEV2_TABLE));
    const f = fields(row!);
    const s = client.supervisor.ikeSas[0]!.actor.getSnapshot().context.session;
    const k = s.keys!;
    expect(f).toEqual([
      toHex(s.spiI),
      toHex(s.spiR),
      toHex(k.skEi),
      toHex(k.skEr),
      'AES-CBC-256 [RFC3602]',
      toHex(k.skAi),
      toHex(k.skAr),
      'HMAC_SHA2_256_128 [RFC4868]',
    ]);
    expect(row).toMatch(
      /^[0-9a-f]{16},[0-9a-f]{16},[0-9a-f]{64},[0-9a-f]{64},"AES-CBC-256 \[RFC3602\]",[0-9a-f]{64},/,
    );
    // The responder derived the same keys: its table row is identical.
    const other = tempDir();
    new SaveKeys(other).update(gateway.supervisor.ikeSas);
    expect(lines(join(other, IKEV2_TABLE))).toEqual([row]);
  });

  it('maps the seed suite (AES-CTR, AES-XCBC) to decrypt-only entries without integrity keys', () => {
    const { dir, ike } = run({});
    const [ikeRow] = lines(join(dir, IKEV2_TABLE));
    expect(ikeRow).toMatch(
      /^[0-9a-f]{16},[0-9a-f]{16},[0-9a-f]{40},[0-9a-f]{40},"AES-CTR-128 \[RFC5930\]",,,"ANY 96-bits of Authentication \[No Checking\]"$/,
    );
    const c = ike.children[0]!.record;
    expect(lines(join(dir, ESP_TABLE))).toEqual([
      `"IPv4","10.99.0.1","10.99.0.2","0x${toHex(c.spiOut)}","AES-CTR [RFC3686]","0x${toHex(c.keys.initiator.encr)}","ANY 96 bit authentication [no checking]",""`,
      `"IPv4","10.99.0.2","10.99.0.1","0x${toHex(c.spiIn)}","AES-CTR [RFC3686]","0x${toHex(c.keys.responder.encr)}","ANY 96 bit authentication [no checking]",""`,
    ]);
  });

  it('maps AES-GCM to its ICV size with no integrity (NONE / NULL)', () => {
    const { dir } = run({ proposals: ['aes128gcm16-prfsha256-ecp256'], esp_proposals: ['aes256gcm16'] });
    expect(lines(join(dir, IKEV2_TABLE))[0]).toMatch(
      /,[0-9a-f]{40},[0-9a-f]{40},"AES-GCM-128 with 16 octet ICV \[RFC5282\]",,,"NONE \[RFC4306\]"$/,
    );
    for (const l of lines(join(dir, ESP_TABLE)))
      expect(l).toMatch(/,"AES-GCM with 16 octet ICV \[RFC4106\]","0x[0-9a-f]{72}","NULL",""$/);
  });

  it('leaves out what Wireshark cannot decrypt (ChaCha20-Poly1305) and says so', () => {
    const { dir, logs } = run({
      proposals: ['chacha20poly1305-prfsha256-x25519'],
      esp_proposals: ['chacha20poly1305'],
    });
    expect(readFileSync(join(dir, IKEV2_TABLE), 'utf8')).toBe('');
    expect(readFileSync(join(dir, ESP_TABLE), 'utf8')).toBe('');
    expect(logs).toEqual(['save-keys: IKE SA not written', 'save-keys: Child SA not written']);
  });

  it('keeps rows of SAs that are gone, adds new ones, and writes preferences only once', () => {
    const { dir, keys, client, clock } = run({});
    expect(readFileSync(join(dir, 'preferences'), 'utf8')).toBe(WIRESHARK_PREFERENCES);
    expect(keys.update(client.supervisor.ikeSas)).toBe(false); // nothing new
    client.supervisor.initiate('gw', 'net');
    clock.advance(1000);
    expect(keys.update(client.supervisor.ikeSas)).toBe(true);
    expect(lines(join(dir, IKEV2_TABLE))).toHaveLength(2);
    expect(lines(join(dir, ESP_TABLE))).toHaveLength(4);
    client.supervisor.close(); // every SA gone
    keys.update(client.supervisor.ikeSas);
    expect(lines(join(dir, IKEV2_TABLE))).toHaveLength(2);

    writeFileSync(join(dir, 'preferences'), 'mine\n');
    new SaveKeys(dir);
    expect(readFileSync(join(dir, 'preferences'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, `${IKEV2_TABLE}.tmp`))).toBe(false);
  });
});
