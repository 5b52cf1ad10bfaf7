/**
 * Pending acquires (RFC 4301 §5.1 step 3a: a PROTECT packet without SA triggers the key
 * management protocol): one 'ipsec.acquire' per reqid while it is pending, and a small
 * bounded queue of the packets that raised it. The queue is released when an outbound SA of
 * that reqid is installed, and dropped (counted) when it overflows, when IKE reports the
 * acquire failed, or when it times out on the injected clock.
 */
import type { Flow } from '../ipsec/packet/flow.js';
import { packetSelectors } from '../ipsec/policy/selector.js';
import type { Policy } from '../ipsec/policy/spd.js';
import type { Clock, TimerHandle } from '../ipsec/util/clock.js';
import type { DropReason } from './esp-counters.js';
import type { AcquireEvent } from './ipsec-backend.js';

/** Implementation choices, after Linux's XFRM (acquire expiry 30 s, a short per-policy queue). */
export const DEFAULT_ACQUIRE_QUEUE_LIMIT = 16;
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 30_000;

export interface AcquireOptions {
  readonly clock: Clock;
  readonly queueLimit?: number;
  readonly timeoutMs?: number;
  readonly raise: (event: AcquireEvent) => void;
  readonly drop: (reason: DropReason, count: number) => void;
}

interface Pending {
  readonly queue: Uint8Array[];
  readonly timer: TimerHandle;
}

export type HoldResult = 'queued' | 'queue-full';

export class AcquireTable {
  readonly #pending = new Map<number, Pending>();
  readonly #limit: number;
  readonly #timeoutMs: number;

  constructor(private readonly options: AcquireOptions) {
    this.#limit = options.queueLimit ?? DEFAULT_ACQUIRE_QUEUE_LIMIT;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  }

  isPending(reqid: number): boolean {
    return this.#pending.has(reqid);
  }

  queued(reqid: number): number {
    return this.#pending.get(reqid)?.queue.length ?? 0;
  }

  /** Holds `packet` for the PROTECT `policy`; raises the acquire if none is pending for its reqid. */
  hold(policy: Policy, flow: Flow, packet: Uint8Array): HoldResult {
    const reqid = policy.reqid!;
    const pending = this.#pending.get(reqid);
    if (pending) {
      if (pending.queue.length >= this.#limit) return 'queue-full';
      pending.queue.push(packet);
      return 'queued';
    }
    const timer = this.options.clock.setTimeout(() => this.#end(reqid, 'acquire-timeout'), this.#timeoutMs);
    this.#pending.set(reqid, { queue: this.#limit > 0 ? [packet] : [], timer });
    const { local, remote } = packetSelectors(flow);
    // Queue first, then raise: the handler may install the SA synchronously and release it.
    this.options.raise({
      type: 'ipsec.acquire',
      reqid,
      policyId: policy.id,
      ...(policy.offer ? { offer: policy.offer } : {}),
      localTs: local,
      remoteTs: remote,
    });
    return this.#limit > 0 ? 'queued' : 'queue-full';
  }

  /** The SA came: ends the acquire and hands back the held packets, oldest first. */
  release(reqid: number): Uint8Array[] {
    const pending = this.#pending.get(reqid);
    if (!pending) return [];
    this.#pending.delete(reqid);
    this.options.clock.clearTimeout(pending.timer);
    return pending.queue;
  }

  /** IKE gave up: drops the held packets. */
  fail(reqid: number): void {
    this.#end(reqid, 'acquire-failed');
  }

  #end(reqid: number, reason: DropReason): void {
    const pending = this.#pending.get(reqid);
    if (!pending) return;
    this.#pending.delete(reqid);
    this.options.clock.clearTimeout(pending.timer);
    if (pending.queue.length > 0) this.options.drop(reason, pending.queue.length);
  }
}
