/**
 * Traffic Selector (RFC 7296 §3.13) and Configuration (§3.15) payload bodies and their
 * substructures, as field tables for the generic reader/writer (table.ts).
 */
import { TsType } from '../model.js';
import type { Field, Table } from './table.js';

/** Address length by TS Type (§3.13.1); other types split the rest of the selector in halves. */
function addressLength(tsType: unknown, remaining: number): number {
  if (tsType === TsType.TS_IPV4_ADDR_RANGE) return 4;
  if (tsType === TsType.TS_IPV6_ADDR_RANGE) return 16;
  return Math.floor(remaining / 2);
}

/*
 * Traffic Selector substructure (§3.13.1):
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+-------------------------------+
 * |   TS Type     |IP Protocol ID*|       Selector Length         |
 * +---------------+---------------+-------------------------------+
 * |           Start Port*         |           End Port*           |
 * +-------------------------------+-------------------------------+
 * |                                                               |
 * ~                         Starting Address*                     ~
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                                                               |
 * ~                         Ending Address*                       ~
 * |                                                               |
 * +---------------------------------------------------------------+
 */
export const TrafficSelectorTable: Table = {
  name: 'TrafficSelector',
  fields: [
    { kind: 'uint', size: 1, name: 'tsType' },
    { kind: 'uint', size: 1, name: 'ipProtocol' },
    { kind: 'length', size: 2 },
    { kind: 'uint', size: 2, name: 'startPort' },
    { kind: 'uint', size: 2, name: 'endPort' },
    { kind: 'bytes', name: 'startAddress', length: (rec, remaining) => addressLength(rec.tsType, remaining) },
    // Ending Address: the same length as the Starting Address.
    { kind: 'bytes', name: 'endAddress', length: (rec) => (rec.startAddress as Uint8Array).length },
  ],
  check: (rec) => {
    const start = rec.startAddress as Uint8Array;
    const end = rec.endAddress as Uint8Array;
    if (start.length !== end.length) return 'start and end addresses differ in length';
    const n = addressLength(rec.tsType, 2 * start.length);
    return start.length === n ? undefined : `TS type ${String(rec.tsType)} needs ${n}-octet addresses`;
  },
};

/*
 * Traffic Selector payload body (§3.13), after the generic payload header:
 * +---------------+-----------------------------------------------+
 * | Number of TSs |                 RESERVED                      |
 * +---------------+-----------------------------------------------+
 * |                                                               |
 * ~                       <Traffic Selectors>                     ~
 * |                                                               |
 * +---------------------------------------------------------------+
 */
export const TS_FIELDS: readonly Field[] = [
  { kind: 'count', size: 1, of: 'selectors' },
  { kind: 'reserved', size: 3 },
  { kind: 'list', name: 'selectors', item: TrafficSelectorTable },
];

/*
 * Configuration attribute (§3.15.1):
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-----------------------------+-------------------------------+
 * |R|         Attribute Type      |            Length             |
 * +-+-----------------------------+-------------------------------+
 * |                                                               |
 * ~                             Value                             ~
 * |                                                               |
 * +---------------------------------------------------------------+
 */
export const CfgAttributeTable: Table = {
  name: 'CfgAttribute',
  fields: [
    { kind: 'bits', size: 2, parts: [{ bits: 1 }, { name: 'attrType', bits: 15 }] }, // R: reserved
    { kind: 'size', size: 2, of: 'value' },
    { kind: 'bytes', name: 'value' },
  ],
};

/*
 * Configuration payload body (§3.15), after the generic payload header:
 * +---------------+-----------------------------------------------+
 * |   CFG Type    |                    RESERVED                   |
 * +---------------+-----------------------------------------------+
 * |                                                               |
 * ~                   Configuration Attributes                    ~
 * |                                                               |
 * +---------------------------------------------------------------+
 */
export const CP_FIELDS: readonly Field[] = [
  { kind: 'uint', size: 1, name: 'cfgType' },
  { kind: 'reserved', size: 3 },
  { kind: 'list', name: 'attributes', item: CfgAttributeTable },
];
