/**
 * The inspection stream: what the statechart inspector (targets/native/inspector) shows, what
 * `--record` writes as JSON Lines and what `ikev2 inspect --replay` reads back. One ordered
 * stream of plain JSON values (no Uint8Array, no class instances), so a recording made on one
 * machine opens on another.
 *
 * Two sources feed it:
 *  - XState's own inspection API (`createActor(machine, { inspect })`): actor created, event
 *    received, snapshot; mapped to `actor.*` events with our actor ids;
 *  - our domain events: IKE messages sent and received, decoded (`ike.message`), drops with
 *    their reason (`ike.drop`), and periodic counters (`counters`).
 *
 * Actor ids: 'supervisor', 'ike:<uniqueid>' for an IKE SA, 'child:<ike uniqueid>:<child
 * uniqueid>' for a Child SA. Times are the injected clock's milliseconds.
 * Secrets (SK_* keys, PSKs, Child SA keys, DH private values) never appear unless the hub was
 * created with `keys: true` (`--inspect-keys` / `--record-keys`); then they appear as hex in the
 * fields named `keys`.
 */

export type ActorKind = 'supervisor' | 'ike-sa' | 'child-sa';

/** What every event carries. `seq` counts from 1 without gaps within one stream. */
export interface EventBase {
  readonly seq: number;
  /** Clock time, ms. */
  readonly t: number;
}

/** A decoded payload, for display (ipsec/ike/wire/describe.ts builds them). */
import type { PayloadView } from '../../ipsec/ike/wire/describe.js';

export type { PayloadView };

/** Summary of an IKE SA for the actor tree. */
export interface IkeSaSummary {
  readonly connection: string;
  readonly initiator: boolean;
  readonly local: string; // 'address:port'
  readonly remote: string;
  readonly localId?: string;
  readonly remoteId?: string;
  /** SPIs as hex. */
  readonly spiI: string;
  readonly spiR: string;
  /** 'CONNECTING' | 'ESTABLISHED' | 'DELETING' | 'DESTROYED' */
  readonly state: string;
  readonly createdAt: number;
  readonly establishedAt?: number;
  /** Negotiated IKE proposal, strongSwan keyword form (e.g. 'aes128ctr-aesxcbc-prfaesxcbc-ecp192'). */
  readonly proposal?: string;
  /** Only with `keys: true`: SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr as hex (§2.14). */
  readonly keys?: Readonly<Record<string, string>>;
}

/** Summary of a Child SA for the actor tree. */
export interface ChildSaSummary {
  readonly name: string;
  readonly spiIn: string;
  readonly spiOut: string;
  readonly mode: 'tunnel' | 'transport';
  readonly state: string;
  readonly localTs: readonly string[];
  readonly remoteTs: readonly string[];
  readonly proposal?: string;
  readonly packetsIn?: number;
  readonly packetsOut?: number;
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  /** Only with `keys: true`: the KEYMAT split (§2.17) as hex: encr_i, integ_i, encr_r, integ_r. */
  readonly keys?: Readonly<Record<string, string>>;
}

export type InspectionEvent =
  | (EventBase & {
      readonly kind: 'actor.created';
      readonly actor: string;
      readonly actorKind: ActorKind;
      readonly parent?: string;
      /** Machine id (XState `machine.id`), to draw its chart from `GET /api/machines/:id`. */
      readonly machine?: string;
      readonly ike?: IkeSaSummary;
      readonly child?: ChildSaSummary;
    })
  | (EventBase & {
      readonly kind: 'actor.event';
      readonly actor: string;
      /** The XState event type and its fields made safe for display (bytes as lengths or hex). */
      readonly event: { readonly type: string; readonly [field: string]: unknown };
    })
  | (EventBase & {
      readonly kind: 'actor.snapshot';
      readonly actor: string;
      /** XState state value, e.g. 'established' or { established: 'idle' }. */
      readonly value: unknown;
      /** 'active' | 'done' | 'error' | 'stopped' */
      readonly status: string;
      readonly ike?: IkeSaSummary;
      readonly child?: ChildSaSummary;
    })
  | (EventBase & { readonly kind: 'actor.stopped'; readonly actor: string })
  | (EventBase & {
      readonly kind: 'ike.message';
      /** The IKE SA actor, when the message belongs to one. */
      readonly actor?: string;
      readonly direction: 'in' | 'out';
      readonly local: string;
      readonly remote: string;
      readonly exchange: string; // 'IKE_SA_INIT (34)'
      readonly messageId: number;
      readonly response: boolean;
      /** The I flag of the header (§3.1). */
      readonly initiatorFlag: boolean;
      readonly length: number;
      /** Sent again with identical octets (§2.1), or a peer's retransmission we answered from cache. */
      readonly retransmission: boolean;
      /** RFC 7383: this datagram is fragment `number` of `total`. */
      readonly fragment?: { readonly number: number; readonly total: number };
      /** Outer payloads; SK's children are its decrypted contents when we hold the keys. */
      readonly payloads: readonly PayloadView[];
      /** Why the contents are not shown (e.g. 'not yet reassembled', 'no keys', 'integrity'). */
      readonly opaque?: string;
      /** RFC 7383: the whole message, put together from this many fragments seen before it. */
      readonly reassembled?: { readonly fragments: number };
    })
  | (EventBase & {
      readonly kind: 'ike.drop';
      readonly actor?: string;
      readonly remote?: string;
      /** Stable reason code, e.g. 'malformed', 'unknown-spi', 'integrity', 'dos', 'fragment:duplicate'. */
      readonly reason: string;
      readonly detail?: string;
    })
  | (EventBase & {
      readonly kind: 'counters';
      readonly ikeSas: Readonly<Record<string, number>>; // by state
      readonly halfOpen: number;
      readonly cookiesSent: number;
      readonly drops: Readonly<Record<string, number>>;
    });

export type InspectionEventKind = InspectionEvent['kind'];

/** A statechart as the page draws it: from the machine definition itself (XState `machine.root`). */
export interface MachineGraph {
  readonly id: string;
  readonly states: readonly {
    /** Dotted path, e.g. 'established.idle'. */
    readonly id: string;
    readonly parent?: string;
    readonly initial?: boolean;
    readonly final?: boolean;
  }[];
  readonly transitions: readonly {
    readonly source: string;
    readonly target: string;
    /** Event type, or 'after N ms' / 'always'. */
    readonly event: string;
  }[];
}
