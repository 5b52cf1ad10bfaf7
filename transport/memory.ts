/**
 * An in-memory network for tests and simulations: every bound endpoint is a host; datagrams
 * are delivered after a latency on the injected clock, and may be lost, duplicated or
 * reordered according to a seeded random source, so each run reproduces from its seed.
 */
import { Subject } from 'rxjs';
import type { RandomBytes } from '../ipsec/crypto/types.js';
import type { Clock } from '../ipsec/util/clock.js';
import { type Datagram, type Endpoint, endpointKey, type Transport } from './types.js';

export interface MemoryNetworkOptions {
  readonly clock: Clock;
  /** Needed when any impairment is non-zero. */
  readonly random?: RandomBytes;
  readonly latencyMs?: number;
  /** Extra random latency up to this many ms (reorders packets). */
  readonly jitterMs?: number;
  readonly loss?: number;
  readonly duplicate?: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unroutable: number;
}

export class MemoryNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, unroutable: 0 };
  private readonly hosts = new Map<string, Subject<Datagram>>();
  /** Optional tap on every datagram sent (captures, tests). */
  onSend?: (d: Datagram) => void;
  /** Optional filter: return false to drop a datagram (targeted loss in tests). */
  filter?: (d: Datagram) => boolean;

  constructor(private readonly options: MemoryNetworkOptions) {}

  private uniform(): number {
    const r = this.options.random;
    if (!r) return 1;
    const b = r(4);
    return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
  }

  /** A transport bound to the given endpoints (one host may own several, e.g. 500 and 4500). */
  bind(...endpoints: Endpoint[]): Transport {
    const subject = new Subject<Datagram>();
    const keys = endpoints.map(endpointKey);
    for (const k of keys) {
      if (this.hosts.has(k)) throw new Error(`endpoint ${k} already bound`);
      this.hosts.set(k, subject);
    }
    return {
      datagrams$: subject.asObservable(),
      send: (data, from, to) => this.send({ data: data.slice(), local: to, remote: from }),
      close: () => {
        for (const k of keys) this.hosts.delete(k);
        subject.complete();
      },
    };
  }

  private send(d: Datagram): void {
    this.stats.sent++;
    this.onSend?.(d);
    if (this.filter && !this.filter(d)) {
      this.stats.lost++;
      return;
    }
    const { loss = 0, duplicate = 0, latencyMs = 1, jitterMs = 0 } = this.options;
    if (loss > 0 && this.uniform() < loss) {
      this.stats.lost++;
      return;
    }
    const copies = duplicate > 0 && this.uniform() < duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = latencyMs + (jitterMs > 0 ? Math.floor(this.uniform() * jitterMs) : 0);
      this.options.clock.setTimeout(() => this.deliver(d), delay);
    }
  }

  private deliver(d: Datagram): void {
    const host = this.hosts.get(endpointKey(d.local));
    if (!host) {
      this.stats.unroutable++;
      return;
    }
    this.stats.delivered++;
    host.next(d);
  }
}
