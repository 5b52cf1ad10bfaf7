/**
 * The IPsec backend: the narrow interface the IKE side uses to install what it negotiated
 * (after strongSwan's kernel_ipsec_t), with parameter objects. Synchronous: every call is
 * processed before it returns and answers with a Result; nothing here throws on bad input.
 *
 *   allocSpi      reserve an inbound SPI for a proposal (4 bytes, RFC 7296 §3.3.1)
 *   addSa         install one direction of a Child SA (keys are copied; wipe yours after)
 *   updateSa      new outer endpoints / encapsulation (NAT detected, MOBIKE)
 *   deleteSa      remove an SA (also releases an SPI reserved by allocSpi and never used)
 *   addPolicy     add an SPD rule; PROTECT rules carry a reqid and the child config to negotiate
 *   deletePolicy  by id or by reqid
 *   acquireFailed IKE could not set up the SA an acquire asked for: drop the held packets
 *   querySa / listSas / listPolicies / hasPolicies / counters   read-only views (list-sas,
 *                 statistics, whether a reqid has policies yet)
 *   events$       out: 'ipsec.acquire' (start IKE), 'ipsec.expire' soft (rekey) / hard (gone)
 *
 * Implementations: ActorIpsecBackend (below, on the SAD/SPD actors and the ESP pipeline) and
 * IpsecBackendDouble (ipsec-backend-double.ts, deterministic, records calls, for IKE tests).
 */
import type { Observable } from 'rxjs';
import type { EncrTransform, IntegTransform } from '../ipsec/crypto/types.js';
import type { TrafficSelector } from '../ipsec/ike/model.js';
import type { LifetimeCause, Lifetimes } from '../ipsec/policy/lifetime.js';
import type { SaDirection, SaEndpoint } from '../ipsec/policy/sad.js';
import type { IpsecMode, Policy, PolicySpec, SaOffer } from '../ipsec/policy/spd.js';
import { err, ok, type Result } from '../ipsec/result.js';
import type { DataPlaneCounters } from './esp-counters.js';
import type { EspPipeline } from './esp-pipeline.js';
import type { SadActor } from './sad.js';
import type { SpdActor } from './spd.js';

export type { SaDirection, SaEndpoint } from '../ipsec/policy/sad.js';
export type { IpsecMode, Policy, PolicyAction, PolicyDirection, SaOffer } from '../ipsec/policy/spd.js';

/** ESP SPIs are 4 octets (RFC 4303 §2.1). */
export const ESP_SPI_LENGTH = 4;

export interface AddSaParams {
  /** 4 bytes: ours (from allocSpi) for 'in', the peer's for 'out'. */
  readonly spi: Uint8Array;
  readonly direction: SaDirection;
  /** Links the SA to its PROTECT policy (> 0). */
  readonly reqid: number;
  readonly mode: IpsecMode;
  /** Cipher and its KEYMAT slice, salt included (RFC 7296 §2.17). */
  readonly encr: { readonly transform: EncrTransform; readonly key: Uint8Array };
  /** Absent for AEAD ciphers. */
  readonly integ?: { readonly transform: IntegTransform; readonly key: Uint8Array };
  /** Extended Sequence Numbers (RFC 4303 §2.2.1). Default false. */
  readonly esn?: boolean;
  /** Inbound anti-replay window in packets (rounded up to a multiple of 32). Default 32. */
  readonly replayWindow?: number;
  /** Sender and receiver of this SA's packets (outbound: us -> peer; inbound: peer -> us). */
  readonly src: SaEndpoint;
  readonly dst: SaEndpoint;
  /** ESP-in-UDP (RFC 3948). Default false. */
  readonly encap?: boolean;
  /** The negotiated selectors from our side (TSi/TSr as we see them). */
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  readonly lifetimes?: Lifetimes;
  /** A name for list-sas, e.g. the child config. */
  readonly label?: string;
}

export interface SaRef {
  readonly spi: Uint8Array;
  readonly direction: SaDirection;
}

export interface UpdateSaParams extends SaRef {
  readonly src?: SaEndpoint;
  readonly dst?: SaEndpoint;
  readonly encap?: boolean;
}

export type AddPolicyParams = PolicySpec;

export type DeletePolicyParams = { readonly id: number } | { readonly reqid: number };

export type BackendErrorCode =
  | 'invalid-params'
  | 'invalid-spi'
  | 'duplicate-spi'
  | 'unknown-sa'
  | 'unknown-policy'
  | 'spi-exhausted';

export interface BackendError {
  readonly code: BackendErrorCode;
  readonly message: string;
}

export const backendError = (code: BackendErrorCode, message: string): { ok: false; error: BackendError } =>
  err({ code, message });

/** One SA as list-sas shows it. Bytes and packets count inner (payload) data. */
export interface SaInfo {
  readonly spi: Uint8Array;
  readonly direction: SaDirection;
  readonly reqid: number;
  readonly mode: IpsecMode;
  readonly src: SaEndpoint;
  readonly dst: SaEndpoint;
  readonly encap: boolean;
  readonly esn: boolean;
  readonly encr: string;
  readonly integ?: string;
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  readonly bytes: number;
  readonly packets: number;
  /** Outbound: last sequence number sent; inbound: highest accepted. */
  readonly seq: number;
  readonly installedAt: number;
  readonly lastUsedAt?: number;
  readonly rekeyRequested: boolean;
  readonly label?: string;
}

/**
 * A PROTECT packet found no SA (RFC 4301 §5.1): negotiate the rule's offer. `localTs` and
 * `remoteTs` describe the packet, to be sent first in TSi/TSr (RFC 7296 §2.9).
 */
export interface AcquireEvent {
  readonly type: 'ipsec.acquire';
  readonly reqid: number;
  readonly policyId: number;
  readonly offer?: SaOffer;
  readonly localTs: TrafficSelector;
  readonly remoteTs: TrafficSelector;
}

/**
 * A lifetime was crossed (RFC 4301 §4.4.2.1). Soft: rekey (reported once per SA). Hard: the
 * SA is already gone from the SAD; send the Delete. 'sequence' = the counter ran out (RFC 4303 §3.3.3).
 */
export interface ExpireEvent {
  readonly type: 'ipsec.expire';
  readonly hard: boolean;
  readonly spi: Uint8Array;
  readonly direction: SaDirection;
  readonly reqid: number;
  readonly cause: LifetimeCause | 'sequence';
}

/**
 * An authenticated ESP-in-UDP packet of inbound SA `spi` came from `remote`, not from the SA's
 * peer endpoint: its NAT mapping changed (RFC 3948; the kernel's XFRM_MSG_MAPPING).
 */
export interface MappingEvent {
  readonly type: 'ipsec.mapping';
  readonly spi: Uint8Array;
  readonly reqid: number;
  readonly remote: SaEndpoint;
}

export type IpsecEvent = AcquireEvent | ExpireEvent | MappingEvent;

export interface IpsecBackend {
  allocSpi(params?: { readonly reqid?: number }): Result<Uint8Array, BackendError>;
  addSa(params: AddSaParams): Result<void, BackendError>;
  updateSa(params: UpdateSaParams): Result<void, BackendError>;
  deleteSa(params: SaRef): Result<void, BackendError>;
  addPolicy(params: AddPolicyParams): Result<{ readonly id: number }, BackendError>;
  deletePolicy(params: DeletePolicyParams): Result<void, BackendError>;
  acquireFailed(params: { readonly reqid: number }): void;
  querySa(params: SaRef): SaInfo | undefined;
  listSas(): readonly SaInfo[];
  listPolicies(): readonly Policy[];
  /** Whether `reqid` has policies installed (O(1): asked on every Child SA install). */
  hasPolicies(reqid: number): boolean;
  counters(): DataPlaneCounters;
  readonly events$: Observable<IpsecEvent>;
}

export function spiToNumber(spi: Uint8Array): number | undefined {
  if (spi.length !== ESP_SPI_LENGTH) return undefined;
  return ((spi[0]! << 24) | (spi[1]! << 16) | (spi[2]! << 8) | spi[3]!) >>> 0;
}

export function spiToBytes(spi: number): Uint8Array {
  return Uint8Array.of(spi >>> 24, (spi >>> 16) & 0xff, (spi >>> 8) & 0xff, spi & 0xff);
}

/** The backend on the SAD and SPD actors, with the ESP pipeline holding acquired packets. */
export class ActorIpsecBackend implements IpsecBackend {
  readonly events$: Observable<IpsecEvent>;

  constructor(
    private readonly sad: SadActor,
    private readonly spd: SpdActor,
    private readonly pipeline: EspPipeline,
  ) {
    this.events$ = pipeline.events$;
  }

  allocSpi(): Result<Uint8Array, BackendError> {
    const spi = this.sad.allocSpi();
    return spi.ok ? ok(spiToBytes(spi.value)) : spi;
  }

  addSa(params: AddSaParams): Result<void, BackendError> {
    const r = this.sad.send({ type: 'sa.install', params });
    return r.ok ? ok(undefined) : r;
  }

  updateSa(params: UpdateSaParams): Result<void, BackendError> {
    const r = this.sad.send({ type: 'sa.update', params });
    return r.ok ? ok(undefined) : r;
  }

  deleteSa(params: SaRef): Result<void, BackendError> {
    const r = this.sad.send({ type: 'sa.delete', params });
    return r.ok ? ok(undefined) : r;
  }

  addPolicy(params: AddPolicyParams): Result<{ readonly id: number }, BackendError> {
    const r = this.spd.send({ type: 'policy.add', params });
    return r.ok ? ok({ id: r.value[0]!.id }) : r;
  }

  deletePolicy(params: DeletePolicyParams): Result<void, BackendError> {
    const r = this.spd.send({ type: 'policy.delete', params });
    return r.ok ? ok(undefined) : r;
  }

  acquireFailed(params: { readonly reqid: number }): void {
    this.pipeline.acquireFailed(params.reqid);
  }

  querySa(params: SaRef): SaInfo | undefined {
    return this.sad.info(params);
  }

  listSas(): readonly SaInfo[] {
    return this.sad.list();
  }

  listPolicies(): readonly Policy[] {
    return this.spd.table.list();
  }

  hasPolicies(reqid: number): boolean {
    return this.spd.table.hasReqid(reqid);
  }

  counters(): DataPlaneCounters {
    return this.pipeline.counters();
  }
}
