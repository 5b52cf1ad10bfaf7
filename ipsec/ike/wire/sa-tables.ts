/**
 * Security Association payload substructures (RFC 7296 §3.3): proposals, transforms and
 * transform attributes, as field tables for the generic reader/writer (table.ts).
 */
import { ATTR_KEY_LENGTH } from '../../crypto/ids.js';
import { ProtocolId } from '../model.js';
import type { DataAttribute, WireTransform } from './payload-types.js';
import type { Field, Rec, Table } from './table.js';

/*
 * Transform attribute (§3.3.5):
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |A|       Attribute Type        |    AF=0  Attribute Length     |
 * |F|                             |    AF=1  Attribute Value      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   AF=0  Attribute Value                       |
 * |                   AF=1  Not Transmitted                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const AttributeTable: Table = {
  name: 'Attribute',
  fields: [
    {
      kind: 'bits',
      size: 2,
      parts: [
        { name: 'af', bits: 1 },
        { name: 'attrType', bits: 15 },
      ],
    },
    {
      kind: 'when',
      test: (rec) => rec.af === 1, // AF=1: TV, 2-octet value (§3.3.5)
      ifTrue: [{ kind: 'uint', size: 2, name: 'tvValue' }],
      ifFalse: [
        { kind: 'size', size: 2, of: 'value' },
        { kind: 'bytes', name: 'value' },
      ],
    },
  ],
  fromRecord: (rec): DataAttribute =>
    rec.af === 1
      ? { attrType: rec.attrType as number, value: rec.tvValue as number }
      : { attrType: rec.attrType as number, value: rec.value as Uint8Array },
  toRecord: (a: DataAttribute): Rec =>
    typeof a.value === 'number'
      ? { af: 1, attrType: a.attrType, tvValue: a.value }
      : { af: 0, attrType: a.attrType, value: a.value },
};

const isKeyLength = (a: DataAttribute): a is DataAttribute & { value: number } =>
  a.attrType === ATTR_KEY_LENGTH && typeof a.value === 'number'; // Key Length is TV (§3.3.5)

/*
 * Transform substructure (§3.3.2):
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |        Transform Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Transform Type |   RESERVED    |          Transform ID         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * ~                      Transform Attributes                     ~
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Attributes: the Key Length attribute becomes `keyLength` (written first when encoding);
 * every other attribute is kept in `otherAttributes`, in order.
 */
export const TransformTable: Table = {
  name: 'Transform',
  fields: [
    { kind: 'last', more: 3 }, // 3 = more transforms follow (§3.3.2)
    { kind: 'reserved', size: 1 },
    { kind: 'length', size: 2 },
    { kind: 'uint', size: 1, name: 'type' },
    { kind: 'reserved', size: 1 },
    { kind: 'uint', size: 2, name: 'id' },
    { kind: 'list', name: 'attributes', item: AttributeTable },
  ],
  fromRecord: (rec): WireTransform => {
    const attributes = rec.attributes as DataAttribute[];
    const keyAttr = attributes.find(isKeyLength);
    const others = attributes.filter((a) => a !== keyAttr);
    return {
      type: rec.type as number,
      id: rec.id as number,
      ...(keyAttr ? { keyLength: keyAttr.value } : {}),
      ...(others.length > 0 ? { otherAttributes: others } : {}),
    };
  },
  toRecord: (t: WireTransform): Rec => ({
    type: t.type,
    id: t.id,
    attributes: [
      ...(t.keyLength === undefined ? [] : [{ attrType: ATTR_KEY_LENGTH, value: t.keyLength }]),
      ...(t.otherAttributes ?? []),
    ],
  }),
};

/** SPI sizes by protocol (§3.3.1): IKE 0 (IKE_SA_INIT) or 8 (rekey), AH/ESP 4. */
export function checkSpiSize(protocolId: unknown, spiSize: number): string | undefined {
  if (protocolId === ProtocolId.IKE && spiSize !== 0 && spiSize !== 8) return `IKE SPI size ${spiSize}`;
  if ((protocolId === ProtocolId.AH || protocolId === ProtocolId.ESP) && spiSize !== 4)
    return `AH/ESP SPI size ${spiSize}`;
  return undefined;
}

/*
 * Proposal substructure (§3.3.1):
 *                      1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Last Substruc |   RESERVED    |         Proposal Length       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                        SPI (variable)                         ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * ~                        <Transforms>                           ~
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const ProposalTable: Table = {
  name: 'Proposal',
  fields: [
    { kind: 'last', more: 2 }, // 2 = more proposals follow (§3.3.1)
    { kind: 'reserved', size: 1 },
    { kind: 'length', size: 2 },
    { kind: 'uint', size: 1, name: 'num' },
    { kind: 'uint', size: 1, name: 'protocolId' },
    { kind: 'size', size: 1, of: 'spi' },
    { kind: 'count', size: 1, of: 'transforms' },
    { kind: 'bytes', name: 'spi' },
    { kind: 'list', name: 'transforms', item: TransformTable },
  ],
  check: (rec) => checkSpiSize(rec.protocolId, (rec.spi as Uint8Array).length),
};

/*
 * Security Association payload body (§3.3), after the generic payload header:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * ~                          <Proposals>                          ~
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const SA_FIELDS: readonly Field[] = [{ kind: 'list', name: 'proposals', item: ProposalTable }];

/** An SA payload holds one or more proposals (§3.3). */
export const checkSa = (rec: Rec): string | undefined =>
  (rec.proposals as unknown[]).length === 0 ? 'SA payload without proposals' : undefined;
