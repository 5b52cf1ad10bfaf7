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

/** IKE and ESP proposals of each suite. */
export const MOTE_PROPOSALS: Record<MoteSuiteName, { ike: readonly Proposal[]; esp: readonly Proposal[] }> = {
  seed: {
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
  },
  'ccm8-ecp256': {
    ike: [
      proposal(ProtocolId.IKE, [
        AES128_CCM8,
        { type: TransformType.PRF, id: PrfId.HMAC_SHA2_256 },
        { type: TransformType.KE, id: KeId.ECP_256 },
      ]),
    ],
    esp: [proposal(ProtocolId.ESP, [AES128_CCM8, NO_ESN])],
  },
  'ccm8-x25519': {
    ike: [
      proposal(ProtocolId.IKE, [
        AES128_CCM8,
        { type: TransformType.PRF, id: PrfId.HMAC_SHA2_256 },
        { type: TransformType.KE, id: KeId.CURVE_25519 },
      ]),
    ],
    esp: [proposal(ProtocolId.ESP, [AES128_CCM8, NO_ESN])],
  },
};
