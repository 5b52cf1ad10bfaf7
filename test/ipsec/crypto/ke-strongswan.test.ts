/**
 * Interop of the KE encodings with a real strongSwan 5.9.8: every KE payload it sent in the
 * captures (test/vectors/strongswan) must be accepted as a valid public value of its group
 * (ECP x | y of RFC 5903 §7, the padded MODP value of RFC 7296 §3.4, the X25519 u of RFC 8031).
 * The captures hold no private values, so the secrets themselves cannot be recomputed here.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustKe } from '../../../ipsec/crypto/transforms.js';
import { fromHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';
import { loadStrongswanVectors } from '../../support/vectors.js';

const values = loadStrongswanVectors().flatMap((c) => [
  ...c.ike_sas.flatMap((sa) => [
    { where: `${c.file} IKE SA ${sa.index} KEi`, group: sa.dh_group, hex: sa.ke_i },
    { where: `${c.file} IKE SA ${sa.index} KEr`, group: sa.dh_group, hex: sa.ke_r },
  ]),
  ...c.child_sas.flatMap((sa) =>
    sa.dh_group && sa.ke_i && sa.ke_r
      ? [
          { where: `${c.file} CHILD SA ${sa.index} KEi`, group: sa.dh_group, hex: sa.ke_i },
          { where: `${c.file} CHILD SA ${sa.index} KEr`, group: sa.dh_group, hex: sa.ke_r },
        ]
      : [],
  ),
]);

describe.each(PROVIDERS)('$name accepts strongSwan KE data', (provider) => {
  it('has captured values to check', () => {
    expect(new Set(values.map((v) => v.group))).toEqual(new Set([14, 19, 20, 25, 31]));
  });

  it.each(values)('$where (group $group)', ({ group, hex }) => {
    const transform = mustKe(group);
    const peer = fromHex(hex);
    expect(peer.length).toBe(transform.publicLength);
    const result = provider.keyExchange(transform, seededRandom(hex)).computeSharedSecret(peer);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.length).toBe(transform.secretLength);
  });
});
