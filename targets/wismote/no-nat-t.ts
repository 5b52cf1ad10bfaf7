/**
 * The firmware's stand-in for actors/nat-t.ts (the initiator's float to the NAT-T port after
 * IKE_SA_INIT, RFC 7296 §2.23, and NAT-keepalives, RFC 3948 §4), linked by scripts/build-mote.mjs
 * into a minimal firmware (mote-build.ts MOTE_BUILD_MINIMAL) where the supervisor imports it.
 * IKE floats only when a NAT was detected or encapsulation is forced: a minimal firmware
 * detects none (no-nat-detection.ts) and the mote profile forces none (profile.ts sets `encap:
 * false`, which no profile option changes), so IKE stays on port 500, no keepalive timer is
 * ever set and none is to be stopped. A peer that moves is still followed
 * (actors/peer-path.ts).
 */

import type { IkeSaHandle, SupervisorOptions } from '../../actors/supervisor-types.js';
import type { DaemonConfig } from '../../ipsec/config/model.js';
import type { Clock } from '../../ipsec/util/clock.js';

export function floatToNatT(
  _h: IkeSaHandle,
  _daemon: DaemonConfig,
  _encap: boolean,
  _nat: { readonly local: boolean; readonly remote: boolean } | undefined,
): void {}

export function startKeepalives(
  _h: IkeSaHandle,
  _behindNat: boolean,
  _intervalS: number,
  _clock: Clock,
  _send: SupervisorOptions['send'],
): void {}

export function stopKeepalives(_h: IkeSaHandle, _clock: Clock): void {}
