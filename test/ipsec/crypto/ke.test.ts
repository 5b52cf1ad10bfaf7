/**
 * Key exchange known-answer tests, run against every provider:
 * RFC 5903 §8 (groups 19, 20, 21), RFC 5114 Appendix A.6 (group 25), RFC 7748 §6.1 / §6.2
 * (groups 31, 32, used by RFC 8031).
 */
import { describe, expect, it } from 'vitest';
import { KeId } from '../../../ipsec/crypto/ids.js';
import { seededRandom } from '../../../ipsec/crypto/random.js';
import { mustKe } from '../../../ipsec/crypto/transforms.js';
import { concatBytes, fromHex, toHex } from '../../../ipsec/util/bytes.js';
import { PROVIDERS } from '../../support/providers.js';

interface DhVector {
  readonly source: string;
  readonly group: number;
  /** Initiator private value i (RFC 5114: dA; RFC 7748: Alice's a). */
  readonly i: string;
  /** Initiator KE data g^i (x | y for ECP, u for Montgomery). */
  readonly gi: string;
  readonly r: string;
  readonly gr: string;
  /** g^ir: the x coordinate for ECP (RFC 5903 §7), the raw X25519/X448 output for RFC 8031. */
  readonly gir: string;
}

const VECTORS: readonly DhVector[] = [
  {
    source: 'RFC 5903 §8.1 (256-bit random ECP group)',
    group: KeId.ECP_256,
    i: 'C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433',
    gi: `DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180
         5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3`,
    r: 'C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53',
    gr: `D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63
         56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB`,
    gir: 'D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE',
  },
  {
    source: 'RFC 5903 §8.2 (384-bit random ECP group)',
    group: KeId.ECP_384,
    i: `099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655
        E35B5380 41E649EE 3FAEF896 783AB194`,
    gi: `667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6
         DE3AC808 ACB4BDB4 C88732AE E95F41AA
         9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E
         EB9FCFF3 C2C947DA E69B4C63 4573A81C`,
    r: `41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942
        E0308312 916B8ED2 960E4BD5 5A7448FC`,
    gr: `E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D
         0D1AC43A 0336DEF9 6FDA41D0 774A3571
         DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF
         F83FA401 42209DFF 5EAAD96D B9E6386C`,
    gir: `11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4
          D6031355 69B9E9D0 9CF5D4A2 70F59746`,
  },
  {
    source: 'RFC 5903 §8.3 (521-bit random ECP group)',
    group: KeId.ECP_521,
    i: `0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0
        95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D
        4A52`,
    gi: `0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE
         E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C
         ED3E
         017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A
         D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F
         9582`,
    r: `0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E
        9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168
        5EB9`,
    gr: `00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21
         9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9
         460F
         015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87
         220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F
         C56A`,
    gir: `01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04
          D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3
          DDEA`,
  },
  {
    source: 'RFC 5114 Appendix A.6 (192-bit random ECP group)',
    group: KeId.ECP_192,
    i: '323FA316 9D8E9C65 93F59476 BC142000 AB5BE0E2 49C43426', // dA
    gi: `CD46489E CFD6C105 E7B3D325 66E2B122 E249ABAA DD870612
         68887B48 77DF51DD 4DC3D6FD 11F0A26F 8FD38443 17916E9A`, // x_qA | y_qA
    r: '631F95BB 4A67632C 9C476EEE 9AB695AB 240A0499 307FCF62', // dB
    gr: `519A1216 80E00454 66BA21DF 2EEE47F5 973B5005 77EF13D5
         FF613AB4 D64CEE3A 20875BDB 10F953F6 B30CA072 C60AA57F`, // x_qB | y_qB
    gir: 'AD420182 633F8526 BFE954AC DA376F05 E5FF4F83 7F54FEBE', // x_Z
  },
  {
    source: 'RFC 7748 §6.1 (Curve25519)',
    group: KeId.CURVE_25519,
    i: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
    gi: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    r: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
    gr: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    gir: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
  },
  {
    source: 'RFC 7748 §6.2 (Curve448)',
    group: KeId.CURVE_448,
    i: `9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d
        d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b`,
    gi: `9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c
         22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0`,
    r: `1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d
        6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d`,
    gr: `3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430
         27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609`,
    gir: `07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b
          b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d`,
  },
];

/** Any RandomBytes: the vector tests fix the private value, so it must not be called. */
const noRandom = (): Uint8Array => {
  throw new Error('randomness used although a private key was given');
};

describe.each(PROVIDERS)('$name key exchange vectors', (provider) => {
  describe.each(VECTORS)('$source', (v) => {
    const transform = mustKe(v.group);

    it('derives the published public values from the private values', () => {
      const initiator = provider.keyExchange(transform, noRandom, fromHex(v.i));
      const responder = provider.keyExchange(transform, noRandom, fromHex(v.r));
      expect(toHex(initiator.publicValue)).toBe(toHex(fromHex(v.gi)));
      expect(toHex(responder.publicValue)).toBe(toHex(fromHex(v.gr)));
      expect(initiator.publicValue.length).toBe(transform.publicLength);
    });

    it('computes the published g^ir on both sides', () => {
      const initiator = provider.keyExchange(transform, noRandom, fromHex(v.i));
      const responder = provider.keyExchange(transform, noRandom, fromHex(v.r));
      const atInitiator = initiator.computeSharedSecret(fromHex(v.gr));
      const atResponder = responder.computeSharedSecret(fromHex(v.gi));
      expect(atInitiator.ok && toHex(atInitiator.value)).toBe(toHex(fromHex(v.gir)));
      expect(atResponder.ok && toHex(atResponder.value)).toBe(toHex(fromHex(v.gir)));
      expect(fromHex(v.gir).length).toBe(transform.secretLength);
    });

    it('refuses to compute after destroy()', () => {
      const initiator = provider.keyExchange(transform, noRandom, fromHex(v.i));
      initiator.destroy();
      const result = initiator.computeSharedSecret(fromHex(v.gr));
      expect(result.ok).toBe(false);
    });
  });

  it('draws a fresh private value from the injected randomness, reproducibly per seed', () => {
    for (const group of [KeId.ECP_256, KeId.ECP_192, KeId.CURVE_25519, KeId.MODP_2048]) {
      const transform = mustKe(group);
      const a = provider.keyExchange(transform, seededRandom('ke-seed-1'));
      const b = provider.keyExchange(transform, seededRandom('ke-seed-1'));
      const c = provider.keyExchange(transform, seededRandom('ke-seed-2'));
      expect(toHex(a.publicValue)).toBe(toHex(b.publicValue));
      expect(toHex(a.publicValue)).not.toBe(toHex(c.publicValue));
      expect(a.publicValue.length).toBe(transform.publicLength);
    }
  });

  it('uses the RFC 7748 §5 clamping: the unclamped and the clamped scalar give the same u', () => {
    const transform = mustKe(KeId.CURVE_25519);
    const a = fromHex(VECTORS[4]!.i);
    const clamped = a.slice();
    clamped[0]! &= 248;
    clamped[31]! &= 127;
    clamped[31]! |= 64;
    const withClamped = provider.keyExchange(transform, noRandom, clamped);
    expect(toHex(withClamped.publicValue)).toBe(toHex(fromHex(VECTORS[4]!.gi)));
  });

  it('keeps the ECP encoding x | y without a SEC 1 prefix (RFC 5903 §7)', () => {
    const v = VECTORS[0]!;
    const responder = provider.keyExchange(mustKe(v.group), noRandom, fromHex(v.r));
    const prefixed = concatBytes(Uint8Array.of(0x04), fromHex(v.gi));
    const result = responder.computeSharedSecret(prefixed);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('INVALID_PUBLIC_VALUE');
  });
});
