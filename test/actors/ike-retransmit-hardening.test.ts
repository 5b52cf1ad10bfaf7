/**
 * A request under the Message ID we answered last gets the cached response again only when it
 * is a retransmission of the request we answered (RFC 7296 §2.1), between two supervisors on
 * virtual time:
 *   - the identical octets -> the cached response (IKE_SA_INIT and SK-protected requests);
 *   - an SK-protected request re-encrypted by the peer (same payloads, new IV) that verifies
 *     with its keys -> the cached response;
 *   - a forged message (right SPIs, the last Message ID, garbage body) -> nothing is sent, it is
 *     counted in stats.dropped and logged at debug (§2.21.2), also when the cached response is
 *     several RFC 7383 fragments (the amplification this closes);
 *   - an IKE_SA_INIT with the right SPIs and Message ID 0 but another body -> nothing.
 *
 *   client 10.99.0.1 (initiator)  <->  gateway 10.99.0.2 (responder)
 */
import { describe, expect, it } from 'vitest';
import { encodeFor } from '../../ipsec/ike/exchange/messages.js';
import { checkRetransmission } from '../../ipsec/ike/retransmission.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { decodeMessage, encodeMessage } from '../../ipsec/ike/wire/message.js';
import { equalBytes } from '../../ipsec/util/bytes.js';
import { GATEWAY_ADDR } from '../support/ike-peers.js';
import {
  captureIke,
  ikeContext,
  ikeMessageOf,
  ikePhase,
  memoryLogger,
  sendAs,
  type TwoHostOptions,
  twoHosts,
} from '../support/two-hosts.js';

const INIT = ExchangeType.IKE_SA_INIT;
const AUTH = ExchangeType.IKE_AUTH;
const INFORMATIONAL = ExchangeType.INFORMATIONAL;
const LOG = 'retransmitted IKE request dropped';
const SUITES = [
  { name: 'ICV (AES-CBC + HMAC)', proposals: undefined },
  { name: 'AEAD tag (AES-GCM)', proposals: ['aes256gcm16-prfsha256-x25519'] },
];

function world(o: TwoHostOptions = {}) {
  const logger = memoryLogger();
  const w = twoHosts({ ...o, gatewayLogger: logger });
  const wire = captureIke(w.net, w.clock);
  const fromGateway = () => wire.filter((m) => m.from.address === GATEWAY_ADDR.address);
  const dropLogs = () => logger.lines.filter((l) => l.msg === LOG);
  return { ...w, wire, logger, fromGateway, dropLogs };
}

function established(o: TwoHostOptions = {}) {
  const w = world(o);
  const ike = w.client.supervisor.initiate('gw', 'net');
  w.clock.advance(1000);
  expect(ike.state).toBe('ESTABLISHED');
  const gw = w.gateway.supervisor.ikeSas[0]!;
  return { ...w, ike, gw };
}

/** A liveness check (§1.4) from the client, Message ID 2, answered by the gateway. */
function answeredInformational(w: ReturnType<typeof established>) {
  const message = { exchangeType: INFORMATIONAL, messageId: 2, response: false, payloads: [] };
  const request = sendAs(w.client, w.ike, message);
  w.clock.advance(100);
  const response = w.fromGateway().at(-1)!;
  expect(response.header.exchangeType).toBe(INFORMATIONAL);
  expect(isResponse(response.header)).toBe(true);
  expect(ikeContext(w.gw).cachedResponse?.messageId).toBe(2);
  return { message, request, response };
}

describe('a retransmitted SK-protected request (RFC 7296 §2.1)', () => {
  for (const { name, proposals } of SUITES) {
    const o = proposals ? { client: { proposals }, gateway: { proposals } } : {};

    it(`${name}: a forged request with the last Message ID sends nothing, is counted and logged`, () => {
      const w = established(o);
      const { request } = answeredInformational(w);
      const sentBefore = w.fromGateway().length;
      const stats = { ...ikeContext(w.gw).stats };
      // right SPIs, Message ID and SK header; IV, ciphertext and ICV are garbage
      const forged = request.slice();
      forged.fill(0xa5, 28 + 4);
      w.client.transport.send(forged, w.ike.local, w.ike.remote);
      w.clock.advance(100);
      expect(w.fromGateway()).toHaveLength(sentBefore);
      const g = ikeContext(w.gw);
      expect(g.stats.dropped).toBe(stats.dropped + 1);
      expect(g.stats.retransmittedResponses).toBe(stats.retransmittedResponses);
      expect(g.peerMessageId).toBe(3);
      expect(w.dropLogs()).toHaveLength(1);
      expect(w.dropLogs()[0]).toMatchObject({
        level: 'debug',
        obj: { reason: 'integrity', messageId: 2, exchangeType: INFORMATIONAL },
      });
      expect(w.gw.state).toBe('ESTABLISHED');
    });

    it(`${name}: the identical octets get the cached response`, () => {
      const w = established(o);
      const { request, response } = answeredInformational(w);
      const sentBefore = w.fromGateway().length;
      w.client.transport.send(request, w.ike.local, w.ike.remote);
      w.clock.advance(100);
      const resent = w.fromGateway().slice(sentBefore);
      expect(resent).toHaveLength(1);
      expect(equalBytes(resent[0]!.data, response.data)).toBe(true);
      expect(ikeContext(w.gw).stats.retransmittedResponses).toBe(1);
      expect(w.dropLogs()).toHaveLength(0);
    });

    it(`${name}: a re-encrypted retransmission (same payloads, new IV) gets the cached response`, () => {
      const w = established(o);
      const { message, request, response } = answeredInformational(w);
      const ctx = ikeContext(w.ike);
      const again = encodeFor(ctx.session, ctx.deps, message); // the client's keys, a fresh IV
      expect(again.length).toBe(request.length);
      expect(equalBytes(again, request)).toBe(false);
      const sentBefore = w.fromGateway().length;
      const dropped = ikeContext(w.gw).stats.dropped;
      w.client.transport.send(again, w.ike.local, w.ike.remote);
      w.clock.advance(100);
      const resent = w.fromGateway().slice(sentBefore);
      expect(resent).toHaveLength(1);
      expect(equalBytes(resent[0]!.data, response.data)).toBe(true); // the cached octets
      const g = ikeContext(w.gw);
      expect(g.stats.retransmittedResponses).toBe(1);
      expect(g.stats.dropped).toBe(dropped);
      expect(g.peerMessageId).toBe(3); // not processed twice
    });
  }

  it("checkRetransmission: the exchange type, the keys and the Initiator flag must be the peer's", () => {
    const w = established();
    const { request } = answeredInformational(w);
    const g = ikeContext(w.gw);
    const answered = g.cachedResponse!.request;
    expect(answered.exchangeType).toBe(INFORMATIONAL);
    const check = (bytes: Uint8Array, keys = true) => {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok) throw new Error('undecodable');
      const sk = keys ? g.session.sk : undefined;
      return checkRetransmission(answered, decoded.value, bytes, g.deps.provider, sk, g.session.role);
    };
    expect(check(request)).toEqual({ ok: true, value: 'identical' });
    const c = ikeContext(w.ike);
    const again = encodeFor(c.session, c.deps, {
      exchangeType: INFORMATIONAL,
      messageId: 2,
      response: false,
      payloads: [],
    });
    expect(check(again)).toEqual({ ok: true, value: 'reencrypted' });
    expect(check(again, false)).toEqual({ ok: false, error: 'unprotected' });
    // §3.1: the gateway's own request under Message ID 2 verifies with its own keys: reflected.
    // (The router already sends it nowhere: it names the client's SPI as ours.)
    const own = encodeFor(g.session, g.deps, {
      exchangeType: INFORMATIONAL,
      messageId: 2,
      response: false,
      payloads: [],
    });
    expect(check(own)).toEqual({ ok: false, error: 'initiatorFlag' });
    const other = encodeFor(c.session, c.deps, {
      exchangeType: ExchangeType.CREATE_CHILD_SA,
      messageId: 2,
      response: false,
      payloads: [],
    });
    expect(check(other)).toEqual({ ok: false, error: 'exchangeType' });
    const truncated = request.slice(0, request.length - 1);
    new DataView(truncated.buffer).setUint32(24, truncated.length);
    truncated[28 + 3]! -= 1; // SK Payload Length still reaches the end
    expect(check(truncated)).toEqual({ ok: false, error: 'malformed' });
  });

  it('a forged unfragmented message under the Message ID of a fragmented IKE_AUTH sends no fragment', () => {
    const w = established({ daemon: { fragment_size: 160 } });
    const responses = w.wire.filter((m) => m.header.exchangeType === AUTH && isResponse(m.header));
    expect(responses.length).toBeGreaterThan(2); // the cached response is several datagrams
    const request = w.wire.find((m) => m.header.exchangeType === AUTH && !isResponse(m.header))!;
    // An unfragmented SK message with the IKE_AUTH header (Message ID 1) and a garbage body.
    const forged = new Uint8Array(28 + 4 + 16 + 32 + 16);
    forged.set(request.data.subarray(0, 28));
    forged[16] = PayloadType.SK;
    new DataView(forged.buffer).setUint32(24, forged.length);
    forged.set([PayloadType.IDi, 0, 0, forged.length - 28], 28);
    forged.fill(0x5a, 32);
    const sentBefore = w.fromGateway().length;
    const dropped = ikeContext(w.gw).stats.dropped;
    w.client.transport.send(forged, w.ike.local, w.ike.remote);
    w.clock.advance(100);
    expect(w.fromGateway()).toHaveLength(sentBefore);
    expect(ikeContext(w.gw).stats.dropped).toBe(dropped + 1);
    expect(ikeContext(w.gw).stats.retransmittedResponses).toBe(0);
    expect(w.dropLogs().map((l) => l.obj.reason)).toEqual(['integrity']);
  });
});

describe('a retransmitted IKE_SA_INIT (RFC 7296 §2.1: no keys, the octets are the only check)', () => {
  /** The gateway half-open: the client's IKE_AUTH requests never arrive. */
  function halfOpen() {
    const w = world();
    w.net.filter = (d) => ikeMessageOf(d)?.header.exchangeType !== AUTH;
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);
    const gw = w.gateway.supervisor.ikeSas[0]!;
    expect(ikePhase(gw)).toBe('responder.halfOpen');
    const init = w.wire.find((m) => m.header.exchangeType === INIT && !isResponse(m.header))!;
    const response = w.fromGateway().find((m) => m.header.exchangeType === INIT)!;
    return { ...w, ike, gw, init, response };
  }

  it('the same SPIs and Message ID 0 with another body send nothing and are counted', () => {
    const w = halfOpen();
    const payloads = w.init.payloads.map((p) =>
      p.type === PayloadType.NONCE ? { ...p, data: p.data.map((x) => x ^ 0xff) } : p,
    );
    const forged = encodeMessage({ header: w.init.header, payloads });
    expect(forged.length).toBe(w.init.data.length);
    expect(equalBytes(forged, w.init.data)).toBe(false);
    const sentBefore = w.fromGateway().length;
    const dropped = ikeContext(w.gw).stats.dropped;
    w.client.transport.send(forged, w.ike.local, w.ike.remote);
    w.clock.advance(100);
    expect(w.fromGateway()).toHaveLength(sentBefore);
    expect(ikeContext(w.gw).stats.dropped).toBe(dropped + 1);
    expect(ikeContext(w.gw).stats.retransmittedResponses).toBe(0);
    expect(w.dropLogs().map((l) => l.obj)).toMatchObject([
      { reason: 'changed', messageId: 0, exchangeType: INIT },
    ]);
    expect(w.gateway.supervisor.ikeSas).toHaveLength(1); // no new responder either
  });

  it('the identical octets get the cached IKE_SA_INIT response', () => {
    const w = halfOpen();
    const sentBefore = w.fromGateway().length;
    w.client.transport.send(w.init.data, w.ike.local, w.ike.remote);
    w.clock.advance(100);
    const resent = w.fromGateway().slice(sentBefore);
    expect(resent).toHaveLength(1);
    expect(equalBytes(resent[0]!.data, w.response.data)).toBe(true);
    expect(ikeContext(w.gw).stats.retransmittedResponses).toBe(1);
    expect(w.dropLogs()).toHaveLength(0);
  });
});
