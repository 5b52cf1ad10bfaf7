/**
 * Every payload of RFC 7296 §3 (and SKF, RFC 7383 §2.5) described once: the generic payload
 * header followed by the payload's body fields. chain.ts reads and writes them through the
 * generic interpreter (table.ts); values are the Payload union of payload-types.ts.
 */
import { ProtocolId } from '../model.js';
import { PayloadType, payloadTypeName } from './constants.js';
import { checkSa, SA_FIELDS } from './sa-tables.js';
import type { Field, Rec, Table } from './table.js';
import { CP_FIELDS, TS_FIELDS } from './ts-tables.js';

/*
 * Generic payload header (§3.2), the start of every payload:
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Next Payload  |C|  RESERVED   |         Payload Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const GENERIC_HEADER: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'nextPayload' },
  {
    kind: 'bits',
    size: 1,
    parts: [{ name: 'critical', bits: 1 }, { bits: 7 }],
  },
  { kind: 'length', size: 2 },
];
export const GENERIC_HEADER_LENGTH = 4;

/*
 * Key Exchange (§3.4):
 * |   Diffie-Hellman Group Num    |           RESERVED            |
 * ~                       Key Exchange Data                       ~
 */
const KE_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 2, name: 'group' },
  { kind: 'reserved', size: 2 },
  { kind: 'bytes', name: 'data' },
];

/*
 * Identification, IDi and IDr (§3.5):
 * |   ID Type     |                 RESERVED                      |
 * ~                   Identification Data                         ~
 */
const ID_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'idType' },
  { kind: 'reserved', size: 3 },
  { kind: 'bytes', name: 'data' },
];

/*
 * Certificate (§3.6) and Certificate Request (§3.7):
 * | Cert Encoding |                                               |
 * +-+-+-+-+-+-+-+-+                                               |
 * ~   Certificate Data (CERT) / Certification Authority (CERTREQ) ~
 */
const CERT_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'encoding' },
  { kind: 'bytes', name: 'data' },
];

/*
 * Authentication (§3.8):
 * | Auth Method   |                RESERVED                       |
 * ~                      Authentication Data                      ~
 */
const AUTH_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'method' },
  { kind: 'reserved', size: 3 },
  { kind: 'bytes', name: 'data' },
];

/*
 * Nonce (§3.9), Vendor ID (§3.12) and EAP (§3.16), one opaque field each:
 * ~                            Nonce Data / Vendor ID (VID) / EAP Message           ~
 */
const DATA_FIELDS: readonly Field[] = [{ kind: 'bytes', name: 'data' }];

/** Nonce Data is 16 to 256 octets (§3.9). */
const NONCE_MIN = 16;
const NONCE_MAX = 256;

/*
 * Notify (§3.10):
 * |  Protocol ID  |   SPI Size    |      Notify Message Type      |
 * ~                Security Parameter Index (SPI)                 ~
 * ~                       Notification Data                       ~
 */
const N_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'protocolId' },
  { kind: 'size', size: 1, of: 'spi' },
  { kind: 'uint', size: 2, name: 'notifyType' },
  { kind: 'bytes', name: 'spi' },
  { kind: 'bytes', name: 'data' },
];

/*
 * Delete (§3.11):
 * | Protocol ID   |   SPI Size    |          Num of SPIs          |
 * ~               Security Parameter Index(es) (SPI)              ~
 */
const D_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'protocolId' },
  { kind: 'uint', size: 1, name: 'spiSize' },
  { kind: 'count', size: 2, of: 'spis' },
  { kind: 'byteList', name: 'spis', itemLength: (rec) => rec.spiSize as number },
];

/** Delete: IKE carries no SPI (SPI Size 0, Num of SPIs 0); ESP and AH SPIs are 4 octets (§3.11). */
function checkDelete(rec: Rec): string | undefined {
  const { protocolId, spiSize } = rec;
  if (protocolId === ProtocolId.IKE && (spiSize !== 0 || (rec.spis as unknown[]).length !== 0))
    return 'IKE Delete carries no SPI';
  if ((protocolId === ProtocolId.AH || protocolId === ProtocolId.ESP) && spiSize !== 4)
    return `AH/ESP SPI size ${String(spiSize)}`;
  return undefined;
}

/*
 * Encrypted and Authenticated (§3.14), kept opaque here (sk.ts seals and opens it):
 * |                     Initialization Vector                     |
 * ~                    Encrypted IKE Payloads                     ~
 * |               |             Padding (0-255 octets)            |
 * |                                               |  Pad Length   |
 * ~                    Integrity Checksum Data                    ~
 */
const SK_FIELDS: readonly Field[] = [{ kind: 'bytes', name: 'body' }];

/*
 * Encrypted and Authenticated Fragment (RFC 7383 §2.5):
 * |        Fragment Number        |        Total Fragments        |
 * |                     Initialization Vector                     |
 * ~                      Encrypted content                        ~
 * ~                    Integrity Checksum Data                    ~
 */
const SKF_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 2, name: 'fragmentNumber' },
  { kind: 'uint', size: 2, name: 'totalFragments' },
  { kind: 'bytes', name: 'body' },
];

/** Fragments are numbered from 1 up to Total Fragments (RFC 7383 §2.5). */
function checkSkf(rec: Rec): string | undefined {
  const n = rec.fragmentNumber as number;
  const total = rec.totalFragments as number;
  return n >= 1 && n <= total ? undefined : `fragment ${n} of ${total}`;
}

/** An EAP message has Code, Identifier and a Length equal to its size (RFC 3748 §4). */
function checkEap(rec: Rec): string | undefined {
  const d = rec.data as Uint8Array;
  if (d.length < 4) return 'EAP message shorter than 4 octets';
  return d[2]! * 256 + d[3]! === d.length ? undefined : 'EAP Length disagrees with the payload';
}

/** Payload types we decode, with their full tables (generic header + body). */
export interface PayloadCodec {
  readonly type: number;
  readonly name: string;
  readonly table: Table;
}

function codec(type: number, body: readonly Field[], check?: (rec: Rec) => string | undefined): PayloadCodec {
  const name = payloadTypeName(type);
  const table: Table = check
    ? { name, fields: [...GENERIC_HEADER, ...body], check }
    : { name, fields: [...GENERIC_HEADER, ...body] };
  return { type, name, table };
}

const checkNonce = (rec: Rec): string | undefined => {
  const n = (rec.data as Uint8Array).length;
  return n >= NONCE_MIN && n <= NONCE_MAX ? undefined : `Nonce Data of ${n} octets (16-256, §3.9)`;
};

export const PAYLOAD_CODECS: ReadonlyMap<number, PayloadCodec> = new Map(
  [
    codec(PayloadType.SA, SA_FIELDS, checkSa),
    codec(PayloadType.KE, KE_FIELDS),
    codec(PayloadType.IDi, ID_FIELDS),
    codec(PayloadType.IDr, ID_FIELDS),
    codec(PayloadType.CERT, CERT_FIELDS),
    codec(PayloadType.CERTREQ, CERT_FIELDS),
    codec(PayloadType.AUTH, AUTH_FIELDS),
    codec(PayloadType.NONCE, DATA_FIELDS, checkNonce),
    codec(PayloadType.N, N_FIELDS),
    codec(PayloadType.D, D_FIELDS, checkDelete),
    codec(PayloadType.V, DATA_FIELDS),
    codec(PayloadType.TSi, TS_FIELDS),
    codec(PayloadType.TSr, TS_FIELDS),
    codec(PayloadType.SK, SK_FIELDS),
    codec(PayloadType.CP, CP_FIELDS),
    codec(PayloadType.EAP, DATA_FIELDS, checkEap),
    codec(PayloadType.SKF, SKF_FIELDS, checkSkf),
  ].map((c) => [c.type, c] as const),
);

/** A payload type we do not implement: generic header and opaque body (§2.5, §3.2). */
export const UNKNOWN_TABLE: Table = {
  name: 'unknown',
  fields: [...GENERIC_HEADER, { kind: 'bytes', name: 'body' }],
};
