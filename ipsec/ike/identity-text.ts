/**
 * swanctl's identity syntax (identity.ts lists the forms): text -> an IKE identity (RFC 7296
 * §3.5), or undefined for %any. A configuration parser: a mote's firmware links its own
 * (targets/wismote/mote-identity-text.ts) in place of it.
 */
import { parseIpv4, parseIpv6 } from '../packet/address.js';
import { err, ok, type Result } from '../result.js';
import { fromHex, utf8 } from '../util/bytes.js';
import { parseDnText } from '../x509/name.js';
import type { IdentityPattern } from './identity.js';
import { IdType } from './wire/constants.js';

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
  // strongSwan: any text with '=' is a DN ("C=CH, E=a@b.org, CN=x" included)
  if (s.includes('=')) {
    const dn = parseDnText(s);
    return dn.ok
      ? ok({ type: IdType.ID_DER_ASN1_DN, data: dn.value.der })
      : err(`invalid DN identity '${s}': ${dn.error}`);
  }
  if (s.startsWith('@')) return ok({ type: IdType.ID_FQDN, data: utf8(s.slice(1)) });
  if (s.includes('@')) return ok({ type: IdType.ID_RFC822_ADDR, data: utf8(s) });
  return ok({ type: IdType.ID_FQDN, data: utf8(s) });
}
