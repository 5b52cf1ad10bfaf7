/**
 * The established IKE SA (RFC 7296 §1.3, §1.4, §2.8, §2.18): it runs our tasks one at a time
 * (window size 1, §2.3) and answers the peer's CREATE_CHILD_SA and INFORMATIONAL requests.
 *
 *   idle --(task queued)--> requesting --(response)--> idle
 *   requesting --(no response after retransmit_tries)--> failed     (an unresponsive peer, §2.4)
 *   our Delete(IKE) answered, or the peer's Delete(IKE) --> closed
 *
 * Collisions (§2.8.1, §2.8.2, §2.25): a peer request that rekeys or deletes what our
 * outstanding request is rekeying or deleting is refused with TEMPORARY_FAILURE; the
 * peer retries later. (Deviation: the RFC also allows both rekeys to complete and the one with
 * the lowest nonce to be deleted; we always take the simpler, RFC-permitted refusal.)
 */
import type { CreateChildRequest } from '../ipsec/ike/exchange/create-child.js';
import {
  buildChildRequest,
  buildIkeRekeyRequest,
  handleCreateChildRequest,
  handleCreateChildResponse,
} from '../ipsec/ike/exchange/create-child.js';
import {
  deleteChildPayload,
  deleteIkePayload,
  handleInformationalRequest,
} from '../ipsec/ike/exchange/informational.js';
import { encodeFor, notify } from '../ipsec/ike/exchange/messages.js';
import { ExchangeType, PayloadType } from '../ipsec/ike/wire/constants.js';
import { NotifyError, NotifyStatus } from '../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../ipsec/ike/wire/payload-types.js';
import { answer, base, retransmit, timedOut } from './ike-sa.setup.js';
import type { IkeSaContext, IkeTask } from './ike-sa.types.js';

/** Implementation choice: TEMPORARY_FAILURE retries after 2 to 10 s (strongSwan uses similar). */
const RETRY_MIN_MS = 2000;
const RETRY_SPREAD_MS = 8000;

const sameSpi = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const childBySpi = (ctx: IkeSaContext, spiIn: Uint8Array) =>
  ctx.children.find((c) => sameSpi(c.spiIn, spiIn));

interface BuiltRequest {
  readonly exchangeType: number;
  readonly payloads: Payload[];
  readonly request?: CreateChildRequest;
}

/** The request for a task, or undefined when the task has become moot (e.g. its child is gone). */
function buildTask(ctx: IkeSaContext, task: IkeTask): BuiltRequest | undefined {
  const s = ctx.session;
  switch (task.kind) {
    case 'dpd':
      return { exchangeType: ExchangeType.INFORMATIONAL, payloads: [] }; // §2.4: an empty INFORMATIONAL
    case 'deleteIke':
      return { exchangeType: ExchangeType.INFORMATIONAL, payloads: [deleteIkePayload()] };
    case 'deleteChild': {
      const child = childBySpi(ctx, task.spiIn);
      return child
        ? { exchangeType: ExchangeType.INFORMATIONAL, payloads: [deleteChildPayload([child])] }
        : undefined;
    }
    case 'createChild': {
      const r = buildChildRequest(s, ctx.deps, task.config);
      return r.ok ? { exchangeType: ExchangeType.CREATE_CHILD_SA, ...r.value } : undefined;
    }
    case 'rekeyChild': {
      const child = childBySpi(ctx, task.spiIn);
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

/** Takes the next task, sends its request (or drops it when moot). */
const startTask = base.enqueueActions(({ context, enqueue }) => {
  const [task, ...queue] = context.queue;
  if (!task) return;
  const built = buildTask(context, task);
  if (!built) {
    enqueue.assign({ queue, active: undefined, outstanding: undefined });
    return;
  }
  const messageId = context.nextMessageId;
  const bytes = encodeFor(context.session, context.deps, {
    exchangeType: built.exchangeType,
    messageId,
    response: false,
    payloads: built.payloads,
  });
  enqueue.assign({
    queue,
    active: { task, ...(built.request ? { request: built.request } : {}) },
    nextMessageId: messageId + 1,
    outstanding: { messageId, exchangeType: built.exchangeType, bytes, transmissions: 1 },
  });
  enqueue({ type: 'transmit', params: { bytes } });
});

/** Processes the response to the active task. */
const finishTask = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'RESPONSE' || !context.active) return;
  const { task, request } = context.active;
  enqueue.assign({ active: undefined, outstanding: undefined });
  if (task.kind === 'deleteChild') {
    // §1.4.1: both directions of the Child SA go, whatever the answer says.
    const child = childBySpi(context, task.spiIn);
    if (child) {
      enqueue.assign({ children: context.children.filter((c) => c !== child) });
      enqueue({ type: 'removeChild', params: { child } });
    }
    return;
  }
  if (!request) return; // dpd, deleteIke
  const out = handleCreateChildResponse(context.session, context.deps, request, event.payloads);
  if (out.kind === 'failed') {
    enqueue({ type: 'reportChildFailure', params: { failure: out.failure } });
    if (
      out.failure.notify === NotifyError.TEMPORARY_FAILURE &&
      (task.kind === 'rekeyChild' || task.kind === 'rekeyIke')
    ) {
      // §2.25: the peer is busy with a colliding exchange: retry after a random delay, so that
      // two peers that collided do not collide again.
      const r = context.deps.random(2);
      const delay = RETRY_MIN_MS + Math.floor((((r[0]! << 8) | r[1]!) / 0x10000) * RETRY_SPREAD_MS);
      enqueue.raise({ type: 'TASK', task }, { delay });
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
    // §2.8: the initiator of a rekey deletes the old Child SA once the new one is up.
    if (out.rekeyOf)
      enqueue.assign({ queue: [{ kind: 'deleteChild', spiIn: out.rekeyOf }, ...context.queue] });
    return;
  }
  // §2.18: the children move to the new IKE SA; this one is deleted by us, its rekey initiator.
  enqueue({ type: 'ikeRekeyed', params: { session: out.session, children: context.children } });
  enqueue.assign({ children: [], retired: true, queue: [{ kind: 'deleteIke' }] });
});

/** A peer request colliding with our outstanding rekey/delete (§2.25: TEMPORARY_FAILURE). */
function collides(ctx: IkeSaContext, payloads: readonly Payload[]): boolean {
  const task = ctx.active?.task;
  if (!task) return false;
  if (task.kind === 'rekeyIke' || task.kind === 'deleteIke') return true;
  if (task.kind !== 'rekeyChild' && task.kind !== 'deleteChild') return false;
  const mine = childBySpi(ctx, task.spiIn);
  const rekeyN = payloads.find((p) => p.type === PayloadType.N && p.notifyType === NotifyStatus.REKEY_SA);
  return mine !== undefined && rekeyN?.type === PayloadType.N && sameSpi(rekeyN.spi, mine.spiOut);
}

const answerCreateChild = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'REQUEST') return;
  const reply = (payloads: readonly Payload[]) => {
    const bytes = encodeFor(context.session, context.deps, {
      exchangeType: event.exchangeType,
      messageId: event.messageId,
      response: true,
      payloads,
    });
    enqueue.assign({
      cachedResponse: { messageId: event.messageId, bytes },
      peerMessageId: event.messageId + 1,
    });
    enqueue({ type: 'transmit', params: { bytes } });
  };
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
    return;
  }
  // §2.18 responder: children move to the new IKE SA; the peer deletes this one.
  enqueue({ type: 'ikeRekeyed', params: { session: out.session, children: context.children } });
  enqueue.assign({ children: [], retired: true, queue: [] });
});

const answerInformational = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'REQUEST') return;
  const out = handleInformationalRequest(event.payloads, context.children);
  const bytes = encodeFor(context.session, context.deps, {
    exchangeType: event.exchangeType,
    messageId: event.messageId,
    response: true,
    payloads: out.payloads,
  });
  enqueue.assign({
    cachedResponse: { messageId: event.messageId, bytes },
    peerMessageId: event.messageId + 1,
    children: context.children.filter((c) => !out.deletedChildren.includes(c)),
  });
  enqueue({ type: 'transmit', params: { bytes } });
  for (const child of out.deletedChildren) enqueue({ type: 'removeChild', params: { child } });
});

const enqueueTask = (task: IkeTask) => base.assign({ queue: ({ context }) => [...context.queue, task] });

export const establishedState = base.createStateConfig({
  entry: 'reportEstablished',
  initial: 'idle',
  after: {
    IKE_REKEY: { guard: 'ikeRekeyEnabled', actions: enqueueTask({ kind: 'rekeyIke' }) },
  },
  on: {
    TASK: {
      guard: ({ context }) => !context.retired,
      actions: base.assign({
        queue: ({ context, event }) =>
          event.type === 'TASK' ? [...context.queue, event.task] : context.queue,
      }),
    },
    TERMINATE: { actions: enqueueTask({ kind: 'deleteIke' }) },
    REQUEST: [
      /* --> CREATE_CHILD_SA { [N(REKEY_SA),] SA, Ni, [KEi,] [TSi, TSr] }  <-- { SA, Nr, [KEr,] [TSi, TSr] } */
      { guard: 'isCreateChild', actions: answerCreateChild },
      /* --> INFORMATIONAL { D(IKE) }  <-- { }   (§1.4.1) */
      { guard: 'isDeleteIke', target: '#ikeSa.closed', actions: answer([]) },
      /* --> INFORMATIONAL { [D(ESP)...] [N...] }  <-- { [D(ESP)...] }   (§1.4.1, liveness §2.4) */
      { guard: 'isInformational', actions: answerInformational },
      { actions: answer([notify(NotifyError.INVALID_SYNTAX)]) },
    ],
  },
  states: {
    idle: {
      always: [
        { guard: 'hasTask', target: 'requesting' },
        { guard: 'isRetired', target: 'retired' },
      ],
      after: {
        DPD: { guard: 'dpdEnabled', target: 'idle', reenter: true, actions: enqueueTask({ kind: 'dpd' }) },
      },
    },
    /** Replaced by a rekeyed IKE SA (§2.18); if the peer's Delete never comes, go anyway. */
    retired: {
      after: { RETIRE: { target: '#ikeSa.closed' } },
    },
    requesting: {
      entry: startTask,
      always: { guard: 'noActiveTask', target: 'idle' },
      on: {
        RESPONSE: [
          { guard: 'closingTask', target: '#ikeSa.closed', actions: 'clearOutstanding' },
          { target: 'idle', actions: finishTask },
        ],
      },
      initial: 'waiting',
      states: {
        waiting: {
          after: {
            RETRANSMIT: [
              { guard: 'triesLeft', target: 'waiting', reenter: true, actions: retransmit },
              { target: '#ikeSa.failed', actions: timedOut },
            ],
          },
        },
      },
    },
  },
});
