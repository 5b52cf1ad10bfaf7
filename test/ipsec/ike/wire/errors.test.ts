/**
 * Malformed input gives a typed WireError (code, payload, offset, notify) and never throws;
 * values that do not fit their fields make the encoders throw EncodeError.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePayloadChain,
  EncodeError,
  encodeMessage,
  encodePayloadChain,
  NotifyError,
  PayloadType as P,
  type Payload,
} from '../../../../ipsec/ike/wire/index.js';
import { fromHex } from '../../../../ipsec/util/bytes.js';

const hex16 = '000102030405060708090a0b0c0d0e0f';

/** [name, first payload type, input hex, expected error fields]. */
const BAD: [string, number, string, Record<string, unknown>][] = [
  ['KE length past the input', P.KE, '0000000a 00130000', { code: 'TRUNCATED', payload: 'KE', offset: 0 }],
  ['payload length under 4', P.KE, '00000003 00130000', { code: 'BAD_LENGTH', payload: 'KE', offset: 4 }],
  ['octets after the last payload', P.KE, '0000000a 00130000 0102 ff', { code: 'BAD_LENGTH', offset: 10 }],
  [
    'Next Payload announces a payload the input lacks',
    P.KE,
    '2800000a 00130000 0102',
    { code: 'TRUNCATED', payload: 'NONCE', offset: 10 },
  ],
  [
    'KE shorter than its fixed fields',
    P.KE,
    '00000006 0013',
    { code: 'BAD_LENGTH', payload: 'KE', offset: 6 },
  ],
  [
    'Nonce of 15 octets (§3.9)',
    P.NONCE,
    `00000013 ${hex16.slice(2)}`,
    { code: 'BAD_VALUE', payload: 'NONCE' },
  ],
  [
    'Nonce of 257 octets (§3.9)',
    P.NONCE,
    `00000105 ${hex16.repeat(16)}00`,
    { code: 'BAD_VALUE', payload: 'NONCE' },
  ],
  ['SA without proposals (§3.3)', P.SA, '00000004', { code: 'BAD_VALUE', payload: 'SA' }],
  [
    'Proposal says more follow but is the last (§3.3.1)',
    P.SA,
    '00000014 02000010 01010001 00000008 0100000c',
    { code: 'BAD_VALUE', payload: 'SA/Proposal', offset: 4 },
  ],
  [
    'Transform says last but another follows (§3.3.2)',
    P.SA,
    '0000001c 00000018 01010002 00000008 0100000c 00000008 0300000c',
    { code: 'BAD_VALUE', payload: 'SA/Proposal/Transform', offset: 12 },
  ],
  [
    'Num Transforms larger than the proposal (§3.3.1)',
    P.SA,
    '00000014 00000010 01010002 03000008 0100000c',
    { code: 'BAD_LENGTH', payload: 'SA/Proposal/Transform', offset: 20 },
  ],
  [
    'ESP proposal with an 8-octet SPI (§3.3.1)',
    P.SA,
    '0000001c 00000018 01030801 0102030405060708 00000008 0100000c',
    { code: 'BAD_VALUE', payload: 'SA/Proposal', offset: 4 },
  ],
  [
    'TLV attribute longer than its transform (§3.3.5)',
    P.SA,
    '00000018 00000014 01010001 0000000c 0100000c 00010008',
    { code: 'BAD_LENGTH', payload: 'SA/Proposal/Transform/Attribute' },
  ],
  [
    'IPv4 selector with a 40-octet Selector Length (§3.13.1)',
    P.TSi,
    `00000030 01000000 07000028 0000ffff 0a630200 0a6302ff ${'00'.repeat(24)}`,
    { code: 'BAD_LENGTH', payload: 'TSi/TrafficSelector' },
  ],
  [
    'IPv6 selector with IPv4-sized addresses (§3.13.1)',
    P.TSr,
    '00000018 01000000 08000010 0000ffff 0a630200 0a6302ff',
    { code: 'BAD_LENGTH', payload: 'TSr/TrafficSelector', offset: 16 },
  ],
  [
    'Number of TSs larger than the payload',
    P.TSi,
    '00000008 02000000',
    { code: 'BAD_LENGTH', payload: 'TSi/TrafficSelector' },
  ],
  [
    'Delete ESP with 8-octet SPIs (§3.11)',
    P.D,
    '00000010 03080001 0102030405060708',
    { code: 'BAD_VALUE', payload: 'D' },
  ],
  ['Delete IKE with an SPI (§3.11)', P.D, '0000000c 01040001 01020304', { code: 'BAD_VALUE', payload: 'D' }],
  [
    'Delete: Num of SPIs past the payload',
    P.D,
    '0000000c 03040002 01020304',
    { code: 'BAD_LENGTH', payload: 'D' },
  ],
  [
    'Notify SPI Size past the payload',
    P.N,
    '00000008 03044009',
    { code: 'BAD_LENGTH', payload: 'N', offset: 8 },
  ],
  ['EAP Length disagrees (RFC 3748 §4)', P.EAP, '00000009 0201000901', { code: 'BAD_VALUE', payload: 'EAP' }],
  ['EAP shorter than 4 octets', P.EAP, '00000006 0201', { code: 'BAD_VALUE', payload: 'EAP' }],
  [
    'CP attribute longer than the payload (§3.15.1)',
    P.CP,
    '0000000c 01000000 00010004',
    { code: 'BAD_LENGTH', payload: 'CP/CfgAttribute' },
  ],
  ['SK inside the inner chain (§3.14)', P.SK, '00000006 aabb', { code: 'BAD_VALUE', payload: 'SK' }],
  ['SKF inside the inner chain', P.SKF, '00000008 00010001', { code: 'BAD_VALUE', payload: 'SKF' }],
];

describe('decode errors', () => {
  it.each(BAD)('%s', (_name, type, hex, expected) => {
    const bytes = fromHex(hex);
    const r = decodePayloadChain(type, bytes);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ notify: NotifyError.INVALID_SYNTAX, ...expected });
    expect(r.error.offset).toBeGreaterThanOrEqual(0);
    expect(r.error.offset).toBeLessThanOrEqual(bytes.length);
    expect(typeof r.error.message).toBe('string');
  });

  it('SKF fragment numbers must be 1..Total Fragments (RFC 7383 §2.5)', () => {
    // Only reachable as the last outer payload; the inner-chain check comes after the codec's.
    for (const [n, total] of [
      [0, 2],
      [3, 2],
      [1, 0],
    ]) {
      const h = (v: number) => v.toString(16).padStart(4, '0');
      const r = decodePayloadChain(P.SKF, fromHex(`0000000a ${h(n!)}${h(total!)} aabb`));
      expect(r).toMatchObject({ ok: false, error: { code: 'BAD_VALUE', payload: 'SKF', offset: 0 } });
    }
  });

  it('unknown payload with the critical bit: UNSUPPORTED_CRITICAL_PAYLOAD naming the type (§2.5)', () => {
    const r = decodePayloadChain(200, fromHex('2280000a 00130000 0102'), 100);
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'UNSUPPORTED_CRITICAL_PAYLOAD',
        payload: 'PAYLOAD(200)',
        offset: 100,
        message: expect.any(String),
        notify: NotifyError.UNSUPPORTED_CRITICAL_PAYLOAD,
        payloadType: 200,
      },
    });
  });

  it('reports offsets shifted by baseOffset', () => {
    const r = decodePayloadChain(P.KE, fromHex('0000000a 00130000 0102 ff'), 1000);
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_LENGTH', offset: 1010 } });
  });

  it('an unknown payload of a codec-less type (e.g. PS, RFC 8019) is skipped when not critical', () => {
    expect(decodePayloadChain(P.PS, fromHex('22000005 78 0000000a 00130000 0102'))).toEqual({
      ok: true,
      value: [
        { type: 'unknown', payloadType: P.PS, body: fromHex('78') },
        { type: P.KE, group: 19, data: fromHex('0102') },
      ],
    });
  });
});

const ts = (o: Record<string, unknown>): Payload =>
  ({
    type: P.TSi,
    selectors: [
      {
        tsType: 7,
        ipProtocol: 0,
        startPort: 0,
        endPort: 65535,
        startAddress: new Uint8Array(4),
        endAddress: new Uint8Array(4),
        ...o,
      },
    ],
  }) as Payload;
const esp = (spi: Uint8Array): Payload => ({
  type: P.SA,
  proposals: [{ num: 1, protocolId: 3, spi, transforms: [{ type: 1, id: 12, keyLength: 128 }] }],
});
const nonce = (n: number): Payload => ({ type: P.NONCE, data: new Uint8Array(n) });
const empty = new Uint8Array(0);

/** [name, payloads, field path fragment in the EncodeError]. */
const UNFIT: [string, Payload[], string][] = [
  ['port above 65535', [ts({ endPort: 65536 })], 'endPort'],
  ['negative port', [ts({ startPort: -1 })], 'startPort'],
  ['non-integer protocol', [ts({ ipProtocol: 1.5 })], 'ipProtocol'],
  [
    'IPv4 selector with IPv6 addresses',
    [ts({ startAddress: new Uint8Array(16), endAddress: new Uint8Array(16) })],
    'TSi',
  ],
  ['start and end address of different lengths', [ts({ tsType: 9, endAddress: new Uint8Array(3) })], 'TSi'],
  [
    '256 traffic selectors',
    [
      {
        type: P.TSi,
        selectors: Array(256).fill((ts({}) as unknown as { selectors: unknown[] }).selectors[0]),
      } as Payload,
    ],
    'selectors count',
  ],
  ['ESP SPI of 8 octets', [esp(new Uint8Array(8))], 'Proposal'],
  [
    'Key Length above 16 bits',
    [
      {
        type: P.SA,
        proposals: [
          { num: 1, protocolId: 1, spi: empty, transforms: [{ type: 1, id: 12, keyLength: 65536 }] },
        ],
      },
    ],
    'tvValue',
  ],
  [
    'Delete SPI of the wrong size',
    [{ type: P.D, protocolId: 3, spiSize: 4, spis: [new Uint8Array(3)] }],
    'spis',
  ],
  ['IKE Delete with an SPI size', [{ type: P.D, protocolId: 1, spiSize: 4, spis: [] }], 'D'],
  [
    'Notify SPI of 256 octets',
    [{ type: P.N, protocolId: 3, spi: new Uint8Array(256), notifyType: 1, data: empty }],
    'spi size',
  ],
  [
    'Notify type above 16 bits',
    [{ type: P.N, protocolId: 0, spi: empty, notifyType: 70000, data: empty }],
    'notifyType',
  ],
  ['payload over 65535 octets', [{ type: P.KE, group: 19, data: new Uint8Array(65532) }], 'length'],
  ['Nonce of 8 octets', [nonce(8)], 'NONCE'],
  [
    'CP attribute type of 16 bits',
    [{ type: P.CP, cfgType: 1, attributes: [{ attrType: 0x8000, value: empty }] }],
    'attrType',
  ],
  ['SK not last', [{ type: P.SK, firstInnerPayload: 0, body: empty }, nonce(16)], 'last payload'],
  ['unknown payload with a known type', [{ type: 'unknown', payloadType: P.KE, body: empty }], 'not unknown'],
  ['unknown payload type above 255', [{ type: 'unknown', payloadType: 256, body: empty }], 'not 1-255'],
  ['data that is not a Uint8Array', [{ type: P.V, data: 'vendor' as unknown as Uint8Array }], 'data'],
];

describe('encode errors (EncodeError, a programming error)', () => {
  it.each(UNFIT)('%s', (_name, payloads, field) => {
    expect(() => encodePayloadChain(payloads)).toThrow(EncodeError);
    expect(() => encodePayloadChain(payloads)).toThrow(field);
  });

  it('rejects a header SPI that is not 8 octets and a Message ID over 32 bits', () => {
    const header = {
      spiI: new Uint8Array(8),
      spiR: new Uint8Array(8),
      majorVersion: 2,
      minorVersion: 0,
      exchangeType: 34,
      flags: 8,
      messageId: 0,
    };
    expect(() => encodeMessage({ header: { ...header, spiI: new Uint8Array(7) }, payloads: [] })).toThrow(
      /header\/spiI: must be 8 octets/,
    );
    expect(() => encodeMessage({ header: { ...header, messageId: 2 ** 32 }, payloads: [] })).toThrow(
      EncodeError,
    );
    expect(() => encodeMessage({ header: { ...header, majorVersion: 16 }, payloads: [] })).toThrow(
      EncodeError,
    );
  });
});
