/**
 * Data-plane counters: every dropped packet is counted under exactly one reason, and every
 * packet that got through under one outcome. snapshot() gives a copy for queries.
 */

export const DROP_REASONS = [
  // outbound
  'no-policy', // matched no SPD rule (RFC 4301 §5.1: discard)
  'discard-policy', // matched a DISCARD rule
  'queue-full', // PROTECT without SA, the acquire queue of its reqid was full
  'acquire-failed', // held for an acquire that IKE reported failed
  'acquire-timeout', // held for an acquire that did not complete in time
  'sa-expired', // the SA hit a hard limit or ran out of sequence numbers
  'encrypt-failed', // ESP refused the packet (e.g. tunnel mode with a non-IP payload)
  'no-route', // ESP without UDP encapsulation, or a clear packet, and no raw IP link
  'too-big', // may not be fragmented and its ESP packet would exceed the path MTU (an ICMP error went back)
  // inbound
  'no-sa', // unknown SPI (RFC 4303 §3.4.2)
  'replay', // duplicate or left of the window (RFC 4303 §3.4.3)
  'icv', // ICV / AEAD tag did not verify (RFC 4303 §3.4.4)
  'padding', // padding bytes wrong after a valid ICV (RFC 4303 §2.4)
  'dummy', // a TFC dummy packet (RFC 4303 §2.6), discarded by design
  'malformed', // not parseable: datagram, ESP packet or inner packet
  'policy-mismatch', // the inner packet is outside the SA's selectors (RFC 4301 §5.2 step 4)
  'clear-protected', // a clear packet matching a PROTECT rule (RFC 4301 §5.2 step 3a)
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export interface DataPlaneCounters {
  readonly drops: Readonly<Record<DropReason, number>>;
  /** Outbound packets sent in ESP. */
  readonly outProtected: number;
  /** Outbound packets sent in clear (BYPASS). */
  readonly outBypassed: number;
  /** Inbound ESP packets decrypted, checked and delivered. */
  readonly inProtected: number;
  /** Inbound clear packets delivered (BYPASS). */
  readonly inBypassed: number;
  /** Packets held for an acquire, and released when the SA came. */
  readonly queued: number;
  readonly released: number;
  /** NAT-keepalives received (RFC 3948 §2.3), discarded by design. */
  readonly keepalives: number;
  /** IKE datagrams handed on to the IKE side. */
  readonly ike: number;
  /** NAT mapping changes seen on authenticated ESP-in-UDP ('ipsec.mapping' raised). */
  readonly mappings: number;
}

type Totals = Omit<DataPlaneCounters, 'drops'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class Counters {
  readonly #drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  readonly totals: Mutable<Totals> = {
    outProtected: 0,
    outBypassed: 0,
    inProtected: 0,
    inBypassed: 0,
    queued: 0,
    released: 0,
    keepalives: 0,
    ike: 0,
    mappings: 0,
  };

  drop(reason: DropReason, count = 1): void {
    this.#drops[reason] += count;
  }

  get totalDrops(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.#drops[r];
    return n;
  }

  snapshot(): DataPlaneCounters {
    return { drops: { ...this.#drops }, ...this.totals };
  }
}
