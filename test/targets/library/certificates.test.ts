/**
 * The library with certificates (issue 16): two Peers on the memory network authenticate with
 * ECDSA and Ed25519 certificates from one CA, through the public entry point only (the
 * certificates themselves are built by the test's X.509 builder), on the portable noble provider.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigValidationError,
  createCredentialStore,
  createPeer,
  defineConfig,
  MemoryNetwork,
  nobleProvider,
  parseCertificate,
  pemBlocks,
  seededRandom,
  VirtualClock,
} from '../../../targets/library/index.js';
import { buildCertificate, generateKey, keyId, T0 } from '../../support/x509-builder.js';

const GW = '192.0.2.1';
const CL = '192.0.2.2';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

function pki() {
  const caKey = generateKey('ecdsa-p256');
  const caDer = buildCertificate({
    subject: 'O=lib, CN=CA',
    key: caKey,
    ca: true,
    keyUsage: ['keyCertSign'],
  });
  const issuer = { name: 'O=lib, CN=CA', key: caKey, keyId: keyId(caKey.spki) };
  const entity = (cn: string, type: 'ecdsa-p256' | 'ed25519') => {
    const key = generateKey(type);
    const der = buildCertificate({ subject: `O=lib, CN=${cn}`, key, issuer, san: [{ dns: cn }] });
    return { der, pkcs8: key.pkcs8 };
  };
  return { caDer, gw: entity('gw.example', 'ecdsa-p256'), cl: entity('cl.example', 'ed25519') };
}

function config(side: 'gw' | 'cl') {
  const [localId, remoteId] = side === 'gw' ? ['gw.example', 'cl.example'] : ['cl.example', 'gw.example'];
  const [localNet, remoteNet] =
    side === 'gw' ? ['10.1.0.0/16', '10.2.0.0/16'] : ['10.2.0.0/16', '10.1.0.0/16'];
  return defineConfig({
    connections: [
      {
        name: 'site',
        local_addrs: [side === 'gw' ? GW : CL],
        remote_addrs: [side === 'gw' ? '%any' : GW],
        proposals: ['aes128gcm16-prfsha256-ecp256'],
        local: { auth: 'pubkey', id: localId },
        remote: { auth: 'pubkey', id: remoteId },
        children: [
          { name: 'net', local_ts: [localNet], remote_ts: [remoteNet], esp_proposals: ['aes128gcm16'] },
        ],
      },
    ],
  });
}

describe('library Peer with certificates', () => {
  it('defineConfig needs no secret for pubkey rounds, and still wants one for a psk round', () => {
    expect(() => config('gw')).not.toThrow();
    expect(() =>
      defineConfig({
        connections: [
          {
            name: 'mixed',
            local_addrs: [GW],
            remote_addrs: ['%any'],
            local: { auth: 'pubkey', id: 'gw.example' },
            remote: { auth: 'psk', id: 'cl.example' },
            children: [{ name: 'net' }],
          },
        ],
      }),
    ).toThrow(ConfigValidationError);
  });

  it('two peers authenticate with ECDSA and Ed25519 certificates (PEM read with pemBlocks) on noble', async () => {
    const p = pki();
    const sigs = nobleProvider.signatures!;
    const clock = new VirtualClock(T0);
    const net = new MemoryNetwork({ clock, latencyMs: 5 });
    const toPem = (der: Uint8Array) =>
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`;
    const ca = must(parseCertificate(pemBlocks(toPem(p.caDer))[0]!.der));
    const make = (side: 'gw' | 'cl', address: string) => {
      const own = p[side];
      const credentials = createCredentialStore({
        certs: new Map([['own.pem', must(parseCertificate(own.der))]]),
        cacerts: new Map([['ca.pem', ca]]),
        pubkeys: new Map(),
        crls: [],
        keys: [must(sigs.importPrivateKey(own.pkcs8, 'pkcs8'))],
        now: () => clock.now(),
      });
      return createPeer({
        config: config(side),
        transport: net.bind({ address, port: 500 }, { address, port: 4500 }),
        provider: nobleProvider,
        random: seededRandom(`library-certs/${side}`),
        clock,
        credentials,
      });
    };
    const gateway = make('gw', GW);
    const client = make('cl', CL);
    const up = client.connect('site');
    for (let t = 0; t < 5000; t += 50) {
      clock.advance(50);
      await Promise.resolve();
    }
    const { ike, child } = await up;
    expect(ike.state).toBe('ESTABLISHED');
    expect(child.name).toBe('net');
    expect(child.localTs).toEqual(['10.2.0.0/16']);
    gateway.close();
    client.close();
  });
});
