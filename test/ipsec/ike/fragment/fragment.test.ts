/**
 * IKE fragmentation, RFC 7383 §2.5-§2.6, as pure functions: fragmenting a protected message
 * (fragment.ts) and reassembling it (reassembly.ts) for every IKE cipher suite, any fragment
 * size, fragments reordered, duplicated, lost and resent, corrupted; the Total Fragments rules,
 * the limits, and the sizes (size.ts, mode.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId } from '../../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../../ipsec/crypto/random.js';
import { ENCR_TRANSFORMS, mustEncr, mustInteg } from '../../../../ipsec/crypto/transforms.js';
import type { EncrTransform, IntegTransform } from '../../../../ipsec/crypto/types.js';
import {
  addFragment,
  DEFAULT_FRAGMENT_LIMITS,
  type FragmentIn,
  type FragmentLimits,
  fragmentIn,
  fragmentMessage,
  fragmentOverhead,
  fragmentPlaintext,
  ikeMessageBudget,
  mayFragment,
  minimumBudgetForProposals,
  minimumFragmentBudget,
  type PartialMessage,
  plaintextPerFragment,
  udpDatagramOverhead,
} from '../../../../ipsec/ike/fragment/index.js';
import { ProtocolId } from '../../../../ipsec/ike/model.js';
import { parseProposals } from '../../../../ipsec/ike/proposal/keywords.js';
import { openSk, type SkKeys } from '../../../../ipsec/ike/sk.js';
import { ExchangeType, PayloadType } from '../../../../ipsec/ike/wire/constants.js';
import { decodeMessage, encodeMessage } from '../../../../ipsec/ike/wire/message.js';
import type { Payload } from '../../../../ipsec/ike/wire/payload-types.js';
import { equalBytes } from '../../../../ipsec/util/bytes.js';

const provider = nobleProvider;

interface Suite {
  readonly name: string;
  readonly encr: EncrTransform;
  readonly integ?: IntegTransform;
}
const INTEGS = [IntegId.HMAC_SHA1_96, IntegId.AES_XCBC_96, IntegId.HMAC_SHA2_512_256].map(mustInteg);
const SUITES: Suite[] = ENCR_TRANSFORMS.filter((e) => e.ike).flatMap((encr): Suite[] =>
  encr.aead
    ? [{ name: `${encr.name}-${encr.keyBits}`, encr }]
    : INTEGS.map((integ) => ({ name: `${encr.name}-${encr.keyBits}/${integ.name}`, encr, integ })),
);

function keysFor(suite: Suite, seed: string): SkKeys {
  const random = seededRandom(seed);
  const cipher = provider.cipher(suite.encr, random(suite.encr.keyLength));
  return suite.integ ? { cipher, mac: provider.mac(suite.integ, random(suite.integ.keyLength)) } : { cipher };
}

const HEADER = {
  spiI: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
  spiR: Uint8Array.of(9, 10, 11, 12, 13, 14, 15, 16),
  majorVersion: 2,
  minorVersion: 0,
  exchangeType: ExchangeType.IKE_AUTH,
  flags: 0x08, // Initiator, request
  messageId: 1,
};

/** An IKE_AUTH-like inner chain of about `size` octets. */
function payloadsOf(size: number, seed: string): Payload[] {
  const random = seededRandom(seed);
  return [
    { type: PayloadType.IDi, idType: 3, data: random(17) },
    { type: PayloadType.AUTH, method: 2, data: random(32) },
    { type: PayloadType.V, data: random(Math.max(0, size - 65)) },
  ];
}

function protectedMessage(keys: SkKeys, size: number, seed = 'msg') {
  const bytes = encodeMessage(
    { header: HEADER, payloads: payloadsOf(size, seed) },
    { keys, random: seededRandom(`${seed}/iv`) },
  );
  const d = decodeMessage(bytes);
  if (!d.ok || !d.value.sk) throw new Error('bad fixture');
  const plain = openSk(keys, bytes, d.value.sk.offset);
  if (!plain.ok) throw new Error('bad fixture');
  return { bytes, plaintext: plain.value.slice(), firstInner: d.value.sk.firstInnerPayload };
}

function fragmentsOf(keys: SkKeys, bytes: Uint8Array, budget: number, max = 255): FragmentIn[] {
  const r = fragmentMessage(bytes, keys, seededRandom('frag-iv'), budget, max);
  if (!r.ok) throw new Error(`fragmentMessage: ${r.error.code}`);
  return r.value.map((raw) => {
    const d = decodeMessage(raw);
    if (!d.ok) throw new Error(`fragment does not decode: ${d.error.message}`);
    return fragmentIn(d.value, raw)!;
  });
}

/** Feeds fragments in order; returns the completed plaintext (if any) and the drop reasons. */
function feed(keys: SkKeys, frags: readonly FragmentIn[], limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS) {
  let partial: PartialMessage | undefined;
  const drops: string[] = [];
  let complete: { firstInnerPayload: number; plaintext: Uint8Array } | undefined;
  let discarded = 0;
  for (const f of frags) {
    const r = addFragment(partial, f, keys, limits);
    if (!r.ok) {
      drops.push(r.error.reason);
      continue;
    }
    discarded += r.value.discarded;
    if (r.value.kind === 'stored') partial = r.value.partial;
    else {
      complete = r.value.message;
      partial = undefined;
    }
  }
  return { complete, drops, partial, discarded };
}

describe('fragmenting and reassembling, every IKE suite (RFC 7383 §2.5, §2.6)', () => {
  for (const suite of SUITES) {
    it(suite.name, () => {
      const keys = keysFor(suite, suite.name);
      const { bytes, plaintext, firstInner } = protectedMessage(keys, 700);
      const budget = 160;
      const frags = fragmentsOf(keys, bytes, budget);
      const chunk = plaintextPerFragment(budget, keys);
      expect(frags).toHaveLength(Math.ceil(plaintext.length / chunk));
      frags.forEach((f, i) => {
        expect(f.raw.length).toBeLessThanOrEqual(budget);
        expect(f.fragmentNumber).toBe(i + 1); // numbered from 1 (§2.5.3)
        expect(f.totalFragments).toBe(frags.length); // the same in all
        expect(f.firstInnerPayload).toBe(i === 0 ? firstInner : 0); // §2.5.3: only fragment 1
        expect(f.messageId).toBe(HEADER.messageId);
        expect(f.raw[16]).toBe(PayloadType.SKF); // IKE header Next Payload
      });
      const out = feed(keys, frags);
      expect(out.drops).toEqual([]);
      expect(out.complete?.firstInnerPayload).toBe(firstInner);
      expect(equalBytes(out.complete!.plaintext, plaintext)).toBe(true);
    });
  }
});

describe('properties', () => {
  const suites = [
    { name: 'aes-cbc/sha1', encr: mustEncr(EncrId.AES_CBC, 128), integ: mustInteg(IntegId.HMAC_SHA1_96) },
    { name: 'aes-gcm16', encr: mustEncr(EncrId.AES_GCM_16, 256) },
    { name: 'aes-ctr/xcbc', encr: mustEncr(EncrId.AES_CTR, 128), integ: mustInteg(IntegId.AES_XCBC_96) },
  ];

  it('any fragment size, fragments reordered, duplicated, some lost then retransmitted: the same message', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...suites),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 30, max: 800 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (suite, extra, size, order, dups, lost) => {
          const keys = keysFor(suite, suite.name);
          const budget = minimumFragmentBudget(suite.encr, suite.integ) + extra;
          const { bytes, plaintext } = protectedMessage(keys, size, `p${size}`);
          const frags = fragmentsOf(keys, bytes, budget, 0xffff); // down to 1 octet per fragment
          const limits = { ...DEFAULT_FRAGMENT_LIMITS, maxFragments: 0xffff };
          // one transmission: reordered, some duplicated, some lost
          const shuffled = frags.slice();
          order.forEach((o, i) => {
            const j = o % shuffled.length;
            const k = i % shuffled.length;
            [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
          });
          const lostSet = new Set(lost.map((l) => l % frags.length));
          if (lostSet.size === frags.length) lostSet.delete(0);
          const first = shuffled.filter((f) => !lostSet.has(f.fragmentNumber - 1));
          const withDups = [...first, ...dups.map((d) => first[d % first.length]!)];
          // the retransmission: all fragments again (RFC 7383 §2.6.1)
          const out = feed(keys, [...withDups, ...frags], limits);
          expect(out.complete).toBeDefined();
          expect(equalBytes(out.complete!.plaintext, plaintext)).toBe(true);
          expect(out.drops.every((d) => d === 'duplicate')).toBe(true);
          // every fragment is stored once: the rest are duplicates (up to the completing one)
          const completing = withDups.length + frags.length - out.drops.length;
          expect(completing).toBeGreaterThanOrEqual(frags.length);
        },
      ),
      { numRuns: 150, seed: 7383 },
    );
  });

  it('an integrity failure drops only that fragment; the good copy later completes the message', () => {
    fc.assert(
      fc.property(fc.constantFrom(...suites), fc.nat(), fc.nat(), (suite, which, bit) => {
        const keys = keysFor(suite, suite.name);
        const { bytes, plaintext } = protectedMessage(keys, 600);
        const frags = fragmentsOf(keys, bytes, 150);
        const k = which % frags.length;
        const bad = frags[k]!.raw.slice();
        const at = 28 + 8 + (bit % (bad.length - 36)); // anywhere in IV, ciphertext or ICV
        bad[at]! ^= 1 << (bit % 8);
        const corrupted = { ...frags[k]!, raw: bad };
        const out = feed(keys, [corrupted, ...frags.filter((_, i) => i !== k)]);
        expect(out.drops).toEqual(['integrity']);
        expect(out.complete).toBeUndefined();
        expect(out.partial?.received).toBe(frags.length - 1);
        const r = addFragment(out.partial, frags[k]!, keys, DEFAULT_FRAGMENT_LIMITS);
        expect(r.ok && r.value.kind === 'complete' && equalBytes(r.value.message.plaintext, plaintext)).toBe(
          true,
        );
      }),
      { numRuns: 100, seed: 1 },
    );
  });
});

describe('Total Fragments and Fragment Number checks (§2.6)', () => {
  const suite = {
    name: 'aes-cbc',
    encr: mustEncr(EncrId.AES_CBC, 128),
    integ: mustInteg(IntegId.HMAC_SHA1_96),
  };
  const keys = keysFor(suite, 'totals');
  const { bytes, plaintext } = protectedMessage(keys, 500);
  const small = fragmentsOf(keys, bytes, 120); // more fragments
  const large = fragmentsOf(keys, bytes, 200); // fewer fragments

  it('the fixture has different totals', () => {
    expect(small[0]!.totalFragments).toBeGreaterThan(large[0]!.totalFragments);
  });

  it('a higher Total Fragments discards what was collected and starts over', () => {
    const out = feed(keys, [large[0]!, large[1]!, ...small]);
    expect(out.discarded).toBe(2);
    expect(equalBytes(out.complete!.plaintext, plaintext)).toBe(true);
  });

  it('a lower Total Fragments than collected so far is dropped', () => {
    const out = feed(keys, [small[0]!, ...large]);
    expect(out.drops).toEqual(large.map(() => 'staleTotal'));
    expect(out.complete).toBeUndefined();
  });

  it('Fragment Number 0, Total 0 or Number > Total are dropped', () => {
    for (const [n, t] of [
      [0, 3],
      [1, 0],
      [4, 3],
    ] as const) {
      const r = addFragment(
        undefined,
        { ...small[0]!, fragmentNumber: n, totalFragments: t },
        keys,
        DEFAULT_FRAGMENT_LIMITS,
      );
      expect(r.ok ? 'stored' : r.error.reason).toBe('invalidNumber');
    }
  });

  it('a claimed number differing from the authenticated one fails integrity (numbers are in the AAD / ICV)', () => {
    const f = small[1]!;
    const raw = f.raw.slice();
    raw[28 + 5] = 3; // Fragment Number 2 -> 3
    const d = decodeMessage(raw);
    expect(d.ok).toBe(true);
    const r = addFragment(
      undefined,
      fragmentIn(d.ok ? d.value : (undefined as never), raw)!,
      keys,
      DEFAULT_FRAGMENT_LIMITS,
    );
    expect(r.ok ? 'stored' : r.error.reason).toBe('integrity');
  });

  it('a fragment of another Message ID starts a new message', () => {
    const first = feed(keys, small.slice(0, 2)).partial!;
    const r = addFragment(first, { ...large[0]!, messageId: 2 }, keys, DEFAULT_FRAGMENT_LIMITS);
    // the header still says Message ID 1 and is authenticated: the forged ID is caught only if
    // the raw octets change; here only the parsed value differs, so it is stored as message 2
    expect(r.ok && r.value.kind === 'stored' && r.value.partial.messageId === 2).toBe(true);
  });
});

describe('limits', () => {
  const suite = { name: 'aes-gcm', encr: mustEncr(EncrId.AES_GCM_16, 128) };
  const keys = keysFor(suite, 'limits');
  const { bytes } = protectedMessage(keys, 900);
  const frags = fragmentsOf(keys, bytes, 100);

  it('more fragments than maxFragments: not sent, and not accepted', () => {
    const r = fragmentMessage(bytes, keys, seededRandom('x'), 100, frags.length - 1);
    expect(r.ok ? 'ok' : r.error).toEqual({
      code: 'TOO_MANY_FRAGMENTS',
      needed: frags.length,
      max: frags.length - 1,
    });
    const limits = { ...DEFAULT_FRAGMENT_LIMITS, maxFragments: frags.length - 1 };
    expect(feed(keys, frags, limits).drops).toEqual(frags.map(() => 'tooManyFragments'));
  });

  it('a message over maxMessageBytes is refused fragment by fragment', () => {
    const limits = { ...DEFAULT_FRAGMENT_LIMITS, maxMessageBytes: 300 };
    const out = feed(keys, frags, limits);
    expect(out.complete).toBeUndefined();
    expect(out.drops.length).toBeGreaterThan(0);
    expect(out.drops.every((d) => d === 'tooLarge')).toBe(true);
    expect(out.partial!.octets).toBeLessThanOrEqual(300);
  });

  it('the per-SA budget counts the other direction too', () => {
    const limits = { ...DEFAULT_FRAGMENT_LIMITS, maxBufferedBytes: 1000 };
    const r = addFragment(undefined, frags[0]!, keys, limits, 990);
    expect(r.ok ? 'stored' : r.error.reason).toBe('tooLarge');
  });

  it('255 fragments of a tiny budget reassemble', () => {
    const big = protectedMessage(keys, 255 * 19 - 30, 'big');
    const budget = minimumFragmentBudget(suite.encr) + 18; // 19 octets of plaintext each
    expect(plaintextPerFragment(budget, keys)).toBe(19);
    const many = fragmentsOf(keys, big.bytes, budget);
    expect(many.length).toBeLessThanOrEqual(255);
    expect(equalBytes(feed(keys, many.slice().reverse()).complete!.plaintext, big.plaintext)).toBe(true);
  });
});

describe('sizes', () => {
  it('minimumFragmentBudget is exact: one octet of plaintext fits, one octet less fails', () => {
    for (const suite of SUITES) {
      const keys = keysFor(suite, suite.name);
      const min = minimumFragmentBudget(suite.encr, suite.integ);
      expect(plaintextPerFragment(min, keys)).toBeGreaterThanOrEqual(1);
      expect(plaintextPerFragment(min - 1, keys)).toBeLessThan(1);
      const header = new Uint8Array(28);
      const r = fragmentPlaintext(header, 41, new Uint8Array(10), keys, seededRandom('s'), min - 1, 255);
      expect(r.ok ? 'ok' : r.error).toEqual({
        code: 'SIZE_TOO_SMALL',
        budget: min - 1,
        overhead: fragmentOverhead(keys),
      });
    }
  });

  it('minimumBudgetForProposals takes the worst transform of any proposal', () => {
    const p = parseProposals(['aes128gcm16-prfsha256-ecp256', 'aes256-sha512-modp2048'], ProtocolId.IKE);
    if (!p.ok) throw new Error('proposals');
    // AES-CBC: 16 IV + 32 ICV (HMAC-SHA2-512-256) + one 16-octet block, + 28 + 8 headers
    expect(minimumBudgetForProposals(p.value)).toBe(28 + 8 + 16 + 32 + 16);
  });

  it('UDP overhead: IPv4 20 / IPv6 40, UDP 8, non-ESP marker 4 on the NAT-T port', () => {
    expect(udpDatagramOverhead('192.0.2.1', false)).toBe(28);
    expect(udpDatagramOverhead('192.0.2.1', true)).toBe(32);
    expect(udpDatagramOverhead('2001:db8::1', true)).toBe(52);
    expect(ikeMessageBudget(1280, '192.0.2.1', 32)).toBe(1248);
    expect(ikeMessageBudget(0, '192.0.2.1', 28)).toBe(576 - 28); // RFC 7383 §2.5.1 defaults
    expect(ikeMessageBudget(0, '2001:db8::1', 48)).toBe(1280 - 48);
  });

  it('mode: never IKE_SA_INIT; yes needs the peer; force does not; accept and no never send fragments', () => {
    const AUTH = ExchangeType.IKE_AUTH;
    expect(mayFragment('yes', true, ExchangeType.IKE_SA_INIT)).toBe(false);
    expect(mayFragment('force', false, ExchangeType.IKE_SA_INIT)).toBe(false);
    expect(mayFragment('yes', true, AUTH)).toBe(true);
    expect(mayFragment('yes', false, AUTH)).toBe(false);
    expect(mayFragment('force', false, AUTH)).toBe(true);
    expect(mayFragment('accept', true, AUTH)).toBe(false);
    expect(mayFragment('no', true, AUTH)).toBe(false);
  });
});
