/**
 * What a datagram on the mesh carries, for the accounts of the simulator: the IKE exchange
 * (from the IKE header, RFC 7296 §3.1), ESP, or something else; and which mote it belongs to
 * (the end that is not the gateway). The radio transport labels every frame of the datagram
 * with the result (`tagOf`), so the frames' bytes on air can be summed per mote and exchange.
 *
 * Tag: `<mote short address>|<category>[|i|r]`, e.g. `2|IKE_AUTH|i` (a request: the I
 * direction), `2|IKE_AUTH|r` (a response), `17|ESP`.
 */
import { classifyNatTDatagram } from '../../ipsec/esp/udp-encap.js';
import { ExchangeType } from '../../ipsec/ike/wire/constants.js';
import { parseIpv6 } from '../../ipsec/packet/address.js';
import type { AirEvent } from '../../transport/radio/types.js';
import type { Endpoint } from '../../transport/types.js';

export type Category = 'IKE_SA_INIT' | 'IKE_AUTH' | 'CREATE_CHILD_SA' | 'INFORMATIONAL' | 'ESP' | 'other';

export const IKE_CATEGORIES: readonly Category[] = [
  'IKE_SA_INIT',
  'IKE_AUTH',
  'CREATE_CHILD_SA',
  'INFORMATIONAL',
];

/** RFC 7296 §3.1: the Exchange Type is octet 18 of the IKE header. */
const EXCHANGE_TYPE_OFFSET = 18;
const IKE_HEADER_LENGTH = 28;
/** RFC 7296 §3.1: the Flags octet; bit 5 (0x20) is Response. */
const FLAGS_OFFSET = 19;
const RESPONSE_FLAG = 0x20;

const NAMES: Readonly<Record<number, Category>> = {
  [ExchangeType.IKE_SA_INIT]: 'IKE_SA_INIT',
  [ExchangeType.IKE_AUTH]: 'IKE_AUTH',
  [ExchangeType.CREATE_CHILD_SA]: 'CREATE_CHILD_SA',
  [ExchangeType.INFORMATIONAL]: 'INFORMATIONAL',
};

export interface IkeInfo {
  readonly category: Category;
  readonly response: boolean;
  /** The IKE message's octets (without a non-ESP marker). */
  readonly length: number;
}

/** The IKE message in a UDP payload on port 500 or (with the non-ESP marker) 4500, if any. */
export function ikeInfo(data: Uint8Array, port: number, ikePort = 500): IkeInfo | undefined {
  let message = data;
  if (port !== ikePort) {
    const c = classifyNatTDatagram(data);
    if (!c.ok || c.value.kind !== 'ike') return undefined;
    message = c.value.message;
  }
  if (message.length < IKE_HEADER_LENGTH) return undefined;
  return {
    category: NAMES[message[EXCHANGE_TYPE_OFFSET]!] ?? 'other',
    response: (message[FLAGS_OFFSET]! & RESPONSE_FLAG) !== 0,
    length: message.length,
  };
}

/** The IKE port when either end uses it, else the destination port (NAT-T). */
const portOf = (from: Endpoint, to: Endpoint, ikePort: number) =>
  from.port === ikePort || to.port === ikePort ? ikePort : to.port;

/** What a datagram that is not IKE carries. */
function nonIkeCategory(data: Uint8Array): Category {
  const c = classifyNatTDatagram(data);
  return c.ok && c.value.kind === 'esp' ? 'ESP' : 'other';
}

export function categoryOf(data: Uint8Array, from: Endpoint, to: Endpoint, ikePort = 500): Category {
  return ikeInfo(data, portOf(from, to, ikePort), ikePort)?.category ?? nonIkeCategory(data);
}

/** The short address in an address of the mesh (its last 16 bits), if it parses. */
export function shortOf(address: string): number | undefined {
  const a = parseIpv6(address);
  return a ? (a[14]! << 8) | a[15]! : undefined;
}

/** A tagger for the radio transport: the mote is the end that is not the gateway. */
export function meshTagger(gatewayShort: number, ikePort = 500) {
  return (data: Uint8Array, from: Endpoint, to: Endpoint): string => {
    const a = shortOf(from.address);
    const mote = a === gatewayShort ? shortOf(to.address) : a;
    const ike = ikeInfo(data, portOf(from, to, ikePort), ikePort); // classified once per datagram
    if (ike) return `${mote ?? 0}|${ike.category}|${ike.response ? 'r' : 'i'}`;
    return `${mote ?? 0}|${nonIkeCategory(data)}`;
  };
}

export interface ParsedTag {
  readonly mote: number;
  readonly category: Category;
  /** For IKE: whether the frame carries a response. */
  readonly response?: boolean;
}

/** Splits a frame's tag; frames without one are 'other' of mote 0. */
export function parseTag(e: Pick<AirEvent, 'tag'>): ParsedTag {
  const [m, c, d] = (e.tag ?? '0|other').split('|');
  return {
    mote: Number(m) || 0,
    category: (c as Category | undefined) ?? 'other',
    ...(d !== undefined ? { response: d === 'r' } : {}),
  };
}
