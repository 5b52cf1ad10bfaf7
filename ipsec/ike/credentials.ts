/**
 * What IKE_AUTH needs to authenticate with signatures (issue 16): our certificate chain and
 * private key, and what we trust to check the peer. The daemon fills it from the swanctl
 * directory (targets/native/credentials); tests build one in memory. Pure data and lookups.
 */
import type { AuthRound, ConnectionConfig } from '../config/model.js';
import type { PrivateKey, PublicKey } from '../crypto/signature-types.js';
import type { Certificate, Crl } from '../x509/types.js';
import type { Identity } from './identity.js';

export interface LocalCredential {
  /** Our end-entity certificate, absent when authenticating with a raw public key. */
  readonly cert?: Certificate;
  /** Intermediate CA certificates sent after ours (CERT payloads), issuer order. */
  readonly chain: readonly Certificate[];
  readonly key: PrivateKey;
}

export interface CredentialStore {
  /**
   * Our credential for the local round of `conn` with identity `id`, or undefined. Without `id`
   * (the round configures none): the first of the round's `certs` whose private key we hold.
   */
  local(conn: ConnectionConfig, round: AuthRound, id: Identity | undefined): LocalCredential | undefined;
  /** Every credential `local` could answer, best first (a CERTREQ may prefer another CA's, §3.7). */
  locals(conn: ConnectionConfig, round: AuthRound, id: Identity | undefined): readonly LocalCredential[];
  /** CA certificates trusted for the remote round (its `cacerts`, else every loaded CA). */
  trustAnchors(conn: ConnectionConfig, round: AuthRound): readonly Certificate[];
  /** Intermediate CA certificates we hold (loaded, not trust anchors of their own). */
  intermediates(): readonly Certificate[];
  /** Peer certificates pinned by the remote round's `certs` (used when the peer sends none). */
  pinnedCerts(conn: ConnectionConfig, round: AuthRound): readonly Certificate[];
  /** Raw public keys of the remote round's `pubkeys`. */
  pinnedKeys(conn: ConnectionConfig, round: AuthRound): readonly PublicKey[];
  /** Every CRL loaded (x509crl/). */
  crls(): readonly Crl[];
  /** The current time (ms since the epoch) for validity checks: the injected clock. */
  now(): number;
}
