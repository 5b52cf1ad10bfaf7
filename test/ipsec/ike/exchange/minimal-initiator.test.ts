/**
 * The minimal initiator's knobs (RFC 7815 spirit, for the mote profile): no NAT detection where
 * no NAT can be, and 16-octet nonces (RFC 7296 §2.10's minimum). The responder answers NAT
 * detection only when asked (and never with nat_detection = false), and each side's nonce length
 * is its own connection's.
 */
import { describe, expect, it } from 'vitest';
import { connectionWithDefaults } from '../../../../ipsec/config/model.js';
import {
  buildInitRequest,
  handleInitRequest,
  NONCE_LENGTH,
  newInitiatorSession,
  nonceLength,
} from '../../../../ipsec/ike/exchange/ike-sa-init.js';
import { PayloadType } from '../../../../ipsec/ike/wire/constants.js';
import { decodeMessage } from '../../../../ipsec/ike/wire/message.js';
import { NotifyStatus } from '../../../../ipsec/ike/wire/notify-types.js';
import type { NotifyPayload, Payload } from '../../../../ipsec/ike/wire/payload-types.js';
import {
  CLIENT_ADDR,
  clientConfig,
  GATEWAY_ADDR,
  gatewayConfig,
  ikeProposals,
  SPI_I,
  SPI_R,
  testDeps,
} from '../../../support/ike-peers.js';

const natd = (payloads: readonly Payload[]) =>
  payloads.filter(
    (p): p is NotifyPayload =>
      p.type === PayloadType.N &&
      (p.notifyType === NotifyStatus.NAT_DETECTION_SOURCE_IP ||
        p.notifyType === NotifyStatus.NAT_DETECTION_DESTINATION_IP),
  ).length;
const nonce = (payloads: readonly Payload[]) =>
  (payloads.find((p) => p.type === PayloadType.NONCE) as { data: Uint8Array }).data.length;

function exchange(minimalClient: boolean, minimalGateway: boolean) {
  const knobs = { nat_detection: false, nonce_length: 16, fragmentation: 'no' } as const;
  const c = clientConfig();
  const g = gatewayConfig();
  const cConf = minimalClient ? connectionWithDefaults({ ...c, ...knobs }) : c;
  const gConf = minimalGateway ? connectionWithDefaults({ ...g, ...knobs }) : g;
  const session = newInitiatorSession(cConf, ikeProposals(cConf), CLIENT_ADDR, GATEWAY_ADDR, SPI_I);
  const req = buildInitRequest(session, testDeps('i'));
  const decoded = decodeMessage(req.bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const r = handleInitRequest(
    {
      config: gConf,
      proposals: ikeProposals(gConf),
      local: GATEWAY_ADDR,
      remote: CLIENT_ADDR,
      spiI: SPI_I,
      spiR: SPI_R,
      payloads: decoded.value.payloads,
      raw: req.bytes,
    },
    testDeps('r'),
  );
  if (r.kind !== 'accepted') throw new Error('rejected');
  const resp = decodeMessage(r.response);
  if (!resp.ok) throw new Error(resp.error.message);
  return { request: decoded.value.payloads, requestBytes: req.bytes, response: resp.value.payloads };
}

describe('minimal initiator (RFC 7815 spirit)', () => {
  it('by default sends NAT detection and 32-octet nonces, and the responder answers both', () => {
    const x = exchange(false, false);
    expect(natd(x.request)).toBe(2);
    expect(natd(x.response)).toBe(2);
    expect(nonce(x.request)).toBe(NONCE_LENGTH);
    expect(nonce(x.response)).toBe(NONCE_LENGTH);
  });

  it("without NAT detection and with 16-octet nonces the request is the seed's 152 octets", () => {
    const x = exchange(true, true);
    expect(natd(x.request)).toBe(0);
    expect(natd(x.response)).toBe(0); // not asked, not answered (§2.23)
    expect(nonce(x.request)).toBe(16);
    expect(nonce(x.response)).toBe(16);
    // HDR 28 + SA 48 (one proposal: AES-CTR/128, PRF, INTEG, ECP-192) + KE 56 + Ni 20
    expect(x.requestBytes.length).toBe(152);
  });

  it("each side's nonce length is its own; a default responder sends no NAT detection unasked", () => {
    const x = exchange(true, false);
    expect(natd(x.request)).toBe(0);
    expect(natd(x.response)).toBe(0);
    expect(nonce(x.request)).toBe(16);
    expect(nonce(x.response)).toBe(32);
  });

  it('a responder with nat_detection = false sends none even when asked', () => {
    const x = exchange(false, true);
    expect(natd(x.request)).toBe(2);
    expect(natd(x.response)).toBe(0);
    expect(nonce(x.response)).toBe(16);
  });

  it('refuses nonce lengths RFC 7296 does not allow', () => {
    expect(nonceLength({})).toBe(32);
    expect(nonceLength({ nonce_length: 16 })).toBe(16);
    expect(() => nonceLength({ nonce_length: 15 })).toThrow(/§2.10/);
    expect(() => nonceLength({ nonce_length: 257 })).toThrow(RangeError);
  });
});
