/**
 * Key exchange spec constants and provider-independent checks of peer public values.
 *
 * - The MODP groups 14, 15, 16 of RFC 3526 §3-§5 (prime and generator, spec constants).
 * - The private exponent length we use in them (an implementation choice, documented below).
 * - Pure validation of a peer's KE data per RFC 6989, shared by the noble and node providers
 *   (in ke-values.ts, re-exported here: an ECP-only build imports ke-values.ts without the
 *   MODP primes).
 *
 * Portable: no node: imports, no provider import.
 */
import { KeId } from './ids.js';
import { bytesToBigInt } from './ke-values.js';

/** A finite-field (MODP) Diffie-Hellman group with its safe prime p = 2q + 1. */
export interface ModpGroup {
  /** IANA Transform Type 4 id. */
  readonly id: number;
  readonly prime: bigint;
  readonly generator: bigint;
  /** Byte length of p: KE data and g^ir are left-padded to it (RFC 7296 §3.4). */
  readonly length: number;
  /**
   * Estimated security strength in bits, as NIST SP 800-56A Rev. 3 Appendix D lists it for
   * these safe-prime groups (MODP-2048: 112, MODP-3072: 128, MODP-4096: 152).
   */
  readonly securityBits: number;
  /**
   * Length in bits of the private exponents we draw. Implementation choice, not spec: the
   * exponent size RFC 3526 §8 gives for its higher strength estimate (320, 420, 480 bits), which
   * is above NIST SP 800-56A Rev. 3 §5.6.1.1.1's bound N >= 2 * securityBits (224, 256, 304)
   * and far below q, so x stays in [1, min(2^N, q) - 1] as §5.6.1.1.1 requires. A short
   * exponent keeps one 2048-bit exponentiation at a few milliseconds in BigInt arithmetic
   * instead of the full 2047-bit exponent, with no loss against the best known attacks (the
   * group's discrete log, not the exponent, stays the weaker link at these sizes).
   */
  readonly exponentBits: number;
}

/** Parses a hex constant laid out as in the RFC text (whitespace ignored). */
const hexConstant = (hex: string): bigint => BigInt(`0x${hex.replace(/\s+/g, '')}`);

// RFC 3526 §3: p = 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 }
const MODP_2048_PRIME = hexConstant(`
  FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
  020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
  4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
  EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
  98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
  9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
  E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
  3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AACAA68 FFFFFFFF FFFFFFFF`);

// RFC 3526 §4: p = 2^3072 - 2^3008 - 1 + 2^64 * { [2^2942 pi] + 1690314 }
const MODP_3072_PRIME = hexConstant(`
  FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
  020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
  4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
  EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
  98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
  9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
  E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
  3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AAAC42D AD33170D 04507A33
  A85521AB DF1CBA64 ECFB8504 58DBEF0A 8AEA7157 5D060C7D B3970F85 A6E1E4C7
  ABF5AE8C DB0933D7 1E8C94E0 4A25619D CEE3D226 1AD2EE6B F12FFA06 D98A0864
  D8760273 3EC86A64 521F2B18 177B200C BBE11757 7A615D6C 770988C0 BAD946E2
  08E24FA0 74E5AB31 43DB5BFC E0FD108E 4B82D120 A93AD2CA FFFFFFFF FFFFFFFF`);

// RFC 3526 §5: p = 2^4096 - 2^4032 - 1 + 2^64 * { [2^3966 pi] + 240904 }
const MODP_4096_PRIME = hexConstant(`
  FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
  020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
  4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
  EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
  98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
  9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
  E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
  3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AAAC42D AD33170D 04507A33
  A85521AB DF1CBA64 ECFB8504 58DBEF0A 8AEA7157 5D060C7D B3970F85 A6E1E4C7
  ABF5AE8C DB0933D7 1E8C94E0 4A25619D CEE3D226 1AD2EE6B F12FFA06 D98A0864
  D8760273 3EC86A64 521F2B18 177B200C BBE11757 7A615D6C 770988C0 BAD946E2
  08E24FA0 74E5AB31 43DB5BFC E0FD108E 4B82D120 A9210801 1A723C12 A787E6D7
  88719A10 BDBA5B26 99C32718 6AF4E23C 1A946834 B6150BDA 2583E9CA 2AD44CE8
  DBBBC2DB 04DE8EF9 2E8EFC14 1FBECAA6 287C5947 4E6BC05D 99B2964F A090C3A2
  233BA186 515BE7ED 1F612970 CEE2D7AF B81BDD76 2170481C D0069127 D5B05AA9
  93B4EA98 8D8FDDC1 86FFB7DC 90A6C08F 4DF435C9 34063199 FFFFFFFF FFFFFFFF`);

/** RFC 3526 §3-§5: "The generator is: 2." */
const MODP_GENERATOR = 2n;

export const MODP_GROUPS: readonly ModpGroup[] = [
  {
    id: KeId.MODP_2048,
    prime: MODP_2048_PRIME,
    generator: MODP_GENERATOR,
    length: 256,
    securityBits: 112,
    exponentBits: 320, // RFC 3526 §8: group 14, estimate 2 (160 bits), exponent size 320
  },
  {
    id: KeId.MODP_3072,
    prime: MODP_3072_PRIME,
    generator: MODP_GENERATOR,
    length: 384,
    securityBits: 128,
    exponentBits: 420, // RFC 3526 §8: group 15, estimate 2 (210 bits), exponent size 420
  },
  {
    id: KeId.MODP_4096,
    prime: MODP_4096_PRIME,
    generator: MODP_GENERATOR,
    length: 512,
    securityBits: 152,
    exponentBits: 480, // RFC 3526 §8: group 16, estimate 2 (240 bits), exponent size 480
  },
];

export const modpGroup = (id: number): ModpGroup | undefined => MODP_GROUPS.find((g) => g.id === id);

export {
  bigIntToBytes,
  bytesToBigInt,
  isAllZero,
  validateEcpPublicLength,
  validatePublicLength,
} from './ke-values.js';

/**
 * RFC 6989 §2.1: a MODP public value y must satisfy 1 < y < p-1 (y = 0, 1 and p-1 confine the
 * shared secret to a subgroup of order 1 or 2; y >= p is not a field element). For the safe
 * primes of RFC 3526 no further subgroup test is needed (RFC 6989 §2.1, §2.2).
 * `value` is the KE data as received (big-endian) or an already decoded integer.
 */
export function validateModpPublic(prime: bigint, value: Uint8Array | bigint): boolean {
  const y = typeof value === 'bigint' ? value : bytesToBigInt(value);
  return y > 1n && y < prime - 1n;
}
