/**
 * The supervisor: owns the IKE side of one host. It spawns the IKE SA runs (initiators on
 * request, responders for what the router admits), wires their effects (supervisor-effects.ts),
 * hands Child SAs to supervisor-children.ts (the IPsec backend, reqids, lifecycles), answers
 * acquires and expiries, and forgets SAs that end.
 * Routing inbound IKE datagrams, the SPI tables and DoS protection are ike-router.ts.
 *
 * Lifecycle of an IKE SA here: spawn (run + handle, registered with the router:
 * supervisor-lives.ts) -> initDone (NAT-T float) -> reportEstablished (keepalives) -> ikeRekeyed
 * (a new run takes the children: ike-rekey-handover.ts) | done/error -> destroy (Child SAs
 * removed, keys wiped, handle forgotten: supervisor-lives.ts).
 */
import type { Subscription } from 'rxjs';
import { findSecret } from '../ipsec/config/secrets.js';
import { newInitiatorSession } from '../ipsec/ike/exchange/ike-sa-init.js';
import type { IkeDeps } from '../ipsec/ike/exchange/session.js';
import { udpOverhead } from '../ipsec/ike/fragment/size.js';
import type { Identity } from '../ipsec/ike/identity.js';
import { ProtocolId } from '../ipsec/ike/model.js';
import { configuredProposals } from '../ipsec/ike/proposal/configured.js';
import { parseIp } from '../ipsec/packet/address.js';
import type { Result } from '../ipsec/result.js';
import type { FragmentCounters, IkeTask, PeerPath } from '../machines/ike-sa.types.js';
import type { DosGuard } from './dos-guard.js';
import { addFragmentCounters, fragmentCounters } from './ike-fragment-counters.js';
import { assertFragmentSize } from './ike-fragments.js';
import { IkeMessageCounters } from './ike-message-counters.js';
import { IkeRekeyHandover } from './ike-rekey-handover.js';
import { IkeRouter } from './ike-router.js';
import { provideIkeSaMachine } from './ike-sa-actions.js';
import { IkeSaEndings } from './ike-sa-endings.js';
import type { SupervisorInspector } from './inspection/supervisor-inspector.js';
import type { IpsecEvent } from './ipsec-backend.js';
import { movePeer } from './peer-path.js';
import { StartActions } from './start-actions.js';
import { SupervisorChildren } from './supervisor-children.js';
import { type SupervisorEffectsHost, supervisorEffects, supervisorObserver } from './supervisor-effects.js';
import { IkeSaIndex } from './supervisor-index.js';
import { IkeSaLives } from './supervisor-lives.js';
import type {
  IkeSaHandle,
  InstalledChild,
  SupervisorCounters,
  SupervisorEvent,
  SupervisorOptions,
} from './supervisor-types.js';

export class Supervisor {
  readonly counters: SupervisorCounters = {
    datagrams: 0,
    malformed: 0,
    unknownSpi: 0,
    cookiesSent: 0,
    dosDropped: 0,
    actorErrors: 0,
  };
  /** IKE messages in and out per exchange type (strongSwan's counters), by connection. */
  readonly messageCounters = new IkeMessageCounters();
  private readonly router: IkeRouter;
  /** The live IKE SAs and Child SAs by what operations look them up by (supervisor-index.ts). */
  private readonly index = new IkeSaIndex();
  private readonly subscription: Subscription;
  /** IKE SA rekeys: successors and the work forwarded to them (ike-rekey-handover.ts). */
  private readonly rekeys: IkeRekeyHandover;
  private readonly endings: IkeSaEndings;
  private readonly startActions: StartActions;
  /** Child SAs installed, removed, their reqids (supervisor-children.ts). */
  private readonly children: SupervisorChildren;
  /** Spawning and destroying IKE SAs (supervisor-lives.ts). */
  private readonly lives: IkeSaLives;
  private listeners: ((e: SupervisorEvent) => void)[] = [];
  private readonly o: SupervisorOptions;
  /** The inspection stream's view of this supervisor (actors/inspection), with a hub only. */
  private readonly inspector?: SupervisorInspector;
  /** What every exchange needs of the daemon (the same for every SA). */
  private readonly sharedDeps: IkeDeps;

  /** Throws FragmentSizeError when daemon.fragment_size leaves no room for IKE fragments. */
  constructor(options: SupervisorOptions) {
    if (options.inspection) this.inspector = options.inspection.inspect(this);
    const o = this.inspector?.wrap(options) ?? options;
    this.o = o;
    this.sharedDeps = this.deps();
    assertFragmentSize(o.config, o.ikeDatagramOverhead ?? udpOverhead);
    this.router = new IkeRouter({
      config: o.config,
      provider: o.provider,
      random: o.random,
      clock: o.clock,
      send: o.send,
      ...(o.logger ? { logger: o.logger } : {}),
      counters: this.counters,
      cookieRotation: o.cookieRotation ?? 120,
      deps: () => this.sharedDeps,
      routed: (h, header) => this.messageCounters.count(h, h.name, header, true),
      spawnResponder: (r) =>
        this.lives.spawn(
          r.config.name,
          r.session,
          r.datagram,
          { candidates: r.candidates, initMessage: r.initMessage },
          r.initKey,
        ),
    });
    this.rekeys = new IkeRekeyHandover({
      clock: o.clock,
      index: this.index,
      spawnSuccessor: (old, session, established) =>
        this.lives.spawn(
          old.name,
          session,
          { local: old.local, remote: old.remote, natT: old.natT },
          { established },
        ),
      emit: (e) => this.emit(e),
    });
    this.children = new SupervisorChildren({
      o,
      index: this.index,
      inspector: this.inspector,
      trapReqid: (connection, child) => this.startActions.trapReqid(connection, child),
      isTrapped: (reqid) => this.startActions.isTrapped(reqid),
      deletedByPeer: (h, c) => this.endings.childDeletedByPeer(h, c),
      emit: (e) => this.emit(e),
    });
    this.startActions = new StartActions(this, {
      config: o.config,
      backend: o.backend,
      ...(o.logger ? { logger: o.logger } : {}),
      newReqid: (key) => this.children.newReqid(key),
    });
    this.endings = new IkeSaEndings({
      config: o.config,
      clock: o.clock,
      ...(o.logger ? { logger: o.logger } : {}),
      reqidInUse: (reqid) => this.index.reqidInUse(reqid),
      initiate: (connection, child, attempt) => {
        try {
          this.initiateAttempt(connection, child, attempt);
        } catch (e) {
          this.o.logger?.warn({ connection, error: String(e) }, 'keyingtries: cannot initiate');
        }
      },
      restore: (connection, child, how) => this.startActions.restore(connection, child, how),
      destroy: (h) => this.lives.destroy(h),
    });
    const host: SupervisorEffectsHost = {
      o,
      counters: this.counters,
      messageCounters: this.messageCounters,
      index: this.index,
      children: this.children,
      endings: this.endings,
      rekeys: this.rekeys,
      emit: (e) => this.emit(e),
      settled: (e) => this.lives.settled(e),
      forget: (e) => this.lives.forget(e),
      destroy: (h) => this.lives.destroy(h),
      peerMoved: (h, path) => this.peerMoved(h, path),
      initialContact: (h, id) => this.initialContact(h, id),
    };
    this.lives = new IkeSaLives({
      o,
      router: this.router,
      index: this.index,
      children: this.children,
      endings: this.endings,
      inspector: this.inspector,
      machine: provideIkeSaMachine(supervisorEffects(host)),
      observer: supervisorObserver(host),
      deps: this.sharedDeps,
      emit: (e) => this.emit(e),
    });
    this.subscription = o.ikeIn$.subscribe((d) => this.router.receive(d));
    this.subscription.add(o.backend.events$.subscribe((e) => this.onIpsecEvent(e)));
  }

  on(listener: (e: SupervisorEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private emit(e: SupervisorEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** DoS accounting of half-open IKE SAs (ike-router.ts). */
  get dos(): DosGuard {
    return this.router.dos;
  }

  /** Reqids held: one per child config and negotiated selectors with Child SAs up, and per trap. */
  get reqidCount(): number {
    return this.children.reqidCount;
  }

  /** Every live IKE SA, in spawn order (an array built again after SAs came or went: not for hot paths). */
  get ikeSas(): readonly IkeSaHandle[] {
    return this.router.handles;
  }

  /** The live IKE SAs of connection `name`, in spawn order. */
  ikeSasNamed(name: string): Iterable<IkeSaHandle> {
    return this.index.named(name);
  }

  /** IKE fragmentation counters (RFC 7383) of every IKE SA so far, live and gone. */
  fragmentCounters(): FragmentCounters {
    return this.ikeSas.reduce(
      (sum, h) => addFragmentCounters(sum, fragmentCounters(h)),
      this.lives.pastFragments,
    );
  }

  private deps(): IkeDeps {
    const { provider, random, backend, config } = this.o;
    return {
      provider,
      random,
      allocChildSpi: () => {
        const spi = backend.allocSpi();
        if (!spi.ok) throw new Error(`allocSpi: ${spi.error.message}`);
        return spi.value;
      },
      allocIkeSpi: () => this.router.newSpi(),
      findSecret: (a: Identity, b: Identity) => findSecret(config.secrets, a, b),
      ...(this.o.pubkey ? { pubkey: this.o.pubkey } : {}),
    };
  }

  // ---- outbound ----

  /** Starts an IKE SA for `connection` (swanctl --initiate), with the first child `child`. */
  initiate(connection: string, child?: string): IkeSaHandle {
    return this.initiateAttempt(connection, child, 1);
  }

  private initiateAttempt(connection: string, child: string | undefined, attempt: number): IkeSaHandle {
    const config = this.o.config.connections.find((c) => c.name === connection);
    if (!config) throw new Error(`no connection '${connection}'`);
    const childConfig =
      child === undefined ? config.children[0] : config.children.find((c) => c.name === child);
    if (child !== undefined && !childConfig)
      throw new Error(`no child '${child}' in connection '${connection}'`);
    const local = { address: config.local_addrs[0] ?? '0.0.0.0', port: config.local_port };
    const remote = { address: config.remote_addrs[0] ?? '', port: config.remote_port };
    if (!parseIp(remote.address)) throw new Error(`connection '${connection}' has no usable remote address`);
    const proposals = configuredProposals(config.proposals, ProtocolId.IKE);
    if (!proposals.ok) throw new Error(`proposals: ${proposals.error.message}`);
    const others = this.index.hasPeer(config.name, remote.address);
    const session = {
      ...newInitiatorSession(config, proposals.value, local, remote, this.router.newSpi()),
      initialContact: !others,
    };
    const h = this.lives.spawn(
      config.name,
      session,
      { local, remote, natT: false },
      childConfig ? { firstChild: childConfig } : {},
    );
    this.endings.initiated(h, child, attempt);
    return h;
  }

  /**
   * Deletes an IKE SA (and its Child SAs) by uniqueid or name. `force`: without waiting for the
   * peer's answer, as charon's `terminate force`: the Delete goes out if the SA is established
   * and idle, and the SA is destroyed here at once (a half-open one too).
   */
  terminate(which: number | string, options: { readonly force?: boolean } = {}): number {
    let n = 0;
    for (const h of this.index.matching(which)) {
      h.actor.send({ type: 'TERMINATE' });
      if (options.force && h.state !== 'DESTROYED') {
        h.actor.stop();
        const entry = h.actor.entry;
        if (entry) this.lives.forget(entry);
        this.lives.destroy(h);
      }
      n++;
    }
    return n;
  }

  /**
   * §2.4: N(INITIAL_CONTACT): the peer has rebooted or lost its state, so every other IKE SA we
   * hold with that identity is stale: removed with its Child SAs, without Delete exchanges.
   */
  private initialContact(h: IkeSaHandle, id: Identity): void {
    for (const other of this.index.withRemoteId(id)) {
      if (other === h || other.state === 'DESTROYED') continue;
      other.actor.stop();
      this.lives.destroy(other);
    }
  }

  /** Queues work on an IKE SA (by uniqueid or connection name). Returns how many took it. */
  task(which: number | string, task: IkeTask): number {
    let n = 0;
    for (const h of this.index.matching(which)) {
      if (h.state === 'ESTABLISHED') {
        h.actor.send({ type: 'TASK', task });
        n++;
      }
    }
    return n;
  }

  /** The IKE SA and installed child for a child uniqueid, config name, or inbound/outbound SPI. */
  findChild(which: number | string | Uint8Array): { handle: IkeSaHandle; child: InstalledChild } | undefined {
    if (typeof which === 'number') return this.index.childByUniqueid(which);
    if (typeof which !== 'string') return this.index.childBySpi(which);
    for (const handle of this.ikeSas) {
      // Newest first: after a rekey the replacement answers to the child's name.
      for (let i = handle.children.length - 1; i >= 0; i--) {
        const child = handle.children[i]!;
        if (child.record.config.name === which) return { handle, child };
      }
    }
    return undefined;
  }

  createChild(ike: number | string, child: string): number {
    const h = this.index.first(ike);
    const config = h?.actor.getSnapshot().context.session.config.children.find((c) => c.name === child);
    return h && config ? this.task(h.uniqueid, { kind: 'createChild', config }) : 0;
  }

  rekeyChild(which: number | string | Uint8Array): boolean {
    const f = this.findChild(which);
    if (!f || this.task(f.handle.uniqueid, { kind: 'rekeyChild', spiIn: f.child.record.spiIn }) === 0)
      return false;
    f.child.lifecycle.send({ type: 'REKEY' });
    return true;
  }

  deleteChild(which: number | string | Uint8Array): boolean {
    const f = this.findChild(which);
    if (!f || this.task(f.handle.uniqueid, { kind: 'deleteChild', spiIn: f.child.record.spiIn }) === 0)
      return false;
    f.child.lifecycle.send({ type: 'DELETE' });
    return true;
  }

  rekeyIke(which: number | string): number {
    return this.task(which, { kind: 'rekeyIke' });
  }

  /**
   * Applies start_action (swanctl.conf): `start` initiates the child now, `trap` installs its
   * PROTECT policies so that the first matching packet raises an acquire (RFC 4301 §5.1).
   */
  start(): void {
    this.startActions.start();
  }

  /**
   * swanctl --install: trap policies for `child` of `connection` (the first connection with that
   * child when undefined), as start_action = trap installs them; an error text if impossible.
   */
  installTrap(connection: string | undefined, child: string): Result<{ connection: string }, string> {
    return this.startActions.installTrap(connection, child);
  }

  /** swanctl --uninstall: removes the trap policies of `child`; false if it had none. */
  uninstallTrap(child: string, connection?: string): boolean {
    return this.startActions.uninstallTrap(child, connection);
  }

  /**
   * §2.23: the peer of `h` sends over `path` now (an authenticated IKE message or ESP packet came
   * from there): the IKE SA, the per-peer index and the Child SAs' ESP SAs follow it.
   */
  private peerMoved(h: IkeSaHandle, path: PeerPath): void {
    const before = { remote: h.remote, natT: h.natT };
    if (!movePeer(h, path)) return;
    this.index.moved(h);
    this.children.moved(h);
    // the float to the NAT-T port is routine; a NAT-T peer appearing elsewhere is news
    this.o.logger?.[before.natT ? 'info' : 'debug'](
      { ike: h.uniqueid, from: before.remote, to: h.remote },
      before.natT ? 'peer moved (NAT mapping changed)' : 'peer floated to NAT-T',
    );
  }

  /** ESP events: acquire -> negotiate (start-actions.ts); soft expiry -> rekey, hard -> delete; mapping -> follow. */
  private onIpsecEvent(e: IpsecEvent): void {
    if (e.type === 'ipsec.acquire') {
      if (e.offer?.connection) this.startActions.acquire(e.offer.connection, e.offer.child, e.reqid);
      return;
    }
    const f = this.findChild(e.spi);
    if (!f) return;
    if (e.type === 'ipsec.mapping') {
      // RFC 3948 with §2.23: ESP-in-UDP from a new source moves the IKE SA as IKE would.
      if (f.handle.natT) this.peerMoved(f.handle, { local: f.handle.local, remote: e.remote, natT: true });
      return;
    }
    const spiIn = f.child.record.spiIn;
    f.child.lifecycle.send({ type: e.hard ? 'DELETE' : 'REKEY' });
    f.handle.actor.send({
      type: 'TASK',
      task: e.hard ? { kind: 'deleteChild', spiIn } : { kind: 'rekeyChild', spiIn },
    });
  }

  close(): void {
    this.subscription.unsubscribe();
    this.router.close();
    for (const h of this.ikeSas) {
      h.actor.stop();
      this.lives.destroy(h);
    }
  }
}

export { addressMatches } from './address-match.js';
export { childLifetimes } from './child-sas.js';
export type * from './supervisor-types.js';
