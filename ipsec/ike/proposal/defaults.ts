/**
 * The `default` proposal keyword: strongSwan 5.9's proposal_create_default() followed by
 * proposal_create_default_aead() (the order swanctl's `default` adds them), restricted to the
 * transforms in ipsec/crypto/transforms.ts. strongSwan adds algorithms in "rounds" (at least
 * 128-bit strength first); within a round its order follows plugin registration, ours follows
 * the registry order below.
 *
 * IKE classic: aes128/192/256, aes128/192/256ctr; sha256, sha384, sha512, aesxcbc, aescmac, sha1;
 *   prfsha256, prfsha384, prfsha512, prfaesxcbc, prfaescmac, prfsha1;
 *   ecp256, ecp384, ecp521, x25519, x448, modp3072, modp4096, modp2048.
 * IKE AEAD: aes128/192/256gcm16, aes128/192/256ccm16, chacha20poly1305, then the 12- and 8-octet
 *   ICV variants of GCM and CCM; same PRFs and KE methods.
 * ESP classic: aes128/192/256; sha256, sha384, sha512, sha1, aesxcbc; noesn.
 * ESP AEAD: aes128/192/256gcm16; noesn. (strongSwan leaves ESN out of this one; RFC 7296
 *   §3.3.3 makes ESN a mandatory transform type for ESP, so we add NO_ESN.)
 * Omitted from strongSwan's lists because not implemented here: 3DES, Camellia, Brainpool,
 * MODP 6144/8192 and the post-quantum methods.
 */
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../crypto/ids.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../model.js';

const { ENCR, PRF, INTEG, KE, ESN } = TransformType;
const SIZES = [128, 192, 256] as const;
const t = (type: number, id: number, keyLength?: number): TransformSpec =>
  keyLength === undefined ? { type, id } : { type, id, keyLength };
const aes = (...ids: number[]) => ids.flatMap((id) => SIZES.map((bits) => t(ENCR, id, bits)));

const IKE_PRFS = [
  PrfId.HMAC_SHA2_256,
  PrfId.HMAC_SHA2_384,
  PrfId.HMAC_SHA2_512,
  PrfId.AES128_XCBC,
  PrfId.AES128_CMAC,
  PrfId.HMAC_SHA1,
].map((id) => t(PRF, id));

const IKE_KES = [
  KeId.ECP_256,
  KeId.ECP_384,
  KeId.ECP_521,
  KeId.CURVE_25519,
  KeId.CURVE_448,
  KeId.MODP_3072,
  KeId.MODP_4096,
  KeId.MODP_2048,
].map((id) => t(KE, id));

const IKE_CLASSIC: readonly TransformSpec[] = [
  ...aes(EncrId.AES_CBC, EncrId.AES_CTR),
  ...IKE_PRFS,
  ...[
    IntegId.HMAC_SHA2_256_128,
    IntegId.HMAC_SHA2_384_192,
    IntegId.HMAC_SHA2_512_256,
    IntegId.AES_XCBC_96,
    IntegId.AES_CMAC_96,
    IntegId.HMAC_SHA1_96,
  ].map((id) => t(INTEG, id)),
  ...IKE_KES,
];

const IKE_AEAD: readonly TransformSpec[] = [
  ...aes(EncrId.AES_GCM_16, EncrId.AES_CCM_16),
  t(ENCR, EncrId.CHACHA20_POLY1305),
  ...aes(EncrId.AES_GCM_12, EncrId.AES_GCM_8, EncrId.AES_CCM_12, EncrId.AES_CCM_8),
  ...IKE_PRFS,
  ...IKE_KES,
];

const ESP_CLASSIC: readonly TransformSpec[] = [
  ...aes(EncrId.AES_CBC),
  ...[
    IntegId.HMAC_SHA2_256_128,
    IntegId.HMAC_SHA2_384_192,
    IntegId.HMAC_SHA2_512_256,
    IntegId.HMAC_SHA1_96,
    IntegId.AES_XCBC_96,
  ].map((id) => t(INTEG, id)),
  t(ESN, EsnId.NO_ESN),
];

const ESP_AEAD: readonly TransformSpec[] = [...aes(EncrId.AES_GCM_16), t(ESN, EsnId.NO_ESN)];

/** The `default` proposals for IKE or ESP, numbered 1 and 2, SPI empty. */
export function defaultProposals(protocolId: typeof ProtocolId.IKE | typeof ProtocolId.ESP): Proposal[] {
  const lists = protocolId === ProtocolId.IKE ? [IKE_CLASSIC, IKE_AEAD] : [ESP_CLASSIC, ESP_AEAD];
  return lists.map((transforms, i) => ({
    num: i + 1,
    protocolId,
    spi: new Uint8Array(0),
    transforms: [...transforms].sort((a, b) => a.type - b.type),
  }));
}
