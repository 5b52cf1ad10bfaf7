/**
 * IKE identities (RFC 7296 §3.5) parsed from swanctl-style strings:
 *   "alice@example.org" or "email:alice@example.org"   -> ID_RFC822_ADDR
 *   "vpn.example.org", "@vpn.example.org", "fqdn:..."   -> ID_FQDN
 *   "10.0.0.1", "ipv4:..."                              -> ID_IPV4_ADDR
 *   "fec0::1", "ipv6:..."                               -> ID_IPV6_ADDR
 *   "keyid:0x0123ab" or "keyid:text"                    -> ID_KEY_ID
 *   "%any"                                              -> matches any identity (remote only)
 */
import { err, ok, type Result } from '../result.js';
import { equalBytes, fromHex, utf8 } from '../util/bytes.js';

/** ID Type values (RFC 7296 §3.5). */
export const IdType = {
  ID_IPV4_ADDR: 1,
  ID_FQDN: 2,
  ID_RFC822_ADDR: 3,
  ID_IPV6_ADDR: 5,
  ID_DER_ASN1_DN: 9,
  ID_DER_ASN1_GN: 10,
  ID_KEY_ID: 11,
} as const;

export interface Identity {
  readonly type: number;
  readonly data: Uint8Array;
}

/** `undefined` identity = %any. */
export type IdentityPattern = Identity | undefined;

export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

export function parseIpv6(text: string): Uint8Array | undefined {
  let s = text;
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.') && lastColon >= 0) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string) => (part === '' ? [] : part.split(':'));
  const head = words(halves[0]!);
  const rest = halves.length === 2 ? words(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const w = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
    const v = Number.parseInt(w, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // RFC 5952 §4.2: compress the longest run of two or more zero words.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

export function parseIdentity(text: string): Result<IdentityPattern, string> {
  const s = text.trim();
  if (s === '%any' || s === '') return ok(undefined);
  const colon = s.indexOf(':');
  const prefix = colon > 0 ? s.slice(0, colon).toLowerCase() : '';
  const value = s.slice(colon + 1);
  switch (prefix) {
    case 'email':
    case 'rfc822':
      return ok({ type: IdType.ID_RFC822_ADDR, data: utf8(value) });
    case 'fqdn':
      return ok({ type: IdType.ID_FQDN, data: utf8(value) });
    case 'ipv4': {
      const a = parseIpv4(value);
      return a ? ok({ type: IdType.ID_IPV4_ADDR, data: a }) : err(`invalid IPv4 identity '${s}'`);
    }
    case 'ipv6': {
      const a = parseIpv6(value);
      return a ? ok({ type: IdType.ID_IPV6_ADDR, data: a }) : err(`invalid IPv6 identity '${s}'`);
    }
    case 'keyid':
      if (value.startsWith('0x') || value.startsWith('#')) {
        const hex = value.replace(/^(0x|#)/, '');
        if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return err(`invalid hex key id '${s}'`);
        return ok({ type: IdType.ID_KEY_ID, data: fromHex(hex) });
      }
      return ok({ type: IdType.ID_KEY_ID, data: utf8(value) });
  }
  const v4 = parseIpv4(s);
  if (v4) return ok({ type: IdType.ID_IPV4_ADDR, data: v4 });
  if (s.includes(':')) {
    const v6 = parseIpv6(s);
    if (v6) return ok({ type: IdType.ID_IPV6_ADDR, data: v6 });
  }
  if (s.startsWith('@')) return ok({ type: IdType.ID_FQDN, data: utf8(s.slice(1)) });
  if (s.includes('@')) return ok({ type: IdType.ID_RFC822_ADDR, data: utf8(s) });
  if (s.includes('=')) return err(`distinguished-name identities are not supported: '${s}'`);
  return ok({ type: IdType.ID_FQDN, data: utf8(s) });
}

export function identityMatches(pattern: IdentityPattern, id: Identity): boolean {
  return pattern === undefined || (pattern.type === id.type && equalBytes(pattern.data, id.data));
}

const TYPE_NAMES: Record<number, string> = {
  1: 'ipv4',
  2: 'fqdn',
  3: 'email',
  5: 'ipv6',
  9: 'dn',
  10: 'gn',
  11: 'keyid',
};

/** Identity as strongSwan prints it (list-sas local-id / remote-id). */
export function formatIdentity(id: Identity): string {
  switch (id.type) {
    case IdType.ID_IPV4_ADDR:
    case IdType.ID_IPV6_ADDR:
      return formatIp(id.data);
    case IdType.ID_FQDN:
    case IdType.ID_RFC822_ADDR:
      return new TextDecoder().decode(id.data);
    case IdType.ID_KEY_ID:
      return `keyid:${Array.from(id.data, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    default:
      return `${TYPE_NAMES[id.type] ?? `type${id.type}`}:${Array.from(id.data, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
}

/** IDx' of RFC 7296 §2.15: ID Type | RESERVED (3 octets) | Identification Data. */
export function idPayloadBody(id: Identity): Uint8Array {
  const out = new Uint8Array(4 + id.data.length);
  out[0] = id.type;
  out.set(id.data, 4);
  return out;
}
