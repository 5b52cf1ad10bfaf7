/**
 * The firmware's identity syntax (scripts/build-mote.mjs links it in place of
 * ipsec/ike/identity-text.ts, as part of the compiled profile: no configuration parser on the
 * mote). A mote and its gateway name themselves by email (profile.ts: `mote-0002@wismote`,
 * `gateway@wismote`), so the firmware reads swanctl's email and FQDN forms alone: `%any`,
 * `user@domain`, `email:...`/`rfc822:...`, `@fqdn`, `fqdn:...` and a bare name, as the stack
 * reads them (test/targets/wismote/mote-identity-text.test.ts). Every other form (an IP
 * address, a DN, `keyid:`, `ipv4:`...) is refused with a clear error at boot, where the stack
 * would take it. Matching and formatting stay the stack's (ipsec/ike/identity.ts).
 */
import type { IdentityPattern } from '../../ipsec/ike/identity.js';
import { IdType } from '../../ipsec/ike/wire/constants.js';
import { parseIp } from '../../ipsec/packet/address.js';
import { err, ok, type Result } from '../../ipsec/result.js';
import { utf8 } from '../../ipsec/util/bytes.js';

/**
 * swanctl's type prefixes, compared with configuration text. A Map, not an object: the
 * firmware's renaming leaves these strings alone as long as no property of the bundle has the
 * same name (scripts/mote-strings.mjs; test/scripts/mote-strings.test.ts checks the firmware).
 */
const PREFIXES = new Map([
  ['email', IdType.ID_RFC822_ADDR],
  ['rfc822', IdType.ID_RFC822_ADDR],
  ['fqdn', IdType.ID_FQDN],
]);

export function parseIdentity(text: string): Result<IdentityPattern, string> {
  const s = text.trim();
  if (s === '%any' || s === '') return ok(undefined);
  const colon = s.indexOf(':');
  const prefixed = colon > 0 ? PREFIXES.get(s.slice(0, colon).toLowerCase()) : undefined;
  if (prefixed !== undefined) return ok({ type: prefixed, data: utf8(s.slice(colon + 1)) });
  if (colon < 0 && !s.includes('=') && !parseIp(s)) {
    if (s.startsWith('@')) return ok({ type: IdType.ID_FQDN, data: utf8(s.slice(1)) });
    return ok({ type: s.includes('@') ? IdType.ID_RFC822_ADDR : IdType.ID_FQDN, data: utf8(s) });
  }
  return err(`identity '${s}': this firmware has email and FQDN identities only`);
}
