/**
 * IKE_AUTH by signature (issue 16): what a `pubkey` round sends and checks.
 *
 *   IKE_SA_INIT:  N(SIGNATURE_HASH_ALGORITHMS) both ways (RFC 7427 §4), CERTREQ from the responder
 *   IKE_AUTH:     HDR, SK {IDi, [CERT+,] [CERTREQ,] [IDr,] AUTH, ...}   (RFC 7296 §1.2, §3.6, §3.7)
 *                 <-- HDR, SK {IDr, [CERT+,] AUTH, ...}
 *
 * The AUTH data signs the same octets as a PSK's MAC (§2.15). The peer's certificate path is
 * validated (ipsec/x509/chain.ts) and its identity matched before its AUTH is checked; nothing
 * of the peer is used until both hold.
 */
import type { AuthRound, ConnectionConfig } from '../../config/model.js';
import type { PublicKey } from '../../crypto/signature-types.js';
import type { CryptoProvider } from '../../crypto/types.js';
import { err, ok, type Result } from '../../result.js';
import { equalBytes } from '../../util/bytes.js';
import { parseCertificate } from '../../x509/certificate.js';
import { verifyChain } from '../../x509/chain.js';
import { certificateMatchesIdentity } from '../../x509/identity-match.js';
import { formatDn } from '../../x509/name.js';
import type { AlgorithmIdentifier, Certificate } from '../../x509/types.js';
import type { CredentialStore, LocalCredential } from '../credentials.js';
import { formatIdentity, formatPeerIdentity, type Identity, IdType } from '../identity.js';
import {
  decodeHashAlgorithms,
  encodeHashAlgorithms,
  OUR_HASH_ALGORITHMS,
  schemeForAlgorithmIdentifier,
  signAuth,
  verifyAuth,
} from '../keys/signature-auth.js';
import { CertEncoding, PayloadType } from '../wire/constants.js';
import { NotifyStatus } from '../wire/notify-types.js';
import type { AuthPayload, Payload } from '../wire/payload-types.js';
import { findNotify, notify } from './messages.js';

/** Implementation limits on what a peer may make us parse and check (not RFC values). */
export const CERT_LIMITS = {
  /** CERT payloads in one IKE_AUTH message (end entity + intermediates). */
  maxCerts: 8,
  /** Octets of one certificate. */
  maxCertOctets: 16 * 1024,
  /** CA key hashes taken from CERTREQ payloads (20 octets each, §3.7). */
  maxCertReqHashes: 64,
} as const;

/** RFC 7296 §3.7: a CERTREQ's Certification Authority field is a list of 20-octet SHA-1 hashes. */
const SHA1_LENGTH = 20;

export const usesPubkey = (config: ConnectionConfig): boolean =>
  config.local.auth === 'pubkey' || config.remote.auth === 'pubkey';

/** RFC 7427 §4: N(SIGNATURE_HASH_ALGORITHMS) in IKE_SA_INIT when a round of `config` signs. */
export function signatureHashNotify(config: ConnectionConfig): Payload[] {
  return usesPubkey(config)
    ? [notify(NotifyStatus.SIGNATURE_HASH_ALGORITHMS, encodeHashAlgorithms(OUR_HASH_ALGORITHMS))]
    : [];
}

/**
 * The hash algorithms the peer announced in its IKE_SA_INIT (RFC 7427 §4), or nothing when it
 * sent none (the classic methods of RFC 7296 §3.8 are used then). A malformed list counts as none.
 */
export function peerHashAlgorithms(payloads: readonly Payload[]): { peerHashes?: readonly number[] } {
  const n = findNotify(payloads, NotifyStatus.SIGNATURE_HASH_ALGORITHMS);
  if (!n) return {};
  const ids = decodeHashAlgorithms(n.data);
  return ids.ok ? { peerHashes: ids.value } : {};
}

/**
 * CERTREQ (§3.7, encoding 4): the SHA-1 hashes of the SubjectPublicKeyInfo of the CAs we trust for
 * the remote round, when it is `pubkey` and `send_certreq` is on (swanctl default yes).
 */
export function certReqPayloads(
  provider: CryptoProvider,
  credentials: CredentialStore | undefined,
  config: ConnectionConfig,
): Payload[] {
  if (config.remote.auth !== 'pubkey' || config.send_certreq === false || !credentials) return [];
  const anchors = credentials.trustAnchors(config, config.remote);
  if (anchors.length === 0) return [];
  const data = new Uint8Array(anchors.length * SHA1_LENGTH);
  anchors.forEach((ca, i) => {
    data.set(provider.hash('sha1', ca.spki), i * SHA1_LENGTH); // §3.7: SHA-1 of the CA's SubjectPublicKeyInfo
  });
  return [{ type: PayloadType.CERTREQ, encoding: CertEncoding.X509_SIGNATURE, data }];
}

/**
 * The peer sent a CERTREQ (any encoding): `send_cert = ifasked` sends our certificate then; the
 * CA key hashes of X.509 CERTREQs (§3.7) choose among our certificates.
 */
export function peerAskedForCert(payloads: readonly Payload[]): {
  peerCertReq?: true;
  peerCaHashes?: readonly Uint8Array[];
} {
  const reqs = payloads.filter((p) => p.type === PayloadType.CERTREQ);
  if (reqs.length === 0) return {};
  const hashes: Uint8Array[] = [];
  for (const r of reqs) {
    if (r.encoding !== CertEncoding.X509_SIGNATURE) continue;
    for (
      let at = 0;
      at + SHA1_LENGTH <= r.data.length && hashes.length < CERT_LIMITS.maxCertReqHashes;
      at += SHA1_LENGTH
    )
      hashes.push(r.data.slice(at, at + SHA1_LENGTH));
  }
  return hashes.length > 0 ? { peerCertReq: true, peerCaHashes: hashes } : { peerCertReq: true };
}

/**
 * §3.7: of our credentials, the first whose chain has a CA the peer named by key hash (its issuer
 * or a CA above it), else the first.
 */
function chooseCredential(
  provider: CryptoProvider,
  all: readonly LocalCredential[],
  caHashes: readonly Uint8Array[] | undefined,
): LocalCredential | undefined {
  if (!caHashes || caHashes.length === 0 || all.length < 2) return all[0];
  const named = (spki: Uint8Array) => {
    const h = provider.hash('sha1', spki);
    return caHashes.some((x) => equalBytes(x, h));
  };
  return all.find((c) => c.chain.some((ca) => named(ca.spki))) ?? all[0];
}

/** What the peer's IKE_SA_INIT / IKE_AUTH said of hashes and certificates (session fields). */
export interface PeerAsked {
  readonly peerHashes?: readonly number[];
  readonly peerCertReq?: boolean;
  readonly peerCaHashes?: readonly Uint8Array[];
}

export interface LocalSignature {
  /** CERT payloads to send before AUTH (end entity first, then intermediates). */
  readonly certs: Payload[];
  readonly auth: AuthPayload;
}

/** Our AUTH payload (and CERT payloads) for a `pubkey` local round. */
export function signLocalAuth(
  provider: CryptoProvider,
  credentials: CredentialStore | undefined,
  config: ConnectionConfig,
  id: Identity,
  octets: Uint8Array,
  peer: PeerAsked,
): Result<LocalSignature, string> {
  if (!provider.signatures) return err(`crypto provider ${provider.name} has no signatures`);
  const cred = chooseCredential(
    provider,
    credentials?.locals(config, config.local, id) ?? [],
    peer.peerCaHashes,
  );
  if (!cred) return err(`no private key and certificate for local identity ${formatIdentity(id)}`);
  const signed = signAuth(
    provider,
    cred.key,
    octets,
    { hashes: peer.peerHashes },
    { rsaPss: config.local.rsaPss },
  );
  if (!signed.ok) return err(signed.error);
  const sendCert = config.send_cert ?? 'ifasked';
  const send =
    cred.cert !== undefined && (sendCert === 'always' || (sendCert === 'ifasked' && peer.peerCertReq));
  const certs: Payload[] = send
    ? [cred.cert as Certificate, ...cred.chain].map((c) => ({
        type: PayloadType.CERT,
        encoding: CertEncoding.X509_SIGNATURE,
        data: c.der,
      }))
    : [];
  return ok({
    certs,
    auth: { type: PayloadType.AUTH, method: signed.value.method, data: signed.value.data },
  });
}

/** The identity a `pubkey` round uses when `id` is not configured: its certificate's subject DN. */
export function certificateIdentity(
  credentials: CredentialStore | undefined,
  config: ConnectionConfig,
): Identity | undefined {
  const cred = credentials?.local(config, config.local, undefined);
  return cred?.cert ? { type: 9, data: cred.cert.subject.der } : undefined; // ID_DER_ASN1_DN (§3.5)
}

/**
 * An ID_KEY_ID the certificate has no subjectKeyIdentifier for: strongSwan also takes the SHA-1 of
 * the public key (the subjectPublicKey BIT STRING) or of the whole SubjectPublicKeyInfo.
 */
function keyIdMatches(provider: CryptoProvider, cert: Certificate, id: Identity): boolean {
  if (id.type !== IdType.ID_KEY_ID) return false;
  return (
    equalBytes(provider.hash('sha1', cert.publicKey), id.data) ||
    equalBytes(provider.hash('sha1', cert.spki), id.data)
  );
}

/** Verifies a certificate's or CRL's signature with its issuer's key (the path validation's check). */
function issuerVerifier(provider: CryptoProvider) {
  const keys = new Map<Certificate, PublicKey | undefined>();
  return (
    issuer: Certificate,
    signed: { tbs: Uint8Array; algorithm: AlgorithmIdentifier; signature: Uint8Array },
  ): boolean => {
    const sigs = provider.signatures;
    if (!sigs) return false;
    if (!keys.has(issuer)) {
      const k = sigs.importPublicKey(issuer.spki);
      keys.set(issuer, k.ok ? k.value : undefined);
    }
    const key = keys.get(issuer);
    const scheme = schemeForAlgorithmIdentifier(signed.algorithm.der);
    return (
      key !== undefined && scheme !== undefined && sigs.verify(key, scheme, signed.tbs, signed.signature)
    );
  };
}

const KEY_TYPE_OK = (round: AuthRound, key: PublicKey): boolean =>
  !round.keyTypes || round.keyTypes.length === 0 || round.keyTypes.includes(key.type);

export interface VerifiedPeer {
  /** The peer's end-entity certificate, when it authenticated with one. */
  readonly cert?: Certificate;
}

/**
 * Checks the peer's AUTH payload for a `pubkey` remote round: its certificates (from CERT payloads,
 * else pinned ones), the path to a trust anchor, revocation, the identity, then the signature.
 * Every failure is one line saying why; the caller answers AUTHENTICATION_FAILED (§2.21.2).
 */
export function verifyPeerSignature(
  provider: CryptoProvider,
  credentials: CredentialStore | undefined,
  config: ConnectionConfig,
  peer: Identity,
  payloads: readonly Payload[],
  auth: AuthPayload,
  octets: Uint8Array,
  ourHashes: readonly number[] | undefined,
): Result<VerifiedPeer, string> {
  const sigs = provider.signatures;
  if (!sigs) return err(`crypto provider ${provider.name} has no signatures`);
  if (!credentials) return err('no credentials loaded to check a signature');
  const round = config.remote;
  const certPayloads = payloads.filter((p) => p.type === PayloadType.CERT);
  if (certPayloads.length > CERT_LIMITS.maxCerts)
    return err(`${certPayloads.length} CERT payloads (we take at most ${CERT_LIMITS.maxCerts})`);
  const received: Certificate[] = [];
  for (const p of certPayloads) {
    if (p.encoding !== CertEncoding.X509_SIGNATURE)
      return err(`CERT encoding ${p.encoding} is not supported`);
    if (p.data.length > CERT_LIMITS.maxCertOctets)
      return err(`certificate of ${p.data.length} octets (limit ${CERT_LIMITS.maxCertOctets})`);
    const c = parseCertificate(p.data);
    if (!c.ok) return err(`malformed certificate: ${c.error.message}`);
    received.push(c.value);
  }
  const pinned = credentials.pinnedCerts(config, round);
  let key: PublicKey | undefined;
  let cert: Certificate | undefined;
  if (received.length > 0 || pinned.length > 0) {
    const matches = (c: Certificate) =>
      certificateMatchesIdentity(c, peer) || keyIdMatches(provider, c, peer);
    const end = received[0] ?? pinned.find(matches);
    if (!end) return err(`no certificate for peer identity ${formatPeerIdentity(peer)}`);
    if (!matches(end))
      return err(
        `peer identity ${formatPeerIdentity(peer)} is not in certificate "${formatDn(end.subject)}"`,
      );
    const isPinned = pinned.some((c) => equalBytes(c.der, end.der));
    if (pinned.length > 0 && !isPinned)
      return err(`certificate "${formatDn(end.subject)}" is not one of the connection's remote certs`);
    const chain = verifyChain({
      end,
      candidates: [...received.slice(1), ...credentials.intermediates()],
      anchors: isPinned
        ? [end, ...credentials.trustAnchors(config, round)]
        : credentials.trustAnchors(config, round),
      crls: credentials.crls(),
      now: credentials.now(),
      revocation: round.revocation ?? 'relaxed',
      verify: issuerVerifier(provider),
    });
    if (!chain.ok) return err(chain.error.message);
    const k = sigs.importPublicKey(end.spki);
    if (!k.ok) return err(`certificate "${formatDn(end.subject)}": ${k.error.message}`);
    key = k.value;
    cert = end;
  } else {
    key = credentials.pinnedKeys(config, round)[0];
    if (!key) return err('the peer sent no certificate and the connection has no remote certs or pubkeys');
  }
  if (!KEY_TYPE_OK(round, key))
    return err(`peer key is ${key.type}, the connection wants ${round.keyTypes?.join('|')}`);
  const v = verifyAuth(provider, key, auth.method, auth.data, octets, ourHashes ?? []);
  if (!v.ok) return err(v.error);
  return ok(cert ? { cert } : {});
}

/**
 * The seam IKE_SA_INIT and IKE_AUTH reach signatures through (IkeDeps.pubkey): the daemon provides
 * it; a PSK-only build (the mote firmware) links none of X.509 or signatures.
 */
export interface PubkeyAuth {
  /** RFC 7427 §4 notify for IKE_SA_INIT. */
  initNotifies(config: ConnectionConfig): Payload[];
  /** §3.7 CERTREQ for IKE_SA_INIT responses and IKE_AUTH requests. */
  certReq(config: ConnectionConfig): Payload[];
  /** What the peer's message says of hashes and certificate requests. */
  peerInit(payloads: readonly Payload[]): {
    peerHashes?: readonly number[];
    peerCertReq?: true;
    peerCaHashes?: readonly Uint8Array[];
  };
  /** Our identity when the round configures none: the certificate's subject DN. */
  defaultIdentity(config: ConnectionConfig): Identity | undefined;
  sign(
    config: ConnectionConfig,
    id: Identity,
    octets: Uint8Array,
    peer: PeerAsked,
  ): Result<LocalSignature, string>;
  verify(
    config: ConnectionConfig,
    peer: Identity,
    payloads: readonly Payload[],
    auth: AuthPayload,
    octets: Uint8Array,
    hashesSent: boolean,
  ): Result<VerifiedPeer, string>;
}

export function createPubkeyAuth(provider: CryptoProvider, credentials: CredentialStore): PubkeyAuth {
  return {
    initNotifies: signatureHashNotify,
    certReq: (config) => certReqPayloads(provider, credentials, config),
    peerInit: (payloads) => ({ ...peerHashAlgorithms(payloads), ...peerAskedForCert(payloads) }),
    defaultIdentity: (config) => certificateIdentity(credentials, config),
    sign: (config, id, octets, peer) => signLocalAuth(provider, credentials, config, id, octets, peer),
    verify: (config, peer, payloads, auth, octets, hashesSent) =>
      verifyPeerSignature(
        provider,
        credentials,
        config,
        peer,
        payloads,
        auth,
        octets,
        hashesSent ? OUR_HASH_ALGORITHMS : undefined,
      ),
  };
}
