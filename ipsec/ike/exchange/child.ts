/**
 * Child SA negotiation shared by IKE_AUTH (§1.2) and CREATE_CHILD_SA (§1.3.1):
 * the initiator offers SA (ESP proposals with its inbound SPI), TSi, TSr and optionally
 * N(USE_TRANSPORT_MODE) (§1.3.1); the responder picks a child config by narrowing (§2.9),
 * then a proposal (§2.7), and both derive KEYMAT (§2.17).
 */
import type { ChildConfig } from '../../config/model.js';
import { err, ok, type Result } from '../../result.js';
import type { ChildSaKeys } from '../keys/child-keys.js';
import { deriveChildSaKeys } from '../keys/child-keys.js';
import { type Proposal, ProtocolId, type TrafficSelector } from '../model.js';
import { configuredProposals } from '../proposal/configured.js';
import { internChildNegotiation } from '../proposal/intern.js';
import { checkProposalResponse, selectProposal } from '../proposal/select.js';
import { negotiatedSuite } from '../proposal/suite.js';
import { checkNarrowedTs, narrowTrafficSelectors } from '../ts/narrow.js';
import { tsFromString } from '../ts/text.js';
import { PayloadType } from '../wire/constants.js';
import { NotifyError, NotifyStatus } from '../wire/notify-types.js';
import type { Payload } from '../wire/payload-types.js';
import { findNotify, findPayload, notify } from './messages.js';
import type {
  Address,
  ChildSaRecord,
  ExchangeFailure,
  IkeDeps,
  IkeSession,
  PendingChild,
} from './session.js';

const TS_TYPE = 4; // TransformType.KE

/** swanctl `local_ts`/`remote_ts`: 'dynamic' (optionally 'dynamic[proto/port]') is the IKE SA address. */
export function resolveTs(texts: readonly string[], host: Address): Result<TrafficSelector[], string> {
  const out: TrafficSelector[] = [];
  for (const text of texts) {
    const m = /^dynamic(\[.*\])?$/.exec(text.trim());
    const bits = host.address.includes(':') ? 128 : 32;
    const r = tsFromString(m ? `${host.address}/${bits}${m[1] ?? ''}` : text);
    if (!r.ok) return err(`traffic selector '${text}': ${r.error.message}`);
    out.push(r.value);
  }
  return ok(out);
}

export interface ChildRequestOptions {
  /** IKE_AUTH carries no KE, so KE transforms are left out of the ESP proposals (§1.2). */
  readonly ikeAuth: boolean;
  /** §2.9: the packet that triggered the negotiation (acquire): sent as the first TSi/TSr. */
  readonly packet?: { readonly tsi: TrafficSelector; readonly tsr: TrafficSelector };
}

/** Initiator: the proposals and selectors to offer for `config`, with a fresh inbound SPI. */
export function prepareChild(
  s: IkeSession,
  deps: IkeDeps,
  config: ChildConfig,
  opts: ChildRequestOptions,
): Result<PendingChild, string> {
  const parsed = configuredProposals(config.esp_proposals, ProtocolId.ESP);
  if (!parsed.ok) return err(`esp_proposals: ${parsed.error.message}`);
  const tsi = resolveTs(config.local_ts, s.local);
  if (!tsi.ok) return tsi;
  const tsr = resolveTs(config.remote_ts, s.remote);
  if (!tsr.ok) return tsr;
  const spiIn = deps.allocChildSpi();
  const proposals = parsed.value.map((p) => ({
    ...p,
    spi: spiIn, // §3.3.1: the sender's inbound SPI in every proposal
    transforms: opts.ikeAuth ? p.transforms.filter((t) => t.type !== TS_TYPE) : p.transforms,
  }));
  return ok({
    config,
    spiIn,
    proposals,
    tsi: opts.packet ? [opts.packet.tsi, ...tsi.value] : tsi.value,
    tsr: opts.packet ? [opts.packet.tsr, ...tsr.value] : tsr.value,
  });
}

/** The child part of a request: [N(USE_TRANSPORT_MODE),] SA, TSi, TSr. */
export function childRequestPayloads(p: PendingChild): Payload[] {
  return [
    ...(p.config.mode === 'transport' ? [notify(NotifyStatus.USE_TRANSPORT_MODE)] : []),
    { type: PayloadType.SA, proposals: p.proposals },
    { type: PayloadType.TSi, selectors: p.tsi },
    { type: PayloadType.TSr, selectors: p.tsr },
  ];
}

export interface ChildNonces {
  readonly ni: Uint8Array;
  readonly nr: Uint8Array;
  /** g^ir of a CREATE_CHILD_SA key exchange (PFS). */
  readonly sharedSecret?: Uint8Array;
}

function childKeys(s: IkeSession, deps: IkeDeps, proposal: Proposal, nonces: ChildNonces) {
  const suite = negotiatedSuite(proposal);
  if (!suite.ok || !s.keys) return undefined;
  const shared = internChildNegotiation(proposal, suite.value);
  const keys: ChildSaKeys = deriveChildSaKeys(deps.provider, s.keys, shared.childSuite, nonces);
  return { suite: shared.suite, keys };
}

export type ChildResponse =
  | { readonly ok: true; readonly payloads: Payload[]; readonly record: ChildSaRecord }
  | { readonly ok: false; readonly payloads: Payload[]; readonly failure: ExchangeFailure };

/** Responder: answers the child part of a request with one of `children` (our child configs). */
export function respondChild(
  s: IkeSession,
  deps: IkeDeps,
  request: readonly Payload[],
  children: readonly ChildConfig[],
  nonces: ChildNonces,
  opts: { readonly ikeAuth: boolean; readonly keGroup?: number },
): ChildResponse {
  const fail = (notifyType: number, reason: string): ChildResponse => ({
    ok: false,
    payloads: [notify(notifyType)],
    failure: { notify: notifyType, reason },
  });
  const sa = findPayload(request, PayloadType.SA);
  const tsi = findPayload(request, PayloadType.TSi);
  const tsr = findPayload(request, PayloadType.TSr);
  if (!sa || !tsi || !tsr) return fail(NotifyError.INVALID_SYNTAX, 'child request without SA, TSi and TSr');
  const transport = findNotify(request, NotifyStatus.USE_TRANSPORT_MODE) !== undefined;
  const policies: { config: ChildConfig; local: TrafficSelector[]; remote: TrafficSelector[] }[] = [];
  for (const config of children) {
    const local = resolveTs(config.local_ts, s.local);
    const remote = resolveTs(config.remote_ts, s.remote);
    if (local.ok && remote.ok) policies.push({ config, local: local.value, remote: remote.value });
  }
  const narrowed = narrowTrafficSelectors(tsi.selectors, tsr.selectors, policies);
  if (!narrowed.ok) return fail(NotifyError.TS_UNACCEPTABLE, 'no child config accepts the traffic selectors');
  const policy = policies[narrowed.value.policy]!;
  const config = policy.config;
  // strongSwan: a transport-mode request is refused unless the config is transport mode.
  if (transport !== (config.mode === 'transport'))
    return fail(
      NotifyError.NO_PROPOSAL_CHOSEN,
      `mode mismatch: peer wants ${transport ? 'transport' : 'tunnel'}`,
    );
  const ours = configuredProposals(config.esp_proposals, ProtocolId.ESP);
  if (!ours.ok) return fail(NotifyError.NO_PROPOSAL_CHOSEN, `esp_proposals: ${ours.error.message}`);
  const offered = sa.proposals.filter((p) => p.protocolId === ProtocolId.ESP && p.spi.length === 4);
  const chosen = selectProposal(offered, ours.value, {
    ignoreKe: opts.ikeAuth,
    ...(opts.keGroup !== undefined ? { keGroup: opts.keGroup } : {}),
  });
  if (!chosen.ok) return fail(NotifyError.NO_PROPOSAL_CHOSEN, 'no acceptable ESP proposal');
  const peerProposal = offered.find((p) => p.num === chosen.value.num)!;
  const derived = childKeys(s, deps, chosen.value, nonces);
  if (!derived) return fail(NotifyError.NO_PROPOSAL_CHOSEN, 'unusable ESP proposal');
  const spiIn = deps.allocChildSpi();
  const record: ChildSaRecord = {
    config,
    mode: config.mode,
    spiIn,
    spiOut: peerProposal.spi,
    suite: derived.suite,
    keys: derived.keys,
    exchangeInitiator: false,
    // §2.9: TSi is the initiator's side, so for us (responder) it is the remote side.
    localTs: narrowed.value.tsr,
    remoteTs: narrowed.value.tsi,
  };
  return {
    ok: true,
    record,
    payloads: [
      ...(transport ? [notify(NotifyStatus.USE_TRANSPORT_MODE)] : []),
      { type: PayloadType.SA, proposals: [{ ...chosen.value, spi: spiIn }] },
      { type: PayloadType.TSi, selectors: narrowed.value.tsi },
      { type: PayloadType.TSr, selectors: narrowed.value.tsr },
    ],
  };
}

/** Initiator: checks the child part of the response against what we offered. */
export function completeChild(
  s: IkeSession,
  deps: IkeDeps,
  pending: PendingChild,
  response: readonly Payload[],
  nonces: ChildNonces,
  opts: { readonly ikeAuth: boolean },
): Result<ChildSaRecord, ExchangeFailure> {
  const sa = findPayload(response, PayloadType.SA);
  const tsi = findPayload(response, PayloadType.TSi);
  const tsr = findPayload(response, PayloadType.TSr);
  if (!sa || !tsi || !tsr) {
    const e = response.find((p) => p.type === PayloadType.N && p.notifyType < 16384);
    const notifyType = e?.type === PayloadType.N ? e.notifyType : undefined;
    return err({
      ...(notifyType !== undefined ? { notify: notifyType } : {}),
      reason: 'no Child SA in the response',
    });
  }
  const accepted = checkProposalResponse(pending.proposals, sa.proposals, { ignoreKe: opts.ikeAuth });
  if (!accepted.ok) return err({ reason: `unacceptable ESP proposal: ${accepted.error.message}` });
  if (accepted.value.spi.length !== 4) return err({ reason: 'ESP SPI must be 4 octets (§3.3.1)' });
  const transport = findNotify(response, NotifyStatus.USE_TRANSPORT_MODE) !== undefined;
  if (transport !== (pending.config.mode === 'transport'))
    return err({ reason: 'the responder did not accept the requested mode' });
  const ts = checkNarrowedTs(
    { tsi: pending.tsi, tsr: pending.tsr },
    { tsi: tsi.selectors, tsr: tsr.selectors },
  );
  if (!ts.ok) return err({ reason: `traffic selectors: ${ts.error.message}` });
  const derived = childKeys(s, deps, accepted.value, nonces);
  if (!derived) return err({ reason: 'unusable ESP proposal' });
  return ok({
    config: pending.config,
    mode: pending.config.mode,
    spiIn: pending.spiIn,
    spiOut: accepted.value.spi,
    suite: derived.suite,
    keys: derived.keys,
    exchangeInitiator: true,
    localTs: ts.value.tsi,
    remoteTs: ts.value.tsr,
  });
}
