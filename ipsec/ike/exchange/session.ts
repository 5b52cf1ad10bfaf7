/**
 * The record of one IKE SA that the exchange functions read and return (immutable updates):
 * what strongSwan keeps in ike_sa_t and its tasks. The statecharts in machines/ hold it in
 * their context; the functions here are pure apart from the injected randomness.
 */
import type { ChildConfig, ConnectionConfig } from '../../config/model.js';
import type { CryptoProvider, KeyExchange, RandomBytes } from '../../crypto/types.js';
import type { Identity } from '../identity.js';
import type { ChildSaKeys } from '../keys/child-keys.js';
import type { IkeSaKeys } from '../keys/ike-keys.js';
import type { Proposal, TrafficSelector } from '../model.js';
import type { NegotiatedSuite } from '../proposal/suite.js';
import type { SkKeyPair } from '../sk.js';
import type { PubkeyAuth } from './auth-signature.js';

export interface Address {
  readonly address: string;
  readonly port: number;
}

/** Everything an exchange function may need from outside: all non-determinism is here. */
export interface IkeDeps {
  readonly provider: CryptoProvider;
  readonly random: RandomBytes;
  /** A fresh, unused inbound ESP SPI (4 octets), e.g. from the IPsec backend's allocSpi(). */
  readonly allocChildSpi: () => Uint8Array;
  /** A fresh IKE SPI (8 octets, non-zero, unused among our IKE SAs) for IKE SA rekeys (§2.18). */
  readonly allocIkeSpi?: () => Uint8Array;
  /** The PSK for a pair of identities (swanctl secrets: ids of either side), or undefined. */
  readonly findSecret: (local: Identity, remote: Identity) => Uint8Array | undefined;
  /** Signatures and certificates for `pubkey` rounds (issue 16, auth-signature.ts); absent = PSK only. */
  readonly pubkey?: PubkeyAuth;
}

/** A Child SA as negotiated: what the IPsec backend installs (two ESP SAs and policies). */
export interface ChildSaRecord {
  readonly config: ChildConfig;
  readonly mode: 'tunnel' | 'transport';
  /** Our inbound SPI (we chose it) and the peer's, which we send to. */
  readonly spiIn: Uint8Array;
  readonly spiOut: Uint8Array;
  readonly suite: NegotiatedSuite;
  readonly keys: ChildSaKeys;
  /** We initiated the exchange that created it: our outbound keys are keys.initiator (§2.17). */
  readonly exchangeInitiator: boolean;
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  /** SPI (ours, inbound) of the Child SA this one rekeyed. */
  readonly rekeyOf?: Uint8Array;
}

/** A Child SA request in flight (the initiator's half of the negotiation). */
export interface PendingChild {
  readonly config: ChildConfig;
  readonly spiIn: Uint8Array;
  readonly proposals: readonly Proposal[];
  readonly tsi: readonly TrafficSelector[];
  readonly tsr: readonly TrafficSelector[];
}

export interface IkeSession {
  /** Original role in IKE_SA_INIT: sets the I flag for the SA's whole life (§3.1). */
  readonly role: 'initiator' | 'responder';
  readonly config: ConnectionConfig;
  readonly local: Address;
  readonly remote: Address;
  readonly spiI: Uint8Array;
  /** All zero until the responder has chosen it. */
  readonly spiR: Uint8Array;
  /** Our IKE proposals (numbered), as configured. */
  readonly proposals: readonly Proposal[];
  readonly ni?: Uint8Array;
  readonly nr?: Uint8Array;
  /** Our key exchange (initiator: the group we are trying). */
  readonly ke?: KeyExchange;
  /** COOKIE from the responder, echoed in the next IKE_SA_INIT (§2.6). */
  readonly cookie?: Uint8Array;
  /** RealMessage1 and RealMessage2 for AUTH (§2.15). */
  readonly initRequest?: Uint8Array;
  readonly initResponse?: Uint8Array;
  /** The chosen IKE proposal and keys after IKE_SA_INIT. */
  readonly chosen?: Proposal;
  readonly suite?: NegotiatedSuite;
  readonly keys?: IkeSaKeys;
  readonly sk?: SkKeyPair;
  readonly localId?: Identity;
  readonly remoteId?: Identity;
  /** Child requested in IKE_AUTH by the initiator. */
  readonly pendingChild?: PendingChild;
  /** NAT detection verdict of IKE_SA_INIT (§2.23); absent when the peer sent no NAT-D notifies. */
  readonly nat?: { readonly local: boolean; readonly remote: boolean };
  /** Initiator: send N(INITIAL_CONTACT) in IKE_AUTH: we hold no other IKE SA with this peer (§2.4). */
  readonly initialContact?: boolean;
  /** The peer sent N(IKEV2_FRAGMENTATION_SUPPORTED) in IKE_SA_INIT (RFC 7383 §2.3). */
  readonly peerFragmentation?: boolean;
  /** RFC 7427 §4: the hash algorithms the peer announced in IKE_SA_INIT (absent = none sent). */
  readonly peerHashes?: readonly number[];
  /** We announced ours (OUR_HASH_ALGORITHMS) in IKE_SA_INIT: RFC 7427 AUTH from the peer is fine. */
  readonly hashesSent?: true;
  /** The peer sent CERTREQ (IKE_SA_INIT response or IKE_AUTH request): send_cert = ifasked sends. */
  readonly peerCertReq?: true;
  /** The CA key hashes of the peer's CERTREQ (§3.7): they choose among our certificates. */
  readonly peerCaHashes?: readonly Uint8Array[];
  /** Tries of IKE_SA_INIT so far (INVALID_KE_PAYLOAD and COOKIE restarts). */
  readonly initAttempts: number;
}

export const ZERO_SPI: Uint8Array = new Uint8Array(8);

/** Exchange failures: `notify` is what we tell the peer (or were told), `reason` is for logs. */
export interface ExchangeFailure {
  readonly notify?: number;
  readonly reason: string;
  /** No answer after every retransmission (§2.4): the peer is dead or unreachable. */
  readonly timeout?: boolean;
  /**
   * We refused the responder's IKE_AUTH answer: tell it in an INFORMATIONAL request with
   * N(AUTHENTICATION_FAILED) (§2.21.2), since its IKE SA is otherwise up.
   */
  readonly noticePeer?: boolean;
  /** The connection a responder's IKE_AUTH chose by identities before it failed (names the SA). */
  readonly connection?: string;
}

/**
 * The session of an IKE SA once IKE_AUTH is done: without what only IKE_SA_INIT and IKE_AUTH
 * needed (issue 14: memory per SA). RealMessage1/2 and Ni/Nr were the AUTH signed octets (§2.15);
 * Child SAs and rekeys made later use the nonces of their own CREATE_CHILD_SA (§2.17, §2.18),
 * keyed by SK_d alone. The key exchange is already destroyed; the cookie and the pending Child
 * SA request are done with. SK_pi/SK_pr stay: views of the one buffer all SK_* share
 * (ike-keys.ts), listed by the inspector with the others, as charon's keymat keeps them.
 */
export function authenticatedSession(s: IkeSession): IkeSession {
  const {
    initRequest: _m1,
    initResponse: _m2,
    ni: _ni,
    nr: _nr,
    ke: _ke,
    cookie: _cookie,
    pendingChild: _pending,
    peerHashes: _hashes,
    peerCertReq: _certReq,
    peerCaHashes: _caHashes,
    hashesSent: _sent,
    ...rest
  } = s;
  return rest;
}
