/**
 * What became of one inbound IKE datagram, for the inspector's `ike.drop` events: the counters
 * that can move when the router, the DoS guard or an IKE SA drops it (the supervisor's malformed
 * / unknown-SPI / DoS counts, the SA's dropped count and its RFC 7383 fragment drops), read
 * before the router handles the datagram and compared after.
 */
import type { IkeHeader } from '../../ipsec/ike/wire/header.js';
import type { Result } from '../../ipsec/result.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { fragmentCounters } from '../ike-fragment-counters.js';
import type { IkeSaHandle, SupervisorCounters } from '../supervisor-types.js';

export interface InboundDrop {
  readonly reason: string;
  readonly detail?: string;
}

/** The datagram as the inspector decoded it: its header, or why it could not. */
export type InboundDecoded = Result<{ readonly header: IkeHeader }, { readonly message: string }>;

/**
 * Reads the counters now; the function it returns lists the drops since, given `opaque`, what
 * describing the message could not open (describeIkeMessage: 'integrity' for a failed ICV).
 */
export function watchDrops(
  c: SupervisorCounters,
  handle: IkeSaHandle | undefined,
  d: InboundDecoded,
  opaque: string | undefined,
): () => InboundDrop[] {
  const before = { malformed: c.malformed, unknownSpi: c.unknownSpi, dos: c.dosDropped };
  const dropped = handle?.actor.getSnapshot().context.stats.dropped ?? 0;
  const fragments = handle ? { ...fragmentCounters(handle).dropped } : undefined;
  return () => {
    const drops: InboundDrop[] = [];
    if (c.malformed > before.malformed)
      drops.push({ reason: 'malformed', ...(!d.ok ? { detail: d.error.message } : {}) });
    if (c.unknownSpi > before.unknownSpi)
      drops.push({
        reason: 'unknown-spi',
        ...(d.ok ? { detail: `SPIs ${toHex(d.value.header.spiI)}/${toHex(d.value.header.spiR)}` } : {}),
      });
    if (c.dosDropped > before.dos) drops.push({ reason: 'dos' });
    if (handle) {
      if (handle.actor.getSnapshot().context.stats.dropped > dropped)
        drops.push({
          reason: opaque === 'integrity' ? 'integrity' : 'rejected',
          ...(opaque ? { detail: opaque } : {}),
        });
      const now = fragmentCounters(handle).dropped;
      for (const [reason, n] of Object.entries(now))
        if (n > (fragments?.[reason as keyof typeof now] ?? 0)) drops.push({ reason: `fragment:${reason}` });
    }
    return drops;
  };
}
