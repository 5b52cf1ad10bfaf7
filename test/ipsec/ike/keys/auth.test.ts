import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { mustEncr, mustInteg, mustPrf } from '../../../../ipsec/crypto/transforms.js';
import {
  type AuthRole,
  computePskAuth,
  KEY_PAD_FOR_IKEV2,
  pskAuthData,
  signedOctets,
  verifyPskAuthData,
} from '../../../../ipsec/ike/keys/auth.js';
import type { IkeSaKeys } from '../../../../ipsec/ike/keys/ike-keys.js';
import { fromHex, toHex, utf8 } from '../../../../ipsec/util/bytes.js';
import { loadStrongswanVectors, type VectorCase } from '../../../support/vectors.js';

const provider = nobleProvider;
const cases = loadStrongswanVectors();

function firstSaKeys(c: VectorCase): IkeSaKeys {
  const sa = c.ike_sas[0]!;
  return {
    suite: {
      encr: mustEncr(sa.encr_id, sa.encr_key_bits),
      prf: mustPrf(sa.prf_id),
      ...(sa.integ_id ? { integ: mustInteg(sa.integ_id) } : {}),
    },
    skD: fromHex(sa.sk_d),
    skAi: fromHex(sa.sk_ai),
    skAr: fromHex(sa.sk_ar),
    skEi: fromHex(sa.sk_ei),
    skEr: fromHex(sa.sk_er),
    skPi: fromHex(sa.sk_pi),
    skPr: fromHex(sa.sk_pr),
  };
}

/** RealMessage1/2 are the captured IKE_SA_INIT request/response; the peer nonce is Nr/Ni. */
function inputsFor(c: VectorCase, role: AuthRole) {
  const sa = c.ike_sas[0]!;
  const init = c.packets.filter((p) => p.kind === 'ike' && p.exchange === 'IKE_SA_INIT');
  const message = init.find((p) => p.response === (role === 'responder'))!;
  const recorded = sa.auth[role];
  return {
    recorded,
    inputs: {
      realMessage: fromHex(message.hex),
      peerNonce: fromHex(role === 'initiator' ? sa.nonce_r : sa.nonce_i),
      idBody: fromHex(recorded.id_payload_body),
    },
  };
}

it('the key pad is the 17 ASCII octets "Key Pad for IKEv2" (RFC 7296 §2.15)', () => {
  expect(toHex(KEY_PAD_FOR_IKEV2)).toBe('4b65792050616420666f7220494b457632');
  expect(KEY_PAD_FOR_IKEV2).toHaveLength(17);
});

describe.each(cases)('PSK AUTH of strongSwan case $case (RFC 7296 §2.15)', (c) => {
  const keys = firstSaKeys(c);
  const psk = utf8(c.psk);

  it('prf(Shared Secret, "Key Pad for IKEv2") matches the log', () => {
    const padKey = provider.prf(keys.suite.prf).compute(psk, KEY_PAD_FOR_IKEV2);
    expect(toHex(padKey)).toBe(c.ike_sas[0]!.auth.initiator.prf_psk_keypad);
  });

  it.each(['initiator', 'responder'] as const)('%s: signed octets and AUTH', (role) => {
    const { recorded, inputs } = inputsFor(c, role);
    expect(recorded.id_type).toBe(c.ids[role].type_id);
    const octets = signedOctets(provider, keys, role, inputs);
    expect(toHex(octets.subarray(octets.length - recorded.maced_id.length / 2))).toBe(recorded.maced_id);
    expect(toHex(octets)).toBe(recorded.octets);
    expect(toHex(computePskAuth(provider, keys.suite.prf, psk, octets))).toBe(recorded.auth);
    expect(toHex(pskAuthData(provider, keys, role, psk, inputs))).toBe(recorded.auth);
    expect(verifyPskAuthData(provider, keys, role, psk, inputs, fromHex(recorded.auth))).toBe(true);
  });

  it('AUTH verification refuses a wrong role, PSK, message, or any altered AUTH', () => {
    const { recorded, inputs } = inputsFor(c, 'initiator');
    const auth = fromHex(recorded.auth);
    expect(verifyPskAuthData(provider, keys, 'responder', psk, inputs, auth)).toBe(false);
    expect(verifyPskAuthData(provider, keys, 'initiator', utf8(`${c.psk}x`), inputs, auth)).toBe(false);
    const altered = { ...inputs, realMessage: inputs.realMessage.slice(0, -1) };
    expect(verifyPskAuthData(provider, keys, 'initiator', psk, altered, auth)).toBe(false);
    expect(verifyPskAuthData(provider, keys, 'initiator', psk, inputs, auth.subarray(0, -1))).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: auth.length * 8 - 1 }), (bit) => {
        const flipped = auth.slice();
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        expect(verifyPskAuthData(provider, keys, 'initiator', psk, inputs, flipped)).toBe(false);
      }),
      { numRuns: 20 },
    );
  });
});
