/**
 * The firmware's stand-ins for the responder's half of the initial exchanges, linked by
 * scripts/build-mote.mjs into a minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL, RFC 7815's
 * minimal initiator: a one-suite firmware by default): `InitResponder` in place of
 * actors/ike-init-responder.ts where the router imports it, `responderState` in place of
 * machines/ike-sa.responder.ts where the IKE SA machine imports it.
 *
 * A mote only initiates: an IKE_SA_INIT request is dropped and logged (no responder, no cookie,
 * nothing sent), as a full build drops one for which no connection matches. So no responder is
 * ever spawned and the machine's responder state is never entered; should it be, the IKE SA
 * fails at once. Nothing is ever half-open (only a responder's SA is), so the DoS accounting
 * the supervisor reads is a guard whose counts stay 0.
 */
import type { DosGuard } from '../../actors/dos-guard.js';
import type { InitResponderOptions } from '../../actors/ike-init-responder.js';
import type { IkeDatagramIn } from '../../actors/supervisor-types.js';
import { base } from '../../machines/ike-sa.setup.js';

const ONLY_INITIATES = 'this minimal firmware only initiates';

/** The DoS accounting of a host that never responds (what the supervisor and router read of it). */
export class NoDosGuard implements Pick<DosGuard, 'halfOpen' | 'halfOpenFrom' | 'closed'> {
  readonly halfOpen = 0;
  halfOpenFrom(_ip: string): number {
    return 0;
  }
  closed(_ip: string): void {}
}

export class InitResponder {
  readonly dos = new NoDosGuard();
  constructor(private readonly o: InitResponderOptions) {}
  forget(): void {}
  receive(d: IkeDatagramIn): void {
    this.o.logger?.info({ remote: d.remote }, `IKE_SA_INIT request dropped: ${ONLY_INITIATES}`);
  }
  close(): void {}
}

export const responderState = base.createStateConfig({
  always: { target: '#ikeSa.failed', actions: base.assign({ failure: { reason: ONLY_INITIATES } }) },
});
