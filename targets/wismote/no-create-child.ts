/**
 * The firmware's stand-in for ipsec/ike/exchange/create-child.ts (CREATE_CHILD_SA, RFC 7296
 * §1.3), linked by scripts/build-mote.mjs into a minimal firmware (mote-build.ts
 * MOTE_BUILD_MINIMAL, RFC 7815's minimal initiator: a one-suite firmware by default). The mote
 * keeps the one Child SA of IKE_AUTH for the IKE SA's life and starts over with a new IKE SA
 * rather than rekeying.
 *
 * Such a firmware refuses a profile with a rekey time at boot (mote-stack.ts), so it never asks
 * for a CREATE_CHILD_SA; a task that would (a rekey or a second Child SA asked of the
 * supervisor) is dropped as moot, as a task whose request cannot be built always is. A peer's
 * request is refused with NO_ADDITIONAL_SAS (§3.10.1: unwilling to accept more Child SAs on
 * this IKE SA, or to rekey it).
 */

import type {
  CreateChildAnswer,
  CreateChildOutcome,
  CreateChildRequest,
} from '../../ipsec/ike/exchange/create-child.js';
import { notify } from '../../ipsec/ike/exchange/messages.js';
import type { ExchangeFailure } from '../../ipsec/ike/exchange/session.js';
import { NotifyError } from '../../ipsec/ike/wire/notify-types.js';
import type { Payload } from '../../ipsec/ike/wire/payload-types.js';
import { err, type Result } from '../../ipsec/result.js';

const NONE = 'this firmware has no CREATE_CHILD_SA';

type Built = Result<{ request: CreateChildRequest; payloads: Payload[] }, string>;

export const buildChildRequest = (): Built => err(NONE);
export const buildIkeRekeyRequest = (): Built => err(NONE);

/** Never called: no request of ours is ever outstanding. */
export const handleCreateChildResponse = (): CreateChildOutcome => ({
  kind: 'failed',
  failure: { reason: NONE },
});

/** §3.10.1: a peer's request for a new or rekeyed SA is refused. */
export function handleCreateChildRequest(): CreateChildAnswer {
  const failure: ExchangeFailure = { notify: NotifyError.NO_ADDITIONAL_SAS, reason: NONE };
  return { kind: 'refused', payloads: [notify(NotifyError.NO_ADDITIONAL_SAS)], failure };
}

/**
 * The supervisor's IKE SA rekey hand-over (actors/ike-rekey-handover.ts, RFC 7296 §2.18): no IKE
 * SA is ever rekeyed here, so none is replaced and no task has a successor to go to.
 */
export class IkeRekeyHandover {
  rekeyed(): void {}
  forward(): void {}
}
