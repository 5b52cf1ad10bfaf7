/**
 * Certificate authentication (issue 16) between our real daemon process and charon 5.9.8. The
 * PKI is made here with strongSwan's `pki` (test/interop/pki.ts): a root CA (ECDSA P-384), an
 * intermediate CA (P-256), an unrelated second root, end-entity certificates for both sides
 * (ECDSA P-256 / P-384, RSA-3072, Ed25519; DN subjects with FQDN, email and IP subjectAltNames)
 * and a CRL of the intermediate revoking two of them. Both sides get the same files in their
 * swanctl folders (charon: its run folder, loaded by swanctl --load-all; ours: next to the
 * daemon's swanctl.conf). One connection per case, with the same name on both sides:
 *
 *   p256      ECDSA P-256 via the intermediate, DN identities, both directions (RFC 7427)
 *   rsa       RSA-3072, FQDN identities (subjectAltName)
 *   p384      ECDSA P-384, email identities
 *   ed25519   Ed25519 (RFC 8420, only with RFC 7427), IP address identities
 *   classic   charon with signature_authentication = no: RSA (AUTH method 1), ECDSA 9 / 10
 *   revoked   the CRL revokes the peer's certificate: refused by us, and by charon
 *   wrongca   each side trusts only the root that did not issue the peer's certificate
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListSasIke } from '../../targets/native/list-sas.js';
import { waitForCharonSa } from './checks.js';
import { DaemonProcess, waitFor, withLogs } from './daemon-host.js';
import { Charon, LAB, labDir, run, runDir } from './lab.js';
import { type EndEntity, INTERMEDIATE_DN, makePki, OTHER_ROOT_DN, type Pki, ROOT_DN } from './pki.js';

const IKE = 'aes128gcm16-prfsha256-x25519';
const ESP = 'aes128gcm16';

/** charon's `load` list: the lab template's plus what certificates need (revocation, constraints, pkcs8). */
const CHARON_LOAD =
  'load = random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp curve25519 mgf1 aes sha1 sha2 hmac xcbc cmac ctr ccm gcm chapoly kdf kernel-libipsec kernel-netlink socket-default vici';

const dn = (cn: string) => `C=CH, O=test, CN=${cn}`;
const ENTITIES: EndEntity[] = [
  { name: 'ours-p256', type: 'p256', dn: dn('ours-p256.test'), sans: ['ours-p256.test'], serial: '11' },
  { name: 'charon-p256', type: 'p256', dn: dn('charon-p256.test'), sans: ['charon-p256.test'], serial: '12' },
  { name: 'ours-rsa', type: 'rsa3072', dn: dn('ours-rsa.test'), sans: ['ours-rsa.test'], serial: '21' },
  { name: 'charon-rsa', type: 'rsa3072', dn: dn('charon-rsa.test'), sans: ['charon-rsa.test'], serial: '22' },
  { name: 'ours-p384', type: 'p384', dn: dn('ours-p384'), sans: ['ours@p384.test'], serial: '31' },
  { name: 'charon-p384', type: 'p384', dn: dn('charon-p384'), sans: ['charon@p384.test'], serial: '32' },
  {
    name: 'ours-ed25519',
    type: 'ed25519',
    dn: dn('ours-ed25519.test'),
    sans: ['ours-ed25519.test', LAB.ours],
    serial: '41',
  },
  {
    name: 'charon-ed25519',
    type: 'ed25519',
    dn: dn('charon-ed25519.test'),
    sans: ['charon-ed25519.test', LAB.charon],
    serial: '42',
  },
  {
    name: 'ours-revoked',
    type: 'p256',
    dn: dn('ours-revoked.test'),
    sans: ['ours-revoked.test'],
    serial: '51',
  },
  {
    name: 'charon-revoked',
    type: 'p256',
    dn: dn('charon-revoked.test'),
    sans: ['charon-revoked.test'],
    serial: '52',
  },
  {
    name: 'ours-other',
    type: 'p256',
    dn: 'C=CH, O=other, CN=ours-other.test',
    sans: ['ours-other.test'],
    issuer: 'other',
    serial: '61',
  },
  {
    name: 'charon-other',
    type: 'p256',
    dn: 'C=CH, O=other, CN=charon-other.test',
    sans: ['charon-other.test'],
    issuer: 'other',
    serial: '62',
  },
];
const REVOKED = ['ours-revoked', 'charon-revoked'];

/** One case: a connection of the same name on both sides. */
interface Case {
  readonly name: string;
  /** Our certificate and identity, charon's certificate and identity. */
  readonly ours: { readonly cert: string; readonly id: string };
  readonly charon: { readonly cert: string; readonly id: string };
  /** swanctl `auth` of the remote round on each side (default pubkey). */
  readonly ourRemoteAuth?: string;
  readonly charonRemoteAuth?: string;
  /** The CA each side trusts for the peer (default root.pem). */
  readonly ourCa?: string;
  readonly charonCa?: string;
}

const CASES: Record<string, Case> = {
  p256: {
    name: 'p256',
    ours: { cert: 'ours-p256', id: dn('ours-p256.test') },
    charon: { cert: 'charon-p256', id: dn('charon-p256.test') },
    ourRemoteAuth: 'ecdsa',
    charonRemoteAuth: 'ecdsa',
  },
  rsa: {
    name: 'rsa',
    ours: { cert: 'ours-rsa', id: 'ours-rsa.test' },
    charon: { cert: 'charon-rsa', id: 'charon-rsa.test' },
    ourRemoteAuth: 'rsa',
    charonRemoteAuth: 'rsa',
  },
  p384: {
    name: 'p384',
    ours: { cert: 'ours-p384', id: 'ours@p384.test' },
    charon: { cert: 'charon-p384', id: 'charon@p384.test' },
  },
  ed25519: {
    name: 'ed25519',
    ours: { cert: 'ours-ed25519', id: LAB.ours },
    charon: { cert: 'charon-ed25519', id: LAB.charon },
    // charon 5.9.8 has no `auth = ed25519` (vici: "invalid value for: auth"): pubkey there
    ourRemoteAuth: 'ed25519',
  },
  revokedCharon: {
    name: 'revoked-charon',
    ours: { cert: 'ours-p256', id: dn('ours-p256.test') },
    charon: { cert: 'charon-revoked', id: dn('charon-revoked.test') },
  },
  revokedOurs: {
    name: 'revoked-ours',
    ours: { cert: 'ours-revoked', id: dn('ours-revoked.test') },
    charon: { cert: 'charon-p256', id: dn('charon-p256.test') },
  },
  wrongCaCharon: {
    // charon's certificate is from the other root; we trust only ours
    name: 'wrongca-charon',
    ours: { cert: 'ours-p256', id: dn('ours-p256.test') },
    charon: { cert: 'charon-other', id: 'C=CH, O=other, CN=charon-other.test' },
  },
  wrongCaOurs: {
    // our certificate is from the other root; charon trusts only the root
    name: 'wrongca-ours',
    ours: { cert: 'ours-other', id: 'C=CH, O=other, CN=ours-other.test' },
    charon: { cert: 'charon-p256', id: dn('charon-p256.test') },
  },
};

const quote = (id: string) => `"${id}"`;

function charonConnection(c: Case): string {
  return `    ${c.name} {
        version = 2
        local_addrs = ${LAB.charon}
        remote_addrs = ${LAB.ours}
        remote_port = 500
        proposals = ${IKE}
        encap = yes
        mobike = no
        unique = never
        dpd_delay = 0
        rekey_time = 0
        reauth_time = 0
        send_cert = always
        local {
            auth = pubkey
            certs = ${c.charon.cert}.pem
            id = ${quote(c.charon.id)}
        }
        remote {
            auth = ${c.charonRemoteAuth ?? 'pubkey'}
            id = ${quote(c.ours.id)}
            cacerts = ${c.charonCa ?? 'root.pem'}
        }
        children {
            net {
                mode = tunnel
                local_ts = ${LAB.charonNet}
                remote_ts = ${LAB.ourNet}
                esp_proposals = ${ESP}
                rekey_time = 0
                life_time = 0
            }
        }
    }`;
}

function ourConnection(c: Case): string {
  return `    ${c.name} {
        version = 2
        local_addrs = ${LAB.ours}
        remote_addrs = ${LAB.charon}
        proposals = ${IKE}
        encap = yes
        mobike = no
        rekey_time = 0
        reauth_time = 0
        send_cert = always
        local {
            auth = pubkey
            certs = ${c.ours.cert}.pem
            id = ${quote(c.ours.id)}
        }
        remote {
            auth = ${c.ourRemoteAuth ?? 'pubkey'}
            id = ${quote(c.charon.id)}
            cacerts = ${c.ourCa ?? 'root.pem'}
        }
        children {
            net {
                mode = tunnel
                local_ts = ${LAB.ourNet}
                remote_ts = ${LAB.charonNet}
                esp_proposals = ${ESP}
                rekey_time = 0
                life_time = 0
            }
        }
    }`;
}

const charonConf = (cases: readonly Case[]) => `# generated by test/interop/certificates.test.ts
connections {
${cases.map(charonConnection).join('\n')}
}
`;

const ourConf = (cases: readonly Case[]) => `# generated by test/interop/certificates.test.ts
daemon {
    port = 500
    port_nat_t = 4500
    inner_addrs = ${LAB.ourInner}
    retransmit_timeout = 1
    retransmit_tries = 2
}
connections {
${cases.map(ourConnection).join('\n')}
}
`;

/** The PKI, made once for the file. */
let pki: Pki;
let pkiReady: Promise<Pki> | undefined;
const getPki = (): Promise<Pki> => {
  pkiReady ??= (async () => {
    const dir = path.join(runDir(), 'pki');
    mkdirSync(dir, { recursive: true });
    pki = await makePki(dir, ENTITIES, REVOKED);
    return pki;
  })();
  return pkiReady;
};

/** Starts charon `name` with the PKI's files in its run folder and `cases` loaded. */
async function startCharon(
  name: string,
  cases: readonly Case[],
  extra: readonly string[] = [],
): Promise<Charon> {
  const p = await getPki();
  p.copyTo(path.join(runDir(), name), 'charon-');
  let charon: Charon;
  try {
    charon = await Charon.start({
      name,
      swanctlConf: charonConf(cases),
      extraConf: [CHARON_LOAD, ...extra].join('\n'),
    });
  } catch (e) {
    // started but swanctl --load-all failed: stop it (it holds port 500)
    await run(path.join(labDir, 'charon.sh'), ['stop', name], { SWANLAB_RUN: runDir(), PEER_NS: 'root' });
    throw e;
  }
  // the later `load` (our extra.conf, included at the end of charon { }) replaced the template's
  const loaded = /loaded plugins: (.*)/.exec(charon.logSince())?.[1] ?? '';
  expect(loaded.split(' '), charon.log(40)).toEqual(
    expect.arrayContaining(['revocation', 'constraints', 'pkcs8', 'x509', 'openssl']),
  );
  const certs = await charon.swanctl('--list-certs');
  expect(certs).toContain(`subject:  "${dn('charon-p256.test')}"`);
  expect(certs).not.toContain('ours-'); // ours must come in our CERT payloads
  const crls = await charon.swanctl('--list-certs', '--type', 'x509_crl');
  expect(crls).toContain(`issuer:   "${pki.intermediateDn}"`);
  return charon;
}

async function startDaemon(name: string, cases: readonly Case[]): Promise<DaemonProcess> {
  const p = await getPki();
  return DaemonProcess.start({ name, conf: ourConf(cases), prepare: (dir) => p.copyTo(dir, 'ours-') });
}

/** Helpers over one daemon and one charon. */
function peers(get: () => { daemon: DaemonProcess; charon: Charon }) {
  /** Runs `fn` with the logs added to a failure; then nothing may be left on either side (forced). */
  const diagnosed = async (fn: () => Promise<void>) => {
    try {
      await withLogs(fn, get);
    } finally {
      const { daemon, charon } = get();
      await charon.terminateAll();
      for (const sa of await daemon.listSas().catch(() => []))
        await daemon.cli('terminate', '--ike', sa.name, '--timeout', '3');
    }
  };

  const ourSa = (name: string): Promise<ListSasIke> =>
    waitFor(
      async () =>
        (await get().daemon.listSas()).find(
          (s) =>
            s.name === name &&
            s.state === 'ESTABLISHED' &&
            s['child-sas'].some((c) => c.name === 'net' && c.state === 'INSTALLED'),
        ),
      async () => `no ESTABLISHED ${name}: ${JSON.stringify(await get().daemon.listSas())}`,
    );

  const nothingLeft = async () => {
    const { daemon, charon } = get();
    await waitFor(
      async () => ((await charon.listSas()).length === 0 ? true : undefined),
      async () => `charon still has ${JSON.stringify(await charon.listSas())}`,
    );
    await waitFor(
      async () => ((await daemon.listSas()).length === 0 ? true : undefined),
      async () => `our daemon still has ${JSON.stringify(await daemon.listSas())}`,
    );
  };

  /** Establishes `c` (we or charon initiating), checks both views, pings, terminates. */
  const establish = async (c: Case, initiator: 'ours' | 'charon') => {
    const { daemon, charon } = get();
    if (initiator === 'ours') {
      const r = await daemon.cli('initiate', '--child', 'net', '--ike', c.name, '--timeout', '20');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/CHILD_SA net\{\d+\} established/);
    } else {
      const r = await charon.initiate(c.name, 'net');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    }
    const theirs = await waitForCharonSa(charon, c.name);
    const ours = await ourSa(c.name);
    expect(theirs).toMatchObject({
      initiator: initiator === 'charon',
      localId: c.charon.id,
      remoteId: c.ours.id,
      initiatorSpi: ours['initiator-spi'],
      responderSpi: ours['responder-spi'],
    });
    expect(ours).toMatchObject({
      initiator: initiator === 'ours',
      'local-id': c.ours.id,
      'remote-id': c.charon.id,
    });
    const ping = await daemon.cli('ping', '--child', 'net', LAB.charonInner, '-c', '2');
    expect(ping.code, `${ping.stdout}\n${ping.stderr}`).toBe(0);
    expect(ping.stdout).toContain('2 packets transmitted, 2 received, 0% packet loss');
    const t = await daemon.cli('terminate', '--ike', c.name, '--timeout', '10');
    expect(t.code, t.stderr).toBe(0);
    await nothingLeft();
  };

  /**
   * `c` fails: the initiator gets AUTHENTICATION_FAILED (or refuses the responder); no SA remains.
   * Returns why our daemon failed IKE SAs meanwhile ("NAME NOTIFY REASON").
   */
  const refused = async (c: Case, initiator: 'ours' | 'charon'): Promise<string[]> => {
    const { daemon, charon } = get();
    const mark = daemon.records().length;
    if (initiator === 'ours') {
      const r = await daemon.cli('initiate', '--child', 'net', '--ike', c.name, '--timeout', '20');
      expect(r.code, `${r.stdout}\n${r.stderr}`).not.toBe(0);
      expect(r.stdout).not.toMatch(/CHILD_SA net\{\d+\} established/);
    } else {
      const r = await charon.initiate(c.name, 'net', 15);
      expect(r.code, `${r.stdout}\n${r.stderr}`).not.toBe(0);
    }
    await nothingLeft();
    return ourFailures(daemon, mark);
  };

  return { diagnosed, establish, refused, nothingLeft };
}

/** Why our daemon failed IKE SAs (its "IKE SA failed" records) since record `mark`. */
function ourFailures(daemon: DaemonProcess, mark = 0): string[] {
  return daemon
    .records()
    .slice(mark)
    .filter((r) => r.msg === 'IKE SA failed' && typeof r.reason === 'string')
    .map((r) => `${r.name} ${r.notify ?? '-'} ${r.reason}`);
}

/** Lines "authentication of 'ID' [(myself)] with SCHEME successful" in the charon log since `mark`. */
function authSchemes(charon: Charon, mark: number): string[] {
  return [
    ...charon.logSince(mark).matchAll(/authentication of '([^']*)' (\(myself\) )?with (.+?) successful/g),
  ].map((m) => `${m[2] ? 'charon' : 'peer'} ${m[1]} ${m[3]}`);
}

describe('certificates: our daemon <-> charon (RFC 7427 signatures)', () => {
  const cases = Object.values(CASES);
  let charon: Charon;
  let daemon: DaemonProcess;
  const { diagnosed, establish, refused } = peers(() => ({ daemon, charon }));

  beforeAll(async () => {
    charon = await startCharon('certs', cases);
    daemon = await startDaemon('certs', cases);
  }, 120_000);

  afterAll(async () => {
    await daemon?.kill();
    await charon?.stop();
  });

  it('the PKI: our daemon loaded the certificates, keys and the CRL (ikev2 list-certs)', () =>
    diagnosed(async () => {
      const out = await daemon.mustCli('list-certs');
      for (const e of ENTITIES) {
        if (e.name.startsWith('ours-')) expect(out).toContain(e.dn);
        else expect(out).not.toContain(e.dn); // charon's come in its CERT payloads
      }
      expect(out).toContain(pki.intermediateDn);
    }));

  it('ECDSA P-256 via the intermediate, DN identities: charon initiates, we respond', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      await establish(CASES.p256!, 'charon');
      const log = charon.logSince(mark);
      // our CERTREQ names the root we trust; we send our certificate and the intermediate
      expect(log).toContain(`received cert request for "${ROOT_DN}"`);
      expect(log).toContain(`received end entity cert "${dn('ours-p256.test')}"`);
      expect(log).toContain(`received issuer cert "${INTERMEDIATE_DN}"`);
      expect(authSchemes(charon, mark)).toEqual([
        `charon ${dn('charon-p256.test')} ECDSA_WITH_SHA256_DER`,
        `peer ${dn('ours-p256.test')} ECDSA_WITH_SHA256_DER`,
      ]);
    }));

  it('ECDSA P-256 via the intermediate, DN identities: we initiate, charon responds', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      await establish(CASES.p256!, 'ours');
      const log = charon.logSince(mark);
      expect(log).toContain(`received cert request for "${ROOT_DN}"`);
      expect(log).toContain(`received end entity cert "${dn('ours-p256.test')}"`);
      expect(log).toContain(`received issuer cert "${INTERMEDIATE_DN}"`);
      expect(authSchemes(charon, mark)).toEqual([
        `peer ${dn('ours-p256.test')} ECDSA_WITH_SHA256_DER`,
        `charon ${dn('charon-p256.test')} ECDSA_WITH_SHA256_DER`,
      ]);
    }));

  it('RSA-3072, FQDN identities (subjectAltName), both directions', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      await establish(CASES.rsa!, 'ours');
      await establish(CASES.rsa!, 'charon');
      const schemes = authSchemes(charon, mark);
      expect(schemes).toHaveLength(4);
      for (const s of schemes) expect(s).toMatch(/ RSA_EMSA_PKCS1_SHA2_(256|384|512)$/);
    }));

  it('ECDSA P-384, email identities, both directions', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      await establish(CASES.p384!, 'ours');
      await establish(CASES.p384!, 'charon');
      const schemes = authSchemes(charon, mark);
      expect(schemes).toHaveLength(4);
      for (const s of schemes) expect(s).toMatch(/ ECDSA_WITH_SHA384_DER$/);
    }));

  it('Ed25519 (RFC 8420), IP address identities, both directions', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      await establish(CASES.ed25519!, 'ours');
      await establish(CASES.ed25519!, 'charon');
      const schemes = authSchemes(charon, mark);
      expect(schemes).toHaveLength(4);
      for (const s of schemes) expect(s).toMatch(/ ED25519$/);
    }));

  it('we refuse charon’s certificate revoked by our CRL (both directions)', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      const revoked = `certificate "${dn('charon-revoked.test')}" was revoked on `;
      // charon initiates: we answer N(AUTHENTICATION_FAILED) (RFC 7296 §2.21.2)
      const asResponder = await refused(CASES.revokedCharon!, 'charon');
      expect(charon.logSince(mark)).toContain('received AUTHENTICATION_FAILED notify error');
      expect(asResponder).toEqual([expect.stringMatching(/ 24 initiator AUTH: /)]);
      expect(asResponder[0]).toContain(revoked);
      // we initiate: charon's AUTH is refused, we tell it in an INFORMATIONAL
      const mark2 = charon.logMark();
      const asInitiator = await refused(CASES.revokedCharon!, 'ours');
      expect(asInitiator).toEqual([expect.stringMatching(/^revoked-charon 24 responder AUTH: /)]);
      expect(asInitiator[0]).toContain(revoked);
      expect(charon.logSince(mark2)).toContain('parsed INFORMATIONAL request 2 [ N(AUTH_FAILED) ]');
    }));

  it('charon refuses our certificate revoked by its CRL (both directions)', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      expect(await refused(CASES.revokedOurs!, 'ours')).toEqual([
        'revoked-ours 24 IKE_AUTH response without IDr and AUTH',
      ]);
      const log = charon.logSince(mark);
      expect(log).toContain(`certificate was revoked on`);
      expect(log).toContain('generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]');
      const mark2 = charon.logMark();
      await refused(CASES.revokedOurs!, 'charon');
      const log2 = charon.logSince(mark2);
      expect(log2).toContain('certificate was revoked on');
      expect(log2).toContain('generating INFORMATIONAL request 2 [ N(AUTH_FAILED) ]');
    }));

  it('we refuse charon’s certificate from a root we do not trust (both directions)', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      const untrusted = `certificate "C=CH, O=other, CN=charon-other.test" has no trusted issuer "${OTHER_ROOT_DN}"`;
      expect(await refused(CASES.wrongCaCharon!, 'charon')).toEqual([
        expect.stringMatching(/ 24 initiator AUTH: /),
      ]);
      expect(charon.logSince(mark)).toContain('received AUTHENTICATION_FAILED notify error');
      expect(await refused(CASES.wrongCaCharon!, 'ours')).toEqual([
        `wrongca-charon 24 responder AUTH: ${untrusted}`,
      ]);
    }));

  it('charon refuses our certificate from a root it does not trust (both directions)', () =>
    diagnosed(async () => {
      const mark = charon.logMark();
      expect(await refused(CASES.wrongCaOurs!, 'ours')).toEqual([
        'wrongca-ours 24 IKE_AUTH response without IDr and AUTH',
      ]);
      const log = charon.logSince(mark);
      expect(log).toContain(`constraint check failed: peer not authenticated by CA '${ROOT_DN}'`);
      expect(log).toContain('generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]');
      const mark2 = charon.logMark();
      await refused(CASES.wrongCaOurs!, 'charon');
      expect(charon.logSince(mark2)).toContain(
        `constraint check failed: peer not authenticated by CA '${ROOT_DN}'`,
      );
    }));
});

describe('certificates: charon without RFC 7427 (signature_authentication = no): classic AUTH methods', () => {
  const cases = [CASES.p256!, CASES.rsa!, CASES.p384!];
  let charon: Charon;
  let daemon: DaemonProcess;
  const { diagnosed, establish } = peers(() => ({ daemon, charon }));

  beforeAll(async () => {
    charon = await startCharon('certs-classic', cases, ['signature_authentication = no']);
    daemon = await startDaemon('certs-classic', cases);
  }, 120_000);

  afterAll(async () => {
    await daemon?.kill();
    await charon?.stop();
  });

  it('RSA (method 1), ECDSA P-256 (method 9) and P-384 (method 10), both directions', () =>
    diagnosed(async () => {
      const expected: [Case, string][] = [
        // charon names the classic AUTH methods (auth_method_names), RFC 7427 ones by their scheme
        [CASES.rsa!, 'RSA signature'],
        [CASES.p256!, 'ECDSA-256 signature'],
        [CASES.p384!, 'ECDSA-384 signature'],
      ];
      for (const [c, scheme] of expected) {
        for (const initiator of ['ours', 'charon'] as const) {
          const mark = charon.logMark();
          await establish(c, initiator);
          const schemes = authSchemes(charon, mark);
          expect(schemes, `${c.name}, ${initiator} initiating`).toHaveLength(2);
          for (const s of schemes)
            expect(s, `${c.name}, ${initiator} initiating`).toMatch(new RegExp(` ${scheme}$`));
        }
      }
    }));
});
