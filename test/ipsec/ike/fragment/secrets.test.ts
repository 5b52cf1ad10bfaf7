/**
 * Decrypted IKE fragments are secrets (reassembly.ts): what reassembly discards is zeroed in
 * place (a restart on a higher Total Fragments, another Message ID, a fragment over the limits,
 * the parts once joined, discardPartial), and what it keeps is not touched. verifyFragment, the
 * check of a retransmitted fragment 1 before the response is resent (RFC 7383 §2.6.1), verifies
 * numbers and integrity and zeroes the plaintext it decrypted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../../ipsec/crypto/random.js';
import { mustEncr, mustInteg } from '../../../../ipsec/crypto/transforms.js';
import type { Cipher, EncrTransform, IntegTransform } from '../../../../ipsec/crypto/types.js';
import {
  addFragment,
  DEFAULT_FRAGMENT_LIMITS,
  discardPartial,
  type FragmentIn,
  fragmentIn,
  fragmentMessage,
  type PartialMessage,
  verifyFragment,
} from '../../../../ipsec/ike/fragment/index.js';
import { openSk, type SkKeys } from '../../../../ipsec/ike/sk.js';
import { ExchangeType, PayloadType } from '../../../../ipsec/ike/wire/constants.js';
import { decodeMessage, encodeMessage } from '../../../../ipsec/ike/wire/message.js';
import { equalBytes } from '../../../../ipsec/util/bytes.js';

const SUITES: { name: string; encr: EncrTransform; integ?: IntegTransform }[] = [
  { name: 'AES_GCM_16-128', encr: mustEncr(EncrId.AES_GCM_16, 128) },
  {
    name: 'AES_CBC-256/HMAC_SHA2_256_128',
    encr: mustEncr(EncrId.AES_CBC, 256),
    integ: mustInteg(IntegId.HMAC_SHA2_256_128),
  },
];

/** The suite's keys, with every buffer its cipher decrypts recorded in `decrypted`. */
function recordingKeys(suite: (typeof SUITES)[number], seed: string) {
  const random = seededRandom(seed);
  const real = nobleProvider.cipher(suite.encr, random(suite.encr.keyLength));
  const decrypted: Uint8Array[] = [];
  const cipher = new Proxy(real, {
    get(target, p) {
      if (p === 'decrypt')
        return (...args: Parameters<Cipher['decrypt']>) => {
          const out = target.decrypt(...args);
          if (out) decrypted.push(out);
          return out;
        };
      const v = Reflect.get(target, p);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const keys: SkKeys = suite.integ
    ? { cipher, mac: nobleProvider.mac(suite.integ, random(suite.integ.keyLength)) }
    : { cipher };
  return { keys, decrypted };
}

/** A protected IKE_AUTH-like request of about `size` octets, its plaintext, its fragments. */
function message(keys: SkKeys, size: number, budget: number, messageId = 1) {
  const random = seededRandom(`msg/${size}`);
  const bytes = encodeMessage(
    {
      header: {
        spiI: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
        spiR: Uint8Array.of(9, 10, 11, 12, 13, 14, 15, 16),
        majorVersion: 2,
        minorVersion: 0,
        exchangeType: ExchangeType.IKE_AUTH,
        flags: 0x08,
        messageId,
      },
      payloads: [{ type: PayloadType.V, data: random(size) }],
    },
    { keys, random: seededRandom('iv') },
  );
  const d = decodeMessage(bytes);
  if (!d.ok || !d.value.sk) throw new Error('bad fixture');
  const plain = openSk(keys, bytes, d.value.sk.offset);
  if (!plain.ok) throw new Error('bad fixture');
  const r = fragmentMessage(bytes, keys, seededRandom('frag-iv'), budget, 255);
  if (!r.ok) throw new Error(r.error.code);
  const frags = r.value.map((raw) => {
    const m = decodeMessage(raw);
    if (!m.ok) throw new Error(m.error.message);
    return fragmentIn(m.value, raw)!;
  });
  return { plaintext: plain.value.slice(), frags };
}

const isZero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);
const nonZero = (b: Uint8Array) => b.some((x) => x !== 0);
/** The plaintext openSk handed out of a recorded decrypt output (before the padding). */
const contentOf = (padded: Uint8Array) => padded.subarray(0, padded.length - 1 - padded[padded.length - 1]!);

function collect(keys: SkKeys, frags: readonly FragmentIn[], limits = DEFAULT_FRAGMENT_LIMITS) {
  let partial: PartialMessage | undefined;
  for (const f of frags) {
    const r = addFragment(partial, f, keys, limits);
    if (!r.ok || r.value.kind !== 'stored') throw new Error('expected stored');
    partial = r.value.partial;
  }
  return partial!;
}

const heldParts = (p: PartialMessage) => p.parts.filter((x): x is Uint8Array => x !== undefined);

for (const suite of SUITES) {
  describe(`reassembly zeroes what it discards (${suite.name})`, () => {
    it('the parts once joined; the joined plaintext is intact', () => {
      const { keys } = recordingKeys(suite, 'joined');
      const { plaintext, frags } = message(keys, 500, 120);
      expect(frags.length).toBeGreaterThan(3);
      const partial = collect(keys, frags.slice(0, -1));
      const held = heldParts(partial);
      expect(held.every(nonZero)).toBe(true);
      const r = addFragment(partial, frags.at(-1)!, keys, DEFAULT_FRAGMENT_LIMITS);
      expect(r.ok && r.value.kind === 'complete' && equalBytes(r.value.message.plaintext, plaintext)).toBe(
        true,
      );
      expect(held.every(isZero)).toBe(true);
    });

    it('a higher Total Fragments restarts reassembly: the earlier parts are zeroed (§2.6)', () => {
      const { keys } = recordingKeys(suite, 'restart');
      const big = message(keys, 500, 200);
      const small = message(keys, 500, 120);
      expect(small.frags[0]!.totalFragments).toBeGreaterThan(big.frags[0]!.totalFragments);
      const first = collect(keys, big.frags.slice(0, 2));
      const held = heldParts(first);
      const r = addFragment(first, small.frags[0]!, keys, DEFAULT_FRAGMENT_LIMITS);
      expect(r.ok && r.value.kind === 'stored' && r.value.discarded).toBe(2);
      expect(held.every(isZero)).toBe(true);
    });

    it('a fragment of another Message ID starts over: the earlier parts are zeroed', () => {
      const { keys } = recordingKeys(suite, 'other-id');
      const one = message(keys, 500, 120, 1);
      const two = message(keys, 500, 120, 2);
      const first = collect(keys, one.frags.slice(0, 2));
      const held = heldParts(first);
      const r = addFragment(first, two.frags[0]!, keys, DEFAULT_FRAGMENT_LIMITS);
      expect(r.ok && r.value.kind === 'stored' && r.value.partial.messageId).toBe(2);
      expect(held.every(isZero)).toBe(true);
    });

    it('a fragment over the size limits is zeroed; what is kept is not touched', () => {
      const { keys, decrypted } = recordingKeys(suite, 'too-large');
      const { frags } = message(keys, 500, 120);
      const two = collect(keys, frags.slice(0, 2)).octets;
      const limits = { ...DEFAULT_FRAGMENT_LIMITS, maxMessageBytes: two + 1 }; // room for 2 fragments, not 3
      const partial = collect(keys, frags.slice(0, 2), limits);
      const held = heldParts(partial);
      const before = decrypted.length;
      const r = addFragment(partial, frags[2]!, keys, limits);
      expect(r.ok ? r.value.kind : r.error.reason).toBe('tooLarge');
      expect(decrypted).toHaveLength(before + 1);
      expect(isZero(contentOf(decrypted.at(-1)!))).toBe(true);
      expect(held.every(nonZero)).toBe(true);
    });

    it('a duplicate or a forged fragment leaves what is kept untouched', () => {
      const { keys } = recordingKeys(suite, 'kept');
      const { frags } = message(keys, 500, 120);
      const partial = collect(keys, frags.slice(0, 2));
      const forged = frags[2]!.raw.slice();
      forged.fill(0xa5, forged.length - 8);
      for (const f of [frags[1]!, { ...frags[2]!, raw: forged }]) {
        const r = addFragment(partial, f, keys, DEFAULT_FRAGMENT_LIMITS);
        expect(r.ok).toBe(false);
      }
      expect(heldParts(partial).every(nonZero)).toBe(true);
    });

    it('discardPartial zeroes every part held (timeout, IKE SA destroyed)', () => {
      const { keys } = recordingKeys(suite, 'discard');
      const { frags } = message(keys, 500, 120);
      const partial = collect(keys, [frags[0]!, frags[2]!]);
      discardPartial(partial);
      expect(heldParts(partial)).toHaveLength(2);
      expect(heldParts(partial).every(isZero)).toBe(true);
      discardPartial(undefined);
    });

    it('verifyFragment: a genuine fragment 1 passes and its plaintext is zeroed; forged or misnumbered ones fail', () => {
      const { keys, decrypted } = recordingKeys(suite, 'verify');
      const { frags } = message(keys, 500, 120);
      const f1 = frags[0]!;
      const before = decrypted.length;
      expect(verifyFragment(f1, keys, DEFAULT_FRAGMENT_LIMITS).ok).toBe(true);
      expect(decrypted).toHaveLength(before + 1);
      expect(isZero(contentOf(decrypted.at(-1)!))).toBe(true);
      const garbage = f1.raw.slice();
      garbage.fill(0x5a, 28 + 8); // SKF body (IV, ciphertext, ICV) replaced
      const bad = verifyFragment({ ...f1, raw: garbage }, keys, DEFAULT_FRAGMENT_LIMITS);
      expect(bad.ok ? 'ok' : bad.error.reason).toBe('integrity');
      const total0 = verifyFragment({ ...f1, totalFragments: 0 }, keys, DEFAULT_FRAGMENT_LIMITS);
      expect(total0.ok ? 'ok' : total0.error.reason).toBe('invalidNumber');
    });
  });
}

describe('any arrival order', () => {
  it('every part ever stored is zeroed by the time the message is complete', () => {
    const suite = SUITES[0]!;
    const { keys } = recordingKeys(suite, 'order');
    const { plaintext, frags } = message(keys, 400, 100);
    fc.assert(
      fc.property(fc.shuffledSubarray([...frags.keys()], { minLength: frags.length }), (order) => {
        let partial: PartialMessage | undefined;
        const stored: Uint8Array[] = [];
        for (const i of order) {
          const r = addFragment(partial, frags[i]!, keys, DEFAULT_FRAGMENT_LIMITS);
          if (!r.ok) return false;
          if (r.value.kind === 'complete') {
            return stored.every(isZero) && equalBytes(r.value.message.plaintext, plaintext);
          }
          partial = r.value.partial;
          stored.splice(0, stored.length, ...heldParts(partial));
        }
        return false;
      }),
      { numRuns: 50, seed: 7383 },
    );
  });
});
