/**
 * DIR/report.json and the summary table: per mote (establishment, handshake time, bytes and
 * frames on air per exchange, retransmissions at both layers, readings, radio-on time), the
 * gateway, the whole air, and the comparison with the seed's message sizes. Pure.
 */
import type { RadioNodeStats } from '../../transport/radio/types.js';
import type { AirAccounts, AirTally } from './accounts.js';
import { type Category, IKE_CATEGORIES } from './classify.js';
import type { SimOptions } from './sim-options.js';

export interface ExchangeCost {
  readonly exchange: Category;
  /** IKE messages sent, both directions, retransmissions included. */
  readonly messages: number;
  /** Their IKE octets. */
  readonly ikeBytes: number;
  /** Frames (data and ACK) on the air for them, every hop. */
  readonly frames: number;
  /** Their PPDU octets on the air. */
  readonly bytesOnAir: number;
  readonly airMs: number;
}

export interface MoteReport {
  readonly id: number;
  readonly address: string;
  readonly hops: number;
  readonly established: boolean;
  /** From initiation to the first Child SA, ms (the last boot's; null if never). */
  readonly handshakeMs: number | null;
  /** Airtime of the handshake's frames (IKE_SA_INIT + IKE_AUTH, every hop), ms. */
  readonly handshakeAirMs: number;
  /** Everything on the air on this mote's behalf (both directions, every hop, ACKs), PPDU octets. */
  readonly bytesOnAir: number;
  readonly frames: number;
  /** What this mote's own radio sent (its traffic, forwarding for others, ACKs). */
  readonly bytesTransmitted: number;
  readonly framesTransmitted: number;
  readonly exchanges: readonly ExchangeCost[];
  readonly esp: { readonly frames: number; readonly bytesOnAir: number };
  /** IKE messages this mote sent again (identical octets). */
  readonly ikeRetransmissions: number;
  /** 802.15.4 retransmissions by this mote's MAC. */
  readonly linkRetries: number;
  readonly readingsSent: number;
  readonly readingsDelivered: number;
  readonly readingRetransmissions: number;
  readonly radioOnMs: number;
  readonly boots: number;
}

export interface GatewayReport {
  readonly id: number;
  readonly address: string;
  readonly ikeSasEstablished: number;
  readonly childSasInstalled: number;
  readonly ikeRetransmissions: number;
  readonly bytesTransmitted: number;
  readonly framesTransmitted: number;
  readonly linkRetries: number;
  readonly readingsDelivered: number;
  readonly duplicateReadings: number;
  readonly radioOnMs: number;
  readonly boots: number;
}

export interface SeedComparison {
  /** The seed's message sizes (IKE octets) and what they cost on this radio, loss-free, one hop. */
  readonly seed: readonly {
    readonly message: string;
    readonly ikeBytes: number;
    readonly bytesOnAir: number;
    readonly frames: number;
  }[];
  /** Our handshake on the same terms: the median over the motes one hop from the gateway. */
  readonly ours: readonly {
    readonly message: string;
    readonly ikeBytes: number;
    readonly bytesOnAir: number;
    readonly frames: number;
  }[];
  readonly seedHandshakeBytesOnAir: number;
  readonly oursHandshakeBytesOnAir: number;
}

export interface SimReport {
  readonly seed: string;
  readonly options: Omit<SimOptions, 'seed'>;
  /** True when every mote established and every reading taken was delivered. */
  readonly ok: boolean;
  readonly durationMs: number;
  /** When the run ended: readings in flight at `durationMs` are given time to arrive. */
  readonly endedAtMs: number;
  readonly motes: readonly MoteReport[];
  readonly gateway: GatewayReport;
  readonly air: {
    readonly frames: number;
    readonly bytes: number;
    readonly collisions: number;
    readonly noAck: number;
    readonly channelAccessFailures: number;
    readonly duplicatesDropped: number;
  };
  readonly exchanges: readonly ExchangeCost[];
  readonly seedComparison?: SeedComparison;
}

export function exchangeCosts(
  air: ReadonlyMap<Category, AirTally>,
  ike: ReadonlyMap<Category, { messages: number; ikeBytes: number }>,
): ExchangeCost[] {
  return IKE_CATEGORIES.filter((c) => air.has(c) || ike.has(c)).map((exchange) => {
    const a = air.get(exchange);
    const i = ike.get(exchange);
    return {
      exchange,
      messages: i?.messages ?? 0,
      ikeBytes: i?.ikeBytes ?? 0,
      frames: a?.frames ?? 0,
      bytesOnAir: a?.bytes ?? 0,
      airMs: round(a?.airMs ?? 0),
    };
  });
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Sums exchange costs over motes. */
export function sumExchanges(lists: readonly (readonly ExchangeCost[])[]): ExchangeCost[] {
  const by = new Map<Category, ExchangeCost>();
  for (const list of lists)
    for (const e of list) {
      const s = by.get(e.exchange);
      by.set(
        e.exchange,
        s
          ? {
              exchange: e.exchange,
              messages: s.messages + e.messages,
              ikeBytes: s.ikeBytes + e.ikeBytes,
              frames: s.frames + e.frames,
              bytesOnAir: s.bytesOnAir + e.bytesOnAir,
              airMs: round(s.airMs + e.airMs),
            }
          : e,
      );
    }
  return IKE_CATEGORIES.filter((c) => by.has(c)).map((c) => by.get(c)!);
}

export interface MoteFacts {
  readonly id: number;
  readonly address: string;
  readonly hops: number;
  readonly established: boolean;
  readonly handshakeMs: number | null;
  readonly radio: RadioNodeStats;
  readonly ikeRetransmissions: number;
  readonly readingsSent: number;
  readonly readingsDelivered: number;
  readonly readingRetransmissions: number;
  readonly boots: number;
}

export function moteReport(f: MoteFacts, accounts: AirAccounts): MoteReport {
  const air = accounts.of(f.id);
  const sum = accounts.sumOf(f.id);
  const handshakeAir = (air.get('IKE_SA_INIT')?.airMs ?? 0) + (air.get('IKE_AUTH')?.airMs ?? 0);
  const esp = air.get('ESP');
  return {
    id: f.id,
    address: f.address,
    hops: f.hops,
    established: f.established,
    handshakeMs: f.handshakeMs === null ? null : round(f.handshakeMs),
    handshakeAirMs: round(handshakeAir),
    bytesOnAir: sum.bytes,
    frames: sum.frames,
    bytesTransmitted: f.radio.bytesSent + f.radio.ackBytesSent,
    framesTransmitted: f.radio.framesSent + f.radio.acksSent,
    exchanges: exchangeCosts(air, accounts.ikeOf(f.id)),
    esp: { frames: esp?.frames ?? 0, bytesOnAir: esp?.bytes ?? 0 },
    ikeRetransmissions: f.ikeRetransmissions,
    linkRetries: f.radio.retries,
    readingsSent: f.readingsSent,
    readingsDelivered: f.readingsDelivered,
    readingRetransmissions: f.readingRetransmissions,
    radioOnMs: round(f.radio.radioOnMs),
    boots: f.boots,
  };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** A text table: the first column left-aligned, the others right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: readonly (string | number)[]) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : pad(c, widths[i]!))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

export function formatSummary(r: SimReport): string {
  const o = r.options;
  const established = r.motes.filter((m) => m.established).length;
  const sent = r.motes.reduce((s, m) => s + m.readingsSent, 0);
  const delivered = r.motes.reduce((s, m) => s + m.readingsDelivered, 0);
  const out: string[] = [
    `sim: ${r.motes.length} motes, ${o.topology}, loss ${o.loss}, suite ${o.suite}, fragmentation ${o.fragmentation}, seed ${r.seed}, ${r.durationMs / 1000} s`,
    `established ${established}/${r.motes.length}; readings delivered ${delivered}/${sent}; air ${r.air.frames} frames, ${r.air.bytes} octets, ${r.air.collisions} collisions`,
    '',
    table(
      [
        'mote',
        'hops',
        'up',
        'handshake ms',
        'air octets',
        'frames',
        'IKE retx',
        'link retries',
        'readings',
        'radio-on ms',
      ],
      r.motes.map((m) => [
        `${m.id}`,
        m.hops,
        m.established ? 'yes' : 'NO',
        m.handshakeMs === null ? '-' : Math.round(m.handshakeMs),
        m.bytesOnAir,
        m.frames,
        m.ikeRetransmissions,
        m.linkRetries,
        `${m.readingsDelivered}/${m.readingsSent}`,
        Math.round(m.radioOnMs),
      ]),
    ),
    table(
      ['exchange (all motes)', 'messages', 'IKE octets', 'frames', 'air octets', 'air ms'],
      r.exchanges.map((e) => [
        e.exchange,
        e.messages,
        e.ikeBytes,
        e.frames,
        e.bytesOnAir,
        Math.round(e.airMs),
      ]),
    ),
  ];
  if (r.seedComparison) {
    const c = r.seedComparison;
    out.push(
      table(
        [
          'message (one hop, no loss)',
          'seed IKE octets',
          'seed air octets',
          'our IKE octets',
          'our air octets',
        ],
        c.seed.map((s, i) => [
          s.message,
          s.ikeBytes,
          s.bytesOnAir,
          c.ours[i]?.ikeBytes ?? '-',
          c.ours[i]?.bytesOnAir ?? '-',
        ]),
      ),
      `handshake on air: seed ${c.seedHandshakeBytesOnAir} octets, ours ${c.oursHandshakeBytesOnAir} octets\n`,
    );
  }
  return `${out.join('\n')}`;
}
