/**
 * CREATE_CHILD_SA in the established IKE SA (ike-sa.established.ts; RFC 7296 §1.3, §2.8, §2.18,
 * §2.25): our requests built from tasks, their responses settled (a new or rekeyed Child SA, a
 * rekeyed IKE SA and the collisions of §2.8.1 and §2.8.2), the peer's requests answered. A
 * minimal mote firmware links targets/wismote/no-create-child.ts instead (RFC 7815: it keeps the
 * Child SA of IKE_AUTH and rekeys nothing).
 */
import type { CreateChildRequest } from '../ipsec/ike/exchange/create-child.js';
import {
  buildChildRequest,
  buildIkeRekeyRequest,
  handleCreateChildRequest,
  handleCreateChildResponse,
} from '../ipsec/ike/exchange/create-child.js';
import { notify } from '../ipsec/ike/exchange/messages.js';
import type { ChildSaRecord } from '../ipsec/ike/exchange/session.js';
import { ProtocolId } from '../ipsec/ike/model.js';
import { ExchangeType, PayloadType } from '../ipsec/ike/wire/constants.js';
import { NotifyError, NotifyStatus } from '../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../ipsec/ike/wire/payload-types.js';
import { equalBytes } from '../ipsec/util/bytes.js';
import { childBySpi } from './ike-sa.context.js';
import { answer, base } from './ike-sa.setup.js';
import type { IkeSaContext, IkeTask } from './ike-sa.types.js';

/** Implementation choice: TEMPORARY_FAILURE retries after 2 to 10 s (strongSwan uses similar). */
const RETRY_MIN_MS = 2000;
const RETRY_SPREAD_MS = 8000;

/** What an enqueueActions callback of the IKE SA machine may do. */
type Enqueue = Parameters<Parameters<typeof base.enqueueActions>[0]>[0]['enqueue'];

/** A CREATE_CHILD_SA request of ours. */
export interface CreateChildBuilt {
  readonly exchangeType: number;
  readonly payloads: Payload[];
  readonly request: CreateChildRequest;
}

/**
 * The request of a createChild, rekeyChild or rekeyIke task, or undefined when the task has
 * become moot (its child is gone, already rekeyed or being deleted) or cannot be built.
 */
export function buildCreateChildTask(
  ctx: IkeSaContext,
  task: Extract<IkeTask, { kind: 'createChild' | 'rekeyChild' | 'rekeyIke' }>,
): CreateChildBuilt | undefined {
  const s = ctx.session;
  switch (task.kind) {
    case 'createChild': {
      const r = buildChildRequest(s, ctx.deps, task.config);
      return r.ok ? { exchangeType: ExchangeType.CREATE_CHILD_SA, ...r.value } : undefined;
    }
    case 'rekeyChild': {
      const child = childBySpi(ctx, task.spiIn);
      if (child && isReplacedOrClosing(ctx, child)) return undefined; // already rekeyed or going
      const r = child && buildChildRequest(s, ctx.deps, child.config, child);
      return r?.ok ? { exchangeType: ExchangeType.CREATE_CHILD_SA, ...r.value } : undefined;
    }
    case 'rekeyIke': {
      const spi = ctx.deps.allocIkeSpi?.() ?? ctx.deps.random(8);
      const r = buildIkeRekeyRequest(s, ctx.deps, spi);
      return r.ok ? { exchangeType: ExchangeType.CREATE_CHILD_SA, ...r.value } : undefined;
    }
  }
}

/** Settles the response to our CREATE_CHILD_SA request `request` (the task `task`). */
export function settleCreateChild(
  context: IkeSaContext,
  payloads: readonly Payload[],
  task: IkeTask,
  request: CreateChildRequest,
  enqueue: Enqueue,
): void {
  const out = handleCreateChildResponse(context.session, context.deps, request, payloads);
  if (out.kind === 'failed') {
    if (context.ikeCollision && request.kind === 'ike') {
      // Our IKE SA rekey failed but we did answer the peer's (§2.8.2): the peer's new IKE SA
      // is the successor after all, and the peer deletes this one.
      enqueue(adoptPeerRekey);
      return;
    }
    enqueue({ type: 'reportChildFailure', params: { failure: out.failure } });
    if (request.kind === 'child') enqueue({ type: 'releaseSpi', params: { spi: request.pending.spiIn } });
    if (
      out.failure.notify === NotifyError.TEMPORARY_FAILURE &&
      (task.kind === 'rekeyChild' || task.kind === 'rekeyIke')
    ) {
      // §2.25: the peer is busy with a colliding exchange: retry after a random delay, so that
      // two peers that collided do not collide again.
      const r = context.deps.random(2);
      const delay = RETRY_MIN_MS + Math.floor((((r[0]! << 8) | r[1]!) / 0x10000) * RETRY_SPREAD_MS);
      enqueue({ type: 'retryTask', params: { task, delayMs: delay } });
    }
    if (out.failure.notify === NotifyError.CHILD_SA_NOT_FOUND && task.kind === 'rekeyChild') {
      // §2.25: the peer no longer has that Child SA: delete ours too.
      enqueue.assign({ queue: [{ kind: 'deleteChild', spiIn: task.spiIn }, ...context.queue] });
    }
    return;
  }
  if (out.kind === 'child') {
    enqueue.assign({ children: [...context.children, out.child] });
    enqueue({ type: 'installChild', params: { child: out.child } });
    if (!out.rekeyOf || request.kind !== 'child') return;
    const old = out.rekeyOf;
    const collision = context.peerRekeys.find((r) => equalBytes(r.oldSpiIn, old));
    const nr = payloads.find((p) => p.type === PayloadType.NONCE);
    const ours = [request.ni, ...(nr?.type === PayloadType.NONCE ? [nr.data] : [])];
    // §2.8.1: both rekeyed the same Child SA. The SA whose exchange had the lowest of the four
    // nonces is redundant and is deleted by the peer that created it; the other one deletes
    // the old SA. Without a collision the initiator of the rekey deletes the old SA (§2.8).
    const redundantIsOurs = collision !== undefined && lowest([...ours, ...collision.nonces]) < ours.length;
    const doomed = redundantIsOurs ? out.child.spiIn : old;
    enqueue.assign({
      queue: [{ kind: 'deleteChild', spiIn: doomed }, ...context.queue],
      peerRekeys: context.peerRekeys.filter((r) => r !== collision),
    });
    return;
  }
  const moving = { children: context.children, queue: context.queue.filter((t) => t.kind !== 'deleteIke') };
  const col = context.ikeCollision;
  if (col && request.kind === 'ike') {
    // §2.8.2: both rekeyed the IKE SA. The new IKE SA whose exchange had the lowest of the four
    // nonces is redundant: its creator deletes it; the creator of the other deletes the old one.
    const nr = payloads.find((p) => p.type === PayloadType.NONCE);
    const ours = [request.ni, ...(nr?.type === PayloadType.NONCE ? [nr.data] : [])];
    const oursRedundant = lowest([...ours, ...col.nonces]) < ours.length;
    const survivor = oursRedundant ? col.session : out.session;
    const redundant = oursRedundant ? out.session : col.session;
    enqueue({ type: 'ikeRekeyed', params: { session: survivor, ...moving } });
    enqueue({
      type: 'ikeRekeyed',
      params: {
        session: redundant,
        children: [],
        // Ours: we delete it. The peer's: it deletes it; ours only answers (or retires).
        queue: oursRedundant ? [{ kind: 'deleteIke' }] : [],
        redundant: true,
      },
    });
    enqueue.assign({
      children: [],
      retired: true,
      queue: oursRedundant ? [] : [{ kind: 'deleteIke' }],
      ikeCollision: undefined,
    });
    return;
  }
  // §2.18: the children move to the new IKE SA; this one is deleted by us, its rekey initiator.
  enqueue({ type: 'ikeRekeyed', params: { session: out.session, ...moving } });
  enqueue.assign({ children: [], retired: true, queue: [{ kind: 'deleteIke' }] });
}

/** The Child SA has a successor, or its Delete is queued or in flight. */
function isReplacedOrClosing(ctx: IkeSaContext, child: ChildSaRecord): boolean {
  const pending = [...ctx.queue, ...(ctx.active ? [ctx.active.task] : [])];
  return (
    ctx.children.some((c) => c.rekeyOf !== undefined && equalBytes(c.rekeyOf, child.spiIn)) ||
    pending.some((t) => t.kind === 'deleteChild' && equalBytes(t.spiIn, child.spiIn))
  );
}

/** A peer request colliding with our outstanding rekey/delete (§2.25: TEMPORARY_FAILURE). */
function collides(ctx: IkeSaContext, payloads: readonly Payload[]): boolean {
  const task = ctx.active?.task;
  // §2.25.2: no IKE SA rekey while we rekey the IKE SA, delete it, or work on a Child SA.
  const ikeRekey = payloads.some(
    (p) => p.type === PayloadType.SA && p.proposals.some((x) => x.protocolId === ProtocolId.IKE),
  );
  // (Our own IKE SA rekey in flight: both complete and are settled by nonces, §2.8.2.)
  if (ikeRekey) return task !== undefined && task.kind !== 'dpd' && task.kind !== 'rekeyIke';
  if (task?.kind === 'rekeyIke' || task?.kind === 'deleteIke') return true;
  // §2.25.1: a Child SA we are closing (or have already replaced) is not rekeyed again; a
  // Child SA we are rekeying too is answered as usual and settled by nonces (§2.8.1).
  const rekeyN = payloads.find((p) => p.type === PayloadType.N && p.notifyType === NotifyStatus.REKEY_SA);
  if (rekeyN?.type !== PayloadType.N) return false;
  const target = ctx.children.find((c) => equalBytes(c.spiOut, rekeyN.spi));
  if (!target) return false;
  return isReplacedOrClosing(ctx, target);
}

/** Index of the lowest nonce (big-endian unsigned, shorter first on a common prefix). */
function lowest(nonces: readonly Uint8Array[]): number {
  let best = 0;
  for (let i = 1; i < nonces.length; i++) if (compareBytes(nonces[i]!, nonces[best]!) < 0) best = i;
  return best;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The peer's CREATE_CHILD_SA request: answered, refused, or TEMPORARY_FAILURE (§2.25). */
export const answerCreateChild = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'REQUEST') return;
  const reply = (payloads: readonly Payload[]) => enqueue(answer(payloads));
  if (context.retired || collides(context, event.payloads)) {
    reply([notify(NotifyError.TEMPORARY_FAILURE)]);
    return;
  }
  const out = handleCreateChildRequest(
    context.session,
    context.deps,
    event.payloads,
    context.children,
    () => context.deps.allocIkeSpi?.() ?? context.deps.random(8),
  );
  reply(out.payloads);
  if (out.kind === 'refused') {
    enqueue({ type: 'reportChildFailure', params: { failure: out.failure } });
    return;
  }
  if (out.kind === 'child') {
    enqueue.assign({ children: [...context.children, out.child] });
    enqueue({ type: 'installChild', params: { child: out.child } });
    const task = context.active?.task;
    if (out.rekeyOf && task?.kind === 'rekeyChild' && equalBytes(task.spiIn, out.rekeyOf.spiIn)) {
      // §2.8.1: we are rekeying it too; remember this exchange's nonces to settle it later.
      const nonce = (ps: readonly Payload[]) => ps.find((p) => p.type === PayloadType.NONCE);
      const ni = nonce(event.payloads);
      const nr = nonce(out.payloads);
      const nonces = [ni, nr].flatMap((p) => (p?.type === PayloadType.NONCE ? [p.data] : []));
      enqueue.assign({
        peerRekeys: [
          ...context.peerRekeys,
          { oldSpiIn: out.rekeyOf.spiIn, newSpiIn: out.child.spiIn, nonces },
        ],
      });
    }
    return;
  }
  if (context.active?.task.kind === 'rekeyIke') {
    // §2.8.2: we are rekeying the IKE SA too; settled when our own exchange completes.
    const nonce = (ps: readonly Payload[]) => ps.find((p) => p.type === PayloadType.NONCE);
    const nonces = [nonce(event.payloads), nonce(out.payloads)].flatMap((p) =>
      p?.type === PayloadType.NONCE ? [p.data] : [],
    );
    enqueue.assign({ ikeCollision: { session: out.session, nonces } });
    return;
  }
  // §2.18 responder: children move to the new IKE SA; the peer deletes this one.
  enqueue({
    type: 'ikeRekeyed',
    params: {
      session: out.session,
      children: context.children,
      queue: context.queue.filter((t) => t.kind !== 'deleteIke'),
    },
  });
  enqueue.assign({ children: [], retired: true, queue: [] });
});

/**
 * The peer deletes this IKE SA while its rekey (answered by us during our own, §2.8.2) is still
 * unsettled: it never saw our request, so its new IKE SA is the successor; the children move.
 */
export const adoptPeerRekey = base.enqueueActions(({ context, enqueue }) => {
  const col = context.ikeCollision;
  if (!col) return;
  enqueue({
    type: 'ikeRekeyed',
    params: {
      session: col.session,
      children: context.children,
      queue: context.queue.filter((t) => t.kind !== 'deleteIke' && t.kind !== 'rekeyIke'),
    },
  });
  enqueue.assign({ children: [], retired: true, queue: [], ikeCollision: undefined });
});
