/**
 * The supervisor's Child SAs: what a negotiated Child SA becomes on this host (its reqid, its
 * SAs in the IPsec backend, its lifecycle statechart, its place in the indexes) and what its end
 * undoes (SAs deleted, KEYMAT wiped, the reqid's policies and the reqid itself gone with its last
 * Child SA).
 */
import type { ChildSaRecord } from '../ipsec/ike/exchange/session.js';
import { wipeChildSaKeys } from '../ipsec/ike/keys/child-keys.js';
import { tsToString } from '../ipsec/ike/ts/text.js';
import { ChildLifecycle } from './child-lifecycle.js';
import { installChildSas } from './child-sas.js';
import type { SupervisorInspector } from './inspection/supervisor-inspector.js';
import type { IkeSaIndex } from './supervisor-index.js';
import type { IkeSaHandle, InstalledChild, SupervisorEvent, SupervisorOptions } from './supervisor-types.js';

/** What the Child SAs need of the supervisor. */
export interface SupervisorChildrenHost {
  readonly o: SupervisorOptions;
  readonly index: IkeSaIndex;
  readonly inspector: SupervisorInspector | undefined;
  /** The reqid of a child's trap policies (start_action = trap), if it has them. */
  trapReqid(connection: string, child: string): number | undefined;
  isTrapped(reqid: number): boolean;
  /** The peer deleted a Child SA (close_action). */
  deletedByPeer(h: IkeSaHandle, c: InstalledChild): void;
  emit(e: SupervisorEvent): void;
}

export class SupervisorChildren {
  /** Reqid by child config and selectors, and the reverse: an entry lives as long as its reqid. */
  private readonly reqids = new Map<string, number>();
  private readonly reqidKeys = new Map<number, string>();
  private nextReqid = 1;
  private nextChildId = 1;

  constructor(private readonly host: SupervisorChildrenHost) {}

  /** A new reqid for `key` (trap policies). */
  newReqid(key: string): number {
    const reqid = this.nextReqid++;
    this.reqids.set(key, reqid);
    this.reqidKeys.set(reqid, key);
    return reqid;
  }

  /** Reqids allocated and not yet freed (a trap child's for as long as it is trapped). */
  get reqidCount(): number {
    return this.reqids.size;
  }

  /** One reqid per child config and negotiated selectors (a rekey keeps them, road warriors differ). */
  private reqidFor(conn: string, c: ChildSaRecord): number {
    const trap = this.host.trapReqid(conn, c.config.name);
    if (trap !== undefined) return trap;
    const key = `${conn}/${c.config.name}/${c.localTs.map(tsToString).join(',')}/${c.remoteTs.map(tsToString).join(',')}`;
    return this.reqids.get(key) ?? this.newReqid(key);
  }

  install(h: IkeSaHandle, c: ChildSaRecord): void {
    const { o, index } = this.host;
    const reqid = this.reqidFor(h.name, c);
    const natTPort = o.config.daemon.port_nat_t;
    const errors = installChildSas(
      {
        backend: o.backend,
        random: o.random,
        reqid,
        replayWindow: o.config.daemon.replay_window,
        local: h.natT ? h.local : { address: h.local.address, port: natTPort },
        remote: h.natT ? h.remote : { address: h.remote.address, port: natTPort },
      },
      c,
    );
    for (const error of errors) o.logger?.warn({ ike: h.uniqueid, error }, 'child SA install failed');
    const uniqueid = this.nextChildId++;
    const lifecycle = new ChildLifecycle(this.host.inspector?.childSa(h, uniqueid, c));
    lifecycle.send({ type: errors.length === 0 ? 'INSTALLED' : 'FAILED' });
    const installed: InstalledChild = {
      uniqueid,
      lifecycle,
      reqid,
      record: c,
      installedAt: o.clock.now(),
    };
    if (c.rekeyOf) index.childBySpi(c.rekeyOf)?.child.lifecycle.send({ type: 'REKEYED' });
    index.attach(h, installed);
    this.host.emit({ type: 'child-installed', handle: h, child: installed });
  }

  /**
   * The IKE SA's peer moved (a NAT mapping changed, RFC 7296 §2.23; the router follows it on the
   * NAT-T port): its ESP SAs follow, or our ESP would still go to the old, now dead, mapping.
   */
  moved(h: IkeSaHandle): void {
    const { backend, logger } = this.host.o;
    for (const c of h.children) {
      const updates = [
        backend.updateSa({ spi: c.record.spiOut, direction: 'out', src: h.local, dst: h.remote }),
        backend.updateSa({ spi: c.record.spiIn, direction: 'in', src: h.remote, dst: h.local }),
      ];
      for (const r of updates)
        if (!r.ok) logger?.warn({ ike: h.uniqueid, error: r.error }, 'child SA endpoint update failed');
    }
  }

  /** Every Child SA of `h` is gone with it (the IKE SA is destroyed); returns them. */
  removeAll(h: IkeSaHandle): InstalledChild[] {
    const lost = this.host.index.detach(h);
    for (const c of lost) {
      c.lifecycle.send({ type: 'REMOVED' });
      this.remove(c);
    }
    return lost;
  }

  /** The Child SA of `record` ended (deleted by us or by the peer, or replaced by a rekey). */
  removeRecord(h: IkeSaHandle, record: ChildSaRecord, byPeer: boolean): void {
    const i = h.children.findIndex((c) => c.record === record);
    if (i < 0) return;
    const [c] = this.host.index.detach(h, i, 1);
    if (!c) return;
    c.lifecycle.send({ type: 'REMOVED' });
    this.remove(c);
    this.host.emit({ type: 'child-removed', handle: h, child: c });
    if (byPeer) this.host.deletedByPeer(h, c);
  }

  private remove(c: InstalledChild): void {
    const { backend } = this.host.o;
    backend.deleteSa({ spi: c.record.spiIn, direction: 'in' });
    backend.deleteSa({ spi: c.record.spiOut, direction: 'out' });
    wipeChildSaKeys(c.record.keys);
    // The policies of a reqid go with its last Child SA, except trap policies (start_action = trap),
    // and so does the reqid (as charon frees one with its last SA): a gateway whose road warriors
    // each negotiate other selectors would otherwise keep a reqid per peer it ever saw.
    if (this.host.index.reqidInUse(c.reqid) || this.host.isTrapped(c.reqid)) return;
    backend.deletePolicy({ reqid: c.reqid });
    const key = this.reqidKeys.get(c.reqid);
    if (key !== undefined && this.reqids.get(key) === c.reqid) this.reqids.delete(key);
    this.reqidKeys.delete(c.reqid);
  }
}
