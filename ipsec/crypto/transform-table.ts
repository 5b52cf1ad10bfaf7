/**
 * Every transform this stack implements, as pure descriptors keyed by IANA id (RFC 7296
 * §3.3.2; transforms.ts looks them up). Sizes per the defining RFCs; names as strongSwan's
 * swanctl prints them. A mote firmware carries its suites' descriptors alone, written out at
 * build time (scripts/build-mote.mjs compiledTransforms).
 */
import { EncrId, IntegId, KeId, PrfId } from './ids.js';
import type { EncrTransform, IntegTransform, KeTransform, PrfTransform } from './types.js';

function aes(
  id: number,
  name: string,
  keyBits: number,
  mode: { salt: number; iv: number; block: number; icv: number; aead: boolean },
): EncrTransform {
  return {
    type: 'encr',
    id,
    name,
    keyBits,
    keyLengthAttribute: true,
    keyLength: keyBits / 8 + mode.salt,
    saltLength: mode.salt,
    ivLength: mode.iv,
    blockSize: mode.block,
    icvLength: mode.icv,
    aead: mode.aead,
    ike: true,
  };
}

const AES_KEY_BITS = [128, 192, 256] as const;

const CBC = { salt: 0, iv: 16, block: 16, icv: 0, aead: false }; // RFC 3602 §3
const CTR = { salt: 4, iv: 8, block: 1, icv: 0, aead: false }; // RFC 3686 §3, §5.1
const gcm = (icv: number) => ({ salt: 4, iv: 8, block: 1, icv, aead: true }); // RFC 4106 §3, §8.1
const ccm = (icv: number) => ({ salt: 3, iv: 8, block: 1, icv, aead: true }); // RFC 4309 §3, §7.1

export const ENCR_TRANSFORMS: readonly EncrTransform[] = [
  {
    type: 'encr',
    id: EncrId.NULL,
    name: 'NULL',
    keyBits: 0,
    keyLengthAttribute: false,
    keyLength: 0,
    saltLength: 0,
    ivLength: 0,
    blockSize: 1,
    icvLength: 0,
    aead: false,
    ike: false, // RFC 7296 §3.3.2: ENCR_NULL is not allowed for IKE
  },
  ...AES_KEY_BITS.flatMap((bits) => [
    aes(EncrId.AES_CBC, 'AES_CBC', bits, CBC),
    aes(EncrId.AES_CTR, 'AES_CTR', bits, CTR),
    aes(EncrId.AES_GCM_8, 'AES_GCM_8', bits, gcm(8)),
    aes(EncrId.AES_GCM_12, 'AES_GCM_12', bits, gcm(12)),
    aes(EncrId.AES_GCM_16, 'AES_GCM_16', bits, gcm(16)),
    aes(EncrId.AES_CCM_8, 'AES_CCM_8', bits, ccm(8)),
    aes(EncrId.AES_CCM_12, 'AES_CCM_12', bits, ccm(12)),
    aes(EncrId.AES_CCM_16, 'AES_CCM_16', bits, ccm(16)),
  ]),
  {
    type: 'encr',
    id: EncrId.CHACHA20_POLY1305,
    name: 'CHACHA20_POLY1305',
    keyBits: 256,
    keyLengthAttribute: false, // RFC 7634 §2: no Key Length attribute
    keyLength: 36, // 32-byte key + 4-byte salt (RFC 7634 §2)
    saltLength: 4,
    ivLength: 8,
    blockSize: 1,
    icvLength: 16,
    aead: true,
    ike: true,
  },
];

export const INTEG_TRANSFORMS: readonly IntegTransform[] = [
  { type: 'integ', id: IntegId.HMAC_SHA1_96, name: 'HMAC_SHA1_96', keyLength: 20, icvLength: 12 }, // RFC 2404
  { type: 'integ', id: IntegId.AES_XCBC_96, name: 'AES_XCBC_96', keyLength: 16, icvLength: 12 }, // RFC 3566
  { type: 'integ', id: IntegId.AES_CMAC_96, name: 'AES_CMAC_96', keyLength: 16, icvLength: 12 }, // RFC 4494
  { type: 'integ', id: IntegId.HMAC_SHA2_256_128, name: 'HMAC_SHA2_256_128', keyLength: 32, icvLength: 16 }, // RFC 4868 §2.6
  { type: 'integ', id: IntegId.HMAC_SHA2_384_192, name: 'HMAC_SHA2_384_192', keyLength: 48, icvLength: 24 },
  { type: 'integ', id: IntegId.HMAC_SHA2_512_256, name: 'HMAC_SHA2_512_256', keyLength: 64, icvLength: 32 },
];

export const PRF_TRANSFORMS: readonly PrfTransform[] = [
  { type: 'prf', id: PrfId.HMAC_SHA1, name: 'PRF_HMAC_SHA1', keyLength: 20, outputLength: 20 },
  { type: 'prf', id: PrfId.AES128_XCBC, name: 'PRF_AES128_XCBC', keyLength: 16, outputLength: 16 }, // RFC 4434
  { type: 'prf', id: PrfId.HMAC_SHA2_256, name: 'PRF_HMAC_SHA2_256', keyLength: 32, outputLength: 32 }, // RFC 4868 §2.1
  { type: 'prf', id: PrfId.HMAC_SHA2_384, name: 'PRF_HMAC_SHA2_384', keyLength: 48, outputLength: 48 },
  { type: 'prf', id: PrfId.HMAC_SHA2_512, name: 'PRF_HMAC_SHA2_512', keyLength: 64, outputLength: 64 },
  { type: 'prf', id: PrfId.AES128_CMAC, name: 'PRF_AES128_CMAC', keyLength: 16, outputLength: 16 }, // RFC 4615
];

export const KE_TRANSFORMS: readonly KeTransform[] = [
  { type: 'ke', id: KeId.MODP_2048, name: 'MODP_2048', kind: 'modp', publicLength: 256, secretLength: 256 }, // RFC 3526 §3
  { type: 'ke', id: KeId.MODP_3072, name: 'MODP_3072', kind: 'modp', publicLength: 384, secretLength: 384 }, // §4
  { type: 'ke', id: KeId.MODP_4096, name: 'MODP_4096', kind: 'modp', publicLength: 512, secretLength: 512 }, // §5
  { type: 'ke', id: KeId.ECP_256, name: 'ECP_256', kind: 'ecp', publicLength: 64, secretLength: 32 }, // RFC 5903 §3.1
  { type: 'ke', id: KeId.ECP_384, name: 'ECP_384', kind: 'ecp', publicLength: 96, secretLength: 48 }, // §3.2
  { type: 'ke', id: KeId.ECP_521, name: 'ECP_521', kind: 'ecp', publicLength: 132, secretLength: 66 }, // §3.3
  { type: 'ke', id: KeId.ECP_192, name: 'ECP_192', kind: 'ecp', publicLength: 48, secretLength: 24 }, // RFC 5114 §2.6
  {
    type: 'ke',
    id: KeId.CURVE_25519,
    name: 'CURVE_25519',
    kind: 'montgomery',
    publicLength: 32,
    secretLength: 32,
  }, // RFC 8031 §2
  {
    type: 'ke',
    id: KeId.CURVE_448,
    name: 'CURVE_448',
    kind: 'montgomery',
    publicLength: 56,
    secretLength: 56,
  },
];
