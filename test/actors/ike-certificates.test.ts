/**
 * IKE_AUTH by signature through two supervisors on virtual time (issue 16): certificates from a
 * root and an intermediate CA (built in the test), RFC 7427 and the classic methods, and every
 * failure the gateway must answer with AUTHENTICATION_FAILED (RFC 7296 §2.21.2), keeping no IKE SA,
 * no half-open entry and no ESP SA.
 *
 *   client (10.99.0.1, alice)                       gateway (10.99.0.2, bob)
 *   IKE_SA_INIT { SAi1, KEi, Ni, N(SIGNATURE_HASH_ALGORITHMS) }  -->
 *                 <--  { SAr1, KEr, Nr, CERTREQ, N(SIGNATURE_HASH_ALGORITHMS) }
 *   IKE_AUTH { IDi, CERT, CERT(intermediate), CERTREQ, IDr, AUTH(14), SAi2, TSi, TSr }  -->
 *                 <--  { IDr, CERT, CERT(intermediate), AUTH(14), SAr2, TSi, TSr }
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../ipsec/config/model.js';
import type { PrivateKey } from '../../ipsec/crypto/signature-types.js';
import { createCredentialStore } from '../../ipsec/ike/credential-store.js';
import type { CredentialStore } from '../../ipsec/ike/credentials.js';
import { createPubkeyAuth, type PubkeyAuth } from '../../ipsec/ike/exchange/auth-signature.js';
import { formatIdentity } from '../../ipsec/ike/identity.js';
import { AuthMethod, CertEncoding, ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { NotifyError, NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { parseCertificate } from '../../ipsec/x509/certificate.js';
import { parseCrl } from '../../ipsec/x509/crl.js';
import type { Certificate } from '../../ipsec/x509/types.js';
import { nodeProvider } from '../../targets/native/crypto/node-provider.js';
import { clientConfig, gatewayConfig } from '../support/ike-peers.js';
import {
  captureIke,
  ikeContext,
  ikePhase,
  memoryLogger,
  type TwoHostOptions,
  trackSas,
  twoHosts,
} from '../support/two-hosts.js';
import {
  type BuilderKeyType,
  buildCertificate,
  buildCrl,
  DAY,
  generateKey,
  type Issuer,
  keyId,
  T0,
  type TestKey,
} from '../support/x509-builder.js';

const provider = nodeProvider;
const sigs = provider.signatures!;

const cert = (der: Uint8Array): Certificate => {
  const c = parseCertificate(der);
  if (!c.ok) throw new Error(c.error.message);
  return c.value;
};
const privateKey = (k: TestKey): PrivateKey => {
  const p = sigs.importPrivateKey(k.pkcs8, 'pkcs8');
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
};
const issuer = (name: string, key: TestKey): Issuer => ({ name, key, keyId: keyId(key.spki) });

/** A root CA, an intermediate CA under it, and end entities under the intermediate. */
function pki(o: { rootKey?: BuilderKeyType } = {}) {
  const rootKey = generateKey(o.rootKey ?? 'ecdsa-p256');
  const root = cert(
    buildCertificate({
      subject: 'C=CH, O=test, CN=Root CA',
      key: rootKey,
      ca: true,
      keyUsage: ['keyCertSign', 'cRLSign'],
    }),
  );
  const interKey = generateKey('ecdsa-p384');
  const inter = cert(
    buildCertificate({
      subject: 'C=CH, O=test, CN=Intermediate CA',
      key: interKey,
      issuer: issuer('C=CH, O=test, CN=Root CA', rootKey),
      ca: true,
      pathLen: 0,
      keyUsage: ['keyCertSign', 'cRLSign'],
    }),
  );
  const interIssuer = issuer('C=CH, O=test, CN=Intermediate CA', interKey);
  let serial = 100;
  const endEntity = (
    subject: string,
    san: Parameters<typeof buildCertificate>[0]['san'],
    type: BuilderKeyType,
    extra: Partial<Parameters<typeof buildCertificate>[0]> = {},
  ) => {
    const key = generateKey(type, 2048);
    const c = cert(buildCertificate({ subject, key, issuer: interIssuer, san, serial: ++serial, ...extra }));
    return { cert: c, key: privateKey(key), testKey: key };
  };
  return { rootKey, root, inter, interIssuer, endEntity };
}

type Pki = ReturnType<typeof pki>;
type EndEntity = ReturnType<Pki['endEntity']>;

function store(
  p: Pki,
  own: EndEntity,
  o: { crls?: Uint8Array[]; anchors?: Certificate[] } = {},
): CredentialStore {
  return createCredentialStore({
    certs: new Map([['own', own.cert]]),
    // Every loaded CA certificate is a trust anchor (strongSwan's x509ca/); `anchors` replaces them.
    cacerts: new Map((o.anchors ?? [p.root, p.inter]).map((c, i) => [`ca${i}`, c] as const)),
    pubkeys: new Map(),
    crls: (o.crls ?? []).map((d) => {
      const c = parseCrl(d);
      if (!c.ok) throw new Error(c.error.message);
      return c.value;
    }),
    keys: [own.key],
    now: () => T0,
  });
}

const pubkeyRound = (r: ConnectionConfig['local'], extra: Partial<ConnectionConfig['local']> = {}) => ({
  ...r,
  auth: 'pubkey' as const,
  ...extra,
});

function certConfigs(
  o: {
    clientId?: string;
    gatewayRemoteId?: string;
    clientRsaPss?: boolean;
    clientNoFragments?: boolean;
  } = {},
) {
  const c = clientConfig();
  const g = gatewayConfig();
  return {
    client: {
      ...c,
      ...(o.clientNoFragments ? { fragmentation: 'no' as const } : {}),
      local: pubkeyRound(c.local, {
        ...(o.clientId ? { id: o.clientId } : {}),
        ...(o.clientRsaPss ? { rsaPss: true } : {}),
      }),
      remote: pubkeyRound(c.remote),
    },
    gateway: {
      ...g,
      local: pubkeyRound(g.local),
      remote: pubkeyRound(g.remote, o.gatewayRemoteId ? { id: o.gatewayRemoteId } : {}),
    },
  };
}

function setup(o: TwoHostOptions & { clientPubkey: PubkeyAuth; gatewayPubkey: PubkeyAuth }) {
  const clientLog = memoryLogger();
  const gatewayLog = memoryLogger();
  const configs = certConfigs();
  const world = twoHosts({
    provider,
    clientConnections: [configs.client],
    gatewayConnections: [configs.gateway],
    clientSecrets: [],
    gatewaySecrets: [],
    ...o,
    clientLogger: clientLog,
    gatewayLogger: gatewayLog,
  });
  const wire = captureIke(world.net, world.clock);
  const gatewaySas = trackSas(world.gateway.supervisor);
  return { ...world, wire, gatewaySas, clientLog, gatewayLog };
}

/** Alice (ECDSA P-256) and bob (RSA) under one PKI, each trusting its root. */
function standard(o: { alice?: BuilderKeyType; bob?: BuilderKeyType } = {}) {
  const p = pki();
  const alice = p.endEntity(
    'C=CH, O=test, CN=alice',
    [{ email: 'alice@example.org' }],
    o.alice ?? 'ecdsa-p256',
  );
  const bob = p.endEntity('C=CH, O=test, CN=bob', [{ email: 'bob@example.org' }], o.bob ?? 'rsa');
  return { p, alice, bob };
}

const kinds = (payloads: readonly Payload[]) =>
  payloads.map((x) => (x.type === PayloadType.N ? `N(${x.notifyType})` : x.type));

describe('IKE_AUTH with certificates', () => {
  for (const [alice, bob, rsaPss] of [
    ['ecdsa-p256', 'rsa', false],
    ['ecdsa-p384', 'ecdsa-p521', false],
    ['ed25519', 'ed448', false],
    ['rsa', 'ecdsa-p256', true],
  ] as const) {
    it(`${alice}${rsaPss ? ' (auth = rsa/pss)' : ''} client and ${bob} gateway through an intermediate CA: both IKE SAs and the Child SA come up`, () => {
      const { p, alice: a, bob: b } = standard({ alice, bob });
      const configs = certConfigs({ clientRsaPss: rsaPss });
      const w = setup({
        clientConnections: [configs.client],
        clientPubkey: createPubkeyAuth(provider, store(p, a)),
        gatewayPubkey: createPubkeyAuth(provider, store(p, b)),
      });
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(1000);
      expect(ikePhase(ike), ike.failure?.reason).toBe('established');
      const [gw] = w.gateway.supervisor.ikeSas;
      expect(gw && ikePhase(gw)).toBe('established');
      expect(formatIdentity(ikeContext(gw!).session.remoteId!)).toBe('alice@example.org');
      expect(w.client.esp.backend.listSas()).toHaveLength(2);
      expect(w.gateway.esp.backend.listSas()).toHaveLength(2);

      // The wire: SIGNATURE_HASH_ALGORITHMS both ways, CERTREQ from the gateway, RFC 7427 AUTH.
      const [init, initR] = w.wire;
      expect(kinds(init!.payloads)).toContain(`N(${NotifyStatus.SIGNATURE_HASH_ALGORITHMS})`);
      expect(kinds(initR!.payloads)).toContain(PayloadType.CERTREQ);
      const certreq = initR!.payloads.find((x) => x.type === PayloadType.CERTREQ);
      // §3.7: SHA-1 of each trusted CA's SubjectPublicKeyInfo (root and intermediate here).
      expect(certreq && certreq.type === PayloadType.CERTREQ && certreq.data).toEqual(
        new Uint8Array([...provider.hash('sha1', p.root.spki), ...provider.hash('sha1', p.inter.spki)]),
      );
    });
  }

  it('sends the end-entity certificate then the intermediate, and AUTH method 14 (RFC 7427)', () => {
    const { p, alice, bob } = standard();
    const sent: Payload[][] = [];
    const capture = (inner: PubkeyAuth): PubkeyAuth => ({
      ...inner,
      sign: (...args) => {
        const r = inner.sign(...args);
        if (r.ok) sent.push([...r.value.certs, r.value.auth]);
        return r;
      },
    });
    const w = setup({
      clientPubkey: capture(createPubkeyAuth(provider, store(p, alice))),
      gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
    });
    w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    const [certs] = sent;
    expect(certs?.map((x) => x.type)).toEqual([PayloadType.CERT, PayloadType.CERT, PayloadType.AUTH]);
    const [ee, ca, auth] = certs!;
    expect(ee?.type === PayloadType.CERT && ee.encoding).toBe(CertEncoding.X509_SIGNATURE);
    expect(ee?.type === PayloadType.CERT && ee.data).toEqual(alice.cert.der);
    expect(ca?.type === PayloadType.CERT && ca.data).toEqual(p.inter.der);
    expect(auth?.type === PayloadType.AUTH && auth.method).toBe(AuthMethod.DIGITAL_SIGNATURE);
  });

  it('DN identities: the client is "C=CH, O=test, CN=alice", the gateway accepts "C=CH, O=test, CN=*"', () => {
    const { p, alice, bob } = standard();
    const configs = certConfigs({
      clientId: 'C=CH, O=test, CN=alice',
      gatewayRemoteId: 'C=CH, O=test, CN=*',
    });
    const w = setup({
      clientConnections: [configs.client],
      gatewayConnections: [configs.gateway],
      clientPubkey: createPubkeyAuth(provider, store(p, alice)),
      gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike), ike.failure?.reason).toBe('established');
    const [gw] = w.gateway.supervisor.ikeSas;
    expect(formatIdentity(ikeContext(gw!).session.remoteId!)).toBe('C=CH, O=test, CN=alice');
  });

  it("a KEY_ID identity: the SHA-1 of the certificate's public key, as strongSwan takes it", () => {
    const { p, alice, bob } = standard();
    const keyid = `keyid:0x${Buffer.from(provider.hash('sha1', alice.cert.publicKey)).toString('hex')}`;
    const configs = certConfigs({ clientId: keyid, gatewayRemoteId: keyid });
    const inner = store(p, alice);
    // Our own store picks certificates by DN and subjectAltName only: hand it alice's.
    const byKeyId: CredentialStore = {
      ...inner,
      locals: (conn, round) => inner.locals(conn, round, undefined),
    };
    const w = setup({
      clientConnections: [configs.client],
      gatewayConnections: [configs.gateway],
      clientPubkey: createPubkeyAuth(provider, byKeyId),
      gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike), ike.failure?.reason).toBe('established');
    const [gw] = w.gateway.supervisor.ikeSas;
    expect(formatIdentity(ikeContext(gw!).session.remoteId!)).toBe(keyid.replace('0x', ''));
  });

  it('classic methods when the peer announces no hash algorithms: ECDSA 9 and RSA 1', () => {
    const { p, alice, bob } = standard();
    const methods: number[] = [];
    const classic = (inner: PubkeyAuth): PubkeyAuth => ({
      ...inner,
      initNotifies: () => [], // like charon with signature_authentication = no
      sign: (config, id, octets, peer) => {
        const r = inner.sign(config, id, octets, peer);
        if (r.ok) methods.push(r.value.auth.method);
        return r;
      },
    });
    const w = setup({
      clientPubkey: classic(createPubkeyAuth(provider, store(p, alice))),
      gatewayPubkey: classic(createPubkeyAuth(provider, store(p, bob))),
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike), ike.failure?.reason).toBe('established');
    expect(methods).toEqual([AuthMethod.ECDSA_SHA256_P256, AuthMethod.RSA_DIGITAL_SIGNATURE]);
  });
});

describe('IKE_AUTH with certificates: the gateway refuses, cleanly', () => {
  /** The client's IKE_AUTH is answered with AUTHENTICATION_FAILED; nothing stays at the gateway. */
  function expectRefused(w: ReturnType<typeof setup>, why: RegExp) {
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('failed');
    expect(ike.failure?.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
    // IKE_SA_INIT both ways, the IKE_AUTH request (in fragments when large, RFC 7383), one answer.
    const types = w.wire.map((m) => `${m.header.exchangeType}${isResponse(m.header) ? 'r' : ''}`);
    expect(types.slice(0, 2)).toEqual([`${ExchangeType.IKE_SA_INIT}`, `${ExchangeType.IKE_SA_INIT}r`]);
    expect(new Set(types.slice(2, -1))).toEqual(new Set([`${ExchangeType.IKE_AUTH}`]));
    expect(types.at(-1)).toBe(`${ExchangeType.IKE_AUTH}r`);
    expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
    expect(w.gatewaySas()[0]?.failure?.reason).toMatch(why);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
    expect(w.gateway.esp.backend.listSas()).toHaveLength(0);
    expect(w.client.esp.backend.listSas()).toHaveLength(0);
  }

  it('unknown CA: the gateway trusts another root', () => {
    const { p, alice, bob } = standard();
    const other = pki();
    expectRefused(
      setup({
        clientPubkey: createPubkeyAuth(provider, store(p, alice)),
        gatewayPubkey: createPubkeyAuth(provider, store(p, bob, { anchors: [other.root] })),
      }),
      /trust|issuer|UNTRUSTED|anchor/i,
    );
  });

  it('expired client certificate', () => {
    const { p, bob } = standard();
    const alice = p.endEntity('C=CH, O=test, CN=alice', [{ email: 'alice@example.org' }], 'ecdsa-p256', {
      notBefore: T0 - 400 * DAY,
      notAfter: T0 - DAY,
    });
    // The client's own store does not check its certificate's dates: it sends it.
    expectRefused(
      setup({
        clientPubkey: createPubkeyAuth(provider, store(p, alice)),
        gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
      }),
      /expired/i,
    );
  });

  it('revoked client certificate: the intermediate CA lists it in a CRL the gateway holds', () => {
    const { p, alice, bob } = standard();
    const crl = buildCrl({ issuer: p.interIssuer, revoked: [{ serial: alice.cert.serial, reason: 1 }] });
    // A decoy connection first: the refused SA is named after the one IKE_AUTH chose ('rw').
    const { gateway } = certConfigs();
    const decoy = { ...gateway, name: 'decoy', remote: { ...gateway.remote, id: 'carol@example.org' } };
    const w = setup({
      gatewayConnections: [decoy, gateway],
      clientPubkey: createPubkeyAuth(provider, store(p, alice)),
      gatewayPubkey: createPubkeyAuth(provider, store(p, bob, { crls: [crl] })),
    });
    expectRefused(w, /revoked/i);
    expect(w.gatewaySas().map((h) => h.name)).toEqual(['rw']);
  });

  it("wrong identity: the client claims mallory@example.org with alice's certificate", () => {
    const { p, alice, bob } = standard();
    const inner = store(p, alice);
    const lying: CredentialStore = {
      ...inner,
      locals: (conn, round) => inner.locals(conn, round, undefined),
    };
    const configs = certConfigs({ clientId: 'mallory@example.org', gatewayRemoteId: '%any' });
    expectRefused(
      setup({
        clientConnections: [configs.client],
        gatewayConnections: [configs.gateway],
        clientPubkey: createPubkeyAuth(provider, lying),
        gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
      }),
      /mallory@example.org is not in certificate/,
    );
  });

  it("bad signature: one bit of the client's AUTH flipped", () => {
    const { p, alice, bob } = standard();
    const inner = createPubkeyAuth(provider, store(p, alice));
    const flipping: PubkeyAuth = {
      ...inner,
      sign: (...args) => {
        const r = inner.sign(...args);
        if (!r.ok) return r;
        const data = r.value.auth.data.slice();
        data[data.length - 5]! ^= 0x01;
        return { ok: true, value: { ...r.value, auth: { ...r.value.auth, data } } };
      },
    };
    expectRefused(
      setup({ clientPubkey: flipping, gatewayPubkey: createPubkeyAuth(provider, store(p, bob)) }),
      /verif/i,
    );
  });

  for (const [what, certs, why] of [
    [
      'malformed CERT payload',
      () => [new Uint8Array([0x30, 0x82, 0xff, 0xff, 1, 2, 3])],
      /malformed certificate/,
    ],
    ['oversized CERT payload (17 KiB)', () => [new Uint8Array(17 * 1024)], /octets \(limit/],
    ['nine CERT payloads', (der: Uint8Array) => Array.from({ length: 9 }, () => der), /CERT payloads/],
  ] as const) {
    it(what, () => {
      const { p, alice, bob } = standard();
      const inner = createPubkeyAuth(provider, store(p, alice));
      const tampered: PubkeyAuth = {
        ...inner,
        sign: (...args) => {
          const r = inner.sign(...args);
          if (!r.ok) return r;
          const payloads: Payload[] = certs(alice.cert.der).map((data) => ({
            type: PayloadType.CERT,
            encoding: CertEncoding.X509_SIGNATURE,
            data,
          }));
          return { ok: true, value: { ...r.value, certs: payloads } };
        },
      };
      expectRefused(
        // Unfragmented: a fragmented message over the reassembly limit (10000 octets) is dropped unanswered.
        setup({
          clientConnections: [certConfigs({ clientNoFragments: true }).client],
          clientPubkey: tampered,
          gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
        }),
        why,
      );
    });
  }

  it('a PSK connection refuses a signature AUTH', () => {
    const { p, alice, bob } = standard();
    const configs = certConfigs();
    expectRefused(
      setup({
        gatewayConnections: [{ ...configs.gateway, remote: { auth: 'psk', id: 'alice@example.org' } }],
        gatewaySecrets: [
          { name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: new Uint8Array(16) },
        ],
        clientPubkey: createPubkeyAuth(provider, store(p, alice)),
        gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
      }),
      /pre-shared key/,
    );
  });
});

describe('IKE_AUTH with certificates: the client refuses the gateway', () => {
  it("the gateway's certificate is from a CA the client does not trust: the client tells it (§2.21.2), neither keeps an SA", () => {
    const { p, alice } = standard();
    const other = pki();
    const bob = other.endEntity('C=CH, O=test, CN=bob', [{ email: 'bob@example.org' }], 'rsa');
    const w = setup({
      clientPubkey: createPubkeyAuth(provider, store(p, alice)),
      gatewayPubkey: createPubkeyAuth(provider, store(other, bob, { anchors: [other.root, p.root] })),
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('failed');
    expect(ike.failure?.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
    expect(ike.failure?.reason).toMatch(/responder AUTH/);
    expect(w.client.esp.backend.listSas()).toHaveLength(0);
    expect(w.client.supervisor.ikeSas).toHaveLength(0);
    // INFORMATIONAL { N(AUTHENTICATION_FAILED) } --> (once)  <-- { }: the gateway drops its IKE and Child SA.
    const informational = w.wire.filter((m) => m.header.exchangeType === ExchangeType.INFORMATIONAL);
    expect(informational.map((m) => isResponse(m.header))).toEqual([false, true]);
    expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
    expect(w.gateway.esp.backend.listSas()).toHaveLength(0);
    w.clock.advance(300_000);
    expect(w.wire.filter((m) => m.header.exchangeType === ExchangeType.INFORMATIONAL)).toHaveLength(2);
  });
});

describe('IKE_AUTH mixed and revocation policies', () => {
  it('mixed rounds: the client signs and checks a PSK from the gateway, the gateway the reverse', () => {
    const { p, alice, bob } = standard();
    const c = clientConfig();
    const g = gatewayConfig();
    const secrets = [
      { name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: new Uint8Array(32).fill(7) },
    ];
    const w = setup({
      clientConnections: [{ ...c, local: pubkeyRound(c.local) }],
      gatewayConnections: [{ ...g, remote: pubkeyRound(g.remote) }],
      clientSecrets: secrets,
      gatewaySecrets: secrets,
      clientPubkey: createPubkeyAuth(provider, store(p, alice)),
      gatewayPubkey: createPubkeyAuth(provider, store(p, bob)),
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike), ike.failure?.reason).toBe('established');
    const auths = w.wire.filter((m) => m.header.exchangeType === ExchangeType.IKE_AUTH);
    expect(auths.length).toBeGreaterThanOrEqual(2);
  });

  for (const [revocation, crl, uri, outcome] of [
    ['strict', false, false, 'failed'],
    ['strict', true, false, 'established'],
    ['ifuri', false, false, 'established'],
    ['ifuri', false, true, 'failed'],
    ['relaxed', false, true, 'established'],
  ] as const) {
    it(`revocation = ${revocation}, ${crl ? 'a current CRL' : 'no CRL'}, ${uri ? 'a' : 'no'} CRL URI in the certificate: ${outcome}`, () => {
      const p = pki();
      const alice = p.endEntity('C=CH, O=test, CN=alice', [{ email: 'alice@example.org' }], 'ecdsa-p256', {
        ...(uri ? { crlUris: ['http://crl.example.org/inter.crl'] } : {}),
      });
      const bob = p.endEntity('C=CH, O=test, CN=bob', [{ email: 'bob@example.org' }], 'ecdsa-p256');
      const configs = certConfigs();
      const w = setup({
        gatewayConnections: [{ ...configs.gateway, remote: { ...configs.gateway.remote, revocation } }],
        clientPubkey: createPubkeyAuth(provider, store(p, alice)),
        gatewayPubkey: createPubkeyAuth(
          provider,
          store(p, bob, {
            anchors: [p.root],
            // strict: every certificate below the anchor needs its issuer's CRL (the intermediate's too)
            crls: crl
              ? [
                  buildCrl({ issuer: p.interIssuer, revoked: [] }),
                  buildCrl({ issuer: issuer('C=CH, O=test, CN=Root CA', p.rootKey), revoked: [] }),
                ]
              : [],
          }),
        ),
      });
      const ike = w.client.supervisor.initiate('gw', 'net');
      w.clock.advance(1000);
      expect(ikePhase(ike), ike.failure?.reason).toBe(outcome);
      if (outcome === 'failed') expect(w.gatewaySas()[0]?.failure?.reason).toMatch(/CRL/);
    });
  }
});

describe('IKE_AUTH with certificates: CERTREQ answered (§3.7)', () => {
  it('the gateway holds certificates from two CAs and sends the one whose CA the client asked for', () => {
    const first = pki();
    const second = pki();
    const alice = second.endEntity('C=CH, O=test, CN=alice', [{ email: 'alice@example.org' }], 'ecdsa-p256');
    const bobFirst = first.endEntity('C=CH, O=test, CN=bob', [{ email: 'bob@example.org' }], 'ecdsa-p256');
    const bobSecond = second.endEntity('C=CH, O=test, CN=bob', [{ email: 'bob@example.org' }], 'ecdsa-p256');
    const gatewayStore = createCredentialStore({
      certs: new Map([
        ['bob-first', bobFirst.cert],
        ['bob-second', bobSecond.cert],
      ]),
      cacerts: new Map([
        ['first-root', first.root],
        ['first-inter', first.inter],
        ['second-root', second.root],
        ['second-inter', second.inter],
      ]),
      pubkeys: new Map(),
      crls: [],
      keys: [bobFirst.key, bobSecond.key],
      now: () => T0,
    });
    // Without a CERTREQ the first certificate would go: the client trusts only the second PKI.
    expect(gatewayStore.local(certConfigs().gateway, certConfigs().gateway.local, undefined)?.cert).toBe(
      bobFirst.cert,
    );
    const w = setup({
      clientPubkey: createPubkeyAuth(provider, store(second, alice)),
      gatewayPubkey: createPubkeyAuth(provider, gatewayStore),
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    expect(ikePhase(ike), ike.failure?.reason).toBe('established');
  });
});
