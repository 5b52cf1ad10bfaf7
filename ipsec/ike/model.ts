/**
 * Decoded IKEv2 values shared by the codecs (wire/), negotiation (proposal/, ts/) and the
 * key schedule. Field names follow RFC 7296 §3.
 */

/** Protocol ID in proposals and Delete/Notify payloads (RFC 7296 §3.3.1). */
export const ProtocolId = { IKE: 1, AH: 2, ESP: 3 } as const;
export type ProtocolIdValue = (typeof ProtocolId)[keyof typeof ProtocolId];

/** One transform substructure (RFC 7296 §3.3.2); `keyLength` is the Key Length attribute in bits. */
export interface TransformSpec {
  readonly type: number; // TransformType: 1 ENCR, 2 PRF, 3 INTEG, 4 KE, 5 ESN
  readonly id: number;
  readonly keyLength?: number;
}

/** One proposal substructure (RFC 7296 §3.3.1). */
export interface Proposal {
  /** Proposal Num: 1 for the first proposal, consecutive (§3.3.1). */
  readonly num: number;
  readonly protocolId: number;
  /** Empty for IKE_SA_INIT, 4 bytes for ESP/AH, 8 bytes for an IKE SA rekey (§3.3.1). */
  readonly spi: Uint8Array;
  readonly transforms: readonly TransformSpec[];
}

/** TS Type (RFC 7296 §3.13.1). */
export const TsType = { TS_IPV4_ADDR_RANGE: 7, TS_IPV6_ADDR_RANGE: 8 } as const;

/** One traffic selector (RFC 7296 §3.13.1). Addresses are 4 or 16 bytes, ranges inclusive. */
export interface TrafficSelector {
  readonly tsType: number;
  /** IP Protocol ID, 0 = any. */
  readonly ipProtocol: number;
  readonly startPort: number;
  readonly endPort: number;
  readonly startAddress: Uint8Array;
  readonly endAddress: Uint8Array;
}
