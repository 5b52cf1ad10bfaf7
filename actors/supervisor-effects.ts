/**
 * What the supervisor does for its IKE SA runs: the effects the IKE SA machine's actions call
 * (ike-sa-actions.ts), and what follows a run's steps (a peer identity learnt, the SA's end).
 * One table and one observer per supervisor, shared by every SA (no closures per SA).
 */
import type { Identity } from '../ipsec/ike/identity.js';
import type { PeerPath } from '../machines/ike-sa.types.js';
import { countedHeader, type IkeMessageCounters } from './ike-message-counters.js';
import type { IkeRekeyHandover } from './ike-rekey-handover.js';
import type { IkeSaEffects, IkeSaEntry } from './ike-sa-actions.js';
import type { IkeSaEndings } from './ike-sa-endings.js';
import type { IkeSaRunObserver } from './ike-sa-run.js';
import { floatToNatT, startKeepalives } from './nat-t.js';
import type { SupervisorChildren } from './supervisor-children.js';
import type { IkeSaIndex } from './supervisor-index.js';
import type {
  IkeSaHandle,
  SupervisorCounters,
  SupervisorEvent,
  SupervisorOptions,
} from './supervisor-types.js';

/** The supervisor's parts its SAs' effects reach. */
export interface SupervisorEffectsHost {
  readonly o: SupervisorOptions;
  readonly counters: SupervisorCounters;
  readonly messageCounters: IkeMessageCounters;
  readonly index: IkeSaIndex;
  readonly children: SupervisorChildren;
  readonly endings: IkeSaEndings;
  readonly rekeys: IkeRekeyHandover;
  emit(e: SupervisorEvent): void;
  /** No longer half-open (DoS accounting). */
  settled(e: IkeSaEntry): void;
  /** The SA is gone: its DoS accounting and IKE_SA_INIT key go. */
  forget(e: IkeSaEntry): void;
  destroy(h: IkeSaHandle): void;
  /** §2.23: the peer sends over `path` now. */
  peerMoved(h: IkeSaHandle, path: PeerPath): void;
  /** §2.4: the other IKE SAs with this identity are stale. */
  initialContact(h: IkeSaHandle, id: Identity): void;
}

/** The IKE SA runs' effects (ike-sa-actions.ts), once for every SA of a supervisor. */
export function supervisorEffects(host: SupervisorEffectsHost): IkeSaEffects {
  const { o } = host;
  return {
    transmit: (h, bytes) => {
      const header = countedHeader(bytes);
      if (header) host.messageCounters.count(h, h.name, header, false);
      o.send(bytes, h.local, h.remote, h.natT);
    },
    peerMoved: (h, from) => host.peerMoved(h, from),
    initDone: (h, e, nat) => floatToNatT(h, o.config.daemon, e.encap, nat),
    installChild: (h, child) => host.children.install(h, child),
    childFailed: (e, failure) => o.logger?.info({ ike: e.uniqueid, failure }, 'child SA not created'),
    established: (h, e, connection) => {
      h.state = 'ESTABLISHED';
      h.establishedAt = o.clock.now();
      host.settled(e);
      // a responder's connection is the one IKE_AUTH chose among the candidates by identities
      host.index.renamed(h, connection);
      const { session: s } = h.actor.getSnapshot().context;
      const behindNat = !!(s.nat?.local || s.config.encap);
      startKeepalives(h, behindNat, o.config.daemon.keep_alive, o.clock, o.send);
      host.endings.armHardLifetime(h);
      host.emit({ type: 'ike-established', handle: h });
    },
    failed: (h, e, failure) => {
      h.failure = failure;
      // a responder that refused at IKE_AUTH: the SA is named after the connection it chose
      if (failure.connection) host.index.renamed(h, failure.connection);
      o.logger?.info({ ike: e.uniqueid, failure }, 'IKE SA failed');
    },
    log: (e, level, detail, msg) => o.logger?.[level]({ ike: e.uniqueid, ...detail }, msg),
    removeChild: (h, child, byPeer) => host.children.removeRecord(h, child, byPeer),
    initialContact: (h, remoteId) => host.initialContact(h, remoteId),
    ikeRekeyed: (h, session, children, queue, redundant) =>
      host.rekeys.rekeyed(h, session, children, queue, redundant),
    forwardTask: (h, task) => host.rekeys.forward(h, task),
    // Outlives this SA's run if it is replaced or closes meanwhile (§2.25 retries, §2.18).
    retryTask: (h, task, delayMs) =>
      o.clock.setTimeout(() => {
        if (h.state === 'DESTROYED') host.rekeys.forward(h, task);
        else h.actor.send({ type: 'TASK', task });
      }, delayMs),
    releaseSpi: (spi) => o.backend.deleteSa({ spi, direction: 'in' }),
  };
}

/** What follows each IKE SA run's steps: the peer's identity indexed, the SA's end. */
export function supervisorObserver(host: SupervisorEffectsHost): IkeSaRunObserver {
  return {
    next: (snapshot, run) => {
      const entry = run.entry;
      const h = entry?.handle;
      if (!entry || !h) return;
      // §2.4: the peer's authenticated identity, for a later INITIAL_CONTACT of that peer.
      if (h.state !== 'DESTROYED') host.index.setRemoteId(h, snapshot.context.session.remoteId);
      if (snapshot.status !== 'done') return;
      host.forget(entry);
      host.destroy(h);
    },
    // A bug in an exchange function must not take the daemon down: the IKE SA dies alone.
    error: (error, run) => {
      const entry = run.entry;
      const h = entry?.handle;
      if (!entry || !h) return;
      host.counters.actorErrors++;
      h.failure = { reason: `internal error: ${error instanceof Error ? error.message : String(error)}` };
      host.o.logger?.warn({ ike: h.uniqueid, error: String(error) }, 'IKE SA actor failed');
      host.forget(entry);
      host.destroy(h);
    },
  };
}
