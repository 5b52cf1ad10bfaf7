/**
 * DoS protection for new IKE SAs, with strongSwan's knobs (strongswan.conf charon.*):
 * - cookie_threshold: half-open IKE SAs in total at which COOKIEs are demanded (RFC 7296 §2.6);
 * - cookie_threshold_ip: half-open IKE SAs from one peer IP at which COOKIEs are demanded;
 * - block_threshold: half-open IKE SAs from one peer IP at which further IKE_SA_INITs are dropped;
 * - half_open_limit: half-open IKE SAs in total at which further IKE_SA_INITs are dropped (0 = none);
 * - half_open_timeout: seconds a half-open SA may live (enforced by the supervisor).
 * A threshold of 0 disables that check.
 */
import type { DaemonConfig } from '../ipsec/config/model.js';

export interface DosThresholds {
  readonly cookie_threshold: number;
  readonly cookie_threshold_ip: number;
  readonly block_threshold: number;
  readonly half_open_limit: number;
}

/** The thresholds a daemon configuration sets (init_limit_half_open is half_open_limit). */
export const dosThresholds = (d: DaemonConfig): DosThresholds => ({
  cookie_threshold: d.cookie_threshold,
  cookie_threshold_ip: d.cookie_threshold_ip,
  block_threshold: d.block_threshold,
  half_open_limit: d.init_limit_half_open,
});

export type AdmitDecision = 'accept' | 'require-cookie' | 'drop';

export interface DosCounters {
  accepted: number;
  cookiesSent: number;
  dropped: number;
}

export class DosGuard {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  readonly counters: DosCounters = { accepted: 0, cookiesSent: 0, dropped: 0 };

  constructor(private readonly thresholds: DosThresholds) {}

  get halfOpen(): number {
    return this.total;
  }

  halfOpenFrom(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  /** Decides on an IKE_SA_INIT request from `ip`; `cookieValid` = it carried a cookie we issued. */
  admit(ip: string, cookieValid: boolean): AdmitDecision {
    const t = this.thresholds;
    const fromIp = this.halfOpenFrom(ip);
    if (
      (t.block_threshold > 0 && fromIp >= t.block_threshold) ||
      (t.half_open_limit > 0 && this.total >= t.half_open_limit)
    ) {
      this.counters.dropped++;
      return 'drop';
    }
    const wantCookie =
      (t.cookie_threshold > 0 && this.total >= t.cookie_threshold) ||
      (t.cookie_threshold_ip > 0 && fromIp >= t.cookie_threshold_ip);
    if (wantCookie && !cookieValid) {
      this.counters.cookiesSent++;
      return 'require-cookie';
    }
    this.counters.accepted++;
    return 'accept';
  }

  /** A responder IKE SA from `ip` became half-open (IKE_SA_INIT answered). */
  opened(ip: string): void {
    this.total++;
    this.perIp.set(ip, this.halfOpenFrom(ip) + 1);
  }

  /** That SA completed IKE_AUTH, failed, or timed out. Call exactly once per opened(). */
  closed(ip: string): void {
    const n = this.halfOpenFrom(ip);
    if (n <= 0) return;
    this.total--;
    if (n === 1) this.perIp.delete(ip);
    else this.perIp.set(ip, n - 1);
  }
}
