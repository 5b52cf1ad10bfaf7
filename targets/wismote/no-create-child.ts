/**
 * The firmware's stand-in for CREATE_CHILD_SA (RFC 7296 §1.3) in the established IKE SA
 * (machines/ike-sa.create-child.ts, where ike-sa.established.ts imports it) and for the
 * supervisor's IKE SA rekey hand-over (actors/ike-rekey-handover.ts), linked by
 * scripts/build-mote.mjs into a minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL, RFC 7815's
 * minimal initiator: a one-suite firmware by default). The mote keeps the one Child SA of
 * IKE_AUTH for the IKE SA's life and starts over with a new IKE SA rather than rekeying.
 *
 * Such a firmware refuses a profile with a rekey time at boot (mote-stack.ts), so it never asks
 * for a CREATE_CHILD_SA; a task that would (a rekey or a second Child SA asked of the
 * supervisor) is dropped as moot, as a task whose request cannot be built always is. A peer's
 * request is refused with NO_ADDITIONAL_SAS (§3.10.1: unwilling to accept more Child SAs on
 * this IKE SA, or to rekey it).
 */

import { notify } from '../../ipsec/ike/exchange/messages.js';
import { NotifyError } from '../../ipsec/ike/wire/notify-types.js';
import type { CreateChildBuilt } from '../../machines/ike-sa.create-child.js';
import { answer, base } from '../../machines/ike-sa.setup.js';

const NONE = 'this firmware has no CREATE_CHILD_SA';

/** Every CREATE_CHILD_SA task is moot here. */
export const buildCreateChildTask = (): CreateChildBuilt | undefined => undefined;

/** Never called: no request of ours is ever outstanding. */
export function settleCreateChild(): void {}

/** §3.10.1: a peer's request for a new or rekeyed SA is refused. */
export const answerCreateChild = base.enqueueActions(({ event, enqueue }) => {
  if (event.type !== 'REQUEST') return;
  enqueue(answer([notify(NotifyError.NO_ADDITIONAL_SAS)]));
  enqueue({
    type: 'reportChildFailure',
    params: { failure: { notify: NotifyError.NO_ADDITIONAL_SAS, reason: NONE } },
  });
});

/** No peer's IKE SA rekey is ever answered here, so none is ever adopted. */
export const adoptPeerRekey = base.enqueueActions(() => {});

/**
 * The supervisor's IKE SA rekey hand-over (actors/ike-rekey-handover.ts, RFC 7296 §2.18): no IKE
 * SA is ever rekeyed here, so none is replaced and no task has a successor to go to.
 */
export class IkeRekeyHandover {
  rekeyed(): void {}
  forward(): void {}
}
