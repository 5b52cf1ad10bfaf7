/** The PSK lookup by identities (swanctl.conf secrets.ike* ids, ranked as strongSwan does). */
import { describe, expect, it } from 'vitest';
import type { IkeSecret } from '../../../ipsec/config/model.js';
import { findSecret } from '../../../ipsec/config/secrets.js';
import { type Identity, parseIdentity } from '../../../ipsec/ike/identity.js';

const id = (text: string): Identity => {
  const p = parseIdentity(text);
  if (!p.ok || !p.value) throw new Error(text);
  return p.value;
};
const secret = (ids: string[], byte: number): IkeSecret => ({
  name: `ike-${byte}`,
  id: ids,
  secret: Uint8Array.of(byte),
});

const GW = id('gw.example.org');
const CLIENT = id('client@example.org');
const OTHER = id('10.0.0.9');

describe('findSecret(secrets, local, remote)', () => {
  it('an entry naming both identities serves the pair from either side', () => {
    const secrets = [secret(['gw.example.org', 'client@example.org'], 1)];
    expect(findSecret(secrets, GW, CLIENT)).toEqual(Uint8Array.of(1));
    expect(findSecret(secrets, CLIENT, GW)).toEqual(Uint8Array.of(1));
  });

  it('an entry naming one identity serves it as ours or as the peer (a gateway keyed by client ids)', () => {
    const secrets = [secret(['client@example.org'], 2)];
    expect(findSecret(secrets, GW, CLIENT)).toEqual(Uint8Array.of(2));
    expect(findSecret(secrets, CLIENT, GW)).toEqual(Uint8Array.of(2));
    expect(findSecret(secrets, GW, OTHER)).toBeUndefined();
  });

  it('the best match wins: both ids over one id over no ids, whatever the order', () => {
    const secrets = [
      secret([], 3),
      secret(['client@example.org'], 4),
      secret(['gw.example.org', 'client@example.org'], 5),
    ];
    expect(findSecret(secrets, GW, CLIENT)).toEqual(Uint8Array.of(5));
    expect(findSecret(secrets, OTHER, CLIENT)).toEqual(Uint8Array.of(4));
    expect(findSecret(secrets, GW, OTHER)).toEqual(Uint8Array.of(5)); // names gw: 20 + 0 beats 1 + 1
    expect(findSecret(secrets, OTHER, id('x.example.org'))).toEqual(Uint8Array.of(3));
  });

  it('ties go to the first entry; %any in an id list names nobody', () => {
    expect(findSecret([secret([], 6), secret([], 7)], GW, CLIENT)).toEqual(Uint8Array.of(6));
    expect(findSecret([secret(['%any'], 8)], GW, CLIENT)).toBeUndefined();
  });
});
