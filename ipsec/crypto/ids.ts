/**
 * IANA "Internet Key Exchange Version 2 (IKEv2) Parameters" transform IDs (RFC 7296 §3.3.2
 * and the registries it created). Spec constants only: what we implement is in transforms.ts.
 */

/** Transform Type values (RFC 7296 §3.3.2). */
export const TransformType = {
  ENCR: 1,
  PRF: 2,
  INTEG: 3,
  KE: 4, // "D-H" in RFC 7296, "Key Exchange Method" since RFC 9370
  ESN: 5,
} as const;

/** Transform Type 1 - Encryption Algorithm Transform IDs. */
export const EncrId = {
  DES_IV64: 1,
  DES: 2,
  '3DES': 3,
  NULL: 11, // RFC 2410, ESP only
  AES_CBC: 12, // RFC 3602
  AES_CTR: 13, // RFC 3686, RFC 5930
  AES_CCM_8: 14, // RFC 4309
  AES_CCM_12: 15,
  AES_CCM_16: 16,
  AES_GCM_8: 18, // RFC 4106, RFC 5282
  AES_GCM_12: 19,
  AES_GCM_16: 20,
  NULL_AUTH_AES_GMAC: 21,
  CHACHA20_POLY1305: 28, // RFC 7634
} as const;

/** Transform Type 2 - Pseudorandom Function Transform IDs. */
export const PrfId = {
  HMAC_MD5: 1,
  HMAC_SHA1: 2,
  HMAC_TIGER: 3,
  AES128_XCBC: 4, // RFC 4434
  HMAC_SHA2_256: 5, // RFC 4868
  HMAC_SHA2_384: 6,
  HMAC_SHA2_512: 7,
  AES128_CMAC: 8, // RFC 4615
} as const;

/** Transform Type 3 - Integrity Algorithm Transform IDs. */
export const IntegId = {
  NONE: 0,
  HMAC_MD5_96: 1,
  HMAC_SHA1_96: 2, // RFC 2404
  DES_MAC: 3,
  KPDK_MD5: 4,
  AES_XCBC_96: 5, // RFC 3566
  HMAC_MD5_128: 6,
  HMAC_SHA1_160: 7,
  AES_CMAC_96: 8, // RFC 4494
  AES_128_GMAC: 9,
  AES_192_GMAC: 10,
  AES_256_GMAC: 11,
  HMAC_SHA2_256_128: 12, // RFC 4868
  HMAC_SHA2_384_192: 13,
  HMAC_SHA2_512_256: 14,
} as const;

/** Transform Type 4 - Key Exchange Method (Diffie-Hellman group) IDs. */
export const KeId = {
  NONE: 0,
  MODP_768: 1,
  MODP_1024: 2,
  MODP_1536: 5,
  MODP_2048: 14, // RFC 3526
  MODP_3072: 15,
  MODP_4096: 16,
  MODP_6144: 17,
  MODP_8192: 18,
  ECP_256: 19, // RFC 5903
  ECP_384: 20,
  ECP_521: 21,
  MODP_1024_160: 22,
  MODP_2048_224: 23,
  MODP_2048_256: 24,
  ECP_192: 25, // RFC 5114 §2.6 / SEC 2 secp192r1
  ECP_224: 26,
  CURVE_25519: 31, // RFC 8031
  CURVE_448: 32,
} as const;

/** Transform Type 5 - Extended Sequence Numbers. */
export const EsnId = {
  NO_ESN: 0,
  ESN: 1,
} as const;

/** Transform attribute type: Key Length in bits (RFC 7296 §3.3.5), TV format. */
export const ATTR_KEY_LENGTH = 14;
