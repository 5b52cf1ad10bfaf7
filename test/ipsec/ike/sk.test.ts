import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncrId, IntegId, PrfId } from '../../../ipsec/crypto/ids.js';
import { nobleProvider } from '../../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { ENCR_TRANSFORMS, mustEncr, mustInteg, mustPrf } from '../../../ipsec/crypto/transforms.js';
import type { EncrTransform, IntegTransform } from '../../../ipsec/crypto/types.js';
import type { IkeSaKeys } from '../../../ipsec/ike/keys/ike-keys.js';
import {
  createSkKeyPair,
  createSkKeys,
  openSk,
  type SkKeys,
  sealSk,
  skKeysForMessage,
  verifySk,
} from '../../../ipsec/ike/sk.js';
import { concatBytes, toHex } from '../../../ipsec/util/bytes.js';
import { IKE_HEADER_LENGTH, skPrefix } from '../../support/ike-walk.js';

const provider = nobleProvider;
const SK_OFFSET = IKE_HEADER_LENGTH;

interface Suite {
  readonly name: string;
  readonly encr: EncrTransform;
  readonly integ?: IntegTransform;
}

const INTEGS = [
  IntegId.HMAC_SHA1_96,
  IntegId.AES_XCBC_96,
  IntegId.AES_CMAC_96,
  IntegId.HMAC_SHA2_256_128,
].map(mustInteg);
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

const icvLengthOf = (keys: SkKeys): number =>
  keys.cipher.transform.aead ? keys.cipher.transform.icvLength : keys.mac!.transform.icvLength;

const prefix = skPrefix(
  {
    spiI: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    spiR: Uint8Array.of(9, 10, 11, 12, 13, 14, 15, 16),
    exchange: 37, // INFORMATIONAL
    flags: 0x08, // Initiator
    messageId: 7,
  },
  41, // N
);

/** Encrypts `padded` as given (no padding added) and protects it like sealSk: to craft bad padding. */
function sealRaw(keys: SkKeys, iv: Uint8Array, padded: Uint8Array): Uint8Array {
  const encr = keys.cipher.transform;
  const head = prefix(iv.length + padded.length + icvLengthOf(keys));
  if (encr.aead) return concatBytes(head, iv, keys.cipher.encrypt(iv, padded, head));
  const covered = concatBytes(head, iv, keys.cipher.encrypt(iv, padded));
  return concatBytes(covered, keys.mac!.compute(covered));
}

describe.each(SUITES)('SK payload with $name', (suite) => {
  const keys = keysFor(suite, suite.name);
  const { encr } = suite;
  const icvLength = icvLengthOf(keys);

  it('round-trips any plaintext with minimal padding, zero Padding octets and the injected IV', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), (plaintext, seed) => {
        const iv = seededRandom(seed)(encr.ivLength);
        const message = sealSk(keys, () => iv.slice(), prefix, plaintext);
        const paddedLength = Math.ceil((plaintext.length + 1) / encr.blockSize) * encr.blockSize; // §3.14
        expect(message.length).toBe(SK_OFFSET + 4 + encr.ivLength + paddedLength + icvLength);
        expect(toHex(message.subarray(0, SK_OFFSET + 4))).toBe(toHex(prefix(message.length - SK_OFFSET - 4)));
        expect(toHex(message.subarray(SK_OFFSET + 4, SK_OFFSET + 4 + encr.ivLength))).toBe(toHex(iv));

        const opened = openSk(keys, message, SK_OFFSET);
        expect(opened.ok && toHex(opened.value)).toBe(toHex(plaintext));

        // Decrypted by hand: plaintext | zero Padding | Pad Length.
        const ctStart = SK_OFFSET + 4 + encr.ivLength;
        const head = message.subarray(0, SK_OFFSET + 4);
        const padded = encr.aead
          ? keys.cipher.decrypt(iv, message.subarray(ctStart), head)
          : keys.cipher.decrypt(iv, message.subarray(ctStart, message.length - icvLength));
        expect(padded).toBeDefined();
        const padLength = paddedLength - plaintext.length - 1;
        expect(padded![padded!.length - 1]).toBe(padLength);
        expect(padded!.subarray(plaintext.length, plaintext.length + padLength).every((b) => b === 0)).toBe(
          true,
        );
      }),
      { numRuns: 25 },
    );
  });

  it('places the ICV as RFC 7296 §3.14 / RFC 5282 §5.1 say', () => {
    const plaintext = Uint8Array.from({ length: 37 }, (_, i) => i);
    const message = sealSk(keys, seededRandom('iv'), prefix, plaintext);
    const head = message.subarray(0, SK_OFFSET + 4);
    const iv = message.subarray(SK_OFFSET + 4, SK_OFFSET + 4 + encr.ivLength);
    const padLength = message.length - head.length - iv.length - icvLength - plaintext.length - 1;
    const padded = concatBytes(plaintext, new Uint8Array(padLength), Uint8Array.of(padLength));
    if (encr.aead) {
      // AAD = IKE header .. SK generic header; the AEAD output is ciphertext | tag.
      expect(toHex(message.subarray(head.length + iv.length))).toBe(
        toHex(keys.cipher.encrypt(iv, padded, head)),
      );
    } else {
      const icvAt = message.length - icvLength;
      expect(toHex(message.subarray(icvAt))).toBe(toHex(keys.mac!.compute(message.subarray(0, icvAt))));
    }
  });

  it('flipping any bit gives INTEGRITY (TRUNCATED in the SK Payload Length), never a throw', () => {
    const message = sealSk(keys, seededRandom(`flip ${suite.name}`), prefix, seededRandom('pt')(61));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: message.length * 8 - 1 }), (bit) => {
        const mutated = message.slice();
        mutated[bit >> 3]! ^= 1 << (bit & 7);
        const result = openSk(keys, mutated, SK_OFFSET);
        const inLengthField = bit >> 3 === SK_OFFSET + 2 || bit >> 3 === SK_OFFSET + 3;
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe(inLengthField ? 'TRUNCATED' : 'INTEGRITY');
      }),
      { numRuns: 300 },
    );
  });

  it('a truncated message gives TRUNCATED', () => {
    const message = sealSk(keys, seededRandom('trunc'), prefix, seededRandom('pt')(40));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: message.length - 1 }), (length) => {
        const result = openSk(keys, message.subarray(0, length), SK_OFFSET);
        expect(result).toMatchObject({ ok: false, error: { code: 'TRUNCATED' } });
      }),
    );
  });

  it('an SK body too short for IV, Pad Length and ICV, or not block-aligned, gives TRUNCATED', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: encr.ivLength + 2 * encr.blockSize + icvLength }),
        (bodyLength) => {
          const ctLength = bodyLength - encr.ivLength - icvLength;
          fc.pre(ctLength < 1 || ctLength % encr.blockSize !== 0);
          const message = concatBytes(prefix(bodyLength), seededRandom(bodyLength)(bodyLength));
          expect(openSk(keys, message, SK_OFFSET)).toEqual({
            ok: false,
            error: { code: 'TRUNCATED', offset: SK_OFFSET + 4 },
          });
        },
      ),
    );
  });

  it('a Pad Length beyond the decrypted data gives PADDING, after integrity passed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 255 }), (blocks, padByte) => {
        const length = blocks * Math.max(encr.blockSize, 16);
        fc.pre(padByte + 1 > length);
        const padded = seededRandom(`pad ${padByte}`)(length);
        padded[length - 1] = padByte;
        const message = sealRaw(keys, seededRandom('iv')(encr.ivLength), padded);
        expect(openSk(keys, message, SK_OFFSET)).toEqual({
          ok: false,
          error: { code: 'PADDING', offset: message.length - icvLength - 1 },
        });
      }),
    );
  });

  it('accepts any Pad Length that fits (§3.14: the recipient MUST accept it)', () => {
    const length = 4 * Math.max(encr.blockSize, 16);
    const padded = seededRandom('any pad')(length);
    padded[length - 1] = length - 1; // everything is padding: an empty inner chain
    const message = sealRaw(keys, seededRandom('iv')(encr.ivLength), padded);
    expect(openSk(keys, message, SK_OFFSET)).toEqual({ ok: true, value: new Uint8Array(0) });
  });
});

describe('openSk on arbitrary input', () => {
  const cbc = keysFor({ name: 'cbc', encr: mustEncr(EncrId.AES_CBC, 128), integ: INTEGS[3]! }, 'arb');
  const gcm = keysFor({ name: 'gcm', encr: mustEncr(EncrId.AES_GCM_16, 128) }, 'arb');

  it('never throws and never accepts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.oneof(
          fc.integer({ min: -5, max: 210 }),
          fc.constantFrom(Number.NaN, 1.5, Number.POSITIVE_INFINITY),
        ),
        fc.boolean(),
        (message, offset, aead) => {
          const result = openSk(aead ? gcm : cbc, message, offset);
          expect(result.ok).toBe(false);
          if (!result.ok && result.error.code !== 'INTEGRITY') {
            expect(result.error.offset).toBeGreaterThanOrEqual(0);
            expect(result.error.offset).toBeLessThanOrEqual(Math.max(message.length, 0));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('SK body of consistent length but random content gives INTEGRITY', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.boolean(), (blocks, aead) => {
        const keys = aead ? gcm : cbc;
        const bodyLength = keys.cipher.transform.ivLength + blocks * 16 + icvLengthOf(keys);
        const message = concatBytes(prefix(bodyLength), seededRandom(blocks)(bodyLength));
        expect(openSk(keys, message, SK_OFFSET)).toEqual({ ok: false, error: { code: 'INTEGRITY' } });
      }),
    );
  });

  it('a classic cipher without a MAC fails closed', () => {
    const message = sealSk(cbc, seededRandom('x'), prefix, Uint8Array.of(1, 2, 3));
    expect(openSk({ cipher: cbc.cipher }, message, SK_OFFSET)).toEqual({
      ok: false,
      error: { code: 'INTEGRITY' },
    });
  });
});

describe('verifySk: integrity without keeping the plaintext (RFC 7296 §2.1 retransmissions)', () => {
  it.each(SUITES)('$name: a sealed message verifies, any changed octet of it does not', (suite) => {
    const keys = keysFor(suite, `verify ${suite.name}`);
    const message = sealSk(keys, seededRandom('iv'), prefix, Uint8Array.of(1, 2, 3, 4, 5));
    expect(verifySk(keys, message, SK_OFFSET)).toEqual({ ok: true, value: undefined });
    for (let i = 0; i < message.length; i++) {
      const bad = message.slice();
      bad[i]! ^= 0x01;
      const r = verifySk(keys, bad, SK_OFFSET);
      expect(r.ok).toBe(false);
      expect(openSk(keys, bad, SK_OFFSET).ok).toBe(false);
    }
  });

  it('a classic cipher: only the ICV is checked, nothing is decrypted (§3.14)', () => {
    const keys = keysFor({ name: 'cbc', encr: mustEncr(EncrId.AES_CBC, 128), integ: INTEGS[3]! }, 'v');
    const message = sealSk(keys, seededRandom('iv'), prefix, Uint8Array.of(1, 2, 3));
    let decrypts = 0;
    const cipher = {
      ...keys.cipher,
      decrypt: (...a: Parameters<typeof keys.cipher.decrypt>) => {
        decrypts++;
        return keys.cipher.decrypt(...a);
      },
    };
    expect(verifySk({ cipher, mac: keys.mac! }, message, SK_OFFSET).ok).toBe(true);
    expect(verifySk({ cipher: keys.cipher }, message, SK_OFFSET)).toEqual({
      ok: false,
      error: { code: 'INTEGRITY' },
    });
    expect(decrypts).toBe(0);
  });

  it('AEAD: the plaintext decrypted to check the tag is zeroed (RFC 5282 §5.1)', () => {
    const keys = keysFor({ name: 'gcm', encr: mustEncr(EncrId.AES_GCM_16, 128) }, 'v');
    const message = sealSk(keys, seededRandom('iv'), prefix, Uint8Array.of(9, 8, 7, 6));
    const seen: Uint8Array[] = [];
    const cipher = {
      ...keys.cipher,
      decrypt: (...a: Parameters<typeof keys.cipher.decrypt>) => {
        const out = keys.cipher.decrypt(...a);
        if (out) seen.push(out);
        return out;
      },
    };
    expect(verifySk({ cipher }, message, SK_OFFSET).ok).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.every((x) => x === 0)).toBe(true);
  });

  it('agrees with openSk on arbitrary input: never throws, never accepts', () => {
    const cbc = keysFor({ name: 'cbc', encr: mustEncr(EncrId.AES_CBC, 128), integ: INTEGS[3]! }, 'arb');
    const gcm = keysFor({ name: 'gcm', encr: mustEncr(EncrId.AES_GCM_16, 128) }, 'arb');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: -5, max: 210 }),
        fc.boolean(),
        (m, at, aead) => {
          const keys = aead ? gcm : cbc;
          const r = verifySk(keys, m, at);
          expect(r.ok).toBe(false);
          expect(r).toEqual(openSk(keys, m, at));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('sealSk programming errors', () => {
  const gcm = keysFor({ name: 'gcm', encr: mustEncr(EncrId.AES_GCM_16, 128) }, 'p');
  const cbc = keysFor({ name: 'cbc', encr: mustEncr(EncrId.AES_CBC, 128), integ: INTEGS[3]! }, 'p');
  it('refuses mismatched keys and short random or padding sources', () => {
    expect(() => sealSk({ cipher: cbc.cipher }, seededRandom(1), prefix, new Uint8Array(3))).toThrow();
    expect(() =>
      sealSk({ cipher: gcm.cipher, mac: cbc.mac! }, seededRandom(1), prefix, new Uint8Array(3)),
    ).toThrow();
    expect(() => sealSk(cbc, () => new Uint8Array(8), prefix, new Uint8Array(3))).toThrow();
    expect(() => sealSk(cbc, seededRandom(1), prefix, new Uint8Array(3), () => new Uint8Array(1))).toThrow();
  });
});

describe('SK keys from an IKE SA key set', () => {
  const random = seededRandom('ike keys');
  const keys: IkeSaKeys = {
    suite: {
      encr: mustEncr(EncrId.AES_CBC, 256),
      integ: mustInteg(IntegId.HMAC_SHA2_256_128),
      prf: mustPrf(PrfId.HMAC_SHA2_256),
    },
    skD: random(32),
    skAi: random(32),
    skAr: random(32),
    skEi: random(32),
    skEr: random(32),
    skPi: random(32),
    skPr: random(32),
  };

  it('initiator messages use SK_ei/SK_ai, responder messages SK_er/SK_ar', () => {
    const pair = createSkKeyPair(provider, keys);
    const fromInitiator = sealSk(pair.initiator, seededRandom(2), prefix, Uint8Array.of(9, 9, 9));
    expect(openSk(skKeysForMessage(pair, true), fromInitiator, SK_OFFSET).ok).toBe(true);
    expect(openSk(skKeysForMessage(pair, false), fromInitiator, SK_OFFSET)).toEqual({
      ok: false,
      error: { code: 'INTEGRITY' },
    });
    const initiator = createSkKeys(provider, keys, 'initiator');
    expect(toHex(initiator.mac!.compute(Uint8Array.of(1)))).toBe(
      toHex(provider.mac(keys.suite.integ!, keys.skAi).compute(Uint8Array.of(1))),
    );
    const responder = createSkKeys(provider, keys, 'responder');
    expect(toHex(responder.mac!.compute(Uint8Array.of(1)))).toBe(
      toHex(provider.mac(keys.suite.integ!, keys.skAr).compute(Uint8Array.of(1))),
    );
  });

  it('AEAD suites get no MAC', () => {
    const aead: IkeSaKeys = {
      ...keys,
      suite: { encr: mustEncr(EncrId.CHACHA20_POLY1305), prf: keys.suite.prf },
      skEi: random(36),
      skEr: random(36),
    };
    expect(createSkKeys(provider, aead, 'responder').mac).toBeUndefined();
  });
});
