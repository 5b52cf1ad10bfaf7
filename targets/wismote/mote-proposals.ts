/**
 * The mote profile's proposals, compiled: what parseProposals makes of MOTE_SUITES' keywords,
 * written out as transforms (RFC 7296 §3.3.2 IDs) so a firmware carries no keyword parser.
 * test/targets/wismote/mote-proposals.test.ts checks each against the parser.
 */
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../ipsec/crypto/ids.js';
import { type Proposal, ProtocolId, type TransformSpec } from '../../ipsec/ike/model.js';
import type { MoteSuiteName } from './profile.js';

const NO_SPI = new Uint8Array(0);
const proposal = (protocolId: number, transforms: readonly TransformSpec[]): Proposal => ({
  num: 1,
  protocolId,
  spi: NO_SPI,
  transforms,
});
const AES128_CTR = { type: TransformType.ENCR, id: EncrId.AES_CTR, keyLength: 128 };
const AES128_CCM8 = { type: TransformType.ENCR, id: EncrId.AES_CCM_8, keyLength: 128 };
const NO_ESN = { type: TransformType.ESN, id: EsnId.NO_ESN };

export interface MoteProposals {
  readonly ike: readonly Proposal[];
  readonly esp: readonly Proposal[];
}

/** aes128ctr-aesxcbc-prfaesxcbc-ecp192, ESP aes128ctr-aesxcbc. */
export const SEED_PROPOSALS: MoteProposals = {
  ike: [
    proposal(ProtocolId.IKE, [
      AES128_CTR,
      { type: TransformType.PRF, id: PrfId.AES128_XCBC },
      { type: TransformType.INTEG, id: IntegId.AES_XCBC_96 },
      { type: TransformType.KE, id: KeId.ECP_192 },
    ]),
  ],
  esp: [
    proposal(ProtocolId.ESP, [AES128_CTR, { type: TransformType.INTEG, id: IntegId.AES_XCBC_96 }, NO_ESN]),
  ],
};

/** aes128ccm8-prfsha256-<group>, ESP aes128ccm8. */
const ccm8 = (group: number): MoteProposals => ({
  ike: [
    proposal(ProtocolId.IKE, [
      AES128_CCM8,
      { type: TransformType.PRF, id: PrfId.HMAC_SHA2_256 },
      { type: TransformType.KE, id: group },
    ]),
  ],
  esp: [proposal(ProtocolId.ESP, [AES128_CCM8, NO_ESN])],
});

export const CCM8_ECP256_PROPOSALS: MoteProposals = /* @__PURE__ */ ccm8(KeId.ECP_256);
export const CCM8_X25519_PROPOSALS: MoteProposals = /* @__PURE__ */ ccm8(KeId.CURVE_25519);

/**
 * IKE and ESP proposals of each suite. A firmware takes its suites' from their crypto
 * (mote-crypto.ts), so a one-suite firmware carries no other suite's.
 */
export const MOTE_PROPOSALS: Record<MoteSuiteName, MoteProposals> = {
  seed: SEED_PROPOSALS,
  'ccm8-ecp256': CCM8_ECP256_PROPOSALS,
  'ccm8-x25519': CCM8_X25519_PROPOSALS,
};
