/**
 * ENCR transforms, every provider: RFC 2410 NULL, RFC 3602 / SP 800-38A AES-CBC, RFC 3686
 * AES-CTR and RFC 8439 / RFC 7634 ChaCha20-Poly1305 vectors; API contract; tampering
 * (Wycheproof style); round-trip property over every transform in ENCR_TRANSFORMS.
 * AES-GCM and AES-CCM vectors are in encr-aead.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../ipsec/crypto/errors.js';
import { EncrId } from '../../../ipsec/crypto/ids.js';
import { ENCR_TRANSFORMS, mustEncr } from '../../../ipsec/crypto/transforms.js';
import type { CryptoProvider, EncrTransform } from '../../../ipsec/crypto/types.js';
import { fromHex, toHex, utf8 } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

interface Vector {
  readonly name: string;
  readonly transform: EncrTransform;
  /** KEYMAT: key || salt. */
  readonly key: string;
  readonly iv: string;
  readonly aad?: string;
  readonly plaintext: string;
  /** Ciphertext, with the ICV appended for AEAD transforms. */
  readonly ciphertext: string;
}

const hex = (s: string): string => toHex(utf8(s));
const range = (from: number, to: number): string =>
  toHex(Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i));

const CBC128 = mustEncr(EncrId.AES_CBC, 128);
const CBC192 = mustEncr(EncrId.AES_CBC, 192);
const CBC256 = mustEncr(EncrId.AES_CBC, 256);
const CTR128 = mustEncr(EncrId.AES_CTR, 128);
const CTR192 = mustEncr(EncrId.AES_CTR, 192);
const CTR256 = mustEncr(EncrId.AES_CTR, 256);
const CHACHA = mustEncr(EncrId.CHACHA20_POLY1305);
const NULL = mustEncr(EncrId.NULL);

const SP800_38A_PLAINTEXT =
  '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51' +
  '30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710';

const VECTORS: readonly Vector[] = [
  // RFC 3602 §4, cases #1-#4.
  {
    name: 'RFC 3602 case #1',
    transform: CBC128,
    key: '06a9214036b8a15b512e03d534120006',
    iv: '3dafba429d9eb430b422da802c9fac41',
    plaintext: hex('Single block msg'),
    ciphertext: 'e353779c1079aeb82708942dbe77181a',
  },
  {
    name: 'RFC 3602 case #2',
    transform: CBC128,
    key: 'c286696d887c9aa0611bbb3e2025a45a',
    iv: '562e17996d093d28ddb3ba695a2e6f58',
    plaintext: range(0x00, 0x1f),
    ciphertext: 'd296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1',
  },
  {
    name: 'RFC 3602 case #3',
    transform: CBC128,
    key: '6c3ea0477630ce21a2ce334aa746c2cd',
    iv: 'c782dc4c098c66cbd9cd27d825682c81',
    plaintext: hex('This is a 48-byte message (exactly 3 AES blocks)'),
    ciphertext:
      'd0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5021c19216bad525c8579695d83ba2684',
  },
  {
    name: 'RFC 3602 case #4',
    transform: CBC128,
    key: '56e47a38c5598974bc46903dba290349',
    iv: '8ce82eefbea0da3c44699ed7db51b7d9',
    plaintext: range(0xa0, 0xdf),
    ciphertext:
      'c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e' +
      '35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55',
  },
  // NIST SP 800-38A F.2.3 and F.2.5 (RFC 3602 has no 192/256-bit cases).
  {
    name: 'SP 800-38A F.2.3 CBC-AES192',
    transform: CBC192,
    key: '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
    iv: range(0x00, 0x0f),
    plaintext: SP800_38A_PLAINTEXT,
    ciphertext:
      '4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a' +
      '571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd',
  },
  {
    name: 'SP 800-38A F.2.5 CBC-AES256',
    transform: CBC256,
    key: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
    iv: range(0x00, 0x0f),
    plaintext: SP800_38A_PLAINTEXT,
    ciphertext:
      'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d' +
      '39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b',
  },
  // RFC 3686 §6, test vectors #1-#9 (KEYMAT = AES key || nonce).
  {
    name: 'RFC 3686 #1 (128)',
    transform: CTR128,
    key: 'ae6852f8121067cc4bf7a5765577f39e 00000030',
    iv: '0000000000000000',
    plaintext: hex('Single block msg'),
    ciphertext: 'e4095d4fb7a7b3792d6175a3261311b8',
  },
  {
    name: 'RFC 3686 #2 (128)',
    transform: CTR128,
    key: '7e24067817fae0d743d6ce1f32539163 006cb6db',
    iv: 'c0543b59da48d90b',
    plaintext: range(0x00, 0x1f),
    ciphertext: '5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28',
  },
  {
    name: 'RFC 3686 #3 (128)',
    transform: CTR128,
    key: '7691be035e5020a8ac6e618529f9a0dc 00e0017b',
    iv: '27777f3f4a1786f0',
    plaintext: range(0x00, 0x23),
    ciphertext: 'c1cf48a89f2ffdd9cf4652e9efdb72d74540a42bde6d7836d59a5ceaaef3105325b2072f',
  },
  {
    name: 'RFC 3686 #4 (192)',
    transform: CTR192,
    key: '16af5b145fc9f579c175f93e3bfb0eed863d06ccfdb78515 00000048',
    iv: '36733c147d6d93cb',
    plaintext: hex('Single block msg'),
    ciphertext: '4b55384fe259c9c84e7935a003cbe928',
  },
  {
    name: 'RFC 3686 #5 (192)',
    transform: CTR192,
    key: '7c5cb2401b3dc33c19e7340819e0f69c678c3db8e6f6a91a 0096b03b',
    iv: '020c6eadc2cb500d',
    plaintext: range(0x00, 0x1f),
    ciphertext: '453243fc609b23327edfaafa7131cd9f8490701c5ad4a79cfc1fe0ff42f4fb00',
  },
  {
    name: 'RFC 3686 #6 (192)',
    transform: CTR192,
    key: '02bf391ee8ecb159b959617b0965279bf59b60a786d3e0fe 0007bdfd',
    iv: '5cbd60278dcc0912',
    plaintext: range(0x00, 0x23),
    ciphertext: '96893fc55e5c722f540b7dd1ddf7e758d288bc95c69165884536c811662f2188abee0935',
  },
  {
    name: 'RFC 3686 #7 (256)',
    transform: CTR256,
    key: '776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104 00000060',
    iv: 'db5672c97aa8f0b2',
    plaintext: hex('Single block msg'),
    ciphertext: '145ad01dbf824ec7560863dc71e3e0c0',
  },
  {
    name: 'RFC 3686 #8 (256)',
    transform: CTR256,
    key: 'f6d66d6bd52d59bb0796365879eff886c66dd51a5b6a99744b50590c87a23884 00faac24',
    iv: 'c1585ef15a43d875',
    plaintext: range(0x00, 0x1f),
    ciphertext: 'f05e231b3894612c49ee000b804eb2a9b8306b508f839d6a5530831d9344af1c',
  },
  {
    name: 'RFC 3686 #9 (256)',
    transform: CTR256,
    key: 'ff7a617ce69148e4f1726e2f43581de2aa62d9f805532edff1eed687fb54153d 001cc5b7',
    iv: '51a51d70a1c11148',
    plaintext: range(0x00, 0x23),
    ciphertext: 'eb6c52821d0bbbf7ce7594462aca4faab407df866569fd07f48cc0b583d6071f1ec0e6b8',
  },
  // RFC 8439 §2.8.2: its nonce 07000000 | 4041424344454647 is exactly salt | IV (RFC 7634 §2).
  {
    name: 'RFC 8439 §2.8.2 AEAD',
    transform: CHACHA,
    key: `${range(0x80, 0x9f)} 07000000`,
    iv: '4041424344454647',
    aad: '50515253c0c1c2c3c4c5c6c7',
    plaintext: hex(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ),
    ciphertext:
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6' +
      '3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36' +
      '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691',
  },
  // RFC 7634 Appendix A: ESP packet, AAD = SPI | sequence number.
  {
    name: 'RFC 7634 Appendix A ESP',
    transform: CHACHA,
    key: `${range(0x80, 0x9f)} a0a1a2a3`,
    iv: '1011121314151617',
    aad: '0102030400000005',
    plaintext:
      '45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10' +
      `00073627${range(0x08, 0x37)}01020204`,
    ciphertext:
      '24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6' +
      '14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3' +
      'cbec163fac469b502773f6fb94e664da9165b82829f641e0' +
      '76aaa8266b7fb0f7b11b369907e1ad43',
  },
];

const keyOf = (v: Vector) => fromHex(v.key);

describe.each(PROVIDERS)('ENCR vectors ($name provider)', (provider) => {
  it.each(VECTORS)('$name: encrypt', (v) => {
    const cipher = provider.cipher(v.transform, keyOf(v));
    const out = cipher.encrypt(fromHex(v.iv), fromHex(v.plaintext), v.aad ? fromHex(v.aad) : undefined);
    expect(toHex(out)).toBe(toHex(fromHex(v.ciphertext)));
  });

  it.each(VECTORS)('$name: decrypt', (v) => {
    const cipher = provider.cipher(v.transform, keyOf(v));
    const out = cipher.decrypt(fromHex(v.iv), fromHex(v.ciphertext), v.aad ? fromHex(v.aad) : undefined);
    expect(out && toHex(out)).toBe(toHex(fromHex(v.plaintext)));
  });

  it('NULL (RFC 2410) is the identity, with no IV', () => {
    const cipher = provider.cipher(NULL, new Uint8Array(0));
    const data = fromHex('000102030405060708090a0b0c0d0e0f10');
    expect(toHex(cipher.encrypt(new Uint8Array(0), data))).toBe(toHex(data));
    expect(toHex(cipher.decrypt(new Uint8Array(0), data) ?? new Uint8Array(1))).toBe(toHex(data));
  });

  it('works on unaligned subarrays of a larger packet buffer', () => {
    for (const v of VECTORS) {
      const packet = new Uint8Array(3 + fromHex(v.ciphertext).length);
      packet.set(fromHex(v.ciphertext), 3);
      const cipher = provider.cipher(v.transform, keyOf(v));
      const out = cipher.decrypt(fromHex(v.iv), packet.subarray(3), v.aad ? fromHex(v.aad) : undefined);
      expect(out && toHex(out), v.name).toBe(toHex(fromHex(v.plaintext)));
    }
  });
});

function expectCryptoError(fn: () => unknown, code: CryptoError['code']): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  expect((thrown as CryptoError).code).toBe(code);
}

describe.each(PROVIDERS)('ENCR API contract ($name provider)', (provider) => {
  it.each(ENCR_TRANSFORMS.map((t) => ({ t, label: `${t.name}/${t.keyBits}` })))(
    '$label: wrong key or IV length throws, a bad peer length does not',
    ({ t }) => {
      expectCryptoError(() => provider.cipher(t, new Uint8Array(t.keyLength + 1)), 'INVALID_KEY_LENGTH');
      if (t.keyLength > 0)
        expectCryptoError(() => provider.cipher(t, new Uint8Array(t.keyLength - 1)), 'INVALID_KEY_LENGTH');
      const cipher = provider.cipher(t, new Uint8Array(t.keyLength).fill(7));
      const badIv = new Uint8Array(t.ivLength + 1);
      expectCryptoError(() => cipher.encrypt(badIv, new Uint8Array(16)), 'INVALID_IV_LENGTH');
      expectCryptoError(() => cipher.decrypt(badIv, new Uint8Array(32)), 'INVALID_IV_LENGTH');
      expect(cipher.transform).toBe(t);
    },
  );

  it('AES-CBC rejects ragged plaintext (caller bug) and ciphertext (peer input)', () => {
    const cipher = provider.cipher(CBC128, new Uint8Array(16));
    const iv = new Uint8Array(16);
    expectCryptoError(() => cipher.encrypt(iv, new Uint8Array(15)), 'INVALID_INPUT');
    expect(cipher.decrypt(iv, new Uint8Array(17))).toBeUndefined();
    expect(cipher.decrypt(iv, new Uint8Array(31))).toBeUndefined();
  });

  it('unknown transform ids are unsupported', () => {
    const des: EncrTransform = { ...CBC128, id: EncrId.DES, name: 'DES', keyBits: 64, keyLength: 8 };
    expectCryptoError(() => provider.cipher(des, new Uint8Array(8)), 'UNSUPPORTED_TRANSFORM');
  });
});

const AEADS = ENCR_TRANSFORMS.filter((t) => t.aead);

/** A deterministic packet for transform `t`: KEYMAT, IV, AAD (SPI | seq), 37-byte payload. */
function sealed(provider: CryptoProvider, t: EncrTransform) {
  const key = Uint8Array.from({ length: t.keyLength }, (_, i) => (i * 7 + 1) & 0xff);
  const iv = Uint8Array.from({ length: t.ivLength }, (_, i) => 0xa0 + i);
  const aad = fromHex('0000432100000007');
  const plaintext = Uint8Array.from({ length: 37 }, (_, i) => i);
  const cipher = provider.cipher(t, key);
  return { cipher, iv, aad, plaintext, ciphertext: cipher.encrypt(iv, plaintext, aad) };
}

const flip = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};

describe.each(PROVIDERS)('AEAD tampering ($name provider)', (provider) => {
  it.each(AEADS.map((t) => ({ t, label: `${t.name}/${t.keyBits}` })))('$label', ({ t }) => {
    const { cipher, iv, aad, plaintext, ciphertext } = sealed(provider, t);
    expect(ciphertext.length).toBe(plaintext.length + t.icvLength);
    expect(toHex(cipher.decrypt(iv, ciphertext, aad) ?? new Uint8Array(0))).toBe(toHex(plaintext));
    // A flipped bit anywhere in the payload or in the ICV.
    for (const bit of [0, 7, 8 * plaintext.length - 1, 8 * plaintext.length, 8 * ciphertext.length - 1])
      expect(cipher.decrypt(iv, flip(ciphertext, bit), aad), `bit ${bit}`).toBeUndefined();
    // A flipped bit in the AAD, missing AAD, extra AAD, another IV.
    expect(cipher.decrypt(iv, ciphertext, flip(aad, 3))).toBeUndefined();
    expect(cipher.decrypt(iv, ciphertext)).toBeUndefined();
    expect(cipher.decrypt(iv, ciphertext, fromHex('000043210000000700'))).toBeUndefined();
    expect(cipher.decrypt(flip(iv, 60), ciphertext, aad)).toBeUndefined();
    // Truncated input: shorter than the ICV, one byte short, ICV only, empty.
    expect(cipher.decrypt(iv, ciphertext.subarray(0, ciphertext.length - 1), aad)).toBeUndefined();
    expect(cipher.decrypt(iv, ciphertext.subarray(0, t.icvLength - 1), aad)).toBeUndefined();
    expect(cipher.decrypt(iv, ciphertext.subarray(plaintext.length), aad)).toBeUndefined();
    expect(cipher.decrypt(iv, new Uint8Array(0), aad)).toBeUndefined();
    // Extra trailing byte (the ICV boundary moves).
    expect(cipher.decrypt(iv, Uint8Array.of(...ciphertext, 0), aad)).toBeUndefined();
  });

  it('an ICV of another length does not verify (GCM_16 tag presented to GCM_8 and GCM_12)', () => {
    for (const bits of [128, 192, 256]) {
      const g16 = sealed(provider, mustEncr(EncrId.AES_GCM_16, bits));
      for (const id of [EncrId.AES_GCM_8, EncrId.AES_GCM_12]) {
        const t = mustEncr(id, bits);
        const other = provider.cipher(
          t,
          new Uint8Array(t.keyLength).map((_, i) => (i * 7 + 1) & 0xff),
        );
        expect(other.decrypt(g16.iv, g16.ciphertext, g16.aad)).toBeUndefined();
      }
    }
  });

  it('a CCM ICV of another length does not verify (the length is bound into B_0)', () => {
    for (const bits of [128, 192, 256]) {
      const c8 = sealed(provider, mustEncr(EncrId.AES_CCM_8, bits));
      const c16 = sealed(provider, mustEncr(EncrId.AES_CCM_16, bits));
      // Same key, nonce and payload: the CCM_16 tag truncated to 8 bytes is not the CCM_8 tag.
      const truncated = c16.ciphertext.subarray(0, c16.plaintext.length + 8);
      expect(toHex(truncated)).not.toBe(toHex(c8.ciphertext));
      expect(c8.cipher.decrypt(c8.iv, truncated, c8.aad)).toBeUndefined();
    }
  });
});

/** Arbitrary (transform, KEYMAT, IV, AAD, plaintext) with block-aligned plaintext for CBC. */
const sample = fc.constantFrom(...ENCR_TRANSFORMS).chain((t) =>
  fc.record({
    t: fc.constant(t),
    key: fc.uint8Array({ minLength: t.keyLength, maxLength: t.keyLength }),
    iv: fc.uint8Array({ minLength: t.ivLength, maxLength: t.ivLength }),
    aad: fc.uint8Array({ maxLength: 40 }),
    plaintext: fc
      .uint8Array({ maxLength: 200 })
      .map((p) => (t.blockSize > 1 ? p.subarray(0, p.length - (p.length % t.blockSize)) : p)),
  }),
);

describe.each(PROVIDERS)('ENCR round trip ($name provider)', (provider) => {
  it('decrypt(encrypt(p)) = p for every transform', () => {
    fc.assert(
      fc.property(sample, ({ t, key, iv, aad, plaintext }) => {
        const cipher = provider.cipher(t, key);
        const ciphertext = cipher.encrypt(iv, plaintext, aad);
        expect(ciphertext.length).toBe(plaintext.length + t.icvLength);
        const back = cipher.decrypt(iv, ciphertext, aad);
        expect(back && toHex(back)).toBe(toHex(plaintext));
      }),
      { numRuns: 300 },
    );
  });

  it('every transform in ENCR_TRANSFORMS is constructible', () => {
    for (const t of ENCR_TRANSFORMS)
      expect(provider.cipher(t, new Uint8Array(t.keyLength)).transform).toBe(t);
  });
});
