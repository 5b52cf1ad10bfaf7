/**
 * The injected clock. Compatible with XState's `clock` actor option (setTimeout/clearTimeout),
 * plus `now()` in milliseconds. Production: `systemClock`; tests: `VirtualClock`, which only
 * moves when told to, so two peers run in one process on simulated time.
 */
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: (...args: unknown[]) => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn: () => fn() });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Number of pending timers (for leak tests). */
  get pending(): number {
    return this.timers.size;
  }

  private next(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }

  /** Advances time by `ms`, firing due timers in order (timers set while firing run too if due). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (let t = this.next(target); t; t = this.next(target)) {
      this.timers.delete(t.id);
      this.time = t.at;
      t.fn();
    }
    this.time = target;
  }

  /** Fires timers until none is due within `maxMs` from now; returns the time advanced. */
  runUntilIdle(maxMs = 24 * 3600_000): number {
    const start = this.time;
    const limit = start + maxMs;
    for (let t = this.next(limit); t; t = this.next(limit)) {
      this.timers.delete(t.id);
      this.time = t.at;
      t.fn();
    }
    return this.time - start;
  }
}
