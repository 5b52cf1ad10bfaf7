/**
 * IKE_SA_INIT (RFC 7296 §1.2), both roles:
 *
 *   Initiator                         Responder
 *   HDR, [N(COOKIE),] SAi1, KEi, Ni  -->
 *                                   <--  HDR, SAr1, KEr, Nr
 *                                   <--  HDR, N(COOKIE)                (§2.6: retry with it)
 *                                   <--  HDR, N(INVALID_KE_PAYLOAD)    (§1.2: retry with its group)
 *                                   <--  HDR, N(NO_PROPOSAL_CHOSEN)    (fail)
 *
 * Afterwards both sides derive SKEYSEED and SK_* (§2.14).
 */

import type { ConnectionConfig } from '../../config/model.js';
import { KeId } from '../../crypto/ids.js';
import { keTransform } from '../../crypto/transforms.js';
import { equalBytes } from '../../util/bytes.js';
import { announcesFragmentation } from '../fragment/mode.js';
import { deriveIkeSaKeys } from '../keys/ike-keys.js';
import type { IkeSuite } from '../keys/suite.js';
import { type Proposal, ProtocolId } from '../model.js';
import { detectNat, natDetectionNotifies } from '../nat.js';
import { internIkeNegotiation } from '../proposal/intern.js';
import { checkProposalResponse, chosenKeGroup, invalidKeGroup, selectProposal } from '../proposal/select.js';
import { type NegotiatedSuite, negotiatedSuite } from '../proposal/suite.js';
import { createSkKeyPair } from '../sk.js';
import { ExchangeType, PayloadType } from '../wire/constants.js';
import { NotifyError, NotifyStatus } from '../wire/notify-types.js';
import type { Payload } from '../wire/payload-types.js';
import { encodeFor, errorNotify, findNotify, findPayload, notifies, notify } from './messages.js';
import { type Address, type ExchangeFailure, type IkeDeps, type IkeSession, ZERO_SPI } from './session.js';

/** RFC 7296 §2.10: at least 128 bits and half the PRF key size; we send 256 bits by default. */
export const NONCE_LENGTH = 32;
/** RFC 7296 §2.10: "at least 128 bits in size". */
export const MIN_NONCE_LENGTH = 16;

/** Our nonce length on a connection: `nonce_length` (the mote profile's 16), else NONCE_LENGTH. */
export function nonceLength(config: Pick<ConnectionConfig, 'nonce_length'>): number {
  const n = config.nonce_length ?? NONCE_LENGTH;
  if (!Number.isInteger(n) || n < MIN_NONCE_LENGTH || n > 256)
    throw new RangeError(`nonce_length ${n} outside ${MIN_NONCE_LENGTH}..256 octets (RFC 7296 §2.10, §3.9)`);
  return n;
}
/** Implementation limit: IKE_SA_INIT restarts (COOKIE, INVALID_KE_PAYLOAD) before giving up. */
export const MAX_INIT_ATTEMPTS = 5;

const IKE_SA_INIT = ExchangeType.IKE_SA_INIT;

export function toIkeSuite(s: NegotiatedSuite): IkeSuite {
  if (!s.prf) throw new Error('IKE suite without PRF');
  return { encr: s.encr, prf: s.prf, ...(s.integ ? { integ: s.integ } : {}), ...(s.ke ? { ke: s.ke } : {}) };
}

/** A new initiator session; `spiI` must be unique among our IKE SAs (8 octets, non-zero). */
export function newInitiatorSession(
  config: ConnectionConfig,
  proposals: readonly Proposal[],
  local: Address,
  remote: Address,
  spiI: Uint8Array,
): IkeSession {
  return { role: 'initiator', config, proposals, local, remote, spiI, spiR: ZERO_SPI, initAttempts: 0 };
}

/** Builds (or rebuilds, after COOKIE / INVALID_KE_PAYLOAD) the IKE_SA_INIT request. */
export function buildInitRequest(
  s: IkeSession,
  deps: IkeDeps,
  group?: number,
): { session: IkeSession; bytes: Uint8Array } {
  const keGroup = group ?? s.ke?.transform.id ?? firstKeGroup(s.proposals);
  const t = keTransform(keGroup);
  if (!t) throw new Error(`KE method ${keGroup} not implemented`);
  // §2.6: a COOKIE retry keeps every other payload unchanged (same Ni and KEi).
  const ke = s.ke && s.ke.transform.id === keGroup ? s.ke : deps.provider.keyExchange(t, deps.random);
  if (s.ke && s.ke !== ke) s.ke.destroy();
  // §2.6.1: Ni stays the same across COOKIE and INVALID_KE_PAYLOAD retries (the cookie covers it).
  const ni = s.ni ?? deps.random(nonceLength(s.config));
  const payloads: Payload[] = [
    ...(s.cookie ? [notify(NotifyStatus.COOKIE, s.cookie)] : []), // §2.6: the first payload
    { type: PayloadType.SA, proposals: s.proposals.map((p) => ({ ...p, spi: new Uint8Array(0) })) },
    { type: PayloadType.KE, group: keGroup, data: ke.publicValue },
    { type: PayloadType.NONCE, data: ni },
    ...natdPayloads(s, deps, ZERO_SPI), // §2.23
    ...fragmentationSupported(s.config), // RFC 7383 §2.3
    ...(deps.pubkey?.initNotifies(s.config) ?? []), // RFC 7427 §4
  ];
  const session: IkeSession = {
    ...s,
    ke,
    ni,
    initAttempts: s.initAttempts + 1,
    ...hashesSent(deps, s.config),
  };
  const bytes = encodeFor(session, deps, {
    exchangeType: IKE_SA_INIT,
    messageId: 0,
    response: false,
    payloads,
  });
  return { session: { ...session, initRequest: bytes }, bytes };
}

/**
 * N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP) (§2.23). With `encap = yes` the
 * source hash is faked, as strongSwan does, so that the peer detects a NAT and both sides use
 * UDP encapsulation.
 */
function natdPayloads(s: IkeSession, deps: IkeDeps, spiR: Uint8Array): Payload[] {
  if (s.config.nat_detection === false) return [];
  return [
    ...natDetectionNotifies(deps.provider, {
      spiI: s.spiI,
      spiR,
      local: s.local,
      remote: s.remote,
      ...(s.config.encap ? { fakeNatHash: deps.random } : {}),
    }).payloads,
  ];
}

/** RFC 7383 §2.3: N(IKEV2_FRAGMENTATION_SUPPORTED), no data, unless fragmentation = no. */
function fragmentationSupported(config: ConnectionConfig): Payload[] {
  return announcesFragmentation(config.fragmentation)
    ? [notify(NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED)]
    : [];
}

/** We announced our hash algorithms (RFC 7427 §4) in this IKE_SA_INIT. */
const hashesSent = (deps: IkeDeps, config: ConnectionConfig): { hashesSent?: true } =>
  (deps.pubkey?.initNotifies(config).length ?? 0) > 0 ? { hashesSent: true } : {};

/** RFC 7383 §2.3: the peer announced fragmentation support in its IKE_SA_INIT message. */
const peerFragmentation = (payloads: readonly Payload[]): { peerFragmentation?: true } =>
  findNotify(payloads, NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED) ? { peerFragmentation: true } : {};

/** The NAT verdict from a message's NAT-D notifies, hashed with that message's SPIs (§2.23). */
function natVerdict(
  s: Pick<IkeSession, 'local' | 'remote'>,
  deps: IkeDeps,
  payloads: readonly Payload[],
  spiI: Uint8Array,
  spiR: Uint8Array,
) {
  const data = (t: number) =>
    notifies(payloads)
      .filter((n) => n.notifyType === t)
      .map((n) => n.data);
  const r = detectNat(deps.provider, {
    spiI,
    spiR,
    sourceHashes: data(NotifyStatus.NAT_DETECTION_SOURCE_IP),
    destinationHashes: data(NotifyStatus.NAT_DETECTION_DESTINATION_IP),
    remote: s.remote,
    local: s.local,
  });
  return r.supported ? { nat: { local: r.localBehindNat, remote: r.remoteBehindNat } } : {};
}

function firstKeGroup(proposals: readonly Proposal[]): number {
  for (const p of proposals) {
    const g = chosenKeGroup(p);
    if (g !== undefined) return g;
  }
  throw new Error('no KE method in the IKE proposals');
}

const offersGroup = (proposals: readonly Proposal[], group: number) =>
  proposals.some((p) => p.transforms.some((t) => t.type === 4 && t.id === group));

export type InitResponseOutcome =
  | { readonly kind: 'established'; readonly session: IkeSession }
  | { readonly kind: 'retry'; readonly session: IkeSession; readonly group?: number; readonly reason: string }
  | { readonly kind: 'failed'; readonly failure: ExchangeFailure };

/** Initiator: processes the IKE_SA_INIT response (payloads already checked by the rule tables). */
export function handleInitResponse(
  s: IkeSession,
  deps: IkeDeps,
  spiR: Uint8Array,
  payloads: readonly Payload[],
  raw: Uint8Array,
): InitResponseOutcome {
  const retriesLeft = s.initAttempts < MAX_INIT_ATTEMPTS;
  const cookie = findNotify(payloads, NotifyStatus.COOKIE);
  if (cookie) {
    // §2.6: retry with the cookie; the responder keeps no state, so SPIr stays zero.
    if (!retriesLeft) return { kind: 'failed', failure: { reason: 'too many COOKIE retries' } };
    if (cookie.data.length < 1 || cookie.data.length > 64)
      return { kind: 'failed', failure: { reason: 'COOKIE of invalid length (§3.10.1)' } };
    return { kind: 'retry', session: { ...s, cookie: cookie.data }, reason: 'COOKIE' };
  }
  const invalidKe = findNotify(payloads, NotifyError.INVALID_KE_PAYLOAD);
  if (invalidKe) {
    // §1.2: retry with the group the responder wants, if we offered it (and §2.6.1: keep the cookie).
    const group = invalidKe.data.length === 2 ? (invalidKe.data[0]! << 8) | invalidKe.data[1]! : -1;
    if (
      !retriesLeft ||
      group === s.ke?.transform.id ||
      !offersGroup(s.proposals, group) ||
      !keTransform(group)
    )
      return {
        kind: 'failed',
        failure: {
          notify: NotifyError.INVALID_KE_PAYLOAD,
          reason: `INVALID_KE_PAYLOAD asks for group ${group}`,
        },
      };
    return { kind: 'retry', session: s, group, reason: `INVALID_KE_PAYLOAD: group ${group}` };
  }
  const error = errorNotify(payloads);
  if (error)
    return {
      kind: 'failed',
      failure: { notify: error.notifyType, reason: 'error notify in IKE_SA_INIT response' },
    };

  const sa = findPayload(payloads, PayloadType.SA);
  const ke = findPayload(payloads, PayloadType.KE);
  const nonce = findPayload(payloads, PayloadType.NONCE);
  if (!sa || !ke || !nonce || !s.ke || !s.ni)
    return { kind: 'failed', failure: { reason: 'incomplete IKE_SA_INIT response' } };
  if (equalBytes(spiR, ZERO_SPI)) return { kind: 'failed', failure: { reason: 'responder SPI is zero' } };
  const accepted = checkProposalResponse(s.proposals, sa.proposals);
  if (!accepted.ok)
    return { kind: 'failed', failure: { reason: `unacceptable SA: ${accepted.error.message}` } };
  const suite = negotiatedSuite(accepted.value);
  if (!suite.ok) return { kind: 'failed', failure: { reason: `unusable SA: ${suite.error.message}` } };
  if (chosenKeGroup(accepted.value) !== s.ke.transform.id || ke.group !== s.ke.transform.id)
    return { kind: 'failed', failure: { reason: 'KE group of the response does not match ours' } };
  if (nonce.data.length < 16 || nonce.data.length > 256)
    return { kind: 'failed', failure: { reason: 'Nr length outside 16..256 octets (§3.9)' } };
  const secret = s.ke.computeSharedSecret(ke.data);
  if (!secret.ok) return { kind: 'failed', failure: { reason: `KEr rejected: ${secret.error.message}` } };
  const shared = internIkeNegotiation(accepted.value, suite.value, toIkeSuite);
  const keys = deriveIkeSaKeys(deps.provider, shared.ikeSuite, {
    sharedSecret: secret.value,
    ni: s.ni,
    nr: nonce.data,
    spiI: s.spiI,
    spiR,
  });
  secret.value.fill(0);
  s.ke.destroy();
  const { ke: _used, ...rest } = s;
  return {
    kind: 'established',
    session: {
      ...rest,
      spiR,
      ...natVerdict(s, deps, payloads, s.spiI, spiR),
      ...peerFragmentation(payloads),
      ...deps.pubkey?.peerInit(payloads), // RFC 7427 §4, §3.7
      nr: nonce.data,
      chosen: shared.chosen,
      suite: shared.suite,
      keys,
      sk: createSkKeyPair(deps.provider, keys),
      initResponse: raw,
    },
  };
}

export type InitRequestOutcome =
  | { readonly kind: 'accepted'; readonly session: IkeSession; readonly response: Uint8Array }
  | { readonly kind: 'rejected'; readonly response: Uint8Array; readonly failure: ExchangeFailure };

export interface InitRequestInput {
  readonly config: ConnectionConfig;
  readonly proposals: readonly Proposal[];
  readonly local: Address;
  readonly remote: Address;
  readonly spiI: Uint8Array;
  /** Our new SPI, unique among our IKE SAs. */
  readonly spiR: Uint8Array;
  readonly payloads: readonly Payload[];
  readonly raw: Uint8Array;
}

/** Responder: answers an IKE_SA_INIT request (after the DoS / cookie checks of the supervisor). */
export function handleInitRequest(input: InitRequestInput, deps: IkeDeps): InitRequestOutcome {
  const base: IkeSession = {
    role: 'responder',
    config: input.config,
    proposals: input.proposals,
    local: input.local,
    remote: input.remote,
    spiI: input.spiI,
    spiR: input.spiR,
    initAttempts: 1,
  };
  const reject = (notifyType: number, reason: string, data?: Uint8Array): InitRequestOutcome => {
    // Error answers are stateless: SPIr stays zero (§1.2, §2.6 examples "HDR(A,0)").
    const stateless = { ...base, spiR: ZERO_SPI };
    const response = encodeFor(stateless, deps, {
      exchangeType: IKE_SA_INIT,
      messageId: 0,
      response: true,
      payloads: [notify(notifyType, data)],
    });
    return { kind: 'rejected', response, failure: { notify: notifyType, reason } };
  };
  const sa = findPayload(input.payloads, PayloadType.SA);
  const ke = findPayload(input.payloads, PayloadType.KE);
  const nonce = findPayload(input.payloads, PayloadType.NONCE);
  if (!sa || !ke || !nonce) return reject(NotifyError.INVALID_SYNTAX, 'incomplete IKE_SA_INIT request');
  if (nonce.data.length < 16 || nonce.data.length > 256)
    return reject(NotifyError.INVALID_SYNTAX, 'Ni length outside 16..256 octets (§3.9)');
  const chosen = selectProposal(
    sa.proposals.filter((p) => p.protocolId === ProtocolId.IKE),
    input.proposals,
    { keGroup: ke.group },
  );
  if (!chosen.ok) return reject(NotifyError.NO_PROPOSAL_CHOSEN, 'no acceptable IKE proposal');
  const wanted = invalidKeGroup(chosen.value, ke.group);
  if (wanted !== undefined)
    return reject(
      NotifyError.INVALID_KE_PAYLOAD,
      `KE group ${ke.group}, we want ${wanted}`,
      new Uint8Array([wanted >> 8, wanted & 0xff]),
    );
  const suite = negotiatedSuite(chosen.value);
  const keT = keTransform(ke.group);
  if (!suite.ok || !keT || ke.group === KeId.NONE)
    return reject(NotifyError.NO_PROPOSAL_CHOSEN, 'unusable IKE proposal');
  const ours = deps.provider.keyExchange(keT, deps.random);
  const secret = ours.computeSharedSecret(ke.data);
  if (!secret.ok) {
    ours.destroy();
    return reject(NotifyError.INVALID_SYNTAX, `KEi rejected: ${secret.error.message}`); // RFC 6989 §2
  }
  const nr = deps.random(nonceLength(input.config));
  const shared = internIkeNegotiation(chosen.value, suite.value, toIkeSuite);
  const keys = deriveIkeSaKeys(deps.provider, shared.ikeSuite, {
    sharedSecret: secret.value,
    ni: nonce.data,
    nr,
    spiI: input.spiI,
    spiR: input.spiR,
  });
  secret.value.fill(0);
  const payloads: Payload[] = [
    { type: PayloadType.SA, proposals: [{ ...chosen.value, spi: new Uint8Array(0) }] },
    { type: PayloadType.KE, group: ke.group, data: ours.publicValue },
    { type: PayloadType.NONCE, data: nr },
    ...(deps.pubkey?.certReq(input.config) ?? []), // §1.2: [CERTREQ]
    // §2.23: NAT detection answered only when the initiator asked (a minimal initiator, RFC 7815,
    // sends none where no NAT can be).
    ...(findNotify(input.payloads, NotifyStatus.NAT_DETECTION_SOURCE_IP)
      ? natdPayloads(base, deps, input.spiR)
      : []),
    // RFC 7383 §2.3: the responder announces support only to an initiator that announced it.
    ...(findNotify(input.payloads, NotifyStatus.IKEV2_FRAGMENTATION_SUPPORTED)
      ? fragmentationSupported(input.config)
      : []),
    ...(deps.pubkey?.initNotifies(input.config) ?? []), // RFC 7427 §4
  ];
  ours.destroy();
  const session: IkeSession = {
    ...base,
    ...natVerdict(base, deps, input.payloads, input.spiI, ZERO_SPI),
    ...peerFragmentation(input.payloads),
    ...deps.pubkey?.peerInit(input.payloads), // RFC 7427 §4
    ...hashesSent(deps, input.config),
    ni: nonce.data,
    nr,
    chosen: shared.chosen,
    suite: shared.suite,
    keys,
    sk: createSkKeyPair(deps.provider, keys),
    initRequest: input.raw,
  };
  const response = encodeFor(session, deps, {
    exchangeType: IKE_SA_INIT,
    messageId: 0,
    response: true,
    payloads,
  });
  return { kind: 'accepted', session: { ...session, initResponse: response }, response };
}
