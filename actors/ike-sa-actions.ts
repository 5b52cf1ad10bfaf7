/**
 * The effects of a supervisor's IKE SA actors, provided once per supervisor. `machine.provide`
 * builds a whole machine (every state node of the statechart), so providing per SA cost each
 * SA a machine of its own, in setup time and in memory; here every actor runs the one machine
 * and an action finds its SA by the run that steps it (`self`, an ike-sa-run.ts IkeSaRun).
 */
import type { AnyActorRef } from 'xstate';
import type { ChildSaRecord, ExchangeFailure, IkeSession } from '../ipsec/ike/exchange/session.js';
import type { Identity } from '../ipsec/ike/identity.js';
import { ikeSaMachine } from '../machines/ike-sa.machine.js';
import type { IkeTask, PeerPath } from '../machines/ike-sa.types.js';
import type { IkeSaHandle } from './supervisor-types.js';

/** What the supervisor keeps of one IKE SA actor for its actions. */
export interface IkeSaEntry {
  /** Set right after the actor is created, before it starts. */
  handle?: IkeSaHandle;
  readonly uniqueid: number;
  /** The connection's `encap` (forced UDP encapsulation, RFC 3948). */
  readonly encap: boolean;
  /** The peer's address when the SA began (DoS accounting counts half-open SAs per address). */
  readonly peer: string;
  /** Counted as half-open (DoS accounting) until IKE_AUTH is done or the SA is gone. */
  halfOpen: boolean;
  /** The (SPIi, peer) key of a responder's IKE_SA_INIT (§2.1), forgotten when the SA dies. */
  readonly initKey?: string;
}

/** What the actions do, in the supervisor's terms. */
export interface IkeSaEffects {
  transmit(h: IkeSaHandle, bytes: Uint8Array): void;
  /** §2.23: an authenticated message came over `from`; the SA and its Child SAs move there. */
  peerMoved(h: IkeSaHandle, from: PeerPath): void;
  /** IKE_SA_INIT done: NAT detected at either end, if NAT detection ran (RFC 7296 §2.23). */
  initDone(h: IkeSaHandle, e: IkeSaEntry, nat: { local: boolean; remote: boolean } | undefined): void;
  installChild(h: IkeSaHandle, child: ChildSaRecord): void;
  childFailed(e: IkeSaEntry, failure: ExchangeFailure): void;
  /** `connection`: the session's connection now (a responder's is chosen at IKE_AUTH). */
  established(h: IkeSaHandle, e: IkeSaEntry, connection: string): void;
  failed(h: IkeSaHandle, e: IkeSaEntry, failure: ExchangeFailure): void;
  log(e: IkeSaEntry, level: 'debug' | 'info' | 'warn', detail: object, msg: string): void;
  removeChild(h: IkeSaHandle, child: ChildSaRecord, byPeer: boolean): void;
  initialContact(h: IkeSaHandle, remoteId: Identity): void;
  ikeRekeyed(
    h: IkeSaHandle,
    session: IkeSession,
    children: readonly ChildSaRecord[],
    queue: readonly IkeTask[],
    redundant: boolean,
  ): void;
  forwardTask(h: IkeSaHandle, task: IkeTask): void;
  retryTask(h: IkeSaHandle, task: IkeTask, delayMs: number): void;
  releaseSpi(spi: Uint8Array): void;
}

/** The IKE SA machine with `fx` as its effects, for every run (ike-sa-run.ts) given its `entry`. */
export function provideIkeSaMachine(fx: IkeSaEffects) {
  const entry = (self: AnyActorRef) => (self as unknown as { readonly entry?: IkeSaEntry }).entry;
  const handle = (self: AnyActorRef) => entry(self)?.handle;
  return ikeSaMachine.provide({
    actions: {
      transmit: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.transmit(h, p.bytes);
      },
      peerMoved: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.peerMoved(h, p.from);
      },
      initDone: ({ self }, p) => {
        const e = entry(self);
        if (e?.handle) fx.initDone(e.handle, e, p.nat);
      },
      installChild: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.installChild(h, p.child);
      },
      reportChildFailure: ({ self }, p) => {
        const e = entry(self);
        if (e) fx.childFailed(e, p.failure);
      },
      reportEstablished: ({ self, context }) => {
        const e = entry(self);
        if (e?.handle) fx.established(e.handle, e, context.session.config.name);
      },
      reportFailed: ({ self }, p) => {
        const e = entry(self);
        if (e?.handle) fx.failed(e.handle, e, p.failure);
      },
      reportClosed: () => {},
      logFragments: ({ self }, p) => {
        const e = entry(self);
        if (e) fx.log(e, p.level, p.detail, p.msg);
      },
      removeChild: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.removeChild(h, p.child, p.byPeer ?? false);
      },
      initialContact: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.initialContact(h, p.remoteId);
      },
      ikeRekeyed: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.ikeRekeyed(h, p.session, p.children, p.queue, p.redundant ?? false);
      },
      forwardTask: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.forwardTask(h, p.task);
      },
      retryTask: ({ self }, p) => {
        const h = handle(self);
        if (h) fx.retryTask(h, p.task, p.delayMs);
      },
      releaseSpi: (_, p) => fx.releaseSpi(p.spi),
    },
  });
}
