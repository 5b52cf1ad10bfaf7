/** IKE header and whole-message decoding (RFC 7296 §3.1), and the constant name lookups. */
import { describe, expect, it } from 'vitest';
import {
  CertEncoding,
  decodeHeader,
  decodeMessage,
  EncodeError,
  ExchangeType,
  encodeMessage,
  exchangeTypeName,
  HeaderFlag,
  headerFlags,
  IdType,
  type IkeHeader,
  isErrorNotify,
  isInitiator,
  isResponse,
  NotifyError,
  NotifyStatus,
  NotifyType,
  notifyTypeName,
  PayloadType,
  payloadTypeName,
} from '../../../../ipsec/ike/wire/index.js';
import { fromHex, toHex } from '../../../../ipsec/util/bytes.js';

const header: IkeHeader = {
  spiI: fromHex('0102030405060708'),
  spiR: new Uint8Array(8),
  majorVersion: 2,
  minorVersion: 0,
  exchangeType: ExchangeType.IKE_SA_INIT,
  flags: HeaderFlag.I,
  messageId: 0,
};
// SPIi | SPIr | Next Payload | MjVer 2, MnVer 0 | Exchange 34 | Flags I | Message ID | Length 28
const EMPTY_HEX = '0102030405060708 0000000000000000 00 20 22 08 00000000 0000001c';

describe('IKE header (§3.1)', () => {
  it('encodes the 28-octet header with the computed Next Payload and Length', () => {
    expect(toHex(encodeMessage({ header, payloads: [] }))).toBe(toHex(fromHex(EMPTY_HEX)));
    const withV = encodeMessage({ header, payloads: [{ type: PayloadType.V, data: fromHex('aa') }] });
    expect(toHex(withV)).toBe(
      toHex(fromHex('0102030405060708 0000000000000000 2b 20 22 08 00000000 00000021 00000005 aa')),
    );
  });

  it('round-trips a 32-bit Message ID and the R flag', () => {
    const h = { ...header, messageId: 0xfffffffe, flags: headerFlags({ initiator: false, response: true }) };
    const bytes = encodeMessage({ header: h, payloads: [] });
    expect(toHex(bytes.subarray(18, 24))).toBe('2220fffffffe');
    const r = decodeMessage(bytes);
    expect(r).toEqual({ ok: true, value: { header: { ...h, nextPayload: 0, length: 28 }, payloads: [] } });
    if (r.ok) {
      expect(isResponse(r.value.header)).toBe(true);
      expect(isInitiator(r.value.header)).toBe(false);
    }
  });

  it('builds the Flags octet (I = 0x08, V = 0x10, R = 0x20)', () => {
    expect(headerFlags({ initiator: true, response: false })).toBe(0x08);
    expect(headerFlags({ initiator: true, response: true })).toBe(0x28);
    expect(headerFlags({ initiator: false, response: false })).toBe(0);
    expect(HeaderFlag.V).toBe(0x10);
  });

  it('accepts any minor version (§3.1) and peeks at the header alone', () => {
    const bytes = fromHex(EMPTY_HEX);
    bytes[17] = 0x2f;
    expect(decodeMessage(bytes)).toMatchObject({
      ok: true,
      value: { header: { majorVersion: 2, minorVersion: 15 } },
    });
    expect(decodeHeader(fromHex(`${EMPTY_HEX} ffff`))).toMatchObject({ ok: true, value: { length: 28 } });
  });
});

describe('decodeMessage errors', () => {
  it.each([0, 1, 27])('TRUNCATED for %i octets', (n) => {
    const r = decodeMessage(fromHex(EMPTY_HEX).subarray(0, n));
    expect(r).toMatchObject({ ok: false, error: { code: 'TRUNCATED', payload: 'header', notify: 7 } });
    if (!r.ok) expect(r.error.offset).toBeLessThanOrEqual(n);
  });

  it.each([0x10, 0x30, 0xf0])('INVALID_MAJOR_VERSION (notify 5) for version octet %i', (v) => {
    const bytes = fromHex(EMPTY_HEX);
    bytes[17] = v;
    expect(decodeMessage(bytes)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_MAJOR_VERSION', notify: NotifyError.INVALID_MAJOR_VERSION, offset: 17 },
    });
  });

  it('BAD_LENGTH when Length is not the datagram size (§3.1)', () => {
    expect(decodeMessage(fromHex(`${EMPTY_HEX} 00`))).toMatchObject({
      ok: false,
      error: { code: 'BAD_LENGTH', payload: 'header', offset: 24, notify: 7 },
    });
  });

  it('BAD_LENGTH when SK is not the last payload (§3.14)', () => {
    // SK (length 6) followed by 5 octets of a Vendor ID it does not announce.
    const hex = '0102030405060708 0000000000000000 2e 20 25 08 00000001 00000027 2b000006 aabb 00000005 cc';
    expect(decodeMessage(fromHex(hex))).toMatchObject({
      ok: false,
      error: { code: 'BAD_LENGTH', payload: 'SK', offset: 34 },
    });
  });

  it('locates SK and keeps its body opaque', () => {
    const hex = '0102030405060708 0000000000000000 2b 20 25 08 00000001 00000028 2e000006 aabb 23000006 ccdd';
    const r = decodeMessage(fromHex(hex));
    expect(r).toMatchObject({
      ok: true,
      value: {
        payloads: [
          { type: PayloadType.V, data: fromHex('aabb') },
          { type: PayloadType.SK, firstInnerPayload: PayloadType.IDi, body: fromHex('ccdd') },
        ],
        sk: { type: PayloadType.SK, offset: 34, firstInnerPayload: PayloadType.IDi },
      },
    });
  });

  it('UNSUPPORTED_CRITICAL_PAYLOAD for an unknown critical outer payload (§2.5)', () => {
    const hex = '0102030405060708 0000000000000000 63 20 22 08 00000000 00000021 00800005 aa';
    expect(decodeMessage(fromHex(hex))).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED_CRITICAL_PAYLOAD', notify: 1, payloadType: 99, offset: 28 },
    });
  });

  it('encodeMessage refuses unencrypted payloads without protection', () => {
    expect(() =>
      encodeMessage({ header, payloads: [], unencrypted: [{ type: PayloadType.V, data: fromHex('aa') }] }),
    ).toThrow(EncodeError);
  });
});

describe('spec constants and names', () => {
  it('has the RFC values', () => {
    expect(PayloadType).toMatchObject({ SA: 33, KE: 34, IDi: 35, IDr: 36, CERT: 37, CERTREQ: 38, AUTH: 39 });
    expect(PayloadType).toMatchObject({
      NONCE: 40,
      N: 41,
      D: 42,
      V: 43,
      TSi: 44,
      TSr: 45,
      SK: 46,
      CP: 47,
      EAP: 48,
      SKF: 53,
    });
    expect(ExchangeType).toMatchObject({
      IKE_SA_INIT: 34,
      IKE_AUTH: 35,
      CREATE_CHILD_SA: 36,
      INFORMATIONAL: 37,
    });
    expect(IdType).toMatchObject({ ID_IPV4_ADDR: 1, ID_FQDN: 2, ID_RFC822_ADDR: 3, ID_IPV6_ADDR: 5 });
    expect(IdType).toMatchObject({ ID_DER_ASN1_DN: 9, ID_DER_ASN1_GN: 10, ID_KEY_ID: 11 });
    expect(CertEncoding).toMatchObject({ PKCS7_X509: 1, X509_SIGNATURE: 4, CRL: 7, HASH_URL_X509_CERT: 12 });
    expect(NotifyError).toMatchObject({
      UNSUPPORTED_CRITICAL_PAYLOAD: 1,
      INVALID_IKE_SPI: 4,
      INVALID_MAJOR_VERSION: 5,
      INVALID_SYNTAX: 7,
      INVALID_MESSAGE_ID: 9,
      INVALID_SPI: 11,
      NO_PROPOSAL_CHOSEN: 14,
      INVALID_KE_PAYLOAD: 17,
      AUTHENTICATION_FAILED: 24,
      SINGLE_PAIR_REQUIRED: 34,
      NO_ADDITIONAL_SAS: 35,
      INTERNAL_ADDRESS_FAILURE: 36,
      FAILED_CP_REQUIRED: 37,
      TS_UNACCEPTABLE: 38,
      INVALID_SELECTORS: 39,
      TEMPORARY_FAILURE: 43,
      CHILD_SA_NOT_FOUND: 44,
    });
    expect(NotifyStatus).toMatchObject({
      INITIAL_CONTACT: 16384,
      SET_WINDOW_SIZE: 16385,
      ADDITIONAL_TS_POSSIBLE: 16386,
      IPCOMP_SUPPORTED: 16387,
      NAT_DETECTION_SOURCE_IP: 16388,
      NAT_DETECTION_DESTINATION_IP: 16389,
      COOKIE: 16390,
      USE_TRANSPORT_MODE: 16391,
      HTTP_CERT_LOOKUP_SUPPORTED: 16392,
      REKEY_SA: 16393,
      ESP_TFC_PADDING_NOT_SUPPORTED: 16394,
      NON_FIRST_FRAGMENTS_ALSO: 16395,
      MOBIKE_SUPPORTED: 16396,
      ADDITIONAL_IP4_ADDRESS: 16397,
      ADDITIONAL_IP6_ADDRESS: 16398,
      NO_ADDITIONAL_ADDRESSES: 16399,
      UPDATE_SA_ADDRESSES: 16400,
      COOKIE2: 16401,
      REDIRECT_SUPPORTED: 16406,
      IKEV2_FRAGMENTATION_SUPPORTED: 16430,
      SIGNATURE_HASH_ALGORITHMS: 16431,
    });
    // Error and status ranges (§3.10.1).
    for (const v of Object.values(NotifyError)) expect(isErrorNotify(v)).toBe(true);
    for (const v of Object.values(NotifyStatus)) expect(isErrorNotify(v)).toBe(false);
    expect(new Set(Object.values(NotifyType)).size).toBe(Object.keys(NotifyType).length);
  });

  it('names values for logs and marks unknown ones', () => {
    expect(notifyTypeName(16430)).toBe('IKEV2_FRAGMENTATION_SUPPORTED');
    expect(notifyTypeName(7)).toBe('INVALID_SYNTAX');
    expect(notifyTypeName(9999)).toBe('NOTIFY(9999)');
    expect(payloadTypeName(53)).toBe('SKF');
    expect(payloadTypeName(99)).toBe('PAYLOAD(99)');
    expect(exchangeTypeName(36)).toBe('CREATE_CHILD_SA');
  });
});
