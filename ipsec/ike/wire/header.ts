/** The IKE header (RFC 7296 §3.1): 28 octets, 32-bit Message ID, big-endian. */
import { err, ok, type Result } from '../../result.js';
import { HeaderFlag, IKE_MAJOR_VERSION } from './constants.js';
import { type WireError, wireError } from './errors.js';
import { readTable, type Table } from './table.js';
import { type ByteSink, writeStruct } from './table-writer.js';

export interface IkeHeader {
  /** IKE SA Initiator's SPI, 8 octets. */
  readonly spiI: Uint8Array;
  /** IKE SA Responder's SPI, 8 octets (zero in the first IKE_SA_INIT request). */
  readonly spiR: Uint8Array;
  /** 2 for IKEv2 (§3.1). */
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly exchangeType: number;
  /** The raw Flags octet: HeaderFlag.I | HeaderFlag.V | HeaderFlag.R; other bits are reserved. */
  readonly flags: number;
  /** Message ID, 32 bits unsigned. */
  readonly messageId: number;
}

/** A decoded header also shows the fields the encoder computes. */
export interface DecodedHeader extends IkeHeader {
  readonly nextPayload: number;
  /** Length of the whole message in octets. */
  readonly length: number;
}

export const IKE_HEADER_LENGTH = 28;
/** Offset of the Length field in the header. */
export const IKE_HEADER_LENGTH_OFFSET = 24;

/*
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Responder's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Message ID                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const HeaderTable: Table = {
  name: 'header',
  fields: [
    { kind: 'bytes', name: 'spiI', length: 8 },
    { kind: 'bytes', name: 'spiR', length: 8 },
    { kind: 'uint', size: 1, name: 'nextPayload' },
    {
      kind: 'bits',
      size: 1,
      parts: [
        { name: 'majorVersion', bits: 4 },
        { name: 'minorVersion', bits: 4 },
      ],
    },
    { kind: 'uint', size: 1, name: 'exchangeType' },
    { kind: 'uint', size: 1, name: 'flags' },
    { kind: 'uint', size: 4, name: 'messageId' },
    { kind: 'uint', size: 4, name: 'length' },
  ],
};

/**
 * Reads the header only (e.g. the supervisor's peek). Errors: TRUNCATED under 28 octets;
 * INVALID_MAJOR_VERSION if the major version is not 2 (§3.1, answered with notify 5).
 */
export function decodeHeader(bytes: Uint8Array): Result<DecodedHeader, WireError> {
  const r = readTable(HeaderTable, bytes, 0, bytes.length, 0);
  if (!r.ok) return r;
  const header = r.value.value as DecodedHeader;
  if (header.majorVersion !== IKE_MAJOR_VERSION)
    return err(
      wireError('INVALID_MAJOR_VERSION', 'header', 17, `major version ${header.majorVersion}, not 2 (§3.1)`),
    );
  return ok(header);
}

/** Appends the 28-octet header with the given Next Payload and total Length. */
export function writeHeader(header: IkeHeader, nextPayload: number, length: number, out: ByteSink): void {
  writeStruct(HeaderTable, { ...header, nextPayload, length }, out, 'header');
}

export const isResponse = (h: IkeHeader): boolean => (h.flags & HeaderFlag.R) !== 0;
/** Set in messages sent by the original initiator of the IKE SA (§3.1). */
export const isInitiator = (h: IkeHeader): boolean => (h.flags & HeaderFlag.I) !== 0;

/** The Flags octet for a message (§3.1): I for the original initiator, R for responses. */
export const headerFlags = (o: { readonly initiator: boolean; readonly response: boolean }): number =>
  (o.initiator ? HeaderFlag.I : 0) | (o.response ? HeaderFlag.R : 0);
