/**
 * targets/wismote/mote-identity-text.ts, the firmware's identity syntax, against
 * ipsec/ike/identity-text.ts: the same identity for every email and FQDN form swanctl has, and
 * a clear refusal of the forms a mote's profile never uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIdentity } from '../../../ipsec/ike/identity.js';
import * as mote from '../../../targets/wismote/mote-identity-text.js';
import { moteConfig } from '../../../targets/wismote/profile.js';

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));

describe("the firmware's identity syntax", () => {
  it('reads email and FQDN identities, bare, prefixed and wildcarded, as the stack does', () => {
    const forms = fc.oneof(
      fc.tuple(label, name).map(([u, d]) => `${u}@${d}`),
      name.map((d) => `@${d}`),
      name.filter((d) => /[a-z-]/.test(d)),
      fc
        .tuple(fc.constantFrom('email:', 'EMAIL:', 'rfc822:', 'fqdn:'), fc.oneof(name, label))
        .map(([p, v]) => p + v),
      name.map((d) => `*@${d}`),
      name.map((d) => `*.${d}`),
      fc.constantFrom('%any', '', '  gateway@wismote  '),
    );
    fc.assert(
      fc.property(forms, (text) => {
        expect(mote.parseIdentity(text)).toEqual(parseIdentity(text));
      }),
    );
  });

  it("reads the mote profile's own identities", () => {
    const psk = { name: 'p', id: [], secret: new Uint8Array(32) };
    for (const c of moteConfig(2, psk, { suite: 'seed' }).connections)
      for (const id of [c.local.id, c.remote.id]) expect(mote.parseIdentity(id)).toEqual(parseIdentity(id));
  });

  it('refuses IP, DN and key-id identities, which the stack takes, and says why', () => {
    for (const text of [
      '10.0.0.1',
      'fd00::1',
      'ipv4:10.0.0.1',
      'ipv6:fd00::1',
      'C=CH, CN=gw',
      'keyid:0x01ab',
      'keyid:text',
    ]) {
      expect(parseIdentity(text).ok, text).toBe(true);
      expect(mote.parseIdentity(text)).toEqual({
        ok: false,
        error: `identity '${text}': this firmware has email and FQDN identities only`,
      });
    }
  });
});
