/**
 * The pure exchange functions, driven by hand in both roles (no actors, no network):
 * each step is one message of the sequence diagram.
 */
import { describe, expect, it } from 'vitest';
import {
  buildAuthRequest,
  handleAuthRequest,
  handleAuthResponse,
} from '../../../../ipsec/ike/exchange/ike-auth.js';
import {
  buildInitRequest,
  handleInitRequest,
  handleInitResponse,
  newInitiatorSession,
} from '../../../../ipsec/ike/exchange/ike-sa-init.js';
import { openFor } from '../../../../ipsec/ike/exchange/messages.js';
import type { IkeSession } from '../../../../ipsec/ike/exchange/session.js';
import { decodeMessage } from '../../../../ipsec/ike/wire/message.js';
import { NotifyError } from '../../../../ipsec/ike/wire/notify-types.js';
import { toHex } from '../../../../ipsec/util/bytes.js';
import {
  CLIENT_ADDR,
  clientConfig,
  GATEWAY_ADDR,
  gatewayConfig,
  ikeProposals,
  type PeerOptions,
  testDeps,
} from '../../../support/ike-peers.js';

const SPI_I = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const SPI_R = new Uint8Array([9, 10, 11, 12, 13, 14, 15, 16]);

function receive(session: IkeSession, bytes: Uint8Array) {
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const payloads = openFor(session, decoded.value, bytes);
  if (!payloads.ok) throw new Error(payloads.error.reason);
  return { header: decoded.value.header, payloads: payloads.value };
}

function handshake(client: PeerOptions = {}, gateway: PeerOptions = {}) {
  const iDeps = testDeps('initiator', 0xc0000001);
  const rDeps = testDeps('responder', 0xd0000001);
  const cConf = clientConfig(client);
  const gConf = gatewayConfig(gateway);
  let i = newInitiatorSession(cConf, ikeProposals(cConf), CLIENT_ADDR, GATEWAY_ADDR, SPI_I);

  /* IKE_SA_INIT { SAi1, KEi, Ni } --> */
  const req = buildInitRequest(i, iDeps);
  i = req.session;
  const decoded = decodeMessage(req.bytes);
  if (!decoded.ok) throw new Error('decode');
  const r = handleInitRequest(
    {
      config: gConf,
      proposals: ikeProposals(gConf),
      local: GATEWAY_ADDR,
      remote: CLIENT_ADDR,
      spiI: decoded.value.header.spiI,
      spiR: SPI_R,
      payloads: decoded.value.payloads,
      raw: req.bytes,
    },
    rDeps,
  );
  return { i, r, iDeps, rDeps, gConf, req, decoded };
}

describe('IKE_SA_INIT + IKE_AUTH (pure exchange functions)', () => {
  it('establishes the IKE SA and the first Child SA with mirrored keys', () => {
    const { i: i0, r, iDeps, rDeps, gConf } = handshake();
    if (r.kind !== 'accepted') throw new Error(`rejected: ${r.failure.reason}`);
    /* <-- IKE_SA_INIT { SAr1, KEr, Nr } */
    const resp = receive(i0, r.response);
    const init = handleInitResponse(i0, iDeps, resp.header.spiR, resp.payloads, r.response);
    if (init.kind !== 'established') throw new Error('init not established');
    let i = init.session;
    expect(toHex(i.keys!.skD)).toBe(toHex(r.session.keys!.skD));
    expect(i.suite!.encr.name).toBe('AES_CTR');

    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr } --> */
    const authReq = buildAuthRequest(i, iDeps, i.config.children[0]);
    if (!authReq.ok) throw new Error(authReq.failure.reason);
    i = authReq.session;
    const inReq = receive(r.session, authReq.bytes);
    const answer = handleAuthRequest(r.session, rDeps, inReq.payloads, [gConf]);
    if (answer.kind !== 'established') throw new Error(answer.failure.reason);
    expect(answer.child).toBeDefined();

    /* <-- IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr } */
    const inResp = receive(i, answer.response);
    const done = handleAuthResponse(i, iDeps, inResp.payloads);
    if (done.kind !== 'established') throw new Error(done.failure.reason);
    const ic = done.child!;
    const rc = answer.child!;
    expect(toHex(ic.spiIn)).toBe(toHex(rc.spiOut));
    expect(toHex(ic.spiOut)).toBe(toHex(rc.spiIn));
    expect(toHex(ic.keys.initiator.encr)).toBe(toHex(rc.keys.initiator.encr));
    expect(toHex(ic.keys.responder.integ)).toBe(toHex(rc.keys.responder.integ));
    expect(ic.suite.encr.name).toBe('AES_CTR');
    expect(ic.suite.integ?.name).toBe('AES_XCBC_96');
    expect(ic.keys.initiator.encr.length).toBe(20); // AES-128 key + 4-octet nonce (RFC 3686 §5.1)
  });

  it('answers NO_PROPOSAL_CHOSEN when no IKE proposal matches', () => {
    const { r } = handshake(
      { proposals: ['aes256-sha512-modp2048'] },
      { proposals: ['aes128-sha256-ecp256'] },
    );
    expect(r.kind).toBe('rejected');
    if (r.kind === 'rejected') expect(r.failure.notify).toBe(NotifyError.NO_PROPOSAL_CHOSEN);
  });

  it('retries with the group of INVALID_KE_PAYLOAD', () => {
    const { i, r, iDeps } = handshake(
      { proposals: ['aes128-sha256-x25519-ecp256'] },
      { proposals: ['aes128-sha256-ecp256'] },
    );
    if (r.kind !== 'rejected') throw new Error('expected INVALID_KE_PAYLOAD');
    expect(r.failure.notify).toBe(NotifyError.INVALID_KE_PAYLOAD);
    const resp = receive(i, r.response);
    const out = handleInitResponse(i, iDeps, resp.header.spiR, resp.payloads, r.response);
    expect(out.kind).toBe('retry');
    if (out.kind === 'retry') expect(out.group).toBe(19);
  });
});
