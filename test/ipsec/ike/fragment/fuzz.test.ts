/**
 * Mutation fuzzing of the reassembler (RFC 7383 §2.6): real fragments of several suites are
 * bit-flipped, truncated, extended, given other Fragment Number / Total Fragments / Message ID
 * values and fed, with genuine fragments, into addFragment in random order from random partial
 * states. Over 20 000 mutants per run (fixed seed): nothing throws, an altered fragment never
 * passes (the ICV covers the IKE header, the SKF header and the body), and whenever a message
 * completes it is exactly the original plaintext.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../../../ipsec/crypto/transforms.js';
import {
  addFragment,
  DEFAULT_FRAGMENT_LIMITS,
  type FragmentIn,
  fragmentIn,
  fragmentMessage,
  type PartialMessage,
} from '../../../../ipsec/ike/fragment/index.js';
import { openSk, type SkKeys } from '../../../../ipsec/ike/sk.js';
import { ExchangeType, PayloadType } from '../../../../ipsec/ike/wire/constants.js';
import { decodeMessage, encodeMessage } from '../../../../ipsec/ike/wire/message.js';
import { equalBytes } from '../../../../ipsec/util/bytes.js';

const SUITES = [
  { encr: mustEncr(EncrId.AES_CBC, 128), integ: mustInteg(IntegId.HMAC_SHA2_256_128) },
  { encr: mustEncr(EncrId.AES_GCM_16, 128) },
  { encr: mustEncr(EncrId.AES_CTR, 128), integ: mustInteg(IntegId.AES_XCBC_96) },
  { encr: mustEncr(EncrId.CHACHA20_POLY1305, 256) },
];

function fixture(i: number) {
  const s = SUITES[i]!;
  const random = seededRandom(`fuzz${i}`);
  const cipher = nobleProvider.cipher(s.encr, random(s.encr.keyLength));
  const keys: SkKeys = s.integ
    ? { cipher, mac: nobleProvider.mac(s.integ, random(s.integ.keyLength)) }
    : { cipher };
  const header = {
    spiI: random(8),
    spiR: random(8),
    majorVersion: 2,
    minorVersion: 0,
    exchangeType: ExchangeType.IKE_AUTH,
    flags: 0x20, // Response
    messageId: 1,
  };
  const bytes = encodeMessage(
    { header, payloads: [{ type: PayloadType.V, data: random(400) }] },
    { keys, random },
  );
  const d = decodeMessage(bytes);
  if (!d.ok || !d.value.sk) throw new Error('fixture');
  const plain = openSk(keys, bytes, d.value.sk.offset);
  if (!plain.ok) throw new Error('fixture');
  const frags = fragmentMessage(bytes, keys, random, 120, 255);
  if (!frags.ok) throw new Error('fixture');
  return { keys, plaintext: plain.value.slice(), raws: frags.value };
}

const FIXTURES = SUITES.map((_, i) => fixture(i));

const asFragment = (raw: Uint8Array): FragmentIn | undefined => {
  const d = decodeMessage(raw);
  return d.ok ? fragmentIn(d.value, raw) : undefined;
};

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'field'; offset: 32 | 34; value: number } // Fragment Number, Total Fragments
  | { kind: 'messageId'; value: number };

function mutate(raw: Uint8Array, m: Mutation): Uint8Array {
  const out = raw.slice();
  const view = new DataView(out.buffer);
  switch (m.kind) {
    case 'flip':
      out[m.at % out.length]! ^= 1 << m.bit;
      return out;
    case 'cut':
      return out.subarray(0, m.at % out.length);
    case 'extend': {
      const longer = new Uint8Array(out.length + m.extra.length);
      longer.set(out);
      longer.set(m.extra, out.length);
      new DataView(longer.buffer).setUint32(24, longer.length); // keep the IKE Length consistent
      new DataView(longer.buffer).setUint16(30, longer.length - 28); // and the SKF Payload Length
      return longer;
    }
    case 'field':
      view.setUint16(m.offset, m.value);
      return out;
    case 'messageId':
      view.setUint32(20, m.value);
      return out;
  }
}

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('field' as const),
    offset: fc.constantFrom(32 as const, 34 as const),
    value: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({ kind: fc.constant('messageId' as const), value: fc.integer({ min: 0, max: 0xffff_ffff }) }),
);

describe('reassembler fuzz', () => {
  it('mutated fragments never pass, never throw, and a completed message is always the original', () => {
    let mutants = 0;
    fc.assert(
      fc.property(
        fc.nat(SUITES.length - 1),
        fc.array(fc.tuple(fc.boolean(), fc.nat(), arbMutation), { minLength: 1, maxLength: 30 }),
        (suite, steps) => {
          const { keys, plaintext, raws } = FIXTURES[suite]!;
          let partial: PartialMessage | undefined;
          for (const [genuine, which, mutation] of steps) {
            const original = raws[which % raws.length]!;
            const raw = genuine ? original : mutate(original, mutation);
            if (!genuine) mutants++;
            const f = asFragment(raw);
            if (!f) continue; // rejected by the decoder: counted as malformed by the router
            const r = addFragment(partial, f, keys, DEFAULT_FRAGMENT_LIMITS);
            const altered = !equalBytes(raw, original) || f.messageId !== 1;
            if (!r.ok) continue;
            // an altered fragment that is accepted would be a forgery
            expect(altered).toBe(false);
            if (r.value.kind === 'complete') {
              expect(equalBytes(r.value.message.plaintext, plaintext)).toBe(true);
              partial = undefined;
            } else partial = r.value.partial;
          }
        },
      ),
      { numRuns: 8000, seed: 7383 },
    );
    expect(mutants).toBeGreaterThan(20_000);
  });
});
