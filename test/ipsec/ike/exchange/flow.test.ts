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
  handleInitResponse,
  newInitiatorSession,
} from '../../../../ipsec/ike/exchange/ike-sa-init.js';
import { NotifyError } from '../../../../ipsec/ike/wire/notify-types.js';
import { toHex } from '../../../../ipsec/util/bytes.js';
import {
  CLIENT_ADDR,
  clientConfig,
  GATEWAY_ADDR,
  gatewayConfig,
  gatewayHandleInit,
  ikeProposals,
  openMessage,
  type PeerOptions,
  SPI_I,
  testDeps,
} from '../../../support/ike-peers.js';

function handshake(client: PeerOptions = {}, gateway: PeerOptions = {}) {
  const iDeps = testDeps('initiator', 0xc0000001);
  const rDeps = testDeps('responder', 0xd0000001);
  const cConf = clientConfig(client);
  const gConf = gatewayConfig(gateway);
  let i = newInitiatorSession(cConf, ikeProposals(cConf), CLIENT_ADDR, GATEWAY_ADDR, SPI_I);

  /* IKE_SA_INIT { SAi1, KEi, Ni } --> */
  const req = buildInitRequest(i, iDeps);
  i = req.session;
  const r = gatewayHandleInit(gConf, rDeps, req.bytes);
  return { i, r, iDeps, rDeps, gConf, req };
}

describe('IKE_SA_INIT + IKE_AUTH (pure exchange functions)', () => {
  it('establishes the IKE SA and the first Child SA with mirrored keys', () => {
    const { i: i0, r, iDeps, rDeps, gConf } = handshake();
    if (r.kind !== 'accepted') throw new Error(`rejected: ${r.failure.reason}`);
    /* <-- IKE_SA_INIT { SAr1, KEr, Nr } */
    const resp = openMessage(i0, r.response);
    const init = handleInitResponse(i0, iDeps, resp.header.spiR, resp.payloads, r.response);
    if (init.kind !== 'established') throw new Error('init not established');
    let i = init.session;
    expect(toHex(i.keys!.skD)).toBe(toHex(r.session.keys!.skD));
    expect(i.suite!.encr.name).toBe('AES_CTR');

    /* IKE_AUTH { IDi, IDr, AUTH, SAi2, TSi, TSr } --> */
    const authReq = buildAuthRequest(i, iDeps, i.config.children[0]);
    if (!authReq.ok) throw new Error(authReq.failure.reason);
    i = authReq.session;
    const inReq = openMessage(r.session, authReq.bytes);
    const answer = handleAuthRequest(r.session, rDeps, inReq.payloads, [gConf]);
    if (answer.kind !== 'established') throw new Error(answer.failure.reason);
    expect(answer.child).toBeDefined();

    /* <-- IKE_AUTH { IDr, AUTH, SAr2, TSi, TSr } */
    const inResp = openMessage(i, answer.response);
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
    const resp = openMessage(i, r.response);
    const out = handleInitResponse(i, iDeps, resp.header.spiR, resp.payloads, r.response);
    expect(out.kind).toBe('retry');
    if (out.kind === 'retry') expect(out.group).toBe(19);
  });
});
