/**
 * The established IKE SA (RFC 7296 §1.3, §1.4, §2.8, §2.18): it runs our tasks one at a time
 * (window size 1, §2.3) and answers the peer's CREATE_CHILD_SA and INFORMATIONAL requests.
 *
 *   idle --(task queued)--> requesting --(response)--> idle
 *   requesting --(no response after retransmit_tries)--> failed     (an unresponsive peer, §2.4)
 *   our Delete(IKE) answered, or the peer's Delete(IKE) --> closed
 *
 * CREATE_CHILD_SA (ike-sa.create-child.ts): new and rekeyed Child SAs, IKE SA rekeys and their
 * collisions. Two rekeys of one Child SA both complete and the SA of the exchange with the
 * lowest nonce is deleted by its creator (§2.8.1); a rekey of a Child SA being closed or already
 * replaced, and an IKE SA rekey while we work on a Child SA or delete the IKE SA, is refused with
 * TEMPORARY_FAILURE (§2.25) and retried after a random delay. Two IKE SA rekeys both complete
 * and the redundant new IKE SA (lowest nonce) is deleted by its creator (§2.8.2).
 */
import type { CreateChildRequest } from '../ipsec/ike/exchange/create-child.js';
import {
  deleteChildPayload,
  deleteIkePayload,
  handleInformationalRequest,
} from '../ipsec/ike/exchange/informational.js';
import { encodeFor, notify } from '../ipsec/ike/exchange/messages.js';
import { ExchangeType } from '../ipsec/ike/wire/constants.js';
import { NotifyError } from '../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../ipsec/ike/wire/payload-types.js';
import { equalBytes } from '../ipsec/util/bytes.js';
import { childBySpi } from './ike-sa.context.js';
import {
  adoptPeerRekey,
  answerCreateChild,
  buildCreateChildTask,
  settleCreateChild,
} from './ike-sa.create-child.js';
import { answer, base, request, respond, retransmitOrFail } from './ike-sa.setup.js';
import type { IkeSaContext, IkeTask } from './ike-sa.types.js';

interface BuiltRequest {
  readonly exchangeType: number;
  readonly payloads: Payload[];
  readonly request?: CreateChildRequest;
}

/** The request for a task, or undefined when the task has become moot (e.g. its child is gone). */
function buildTask(ctx: IkeSaContext, task: IkeTask): BuiltRequest | undefined {
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
    case 'createChild':
    case 'rekeyChild':
    case 'rekeyIke':
      return buildCreateChildTask(ctx, task);
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
  });
  request(enqueue, context, messageId, built.exchangeType, bytes);
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
  settleCreateChild(context, event.payloads, task, request, enqueue);
});

/** A rekey/delete of a Child SA that is already queued or in flight. */
function isDuplicateTask(ctx: IkeSaContext, task: IkeTask): boolean {
  if (task.kind !== 'rekeyChild' && task.kind !== 'deleteChild') return false;
  const pending = [...ctx.queue, ...(ctx.active ? [ctx.active.task] : [])];
  return pending.some(
    (t) =>
      (t.kind === 'rekeyChild' || t.kind === 'deleteChild') &&
      t.kind === task.kind &&
      equalBytes(t.spiIn, task.spiIn),
  );
}

const answerInformational = base.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== 'REQUEST') return;
  const out = handleInformationalRequest(event.payloads, context.children);
  const bytes = encodeFor(context.session, context.deps, {
    exchangeType: event.exchangeType,
    messageId: event.messageId,
    response: true,
    payloads: out.payloads,
  });
  enqueue.assign({ children: context.children.filter((c) => !out.deletedChildren.includes(c)) });
  respond(enqueue, context, event.messageId, event.exchangeType, bytes);
  for (const child of out.deletedChildren) enqueue({ type: 'removeChild', params: { child, byPeer: true } });
});

const enqueueTask = (task: IkeTask) => base.assign({ queue: ({ context }) => [...context.queue, task] });

export const establishedState = base.createStateConfig({
  entry: 'reportEstablished',
  initial: 'idle',
  after: {
    IKE_REKEY: { guard: 'ikeRekeyEnabled', actions: enqueueTask({ kind: 'rekeyIke' }) },
  },
  on: {
    TASK: [
      // Replaced by a rekeyed IKE SA: the work belongs to the successor (§2.18).
      {
        guard: 'isRetired',
        actions: {
          type: 'forwardTask',
          params: ({ event }) => ({ task: (event as { task: IkeTask }).task }),
        },
      },
      // The same Child SA is already being rekeyed or deleted (e.g. both directions' soft expiry).
      { guard: ({ context, event }) => event.type === 'TASK' && isDuplicateTask(context, event.task) },
      {
        actions: base.assign({
          queue: ({ context, event }) =>
            event.type === 'TASK' ? [...context.queue, event.task] : context.queue,
        }),
      },
    ],
    TERMINATE: { actions: enqueueTask({ kind: 'deleteIke' }) },
    REQUEST: [
      /* --> CREATE_CHILD_SA { [N(REKEY_SA),] SA, Ni, [KEi,] [TSi, TSr] }  <-- { SA, Nr, [KEr,] [TSi, TSr] } */
      { guard: 'isCreateChild', actions: answerCreateChild },
      /* --> INFORMATIONAL { N(AUTHENTICATION_FAILED) }  <-- { }   (§2.21.2: the initiator refused us) */
      {
        guard: 'isAuthFailedNotice',
        target: '#ikeSa.closed',
        actions: [answer([]), base.assign({ deletedByPeer: true })],
      },
      /* --> INFORMATIONAL { D(IKE) }  <-- { }   (§1.4.1) */
      {
        guard: 'isDeleteIke',
        target: '#ikeSa.closed',
        actions: [adoptPeerRekey, answer([]), base.assign({ deletedByPeer: true })],
      },
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
          after: retransmitOrFail,
        },
      },
    },
  },
});
