/**
 * SA lifetimes (RFC 4301 §4.4.2.1 "Lifetime of this SA"): a soft and a hard limit, each by
 * time, bytes and packets, "the first lifetime to expire taking precedence". Crossing the
 * soft limit asks for a rekey (once); crossing the hard limit ends the SA (once).
 *
 * The tracker does not count: it evaluates usage counters kept elsewhere (the ESP SA's
 * `lifetime`, counted per packet by ipsec/esp) and the SA's age on the injected clock.
 * A limit is reached when usage >= limit, so a hard limit of N packets lets exactly N
 * packets through. Times are milliseconds on the Clock; limits are given in seconds
 * (swanctl units). 0 or absent means no limit.
 */

export interface LifetimeLimit {
  readonly seconds?: number;
  readonly bytes?: number;
  readonly packets?: number;
}

export interface Lifetimes {
  /** Rekey trigger (swanctl rekey_time/rekey_bytes/rekey_packets, less the random jitter). */
  readonly soft?: LifetimeLimit;
  /** End of the SA (swanctl life_time/life_bytes/life_packets). */
  readonly hard?: LifetimeLimit;
}

export interface LifetimeUsage {
  readonly bytes: number;
  readonly packets: number;
}

export type LifetimeKind = 'soft' | 'hard';
export type LifetimeCause = 'time' | 'bytes' | 'packets';

export interface LifetimeCrossing {
  readonly kind: LifetimeKind;
  readonly cause: LifetimeCause;
}

const MS_PER_SECOND = 1000;

const limited = (v: number | undefined): v is number => v !== undefined && v > 0;

/** Which limit of `limit` is reached by `usage` at age `ageMs`, time first. */
function reached(
  limit: LifetimeLimit | undefined,
  usage: LifetimeUsage,
  ageMs: number,
): LifetimeCause | undefined {
  if (!limit) return undefined;
  if (limited(limit.seconds) && ageMs >= limit.seconds * MS_PER_SECOND) return 'time';
  if (limited(limit.bytes) && usage.bytes >= limit.bytes) return 'bytes';
  if (limited(limit.packets) && usage.packets >= limit.packets) return 'packets';
  return undefined;
}

export function isValidLifetimes(l: Lifetimes): boolean {
  const ok = (v: number | undefined) => v === undefined || (Number.isFinite(v) && v >= 0);
  return [l.soft, l.hard].every((x) => !x || (ok(x.seconds) && ok(x.bytes) && ok(x.packets)));
}

export class LifetimeTracker {
  #soft = false;
  #hard = false;

  constructor(
    readonly limits: Lifetimes,
    /** Clock time (ms) the SA was installed. */
    readonly addedAt: number,
  ) {}

  get softExpired(): boolean {
    return this.#soft;
  }

  get hardExpired(): boolean {
    return this.#hard;
  }

  /**
   * The crossing that happened since the last call, each kind reported once: 'hard' ends the
   * SA (and suppresses a later 'soft'); 'soft' is reported only while the SA is alive.
   */
  check(usage: LifetimeUsage, now: number): LifetimeCrossing | undefined {
    if (this.#hard) return undefined;
    const age = now - this.addedAt;
    const hard = reached(this.limits.hard, usage, age);
    if (hard) {
      this.#hard = true;
      this.#soft = true;
      return { kind: 'hard', cause: hard };
    }
    if (this.#soft) return undefined;
    const soft = reached(this.limits.soft, usage, age);
    if (!soft) return undefined;
    this.#soft = true;
    return { kind: 'soft', cause: soft };
  }

  /** Clock time (ms) at which the next unreported time limit falls due, if any. */
  nextDeadline(): number | undefined {
    if (this.#hard) return undefined;
    const soft = this.limits.soft?.seconds;
    const hard = this.limits.hard?.seconds;
    const softAt =
      !this.#soft && limited(soft) ? this.addedAt + soft * MS_PER_SECOND : Number.POSITIVE_INFINITY;
    const hardAt = limited(hard) ? this.addedAt + hard * MS_PER_SECOND : Number.POSITIVE_INFINITY;
    const at = Math.min(softAt, hardAt);
    return at === Number.POSITIVE_INFINITY ? undefined : at;
  }
}
