/**
 * The Security Association Database (RFC 4301 §4.4.2). Inbound SAs are found by SPI alone
 * (§4.1: for unicast SAs the receiver chose the SPI, so it is unique on its own); outbound
 * SAs by the reqid of the PROTECT policy that matched (the SPD-to-SAD link of §4.4.1.2),
 * newest first, so that after a rekey new traffic takes the new SA while the old one drains.
 *
 * An entry holds the ESP state (ipsec/esp: keyed transforms, sequence counter or replay
 * window, usage counters), the outer endpoints and encapsulation flag, the mode, the SA's
 * own selectors (the inbound policy check, §5.2 step 4), and its lifetime tracker.
 * Lookups allocate nothing. Adding and removing an SA cost O(1) however many SAs share its
 * reqid (a gateway's road warriors may all share one): the outbound SAs of a reqid are a
 * doubly linked list, oldest first, whose nodes the SPI table holds.
 */
import type { EspSa } from '../esp/sa.js';
import type { TrafficSelector } from '../ike/model.js';
import type { Flow } from '../packet/flow.js';
import { err, ok, type Result } from '../result.js';
import type { LifetimeTracker } from './lifetime.js';
import { flowMatches } from './selector.js';
import type { IpsecMode } from './spd.js';

/** 'out': we send with it (the peer chose the SPI); 'in': we receive with it (we chose the SPI). */
export type SaDirection = 'in' | 'out';

/** An outer address (text) and UDP port; the port matters only with UDP encapsulation. */
export interface SaEndpoint {
  readonly address: string;
  readonly port: number;
}

export const sameEndpoint = (a: SaEndpoint, b: SaEndpoint): boolean =>
  a.address === b.address && a.port === b.port;

export interface SadEntry {
  readonly spi: number;
  readonly direction: SaDirection;
  readonly reqid: number;
  readonly mode: IpsecMode;
  readonly esp: EspSa;
  /** Sender and receiver of this SA's packets (outbound: us -> peer; inbound: peer -> us). */
  src: SaEndpoint;
  dst: SaEndpoint;
  /** The outer addresses as bytes (4 or 16), kept in step with src/dst. */
  srcAddress: Uint8Array;
  dstAddress: Uint8Array;
  /** ESP-in-UDP (RFC 3948) between src and dst ports. */
  encap: boolean;
  /** The negotiated selectors, as seen from our side. */
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  readonly lifetime: LifetimeTracker;
  /** Clock time (ms) of the last packet processed, undefined before the first. */
  lastUsedAt: number | undefined;
  /** Key material owned by this entry, zeroed when it is removed. */
  readonly secrets: readonly Uint8Array[];
  /** A name for list-sas (e.g. the child config). */
  readonly label?: string;
}

export type SadErrorCode = 'duplicate-spi';

export interface SadError {
  readonly code: SadErrorCode;
  readonly message: string;
}

/** An outbound SA in its reqid's list. */
interface OutNode {
  readonly entry: SadEntry;
  older: OutNode | undefined;
  newer: OutNode | undefined;
}

/** The outbound SAs of one reqid: oldest and newest ends of the list. */
interface ReqidList {
  oldest: OutNode;
  newest: OutNode;
}

export class Sad {
  readonly #in = new Map<number, SadEntry>();
  readonly #out = new Map<number, OutNode>();
  /** Outbound SAs per reqid, oldest first. */
  readonly #byReqid = new Map<number, ReqidList>();

  add(entry: SadEntry): Result<SadEntry, SadError> {
    const exists = entry.direction === 'in' ? this.#in.has(entry.spi) : this.#out.has(entry.spi);
    if (exists)
      return err({ code: 'duplicate-spi', message: `${entry.direction}bound SPI ${entry.spi} exists` });
    if (entry.direction === 'in') {
      this.#in.set(entry.spi, entry);
      return ok(entry);
    }
    const list = this.#byReqid.get(entry.reqid);
    const node: OutNode = { entry, older: list?.newest, newer: undefined };
    if (list) {
      list.newest.newer = node;
      list.newest = node;
    } else this.#byReqid.set(entry.reqid, { oldest: node, newest: node });
    this.#out.set(entry.spi, node);
    return ok(entry);
  }

  remove(direction: SaDirection, spi: number): SadEntry | undefined {
    if (direction === 'in') {
      const entry = this.#in.get(spi);
      if (entry) this.#in.delete(spi);
      return entry;
    }
    const node = this.#out.get(spi);
    if (!node) return undefined;
    this.#out.delete(spi);
    const list = this.#byReqid.get(node.entry.reqid);
    if (list) {
      if (node.older) node.older.newer = node.newer;
      else if (node.newer) list.oldest = node.newer;
      if (node.newer) node.newer.older = node.older;
      else if (node.older) list.newest = node.older;
      if (!node.older && !node.newer) this.#byReqid.delete(node.entry.reqid);
    }
    node.older = node.newer = undefined;
    return node.entry;
  }

  get(direction: SaDirection, spi: number): SadEntry | undefined {
    return direction === 'in' ? this.#in.get(spi) : this.#out.get(spi)?.entry;
  }

  /** The inbound SA for a received SPI (RFC 4303 §3.4.2). */
  inbound(spi: number): SadEntry | undefined {
    return this.#in.get(spi);
  }

  /**
   * The newest live outbound SA of `reqid` whose selectors cover `flow` (all of them if no
   * flow is given). Undefined means: raise an acquire.
   */
  outbound(reqid: number, flow?: Flow): SadEntry | undefined {
    for (let n = this.#byReqid.get(reqid)?.newest; n; n = n.older) {
      const e = n.entry;
      if (e.esp.dead || e.lifetime.hardExpired) continue;
      if (!flow || flowMatches(flow, true, e.localTs, e.remoteTs)) return e;
    }
    return undefined;
  }

  /** Every SA: inbound then outbound, in installation order. */
  list(): SadEntry[] {
    const out: SadEntry[] = [...this.#in.values()];
    for (const n of this.#out.values()) out.push(n.entry);
    return out;
  }

  get size(): number {
    return this.#in.size + this.#out.size;
  }
}
