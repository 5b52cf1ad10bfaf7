/**
 * Protected messages: encodeMessage with SK protection (sealSk from sk.ts) reproduces every
 * encrypted strongSwan message octet for octet, given its keys, IV and padding; and generated
 * messages, with unencrypted payloads before SK, come back through openSk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../../../ipsec/crypto/transforms.js';
import { openSk, type SkKeys } from '../../../../ipsec/ike/sk.js';
import {
  decodeMessage,
  decodePayloadChain,
  encodeMessage,
  firstPayloadType,
  PayloadType,
} from '../../../../ipsec/ike/wire/index.js';
import { fromHex, toHex } from '../../../../ipsec/util/bytes.js';
import { arbHeader, arbPayload } from '../../../support/ike-arbitraries.js';
import { loadStrongswanVectors, type VectorIkeSa } from '../../../support/vectors.js';

function skKeys(sa: VectorIkeSa, initiator: boolean): SkKeys {
  const cipher = nobleProvider.cipher(
    mustEncr(sa.encr_id, sa.encr_key_bits),
    fromHex(initiator ? sa.sk_ei : sa.sk_er),
  );
  if (sa.integ_id === null) return { cipher };
  return { cipher, mac: nobleProvider.mac(mustInteg(sa.integ_id), fromHex(initiator ? sa.sk_ai : sa.sk_ar)) };
}

const packets = loadStrongswanVectors().flatMap((c) =>
  c.packets
    .filter((p) => p.kind === 'ike' && p.sk)
    .map((p) => [`${c.file} #${p.n} ${p.exchange}`, c.ike_sas[p.ike_sa!]!, p] as const),
);

describe('SK-protected encoding against strongSwan', () => {
  it('covers the 84 encrypted messages', () => expect(packets).toHaveLength(84));

  it.each(packets)('%s', (_label, sa, p) => {
    const captured = fromHex(p.hex);
    const decoded = decodeMessage(captured);
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.error));
    const keys = skKeys(sa, p.initiator_flag!);
    const opened = openSk(keys, captured, decoded.value.sk!.offset);
    if (!opened.ok) throw new Error(JSON.stringify(opened.error));
    expect(toHex(opened.value)).toBe(p.sk.plaintext_hex);
    const inner = decodePayloadChain(decoded.value.sk!.firstInnerPayload, opened.value);
    if (!inner.ok) throw new Error(JSON.stringify(inner.error));

    // pad_hex = Padding | Pad Length (§3.14)
    const pad = fromHex(p.sk.pad_hex).subarray(0, -1);
    const reencoded = encodeMessage(
      { header: decoded.value.header, payloads: inner.value },
      {
        keys,
        random: (n) => {
          expect(n).toBe(p.sk.iv.length / 2);
          return fromHex(p.sk.iv);
        },
        padding: (n) => {
          expect(n).toBe(pad.length);
          return pad;
        },
      },
    );
    expect(toHex(reencoded)).toBe(p.hex);
  });
});

describe('SK-protected round trip (fast-check)', () => {
  const sa = loadStrongswanVectors()[1]!.ike_sas[0]!; // B: AES-CBC-128 + HMAC-SHA2-256-128
  const keys = skKeys(sa, true);

  it('decode -> openSk -> decodePayloadChain returns what was encoded, unencrypted payloads first', () => {
    fc.assert(
      fc.property(
        arbHeader,
        fc.array(arbPayload, { maxLength: 2 }),
        fc.array(arbPayload, { maxLength: 5 }),
        fc.integer(),
        (header, unencrypted, payloads, seed) => {
          const bytes = encodeMessage(
            { header, payloads, unencrypted },
            { keys, random: seededRandom(seed) },
          );
          const d = decodeMessage(bytes);
          if (!d.ok) throw new Error(JSON.stringify(d.error));
          expect(d.value.header.length).toBe(bytes.length);
          expect(d.value.header.nextPayload).toBe(
            unencrypted.length > 0 ? firstPayloadType(unencrypted) : PayloadType.SK,
          );
          expect(d.value.payloads.slice(0, -1)).toEqual(unencrypted);
          expect(d.value.sk?.type).toBe(PayloadType.SK);
          expect(d.value.sk?.firstInnerPayload).toBe(firstPayloadType(payloads));
          const opened = openSk(keys, bytes, d.value.sk!.offset);
          if (!opened.ok) throw new Error(JSON.stringify(opened.error));
          expect(decodePayloadChain(d.value.sk!.firstInnerPayload, opened.value)).toEqual({
            ok: true,
            value: payloads,
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('throws when the SK payload would exceed 65535 octets', () => {
    const header = {
      spiI: new Uint8Array(8),
      spiR: new Uint8Array(8),
      majorVersion: 2,
      minorVersion: 0,
      exchangeType: 37,
      flags: 8,
      messageId: 1,
    };
    const big = { type: PayloadType.V, data: new Uint8Array(30000) } as const;
    expect(() =>
      encodeMessage({ header, payloads: [big, big, big] }, { keys, random: seededRandom(1) }),
    ).toThrow(/SK: payload length/);
  });
});
