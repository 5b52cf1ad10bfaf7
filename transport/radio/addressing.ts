/**
 * The radio network's addressing plan: every mote has one IPv6 address, a /64 prefix followed
 * by the interface identifier of its 802.15.4 short address, 0000:00ff:fe00:XXXX (RFC 4944 §6,
 * RFC 6282 §3.2.2). So fd00::ff:fe00:1 is short address 0x0001 (the gateway), and a mote's
 * address is fully elided on its first hop by IPHC with the prefix as context 0.
 */
import { formatIpv6, parseIpv6 } from '../../ipsec/packet/address.js';
import { addressContext, type ContextTable, iidOfLinkAddress } from './sixlowpan/iphc.js';
import type { ShortAddress } from './types.js';

export const DEFAULT_RADIO_PREFIX = 'fd00::/64';
export const GATEWAY_SHORT_ADDRESS: ShortAddress = 0x0001;
const PREFIX_LENGTH = 64; // the IID is 64 bits (RFC 4291 §2.5.1)

/** The 8 octets of a /64 prefix given as text ('fd00::/64' or 'fd00::'); throws on anything else. */
export function parseRadioPrefix(text: string): Uint8Array {
  const [address, length] = text.split('/');
  const bytes = parseIpv6(address ?? '');
  if (!bytes || (length !== undefined && Number(length) !== PREFIX_LENGTH))
    throw new RangeError(`radio prefix must be an IPv6 /64, got ${text}`);
  if (bytes.subarray(8).some((b) => b !== 0)) throw new RangeError(`radio prefix ${text} has IID bits set`);
  return bytes.slice(0, 8);
}

/** The IPv6 address of short address `short` under the /64 `prefix` (8 octets). */
export function radioIpv6(short: ShortAddress, prefix: Uint8Array): Uint8Array {
  const a = new Uint8Array(16);
  a.set(prefix.subarray(0, 8));
  a.set(iidOfLinkAddress(short & 0xffff), 8);
  return a;
}

/** Text form of radioIpv6 (e.g. 'fd00::ff:fe00:1'). */
export const radioAddress = (short: ShortAddress, prefix: string = DEFAULT_RADIO_PREFIX): string =>
  formatIpv6(radioIpv6(short, parseRadioPrefix(prefix)));

/** The short address an IPv6 address of the plan stands for, or undefined if it is not one. */
export function shortAddressOf(address: Uint8Array, prefix: Uint8Array): ShortAddress | undefined {
  if (address.length !== 16) return undefined;
  for (let i = 0; i < 8; i++) if (address[i] !== prefix[i]) return undefined;
  // 0000:00ff:fe00:XXXX
  if (address[8] || address[9] || address[10] || address[11] !== 0xff || address[12] !== 0xfe || address[13])
    return undefined;
  return (address[14]! << 8) | address[15]!;
}

/** The context table of the plan: the prefix as context 0 (RFC 6282 §3.1.1 default context). */
export const radioContexts = (prefix: Uint8Array): ContextTable => [addressContext(prefix, PREFIX_LENGTH)];
