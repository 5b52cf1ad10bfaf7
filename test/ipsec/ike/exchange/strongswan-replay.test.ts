/**
 * Interoperability against real strongSwan 5.9.8 sessions (test/vectors/strongswan, 7 cases).
 * Each case is replayed twice through the pure exchange functions:
 *
 *   our RESPONDER  <-- strongSwan's IKE_SA_INIT request and IKE_AUTH request
 *   our INITIATOR  <-- strongSwan's IKE_SA_INIT response and IKE_AUTH response
 *
 * The injected deps make our side behave as the recorded strongSwan peer did (same nonce,
 * SPIs, KE value and g^ir), so SKEYSEED, SK_*, AUTH and KEYMAT must equal the recording.
 * Our own messages differ from strongSwan's (no NAT-D / MOBIKE notifies, other IV and
 * padding), so the AUTH we send is checked against an independent recomputation
 * (RFC 7296 §2.15) over our own IKE_SA_INIT message, and opened with the recorded keys.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../../../ipsec/crypto/noble/index.js';
import { mustPrf } from '../../../../ipsec/crypto/transforms.js';
import {
  buildAuthRequest,
  handleAuthRequest,
  handleAuthResponse,
} from '../../../../ipsec/ike/exchange/ike-auth.js';
import {
  buildInitRequest,
  handleInitRequest,
  handleInitResponse,
  NONCE_LENGTH,
  newInitiatorSession,
} from '../../../../ipsec/ike/exchange/ike-sa-init.js';
import { findPayload, openFor } from '../../../../ipsec/ike/exchange/messages.js';
import type { ChildSaRecord, IkeSession } from '../../../../ipsec/ike/exchange/session.js';
import { idPayloadBody } from '../../../../ipsec/ike/identity.js';
import { signedOctets, verifyPskAuthData } from '../../../../ipsec/ike/keys/auth.js';
import { ProtocolId } from '../../../../ipsec/ike/model.js';
import { parseProposals } from '../../../../ipsec/ike/proposal/keywords.js';
import { createSkKeyPair } from '../../../../ipsec/ike/sk.js';
import { PayloadType } from '../../../../ipsec/ike/wire/constants.js';
import { decodeMessage } from '../../../../ipsec/ike/wire/message.js';
import { NotifyError } from '../../../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../../../ipsec/ike/wire/payload-types.js';
import { checkRules } from '../../../../ipsec/ike/wire/rules.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../../ipsec/util/bytes.js';
import {
  ikeKeysHex,
  proposalRecord,
  recordedIke,
  recordedIkeKeys,
  recordedIkeKeysHex,
  recordedSa,
  replayConfig,
  replayDeps,
  STRONGSWAN_NONCE_LENGTH,
  tsRecord,
} from '../../../support/replay-strongswan.js';
import { loadStrongswanVectors, type VectorCase } from '../../../support/vectors.js';

const CASES = loadStrongswanVectors();
const INITIATOR_ADDR = { address: '10.99.0.1', port: 500 };
const RESPONDER_ADDR = { address: '10.99.0.2', port: 500 };

function decode(hex: string) {
  const raw = fromHex(hex);
  const decoded = decodeMessage(raw);
  if (!decoded.ok) throw new Error(`recorded message does not decode: ${decoded.error.message}`);
  return { raw, decoded: decoded.value };
}

/** Opens one of our messages with the RECORDED keys (the receiving strongSwan's view). */
function openWithRecordedKeys(v: VectorCase, ours: IkeSession, bytes: Uint8Array): Payload[] {
  const keys = recordedIkeKeys(v, ours.keys!.suite);
  const peerView: IkeSession = {
    ...ours,
    role: ours.role === 'initiator' ? 'responder' : 'initiator',
    sk: createSkKeyPair(nobleProvider, keys),
  };
  const { decoded } = decode(toHex(bytes));
  const opened = openFor(peerView, decoded, bytes);
  if (!opened.ok) throw new Error(`our message does not open with the recorded keys: ${opened.error.reason}`);
  return opened.value;
}

/**
 * AUTH (method 2) recomputed here from the recorded keys, without ipsec/ike/keys/auth.ts:
 *   AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce | prf(SK_px, IDx')) (§2.15)
 * Also checks prf(PSK, keypad) against the recorded value.
 */
function expectedAuth(v: VectorCase, role: 'initiator' | 'responder', realMessage: Uint8Array): string {
  const ike = v.ike_sas[0]!;
  const rec = ike.auth[role];
  const prf = nobleProvider.prf(mustPrf(ike.prf_id));
  const padKey = prf.compute(utf8(v.psk), utf8('Key Pad for IKEv2'));
  expect(toHex(padKey)).toBe(rec.prf_psk_keypad);
  const skP = fromHex(role === 'initiator' ? ike.sk_pi : ike.sk_pr);
  const maced = prf.compute(skP, fromHex(rec.id_payload_body));
  expect(toHex(maced)).toBe(rec.maced_id);
  const peerNonce = fromHex(role === 'initiator' ? ike.nonce_r : ike.nonce_i);
  return toHex(prf.compute(padKey, concatBytes(realMessage, peerNonce, maced)));
}

function sa(payloads: readonly Payload[]) {
  const p = findPayload(payloads, PayloadType.SA);
  if (!p) throw new Error('no SA payload');
  return p.proposals.map(proposalRecord);
}

function ts(payloads: readonly Payload[], type: typeof PayloadType.TSi | typeof PayloadType.TSr) {
  const p = findPayload(payloads, type);
  if (!p) throw new Error('no TS payload');
  return p.selectors.map(tsRecord);
}

function childKeysHex(c: ChildSaRecord) {
  return {
    key_i: { encr: toHex(c.keys.initiator.encr), integ: toHex(c.keys.initiator.integ) },
    key_r: { encr: toHex(c.keys.responder.encr), integ: toHex(c.keys.responder.integ) },
  };
}

/** Our responder through IKE_SA_INIT, fed strongSwan's recorded request. */
function responderInit(v: VectorCase) {
  const ike = v.ike_sas[0]!;
  const deps = replayDeps(v, 'responder');
  const config = replayConfig(v, 'responder');
  const proposals = parseProposals(config.proposals, ProtocolId.IKE);
  if (!proposals.ok) throw new Error(proposals.error.message);
  /* --> IKE_SA_INIT { SAi1, KEi, Ni, N(NAT_DETECTION_*), N(...) } */
  const req1 = decode(recordedIke(v, 'IKE_SA_INIT', false).hex);
  const rules1 = checkRules(req1.decoded.header.exchangeType, false, req1.decoded.payloads, []);
  if (!rules1.ok) throw new Error(`rule tables reject strongSwan's IKE_SA_INIT: ${rules1.error.message}`);
  const init = handleInitRequest(
    {
      config,
      proposals: proposals.value,
      local: RESPONDER_ADDR,
      remote: INITIATOR_ADDR,
      spiI: req1.decoded.header.spiI,
      spiR: fromHex(ike.spi_r),
      payloads: req1.decoded.payloads,
      raw: req1.raw,
    },
    deps,
  );
  if (init.kind !== 'accepted') throw new Error(`IKE_SA_INIT rejected: ${init.failure.reason}`);
  return { deps, config, init };
}

/**
 * Our initiator through IKE_SA_INIT, fed strongSwan's recorded response. `tamper` may alter
 * the response octets kept as RealMessage2 (after they were decoded).
 */
function initiatorInit(v: VectorCase, tamper?: (raw: Uint8Array) => Uint8Array) {
  const ike = v.ike_sas[0]!;
  const deps = replayDeps(v, 'initiator');
  const config = replayConfig(v, 'initiator');
  const proposals = parseProposals(config.proposals, ProtocolId.IKE);
  if (!proposals.ok) throw new Error(proposals.error.message);
  const i0 = newInitiatorSession(config, proposals.value, INITIATOR_ADDR, RESPONDER_ADDR, fromHex(ike.spi_i));
  /* IKE_SA_INIT { SAi1, KEi, Ni } --> */
  const req1 = buildInitRequest(i0, deps);
  /* <-- IKE_SA_INIT { SAr1, KEr, Nr, N(NAT_DETECTION_*), N(...) } (strongSwan's) */
  const resp1 = decode(recordedIke(v, 'IKE_SA_INIT', true).hex);
  const outer = openFor(req1.session, resp1.decoded, resp1.raw);
  if (!outer.ok) throw new Error(`strongSwan's IKE_SA_INIT response rejected: ${outer.error.reason}`);
  const raw = tamper ? tamper(resp1.raw.slice()) : resp1.raw;
  const init = handleInitResponse(req1.session, deps, resp1.decoded.header.spiR, outer.value, raw);
  if (init.kind !== 'established')
    throw new Error(`IKE_SA_INIT: ${init.kind} ${'failure' in init ? init.failure.reason : init.reason}`);
  return { deps, config, req1, init };
}

/** Our initiator's IKE_AUTH request, then strongSwan's recorded response opened with our keys. */
function initiatorAuth(v: VectorCase, tamper?: (raw: Uint8Array) => Uint8Array) {
  const { deps, config, req1, init } = initiatorInit(v, tamper);
  const req2 = buildAuthRequest(init.session, deps, config.children[0]);
  if (!req2.ok) throw new Error(req2.failure.reason);
  const resp2 = decode(recordedIke(v, 'IKE_AUTH', true).hex);
  const inner = openFor(req2.session, resp2.decoded, resp2.raw);
  if (!inner.ok) throw new Error(`strongSwan's IKE_AUTH response rejected: ${inner.error.reason}`);
  return { deps, config, req1, init, req2, payloads: inner.value };
}

it('loads all 7 strongSwan cases', () => {
  expect(CASES.map((c) => c.case)).toHaveLength(7);
  // The deps hand out the recorded nonce for our nonce length: it must be strongSwan's.
  expect(NONCE_LENGTH).toBe(STRONGSWAN_NONCE_LENGTH);
  for (const v of CASES) expect(v.ike_sas[0]!.nonce_i).toHaveLength(2 * STRONGSWAN_NONCE_LENGTH);
});

describe.each(CASES)('strongSwan case $case', (v) => {
  const ike = v.ike_sas[0]!;
  const child = v.child_sas[0]!;
  const initReq = recordedIke(v, 'IKE_SA_INIT', false);
  const initResp = recordedIke(v, 'IKE_SA_INIT', true);
  const authReq = recordedIke(v, 'IKE_AUTH', false);
  const authResp = recordedIke(v, 'IKE_AUTH', true);

  it('our RESPONDER answers strongSwan’s IKE_SA_INIT and IKE_AUTH requests', () => {
    const { deps, config, init } = responderInit(v);
    let r = init.session;
    expect(deps.randomCalls.filter((n) => n === STRONGSWAN_NONCE_LENGTH)).toHaveLength(1); // Nr only
    expect(deps.keyExchanges).toHaveLength(1);
    expect(deps.keyExchanges[0]!.peersSeen.map(toHex)).toEqual([ike.ke_i]);
    expect(toHex(r.nr!)).toBe(ike.nonce_r);
    expect(toHex(r.ni!)).toBe(ike.nonce_i);
    // SKEYSEED and SK_* (§2.14) as strongSwan derived them.
    expect(ikeKeysHex(r.keys!)).toEqual(recordedIkeKeysHex(v));
    expect(r.suite!.encr.id).toBe(ike.encr_id);
    expect(r.suite!.prf?.id).toBe(ike.prf_id);
    expect(r.suite!.integ?.id ?? null).toBe(ike.integ_id);

    /* <-- IKE_SA_INIT { SAr1, KEr, Nr }: the same SA, KE and Nr as strongSwan's answer. */
    const ourResp1 = decodeMessage(init.response);
    if (!ourResp1.ok) throw new Error(ourResp1.error.message);
    expect(toHex(ourResp1.value.header.spiI)).toBe(ike.spi_i);
    expect(toHex(ourResp1.value.header.spiR)).toBe(ike.spi_r);
    expect(sa(ourResp1.value.payloads)).toEqual(recordedSa(initResp));
    expect(toHex(findPayload(ourResp1.value.payloads, PayloadType.KE)!.data)).toBe(ike.ke_r);
    expect(toHex(findPayload(ourResp1.value.payloads, PayloadType.NONCE)!.data)).toBe(ike.nonce_r);

    /* --> IKE_AUTH SK { IDi, IDr, AUTH, SAi2, TSi, TSr, N(MOBIKE_SUPPORTED), ... } */
    const req2 = decode(authReq.hex);
    const inner = openFor(r, req2.decoded, req2.raw);
    if (!inner.ok) throw new Error(`strongSwan's IKE_AUTH request rejected: ${inner.error.reason}`);
    expect(toHex(findPayload(inner.value, PayloadType.AUTH)!.data)).toBe(ike.auth.initiator.auth);
    const answer = handleAuthRequest(r, deps, inner.value, [config]);
    if (answer.kind !== 'established') throw new Error(`IKE_AUTH failed: ${answer.failure.reason}`);
    r = answer.session;
    expect(answer.childFailure).toBeUndefined();
    const c = answer.child!;
    expect(c).toBeDefined();
    // KEYMAT (§2.17): encr (salt included) and integ, both directions.
    expect(childKeysHex(c)).toEqual({ key_i: child.key_i, key_r: child.key_r });
    expect(toHex(c.spiIn)).toBe(child.spi_r); // our (responder's) inbound SPI
    expect(toHex(c.spiOut)).toBe(child.spi_i);
    expect(c.mode).toBe('tunnel');
    expect(c.suite.encr.id).toBe(child.encr_id);
    expect(c.suite.integ?.id ?? null).toBe(child.integ_id);
    // §2.9: TSi is the initiator's side, our remote side.
    expect(c.remoteTs.map(tsRecord)).toEqual(child.ts_i);
    expect(c.localTs.map(tsRecord)).toEqual(child.ts_r);

    /* <-- IKE_AUTH SK { IDr, AUTH, SAr2, TSi, TSr }, opened as strongSwan would (recorded SK_er/SK_ar). */
    const ours2 = openWithRecordedKeys(v, r, answer.response);
    const idr = findPayload(ours2, PayloadType.IDr)!;
    expect(toHex(idPayloadBody({ type: idr.idType, data: idr.data }))).toBe(
      ike.auth.responder.id_payload_body,
    );
    const ourAuth = findPayload(ours2, PayloadType.AUTH)!;
    expect(ourAuth.method).toBe(2);
    // Our RealMessage2 is our own IKE_SA_INIT response, not strongSwan's (no notifies).
    expect(toHex(ourAuth.data)).toBe(expectedAuth(v, 'responder', init.response));
    // ... and with strongSwan's RealMessage2 our keys reproduce strongSwan's responder AUTH.
    expect(expectedAuth(v, 'responder', fromHex(initResp.hex))).toBe(ike.auth.responder.auth);
    const psk = utf8(v.psk);
    const ni = fromHex(ike.nonce_i);
    const idrBody = fromHex(ike.auth.responder.id_payload_body);
    const swanResp = { realMessage: fromHex(initResp.hex), peerNonce: ni, idBody: idrBody };
    expect(toHex(signedOctets(deps.provider, r.keys!, 'responder', swanResp))).toBe(
      ike.auth.responder.octets,
    );
    expect(
      verifyPskAuthData(deps.provider, r.keys!, 'responder', psk, swanResp, fromHex(ike.auth.responder.auth)),
    ).toBe(true);
    // The child part of our answer is strongSwan's: same proposal (num, transforms), SPI, TS.
    expect(sa(ours2)).toEqual(recordedSa(authResp));
    expect(ts(ours2, PayloadType.TSi)).toEqual(child.ts_i);
    expect(ts(ours2, PayloadType.TSr)).toEqual(child.ts_r);
  });

  it('our INITIATOR accepts strongSwan’s IKE_SA_INIT and IKE_AUTH responses', () => {
    const { deps, config, req1, init } = initiatorInit(v);
    const ourReq1 = decodeMessage(req1.bytes);
    if (!ourReq1.ok) throw new Error(ourReq1.error.message);
    /* IKE_SA_INIT { SAi1, KEi, Ni } --> : strongSwan offered the same SA from the same string. */
    expect(sa(ourReq1.value.payloads)).toEqual(recordedSa(initReq));
    expect(toHex(findPayload(ourReq1.value.payloads, PayloadType.KE)!.data)).toBe(ike.ke_i);
    expect(toHex(findPayload(ourReq1.value.payloads, PayloadType.NONCE)!.data)).toBe(ike.nonce_i);
    let i = init.session;
    expect(deps.randomCalls.filter((n) => n === STRONGSWAN_NONCE_LENGTH)).toHaveLength(1); // Ni only
    expect(deps.keyExchanges).toHaveLength(1);
    expect(deps.keyExchanges[0]!.peersSeen.map(toHex)).toEqual([ike.ke_r]);
    expect(toHex(i.spiR)).toBe(ike.spi_r);
    expect(ikeKeysHex(i.keys!)).toEqual(recordedIkeKeysHex(v));

    /* IKE_AUTH SK { IDi, IDr, AUTH, SAi2, TSi, TSr } --> */
    const req2 = buildAuthRequest(i, deps, config.children[0]);
    if (!req2.ok) throw new Error(req2.failure.reason);
    i = req2.session;
    const pending = i.pendingChild!;
    expect(toHex(pending.spiIn)).toBe(child.spi_i);
    // strongSwan's SAi2 (from the same esp_proposals string, without KE in IKE_AUTH).
    const swanSai2 = recordedSa(authReq);
    expect(pending.proposals.map(proposalRecord)).toEqual(swanSai2);
    const ours2 = openWithRecordedKeys(v, i, req2.bytes);
    const idi = findPayload(ours2, PayloadType.IDi)!;
    expect(toHex(idPayloadBody({ type: idi.idType, data: idi.data }))).toBe(
      ike.auth.initiator.id_payload_body,
    );
    // Our RealMessage1 is our own IKE_SA_INIT request; strongSwan's gives strongSwan's AUTH.
    expect(toHex(findPayload(ours2, PayloadType.AUTH)!.data)).toBe(expectedAuth(v, 'initiator', req1.bytes));
    expect(expectedAuth(v, 'initiator', fromHex(initReq.hex))).toBe(ike.auth.initiator.auth);
    expect(ts(ours2, PayloadType.TSi)).toEqual(child.ts_i);
    expect(ts(ours2, PayloadType.TSr)).toEqual(child.ts_r);

    /* <-- IKE_AUTH SK { IDr, AUTH, SAr2, TSi, TSr, N(MOBIKE_SUPPORTED), ... } (strongSwan's) */
    const resp2 = decode(authResp.hex);
    const inner = openFor(i, resp2.decoded, resp2.raw);
    if (!inner.ok) throw new Error(`strongSwan's IKE_AUTH response rejected: ${inner.error.reason}`);
    // The answered proposal is one we offered, by number and transforms (§3.3.1).
    const answered = sa(inner.value);
    expect(answered).toHaveLength(1);
    const offered = pending.proposals.map(proposalRecord).find((p) => p.num === answered[0]!.num);
    expect(offered).toBeDefined();
    expect({ ...answered[0]!, spi: '' }).toEqual({ ...offered!, spi: '' });
    const done = handleAuthResponse(i, deps, inner.value);
    if (done.kind !== 'established') throw new Error(`IKE_AUTH failed: ${done.failure.reason}`);
    expect(done.childFailure).toBeUndefined();
    const c = done.child!;
    expect(c).toBeDefined();
    expect(toHex(idPayloadBody(done.session.remoteId!))).toBe(ike.auth.responder.id_payload_body);
    expect(childKeysHex(c)).toEqual({ key_i: child.key_i, key_r: child.key_r });
    expect(toHex(c.spiIn)).toBe(child.spi_i);
    expect(toHex(c.spiOut)).toBe(child.spi_r);
    expect(c.suite.encr.id).toBe(child.encr_id);
    expect(c.suite.integ?.id ?? null).toBe(child.integ_id);
    expect(c.localTs.map(tsRecord)).toEqual(child.ts_i);
    expect(c.remoteTs.map(tsRecord)).toEqual(child.ts_r);
  });

  it('our RESPONDER answers AUTHENTICATION_FAILED when its PSK is not strongSwan’s', () => {
    const { deps, config, init } = responderInit(v);
    const req2 = decode(authReq.hex);
    const inner = openFor(init.session, req2.decoded, req2.raw);
    if (!inner.ok) throw new Error(inner.error.reason);
    const wrongPsk = { ...deps, findSecret: () => utf8(`${v.psk}!`) };
    const answer = handleAuthRequest(init.session, wrongPsk, inner.value, [config]);
    expect(answer.kind).toBe('failed');
    if (answer.kind !== 'failed') return;
    expect(answer.failure.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
    const sent = openWithRecordedKeys(v, init.session, answer.response);
    expect(sent.map((p) => (p.type === PayloadType.N ? p.notifyType : p.type))).toEqual([
      NotifyError.AUTHENTICATION_FAILED,
    ]);
  });

  it('our INITIATOR refuses strongSwan’s AUTH when it is bit-flipped', () => {
    const { init, req2, payloads } = initiatorAuth(v);
    expect(toHex(init.session.keys!.skPr)).toBe(ike.sk_pr);
    const flipped = payloads.map((p) =>
      p.type === PayloadType.AUTH ? { ...p, data: p.data.map((b, k) => (k === 0 ? b ^ 1 : b)) } : p,
    );
    const done = handleAuthResponse(req2.session, replayDeps(v, 'initiator'), flipped);
    expect(done.kind).toBe('failed');
    if (done.kind === 'failed') expect(done.failure.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
  });

  it('our INITIATOR binds the responder AUTH to RealMessage2: one octet changed, AUTH fails', () => {
    // §2.15: RealMessage2 is the whole IKE_SA_INIT response, notifies included.
    const last = (raw: Uint8Array) => {
      raw[raw.length - 1]! ^= 0x80;
      return raw;
    };
    const { init, req2, payloads } = initiatorAuth(v, last);
    expect(ikeKeysHex(init.session.keys!)).toEqual(recordedIkeKeysHex(v)); // keys do not depend on it
    const done = handleAuthResponse(req2.session, replayDeps(v, 'initiator'), payloads);
    expect(done.kind).toBe('failed');
    if (done.kind === 'failed') expect(done.failure.notify).toBe(NotifyError.AUTHENTICATION_FAILED);
  });
});
