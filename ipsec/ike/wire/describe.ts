/**
 * Decoded IKE messages as text for people (the statechart inspector, recordings): every payload
 * as a PayloadView with its RFC 7296 §3 name and field names, numbers with their IANA names
 * ("ENCR_AES_CTR (13)", "NAT_DETECTION_SOURCE_IP (16388)"), traffic selectors as strongSwan
 * prints them, and opaque data (KE, Nonce, AUTH, Notification Data, ...) as its length and a
 * short hex prefix: nothing in an IKE message is a key, but the inspector need not dump it all.
 *
 * Pure and total: any decoded message (decodeMessage) gives a view; SK is opened when the
 * caller passes the IKE SA's SK keys (describeIkeMessage), its inner payloads become its
 * children; without keys, or when integrity fails, `opaque` says why.
 */
import { EncrId, EsnId, IntegId, KeId, PrfId, TransformType } from '../../crypto/ids.js';
import { formatIdentity } from '../identity.js';
import { ProtocolId } from '../model.js';
import { openSk, type SkKeyPair, skKeysForMessage } from '../sk.js';
import { tsToString } from '../ts/text.js';
import { decodePayloadChain } from './chain.js';
import {
  authMethodName,
  certEncodingName,
  cfgAttributeName,
  cfgTypeName,
  exchangeTypeName,
  idTypeName,
  nameLookup,
  PayloadType,
  payloadTypeName,
} from './constants.js';
import { isInitiator, isResponse } from './header.js';
import type { DecodedMessage } from './message.js';
import { NotifyError, notifyTypeName } from './notify-types.js';
import type { Payload, WireProposal, WireTransform } from './payload-types.js';

/** A decoded payload, for display: a name, its fields as text or numbers, nested payloads. */
export interface PayloadView {
  /** RFC 7296 §3 payload name: 'SA', 'KE', 'IDi', 'AUTH', 'N', 'TSi', 'SK', 'SKF', ... */
  readonly type: string;
  /** Field name -> value, names as in the RFC (e.g. 'Notify Message Type': 'NAT_DETECTION_SOURCE_IP (16388)'). */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  /** Proposals in SA, transforms in a proposal, the inner payloads of SK. */
  readonly children?: readonly PayloadView[];
}

/** An IKE message for display (the fields of the inspector's `ike.message` event). */
export interface MessageView {
  /** 'IKE_SA_INIT (34)' */
  readonly exchange: string;
  readonly messageId: number;
  readonly response: boolean;
  /** The I flag (§3.1). */
  readonly initiatorFlag: boolean;
  readonly length: number;
  /** RFC 7383 §2.5: this datagram is fragment `number` of `total`. */
  readonly fragment?: { readonly number: number; readonly total: number };
  readonly payloads: readonly PayloadView[];
  /** Why SK's contents are not shown: 'no keys', 'integrity', 'not yet reassembled', ... */
  readonly opaque?: string;
}

/** Octets of opaque data shown as hex after the length. */
const PREFIX_OCTETS = 8;

const named = (name: string, value: number): string =>
  name.endsWith(`(${value})`) ? name : `${name} (${value})`;

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** '32 octets: 0a1b2c3d4e5f6071…' (the whole value when it is short). */
export function octets(b: Uint8Array): string {
  if (b.length === 0) return '0 octets';
  const shown = hex(b.subarray(0, PREFIX_OCTETS));
  return `${b.length} octets: ${shown}${b.length > PREFIX_OCTETS ? '…' : ''}`;
}

const prefixed = (table: Readonly<Record<string, number>>, prefix: string) =>
  nameLookup(Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}${k}`, v])), prefix);

/** IANA transform names by type (RFC 7296 §3.3.2 and its registries). */
const TRANSFORM_ID_NAMES: Record<number, (id: number) => string> = {
  [TransformType.ENCR]: prefixed(EncrId, 'ENCR_'),
  [TransformType.PRF]: prefixed(PrfId, 'PRF_'),
  [TransformType.INTEG]: nameLookup(
    Object.fromEntries(Object.entries(IntegId).map(([k, v]) => [v === 0 ? 'NONE' : `AUTH_${k}`, v])),
    'AUTH_',
  ),
  [TransformType.KE]: nameLookup(KeId, 'KE_'),
  [TransformType.ESN]: nameLookup({ NO_ESN: EsnId.NO_ESN, ESN: EsnId.ESN }, 'ESN_'),
};
export const transformTypeName = /* @__PURE__ */ nameLookup(TransformType, 'TRANSFORM');
export const protocolIdName = /* @__PURE__ */ nameLookup(ProtocolId, 'PROTOCOL');
/** A Key Exchange Method (Diffie-Hellman group) name: 'ECP_192 (25)'. */
export const keGroupName = (id: number): string => named(nameLookup(KeId, 'KE')(id), id);

/** 'ENCR_AES_CTR (13)': a transform ID with its IANA name. */
export function transformIdName(type: number, id: number): string {
  const lookup = TRANSFORM_ID_NAMES[type];
  return lookup ? named(lookup(id), id) : `${id}`;
}

function describeTransform(t: WireTransform): PayloadView {
  const fields: Record<string, string | number> = {
    'Transform Type': named(transformTypeName(t.type), t.type),
    'Transform ID': transformIdName(t.type, t.id),
  };
  if (t.keyLength !== undefined) fields['Key Length'] = t.keyLength;
  for (const a of t.otherAttributes ?? [])
    fields[`Attribute ${a.attrType}`] = typeof a.value === 'number' ? a.value : octets(a.value);
  return { type: 'Transform', fields };
}

function describeProposal(p: WireProposal): PayloadView {
  const fields: Record<string, string | number> = {
    'Proposal Num': p.num,
    'Protocol ID': named(protocolIdName(p.protocolId), p.protocolId),
  };
  if (p.spi.length > 0) fields.SPI = hex(p.spi); // §3.3.1: SPIs are public
  return { type: 'Proposal', fields, children: p.transforms.map(describeTransform) };
}

/** Notification Data read as what it is for the few types that carry a number (§3.10.1). */
function notifyData(notifyType: number, data: Uint8Array): string | number {
  // §3.10.1: INVALID_KE_PAYLOAD carries the accepted group as two octets.
  if (notifyType === NotifyError.INVALID_KE_PAYLOAD && data.length === 2)
    return keGroupName((data[0]! << 8) | data[1]!);
  return octets(data);
}

/** One payload for display; SK/SKF without children (describeIkeMessage adds them). */
export function describePayload(p: Payload, response = false): PayloadView {
  switch (p.type) {
    case 'unknown':
      return {
        type: payloadTypeName(p.payloadType),
        fields: { 'Payload Type': p.payloadType, Body: octets(p.body) },
      };
    case PayloadType.SA:
      return {
        type: 'SA',
        fields: { Proposals: p.proposals.length },
        children: p.proposals.map(describeProposal),
      };
    case PayloadType.KE:
      return {
        type: 'KE',
        fields: { 'Diffie-Hellman Group Num': keGroupName(p.group), 'Key Exchange Data': octets(p.data) },
      };
    case PayloadType.IDi:
    case PayloadType.IDr:
      return {
        type: payloadTypeName(p.type),
        fields: {
          'ID Type': named(idTypeName(p.idType), p.idType),
          'Identification Data': formatIdentity({ type: p.idType, data: p.data }),
        },
      };
    case PayloadType.CERT:
    case PayloadType.CERTREQ:
      return {
        type: payloadTypeName(p.type),
        fields: {
          'Cert Encoding': named(certEncodingName(p.encoding), p.encoding),
          [p.type === PayloadType.CERT ? 'Certificate Data' : 'Certification Authority']: octets(p.data),
        },
      };
    case PayloadType.AUTH:
      return {
        type: 'AUTH',
        fields: {
          'Auth Method': named(authMethodName(p.method), p.method),
          'Authentication Data': octets(p.data),
        },
      };
    case PayloadType.NONCE:
      // §3.9: Ni or Nr, by who sent it; the length is what matters (at least 16 octets).
      return {
        type: response ? 'Nr' : 'Ni',
        fields: { 'Nonce Data': octets(p.data), Length: p.data.length },
      };
    case PayloadType.N: {
      const fields: Record<string, string | number> = {
        'Protocol ID': p.protocolId === 0 ? 0 : named(protocolIdName(p.protocolId), p.protocolId),
        'Notify Message Type': named(notifyTypeName(p.notifyType), p.notifyType),
      };
      if (p.spi.length > 0) fields.SPI = hex(p.spi);
      if (p.data.length > 0) fields['Notification Data'] = notifyData(p.notifyType, p.data);
      return { type: 'N', fields };
    }
    case PayloadType.D:
      return {
        type: 'D',
        fields: {
          'Protocol ID': named(protocolIdName(p.protocolId), p.protocolId),
          'SPI Size': p.spiSize,
          'Num of SPIs': p.spis.length,
          SPIs: p.spis.map(hex).join(' '),
        },
      };
    case PayloadType.V:
      return { type: 'V', fields: { 'Vendor ID': octets(p.data) } };
    case PayloadType.TSi:
    case PayloadType.TSr:
      return {
        type: payloadTypeName(p.type),
        fields: {
          'Number of TSs': p.selectors.length,
          'Traffic Selectors': p.selectors.map(tsToString).join(', '),
        },
        children: p.selectors.map((ts) => ({
          type: 'TS',
          fields: {
            'TS Type': named(
              ts.tsType === 7 ? 'TS_IPV4_ADDR_RANGE' : ts.tsType === 8 ? 'TS_IPV6_ADDR_RANGE' : 'TS',
              ts.tsType,
            ),
            'IP Protocol ID': ts.ipProtocol,
            'Start Port': ts.startPort,
            'End Port': ts.endPort,
            Selector: tsToString(ts),
          },
        })),
      };
    case PayloadType.SK:
      return {
        type: 'SK',
        fields: {
          'Next Payload': named(payloadTypeName(p.firstInnerPayload), p.firstInnerPayload),
          Body: octets(p.body),
        },
      };
    case PayloadType.CP:
      return {
        type: 'CP',
        fields: { 'CFG Type': named(cfgTypeName(p.cfgType), p.cfgType) },
        children: p.attributes.map((a) => ({
          type: 'Attribute',
          fields: {
            'Attribute Type': named(cfgAttributeName(a.attrType), a.attrType),
            Value: octets(a.value),
          },
        })),
      };
    case PayloadType.EAP:
      return { type: 'EAP', fields: { 'EAP Message': octets(p.data) } };
    case PayloadType.SKF:
      return {
        type: 'SKF',
        fields: {
          'Next Payload': named(payloadTypeName(p.firstInnerPayload), p.firstInnerPayload),
          'Fragment Number': p.fragmentNumber,
          'Total Fragments': p.totalFragments,
          Body: octets(p.body),
        },
      };
  }
}

export const describePayloads = (payloads: readonly Payload[], response = false): PayloadView[] =>
  payloads.map((p) => describePayload(p, response));

/**
 * A whole message for display. With `sk` (the IKE SA's keys, §2.14) an SK payload is opened
 * and its inner payloads become its children; SKF fragments are shown as they are (their
 * contents mean something only once reassembled, RFC 7383 §2.6). Never throws.
 */
export function describeIkeMessage(decoded: DecodedMessage, raw: Uint8Array, sk?: SkKeyPair): MessageView {
  const h = decoded.header;
  const response = isResponse(h);
  const base = {
    exchange: named(exchangeTypeName(h.exchangeType), h.exchangeType),
    messageId: h.messageId,
    response,
    initiatorFlag: isInitiator(h),
    length: raw.length,
  };
  let opaque: string | undefined;
  let fragment: MessageView['fragment'];
  const payloads = decoded.payloads.map((p): PayloadView => {
    const view = describePayload(p, response);
    if (p.type === PayloadType.SKF) {
      fragment = { number: p.fragmentNumber, total: p.totalFragments };
      opaque = 'not yet reassembled';
    }
    if (p.type !== PayloadType.SK || !decoded.sk) return view;
    if (!sk) {
      opaque = 'no keys';
      return view;
    }
    let plain: Uint8Array;
    try {
      const opened = openSk(skKeysForMessage(sk, isInitiator(h)), raw, decoded.sk.offset);
      if (!opened.ok) {
        opaque = opened.error.code === 'INTEGRITY' ? 'integrity' : `SK ${opened.error.code.toLowerCase()}`;
        return view;
      }
      plain = opened.value;
    } catch {
      opaque = 'keys unusable'; // wiped or destroyed keys of an SA that ended
      return view;
    }
    const inner = decodePayloadChain(decoded.sk.firstInnerPayload, plain);
    if (!inner.ok) {
      opaque = `inner payloads malformed: ${inner.error.message}`;
      return view;
    }
    return { ...view, children: describePayloads(inner.value, response) };
  });
  return {
    ...base,
    ...(fragment ? { fragment } : {}),
    payloads,
    ...(opaque !== undefined ? { opaque } : {}),
  };
}
