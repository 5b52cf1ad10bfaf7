/**
 * NAT traversal of one IKE SA's path: the float to the NAT-T port after IKE_SA_INIT
 * (RFC 7296 §2.23) and the NAT-keepalives that hold a NAT mapping open (RFC 3948 §4).
 */
import type { DaemonConfig } from '../ipsec/config/model.js';
import type { Clock } from '../ipsec/util/clock.js';
import type { IkeSaHandle, SupervisorOptions } from './supervisor-types.js';

/** RFC 3948 §2.1: the NAT-T port. */
export const NAT_T_PORT = 4500;
/** RFC 3948 §2.3: the NAT-keepalive packet, one 0xFF octet. */
export const NAT_KEEPALIVE = Uint8Array.of(0xff);

/**
 * Initiator, after IKE_SA_INIT: IKE moves to the NAT-T ports when a NAT was detected or
 * encapsulation is forced (§2.23). The peer's NAT-T port is ours when it listens on our IKE
 * port, else the standard 4500 (an assumption: a peer with yet another NAT-T port needs config).
 */
export function floatToNatT(
  h: IkeSaHandle,
  daemon: DaemonConfig,
  encap: boolean,
  nat: { readonly local: boolean; readonly remote: boolean } | undefined,
): void {
  if (!h.initiator || h.natT || !(encap || nat?.local || nat?.remote)) return;
  h.local = { address: h.local.address, port: daemon.port_nat_t };
  h.remote = {
    address: h.remote.address,
    port: h.remote.port === daemon.port ? daemon.port_nat_t : NAT_T_PORT,
  };
  h.natT = true;
}

/**
 * RFC 3948 §4: behind a NAT (or with forced encapsulation) a NAT-keepalive goes to the peer's
 * NAT-T port every `intervalS` seconds (daemon.keep_alive, charon's 20 s by default; 0 = none)
 * while the SA lives, to its current endpoint. The timer is h.keepaliveTimer (stopKeepalives).
 */
export function startKeepalives(
  h: IkeSaHandle,
  behindNat: boolean,
  intervalS: number,
  clock: Clock,
  send: SupervisorOptions['send'],
): void {
  if (!h.natT || !behindNat || intervalS <= 0) return;
  const tick = () => {
    if (h.state === 'DESTROYED') return;
    send(NAT_KEEPALIVE, h.local, h.remote, false);
    h.keepaliveTimer = clock.setTimeout(tick, intervalS * 1000);
  };
  h.keepaliveTimer = clock.setTimeout(tick, intervalS * 1000);
}

export function stopKeepalives(h: IkeSaHandle, clock: Clock): void {
  if (h.keepaliveTimer !== undefined) clock.clearTimeout(h.keepaliveTimer);
}
