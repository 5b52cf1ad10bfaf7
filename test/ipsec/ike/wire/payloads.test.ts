/**
 * Every payload codec against octets laid out by hand from the RFC diagrams (RFC 7296 §3,
 * RFC 7383 §2.5): decode(hex) == value, encode(value) == hex.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePayloadChain,
  encodePayloadChain,
  PayloadType as P,
  type Payload,
} from '../../../../ipsec/ike/wire/index.js';
import { fromHex, toHex, utf8 } from '../../../../ipsec/util/bytes.js';

const seq = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

/** [name, value, hex of the payload alone (generic header with Next Payload 0)]. */
const CASES: [string, Payload, string][] = [
  [
    'SA: IKE proposal, ENCR with Key Length (TV), INTEG, PRF, DH (§3.3)',
    {
      type: P.SA,
      proposals: [
        {
          num: 1,
          protocolId: 1,
          spi: new Uint8Array(0),
          transforms: [
            { type: 1, id: 12, keyLength: 128 },
            { type: 3, id: 12 },
            { type: 2, id: 5 },
            { type: 4, id: 19 },
          ],
        },
      ],
    },
    // SA hdr | proposal: last 0, len 44, num 1, IKE, SPI size 0, 4 transforms |
    // transforms: last 3 (more) ... last 0; ENCR carries 800e 0080 (AF=1, type 14, 128 bits)
    '00000030 0000002c 01010004' +
      '0300000c 0100000c 800e0080' +
      '03000008 0300000c' +
      '03000008 02000005' +
      '00000008 04000013',
  ],
  [
    'SA: two ESP proposals with SPIs, ESN, TLV and TV attributes kept (§3.3.1, §3.3.5)',
    {
      type: P.SA,
      proposals: [
        {
          num: 1,
          protocolId: 3,
          spi: fromHex('44208c05'),
          transforms: [
            { type: 1, id: 20, keyLength: 256 },
            { type: 5, id: 0 },
          ],
        },
        {
          num: 2,
          protocolId: 3,
          spi: fromHex('01020304'),
          transforms: [
            {
              type: 1,
              id: 28,
              otherAttributes: [
                { attrType: 1, value: fromHex('0a0b') },
                { attrType: 2, value: 5 },
              ],
            },
          ],
        },
      ],
    },
    '00000042' +
      '02000020 01030402 44208c05' + // proposal 1: last 2 (more), len 32, SPI size 4, 2 transforms
      '0300000c 01000014 800e0100' +
      '00000008 05000000' +
      '0000001e 02030401 01020304' + // proposal 2: last 0, len 30
      '00000012 0100001c 00010002 0a0b 80020005', // TLV type 1 len 2, TV type 2 value 5
  ],
  ['KE (§3.4)', { type: P.KE, group: 19, data: fromHex('0102') }, '0000000a 00130000 0102'],
  ['IDi: RFC822_ADDR (§3.5)', { type: P.IDi, idType: 3, data: utf8('a@b') }, '0000000b 03000000 614062'],
  [
    'IDr: IPV4_ADDR (§3.5)',
    { type: P.IDr, idType: 1, data: fromHex('0a630002') },
    '0000000c 01000000 0a630002',
  ],
  ['CERT (§3.6)', { type: P.CERT, encoding: 4, data: fromHex('aabb') }, '00000007 04 aabb'],
  [
    'CERTREQ: SHA-1 of a CA key (§3.7)',
    { type: P.CERTREQ, encoding: 4, data: seq(20) },
    `00000019 04 ${toHex(seq(20))}`,
  ],
  [
    'AUTH: shared key MIC (§3.8)',
    { type: P.AUTH, method: 2, data: fromHex('11111111') },
    '0000000c 02000000 11111111',
  ],
  ['Nonce: 16 octets, the minimum (§3.9)', { type: P.NONCE, data: seq(16) }, `00000014 ${toHex(seq(16))}`],
  ['Nonce: 256 octets, the maximum (§3.9)', { type: P.NONCE, data: seq(256) }, `00000104 ${toHex(seq(256))}`],
  [
    'N(REKEY_SA) with an ESP SPI (§3.10)',
    { type: P.N, protocolId: 3, spi: fromHex('01020304'), notifyType: 16393, data: new Uint8Array(0) },
    '0000000c 03044009 01020304',
  ],
  [
    'N(NAT_DETECTION_SOURCE_IP) with data, no SPI (§3.10)',
    { type: P.N, protocolId: 0, spi: new Uint8Array(0), notifyType: 16388, data: seq(20) },
    `0000001c 00004004 ${toHex(seq(20))}`,
  ],
  [
    'D: ESP, two SPIs (§3.11)',
    { type: P.D, protocolId: 3, spiSize: 4, spis: [fromHex('a5fc23bf'), fromHex('00000001')] },
    '00000010 03040002 a5fc23bf 00000001',
  ],
  ['D: IKE SA, no SPI (§3.11)', { type: P.D, protocolId: 1, spiSize: 0, spis: [] }, '00000008 01000000'],
  [
    'V: strongSwan vendor ID (§3.12)',
    { type: P.V, data: fromHex('882fe56d6fd20dbc2251613b2ebe5beb') },
    '00000014 882fe56d6fd20dbc2251613b2ebe5beb',
  ],
  [
    'TSi: one IPv4 range, all ports (§3.13.1)',
    {
      type: P.TSi,
      selectors: [
        {
          tsType: 7,
          ipProtocol: 0,
          startPort: 0,
          endPort: 65535,
          startAddress: fromHex('0a630200'),
          endAddress: fromHex('0a6302ff'),
        },
      ],
    },
    '00000018 01000000 07000010 0000ffff 0a630200 0a6302ff',
  ],
  [
    'TSr: IPv6 TCP port 443 and an IPv4 range (§3.13.1)',
    {
      type: P.TSr,
      selectors: [
        {
          tsType: 8,
          ipProtocol: 6,
          startPort: 443,
          endPort: 443,
          startAddress: fromHex('20010db8000000000000000000000001'),
          endAddress: fromHex('20010db80000000000000000000000ff'),
        },
        {
          tsType: 7,
          ipProtocol: 17,
          startPort: 500,
          endPort: 4500,
          startAddress: fromHex('c0000200'),
          endAddress: fromHex('c00002ff'),
        },
      ],
    },
    '00000040 02000000' +
      '08060028 01bb01bb 20010db8000000000000000000000001 20010db80000000000000000000000ff' +
      '07110010 01f41194 c0000200 c00002ff',
  ],
  [
    'SK: opaque body, Next Payload = first inner payload (§3.14)',
    { type: P.SK, firstInnerPayload: P.IDi, body: fromHex('aabbcc') },
    '23000007 aabbcc',
  ],
  [
    'CP: CFG_REQUEST for an IPv4 address and DNS (§3.15)',
    {
      type: P.CP,
      cfgType: 1,
      attributes: [
        { attrType: 1, value: new Uint8Array(0) },
        { attrType: 3, value: new Uint8Array(0) },
      ],
    },
    '00000010 01000000 00010000 00030000',
  ],
  [
    'CP: CFG_REPLY with a value (§3.15.1)',
    { type: P.CP, cfgType: 2, attributes: [{ attrType: 1, value: fromHex('0a000001') }] },
    '00000010 02000000 00010004 0a000001',
  ],
  [
    'EAP: Response/Identity (§3.16, RFC 3748 §4)',
    { type: P.EAP, data: fromHex('0201000801616263') },
    '0000000c 0201000801616263',
  ],
  [
    'SKF: fragment 1 of 2 (RFC 7383 §2.5)',
    { type: P.SKF, firstInnerPayload: P.IDi, fragmentNumber: 1, totalFragments: 2, body: fromHex('aabb') },
    '2300000a 00010002 aabb',
  ],
  [
    'unknown non-critical payload type 200 (§2.5)',
    { type: 'unknown', payloadType: 200, body: utf8('x') },
    '00000005 78',
  ],
];

describe('payload codecs (hand-built values)', () => {
  it.each(CASES)('%s', (_name, value, hex) => {
    const bytes = fromHex(hex);
    expect(toHex(encodePayloadChain([value]))).toBe(toHex(bytes));
    const type = value.type === 'unknown' ? value.payloadType : value.type;
    if (type === P.SK || type === P.SKF) {
      // SK/SKF only end an outer chain; inside SK they are refused.
      expect(decodePayloadChain(type, bytes)).toMatchObject({ ok: false, error: { code: 'BAD_VALUE' } });
      return;
    }
    const r = decodePayloadChain(type, bytes);
    expect(r).toEqual({ ok: true, value: [value] });
    if (r.ok) expect(toHex(encodePayloadChain(r.value))).toBe(toHex(bytes));
  });

  it('chains payloads through Next Payload (§3.2)', () => {
    const chain: Payload[] = [CASES[2]![1], CASES[8]![1], CASES[11]![1]]; // KE, Ni, N
    const bytes = encodePayloadChain(chain);
    expect(bytes[0]).toBe(P.NONCE); // KE's Next Payload
    expect(bytes[10]).toBe(P.N); // the nonce's Next Payload (KE payload is 10 octets)
    expect(bytes[10 + 20]).toBe(0); // last
    expect(decodePayloadChain(P.KE, bytes)).toEqual({ ok: true, value: chain });
  });

  it('ignores the critical bit of a payload type it knows (§2.5)', () => {
    expect(decodePayloadChain(P.KE, fromHex('0080000a 00130000 0102'))).toEqual({
      ok: true,
      value: [CASES[2]![1]],
    });
  });

  it('decodes an empty inner chain (Next Payload 0, no octets)', () => {
    expect(decodePayloadChain(0, new Uint8Array(0))).toEqual({ ok: true, value: [] });
  });

  it('keeps a Key Length attribute in TLV form as an other attribute', () => {
    const hex = '0000001a 00000016 01010001 0000000e 0100000c 000e0002 0080';
    const r = decodePayloadChain(P.SA, fromHex(hex));
    expect(r).toEqual({
      ok: true,
      value: [
        {
          type: P.SA,
          proposals: [
            {
              num: 1,
              protocolId: 1,
              spi: new Uint8Array(0),
              transforms: [{ type: 1, id: 12, otherAttributes: [{ attrType: 14, value: fromHex('0080') }] }],
            },
          ],
        },
      ],
    });
    if (r.ok) expect(toHex(encodePayloadChain(r.value))).toBe(toHex(fromHex(hex)));
  });
});
