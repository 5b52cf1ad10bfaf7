/**
 * IKE messages in and out per exchange type, as strongSwan's counters plugin counts them
 * (counters_listener.c: ike-init-in-req ... info-out-resp), globally and per connection name.
 *
 * Counted on the wire, from the plaintext IKE header (RFC 7296 §3.1: exchange type, R flag,
 * Message ID): outbound where an IKE SA transmits, inbound where the router hands a datagram to
 * an IKE SA. A message counts once: its retransmissions and its other fragments (RFC 7383: the
 * same Message ID) do not. Deviation from charon, which counts decrypted messages: an inbound
 * message is counted before its integrity is checked by the IKE SA.
 */
import { ExchangeType } from '../ipsec/ike/wire/constants.js';

type Exchange = 'ike-init' | 'ike-auth' | 'create-child' | 'info';
export type IkeMessageCounterName = `${Exchange}-${'in' | 'out'}-${'req' | 'resp'}`;
export type IkeMessageCounts = Record<IkeMessageCounterName, number>;

const EXCHANGES: Readonly<Record<number, Exchange>> = {
  [ExchangeType.IKE_SA_INIT]: 'ike-init',
  [ExchangeType.IKE_AUTH]: 'ike-auth',
  [ExchangeType.CREATE_CHILD_SA]: 'create-child',
  [ExchangeType.INFORMATIONAL]: 'info',
};

export const IKE_MESSAGE_COUNTER_NAMES: readonly IkeMessageCounterName[] = Object.values(EXCHANGES).flatMap(
  (x) => (['in', 'out'] as const).flatMap((d) => [`${x}-${d}-req` as const, `${x}-${d}-resp` as const]),
);

/** The counter names of each exchange by slot (in-req, in-resp, out-req, out-resp): no strings built per message. */
const SLOT_NAMES: Readonly<Record<number, readonly IkeMessageCounterName[]>> = Object.fromEntries(
  Object.entries(EXCHANGES).map(([type, x]) => [
    type,
    [`${x}-in-req`, `${x}-in-resp`, `${x}-out-req`, `${x}-out-resp`] as IkeMessageCounterName[],
  ]),
);

export const zeroMessageCounts = (): IkeMessageCounts =>
  Object.fromEntries(IKE_MESSAGE_COUNTER_NAMES.map((n) => [n, 0])) as IkeMessageCounts;

/** The IKE header fields counted (RFC 7296 §3.1). */
export interface CountedHeader {
  readonly exchangeType: number;
  readonly response: boolean;
  readonly messageId: number;
}

/** The header of an encoded IKE message (or fragment), without the non-ESP marker; undefined if too short. */
export function countedHeader(bytes: Uint8Array): CountedHeader | undefined {
  if (bytes.length < 28) return undefined;
  const mid = ((bytes[20]! << 24) | (bytes[21]! << 16) | (bytes[22]! << 8) | bytes[23]!) >>> 0;
  return { exchangeType: bytes[18]!, response: (bytes[19]! & 0x20) !== 0, messageId: mid };
}

export class IkeMessageCounters {
  private readonly all = zeroMessageCounts();
  private readonly byName = new Map<string, IkeMessageCounts>();
  /** Per IKE SA: the last Message ID counted in each direction and kind (in-req, in-resp, out-req, out-resp). */
  private readonly last = new WeakMap<object, number[]>();

  /** One IKE message (or fragment, or retransmission) of IKE SA `sa`, named `name`. */
  count(sa: object, name: string, header: CountedHeader, incoming: boolean): void {
    const names = SLOT_NAMES[header.exchangeType];
    if (names === undefined) return;
    let last = this.last.get(sa);
    if (!last) {
      last = [-1, -1, -1, -1];
      this.last.set(sa, last);
    }
    const slot = (incoming ? 0 : 2) + (header.response ? 1 : 0);
    if (last[slot] === header.messageId) return; // retransmitted, or another fragment
    last[slot] = header.messageId;
    const key = names[slot]!;
    this.all[key]++;
    let c = this.byName.get(name);
    if (!c) {
      c = zeroMessageCounts();
      this.byName.set(name, c);
    }
    c[key]++;
  }

  /** Every message counted so far. */
  totals(): Readonly<IkeMessageCounts> {
    return this.all;
  }

  /** Those of connection `name` (undefined if none was counted). */
  of(name: string): Readonly<IkeMessageCounts> | undefined {
    return this.byName.get(name);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }
}
