/**
 * The supervisor's indexes over its live IKE SAs and their Child SAs, so that no operation on
 * one SA scans all of them (issue 14: 100,000 IKE SAs set up, listed and shut down in time
 * linear in their number). Every index answers exactly what the scan over the router's list
 * of IKE SAs (in spawn order, i.e. uniqueid order) and their `children` answered:
 *
 *   by uniqueid, by connection name     terminate / task / createChild / start actions
 *   per (connection, remote address)    INITIAL_CONTACT on initiate (RFC 7296 §2.4)
 *   per remote identity                 a peer's INITIAL_CONTACT removes its other IKE SAs
 *   per reqid: Child SAs using it       a reqid's policies go with its last Child SA
 *   Child SA by uniqueid, by SPI        expiry events, rekeys, deletes (findChild)
 *
 * The IKE SA indexes hold an SA from its spawn until it is destroyed (as the router does); the
 * Child SA indexes hold a Child SA while it is in some live IKE SA's `children`, so every
 * change of `children` goes through attach() / detach() here.
 */
import type { Identity } from '../ipsec/ike/identity.js';
import { toHex } from '../ipsec/util/bytes.js';
import type { IkeSaHandle, InstalledChild } from './supervisor-types.js';

const peerKey = (name: string, address: string) => `${name}\u0000${address}`;
const idKey = (id: Identity) => `${id.type}:${toHex(id.data)}`;

/**
 * A map from a key to the values that share it, in insertion order. A key most often has one
 * value: it is kept as is, a Set only once a second value comes (no Set per SA).
 */
class MultiMap<K, V extends object> {
  private readonly map = new Map<K, V | Set<V>>();

  add(key: K, value: V): void {
    const had = this.map.get(key);
    if (had === undefined) this.map.set(key, value);
    else if (had instanceof Set) had.add(value);
    else if (had !== value) this.map.set(key, new Set([had, value]));
  }

  delete(key: K, value: V): void {
    const had = this.map.get(key);
    if (had === value) this.map.delete(key);
    else if (had instanceof Set) {
      had.delete(value);
      if (had.size === 1) for (const last of had) this.map.set(key, last);
    }
  }

  get(key: K): Iterable<V> {
    const had = this.map.get(key);
    return had === undefined ? [] : had instanceof Set ? had : [had];
  }

  count(key: K): number {
    const had = this.map.get(key);
    return had === undefined ? 0 : had instanceof Set ? had.size : 1;
  }
}

/** A Child SA SPI as a map key: ESP's 4 octets as a number (no string per SA), else hex. */
const spiKey = (spi: Uint8Array): number | string =>
  spi.length === 4 ? ((spi[0]! << 24) | (spi[1]! << 16) | (spi[2]! << 8) | spi[3]!) >>> 0 : toHex(spi);

function count<K>(map: Map<K, number>, key: K, by: 1 | -1): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

const byUniqueid = (a: IkeSaHandle, b: IkeSaHandle) => a.uniqueid - b.uniqueid;

export class IkeSaIndex {
  private readonly byId = new Map<number, IkeSaHandle>();
  /** Insertion order = spawn order, as the router's list. */
  private readonly byName = new MultiMap<string, IkeSaHandle>();
  /** IKE SAs per (connection name, current remote address). */
  private readonly peers = new Map<string, number>();
  /** Where each live IKE SA is counted in `peers` (its address may move, §2.23). */
  private readonly peerOf = new Map<IkeSaHandle, string>();
  private readonly byRemoteId = new MultiMap<string, IkeSaHandle>();
  /** The identity object each IKE SA is indexed under (the session's, compared by reference). */
  private readonly remoteIdOf = new Map<IkeSaHandle, { readonly id: Identity; readonly key: string }>();
  /** Child SAs in live IKE SAs per reqid. */
  private readonly reqidUse = new Map<number, number>();
  private readonly owner = new Map<InstalledChild, IkeSaHandle>();
  private readonly childById = new Map<number, InstalledChild>();
  /** Child SAs by inbound and by outbound SPI (hex); a peer's SPIs may collide with others. */
  private readonly childsBySpi = new MultiMap<number | string, InstalledChild>();

  // ---- IKE SAs ----

  add(h: IkeSaHandle): void {
    this.byId.set(h.uniqueid, h);
    this.byName.add(h.name, h);
    const key = peerKey(h.name, h.remote.address);
    this.peerOf.set(h, key);
    count(this.peers, key, 1);
  }

  remove(h: IkeSaHandle): void {
    if (this.byId.get(h.uniqueid) !== h) return;
    this.byId.delete(h.uniqueid);
    this.byName.delete(h.name, h);
    const key = this.peerOf.get(h);
    if (key !== undefined) count(this.peers, key, -1);
    this.peerOf.delete(h);
    this.setRemoteId(h, undefined);
  }

  /** The IKE SA's remote endpoint changed (router, §2.23): counted under its new address. */
  moved(h: IkeSaHandle): void {
    const before = this.peerOf.get(h);
    const after = peerKey(h.name, h.remote.address);
    if (before === undefined || before === after) return;
    count(this.peers, before, -1);
    count(this.peers, after, 1);
    this.peerOf.set(h, after);
  }

  /** A responder's IKE_AUTH picked connection `name` (by identities): indexed under it from now on. */
  renamed(h: IkeSaHandle, name: string): void {
    if (h.name === name || this.byId.get(h.uniqueid) !== h) return;
    this.byName.delete(h.name, h);
    h.name = name;
    this.byName.add(name, h);
    const before = this.peerOf.get(h);
    const after = peerKey(name, h.remote.address);
    if (before !== undefined) count(this.peers, before, -1);
    count(this.peers, after, 1);
    this.peerOf.set(h, after);
  }

  get(uniqueid: number): IkeSaHandle | undefined {
    return this.byId.get(uniqueid);
  }

  /** The live IKE SAs of connection `name`, in spawn order. */
  named(name: string): Iterable<IkeSaHandle> {
    return this.byName.get(name);
  }

  /** The live IKE SAs matching `which` (a uniqueid or a connection name), in spawn order. */
  matching(which: number | string): IkeSaHandle[] {
    if (typeof which === 'number') {
      const h = this.byId.get(which);
      return h ? [h] : [];
    }
    return [...this.named(which)];
  }

  /** The first live IKE SA matching `which` (a uniqueid or a connection name), in spawn order. */
  first(which: number | string): IkeSaHandle | undefined {
    if (typeof which === 'number') return this.byId.get(which);
    for (const h of this.named(which)) return h;
    return undefined;
  }

  /** Whether any live IKE SA of connection `name` has `address` as its remote address. */
  hasPeer(name: string, address: string): boolean {
    return this.peers.has(peerKey(name, address));
  }

  /** Follows the session's remote identity (set by IKE_AUTH); call after every transition. */
  setRemoteId(h: IkeSaHandle, id: Identity | undefined): void {
    const had = this.remoteIdOf.get(h);
    if (had?.id === id) return;
    if (had) this.byRemoteId.delete(had.key, h);
    if (id) {
      const key = idKey(id);
      this.byRemoteId.add(key, h);
      this.remoteIdOf.set(h, { id, key });
    } else this.remoteIdOf.delete(h);
  }

  /** The live IKE SAs whose peer authenticated as `id`, in spawn order. */
  withRemoteId(id: Identity): IkeSaHandle[] {
    return [...this.byRemoteId.get(idKey(id))].sort(byUniqueid);
  }

  // ---- Child SAs ----

  /** Appends `c` to `h.children`. */
  attach(h: IkeSaHandle, c: InstalledChild): void {
    h.children.push(c);
    this.owner.set(c, h);
    this.childById.set(c.uniqueid, c);
    count(this.reqidUse, c.reqid, 1);
    this.childsBySpi.add(spiKey(c.record.spiIn), c);
    this.childsBySpi.add(spiKey(c.record.spiOut), c);
  }

  /** Removes the children of `h` from index `start` on (all by default); returns them. */
  detach(h: IkeSaHandle, start = 0, howMany = h.children.length): InstalledChild[] {
    const gone = h.children.splice(start, howMany);
    for (const c of gone) {
      if (this.owner.get(c) !== h) continue;
      this.owner.delete(c);
      if (this.childById.get(c.uniqueid) === c) this.childById.delete(c.uniqueid);
      count(this.reqidUse, c.reqid, -1);
      this.childsBySpi.delete(spiKey(c.record.spiIn), c);
      this.childsBySpi.delete(spiKey(c.record.spiOut), c);
    }
    return gone;
  }

  /** Whether a Child SA of a live IKE SA uses `reqid`. */
  reqidInUse(reqid: number): boolean {
    return this.reqidUse.has(reqid);
  }

  childByUniqueid(uniqueid: number): { handle: IkeSaHandle; child: InstalledChild } | undefined {
    const child = this.childById.get(uniqueid);
    const handle = child && this.owner.get(child);
    return handle && child ? { handle, child } : undefined;
  }

  /**
   * The Child SA with inbound or outbound SPI `spi`; if several have it (SPIs the peers chose
   * may collide), the first in spawn order of their IKE SAs, newest first within one.
   */
  childBySpi(spi: Uint8Array): { handle: IkeSaHandle; child: InstalledChild } | undefined {
    const key = spiKey(spi);
    const only = this.childsBySpi.count(key) === 1;
    let best: { handle: IkeSaHandle; child: InstalledChild; at: number } | undefined;
    for (const child of this.childsBySpi.get(key)) {
      const handle = this.owner.get(child);
      if (!handle) continue;
      if (only) return { handle, child };
      const at = handle.children.lastIndexOf(child);
      if (!best || handle.uniqueid < best.handle.uniqueid || (handle === best.handle && at > best.at))
        best = { handle, child, at };
    }
    return best && { handle: best.handle, child: best.child };
  }
}
