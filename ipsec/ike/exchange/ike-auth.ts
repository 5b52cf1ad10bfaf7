/**
 * IKE_AUTH (RFC 7296 §1.2, §2.15), both roles, with the first Child SA; each side authenticates
 * with a pre-shared key or a signature (auth-signature.ts), as its round says:
 *
 *   Initiator                                             Responder
 *   HDR, SK {IDi, [CERT+,] [CERTREQ,] [IDr,] AUTH, [N(USE_TRANSPORT_MODE),] SAi2, TSi, TSr}  -->
 *                     <--  HDR, SK {IDr, [CERT+,] AUTH, [N(USE_TRANSPORT_MODE),] SAr2, TSi, TSr}
 *                     <--  HDR, SK {IDr, AUTH, N(NO_PROPOSAL_CHOSEN | TS_UNACCEPTABLE)}
 *                          (IKE SA up without the Child SA, §1.2)
 *                     <--  HDR, SK {N(AUTHENTICATION_FAILED)}   (§2.21.2: IKE SA fails)
 */
import type { ConnectionConfig } from '../../config/model.js';
import { err, ok, type Result } from '../../result.js';
import {
  formatIdentity,
  formatPeerIdentity,
  type Identity,
  identityMatches,
  idPayloadBody,
  parseIdentity,
} from '../identity.js';
import {
  type AuthRole,
  pskAuthData,
  type SignedOctetsInputs,
  signedOctets,
  verifyPskAuthData,
} from '../keys/auth.js';
import { AuthMethod, ExchangeType, PayloadType } from '../wire/constants.js';
import { NotifyError, NotifyStatus } from '../wire/notify-types.js';
import type { AuthPayload, Payload } from '../wire/payload-types.js';
import { childRequestPayloads, completeChild, prepareChild, respondChild } from './child.js';
import { encodeFor, errorNotify, findNotify, findPayload, notify } from './messages.js';
import {
  authenticatedSession,
  type ChildSaRecord,
  type ExchangeFailure,
  type IkeDeps,
  type IkeSession,
} from './session.js';

const IKE_AUTH = ExchangeType.IKE_AUTH;
/** §2.2: IKE_AUTH is the second exchange; its Message ID is 1. */
export const IKE_AUTH_MESSAGE_ID = 1;

/**
 * Our identity: `local.id`, or when unset our certificate's subject DN (a `pubkey` round with a
 * certificate) or our IP address (strongSwan's defaults).
 */
export function localIdentity(s: IkeSession, deps?: Pick<IkeDeps, 'pubkey'>): Result<Identity, string> {
  const configured = s.config.local.id;
  if ((!configured || configured === '%any') && s.config.local.auth === 'pubkey') {
    const fromCert = deps?.pubkey?.defaultIdentity(s.config);
    if (fromCert) return ok(fromCert);
  }
  const id = parseIdentity(configured && configured !== '%any' ? configured : s.local.address);
  if (!id.ok) return err(id.error);
  return id.value ? ok(id.value) : err('local id must not be %any');
}

const idPayload = (type: typeof PayloadType.IDi | typeof PayloadType.IDr, id: Identity): Payload => ({
  type,
  idType: id.type,
  data: id.data,
});

export type AuthRequestBuild =
  | { readonly ok: true; readonly session: IkeSession; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly failure: ExchangeFailure };

/** Initiator: the IKE_AUTH request, with the first Child SA for `child` (if any). */
export function buildAuthRequest(
  s: IkeSession,
  deps: IkeDeps,
  child: ConnectionConfig['children'][number] | undefined,
): AuthRequestBuild {
  const id = localIdentity(s, deps);
  if (!id.ok) return { ok: false, failure: { reason: id.error } };
  const remote = parseIdentity(s.config.remote.id);
  if (!remote.ok) return { ok: false, failure: { reason: remote.error } };
  if (!s.keys || !s.initRequest || !s.nr) return { ok: false, failure: { reason: 'IKE SA not keyed' } };
  const ours = localAuth(s, deps, 'initiator', id.value, remote.value ?? id.value, {
    realMessage: s.initRequest, // RealMessage1 (§2.15)
    peerNonce: s.nr,
    idBody: idPayloadBody(id.value),
  });
  if (!ours.ok) return { ok: false, failure: { reason: ours.error } };
  let pendingChild: IkeSession['pendingChild'];
  const payloads: Payload[] = [
    idPayload(PayloadType.IDi, id.value),
    ...ours.value.certs, // §3.6
    ...(deps.pubkey?.certReq(s.config) ?? []), // §3.7
    ...(s.initialContact ? [notify(NotifyStatus.INITIAL_CONTACT)] : []), // §2.4
    ...(remote.value ? [idPayload(PayloadType.IDr, remote.value)] : []),
    ours.value.auth,
  ];
  if (child) {
    const p = prepareChild(s, deps, child, { ikeAuth: true });
    if (!p.ok) return { ok: false, failure: { reason: p.error } };
    pendingChild = p.value;
    payloads.push(...childRequestPayloads(p.value));
  }
  const session: IkeSession = { ...s, localId: id.value, ...(pendingChild ? { pendingChild } : {}) };
  const bytes = encodeFor(session, deps, {
    exchangeType: IKE_AUTH,
    messageId: IKE_AUTH_MESSAGE_ID,
    response: false,
    payloads,
  });
  return { ok: true, session, bytes };
}

export type AuthOutcome =
  | {
      readonly kind: 'established';
      readonly session: IkeSession;
      readonly child?: ChildSaRecord;
      /** Why the first Child SA was not created, when it was requested but failed. */
      readonly childFailure?: ExchangeFailure;
    }
  | { readonly kind: 'failed'; readonly failure: ExchangeFailure };

/** Initiator: processes the IKE_AUTH response. */
export function handleAuthResponse(s: IkeSession, deps: IkeDeps, payloads: readonly Payload[]): AuthOutcome {
  const idr = findPayload(payloads, PayloadType.IDr);
  const auth = findPayload(payloads, PayloadType.AUTH);
  if (!idr || !auth) {
    const e = errorNotify(payloads);
    return {
      kind: 'failed',
      failure: { ...(e ? { notify: e.notifyType } : {}), reason: 'IKE_AUTH response without IDr and AUTH' },
    };
  }
  const peer: Identity = { type: idr.idType, data: idr.data };
  const expected = parseIdentity(s.config.remote.id);
  if (!expected.ok || !identityMatches(expected.value, peer))
    return {
      kind: 'failed',
      failure: {
        notify: NotifyError.AUTHENTICATION_FAILED,
        reason: `unexpected IDr ${formatPeerIdentity(peer)}`,
        noticePeer: true,
      },
    };
  const valid =
    s.localId && s.initResponse && s.ni
      ? verifyPeerAuth(s, deps, 'responder', s.localId, peer, payloads, auth, {
          realMessage: s.initResponse,
          peerNonce: s.ni,
          idBody: idPayloadBody(peer),
        })
      : err('IKE SA not keyed');
  if (!valid.ok)
    return {
      kind: 'failed',
      failure: {
        notify: NotifyError.AUTHENTICATION_FAILED,
        reason: `responder AUTH: ${valid.error}`,
        noticePeer: true,
      },
    };
  const { pendingChild } = s;
  const child =
    pendingChild && s.ni && s.nr
      ? completeChild(s, deps, pendingChild, payloads, { ni: s.ni, nr: s.nr }, { ikeAuth: true })
      : undefined;
  const session: IkeSession = { ...authenticatedSession(s), remoteId: peer };
  if (!child) return { kind: 'established', session };
  return child.ok
    ? { kind: 'established', session, child: child.value }
    : { kind: 'established', session, childFailure: child.error };
}

export type AuthRequestOutcome =
  | {
      readonly kind: 'established';
      readonly session: IkeSession;
      readonly response: Uint8Array;
      readonly child?: ChildSaRecord;
      readonly childFailure?: ExchangeFailure;
      /** The peer sent N(INITIAL_CONTACT): its other IKE SAs with us are stale (§2.4). */
      readonly initialContact: boolean;
    }
  | { readonly kind: 'failed'; readonly response: Uint8Array; readonly failure: ExchangeFailure };

/**
 * Responder: verifies the initiator and answers. `candidates` are the connections that may
 * serve this peer (those whose addresses matched at IKE_SA_INIT); the one whose identities
 * match IDi (and IDr, if sent) is used from here on.
 */
export function handleAuthRequest(
  s: IkeSession,
  deps: IkeDeps,
  payloads: readonly Payload[],
  candidates: readonly ConnectionConfig[],
): AuthRequestOutcome {
  const respond = (session: IkeSession, body: Payload[]) =>
    encodeFor(session, deps, {
      exchangeType: IKE_AUTH,
      messageId: IKE_AUTH_MESSAGE_ID,
      response: true,
      payloads: body,
    });
  let chosen: string | undefined;
  const fail = (
    reason: string,
    notifyType: number = NotifyError.AUTHENTICATION_FAILED,
  ): AuthRequestOutcome => ({
    kind: 'failed',
    response: respond(s, [notify(notifyType)]),
    failure: { notify: notifyType, reason, ...(chosen ? { connection: chosen } : {}) },
  });
  const idi = findPayload(payloads, PayloadType.IDi);
  const auth = findPayload(payloads, PayloadType.AUTH);
  if (!idi || !auth) return fail('IKE_AUTH request without IDi and AUTH (EAP is not supported)');
  const peer: Identity = { type: idi.idType, data: idi.data };
  const idrPayload = findPayload(payloads, PayloadType.IDr);
  const wantedLocal: Identity | undefined = idrPayload
    ? { type: idrPayload.idType, data: idrPayload.data }
    : undefined;
  const config = candidates.find((c) => {
    const r = parseIdentity(c.remote.id);
    if (!r.ok || !identityMatches(r.value, peer)) return false;
    if (!wantedLocal) return true;
    const l = localIdentity({ ...s, config: c }, deps);
    return l.ok && identityMatches(l.value, wantedLocal);
  });
  if (!config) return fail(`no connection for peer identity ${formatPeerIdentity(peer)}`);
  chosen = config.name;
  const session0: IkeSession = { ...s, config, ...deps.pubkey?.peerInit(payloads) };
  const local = localIdentity(session0, deps);
  if (!local.ok) return fail(local.error);
  if (!s.keys || !s.initRequest || !s.initResponse || !s.ni || !s.nr) return fail('IKE SA not keyed');
  const valid = verifyPeerAuth(session0, deps, 'initiator', local.value, peer, payloads, auth, {
    realMessage: s.initRequest,
    peerNonce: s.nr,
    idBody: idPayloadBody(peer),
  });
  if (!valid.ok) return fail(`initiator AUTH: ${valid.error}`);
  const ours = localAuth(session0, deps, 'responder', local.value, peer, {
    realMessage: s.initResponse, // RealMessage2 (§2.15)
    peerNonce: s.ni,
    idBody: idPayloadBody(local.value),
  });
  if (!ours.ok) return fail(ours.error);
  const session: IkeSession = { ...session0, localId: local.value, remoteId: peer };
  const body: Payload[] = [idPayload(PayloadType.IDr, local.value), ...ours.value.certs, ours.value.auth];
  const initialContact = findNotify(payloads, NotifyStatus.INITIAL_CONTACT) !== undefined;
  const wantsChild = findPayload(payloads, PayloadType.SA) !== undefined;
  if (!wantsChild) {
    const response = respond(session, body);
    return { kind: 'established', session: authenticatedSession(session), response, initialContact };
  }
  const child = respondChild(
    session,
    deps,
    payloads,
    config.children,
    { ni: s.ni, nr: s.nr },
    { ikeAuth: true },
  );
  body.push(...child.payloads);
  const response = respond(session, body);
  const established = authenticatedSession(session);
  return child.ok
    ? { kind: 'established', session: established, response, child: child.record, initialContact }
    : { kind: 'established', session: established, response, childFailure: child.failure, initialContact };
}

/** Our AUTH payload (and CERT payloads) for the local round: a PSK's MAC or a signature (§2.15). */
function localAuth(
  s: IkeSession,
  deps: IkeDeps,
  role: AuthRole,
  local: Identity,
  peer: Identity,
  inputs: SignedOctetsInputs,
): Result<{ readonly certs: Payload[]; readonly auth: AuthPayload }, string> {
  if (!s.keys) return err('IKE SA not keyed');
  if (s.config.local.auth === 'psk') {
    const psk = deps.findSecret(local, peer);
    if (!psk) return err(`no PSK for ${formatIdentity(local)} - ${formatPeerIdentity(peer)}`);
    const data = pskAuthData(deps.provider, s.keys, role, psk, inputs);
    return ok({ certs: [], auth: { type: PayloadType.AUTH, method: AuthMethod.SHARED_KEY_MIC, data } });
  }
  if (!deps.pubkey) return err('public key authentication is not available (no credentials loaded)');
  return deps.pubkey.sign(s.config, local, signedOctets(deps.provider, s.keys, role, inputs), s);
}

/** Checks the peer's AUTH payload for the remote round: a PSK's MAC or a signature (§2.15). */
function verifyPeerAuth(
  s: IkeSession,
  deps: IkeDeps,
  peerRole: AuthRole,
  local: Identity,
  peer: Identity,
  payloads: readonly Payload[],
  auth: AuthPayload,
  inputs: SignedOctetsInputs,
): Result<void, string> {
  if (!s.keys) return err('IKE SA not keyed');
  if (s.config.remote.auth === 'psk') {
    if (auth.method !== AuthMethod.SHARED_KEY_MIC)
      return err(`auth method ${auth.method}, the connection wants a pre-shared key`);
    const psk = deps.findSecret(local, peer);
    if (!psk) return err(`no PSK for ${formatIdentity(local)} - ${formatPeerIdentity(peer)}`);
    return verifyPskAuthData(deps.provider, s.keys, peerRole, psk, inputs, auth.data)
      ? ok(undefined)
      : err('does not verify');
  }
  if (!deps.pubkey) return err('public key authentication is not available (no credentials loaded)');
  const octets = signedOctets(deps.provider, s.keys, peerRole, inputs);
  const v = deps.pubkey.verify(s.config, peer, payloads, auth, octets, s.hashesSent === true);
  return v.ok ? ok(undefined) : err(v.error);
}
