/** The portable provider on @noble/*, with every transform: the default for ipsec/. */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CryptoProvider } from '../types.js';
import { composeNobleProvider } from './compose.js';
import { ENCR_NULL } from './encr.js';
import { ENCR_AES_CBC } from './encr-cbc.js';
import { ENCR_AES_CCM } from './encr-ccm.js';
import { ENCR_CHACHA20_POLY1305 } from './encr-chacha.js';
import { ENCR_AES_CTR } from './encr-ctr.js';
import { ENCR_AES_GCM } from './encr-gcm.js';
import { KE_ECP_192, KE_ECP_256, KE_ECP_384, KE_ECP_521 } from './ke-ecp.js';
import { KE_MODP } from './ke-modp.js';
import { KE_CURVE_448, KE_CURVE_25519 } from './ke-montgomery.js';
import {
  INTEG_AES_CMAC_96,
  INTEG_AES_XCBC_96,
  INTEG_HMAC_SHA1_96,
  INTEG_HMAC_SHA2_256_128,
  INTEG_HMAC_SHA2_384_192,
  INTEG_HMAC_SHA2_512_256,
} from './mac.js';
import {
  PRF_AES128_CMAC,
  PRF_AES128_XCBC,
  PRF_HMAC_SHA1,
  PRF_HMAC_SHA2_256,
  PRF_HMAC_SHA2_384,
  PRF_HMAC_SHA2_512,
} from './prf.js';
import { nobleSignatures } from './signature.js';

const allTransforms: CryptoProvider = composeNobleProvider({
  name: 'noble',
  encr: [ENCR_NULL, ENCR_AES_CBC, ENCR_AES_CTR, ...ENCR_AES_GCM, ...ENCR_AES_CCM, ENCR_CHACHA20_POLY1305],
  integ: [
    INTEG_HMAC_SHA1_96,
    INTEG_HMAC_SHA2_256_128,
    INTEG_HMAC_SHA2_384_192,
    INTEG_HMAC_SHA2_512_256,
    INTEG_AES_XCBC_96,
    INTEG_AES_CMAC_96,
  ],
  prf: [
    PRF_HMAC_SHA1,
    PRF_HMAC_SHA2_256,
    PRF_HMAC_SHA2_384,
    PRF_HMAC_SHA2_512,
    PRF_AES128_XCBC,
    PRF_AES128_CMAC,
  ],
  ke: [KE_ECP_256, KE_ECP_384, KE_ECP_521, KE_ECP_192, ...KE_MODP, KE_CURVE_25519, KE_CURVE_448],
  hashes: { sha1, sha256, sha384, sha512 },
});

/** Every transform, and signatures (issue 16); the mote composes its own provider, without them. */
export const nobleProvider: CryptoProvider = { ...allTransforms, signatures: nobleSignatures };

/** The key exchange of every method (tests, tools). */
export const createNobleKeyExchange = nobleProvider.keyExchange;
