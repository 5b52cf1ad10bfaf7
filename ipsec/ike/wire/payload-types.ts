/**
 * Decoded IKEv2 payloads (RFC 7296 §3): a discriminated union on `type` (the payload type
 * number of PayloadType). Field names follow the RFC diagrams; counts and lengths are implied
 * by the arrays and octet strings and are never stored.
 */
import type { Proposal, TrafficSelector, TransformSpec } from '../model.js';
import type { PayloadType } from './constants.js';

/** A transform attribute other than Key Length (RFC 7296 §3.3.5): number = TV, octets = TLV. */
export interface DataAttribute {
  /** Attribute Type, 15 bits. */
  readonly attrType: number;
  readonly value: number | Uint8Array;
}

/** A transform as decoded: Key Length as `keyLength`, any other attribute kept in order. */
export interface WireTransform extends TransformSpec {
  readonly otherAttributes?: readonly DataAttribute[];
}

export interface WireProposal extends Proposal {
  readonly transforms: readonly WireTransform[];
}

/** A Configuration attribute (RFC 7296 §3.15.1). */
export interface CfgAttributeValue {
  /** Attribute Type, 15 bits (the R bit is reserved). */
  readonly attrType: number;
  readonly value: Uint8Array;
}

type P = typeof PayloadType;

/** §3.3 */
export interface SaPayload {
  readonly type: P['SA'];
  readonly proposals: readonly WireProposal[];
}
/** §3.4 */
export interface KePayload {
  readonly type: P['KE'];
  /** Diffie-Hellman Group Num (Key Exchange Method). */
  readonly group: number;
  readonly data: Uint8Array;
}
/** §3.5; `data` is the Identification Data. */
export interface IdPayload {
  readonly type: P['IDi'] | P['IDr'];
  readonly idType: number;
  readonly data: Uint8Array;
}
/** §3.6 */
export interface CertPayload {
  readonly type: P['CERT'];
  readonly encoding: number;
  readonly data: Uint8Array;
}
/** §3.7; `data` is the Certification Authority field. */
export interface CertReqPayload {
  readonly type: P['CERTREQ'];
  readonly encoding: number;
  readonly data: Uint8Array;
}
/** §3.8 */
export interface AuthPayload {
  readonly type: P['AUTH'];
  readonly method: number;
  readonly data: Uint8Array;
}
/** §3.9: Ni or Nr, by who sent it. */
export interface NoncePayload {
  readonly type: P['NONCE'];
  readonly data: Uint8Array;
}
/** §3.10 */
export interface NotifyPayload {
  readonly type: P['N'];
  /** 0 when no SPI is carried, else IKE 1 / AH 2 / ESP 3. */
  readonly protocolId: number;
  readonly spi: Uint8Array;
  readonly notifyType: number;
  readonly data: Uint8Array;
}
/** §3.11; every SPI is `spiSize` octets (0 and none for IKE). */
export interface DeletePayload {
  readonly type: P['D'];
  readonly protocolId: number;
  readonly spiSize: number;
  readonly spis: readonly Uint8Array[];
}
/** §3.12 */
export interface VendorIdPayload {
  readonly type: P['V'];
  readonly data: Uint8Array;
}
/** §3.13 */
export interface TsPayload {
  readonly type: P['TSi'] | P['TSr'];
  readonly selectors: readonly TrafficSelector[];
}
/**
 * §3.14, kept opaque: `body` is IV | ciphertext | ICV; `firstInnerPayload` is SK's Next
 * Payload field, the type of the first payload inside. Always the last payload.
 */
export interface SkPayload {
  readonly type: P['SK'];
  readonly firstInnerPayload: number;
  readonly body: Uint8Array;
}
/** §3.15 */
export interface CpPayload {
  readonly type: P['CP'];
  readonly cfgType: number;
  readonly attributes: readonly CfgAttributeValue[];
}
/** §3.16: the whole EAP message (RFC 3748 §4), kept opaque. */
export interface EapPayload {
  readonly type: P['EAP'];
  readonly data: Uint8Array;
}
/** RFC 7383 §2.5: one fragment; `firstInnerPayload` is 0 except in fragment 1. */
export interface SkfPayload {
  readonly type: P['SKF'];
  readonly firstInnerPayload: number;
  readonly fragmentNumber: number;
  readonly totalFragments: number;
  readonly body: Uint8Array;
}
/** A payload type we do not implement, received without the critical bit (§2.5): skipped, kept. */
export interface UnknownPayload {
  readonly type: 'unknown';
  readonly payloadType: number;
  readonly body: Uint8Array;
}

export type Payload =
  | SaPayload
  | KePayload
  | IdPayload
  | CertPayload
  | CertReqPayload
  | AuthPayload
  | NoncePayload
  | NotifyPayload
  | DeletePayload
  | VendorIdPayload
  | TsPayload
  | SkPayload
  | CpPayload
  | EapPayload
  | SkfPayload
  | UnknownPayload;

/** The payload type number as it appears in a Next Payload field. */
export const payloadTypeOf = (p: Payload): number => (p.type === 'unknown' ? p.payloadType : p.type);
