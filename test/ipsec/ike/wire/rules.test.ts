/** Per-exchange payload rule tables (RFC 7296 §1.2-§1.4, §2.5, §2.21; after strongSwan message.c). */
import { describe, expect, it } from 'vitest';
import {
  checkRules,
  NotifyError,
  NotifyStatus,
  PayloadType as P,
  type Payload,
  ExchangeType as X,
} from '../../../../ipsec/ike/wire/index.js';

const e = new Uint8Array(0);
const sa: Payload = {
  type: P.SA,
  proposals: [{ num: 1, protocolId: 1, spi: e, transforms: [{ type: 1, id: 12, keyLength: 128 }] }],
};
const ke: Payload = { type: P.KE, group: 19, data: new Uint8Array(64) };
const nonce: Payload = { type: P.NONCE, data: new Uint8Array(32) };
const n = (notifyType: number): Payload => ({ type: P.N, protocolId: 0, spi: e, notifyType, data: e });
const v: Payload = { type: P.V, data: new Uint8Array(16) };
const idi: Payload = { type: P.IDi, idType: 3, data: new Uint8Array(5) };
const idr: Payload = { type: P.IDr, idType: 3, data: new Uint8Array(5) };
const auth: Payload = { type: P.AUTH, method: 2, data: new Uint8Array(32) };
const tsi: Payload = { type: P.TSi, selectors: [] };
const tsr: Payload = { type: P.TSr, selectors: [] };
const eap: Payload = { type: P.EAP, data: Uint8Array.of(1, 1, 0, 5, 1) };
const cp: Payload = { type: P.CP, cfgType: 1, attributes: [] };
const del: Payload = { type: P.D, protocolId: 3, spiSize: 4, spis: [new Uint8Array(4)] };
const certreq: Payload = { type: P.CERTREQ, encoding: 4, data: new Uint8Array(20) };
const sk: Payload = { type: P.SK, firstInnerPayload: 0, body: new Uint8Array(32) };
const skf: Payload = { type: P.SKF, firstInnerPayload: 0, fragmentNumber: 1, totalFragments: 2, body: e };
const unknown: Payload = { type: 'unknown', payloadType: 99, body: e };

const NAT = NotifyStatus.NAT_DETECTION_SOURCE_IP;

/** [name, exchange, response, outer, inner]. */
const ACCEPTED: [string, number, boolean, Payload[], Payload[]][] = [
  ['IKE_SA_INIT request', X.IKE_SA_INIT, false, [sa, ke, nonce, n(NAT), n(NAT + 1), v], []],
  ['IKE_SA_INIT request with a cookie', X.IKE_SA_INIT, false, [n(NotifyStatus.COOKIE), sa, ke, nonce], []],
  ['IKE_SA_INIT request with an unknown payload', X.IKE_SA_INIT, false, [sa, unknown, ke, nonce], []],
  ['IKE_SA_INIT response', X.IKE_SA_INIT, true, [sa, ke, nonce, certreq, certreq, n(NAT)], []],
  ['IKE_SA_INIT response INVALID_KE_PAYLOAD', X.IKE_SA_INIT, true, [n(NotifyError.INVALID_KE_PAYLOAD)], []],
  ['IKE_SA_INIT response COOKIE (§2.6)', X.IKE_SA_INIT, true, [n(NotifyStatus.COOKIE)], []],
  ['IKE_SA_INIT response REDIRECT (RFC 5685)', X.IKE_SA_INIT, true, [n(NotifyStatus.REDIRECT)], []],
  ['IKE_AUTH request', X.IKE_AUTH, false, [sk], [idi, idr, auth, sa, tsi, tsr, n(16396), cp]],
  ['IKE_AUTH request, EAP round', X.IKE_AUTH, false, [sk], [eap]],
  ['IKE_AUTH request, final EAP AUTH', X.IKE_AUTH, false, [sk], [auth]],
  ['IKE_AUTH request in fragments (RFC 7383)', X.IKE_AUTH, false, [skf], [idi, auth]],
  ['IKE_AUTH response', X.IKE_AUTH, true, [sk], [idr, auth, sa, tsi, tsr]],
  [
    'IKE_AUTH response, childless (RFC 6023)',
    X.IKE_AUTH,
    true,
    [sk],
    [idr, auth, n(NotifyError.TS_UNACCEPTABLE)],
  ],
  ['IKE_AUTH response AUTHENTICATION_FAILED', X.IKE_AUTH, true, [sk], [n(NotifyError.AUTHENTICATION_FAILED)]],
  [
    'CREATE_CHILD_SA child rekey',
    X.CREATE_CHILD_SA,
    false,
    [sk],
    [n(NotifyStatus.REKEY_SA), sa, nonce, ke, tsi, tsr],
  ],
  ['CREATE_CHILD_SA IKE rekey', X.CREATE_CHILD_SA, false, [sk], [sa, nonce, ke]],
  ['CREATE_CHILD_SA response', X.CREATE_CHILD_SA, true, [sk], [sa, nonce, tsi, tsr]],
  [
    'CREATE_CHILD_SA response NO_PROPOSAL_CHOSEN',
    X.CREATE_CHILD_SA,
    true,
    [sk],
    [n(NotifyError.NO_PROPOSAL_CHOSEN)],
  ],
  ['INFORMATIONAL liveness check (§2.4)', X.INFORMATIONAL, false, [sk], []],
  ['INFORMATIONAL deletes', X.INFORMATIONAL, false, [sk], [del, del, del, n(16400), cp, v]],
  ['INFORMATIONAL response', X.INFORMATIONAL, true, [sk], [del]],
  [
    'notifies and vendor IDs are unbounded',
    X.INFORMATIONAL,
    false,
    [sk],
    [...Array(100).fill(n(NAT)), ...Array(50).fill(v)],
  ],
  ['unknown payloads inside SK are ignored', X.IKE_AUTH, true, [sk, unknown], [unknown, idr, auth, unknown]],
];

/** [name, exchange, response, outer, inner, code, payload]. */
const REJECTED: [string, number, boolean, Payload[], Payload[], string, string][] = [
  ['IKE_SA_INIT request without KE', X.IKE_SA_INIT, false, [sa, nonce], [], 'MISSING_PAYLOAD', 'KE'],
  [
    'IKE_SA_INIT request with two SA',
    X.IKE_SA_INIT,
    false,
    [sa, sa, ke, nonce],
    [],
    'TOO_MANY_PAYLOADS',
    'SA',
  ],
  ['IKE_SA_INIT request with SK', X.IKE_SA_INIT, false, [sa, ke, nonce, sk], [], 'UNEXPECTED_PAYLOAD', 'SK'],
  ['IKE_SA_INIT with inner payloads', X.IKE_SA_INIT, false, [sa, ke, nonce], [v], 'UNEXPECTED_PAYLOAD', 'SK'],
  [
    'IKE_SA_INIT request with IDi',
    X.IKE_SA_INIT,
    false,
    [sa, ke, nonce, idi],
    [],
    'UNEXPECTED_PAYLOAD',
    'IDi',
  ],
  [
    'IKE_SA_INIT request with CERTREQ',
    X.IKE_SA_INIT,
    false,
    [sa, ke, nonce, certreq],
    [],
    'UNEXPECTED_PAYLOAD',
    'CERTREQ',
  ],
  [
    'IKE_SA_INIT response with only a status notify',
    X.IKE_SA_INIT,
    true,
    [n(NAT)],
    [],
    'MISSING_PAYLOAD',
    'SA',
  ],
  [
    'IKE_SA_INIT request with only an error notify',
    X.IKE_SA_INIT,
    false,
    [n(NotifyError.INVALID_SYNTAX)],
    [],
    'MISSING_PAYLOAD',
    'SA',
  ],
  ['IKE_AUTH without SK', X.IKE_AUTH, false, [], [], 'MISSING_PAYLOAD', 'SK'],
  ['IKE_AUTH with IDi outside SK', X.IKE_AUTH, false, [idi, sk], [auth], 'UNEXPECTED_PAYLOAD', 'IDi'],
  ['IKE_AUTH with two SK', X.IKE_AUTH, false, [sk, sk], [], 'TOO_MANY_PAYLOADS', 'SK'],
  ['IKE_AUTH with SK and SKF', X.IKE_AUTH, false, [sk, skf], [], 'TOO_MANY_PAYLOADS', 'SK'],
  ['IKE_AUTH request with two IDi', X.IKE_AUTH, false, [sk], [idi, idi, auth], 'TOO_MANY_PAYLOADS', 'IDi'],
  [
    'IKE_AUTH request with SA but no TSr',
    X.IKE_AUTH,
    false,
    [sk],
    [idi, auth, sa, tsi],
    'MISSING_PAYLOAD',
    'TSr',
  ],
  [
    'IKE_AUTH response with TS but no SA',
    X.IKE_AUTH,
    true,
    [sk],
    [idr, auth, tsi, tsr],
    'MISSING_PAYLOAD',
    'SA',
  ],
  ['IKE_AUTH response with IDi', X.IKE_AUTH, true, [sk], [idi, auth], 'UNEXPECTED_PAYLOAD', 'IDi'],
  ['IKE_AUTH with SK inside SK', X.IKE_AUTH, false, [sk], [sk], 'UNEXPECTED_PAYLOAD', 'SK'],
  [
    'CREATE_CHILD_SA request without Ni',
    X.CREATE_CHILD_SA,
    false,
    [sk],
    [sa, ke],
    'MISSING_PAYLOAD',
    'NONCE',
  ],
  [
    'CREATE_CHILD_SA request with TSi alone',
    X.CREATE_CHILD_SA,
    false,
    [sk],
    [sa, nonce, tsi],
    'MISSING_PAYLOAD',
    'TSr',
  ],
  [
    'CREATE_CHILD_SA request with IDi',
    X.CREATE_CHILD_SA,
    false,
    [sk],
    [sa, nonce, idi],
    'UNEXPECTED_PAYLOAD',
    'IDi',
  ],
  [
    'CREATE_CHILD_SA request with two KE',
    X.CREATE_CHILD_SA,
    false,
    [sk],
    [sa, nonce, ke, ke],
    'TOO_MANY_PAYLOADS',
    'KE',
  ],
  ['CREATE_CHILD_SA response without Nr', X.CREATE_CHILD_SA, true, [sk], [sa], 'MISSING_PAYLOAD', 'NONCE'],
  ['INFORMATIONAL with SA', X.INFORMATIONAL, false, [sk], [sa], 'UNEXPECTED_PAYLOAD', 'SA'],
  ['INFORMATIONAL with two CP', X.INFORMATIONAL, true, [sk], [cp, cp], 'TOO_MANY_PAYLOADS', 'CP'],
  ['INFORMATIONAL with D outside SK', X.INFORMATIONAL, false, [del, sk], [], 'UNEXPECTED_PAYLOAD', 'D'],
  ['an exchange without rules', 99, false, [sk], [], 'UNSUPPORTED_EXCHANGE', 'header'],
];

describe('message rules', () => {
  it.each(ACCEPTED)('accepts: %s', (_name, exchange, response, outer, inner) => {
    expect(checkRules(exchange, response, outer, inner)).toEqual({ ok: true, value: undefined });
  });

  it.each(REJECTED)('rejects: %s', (_name, exchange, response, outer, inner, code, payload) => {
    expect(checkRules(exchange, response, outer, inner)).toEqual({
      ok: false,
      error: { code, payload, offset: 0, message: expect.any(String), notify: NotifyError.INVALID_SYNTAX },
    });
  });

  it('checks only the outside of SK before it is opened (inner payloads undefined)', () => {
    expect(checkRules(X.CREATE_CHILD_SA, false, [sk])).toEqual({ ok: true, value: undefined });
    expect(checkRules(X.IKE_AUTH, true, [unknown, skf])).toEqual({ ok: true, value: undefined });
    expect(checkRules(X.IKE_AUTH, false, [idi, sk])).toMatchObject({
      ok: false,
      error: { code: 'UNEXPECTED_PAYLOAD' },
    });
    expect(checkRules(X.INFORMATIONAL, false, [])).toMatchObject({
      ok: false,
      error: { code: 'MISSING_PAYLOAD' },
    });
    // IKE_SA_INIT has no inside: undefined means none, and the full check applies.
    expect(checkRules(X.IKE_SA_INIT, false, [sa, nonce])).toMatchObject({
      ok: false,
      error: { code: 'MISSING_PAYLOAD' },
    });
    expect(checkRules(X.IKE_SA_INIT, false, [sa, ke, nonce])).toEqual({ ok: true, value: undefined });
  });
});
