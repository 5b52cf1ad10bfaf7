/**
 * End to end against the real strongSwan captures (test/vectors/strongswan/README.md): from
 * g^ir, the captured nonces and SPIs, derive every IKE SA's keys (the rekey chained from our own
 * SK_d), open every SK payload of the capture, re-seal it byte for byte, verify both AUTH
 * payloads found inside the decrypted IKE_AUTH messages, and derive every Child SA's KEYMAT.
 */
import { describe, expect, it } from 'vitest';
import { mustEncr, mustInteg, mustPrf } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider } from '../../../ipsec/crypto/types.js';
import { verifyPskAuthData } from '../../../ipsec/ike/keys/auth.js';
import { deriveChildSaKeys } from '../../../ipsec/ike/keys/child-keys.js';
import { deriveIkeSaKeys, deriveRekeyedIkeSaKeys, type IkeSaKeys } from '../../../ipsec/ike/keys/ike-keys.js';
import type { IkeSuite } from '../../../ipsec/ike/keys/suite.js';
import { createSkKeyPair, openSk, type SkKeyPair, sealSk, skKeysForMessage } from '../../../ipsec/ike/sk.js';
import { fromHex, toHex, utf8 } from '../../../ipsec/util/bytes.js';
import { findPayloadOffset, findSkOffset, walkChain } from '../../support/ike-walk.js';
import { PROVIDERS } from '../../support/providers.js';
import {
  loadStrongswanVectors,
  type VectorCase,
  type VectorIkeSa,
  type VectorPacket,
} from '../../support/vectors.js';

const cases = loadStrongswanVectors();

// Payload types (RFC 7296 §3.2).
const PAYLOAD_IDI = 35;
const PAYLOAD_IDR = 36;
const PAYLOAD_AUTH = 39;
const PAYLOAD_NONCE = 40;
const FLAG_INITIATOR = 0x08; // IKE header Flags (§3.1)
const AUTH_SHARED_KEY_MIC = 2; // Auth Method (§3.8)

function suiteOf(sa: VectorIkeSa): IkeSuite {
  return {
    encr: mustEncr(sa.encr_id, sa.encr_key_bits),
    prf: mustPrf(sa.prf_id),
    ...(sa.integ_id ? { integ: mustInteg(sa.integ_id) } : {}),
  };
}

function nonceOf(packet: VectorPacket): Uint8Array {
  const message = fromHex(packet.hex);
  const offset = findPayloadOffset(message, PAYLOAD_NONCE)!;
  const length = (message[offset + 2]! << 8) | message[offset + 3]!;
  return message.subarray(offset + 4, offset + length);
}

/** Every IKE SA's keys, derived from the capture and g^ir only; the rekey from our own SK_d. */
function deriveAll(provider: CryptoProvider, c: VectorCase): IkeSaKeys[] {
  const init = c.packets.filter((p) => p.exchange === 'IKE_SA_INIT');
  const request = init.find((p) => !p.response)!;
  const response = init.find((p) => p.response)!;
  const header = fromHex(response.hex);
  const [first, rekeyed] = c.ike_sas as [VectorIkeSa, VectorIkeSa];
  const k0 = deriveIkeSaKeys(provider, suiteOf(first), {
    sharedSecret: fromHex(first.dh_shared_secret),
    ni: nonceOf(request),
    nr: nonceOf(response),
    spiI: header.subarray(0, 8), // the IKE header's SPIs (§3.1)
    spiR: header.subarray(8, 16),
  });
  const k1 = deriveRekeyedIkeSaKeys(provider, k0, suiteOf(rekeyed), {
    sharedSecret: fromHex(rekeyed.dh_shared_secret),
    ni: fromHex(rekeyed.nonce_i),
    nr: fromHex(rekeyed.nonce_r),
    spiI: fromHex(rekeyed.spi_i),
    spiR: fromHex(rekeyed.spi_r),
  });
  return [k0, k1];
}

describe.each(
  PROVIDERS.flatMap((provider) => cases.map((c) => ({ provider, c, name: `${provider.name} ${c.case}` }))),
)('strongSwan case $name', ({ provider, c }) => {
  const keys = deriveAll(provider, c);
  const pairs: SkKeyPair[] = keys.map((k) => createSkKeyPair(provider, k));
  const protectedPackets = c.packets.filter((p) => p.kind === 'ike' && p.sk);

  it('derives the recorded SK_* of both IKE SAs', () => {
    keys.forEach((k, i) => {
      const sa = c.ike_sas[i]!;
      expect([k.skD, k.skAi, k.skAr, k.skEi, k.skEr, k.skPi, k.skPr].map(toHex)).toEqual([
        sa.sk_d,
        sa.sk_ai,
        sa.sk_ar,
        sa.sk_ei,
        sa.sk_er,
        sa.sk_pi,
        sa.sk_pr,
      ]);
    });
  });

  it('has SK payloads to check', () => {
    expect(protectedPackets.length).toBe(12);
  });

  describe.each(protectedPackets)('packet $n ($exchange, $dir)', (packet) => {
    const message = fromHex(packet.hex);
    const skOffset = findSkOffset(message)!;
    const initiatorFlag = (message[19]! & FLAG_INITIATOR) !== 0;
    const skKeys = skKeysForMessage(pairs[packet.ike_sa!]!, initiatorFlag);

    it('opens: integrity verified, plaintext as recorded, the inner chain complete', () => {
      expect(initiatorFlag).toBe(packet.initiator_flag);
      const opened = openSk(skKeys, message, skOffset);
      expect(opened.ok).toBe(true);
      if (!opened.ok) return;
      expect(toHex(opened.value)).toBe(packet.sk.plaintext_hex);
      expect(message[skOffset]).toBe(packet.sk.inner_first_payload);
      expect(walkChain(opened.value, message[skOffset]!)).toBeDefined();
      // The peer's keys do not open it.
      expect(openSk(skKeysForMessage(pairs[packet.ike_sa!]!, !initiatorFlag), message, skOffset)).toEqual({
        ok: false,
        error: { code: 'INTEGRITY' },
      });
    });

    it('re-seals byte for byte with the recorded IV and padding', () => {
      const iv = fromHex(packet.sk.iv);
      const pad = fromHex(packet.sk.pad_hex); // Padding | Pad Length
      const sealed = sealSk(
        skKeys,
        (length) => {
          expect(length).toBe(iv.length);
          return iv;
        },
        (bodyLength) => {
          expect(bodyLength).toBe(message.length - skOffset - 4);
          return message.subarray(0, skOffset + 4);
        },
        fromHex(packet.sk.plaintext_hex),
        (length) => {
          expect(length).toBe(pad.length - 1); // strongSwan pads minimally too
          return pad.subarray(0, length);
        },
      );
      expect(toHex(sealed)).toBe(packet.hex);
    });
  });

  it('verifies both AUTH payloads found in the decrypted IKE_AUTH messages (§2.15)', () => {
    const init = c.packets.filter((p) => p.exchange === 'IKE_SA_INIT');
    const auth = c.packets.filter((p) => p.exchange === 'IKE_AUTH');
    expect(auth).toHaveLength(2);
    for (const role of ['initiator', 'responder'] as const) {
      const packet = auth.find((p) => p.response === (role === 'responder'))!;
      const message = fromHex(packet.hex);
      const skOffset = findSkOffset(message)!;
      const opened = openSk(skKeysForMessage(pairs[0]!, role === 'initiator'), message, skOffset);
      if (!opened.ok) throw new Error('IKE_AUTH did not open');
      const chain = walkChain(opened.value, message[skOffset]!)!;
      const id = chain.find((p) => p.type === (role === 'initiator' ? PAYLOAD_IDI : PAYLOAD_IDR))!;
      const authPayload = chain.find((p) => p.type === PAYLOAD_AUTH)!;
      expect(authPayload.body[0]).toBe(AUTH_SHARED_KEY_MIC);
      const inputs = {
        realMessage: fromHex(init.find((p) => p.response === (role === 'responder'))!.hex),
        peerNonce: nonceOf(init.find((p) => p.response === (role === 'initiator'))!),
        idBody: id.body,
      };
      const authData = authPayload.body.subarray(4); // Auth Method | 3 RESERVED | data (§3.8)
      expect(verifyPskAuthData(provider, keys[0]!, role, utf8(c.psk), inputs, authData)).toBe(true);
      expect(verifyPskAuthData(provider, keys[0]!, role, utf8('wrong'), inputs, authData)).toBe(false);
    }
  });

  it('derives every Child SA KEYMAT from our own SK_d', () => {
    for (const child of c.child_sas) {
      const derived = deriveChildSaKeys(
        provider,
        keys[child.ike_sa]!,
        {
          encr: mustEncr(child.encr_id, child.encr_key_bits ?? undefined),
          ...(child.integ_id ? { integ: mustInteg(child.integ_id) } : {}),
        },
        {
          ni: fromHex(child.nonce_i),
          nr: fromHex(child.nonce_r),
          ...(child.pfs_shared_secret ? { sharedSecret: fromHex(child.pfs_shared_secret) } : {}),
        },
      );
      expect({
        i: { encr: toHex(derived.initiator.encr), integ: toHex(derived.initiator.integ) },
        r: { encr: toHex(derived.responder.encr), integ: toHex(derived.responder.integ) },
      }).toEqual({ i: child.key_i, r: child.key_r });
    }
  });
});
