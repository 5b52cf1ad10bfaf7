/**
 * IKE identities (RFC 7296 §3.5): matching, formatting, the ID payload's body, and (from
 * identity-text.ts) parsing swanctl-style strings:
 *   "alice@example.org" or "email:alice@example.org"   -> ID_RFC822_ADDR
 *   "vpn.example.org", "@vpn.example.org", "fqdn:..."   -> ID_FQDN
 *   "10.0.0.1", "ipv4:..."                              -> ID_IPV4_ADDR
 *   "fec0::1", "ipv6:..."                               -> ID_IPV6_ADDR
 *   "keyid:0x0123ab" or "keyid:text"                    -> ID_KEY_ID
 *   "C=CH, O=org, CN=gw" (strongSwan's DN syntax)       -> ID_DER_ASN1_DN (ipsec/x509/name.ts)
 *   "%any"                                              -> matches any identity (remote only)
 * Remote patterns may hold wildcards as strongSwan's do: "*.example.org", "*@example.org", and a
 * DN attribute value "*" ("C=CH, O=org, CN=*").
 */

import { formatIp } from '../packet/address.js';
import { equalBytes } from '../util/bytes.js';
import { dnMatches, formatDn, parseNameDer } from '../x509/name.js';
import { IdType } from './wire/constants.js';

export { formatIp, parseIpv4, parseIpv6 } from '../packet/address.js';
export { parseIdentity } from './identity-text.js';
export { IdType } from './wire/constants.js';

export interface Identity {
  readonly type: number;
  readonly data: Uint8Array;
}

/** `undefined` identity = %any. */
export type IdentityPattern = Identity | undefined;

export function identityMatches(pattern: IdentityPattern, id: Identity): boolean {
  if (pattern === undefined) return true;
  if (pattern.type !== id.type) return false;
  if (equalBytes(pattern.data, id.data)) return true;
  switch (pattern.type) {
    case IdType.ID_FQDN:
    case IdType.ID_RFC822_ADDR:
      return wildcardMatches(pattern.data, id.data);
    case IdType.ID_DER_ASN1_DN: {
      const p = parseNameDer(pattern.data);
      const n = parseNameDer(id.data);
      return p.ok && n.ok && dnMatches(p.value, n.value);
    }
    default:
      return false;
  }
}

/** strongSwan's FQDN / email wildcard: a leading '*' matches any prefix, case-insensitively. */
function wildcardMatches(pattern: Uint8Array, data: Uint8Array): boolean {
  if (pattern[0] !== 0x2a) return false; // '*'
  const decoder = new TextDecoder();
  const suffix = decoder.decode(pattern.subarray(1)).toLowerCase();
  return decoder.decode(data).toLowerCase().endsWith(suffix);
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
    case IdType.ID_DER_ASN1_DN: {
      const n = parseNameDer(id.data);
      if (n.ok) return formatDn(n.value);
      return `dn:${Array.from(id.data, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    }
    case IdType.ID_KEY_ID:
      return `keyid:${Array.from(id.data, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    default:
      return `${TYPE_NAMES[id.type] ?? `type${id.type}`}:${Array.from(id.data, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
}

/**
 * formatIdentity for failure reasons and log lines about a peer's identity: cut at `max`
 * characters, so that an oversized IDi (up to a whole message, CVE-2025-9242's shape) does not
 * make every refusal a 64 KB log line.
 */
export function formatPeerIdentity(id: Identity, max = 256): string {
  const s = formatIdentity(id);
  return s.length <= max ? s : `${s.slice(0, max)}... (${id.data.length} octets)`;
}

/** IDx' of RFC 7296 §2.15: ID Type | RESERVED (3 octets) | Identification Data. */
export function idPayloadBody(id: Identity): Uint8Array {
  const out = new Uint8Array(4 + id.data.length);
  out[0] = id.type;
  out.set(id.data, 4);
  return out;
}
