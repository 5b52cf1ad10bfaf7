/**
 * Stateless cookies (RFC 7296 §2.6, §2.6.1) between two supervisors: the gateway's DoS guard
 * demands a COOKIE once a peer IP has `cookie_threshold_ip` half-open IKE SAs; the client
 * retries with the COOKIE as first payload and otherwise the same request; the gateway keeps
 * no state for the refused request.
 *
 *   client (10.99.0.1)                                gateway (10.99.0.2)
 */
import { describe, expect, it } from 'vitest';
import { KeId } from '../../ipsec/crypto/ids.js';
import { notify } from '../../ipsec/ike/exchange/messages.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { encodeMessage } from '../../ipsec/ike/wire/message.js';
import { NotifyError, NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { equalBytes, toHex } from '../../ipsec/util/bytes.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR } from '../support/ike-peers.js';
import {
  captureIke,
  type IkeCapture,
  icmpType,
  ikeContext,
  ikeMessageOf,
  ikePhase,
  type TwoHostOptions,
  trackSas,
  twoHosts,
} from '../support/two-hosts.js';

const INIT = ExchangeType.IKE_SA_INIT;
const AUTH = ExchangeType.IKE_AUTH;
const ZERO_SPI = '0000000000000000';

function setup(o: TwoHostOptions = {}) {
  const world = twoHosts({ ...o, gatewayDaemon: { cookie_threshold_ip: 1, ...o.gatewayDaemon } });
  const wire = captureIke(world.net, world.clock);
  const gatewaySas = trackSas(world.gateway.supervisor);
  return { ...world, wire, gatewaySas };
}

const kinds = (payloads: readonly Payload[]) =>
  payloads.map((p) => (p.type === PayloadType.N ? `N(${p.notifyType})` : p.type));

/** The IKE_SA_INIT messages of the IKE SA with this SPIi, in order. */
const initsOf = (wire: readonly IkeCapture[], spiI: string) =>
  wire.filter((m) => m.header.exchangeType === INIT && toHex(m.header.spiI) === spiI);

const payload = (m: IkeCapture, type: number) => m.payloads.find((p) => p.type === type);
const cookieOf = (m: IkeCapture) => {
  const first = m.payloads[0];
  return first?.type === PayloadType.N && first.notifyType === NotifyStatus.COOKIE ? first.data : undefined;
};

/** Drops the IKE_AUTH requests of one IKE SA, so that it stays half-open at the gateway. */
function holdHalfOpen(w: ReturnType<typeof setup>, spiI: string) {
  w.net.filter = (d) => {
    const h = ikeMessageOf(d)?.header;
    return !(h && h.exchangeType === AUTH && !isResponse(h) && toHex(h.spiI) === spiI);
  };
}

describe('COOKIE (§2.6)', () => {
  it('a second IKE_SA_INIT from the same IP is answered with N(COOKIE); the retry carries it first and establishes', () => {
    const w = setup();
    const first = w.client.supervisor.initiate('gw', 'net');
    holdHalfOpen(w, first.ourSpi);
    w.clock.advance(100);
    expect(w.gateway.supervisor.dos.halfOpenFrom(CLIENT_ADDR.address)).toBe(1);

    const second = w.client.supervisor.initiate('gw', 'net');
    /* IKE_SA_INIT HDR(B,0) { SAi1, KEi, Ni }  --> */
    /*                     <--  IKE_SA_INIT HDR(B,0) { N(COOKIE) }          (no state kept) */
    /* IKE_SA_INIT HDR(B,0) { N(COOKIE), SAi1, KEi, Ni }  -->   (the same SAi1, KEi, Ni) */
    /*                     <--  IKE_SA_INIT HDR(B,C) { SAr1, KEr, Nr } */
    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr }  -->   <--  { IDr, AUTH, SAr2, TSi, TSr } */
    w.clock.advance(100);
    expect(second.state).toBe('ESTABLISHED');

    const [req1, cookieAnswer, req2, res2, ...rest] = initsOf(w.wire, second.ourSpi);
    expect(rest).toHaveLength(0);
    expect(isResponse(cookieAnswer!.header)).toBe(true);
    expect(toHex(cookieAnswer!.header.spiR)).toBe(ZERO_SPI); // §2.6: HDR(A,0), stateless
    expect(cookieAnswer!.header.messageId).toBe(0);
    expect(kinds(cookieAnswer!.payloads)).toEqual([`N(${NotifyStatus.COOKIE})`]);
    const cookie =
      cookieAnswer!.payloads[0]!.type === PayloadType.N ? cookieAnswer!.payloads[0]!.data : undefined;
    expect(cookie?.length).toBeGreaterThanOrEqual(1);
    expect(cookie?.length).toBeLessThanOrEqual(64); // §3.10.1

    // The retry: N(COOKIE) first (§2.6), then the very same payloads (same Ni and KEi).
    expect(kinds(req2!.payloads)[0]).toBe(`N(${NotifyStatus.COOKIE})`);
    expect(equalBytes(cookieOf(req2!)!, cookie!)).toBe(true);
    expect(kinds(req2!.payloads.slice(1))).toEqual(kinds(req1!.payloads));
    const ni = (m: IkeCapture) => payload(m, PayloadType.NONCE);
    const ke = (m: IkeCapture) => payload(m, PayloadType.KE);
    expect(ni(req2!)).toEqual(ni(req1!));
    expect(ke(req2!)).toEqual(ke(req1!));
    expect(toHex(req2!.header.spiR)).toBe(ZERO_SPI);
    expect(req2!.header.messageId).toBe(0);
    expect(toHex(res2!.header.spiR)).not.toBe(ZERO_SPI);
    expect(kinds(res2!.payloads).slice(0, 3)).toEqual([PayloadType.SA, PayloadType.KE, PayloadType.NONCE]);

    // The gateway sent one cookie, spawned no responder for the refused request, and the
    // established SA is the one created by the retry.
    expect(w.gateway.supervisor.counters.cookiesSent).toBe(1);
    const gwSecond = w.gatewaySas().filter((h) => toHex(ikeContext(h).session.spiI) === second.ourSpi);
    expect(gwSecond.map(ikePhase)).toEqual(['established']);
    expect(w.gateway.supervisor.dos.halfOpenFrom(CLIENT_ADDR.address)).toBe(1); // the held one

    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    w.clock.advance(100);
    expect(w.client.received.map(icmpType)).toEqual([0]);
  });

  it('a forged cookie is answered with a fresh N(COOKIE), never with an IKE SA', () => {
    const w = setup();
    const first = w.client.supervisor.initiate('gw', 'net');
    holdHalfOpen(w, first.ourSpi);
    w.clock.advance(100);
    const [req] = initsOf(w.wire, first.ourSpi);
    /* IKE_SA_INIT HDR(F,0) { N(COOKIE = forged), SAi1, KEi, Ni }  --> */
    /*                     <--  IKE_SA_INIT HDR(F,0) { N(COOKIE) }        (a real one; no state) */
    const spiF = new Uint8Array(8).fill(0x42);
    const forged = encodeMessage({
      header: { ...req!.header, spiI: spiF },
      payloads: [notify(NotifyStatus.COOKIE, new Uint8Array(20).fill(7)), ...req!.payloads],
    });
    const before = w.gatewaySas().length;
    w.client.transport.send(forged, first.local, first.remote);
    w.clock.advance(100);
    const answers = initsOf(w.wire, toHex(spiF)).filter((m) => isResponse(m.header));
    expect(answers.map((m) => kinds(m.payloads))).toEqual([[`N(${NotifyStatus.COOKIE})`]]);
    expect(toHex(answers[0]!.header.spiR)).toBe(ZERO_SPI);
    expect(cookieOf(answers[0]!)).not.toEqual(new Uint8Array(20).fill(7));
    expect(w.gatewaySas()).toHaveLength(before);
    expect(w.gateway.supervisor.dos.halfOpenFrom(CLIENT_ADDR.address)).toBe(1);
  });

  it('under the threshold no cookie is asked for', () => {
    const w = setup({ gatewayDaemon: { cookie_threshold_ip: 3 } });
    const a = w.client.supervisor.initiate('gw', 'net');
    const b = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(200);
    expect([a.state, b.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(w.gateway.supervisor.counters.cookiesSent).toBe(0);
    expect(w.wire.filter((m) => m.header.exchangeType === INIT)).toHaveLength(4);
  });
});

describe('COOKIE and INVALID_KE_PAYLOAD (§2.6.1)', () => {
  /** The client offers x25519 then ecp256, the gateway takes ecp256 only; one SA held half-open. */
  function run() {
    const w = setup({
      client: { proposals: ['aes128ctr-aesxcbc-prfsha256-x25519-ecp256'] },
      gateway: { proposals: ['aes128ctr-aesxcbc-prfsha256-ecp256'] },
    });
    const first = w.client.supervisor.initiate('gw', 'net');
    holdHalfOpen(w, first.ourSpi);
    w.clock.advance(100);
    expect(w.gateway.supervisor.dos.halfOpenFrom(CLIENT_ADDR.address)).toBe(1);
    const second = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(200);
    const msgs = initsOf(w.wire, second.ourSpi);
    const requests = msgs.filter((m) => !isResponse(m.header));
    const answers = msgs.filter((m) => isResponse(m.header));
    const group = (m: IkeCapture) => (payload(m, PayloadType.KE) as { group: number } | undefined)?.group;
    return { w, second, requests, answers, group };
  }

  it('COOKIE first, then INVALID_KE_PAYLOAD; the cookie is in every later retry; established with ECP_256', () => {
    const { second, requests, answers, group } = run();
    expect(second.state).toBe('ESTABLISHED');
    expect(ikeContext(second).session.suite?.ke?.id).toBe(KeId.ECP_256);
    expect(answers.slice(0, 2).map((m) => kinds(m.payloads))).toEqual([
      [`N(${NotifyStatus.COOKIE})`],
      [`N(${NotifyError.INVALID_KE_PAYLOAD})`],
    ]);
    expect(kinds(answers[answers.length - 1]!.payloads).slice(0, 3)).toEqual([
      PayloadType.SA,
      PayloadType.KE,
      PayloadType.NONCE,
    ]);
    // §2.6.1: "initiators SHOULD include the cookie in all retries", as the first payload (§2.6).
    expect(cookieOf(requests[0]!)).toBeUndefined();
    for (const r of requests.slice(1)) expect(cookieOf(r)).toBeDefined();
    expect(group(requests[0]!)).toBe(KeId.CURVE_25519);
    expect(group(requests[1]!)).toBe(KeId.CURVE_25519); // the cookie retry changes nothing else (§2.6)
    expect(group(requests[requests.length - 1]!)).toBe(KeId.ECP_256);
  });

  it('with the cookie in all retries it takes the three round trips of the §2.6.1 example', () => {
    const { requests, answers, group } = run();
    /* IKE_SA_INIT HDR(A,0) { SAi1, KEi(x25519), Ni }  --> */
    /*                     <--  HDR(A,0) { N(COOKIE) } */
    /* IKE_SA_INIT HDR(A,0) { N(COOKIE), SAi1, KEi(x25519), Ni }  --> */
    /*                     <--  HDR(A,0) { N(INVALID_KE_PAYLOAD, 19) } */
    /* IKE_SA_INIT HDR(A,0) { N(COOKIE), SAi1, KEi'(ecp256), Ni' }  --> */
    /*                     <--  HDR(A,B) { SAr1, KEr, Nr } */
    expect(answers.map((m) => kinds(m.payloads)[0])).toEqual([
      `N(${NotifyStatus.COOKIE})`,
      `N(${NotifyError.INVALID_KE_PAYLOAD})`,
      PayloadType.SA,
    ]);
    expect(requests.map(group)).toEqual([KeId.CURVE_25519, KeId.CURVE_25519, KeId.ECP_256]);
  });
});

describe('init_limit_half_open (charon.init_limit_half_open)', () => {
  it('drops IKE_SA_INITs while the gateway holds that many half-open IKE SAs, unanswered and counted', () => {
    const w = setup({
      gatewayDaemon: {
        cookie_threshold: 0,
        cookie_threshold_ip: 0,
        block_threshold: 0,
        init_limit_half_open: 1,
      },
    });
    const first = w.client.supervisor.initiate('gw', 'net');
    holdHalfOpen(w, first.ourSpi);
    w.clock.advance(100);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(1);

    /* IKE_SA_INIT HDR(B,0) { SAi1, KEi, Ni }  -->   (dropped: no answer, no state) */
    const second = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(100);
    expect(initsOf(w.wire, second.ourSpi).filter((m) => isResponse(m.header))).toHaveLength(0);
    expect(w.gateway.supervisor.counters.dosDropped).toBeGreaterThanOrEqual(1);
    expect(w.gatewaySas().filter((h) => toHex(ikeContext(h).session.spiI) === second.ourSpi)).toHaveLength(0);

    // The held SA completes: the limit no longer applies and the retransmission gets through.
    w.net.filter = undefined;
    w.clock.advance(10_000);
    expect(first.state).toBe('ESTABLISHED');
    expect(second.state).toBe('ESTABLISHED');
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
  });
});
