/** The Supervisor's public types: options, IKE SA handles, counters, events. */

import type { Observable } from 'rxjs';
import type { Config } from '../ipsec/config/model.js';
import type { CryptoProvider, RandomBytes } from '../ipsec/crypto/types.js';
import type { PubkeyAuth } from '../ipsec/ike/exchange/auth-signature.js';
import type { ChildSaRecord, ExchangeFailure } from '../ipsec/ike/exchange/session.js';
import type { FragmentLimits } from '../ipsec/ike/fragment/limits.js';
import type { Clock } from '../ipsec/util/clock.js';
import type { Endpoint } from '../transport/types.js';
import type { ChildLifecycle } from './child-lifecycle.js';
import type { IkeDatagramOverhead } from './ike-fragments.js';
import type { IkeSaRun } from './ike-sa-run.js';
import type { InspectionHub } from './inspection/hub.js';
import type { IpsecBackend } from './ipsec-backend.js';

/** An IKE message as the data path hands it over: `natT` = arrived with the non-ESP marker. */
export interface IkeDatagramIn {
  readonly data: Uint8Array;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly natT?: boolean;
}

export interface SupervisorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface SupervisorOptions {
  readonly config: Config;
  readonly provider: CryptoProvider;
  readonly random: RandomBytes;
  readonly clock: Clock;
  readonly backend: IpsecBackend;
  readonly ikeIn$: Observable<IkeDatagramIn>;
  /** Sends one IKE message (the caller adds the non-ESP marker when `natT`). */
  readonly send: (data: Uint8Array, from: Endpoint, to: Endpoint, natT: boolean) => void;
  readonly logger?: SupervisorLogger;
  /** Seconds between cookie secret rotations (RFC 7296 §2.6); default 120. */
  readonly cookieRotation?: number;
  /**
   * Octets of each IKE datagram that are not the IKE message, for the fragment size (RFC 7383):
   * daemon.fragment_size minus this. Default: IP + UDP headers + non-ESP marker (udpOverhead).
   */
  readonly ikeDatagramOverhead?: IkeDatagramOverhead;
  /** IKE fragment reassembly limits; default DEFAULT_FRAGMENT_LIMITS. */
  readonly fragmentLimits?: FragmentLimits;
  /** The inspection stream (actors/inspection/hub.ts): actors, IKE messages, drops, counters. */
  readonly inspection?: InspectionHub;
  /** Signature authentication for `pubkey` rounds (ipsec/ike/exchange/auth-signature.ts); absent = PSK only. */
  readonly pubkey?: PubkeyAuth;
}

export type IkeSaState = 'CONNECTING' | 'ESTABLISHED' | 'DELETING' | 'DESTROYED';

export interface InstalledChild {
  readonly uniqueid: number;
  /** Lifecycle statechart (machines/child-sa.machine.ts): INSTALLED, REKEYING, REKEYED, DELETING... */
  readonly lifecycle: ChildLifecycle;
  readonly reqid: number;
  readonly record: ChildSaRecord;
  readonly installedAt: number;
}

/** An IKE SA's statechart run (ike-sa-run.ts): snapshot, send, stop, inspection. */
export type IkeActor = IkeSaRun;

export interface IkeSaHandle {
  readonly uniqueid: number;
  /**
   * The connection's name: a responder's is that of the first candidate at IKE_SA_INIT until
   * IKE_AUTH picks the connection by identities (then the supervisor renames it).
   */
  name: string;
  readonly initiator: boolean;
  /** Current IKE endpoints: they move to the NAT-T port when a NAT is detected (§2.23). */
  local: Endpoint;
  remote: Endpoint;
  /** IKE runs on the NAT-T port, with the non-ESP marker (RFC 3948 §2.2). */
  natT: boolean;
  readonly ourSpi: string;
  readonly actor: IkeActor;
  state: IkeSaState;
  establishedAt?: number;
  /** RFC 3948 NAT-keepalive timer, while behind a NAT. */
  keepaliveTimer?: unknown;
  /** over_time: deletes the IKE SA if it is still there at rekey_time + over_time. */
  lifetimeTimer?: unknown;
  readonly children: InstalledChild[];
  failure?: ExchangeFailure;
}

export interface SupervisorCounters {
  datagrams: number;
  malformed: number;
  unknownSpi: number;
  cookiesSent: number;
  dosDropped: number;
  /** IKE SA actors that threw (a bug): each is destroyed alone, the supervisor goes on. */
  actorErrors: number;
}

export type SupervisorEvent =
  | { readonly type: 'ike-established'; readonly handle: IkeSaHandle }
  | {
      readonly type: 'ike-failed';
      readonly handle: IkeSaHandle;
      /** The Child SAs removed with the IKE SA (no child-removed events for them). */
      readonly children?: readonly InstalledChild[];
    }
  | {
      readonly type: 'ike-closed';
      readonly handle: IkeSaHandle;
      /** The Child SAs removed with the IKE SA (no child-removed events for them). */
      readonly children?: readonly InstalledChild[];
    }
  | { readonly type: 'child-installed'; readonly handle: IkeSaHandle; readonly child: InstalledChild }
  | { readonly type: 'child-removed'; readonly handle: IkeSaHandle; readonly child: InstalledChild }
  | { readonly type: 'ike-rekeyed'; readonly handle: IkeSaHandle; readonly old: IkeSaHandle };
