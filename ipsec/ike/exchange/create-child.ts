/**
 * CREATE_CHILD_SA (RFC 7296 §1.3), both roles:
 *
 *   new Child SA (§1.3.1):  HDR, SK {[N(USE_TRANSPORT_MODE),] SA, Ni, [KEi,] TSi, TSr}  -->
 *                           <--  HDR, SK {SA, Nr, [KEr,] TSi, TSr}
 *   Child SA rekey (§1.3.3): HDR, SK {N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr}  -->   (same answer)
 *   IKE SA rekey (§1.3.2):   HDR, SK {SA, Ni, KEi}  -->   <--  HDR, SK {SA, Nr, KEr}
 *   refusals:                <--  HDR, SK {N(NO_PROPOSAL_CHOSEN | TS_UNACCEPTABLE |
 *                                 INVALID_KE_PAYLOAD | CHILD_SA_NOT_FOUND | TEMPORARY_FAILURE)}
 */
import type { ChildConfig } from '../../config/model.js';
import { keTransform } from '../../crypto/transforms.js';
import type { KeyExchange } from '../../crypto/types.js';
import { err, ok, type Result } from '../../result.js';
import { deriveRekeyedIkeSaKeys } from '../keys/ike-keys.js';
import { type Proposal, ProtocolId } from '../model.js';
import { configuredProposals } from '../proposal/configured.js';
import { checkProposalResponse, chosenKeGroup, invalidKeGroup, selectProposal } from '../proposal/select.js';
import { negotiatedSuite } from '../proposal/suite.js';
import { createSkKeyPair } from '../sk.js';
import { PayloadType } from '../wire/constants.js';
import { NotifyError, NotifyStatus } from '../wire/notify-types.js';
import type { Payload } from '../wire/payload-types.js';
import { childRequestPayloads, completeChild, resolveTs, respondChild } from './child.js';
import { nonceLength, toIkeSuite } from './ike-sa-init.js';
import { errorNotify, findNotify, findPayload, notify } from './messages.js';
import {
  authenticatedSession,
  type ChildSaRecord,
  type ExchangeFailure,
  type IkeDeps,
  type IkeSession,
  type PendingChild,
} from './session.js';

/** Our half of a CREATE_CHILD_SA in flight. */
export type CreateChildRequest =
  | {
      readonly kind: 'child';
      readonly pending: PendingChild;
      readonly ni: Uint8Array;
      readonly ke?: KeyExchange;
      /** Our inbound SPI of the Child SA this one rekeys (§1.3.3). */
      readonly rekeySpi?: Uint8Array;
    }
  | {
      readonly kind: 'ike';
      readonly proposals: readonly Proposal[];
      readonly ni: Uint8Array;
      readonly ke: KeyExchange;
    };

function newKe(deps: IkeDeps, group: number | undefined): KeyExchange | undefined {
  const t = group === undefined ? undefined : keTransform(group);
  return t ? deps.provider.keyExchange(t, deps.random) : undefined;
}

/** Initiator: a new Child SA for `config`, or the rekey of `rekey` (same selectors, §2.9.2). */
export function buildChildRequest(
  s: IkeSession,
  deps: IkeDeps,
  config: ChildConfig,
  rekey?: ChildSaRecord,
): Result<{ request: CreateChildRequest; payloads: Payload[] }, string> {
  const parsed = configuredProposals(config.esp_proposals, ProtocolId.ESP);
  if (!parsed.ok) return err(`esp_proposals: ${parsed.error.message}`);
  let pending: PendingChild;
  const spiIn = deps.allocChildSpi();
  const proposals = parsed.value.map((p) => ({ ...p, spi: spiIn }));
  if (rekey) {
    pending = { config, spiIn, proposals, tsi: rekey.localTs, tsr: rekey.remoteTs };
  } else {
    const tsi = resolveTs(config.local_ts, s.local);
    const tsr = resolveTs(config.remote_ts, s.remote);
    if (!tsi.ok) return tsi;
    if (!tsr.ok) return tsr;
    pending = { config, spiIn, proposals, tsi: tsi.value, tsr: tsr.value };
  }
  const group = proposals.map(chosenKeGroup).find((g) => g !== undefined); // PFS (§1.3.1)
  const ke = newKe(deps, group);
  const ni = deps.random(nonceLength(s.config));
  const base = childRequestPayloads(pending);
  const body: Payload[] = [
    ...(rekey ? [notify(NotifyStatus.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, rekey.spiIn)] : []),
    ...base.filter((p) => p.type === PayloadType.N || p.type === PayloadType.SA),
    { type: PayloadType.NONCE, data: ni },
    ...(ke && group !== undefined ? [{ type: PayloadType.KE, group, data: ke.publicValue } as Payload] : []),
    ...base.filter((p) => p.type === PayloadType.TSi || p.type === PayloadType.TSr),
  ];
  return ok({
    request: {
      kind: 'child',
      pending,
      ni,
      ...(ke ? { ke } : {}),
      ...(rekey ? { rekeySpi: rekey.spiIn } : {}),
    },
    payloads: body,
  });
}

/** Initiator: the IKE SA rekey request (§1.3.2); `spiI` is the new IKE SA's SPI for us. */
export function buildIkeRekeyRequest(
  s: IkeSession,
  deps: IkeDeps,
  spiI: Uint8Array,
): Result<{ request: CreateChildRequest; payloads: Payload[] }, string> {
  const group = s.suite?.ke?.id ?? s.proposals.map(chosenKeGroup).find((g) => g !== undefined);
  const ke = newKe(deps, group);
  if (!ke || group === undefined) return err('no KE method for the IKE SA rekey');
  const proposals = s.proposals.map((p) => ({ ...p, spi: spiI })); // §3.3.1: the new SPI in the proposal
  const ni = deps.random(nonceLength(s.config));
  return ok({
    request: { kind: 'ike', proposals, ni, ke },
    payloads: [
      { type: PayloadType.SA, proposals },
      { type: PayloadType.NONCE, data: ni },
      { type: PayloadType.KE, group, data: ke.publicValue },
    ],
  });
}

export type CreateChildOutcome =
  | { readonly kind: 'child'; readonly child: ChildSaRecord; readonly rekeyOf?: Uint8Array }
  | { readonly kind: 'ike'; readonly session: IkeSession }
  | { readonly kind: 'failed'; readonly failure: ExchangeFailure };

/** Initiator: processes the CREATE_CHILD_SA response. */
export function handleCreateChildResponse(
  s: IkeSession,
  deps: IkeDeps,
  req: CreateChildRequest,
  payloads: readonly Payload[],
): CreateChildOutcome {
  const fail = (reason: string): CreateChildOutcome => {
    req.ke?.destroy();
    const e = errorNotify(payloads);
    return { kind: 'failed', failure: { ...(e ? { notify: e.notifyType } : {}), reason } };
  };
  const nonce = findPayload(payloads, PayloadType.NONCE);
  const ke = findPayload(payloads, PayloadType.KE);
  if (!nonce) return fail('CREATE_CHILD_SA refused');
  let sharedSecret: Uint8Array | undefined;
  if (req.ke) {
    if (!ke || ke.group !== req.ke.transform.id) return fail('KEr missing or of another group');
    const r = req.ke.computeSharedSecret(ke.data);
    req.ke.destroy();
    if (!r.ok) return fail(`KEr rejected: ${r.error.message}`);
    sharedSecret = r.value;
  }
  if (req.kind === 'ike') {
    const sa = findPayload(payloads, PayloadType.SA);
    if (!sa || !sharedSecret || !s.keys) return fail('IKE rekey response without SA');
    const accepted = checkProposalResponse(req.proposals, sa.proposals);
    if (!accepted.ok) return fail(`unacceptable IKE proposal: ${accepted.error.message}`);
    if (accepted.value.spi.length !== 8) return fail('IKE SPI must be 8 octets (§3.3.1)');
    return rekeyedSession(s, deps, accepted.value, 'initiator', {
      spiI: req.proposals[0]!.spi,
      spiR: accepted.value.spi,
      ni: req.ni,
      nr: nonce.data,
      sharedSecret,
    });
  }
  const nonces = { ni: req.ni, nr: nonce.data, ...(sharedSecret ? { sharedSecret } : {}) };
  const child = completeChild(s, deps, req.pending, payloads, nonces, { ikeAuth: false });
  sharedSecret?.fill(0);
  if (!child.ok) return { kind: 'failed', failure: child.error };
  return {
    kind: 'child',
    child: { ...child.value, ...(req.rekeySpi ? { rekeyOf: req.rekeySpi } : {}) },
    ...(req.rekeySpi ? { rekeyOf: req.rekeySpi } : {}),
  };
}

function rekeyedSession(
  s: IkeSession,
  deps: IkeDeps,
  chosen: Proposal,
  role: 'initiator' | 'responder',
  k: { spiI: Uint8Array; spiR: Uint8Array; ni: Uint8Array; nr: Uint8Array; sharedSecret: Uint8Array },
): CreateChildOutcome {
  const suite = negotiatedSuite(chosen);
  if (!suite.ok || !s.keys) return { kind: 'failed', failure: { reason: 'unusable IKE proposal' } };
  const keys = deriveRekeyedIkeSaKeys(deps.provider, s.keys, toIkeSuite(suite.value), k); // §2.18
  k.sharedSecret.fill(0);
  return {
    kind: 'ike',
    session: {
      // §2.18: the nonces key the new SA here and nothing later (authenticatedSession)
      ...authenticatedSession(s),
      role, // §2.18: the rekey's initiator is the new IKE SA's original initiator
      spiI: k.spiI,
      spiR: k.spiR,
      chosen,
      suite: suite.value,
      keys,
      sk: createSkKeyPair(deps.provider, keys),
    },
  };
}

export type CreateChildAnswer =
  | {
      readonly kind: 'child';
      readonly payloads: Payload[];
      readonly child: ChildSaRecord;
      readonly rekeyOf?: ChildSaRecord;
    }
  | { readonly kind: 'ike'; readonly payloads: Payload[]; readonly session: IkeSession }
  | { readonly kind: 'refused'; readonly payloads: Payload[]; readonly failure: ExchangeFailure };

/**
 * Responder: answers a CREATE_CHILD_SA request. `children` are our installed Child SAs (to find
 * the one named by REKEY_SA), `newSpiR` our SPI should this rekey the IKE SA.
 */
export function handleCreateChildRequest(
  s: IkeSession,
  deps: IkeDeps,
  payloads: readonly Payload[],
  children: readonly ChildSaRecord[],
  newSpiR: () => Uint8Array,
): CreateChildAnswer {
  const refuse = (notifyType: number, reason: string, data?: Uint8Array): CreateChildAnswer => ({
    kind: 'refused',
    payloads: [notify(notifyType, data)],
    failure: { notify: notifyType, reason },
  });
  const sa = findPayload(payloads, PayloadType.SA);
  const nonce = findPayload(payloads, PayloadType.NONCE);
  const kei = findPayload(payloads, PayloadType.KE);
  if (!sa || !nonce) return refuse(NotifyError.INVALID_SYNTAX, 'CREATE_CHILD_SA without SA and Ni');
  const nr = deps.random(nonceLength(s.config));
  const isIke = sa.proposals.some((p) => p.protocolId === ProtocolId.IKE);
  let ours: KeyExchange | undefined;
  let sharedSecret: Uint8Array | undefined;
  if (kei) {
    const t = keTransform(kei.group);
    if (!t)
      return refuse(NotifyError.INVALID_KE_PAYLOAD, `KE group ${kei.group}`, groupData(s.suite?.ke?.id ?? 0));
    ours = deps.provider.keyExchange(t, deps.random);
    const r = ours.computeSharedSecret(kei.data);
    if (!r.ok) {
      ours.destroy();
      return refuse(NotifyError.INVALID_SYNTAX, `KEi rejected: ${r.error.message}`);
    }
    sharedSecret = r.value;
  }
  const withKe = (p: Payload[]): Payload[] => {
    if (ours && kei) p.push({ type: PayloadType.KE, group: kei.group, data: ours.publicValue });
    ours?.destroy();
    return p;
  };

  if (isIke) {
    // §1.3.2: rekey the IKE SA.
    const offered = sa.proposals.filter((p) => p.protocolId === ProtocolId.IKE && p.spi.length === 8);
    const chosen = selectProposal(offered, s.proposals, kei ? { keGroup: kei.group } : {});
    if (!chosen.ok || !kei || !sharedSecret) {
      ours?.destroy();
      return refuse(NotifyError.NO_PROPOSAL_CHOSEN, 'no acceptable IKE proposal for the rekey');
    }
    const wanted = invalidKeGroup(chosen.value, kei.group);
    if (wanted !== undefined) {
      ours?.destroy();
      return refuse(NotifyError.INVALID_KE_PAYLOAD, `KE group ${kei.group}`, groupData(wanted));
    }
    const spiR = newSpiR();
    const peer = offered.find((p) => p.num === chosen.value.num)!;
    const out = rekeyedSession(s, deps, { ...chosen.value, spi: spiR }, 'responder', {
      spiI: peer.spi,
      spiR,
      ni: nonce.data,
      nr,
      sharedSecret,
    });
    if (out.kind !== 'ike') return refuse(NotifyError.NO_PROPOSAL_CHOSEN, 'unusable IKE proposal');
    return {
      kind: 'ike',
      session: out.session,
      payloads: withKe([
        { type: PayloadType.SA, proposals: [{ ...chosen.value, spi: spiR }] },
        { type: PayloadType.NONCE, data: nr },
      ]),
    };
  }

  // §1.3.3: REKEY_SA names the Child SA by the SPI the peer receives on, our outbound SPI.
  const rekeyN = findNotify(payloads, NotifyStatus.REKEY_SA);
  // Its Protocol ID names the SA's protocol (§3.10.1): ours are ESP; any other (AH, IKE, 0, an
  // unassigned number: CVE-2023-38710's shape) names no Child SA of ours, whatever its SPI.
  const old =
    rekeyN && rekeyN.protocolId === ProtocolId.ESP
      ? children.find((c) => equalSpi(c.spiOut, rekeyN.spi))
      : undefined;
  if (rekeyN && !old) {
    ours?.destroy();
    return refuse(NotifyError.CHILD_SA_NOT_FOUND, 'REKEY_SA for an unknown Child SA');
  }
  const configs = old ? [old.config] : s.config.children;
  const nonces = { ni: nonce.data, nr, ...(sharedSecret ? { sharedSecret } : {}) };
  const answer = respondChild(s, deps, payloads, configs, nonces, {
    ikeAuth: false,
    ...(kei ? { keGroup: kei.group } : {}),
  });
  sharedSecret?.fill(0);
  if (!answer.ok) {
    ours?.destroy();
    return { kind: 'refused', payloads: answer.payloads, failure: answer.failure };
  }
  // A chosen PFS group must be the KE payload's (§1.3.1: else INVALID_KE_PAYLOAD with ours).
  const group = answer.record.suite.ke?.id;
  if (group !== kei?.group && group !== undefined) {
    ours?.destroy();
    return refuse(NotifyError.INVALID_KE_PAYLOAD, `PFS group ${group} wanted`, groupData(group));
  }
  const [sa2, ...rest] = answer.payloads.filter((p) => p.type !== PayloadType.N);
  const mode = answer.payloads.filter((p) => p.type === PayloadType.N);
  const body: Payload[] = [...mode, ...(sa2 ? [sa2] : []), { type: PayloadType.NONCE, data: nr }];
  withKe(body);
  body.push(...rest);
  return {
    kind: 'child',
    payloads: body,
    child: { ...answer.record, ...(old ? { rekeyOf: old.spiIn } : {}) },
    ...(old ? { rekeyOf: old } : {}),
  };
}

const groupData = (g: number) => new Uint8Array([g >> 8, g & 0xff]);
const equalSpi = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
