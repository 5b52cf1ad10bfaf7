/**
 * Property tests over every ESP transform combination in ipsec/crypto/transforms.ts, both
 * modes, with and without ESN, on both providers: round trips, tamper and truncation
 * rejection, replay rejection and in-window reordering.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId } from '../../../ipsec/crypto/ids.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { ENCR_TRANSFORMS, INTEG_TRANSFORMS } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider, EncrTransform, IntegTransform } from '../../../ipsec/crypto/types.js';
import {
  type EspDropReason,
  espDecapsulate,
  espEncapsulate,
  espMaxPayload,
  espPacketLength,
} from '../../../ipsec/esp/esp.js';
import { createEspSaFromKeys, type EspMode, type EspSa } from '../../../ipsec/esp/sa.js';
import { buildIpv4 } from '../../../ipsec/packet/ipv4.js';
import { buildIpv6 } from '../../../ipsec/packet/ipv6.js';
import { IpProto } from '../../../ipsec/packet/proto.js';
import { PROVIDERS } from '../../support/providers.js';

const TWO_32 = 2 ** 32;

/** Every ENCR with every INTEG it may go with: none for AEADs, required for NULL, optional otherwise. */
const COMBOS: readonly (readonly [string, EncrTransform, IntegTransform | undefined])[] =
  ENCR_TRANSFORMS.flatMap((e) => {
    const integs: (IntegTransform | undefined)[] = e.aead
      ? [undefined]
      : e.id === EncrId.NULL
        ? [...INTEG_TRANSFORMS]
        : [undefined, ...INTEG_TRANSFORMS];
    return integs.map((i) => [`${e.name}-${e.keyBits}${i ? `+${i.name}` : ''}`, e, i] as const);
  });

const VARIANTS: readonly (readonly [EspMode, boolean])[] = [
  ['transport', false],
  ['transport', true],
  ['tunnel', false],
  ['tunnel', true],
];

function makePair(
  provider: CryptoProvider,
  encr: EncrTransform,
  integ: IntegTransform | undefined,
  mode: EspMode,
  esn: boolean,
  startSeq = 0,
): { out: EspSa; in: EspSa } {
  const random = seededRandom(`${provider.name}/${encr.name}/${encr.keyBits}/${integ?.name}/${mode}/${esn}`);
  const keys = {
    provider,
    encr,
    encrKey: random(encr.keyLength),
    ...(integ ? { integ, integKey: random(integ.keyLength) } : {}),
    random,
  };
  const out = createEspSaFromKeys(keys, { spi: 0xc0ffee01, direction: 'outbound', mode, esn });
  const inn = createEspSaFromKeys(keys, {
    spi: 0xc0ffee01,
    direction: 'inbound',
    mode,
    esn,
    replayWindow: 256,
  });
  if (!out.ok || !inn.ok) throw new Error('SA creation failed');
  out.value.seq = startSeq;
  if (startSeq > 0) inn.value.replay!.commit(startSeq);
  return { out: out.value, in: inn.value };
}

/** A payload for the mode: an inner IPv4/IPv6 packet (tunnel) or raw upper-layer bytes (transport). */
const payloadArb = (mode: EspMode): fc.Arbitrary<{ payload: Uint8Array; nextHeader: number }> =>
  mode === 'transport'
    ? fc.record({
        payload: fc.uint8Array({ maxLength: 300 }),
        nextHeader: fc.constantFrom(1, 6, 17, 58, 143),
      })
    : fc.oneof(
        fc
          .record({
            data: fc.uint8Array({ maxLength: 300 }),
            a: fc.uint8Array({ minLength: 8, maxLength: 8 }),
          })
          .map(({ data, a }) => ({
            payload: buildIpv4({ src: a.subarray(0, 4), dst: a.subarray(4), protocol: 17, payload: data }),
            nextHeader: IpProto.IPV4,
          })),
        fc
          .record({
            data: fc.uint8Array({ maxLength: 300 }),
            a: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          })
          .map(({ data, a }) => ({
            payload: buildIpv6({
              src: a.subarray(0, 16),
              dst: a.subarray(16),
              nextHeader: 17,
              payload: data,
            }),
            nextHeader: IpProto.IPV6,
          })),
      );

function seal(sa: EspSa, payload: Uint8Array, nextHeader: number): Uint8Array {
  const r = espEncapsulate(sa, payload, nextHeader);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const TAMPER_REASONS: readonly EspDropReason[] = ['spi', 'replay', 'icv', 'malformed'];

describe.each(PROVIDERS)('ESP properties ($name provider)', (provider) => {
  describe.each(COMBOS)('%s', (_name, encr, integ) => {
    it('decapsulate(encapsulate(p)) = p in both modes, with and without ESN', () => {
      for (const [mode, esn] of VARIANTS) {
        // With ESN start just below a 2^32 boundary so that the high bits change mid-run.
        const { out, in: inn } = makePair(provider, encr, integ, mode, esn, esn ? 3 * TWO_32 - 5 : 0);
        fc.assert(
          fc.property(payloadArb(mode), ({ payload, nextHeader }) => {
            const packet = seal(out, payload, nextHeader);
            const r = espDecapsulate(inn, packet);
            return (
              r.ok &&
              r.value.nextHeader === nextHeader &&
              r.value.seq === out.seq &&
              equal(r.value.payload, payload)
            );
          }),
          { numRuns: 12 },
        );
      }
    });

    // Confidentiality-only SAs (no INTEG, RFC 4303 §3.2) cannot detect tampering: not asked of them.
    if (integ !== undefined || encr.aead)
      it('rejects any single-bit change and any truncation', () => {
        const { out, in: inn } = makePair(provider, encr, integ, 'transport', true, TWO_32 - 3);
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(), fc.nat(), (payload, bit, cut) => {
            const packet = seal(out, payload, 17);
            const flipped = packet.slice();
            const b = bit % (packet.length * 8);
            flipped[b >>> 3]! ^= 1 << (b & 7);
            const r1 = espDecapsulate(inn, flipped);
            const r2 = espDecapsulate(inn, packet.subarray(0, cut % packet.length));
            const rejected = (r: typeof r1): boolean => !r.ok && TAMPER_REASONS.includes(r.error.reason);
            // The rejected copies left no trace: the genuine packet still passes, once.
            const r3 = espDecapsulate(inn, packet);
            const r4 = espDecapsulate(inn, packet);
            return rejected(r1) && rejected(r2) && r3.ok && !r4.ok && r4.error.reason === 'replay';
          }),
          { numRuns: 25 },
        );
      });

    it('accepts in-window reordering once and rejects every replay', () => {
      const { out, in: inn } = makePair(provider, encr, integ, 'transport', false);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (count, seed) => {
          const packets = Array.from({ length: count }, (_, i) =>
            seal(out, Uint8Array.of(i, seed & 0xff), 17),
          );
          const order = shuffled(count, seed);
          const accepted = order.every((i) => espDecapsulate(inn, packets[i]!).ok);
          const replayed = order.every((i) => {
            const r = espDecapsulate(inn, packets[i]!);
            return !r.ok && r.error.reason === 'replay';
          });
          return accepted && replayed;
        }),
        { numRuns: 6 },
      );
    });
  });
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A deterministic permutation of 0..n-1 from a seed (Fisher-Yates on a small LCG). */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('decapsulation of arbitrary bytes', () => {
  it('never throws and always drops, for every transform', () => {
    const provider = PROVIDERS[0]!;
    const sas = COMBOS.map(([, e, i]) => makePair(provider, e, i, 'tunnel', true).in);
    fc.assert(
      fc.property(fc.nat(), fc.uint8Array({ maxLength: 200 }), fc.boolean(), (k, bytes, ownSpi) => {
        const sa = sas[k % sas.length]!;
        const packet = bytes.slice();
        if (ownSpi && packet.length >= 4) packet.set([0xc0, 0xff, 0xee, 0x01]); // reach the ICV stage
        return !espDecapsulate(sa, packet).ok;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('combination table', () => {
  it('covers every ENCR transform', () => {
    expect(new Set(COMBOS.map(([, e]) => e))).toEqual(new Set(ENCR_TRANSFORMS));
    expect(COMBOS.length).toBe(67);
  });
});

describe('ESP packet size (espPacketLength, espMaxPayload)', () => {
  const provider = PROVIDERS[0]!;
  it.each(COMBOS)(
    '%s: the length espEncapsulate produces, and the largest payload that fits a budget',
    (_n, e, i) => {
      const { out } = makePair(provider, e, i, 'tunnel', false);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1600 }),
          fc.integer({ min: 0, max: 1600 }),
          (length, budget) => {
            const esp = espEncapsulate(out, new Uint8Array(length), IpProto.IPV4);
            if (!esp.ok) throw new Error(esp.error.message);
            expect(espPacketLength(out, length)).toBe(esp.value.length);
            const max = espMaxPayload(out, budget);
            if (max >= 0) expect(espPacketLength(out, max)).toBeLessThanOrEqual(budget);
            if (max + 1 >= 0) expect(espPacketLength(out, max + 1)).toBeGreaterThan(budget); // the largest
          },
        ),
        { numRuns: 30 },
      );
    },
  );
});
