/**
 * Secrets (issue 18, point 5): once an IKE SA and its Child SAs are deleted, their keys are gone
 * from the process's memory, and the logs never print keys.
 *
 * "Gone" is checked in memory itself (test/support/memory-scan.ts reads /proc/self/mem): a V8
 * heap snapshot holds no ArrayBuffer contents and no freed memory, so searching one would pass
 * whatever we keep. The keys are copied masked before the deletion; a scan before the deletion
 * must find them (the control), a scan after it and a full GC must not.
 *
 * What it found (fixed with secretBytes/secretCopy, ipsec/util/bytes.ts): no live object kept a key,
 * every holder was wiped, but keys copied into arrays of up to 64 octets (the SAD's ESP key copies,
 * prf+ KEYMAT of a GCM Child SA, the ciphers' and HMAC's key copies) lived inside the V8 heap, where
 * a scavenge moves a live array and leaves its old copy in freed memory: wipe() zeroed the new copy
 * only. The old copies vanished once enough was allocated after them, so the failure depended on
 * GC timing (before the fix most runs failed, not all); the scavenges below are meant to make it likelier.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { nodeProvider } from '../../targets/native/crypto/node-provider.js';
import { Daemon } from '../../targets/native/daemon.js';
import { createLogger } from '../../targets/native/logger.js';
import { ESP_TABLE, IKEV2_TABLE } from '../../targets/native/save-keys.js';
import {
  canScanMemory,
  fullGc,
  type MaskedSecret,
  maskSecret,
  minorGc,
  scanMemory,
} from '../support/memory-scan.js';
import { ikeContext, ikePhase, twoHosts } from '../support/two-hosts.js';

/** The keys of an IKE SA (SK_*) and of its Child SAs (ESP keys), masked; empty keys left out. */
function keysOf(who: string, h: IkeSaHandle): MaskedSecret[] {
  const out: MaskedSecret[] = [];
  const add = (name: string, k: Uint8Array | undefined) => {
    if (k && k.length >= 16) out.push(maskSecret(`${who} ${name}`, k));
  };
  const keys = ikeContext(h).session.keys;
  if (!keys) throw new Error('no IKE SA keys');
  for (const n of ['skD', 'skAi', 'skAr', 'skEi', 'skEr', 'skPi', 'skPr'] as const) add(n, keys[n]);
  for (const c of ikeContext(h).children) {
    const spi = Buffer.from(c.spiIn).toString('hex');
    add(`child ${spi} initiator encr`, c.keys.initiator.encr);
    add(`child ${spi} initiator integ`, c.keys.initiator.integ);
    add(`child ${spi} responder encr`, c.keys.responder.encr);
    add(`child ${spi} responder integ`, c.keys.responder.integ);
  }
  return out;
}

const SUITES = [
  // AEAD for both (SK_ai/SK_ar and ESP integrity keys empty)
  { proposals: ['aes128gcm16-prfsha256-x25519'], esp_proposals: ['aes128gcm16'] },
  // separate integrity keys: HMAC and CBC, ESP with PFS
  { proposals: ['aes256-sha256-modp2048'], esp_proposals: ['aes128-sha256-ecp256'] },
];

describe.runIf(canScanMemory())('secrets: keys of deleted SAs are gone from memory', () => {
  for (const [name, provider] of [
    ['noble', nobleProvider],
    ['node', nodeProvider],
  ] as [string, CryptoProvider][])
    for (const suite of SUITES)
      it(`${name} provider, IKE ${suite.proposals[0]}, ESP ${suite.esp_proposals[0]}`, () => {
        const w = twoHosts({ seed: `secrets-${name}`, provider, client: suite, gateway: suite });
        const ike = w.client.supervisor.initiate('gw', 'net');
        w.clock.advance(2000);
        expect(ikePhase(ike), ike.failure?.reason).toBe('established');
        // Traffic through the Child SA: the ESP data plane has used its keys.
        w.client.esp.pipeline.send(echoRequest());
        w.clock.advance(100);
        // Scavenges while the SAs live: every young key array the V8 heap holds is copied (to the
        // survivor space, then the old generation), as a long-lived SA's would be; a key kept in
        // an on-heap array would leave its old copy behind, out of wipe()'s reach.
        minorGc();
        const gw = w.gateway.supervisor.ikeSas[0]!;
        const secrets = [...keysOf('client', ike), ...keysOf('gateway', gw)];
        expect(secrets.length).toBeGreaterThanOrEqual(4);

        // Control: the scanner finds live keys.
        const live = scanMemory(secrets);
        expect([...live.keys()].length, 'the scanner finds the live keys').toBeGreaterThan(0);

        w.client.supervisor.terminate('gw');
        w.clock.advance(2000);
        expect(w.client.supervisor.ikeSas).toHaveLength(0);
        expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
        expect(w.client.esp.backend.listSas()).toHaveLength(0);
        expect(w.gateway.esp.backend.listSas()).toHaveLength(0);
        fullGc();
        const left = scanMemory(secrets);
        expect(Object.fromEntries(left)).toEqual({});
      });
});

/** An ICMP echo request from the client's inner network to the gateway's. */
function echoRequest(): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 99, 2, 1, 10, 99, 1, 1]);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
  sum = (sum & 0xffff) + (sum >> 16);
  const c = ~sum & 0xffff;
  p[10] = c >> 8;
  p[11] = c & 0xff;
  p.set([8, 0, 0xf7, 0xfe, 0, 1, 0, 0], 20);
  return p;
}

/** Every form of a key that a log line could carry: hex (both cases), base64, and its first 8 octets in hex. */
function printedForms(k: Uint8Array): string[] {
  const b = Buffer.from(k);
  const hex = b.toString('hex');
  return [hex, hex.toUpperCase(), b.toString('base64'), b.toString('base64url'), hex.slice(0, 16)];
}

function allKeys(hosts: readonly { supervisor: { ikeSas: readonly IkeSaHandle[] } }[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const host of hosts)
    for (const h of host.supervisor.ikeSas) {
      const keys = ikeContext(h).session.keys;
      if (keys)
        for (const n of ['skD', 'skAi', 'skAr', 'skEi', 'skEr', 'skPi', 'skPr'] as const)
          out.push(keys[n].slice());
      for (const c of ikeContext(h).children)
        for (const d of [c.keys.initiator, c.keys.responder]) out.push(d.encr.slice(), d.integ.slice());
    }
  return out.filter((k) => k.length >= 8 && k.some((x) => x !== 0));
}

describe('secrets: logs never print keys', () => {
  for (const level of ['trace', 'debug', 'info'] as const)
    for (const pretty of [false, true])
      it(`the daemon's pino logger at ${level}${pretty ? ' (pretty)' : ''}: setup, rekeys, traffic, a failed attempt, deletion`, () => {
        let text = '';
        const out = { write: (s: string) => (text += s) };
        const suite = { proposals: ['aes256-sha256-modp2048'], esp_proposals: ['aes128-sha256-ecp256'] };
        const w = twoHosts({
          seed: `logs-${level}`,
          provider: nodeProvider,
          client: suite,
          gateway: suite,
          clientLogger: createLogger({ level, pretty, out }),
          gatewayLogger: createLogger({ level, pretty, out }),
        });
        const keys: Uint8Array[] = [];
        const ike = w.client.supervisor.initiate('gw', 'net');
        w.clock.advance(2000);
        expect(ikePhase(ike)).toBe('established');
        keys.push(...allKeys([w.client, w.gateway]));
        w.client.esp.pipeline.send(echoRequest());
        w.clock.advance(100);
        w.client.supervisor.rekeyChild('net');
        w.clock.advance(2000);
        keys.push(...allKeys([w.client, w.gateway]));
        w.client.supervisor.rekeyIke('gw');
        w.clock.advance(2000);
        keys.push(...allKeys([w.client, w.gateway]));
        w.client.supervisor.terminate('gw');
        w.clock.advance(2000);
        expect(keys.length).toBeGreaterThan(20);
        // The supervisor logs endings and failures: a refused attempt (wrong PSK at the gateway).
        const bad = twoHosts({
          seed: `logs-bad-${level}`,
          provider: nodeProvider,
          client: suite,
          gateway: suite,
          gatewaySecrets: [
            { name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: new Uint8Array(24).fill(1) },
          ],
          clientLogger: createLogger({ level, pretty, out }),
          gatewayLogger: createLogger({ level, pretty, out }),
        });
        const refused = bad.client.supervisor.initiate('gw', 'net');
        bad.clock.advance(2000);
        expect(ikePhase(refused)).toBe('failed');
        keys.push(...allKeys([bad.client, bad.gateway]));
        expect(text, 'the endings and the failure are logged').toMatch(/IKE SA failed/);
        const leaks = keys.flatMap(printedForms).filter((f) => text.includes(f));
        expect(leaks).toEqual([]);
        // The PSK neither.
        expect(text).not.toContain('swanlab-psk');
        expect(text).not.toContain(Buffer.from('swanlab-psk-0123456789').toString('hex'));
      });
});

/** A swanctl.conf for a daemon on loopback (as test/targets/native/daemon.test.ts). */
function daemonConf(o: { port: number; natT: number; gateway: boolean; psk: string }) {
  const me = o.gateway ? 'gateway.example.org' : 'client.example.org';
  const peer = o.gateway ? 'client.example.org' : 'gateway.example.org';
  return `daemon {
  port = ${o.port}
  port_nat_t = ${o.natT}
  inner_addrs = ${o.gateway ? '10.99.1.0/24' : '10.99.2.1'}
}
connections {
  ${o.gateway ? 'rw' : 'gw'} {
    local_addrs = ${o.gateway ? '127.0.0.1' : '127.0.0.2'}
    ${o.gateway ? '' : `remote_addrs = 127.0.0.1\n    remote_port = ${o.port}`}
    proposals = aes256-sha256-modp2048
    local { auth = psk
      id = ${me} }
    remote { auth = psk
      id = ${peer} }
    children {
      net {
        local_ts = ${o.gateway ? '10.99.1.0/24' : '10.99.2.0/24'}
        remote_ts = ${o.gateway ? '10.99.2.0/24' : '10.99.1.0/24'}
        esp_proposals = aes128-sha256
      }
    }
  }
}
secrets {
  ike-demo {
    id-a = gateway.example.org
    id-b = client.example.org
    secret = "${o.psk}"
  }
}
`;
}

describe('secrets: the daemon logs no keys at any level, even with --save-keys', () => {
  it('two daemons at trace level: keys only in the --save-keys tables, never in the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ikev2-secrets-'));
    const psk = 'secrets-test-psk-0123456789';
    let text = '';
    const logger = createLogger({ level: 'trace', out: { write: (s: string) => (text += s) } });
    const daemons: Daemon[] = [];
    try {
      writeFileSync(join(dir, 'g.conf'), daemonConf({ port: 0, natT: 0, gateway: true, psk }));
      const gateway = await Daemon.start({
        configPath: join(dir, 'g.conf'),
        controlPath: join(dir, 'g.sock'),
        viciPath: '',
        logger,
      });
      daemons.push(gateway);
      const { port, natT } = gateway.host.ports;
      writeFileSync(join(dir, 'c.conf'), daemonConf({ port, natT, gateway: false, psk }));
      const client = await Daemon.start({
        configPath: join(dir, 'c.conf'),
        controlPath: join(dir, 'c.sock'),
        viciPath: '',
        saveKeysDir: join(dir, 'keys'),
        logger: logger.child({ host: 'client' }),
      });
      daemons.push(client);
      const ike = client.host.supervisor.initiate('gw', 'net');
      for (let i = 0; i < 100 && ike.state !== 'ESTABLISHED'; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(ike.state).toBe('ESTABLISHED');
      client.host.supervisor.rekeyChild('net');
      await new Promise((r) => setTimeout(r, 300));
      client.host.supervisor.terminate('gw');
      await new Promise((r) => setTimeout(r, 300));
      // The keys, as --save-keys wrote them (hex): SK_ei, SK_er, SK_ai, SK_ar and every ESP key.
      const tables = [IKEV2_TABLE, ESP_TABLE]
        .map((f) => readFileSync(join(dir, 'keys', f), 'utf8'))
        .join('\n');
      const hexKeys = [...new Set(tables.match(/(?<=^|[,"]|0x)[0-9a-f]{32,}(?=[,"\n]|$)/gm) ?? [])];
      expect(hexKeys.length, tables).toBeGreaterThanOrEqual(8);
      expect(text.length).toBeGreaterThan(200);
      const leaks = hexKeys
        .map((h) => Uint8Array.from(Buffer.from(h, 'hex')))
        .flatMap(printedForms)
        .filter((f) => text.includes(f));
      expect(leaks).toEqual([]);
      expect(text).not.toContain(psk);
    } finally {
      for (const d of daemons.reverse()) await d.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
