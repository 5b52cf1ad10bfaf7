/**
 * The birth and death of the supervisor's IKE SAs (supervisor.ts owns the rest): spawn builds an
 * IKE SA run and its handle and registers them with the router and the index; settled and
 * forget end an SA's half-open accounting and its IKE_SA_INIT key (RFC 7296 §2.1); destroy
 * removes its Child SAs, wipes its keys, keeps its fragment counters and tells the endings and
 * the listeners.
 */
import type { ConnectionConfig } from '../ipsec/config/model.js';
import type { ChildSaRecord, IkeDeps, IkeSession } from '../ipsec/ike/exchange/session.js';
import { udpOverhead } from '../ipsec/ike/fragment/size.js';
import { wipeIkeSaKeys } from '../ipsec/ike/keys/ike-keys.js';
import type { DecodedMessage } from '../ipsec/ike/wire/message.js';
import { toHex } from '../ipsec/util/bytes.js';
import { emptyFragmentState } from '../machines/ike-sa.outbound.js';
import type { FragmentCounters, IkeTiming } from '../machines/ike-sa.types.js';
import type { Endpoint } from '../transport/types.js';
import { endFragments, fragmentSettings } from './ike-fragments.js';
import { IKE_PORT, type IkeRouter } from './ike-router.js';
import type { IkeSaEntry, provideIkeSaMachine } from './ike-sa-actions.js';
import type { IkeSaEndings } from './ike-sa-endings.js';
import { IkeSaRun, type IkeSaRunObserver } from './ike-sa-run.js';
import type { SupervisorInspector } from './inspection/supervisor-inspector.js';
import { stopKeepalives } from './nat-t.js';
import type { SupervisorChildren } from './supervisor-children.js';
import type { IkeSaIndex } from './supervisor-index.js';
import type { IkeSaHandle, SupervisorEvent, SupervisorOptions } from './supervisor-types.js';

/** What spawn adds to a run's input besides the session. */
export interface SpawnExtra {
  readonly candidates?: readonly ConnectionConfig[];
  readonly initMessage?: { decoded: DecodedMessage; raw: Uint8Array };
  readonly firstChild?: ConnectionConfig['children'][number];
  readonly established?: { children: readonly ChildSaRecord[]; retired?: boolean };
}

/** The supervisor's parts an IKE SA's birth and death touch. */
export interface IkeSaLivesHost {
  readonly o: SupervisorOptions;
  readonly router: IkeRouter;
  readonly index: IkeSaIndex;
  readonly children: SupervisorChildren;
  readonly endings: IkeSaEndings;
  readonly inspector: SupervisorInspector | undefined;
  readonly machine: ReturnType<typeof provideIkeSaMachine>;
  readonly observer: IkeSaRunObserver;
  readonly deps: IkeDeps;
  emit(e: SupervisorEvent): void;
}

export class IkeSaLives {
  /** Fragment counters of the IKE SAs already destroyed. */
  pastFragments: FragmentCounters = emptyFragmentState().counters;
  private nextUniqueId = 1;

  constructor(private readonly host: IkeSaLivesHost) {}

  private timing(): IkeTiming {
    const d = this.host.o.config.daemon;
    return {
      retransmit_timeout: d.retransmit_timeout,
      retransmit_tries: d.retransmit_tries,
      retransmit_base: d.retransmit_base,
      half_open_timeout: d.half_open_timeout,
    };
  }

  /** A new IKE SA run for connection `name`, started; its handle, registered. */
  spawn(
    name: string,
    session: IkeSession,
    path: { local: Endpoint; remote: Endpoint; natT?: boolean },
    extra: SpawnExtra,
    initKey?: string,
  ): IkeSaHandle {
    const { o, router, index, inspector } = this.host;
    const uniqueid = this.nextUniqueId++;
    const natT = path.natT ?? (path.local.port !== IKE_PORT && path.remote.port !== IKE_PORT);
    const ourSpi = toHex(session.role === 'initiator' ? session.spiI : session.spiR);
    const entry: IkeSaEntry = {
      uniqueid,
      encap: session.config.encap,
      peer: path.remote.address,
      halfOpen: initKey !== undefined,
      ...(initKey !== undefined ? { initKey } : {}),
    };
    const actor = new IkeSaRun(this.host.machine, {
      clock: o.clock,
      ...inspector?.ikeSa(uniqueid, session, () => entry.handle),
      input: {
        deps: this.host.deps,
        timing: this.timing(),
        session,
        ...(extra.candidates ? { candidates: extra.candidates } : {}),
        ...(extra.initMessage ? { initMessage: extra.initMessage } : {}),
        ...(extra.firstChild ? { firstChild: extra.firstChild } : {}),
        ...(extra.established ? { established: extra.established } : {}),
        fragmentation: fragmentSettings(
          o.config.daemon,
          o.ikeDatagramOverhead ?? udpOverhead,
          () => entry.handle,
          o.fragmentLimits,
        ),
      },
    });
    actor.entry = entry;
    const handle: IkeSaHandle = {
      uniqueid,
      name,
      initiator: session.role === 'initiator',
      local: path.local,
      remote: path.remote,
      natT,
      ourSpi,
      actor,
      state: 'CONNECTING',
      children: [],
    };
    entry.handle = handle;
    router.add(handle);
    index.add(handle);
    actor.subscribe(this.host.observer);
    actor.start();
    if (handle.state !== 'DESTROYED') index.setRemoteId(handle, actor.getSnapshot().context.session.remoteId);
    return handle;
  }

  /** No longer half-open (DoS accounting): IKE_AUTH is done or the SA is gone. */
  settled(e: IkeSaEntry): void {
    if (e.halfOpen) this.host.router.dos.closed(e.peer);
    e.halfOpen = false;
  }

  /**
   * §2.1: a late retransmission of IKE_SA_INIT still reaches this SA (and is ignored there)
   * for as long as the SA lives; only then is the (SPIi, peer) key forgotten.
   */
  forget(e: IkeSaEntry): void {
    this.settled(e);
    if (e.initKey && e.handle) this.host.router.forgetInit(e.initKey, e.handle);
  }

  destroy(h: IkeSaHandle): void {
    if (h.state === 'DESTROYED') return;
    const { o, router, index, children, endings } = this.host;
    stopKeepalives(h, o.clock);
    if (h.lifetimeTimer !== undefined) o.clock.clearTimeout(h.lifetimeTimer);
    const wasUp = h.state === 'ESTABLISHED';
    h.state = 'DESTROYED';
    const lost = children.removeAll(h);
    router.remove(h);
    index.remove(h);
    this.pastFragments = endFragments(this.pastFragments, h); // buffers zeroed, counters kept
    endings.ended(h, wasUp, lost);
    // Keys are zeroed when the SA dies (a rekeyed SA's successor has keys of its own).
    const { session } = h.actor.getSnapshot().context;
    if (session.keys) wipeIkeSaKeys(session.keys);
    session.sk?.initiator.cipher.destroy();
    session.sk?.responder.cipher.destroy();
    session.sk?.initiator.mac?.destroy();
    session.sk?.responder.mac?.destroy();
    this.host.emit({ type: wasUp ? 'ike-closed' : 'ike-failed', handle: h, children: lost });
  }
}
