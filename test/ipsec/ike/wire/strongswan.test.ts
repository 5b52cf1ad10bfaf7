/**
 * Every IKE message of the strongSwan 5.9.8 captures (test/vectors/strongswan): header fields,
 * outer and inner payload lists and details, byte-exact re-encoding, and the rule tables.
 */
import { describe, expect, it } from 'vitest';
import {
  checkRules,
  decodeMessage,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
  HeaderFlag,
  isInitiator,
  isResponse,
  notifyTypeName,
  type Payload,
  PayloadType,
  payloadTypeName,
} from '../../../../ipsec/ike/wire/index.js';
import { fromHex, toHex } from '../../../../ipsec/util/bytes.js';
import { loadStrongswanVectors, type VectorPacket } from '../../../support/vectors.js';

const PROTOCOL: Record<number, string> = { 1: 'IKE', 2: 'AH', 3: 'ESP' };
const TRANSFORM: Record<number, string> = { 1: 'ENCR', 2: 'PRF', 3: 'INTEG', 4: 'DH', 5: 'ESN' };

/** The vector files' payload names: 'SA', 'Ni'/'Nr' by direction, 'N(NAME)'... */
function payloadName(p: Payload, response: boolean): string {
  switch (p.type) {
    case 'unknown':
      return `PAYLOAD(${p.payloadType})`;
    case PayloadType.NONCE:
      return response ? 'Nr' : 'Ni';
    case PayloadType.N:
      return `N(${notifyTypeName(p.notifyType)})`;
    default:
      return payloadTypeName(p.type);
  }
}

const ipv4 = (b: Uint8Array): string => Array.from(b).join('.');

/** Our decode in the shape of the vector files' `payload_details` (fields both sides have). */
function details(p: Payload, response: boolean): Record<string, unknown> {
  const name = payloadName(p, response);
  switch (p.type) {
    case PayloadType.SA:
      return {
        type: 33,
        name,
        proposals: p.proposals.map((pr) => ({
          num: pr.num,
          protocol: PROTOCOL[pr.protocolId],
          spi: toHex(pr.spi),
          transforms: pr.transforms.map((t) => ({
            type: TRANSFORM[t.type],
            id: t.id,
            ...(t.keyLength === undefined ? {} : { key_length: t.keyLength }),
          })),
        })),
      };
    case PayloadType.KE:
      return { type: 34, name, dh_group: p.group, data: toHex(p.data) };
    case PayloadType.NONCE:
      return { type: 40, name, nonce: toHex(p.data) };
    case PayloadType.N:
      return {
        type: 41,
        name,
        notify_type: p.notifyType,
        protocol_id: p.protocolId,
        spi: toHex(p.spi),
        data: toHex(p.data),
      };
    case PayloadType.IDi:
    case PayloadType.IDr:
      return { type: p.type, name, id_type: p.idType, body: toHex(p.data), idTypeCopy: p.idType };
    case PayloadType.AUTH:
      return { type: 39, name, method: p.method, data: toHex(p.data) };
    case PayloadType.TSi:
    case PayloadType.TSr:
      return {
        type: p.type,
        name,
        selectors: p.selectors.map((s) => ({
          ts_type: s.tsType,
          ip_protocol: s.ipProtocol,
          start_port: s.startPort,
          end_port: s.endPort,
          start: ipv4(s.startAddress),
          end: ipv4(s.endAddress),
        })),
      };
    case PayloadType.D:
      return { type: 42, name, protocol_id: p.protocolId, spis: p.spis.map(toHex) };
    default:
      return { name };
  }
}

/** The vector's detail with only the fields `details` produces. */
function expectedDetails(d: Record<string, unknown>): Record<string, unknown> {
  const { notify: _n, protocol: _p, value: _v, id_type_name: _t, body, ...rest } = d;
  if (d.type === 35 || d.type === 36) {
    // `body` is IDx' = ID Type | RESERVED(3) | Identification Data (RFC 7296 §2.15)
    return { ...rest, body: (body as string).slice(8), idTypeCopy: d.id_type };
  }
  return rest;
}

/** IKE packet fields the shared VectorPacket type does not declare (see the vectors README). */
type IkePacket = Required<VectorPacket> & {
  spi_i: string;
  spi_r: string;
  payload_details: Record<string, unknown>[];
};

const cases = loadStrongswanVectors();
const ikePackets = cases.flatMap((c) =>
  c.packets.filter((p) => p.kind === 'ike').map((p) => ({ file: c.file, p: p as IkePacket })),
);

describe('strongSwan vectors: IKE messages', () => {
  it('has the 7 cases x 14 IKE messages', () => {
    expect(cases).toHaveLength(7);
    expect(ikePackets).toHaveLength(98);
  });

  it.each(ikePackets.map((x) => [`${x.file} #${x.p.n} ${x.p.exchange}`, x] as const))(
    '%s',
    (_label, { p }) => {
      const bytes = fromHex(p.hex);
      const r = decodeMessage(bytes);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      const m = r.value;

      // Header (RFC 7296 §3.1)
      expect(toHex(m.header.spiI)).toBe(p.spi_i);
      expect(toHex(m.header.spiR)).toBe(p.spi_r);
      expect(m.header.exchangeType).toBe(p.exchange_type);
      expect(m.header.messageId).toBe(p.mid);
      expect(isResponse(m.header)).toBe(p.response);
      expect(isInitiator(m.header)).toBe(p.initiator_flag);
      expect(m.header.flags & ~(HeaderFlag.I | HeaderFlag.R)).toBe(0);
      expect(m.header.majorVersion).toBe(2);
      expect(m.header.minorVersion).toBe(0);
      expect(m.header.length).toBe(bytes.length);

      // Outer payloads
      expect(m.payloads.map((x) => payloadName(x, p.response))).toEqual(p.payloads);
      // Re-encoding (SK body kept opaque) gives the same octets.
      expect(toHex(encodeMessage({ header: m.header, payloads: m.payloads }))).toBe(p.hex);

      let inner: Payload[] = [];
      if (p.sk) {
        expect(m.sk).toBeDefined();
        const sk = m.sk!;
        expect(sk.type).toBe(PayloadType.SK);
        expect(sk.firstInnerPayload).toBe(p.sk.inner_first_payload);
        // The SK body starts with the IV, 4 octets after the SK generic header.
        expect(toHex(bytes.subarray(sk.offset + 4, sk.offset + 4 + p.sk.iv.length / 2))).toBe(p.sk.iv);
        const last = m.payloads.at(-1)!;
        expect(last.type === PayloadType.SK && toHex(last.body).endsWith(p.sk.icv)).toBe(true);

        const plaintext = fromHex(p.sk.plaintext_hex);
        const d = decodePayloadChain(p.sk.inner_first_payload, plaintext, sk.offset + 4);
        if (!d.ok) throw new Error(JSON.stringify(d.error));
        inner = d.value;
        expect(inner.map((x) => payloadName(x, p.response))).toEqual(p.decrypted_payloads ?? []);
        expect(toHex(encodePayloadChain(inner))).toBe(p.sk.plaintext_hex);
      } else {
        expect(m.sk).toBeUndefined();
      }

      // Payload details: outer (without SK) then inner, as in the vector file.
      const ours = [...m.payloads.filter((x) => x.type !== PayloadType.SK), ...inner].map((x) =>
        details(x, p.response),
      );
      const theirs = p.payload_details.map(expectedDetails);
      expect(ours).toEqual(theirs);

      // Rule tables accept every real message.
      expect(checkRules(m.header.exchangeType, p.response, m.payloads, inner)).toEqual({
        ok: true,
        value: undefined,
      });
    },
  );
});
