/**
 * Types of the IKE SA statechart: context, events, input. The exchange logic is the pure
 * functions of ipsec/ike/exchange; the statechart sequences them and owns the
 * request/response layer of RFC 7296 §2.1-§2.3 (Message IDs, retransmission, response cache).
 */
import type { ChildConfig, ConnectionConfig } from '../ipsec/config/model.js';
import type { CreateChildRequest } from '../ipsec/ike/exchange/create-child.js';
import type { ChildSaRecord, ExchangeFailure, IkeDeps, IkeSession } from '../ipsec/ike/exchange/session.js';
import type { FragmentLimits } from '../ipsec/ike/fragment/limits.js';
import type { FragmentDropReason, PartialMessage } from '../ipsec/ike/fragment/reassembly.js';
import type { AnsweredRequest } from '../ipsec/ike/retransmission.js';
import type { DecodedMessage } from '../ipsec/ike/wire/message.js';
import type { Payload } from '../ipsec/ike/wire/payload-types.js';
import type { SaEndpoint } from '../ipsec/policy/sad.js';

/** Retransmission and timeouts (strongswan.conf charon.retransmit_* and half_open_timeout). */
export interface IkeTiming {
  /** Seconds before the first retransmission. */
  readonly retransmit_timeout: number;
  /** Retransmissions before giving up. */
  readonly retransmit_tries: number;
  /** Back-off base: the n-th retransmission waits timeout * base^n (§2.1: exponential). */
  readonly retransmit_base: number;
  /** Seconds a responder IKE SA may stay half-open (before IKE_AUTH completes). */
  readonly half_open_timeout: number;
}

export const DEFAULT_TIMING: IkeTiming = {
  retransmit_timeout: 4,
  retransmit_tries: 5,
  retransmit_base: 1.8,
  half_open_timeout: 30,
};

/**
 * Our request in flight (window size 1, §2.3). Retransmissions send these exact octets (§2.1):
 * one datagram, or every fragment of the message (RFC 7383 §2.6.1).
 */
export interface Outstanding {
  readonly messageId: number;
  readonly exchangeType: number;
  readonly datagrams: readonly Uint8Array[];
  /** How many times it has been sent (1 = only the original). */
  readonly transmissions: number;
}

/**
 * The response to the peer's last request, resent verbatim for a retransmitted request (§2.1)
 * once it is shown to be one (ike-sa.retransmit.ts).
 */
export interface CachedResponse {
  readonly messageId: number;
  /** The whole message, or all its fragments (RFC 7383 §2.6.1). */
  readonly datagrams: readonly Uint8Array[];
  /** The request it answers (exchange type, digest of its octets): its retransmissions match it. */
  readonly request: AnsweredRequest;
}

/** The peer's request being processed: what the cached response will keep of it (§2.1). */
export interface PeerRequest extends AnsweredRequest {
  readonly messageId: number;
}

/** IKE fragmentation counters of one IKE SA (RFC 7383). */
export interface FragmentCounters {
  /** Fragment datagrams sent, retransmissions included. */
  readonly sent: number;
  /** Messages we sent as fragments (each counted once). */
  readonly fragmentedMessages: number;
  /** Oversized messages sent whole: the fragment size was too small or more than maxFragments needed. */
  readonly unfragmentable: number;
  /** SKF messages received. */
  readonly received: number;
  /** Messages reassembled from fragments. */
  readonly reassembled: number;
  /** Fragments dropped, by reason (a fragment discarded after being collected counts once here). */
  readonly dropped: Readonly<Record<FragmentDropReason, number>>;
}

/** Reassembly in progress: at most the peer's request and the response to ours (§2.3 window 1). */
export interface FragmentState {
  readonly request?: PartialMessage;
  readonly response?: PartialMessage;
  readonly counters: FragmentCounters;
}

/** How this IKE SA fragments (RFC 7383): per path size and limits, from the supervisor. */
export interface FragmentSettings {
  /** The largest IKE message one datagram carries on the current path (it moves with NAT-T). */
  readonly messageBudget: () => number;
  readonly limits: FragmentLimits;
}

export interface IkeSaStats {
  retransmits: number;
  retransmittedResponses: number;
  dropped: number;
}

/** Work this IKE SA starts as initiator of an exchange, one at a time (window size 1, §2.3). */
export type IkeTask =
  | { readonly kind: 'createChild'; readonly config: ChildConfig }
  | { readonly kind: 'rekeyChild'; readonly spiIn: Uint8Array }
  | { readonly kind: 'deleteChild'; readonly spiIn: Uint8Array }
  | { readonly kind: 'rekeyIke' }
  | { readonly kind: 'deleteIke' }
  | { readonly kind: 'dpd' };

export interface PeerRekey {
  readonly oldSpiIn: Uint8Array;
  readonly newSpiIn: Uint8Array;
  readonly nonces: readonly Uint8Array[];
}

/** The task whose request is outstanding. */
export interface ActiveTask {
  readonly task: IkeTask;
  readonly request?: CreateChildRequest;
}

export interface IkeSaContext {
  readonly deps: IkeDeps;
  readonly timing: IkeTiming;
  readonly session: IkeSession;
  /** Responder: connections that may serve this peer; the identities pick one at IKE_AUTH. */
  readonly candidates: readonly ConnectionConfig[];
  /** Initiator: the child to create inside IKE_AUTH. */
  readonly firstChild?: ChildConfig;
  /** Our next request's Message ID (§2.2: 0 for IKE_SA_INIT, then +1 per exchange). */
  readonly nextMessageId: number;
  readonly outstanding?: Outstanding;
  /** The Message ID we expect on the peer's next request. */
  readonly peerMessageId: number;
  readonly cachedResponse?: CachedResponse;
  /** The unfragmented request being answered; respond() moves it into cachedResponse.request. */
  readonly peerRequest?: PeerRequest;
  /** The responder's IKE_SA_INIT request, handled on entry. */
  readonly initMessage?: { readonly decoded: DecodedMessage; readonly raw: Uint8Array };
  readonly children: readonly ChildSaRecord[];
  /** Tasks waiting for the window (§2.3), oldest first. */
  readonly queue: readonly IkeTask[];
  readonly active?: ActiveTask;
  /**
   * Rekeys of our Child SAs that the peer started while we were rekeying them too (§2.8.1):
   * the old SA, the SA the peer's exchange created, and that exchange's nonces.
   */
  readonly peerRekeys: readonly PeerRekey[];
  /** The peer's IKE SA rekey we answered while ours was in flight (§2.8.2). */
  readonly ikeCollision?: { readonly session: IkeSession; readonly nonces: readonly Uint8Array[] };
  /** Replaced by a rekeyed IKE SA (§2.18): no new work, only the Delete of this one. */
  readonly retired: boolean;
  /** Created by an IKE SA rekey: starts in `established`. */
  readonly startEstablished: boolean;
  /** When the IKE SA rekeys itself (rekey_time with jitter), ms; 0 = never. */
  readonly ikeRekeyMs: number;
  readonly failure?: ExchangeFailure;
  /** The peer deleted this IKE SA (its Delete(IKE) answered). */
  readonly deletedByPeer?: boolean;
  /** Result of the last processed step, read by the transient decision states. */
  readonly step?: StepResult;
  readonly stats: IkeSaStats;
  readonly fragmentation: FragmentSettings;
  readonly fragments: FragmentState;
}

export type StepResult =
  | { readonly kind: 'next' }
  | { readonly kind: 'retry'; readonly group?: number }
  | { readonly kind: 'failed'; readonly failure: ExchangeFailure };

export interface IkeSaInput {
  readonly deps: IkeDeps;
  readonly timing?: IkeTiming;
  readonly session: IkeSession;
  readonly candidates?: readonly ConnectionConfig[];
  readonly firstChild?: ChildConfig;
  readonly initMessage?: { readonly decoded: DecodedMessage; readonly raw: Uint8Array };
  /** An IKE SA created by rekeying (§2.18): starts established, with the moved Child SAs. */
  readonly established?: { readonly children: readonly ChildSaRecord[]; readonly retired?: boolean };
  /** IKE fragmentation (RFC 7383); without it messages are never fragmented (reassembly still works). */
  readonly fragmentation?: FragmentSettings;
}

/** Where a datagram came from and on what: its source (`remote`), destination and encapsulation. */
export interface PeerPath {
  readonly local: SaEndpoint;
  readonly remote: SaEndpoint;
  /** Received on the NAT-T port with the non-ESP marker (RFC 3948 §2.2). */
  readonly natT: boolean;
}

export type IkeSaEvent =
  /** A datagram for this IKE SA, decoded by the supervisor (header and outer chain). */
  | {
      readonly type: 'MESSAGE';
      readonly decoded: DecodedMessage;
      readonly raw: Uint8Array;
      /** Set when it came over a path other than the SA's (a NAT-T float or a NAT mapping change). */
      readonly from?: PeerPath;
    }
  /** Raised by the request/response layer: a new request, opened and rule-checked. */
  | {
      readonly type: 'REQUEST';
      readonly exchangeType: number;
      readonly messageId: number;
      readonly payloads: readonly Payload[];
    }
  /** Raised by the request/response layer: the response to our outstanding request. */
  | {
      readonly type: 'RESPONSE';
      readonly exchangeType: number;
      readonly payloads: readonly Payload[];
      readonly raw: Uint8Array;
      readonly spiR: Uint8Array;
    }
  /** Close the IKE SA (swanctl --terminate): Delete, then closed. */
  | { readonly type: 'TERMINATE' }
  /** Raised by the fragment layer: a message still incomplete this long after its first fragment. */
  | { readonly type: 'FRAGMENT_TIMEOUT'; readonly key: 'request' | 'response'; readonly messageId: number }
  /** Queue work: create, rekey or delete a Child SA, rekey the IKE SA, a liveness check. */
  | { readonly type: 'TASK'; readonly task: IkeTask };
