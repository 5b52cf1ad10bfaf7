/**
 * A CredentialStore over certificates, CRLs and keys already parsed (issue 16): the lookups IKE_AUTH
 * makes, with no file access. The daemon's loader (targets/native/credentials) reads the swanctl
 * directory into one; tests and embedding applications build one directly.
 *
 * Files named in a round's `certs`, `cacerts` and `pubkeys` are looked up by the names the loader
 * gave them (their paths relative to x509/, x509ca/, pubkey/).
 */
import type { AuthRound, ConnectionConfig } from '../config/model.js';
import type { PrivateKey, PublicKey } from '../crypto/signature-types.js';
import { equalBytes } from '../util/bytes.js';
import { certificateMatchesIdentity } from '../x509/identity-match.js';
import { nameEquals } from '../x509/name.js';
import type { Certificate, Crl } from '../x509/types.js';
import type { CredentialStore, LocalCredential } from './credentials.js';
import type { Identity } from './identity.js';

export interface CredentialItems {
  /** End-entity certificates (x509/), by file name. */
  readonly certs: ReadonlyMap<string, Certificate>;
  /** CA certificates (x509ca/), by file name. */
  readonly cacerts: ReadonlyMap<string, Certificate>;
  /** Raw public keys (pubkey/), by file name. */
  readonly pubkeys: ReadonlyMap<string, PublicKey>;
  readonly crls: readonly Crl[];
  /** Private keys (private/, rsa/, ecdsa/, pkcs8/). */
  readonly keys: readonly PrivateKey[];
  /** The clock for validity checks (ms since the epoch). */
  readonly now: () => number;
}

const isSelfSigned = (c: Certificate): boolean => nameEquals(c.subject, c.issuer);
/** RFC 5280 §4.2.1.1: two CAs of one name are told apart by their key identifiers, when present. */
const keyIdsAgree = (aki: Uint8Array | undefined, ski: Uint8Array | undefined): boolean =>
  !aki || !ski || equalBytes(aki, ski);

export function createCredentialStore(items: CredentialItems): CredentialStore {
  const keyFor = (cert: Certificate): PrivateKey | undefined =>
    items.keys.find((k) => equalBytes(k.publicKey.spki, cert.spki));
  const cas = [...items.cacerts.values()];
  const intermediates = cas.filter((c) => !isSelfSigned(c));
  /** The intermediate CAs from `cert` up to (not including) a self-signed root, issuer order. */
  const chainOf = (cert: Certificate): Certificate[] => {
    const chain: Certificate[] = [];
    let at = cert;
    for (let depth = 0; depth < 7; depth++) {
      const issuer = intermediates.find(
        (c) =>
          nameEquals(c.subject, at.issuer) &&
          keyIdsAgree(at.authorityKeyId, c.subjectKeyId) &&
          !chain.includes(c),
      );
      if (!issuer || issuer === cert) break;
      chain.push(issuer);
      at = issuer;
    }
    return chain;
  };
  const named = <T>(map: ReadonlyMap<string, T>, names: readonly string[] | undefined): T[] =>
    (names ?? []).flatMap((n) => {
      const v = map.get(n);
      return v ? [v] : [];
    });
  const credential = (cert: Certificate): LocalCredential | undefined => {
    const key = keyFor(cert);
    return key ? { cert, chain: chainOf(cert), key } : undefined;
  };
  return {
    locals(_conn: ConnectionConfig, round: AuthRound, id: Identity | undefined) {
      const configured = named(items.certs, round.certs);
      const pool = configured.length > 0 ? configured : [...items.certs.values()];
      const found: LocalCredential[] = [];
      for (const cert of pool) {
        if (id && !certificateMatchesIdentity(cert, id)) continue; // the identity must be in the certificate
        const c = credential(cert);
        if (c) found.push(c);
      }
      // A raw key pair: `pubkeys` names our public key, its private key is loaded (no certificate).
      for (const pub of named(items.pubkeys, round.pubkeys)) {
        const key = items.keys.find((k) => equalBytes(k.publicKey.spki, pub.spki));
        if (key) found.push({ chain: [], key });
      }
      return found;
    },
    local(conn: ConnectionConfig, round: AuthRound, id: Identity | undefined) {
      return this.locals(conn, round, id)[0];
    },
    trustAnchors(_conn, round) {
      const configured = named(items.cacerts, round.cacerts);
      return configured.length > 0 ? configured : cas;
    },
    intermediates: () => intermediates,
    pinnedCerts: (_conn, round) => named(items.certs, round.certs),
    pinnedKeys: (_conn, round) => named(items.pubkeys, round.pubkeys),
    crls: () => items.crls,
    now: items.now,
  };
}
