/**
 * IKE and Child SAs as VICI sections, laid out as charon's vici plugin does (vici_query.c
 * list_ike / list_child, strongSwan 5.9): the values come from list-sas.ts's view (one place
 * computes what we know of an SA), rendered the VICI way: decimal strings, `yes` flags only
 * when true, child sections keyed `<name>-<uniqueid>` with a `name` key, and the keys charon
 * adds that our own list-sas leaves out (nat-local/-remote/-fake, rekey-time, reauth-time,
 * life-time). Our fragment counters are not VICI keys: left out.
 *
 * Used by list-sas (list-sa events) and by the ike-updown, child-updown, ike-rekey and
 * child-rekey events (./sa.ts).
 */
import type { SaInfo } from '../../../../actors/ipsec-backend.js';
import type { IkeSaHandle, InstalledChild } from '../../../../actors/supervisor.js';
import { childView, ikeView, indexSas, type SaIndex } from '../../list-sas.js';
import type { ViciInput } from '../message.js';

/** What building sections needs: the time and the backend's SAs (traffic counters). */
export interface SaSectionSource {
  readonly now: number;
  readonly sas: SaIndex;
}

export function saSectionSource(sas: readonly SaInfo[], now: number): SaSectionSource {
  return { now, sas: indexSas(sas) };
}

const secs = (ms: number) => Math.floor(ms / 1000);

/** charon's child_sa_state_names from our child lifecycle (machines/child-sa.machine.ts). */
export function childState(c: InstalledChild): string {
  const v = c.lifecycle.getSnapshot().value;
  return typeof v === 'string' ? v.toUpperCase() : 'INSTALLED';
}

/** charon's ike_sa_state_names from our handle's state. */
export function ikeState(h: Pick<IkeSaHandle, 'state'>): string {
  return h.state === 'DESTROYED' ? 'DELETING' : h.state;
}

/** list_child: one Child SA (the section under child-sas). */
export function childSaSection(c: InstalledChild, src: SaSectionSource): ViciInput {
  const v = childView(c, src.sas, src.now);
  const state = childState(c);
  const live = state === 'INSTALLED' || state === 'REKEYING' || state === 'REKEYED';
  const cfg = c.record.config;
  const elapsed = src.now - c.installedAt;
  // Our lifetimes are jittered when installed (child-sas.ts): the configured ones are upper bounds.
  const remaining = (seconds: number) => (seconds > 0 ? Math.max(0, seconds - secs(elapsed)) : undefined);
  return {
    name: v.name,
    uniqueid: v.uniqueid,
    reqid: v.reqid,
    state,
    mode: v.mode,
    ...(live
      ? {
          protocol: v.protocol,
          encap: v.encap ? 'yes' : undefined,
          'spi-in': v['spi-in'],
          'spi-out': v['spi-out'],
          'encr-alg': v['encr-alg'],
          'encr-keysize': v['encr-keysize'],
          'integ-alg': v['integ-alg'],
          'dh-group': v['dh-group'],
          esn: v.esn ? '1' : undefined,
          'bytes-in': v['bytes-in'],
          'packets-in': v['packets-in'],
          'use-in': v['use-in'],
          'bytes-out': v['bytes-out'],
          'packets-out': v['packets-out'],
          'use-out': v['use-out'],
          'rekey-time': remaining(cfg.rekey_time),
          'life-time': remaining(cfg.life_time),
          'install-time': v['install-time'],
        }
      : {}),
    'local-ts': v['local-ts'],
    'remote-ts': v['remote-ts'],
  };
}

/** The key of a Child SA's section under child-sas (charon: `<name>-<uniqueid>`). */
export const childKey = (c: InstalledChild) => `${c.record.config.name}-${c.uniqueid}`;

/** list_ike: the IKE SA's own keys (no child-sas). */
export function ikeSaKeys(h: IkeSaHandle, src: SaSectionSource): ViciInput {
  const v = ikeView(h, src.sas, src.now);
  const { session: s, ikeRekeyMs } = h.actor.getSnapshot().context;
  const natLocal = s.nat?.local === true;
  const natRemote = s.nat?.remote === true;
  // encap = yes fakes a NAT (charon's COND_NAT_FAKE) when none was detected.
  const natFake = !natLocal && !natRemote && s.config?.encap === true;
  const natAny = natLocal || natRemote || natFake || v['nat-any'] === true;
  const yes = (b: boolean) => (b ? 'yes' : undefined);
  const up = h.state === 'ESTABLISHED' && h.establishedAt !== undefined;
  const rekeyAt = up && ikeRekeyMs && ikeRekeyMs > 0 ? h.establishedAt! + ikeRekeyMs : undefined;
  return {
    uniqueid: v.uniqueid,
    version: 2,
    state: ikeState(h),
    'local-host': v['local-host'],
    'local-port': v['local-port'],
    'local-id': v['local-id'] ?? '%any',
    'remote-host': v['remote-host'],
    'remote-port': v['remote-port'],
    'remote-id': v['remote-id'] ?? '%any',
    initiator: yes(v.initiator),
    'initiator-spi': v['initiator-spi'],
    'responder-spi': v['responder-spi'],
    'nat-local': yes(natLocal),
    'nat-remote': yes(natRemote),
    'nat-fake': yes(natFake),
    'nat-any': yes(natAny),
    'encr-alg': v['encr-alg'],
    'encr-keysize': v['encr-keysize'],
    'integ-alg': v['integ-alg'],
    'prf-alg': v['prf-alg'],
    'dh-group': v['dh-group'],
    ...(up
      ? {
          established: v.established,
          'rekey-time': rekeyAt !== undefined ? Math.max(0, secs(rekeyAt - src.now)) : undefined,
        }
      : {}),
  };
}

/** The IKE SA's keys and child-sas with `children` (default: all of its children). */
export function ikeSaBody(
  h: IkeSaHandle,
  src: SaSectionSource,
  children: readonly InstalledChild[] = h.children,
): ViciInput {
  const sas: Record<string, ViciInput> = {};
  for (const c of children) sas[childKey(c)] = childSaSection(c, src);
  return { ...ikeSaKeys(h, src), 'child-sas': sas };
}

/** A list-sa event: `<ike-name> { ...list_ike, child-sas { ... } }`. */
export function listSaEvent(
  h: IkeSaHandle,
  src: SaSectionSource,
  children: readonly InstalledChild[] = h.children,
): ViciInput {
  return { [h.name]: ikeSaBody(h, src, children) };
}
