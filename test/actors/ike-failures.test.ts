/**
 * Failure paths of the IKE SA statechart through two supervisors on virtual time
 * (RFC 7296 §1.2, §2.7, §2.9, §2.21): what each side sends, how each IKE SA ends, and that
 * the gateway keeps no SA, no half-open entry and no ESP SA it should not have.
 *
 *   client (10.99.0.1)                                gateway (10.99.0.2)
 */
import { describe, expect, it } from 'vitest';
import { KeId } from '../../ipsec/crypto/ids.js';
import { openFor } from '../../ipsec/ike/exchange/messages.js';
import { ExchangeType, PayloadType } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import { decodeMessage } from '../../ipsec/ike/wire/message.js';
import { NotifyError, NotifyStatus } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { toHex, utf8 } from '../../ipsec/util/bytes.js';
import { echoRequest } from '../ipsec/policy/fixtures.js';
import { CLIENT_ADDR, PSK } from '../support/ike-peers.js';
import {
  captureIke,
  type IkeCapture,
  icmpType,
  ikeContext,
  ikePhase,
  memoryLogger,
  type TwoHostOptions,
  trackSas,
  twoHosts,
} from '../support/two-hosts.js';

function setup(o: TwoHostOptions = {}) {
  const clientLog = memoryLogger();
  const gatewayLog = memoryLogger();
  const world = twoHosts({ ...o, clientLogger: clientLog, gatewayLogger: gatewayLog });
  const wire = captureIke(world.net, world.clock);
  const gatewaySas = trackSas(world.gateway.supervisor);
  // Timers of the hosts themselves (cookie rotation...): a dead IKE SA must leave no more.
  const idleTimers = world.clock.pending;
  return { ...world, wire, gatewaySas, clientLog, gatewayLog, idleTimers };
}

const kinds = (payloads: readonly Payload[]) =>
  payloads.map((p) => (p.type === PayloadType.N ? `N(${p.notifyType})` : p.type));

const exchanges = (wire: readonly IkeCapture[]) =>
  wire.map((m) => `${m.header.exchangeType}${isResponse(m.header) ? 'r' : ''}`);

/** The inner payloads of a protected message, opened with the keys of the SA that received it. */
function inner(m: IkeCapture, receiver: Parameters<typeof ikeContext>[0]): readonly Payload[] {
  const decoded = decodeMessage(m.data);
  if (!decoded.ok) throw new Error('undecodable capture');
  const opened = openFor(ikeContext(receiver).session, decoded.value, m.data);
  if (!opened.ok) throw new Error(opened.error.reason);
  return opened.value;
}

const INIT = ExchangeType.IKE_SA_INIT;
const AUTH = ExchangeType.IKE_AUTH;

describe('IKE_SA_INIT failures', () => {
  it('NO_PROPOSAL_CHOSEN: disjoint IKE proposals fail the initiator, the gateway keeps nothing', () => {
    const w = setup({
      client: { proposals: ['aes256-sha384-ecp384'] },
      gateway: { proposals: ['aes128ctr-aesxcbc-prfsha256-ecp192'] },
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    /* IKE_SA_INIT HDR(A,0) { SAi1(aes256-sha384-prfsha384-ecp384), KEi, Ni }  --> */
    /*                             <--  IKE_SA_INIT HDR(A,0) { N(NO_PROPOSAL_CHOSEN) } */
    w.clock.advance(200);

    expect(ikePhase(ike)).toBe('failed');
    expect(ike.state).toBe('DESTROYED');
    expect(ike.failure?.notify).toBe(NotifyError.NO_PROPOSAL_CHOSEN);
    expect(w.client.supervisor.ikeSas).toHaveLength(0);

    expect(exchanges(w.wire)).toEqual([`${INIT}`, `${INIT}r`]);
    const [req, res] = w.wire;
    expect(toHex(res!.header.spiI)).toBe(toHex(req!.header.spiI));
    expect(toHex(res!.header.spiR)).toBe('0000000000000000'); // stateless answer (§1.2)
    expect(kinds(res!.payloads)).toEqual([`N(${NotifyError.NO_PROPOSAL_CHOSEN})`]);

    // The gateway: its responder failed at once, nothing half-open, nothing installed.
    expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
    expect(w.gatewaySas().map(ikePhase)).toEqual(['failed']);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
    expect(w.gateway.supervisor.dos.halfOpenFrom(CLIENT_ADDR.address)).toBe(0);
    expect(w.gateway.esp.backend.listSas()).toHaveLength(0);

    // Nothing more happens later: no retransmission of a failed exchange, no timer left.
    w.clock.advance(300_000);
    expect(w.wire).toHaveLength(2);
    expect(w.clock.pending).toBe(w.idleTimers);
  });

  it('INVALID_KE_PAYLOAD: x25519 first, the gateway wants ecp256: established with ECP_256 in 2 IKE_SA_INIT round trips', () => {
    const w = setup({
      client: { proposals: ['aes128ctr-aesxcbc-prfsha256-x25519-ecp256'] },
      gateway: { proposals: ['aes128ctr-aesxcbc-prfsha256-ecp256'] },
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    /* IKE_SA_INIT HDR(A,0) { SAi1(x25519, ecp256), KEi(x25519), Ni }  --> */
    /*                   <--  IKE_SA_INIT HDR(A,0) { N(INVALID_KE_PAYLOAD, 19) } */
    /* IKE_SA_INIT HDR(A,0) { SAi1(x25519, ecp256), KEi(ecp256), Ni' }  --> */
    /*                   <--  IKE_SA_INIT HDR(A,B) { SAr1, KEr(ecp256), Nr } */
    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr }  --> */
    /*                   <--  IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr } */
    w.clock.advance(1000);

    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = w.gateway.supervisor.ikeSas;
    expect(gw?.state).toBe('ESTABLISHED');
    expect(exchanges(w.wire)).toEqual([`${INIT}`, `${INIT}r`, `${INIT}`, `${INIT}r`, `${AUTH}`, `${AUTH}r`]);
    const [req1, res1, req2, res2] = w.wire;
    expect(kinds(res1!.payloads)).toEqual([`N(${NotifyError.INVALID_KE_PAYLOAD})`]);
    const invalidKe = res1!.payloads[0];
    expect(invalidKe?.type === PayloadType.N && [...invalidKe.data]).toEqual([0, KeId.ECP_256]); // §3.10.1
    expect(toHex(res1!.header.spiR)).toBe('0000000000000000');
    const keOf = (m: IkeCapture) => m.payloads.find((p) => p.type === PayloadType.KE);
    expect(keOf(req1!)).toMatchObject({ group: KeId.CURVE_25519 });
    expect(keOf(req2!)).toMatchObject({ group: KeId.ECP_256 });
    expect(toHex(req2!.header.spiI)).toBe(toHex(req1!.header.spiI)); // same IKE SA, restarted (§1.2)
    expect(keOf(res2!)).toMatchObject({ group: KeId.ECP_256 });
    expect(ikeContext(ike).session.suite?.ke?.id).toBe(KeId.ECP_256);
    expect(ikeContext(gw!).session.suite?.ke?.id).toBe(KeId.ECP_256);
    // Only the second responder lived; the first one answered statelessly and is gone.
    expect(w.gatewaySas().map(ikePhase)).toEqual(['failed', 'established']);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);

    w.client.esp.pipeline.send(echoRequest('10.99.2.1', '10.99.1.1', 1));
    w.clock.advance(100);
    expect(w.client.received.map(icmpType)).toEqual([0]);
  });
});

describe('IKE_AUTH failures', () => {
  /** Runs the exchange and checks the shape every AUTHENTICATION_FAILED run must have. */
  function expectAuthFailed(o: TwoHostOptions) {
    const w = setup(o);
    const ike = w.client.supervisor.initiate('gw', 'net');
    // The client's IKE SA dies on this response and its SK_e/SK_a are zeroed (DESIGN: keys are
    // zeroed when an SA dies), so the response is opened as it is sent, while they still work.
    let response: readonly Payload[] | undefined;
    const tap = w.net.onSend;
    w.net.onSend = (d) => {
      tap?.(d); // captureIke appends to w.wire
      if (response === undefined && w.wire.length === 4) response = inner(w.wire[3]!, ike);
    };
    /* IKE_SA_INIT { SAi1, KEi, Ni }  -->   <--  { SAr1, KEr, Nr } */
    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr }  --> */
    /*                          <--  IKE_AUTH { N(AUTHENTICATION_FAILED) } */
    w.clock.advance(1000);

    expect(ikePhase(ike)).toBe('failed');
    expect(ike.state).toBe('DESTROYED');
    expect(ike.failure?.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
    expect(exchanges(w.wire)).toEqual([`${INIT}`, `${INIT}r`, `${AUTH}`, `${AUTH}r`]);
    const res = w.wire[3]!;
    expect(res.header.messageId).toBe(1);
    expect(kinds(res.payloads)).toEqual([PayloadType.SK]); // §2.21.2: protected by the new IKE SA
    expect(kinds(response ?? [])).toEqual([`N(${NotifyError.AUTHENTICATION_FAILED})`]);

    expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
    expect(w.gatewaySas().map(ikePhase)).toEqual(['failed']);
    expect(w.gatewaySas()[0]?.failure?.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
    expect(w.client.esp.backend.listSas()).toHaveLength(0);
    expect(w.gateway.esp.backend.listSas()).toHaveLength(0);
    w.clock.advance(300_000);
    expect(w.wire).toHaveLength(4);
    expect(w.clock.pending).toBe(w.idleTimers);
  }

  it('AUTHENTICATION_FAILED: the gateway has another PSK for alice and bob', () => {
    expectAuthFailed({
      gatewaySecrets: [{ name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: utf8('not-it') }],
    });
  });

  it('AUTHENTICATION_FAILED: the client has another PSK for alice and bob', () => {
    expectAuthFailed({
      clientSecrets: [{ name: 'ike', id: ['alice@example.org', 'bob@example.org'], secret: utf8('not-it') }],
    });
  });

  it('AUTHENTICATION_FAILED: the client claims an identity the gateway has no connection for', () => {
    expectAuthFailed({
      client: { localId: 'mallory@example.org' },
      clientSecrets: [{ name: 'ike', id: ['mallory@example.org', 'bob@example.org'], secret: PSK }],
    });
  });

  it('AUTHENTICATION_FAILED: the client asks for a responder identity (IDr) the gateway does not have', () => {
    expectAuthFailed({
      client: { remoteId: 'carol@example.org' },
      clientSecrets: [{ name: 'ike', id: ['alice@example.org', 'carol@example.org'], secret: PSK }],
    });
  });

  it('no PSK at the client: it never sends IKE_AUTH and the gateway drops the half-open SA after half_open_timeout', () => {
    const w = setup({ clientSecrets: [], gatewayDaemon: { half_open_timeout: 10 } });
    const ike = w.client.supervisor.initiate('gw', 'net');
    /* IKE_SA_INIT { SAi1, KEi, Ni }  -->   <--  { SAr1, KEr, Nr } */
    /* (no IKE_AUTH: the client cannot compute AUTH)                  */
    w.clock.advance(1000);
    expect(ikePhase(ike)).toBe('failed');
    expect(ike.failure?.reason).toMatch(/PSK/);
    expect(exchanges(w.wire)).toEqual([`${INIT}`, `${INIT}r`]);
    const [gw] = w.gateway.supervisor.ikeSas;
    expect(gw && ikePhase(gw)).toBe('responder.halfOpen');
    expect(w.gateway.supervisor.dos.halfOpen).toBe(1);

    w.clock.advance(9_000); // 5 ms short of 10 s after IKE_SA_INIT arrived
    expect(w.gateway.supervisor.ikeSas).toHaveLength(1);
    w.clock.advance(5);
    expect(w.gateway.supervisor.ikeSas).toHaveLength(0);
    expect(gw && ikePhase(gw)).toBe('failed');
    expect(gw?.failure?.reason).toBe('half-open timeout');
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);
    expect(w.clock.pending).toBe(w.idleTimers);
  });
});

describe('first Child SA failures: the IKE SA stays up without it (§1.2)', () => {
  /** Both IKE SAs established, no Child SA anywhere, and the refusal carried `notifyType`. */
  function expectChildRefused(o: TwoHostOptions, notifyType: number) {
    const w = setup(o);
    const ike = w.client.supervisor.initiate('gw', 'net');
    w.clock.advance(1000);

    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = w.gateway.supervisor.ikeSas;
    expect(gw?.state).toBe('ESTABLISHED');
    expect(ike.children).toHaveLength(0);
    expect(gw?.children).toHaveLength(0);
    expect(ikeContext(ike).children).toHaveLength(0);
    expect(w.client.esp.backend.listSas()).toHaveLength(0);
    expect(w.gateway.esp.backend.listSas()).toHaveLength(0);
    expect(w.gateway.supervisor.dos.halfOpen).toBe(0);

    expect(exchanges(w.wire)).toEqual([`${INIT}`, `${INIT}r`, `${AUTH}`, `${AUTH}r`]);
    // The IKE_AUTH response authenticates the gateway but carries the error instead of SAr2/TS.
    expect(kinds(inner(w.wire[3]!, ike))).toEqual([PayloadType.IDr, PayloadType.AUTH, `N(${notifyType})`]);
    const childFailures = (log: ReturnType<typeof memoryLogger>) =>
      log.lines.filter((l) => l.msg === 'child SA not created').map((l) => l.obj.failure);
    expect(childFailures(w.clientLog)).toEqual([expect.objectContaining({ notify: notifyType })]);
    expect(childFailures(w.gatewayLog)).toEqual([expect.objectContaining({ notify: notifyType })]);

    // The IKE SA is usable: a liveness check later in its life is fine, nothing was torn down.
    w.clock.advance(60_000);
    expect(ike.state).toBe('ESTABLISHED');
    expect(gw?.state).toBe('ESTABLISHED');
  }

  it('TS_UNACCEPTABLE: the client asks for a remote network the gateway does not serve', () => {
    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi(10.99.2.0/24), TSr(10.99.3.0/24) }  --> */
    /*                            <--  IKE_AUTH { IDr, AUTH, N(TS_UNACCEPTABLE) } */
    expectChildRefused({ client: { remote_ts: ['10.99.3.0/24'] } }, NotifyError.TS_UNACCEPTABLE);
  });

  it('NO_PROPOSAL_CHOSEN: disjoint ESP proposals', () => {
    /* IKE_AUTH { IDi, IDr, AUTH, SAi2(aes256gcm16), TSi, TSr }  --> */
    /*                            <--  IKE_AUTH { IDr, AUTH, N(NO_PROPOSAL_CHOSEN) } */
    expectChildRefused(
      { client: { esp_proposals: ['aes256gcm16'] }, gateway: { esp_proposals: ['aes128ctr-aesxcbc'] } },
      NotifyError.NO_PROPOSAL_CHOSEN,
    );
  });

  it('mode mismatch: the client asks for transport mode, the gateway only allows tunnel mode', () => {
    /* IKE_AUTH { IDi, IDr, AUTH, N(USE_TRANSPORT_MODE), SAi2, TSi, TSr }  --> */
    /*                            <--  IKE_AUTH { IDr, AUTH, N(NO_PROPOSAL_CHOSEN) } */
    expectChildRefused(
      { client: { mode: 'transport' }, gateway: { mode: 'tunnel' } },
      NotifyError.NO_PROPOSAL_CHOSEN,
    );
  });

  it('mode mismatch: the client asks for tunnel mode, the gateway only allows transport mode', () => {
    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr }  --> */
    /*                            <--  IKE_AUTH { IDr, AUTH, N(NO_PROPOSAL_CHOSEN) } */
    expectChildRefused(
      { client: { mode: 'tunnel' }, gateway: { mode: 'transport' } },
      NotifyError.NO_PROPOSAL_CHOSEN,
    );
  });

  it('control: transport mode on both sides installs a transport-mode Child SA', () => {
    const ts = { local_ts: ['dynamic'], remote_ts: ['dynamic'] };
    const w = setup({
      client: { mode: 'transport', ...ts },
      gateway: { mode: 'transport', ...ts },
    });
    const ike = w.client.supervisor.initiate('gw', 'net');
    /* IKE_AUTH { IDi, IDr, AUTH, N(USE_TRANSPORT_MODE), SAi2, TSi, TSr }  --> */
    /*          <--  IKE_AUTH { IDr, AUTH, N(USE_TRANSPORT_MODE), SAr2, TSi, TSr } */
    w.clock.advance(1000);
    expect(ike.state).toBe('ESTABLISHED');
    const [gw] = w.gateway.supervisor.ikeSas;
    expect(kinds(inner(w.wire[3]!, ike))).toContain(`N(${NotifyStatus.USE_TRANSPORT_MODE})`);
    expect(w.client.esp.backend.listSas().map((s) => s.mode)).toEqual(['transport', 'transport']);
    expect(w.gateway.esp.backend.listSas().map((s) => s.mode)).toEqual(['transport', 'transport']);
    expect(gw?.children).toHaveLength(1);
  });
});
