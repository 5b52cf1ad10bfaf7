/**
 * A deterministic IpsecBackend for IKE tests: SPIs 1, 2, 3, ... as 4-byte big-endian values,
 * policy ids 1, 2, 3, ..., every call recorded in order, failed ones too (keys copied, so the
 * caller may wipe its own; a failed allocSpi records an empty SPI, a failed addPolicy id 0), SAs and policies kept so queries answer, and events injected with emit().
 * It checks what a real backend would refuse (duplicate or unknown SAs and policies) and
 * can be told to fail the next call of a method. No crypto, no clock, no packets.
 */
import { type Observable, Subject } from 'rxjs';
import type { Policy } from '../ipsec/policy/spd.js';
import { ok, type Result } from '../ipsec/result.js';
import { toHex } from '../ipsec/util/bytes.js';
import { Counters, type DataPlaneCounters } from './esp-counters.js';
import {
  type AddPolicyParams,
  type AddSaParams,
  type BackendError,
  backendError,
  type DeletePolicyParams,
  type IpsecBackend,
  type IpsecEvent,
  type SaInfo,
  type SaRef,
  spiToBytes,
  type UpdateSaParams,
} from './ipsec-backend.js';

export type BackendCall =
  | { readonly method: 'allocSpi'; readonly params: { readonly reqid?: number }; readonly spi: Uint8Array }
  | { readonly method: 'addSa'; readonly params: AddSaParams }
  | { readonly method: 'updateSa'; readonly params: UpdateSaParams }
  | { readonly method: 'deleteSa'; readonly params: SaRef }
  | { readonly method: 'addPolicy'; readonly params: AddPolicyParams; readonly id: number }
  | { readonly method: 'deletePolicy'; readonly params: DeletePolicyParams }
  | { readonly method: 'acquireFailed'; readonly params: { readonly reqid: number } };

export type BackendMethod = BackendCall['method'];
export type CallParams<M extends BackendMethod> = Extract<BackendCall, { method: M }>['params'];

const saKey = (ref: SaRef): string => `${ref.direction}:${toHex(ref.spi)}`;

function copySaParams(p: AddSaParams): AddSaParams {
  return {
    ...p,
    spi: p.spi.slice(),
    encr: { transform: p.encr.transform, key: p.encr.key.slice() },
    ...(p.integ ? { integ: { transform: p.integ.transform, key: p.integ.key.slice() } } : {}),
  };
}

export class IpsecBackendDouble implements IpsecBackend {
  readonly calls: BackendCall[] = [];
  readonly #events = new Subject<IpsecEvent>();
  readonly events$: Observable<IpsecEvent> = this.#events.asObservable();
  readonly #sas = new Map<string, AddSaParams>();
  readonly #policies = new Map<number, Policy>();
  readonly #failures = new Map<BackendMethod, BackendError>();
  #nextSpi: number;
  #nextPolicyId = 1;

  constructor(firstSpi = 1) {
    this.#nextSpi = firstSpi;
  }

  /** The params of every recorded call of `method`, in order. */
  callsOf<M extends BackendMethod>(method: M): CallParams<M>[] {
    const out: CallParams<M>[] = [];
    for (const c of this.calls) if (c.method === method) out.push(c.params as CallParams<M>);
    return out;
  }

  /** Makes the next call of `method` fail with `error` (acquireFailed cannot fail). */
  failNext(method: Exclude<BackendMethod, 'acquireFailed'>, error: BackendError): void {
    this.#failures.set(method, error);
  }

  /** Delivers an acquire or expire event to the IKE side, as the data plane would. */
  emit(event: IpsecEvent): void {
    this.#events.next(event);
  }

  #failure(method: BackendMethod): { ok: false; error: BackendError } | undefined {
    const error = this.#failures.get(method);
    if (!error) return undefined;
    this.#failures.delete(method);
    return { ok: false, error };
  }

  allocSpi(params: { readonly reqid?: number } = {}): Result<Uint8Array, BackendError> {
    const failed = this.#failure('allocSpi');
    if (failed) {
      this.calls.push({ method: 'allocSpi', params, spi: new Uint8Array(0) });
      return failed;
    }
    const spi = spiToBytes(this.#nextSpi++);
    this.calls.push({ method: 'allocSpi', params, spi: spi.slice() });
    return ok(spi);
  }

  addSa(params: AddSaParams): Result<void, BackendError> {
    const copy = copySaParams(params);
    this.calls.push({ method: 'addSa', params: copy });
    const failed = this.#failure('addSa');
    if (failed) return failed;
    if (params.spi.length !== 4) return backendError('invalid-spi', 'SPI must be 4 bytes');
    const key = saKey(params);
    if (this.#sas.has(key)) return backendError('duplicate-spi', `SA ${key} exists`);
    this.#sas.set(key, copy);
    return ok(undefined);
  }

  updateSa(params: UpdateSaParams): Result<void, BackendError> {
    this.calls.push({ method: 'updateSa', params });
    const failed = this.#failure('updateSa');
    if (failed) return failed;
    const key = saKey(params);
    const sa = this.#sas.get(key);
    if (!sa) return backendError('unknown-sa', `no SA ${key}`);
    this.#sas.set(key, {
      ...sa,
      src: params.src ?? sa.src,
      dst: params.dst ?? sa.dst,
      encap: params.encap ?? sa.encap ?? false,
    });
    return ok(undefined);
  }

  deleteSa(params: SaRef): Result<void, BackendError> {
    this.calls.push({ method: 'deleteSa', params });
    const failed = this.#failure('deleteSa');
    if (failed) return failed;
    return this.#sas.delete(saKey(params))
      ? ok(undefined)
      : backendError('unknown-sa', `no SA ${saKey(params)}`);
  }

  addPolicy(params: AddPolicyParams): Result<{ readonly id: number }, BackendError> {
    const failed = this.#failure('addPolicy');
    if (failed) {
      this.calls.push({ method: 'addPolicy', params, id: 0 });
      return failed;
    }
    const id = this.#nextPolicyId++;
    this.calls.push({ method: 'addPolicy', params, id });
    this.#policies.set(id, { ...params, id, priority: params.priority ?? 0 });
    return ok({ id });
  }

  deletePolicy(params: DeletePolicyParams): Result<void, BackendError> {
    this.calls.push({ method: 'deletePolicy', params });
    const failed = this.#failure('deletePolicy');
    if (failed) return failed;
    const ids =
      'id' in params
        ? [params.id].filter((id) => this.#policies.has(id))
        : [...this.#policies.values()].filter((p) => p.reqid === params.reqid).map((p) => p.id);
    if (ids.length === 0) return backendError('unknown-policy', 'no such policy');
    for (const id of ids) this.#policies.delete(id);
    return ok(undefined);
  }

  acquireFailed(params: { readonly reqid: number }): void {
    this.calls.push({ method: 'acquireFailed', params });
  }

  querySa(params: SaRef): SaInfo | undefined {
    const sa = this.#sas.get(saKey(params));
    return sa && toInfo(sa);
  }

  listSas(): readonly SaInfo[] {
    return [...this.#sas.values()].map(toInfo);
  }

  listPolicies(): readonly Policy[] {
    return [...this.#policies.values()];
  }

  hasPolicies(reqid: number): boolean {
    for (const p of this.#policies.values()) if (p.reqid === reqid) return true;
    return false;
  }

  counters(): DataPlaneCounters {
    return new Counters().snapshot(); // no data plane: all zero
  }
}

function toInfo(p: AddSaParams): SaInfo {
  return {
    spi: p.spi.slice(),
    direction: p.direction,
    reqid: p.reqid,
    mode: p.mode,
    src: p.src,
    dst: p.dst,
    encap: p.encap ?? false,
    esn: p.esn ?? false,
    encr: p.encr.transform.name,
    ...(p.integ ? { integ: p.integ.transform.name } : {}),
    localTs: p.localTs,
    remoteTs: p.remoteTs,
    bytes: 0,
    packets: 0,
    seq: 0,
    installedAt: 0,
    rekeyRequested: false,
    ...(p.label !== undefined ? { label: p.label } : {}),
  };
}
