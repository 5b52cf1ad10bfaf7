/**
 * Who hears whom on the simulated radio, how well, and the static routes over it.
 *
 * Links are directed ("`to` hears `from`"). In 'range' mode a link exists between two nodes
 * whose positions (metres) are at most `rangeM` apart; in 'explicit' mode only the declared
 * links exist (positions are then only a layout for drawing). Each directed link has a quality
 * (loss and duplication probabilities, extra delivery delay): the topology's default, merged
 * with any override set for the pair.
 *
 * Addresses: the gateway is short address 0x0001 (GATEWAY_ADDRESS), motes are 0x0002, 0x0003,
 * ... in generation order (moteAddress(i)); 0x0000 and 0xffff (broadcast) are never used.
 *
 * Routes are static and follow the parent tree the generators build (Contiki's uIP with static
 * routes, or a converged RPL DODAG): toward a node in my subtree, the child whose subtree holds
 * it; toward anything else, my parent. The gateway is the root.
 */
import { GATEWAY_SHORT_ADDRESS } from './addressing.js';
import type { ShortAddress } from './types.js';

export interface Position {
  readonly x: number;
  readonly y: number;
}

/** Impairments of one directed link. Probabilities in [0, 1]; absent fields count as 0. */
export interface LinkQuality {
  /** Probability that a frame (data or ack, drawn independently) on this link is lost. */
  readonly loss?: number;
  /** Probability that a data frame received intact reaches the receiver's MAC twice. */
  readonly duplicate?: number;
  /** Extra milliseconds before a received data frame is handed to the receiver's upper layer. */
  readonly delayMs?: number;
}

/** What the medium needs to know: the quality of from -> to, or undefined if `to` cannot hear `from`. */
export interface LinkTable {
  quality(from: ShortAddress, to: ShortAddress): LinkQuality | undefined;
}

export const GATEWAY_ADDRESS: ShortAddress = GATEWAY_SHORT_ADDRESS;
export const FIRST_MOTE_ADDRESS: ShortAddress = 0x0002;
/** The short address of the i-th mote (i = 0, 1, ...). */
export const moteAddress = (i: number): ShortAddress => FIRST_MOTE_ADDRESS + i;

/** A typical indoor range of a 0 dBm 2.4 GHz mote, in metres (the generators place nodes by it). */
export const DEFAULT_RANGE_M = 50;

export interface TopologyOptions {
  /** 'range' (default): links by distance; 'explicit': only links declared with connect(). */
  readonly mode?: 'range' | 'explicit';
  readonly rangeM?: number;
  /** Quality of every link without an override. */
  readonly defaultQuality?: LinkQuality;
}

interface NodeInfo {
  readonly position: Position | undefined;
  readonly parent: ShortAddress | undefined;
  readonly children: ShortAddress[];
}

const pairKey = (from: ShortAddress, to: ShortAddress) => from * 0x10000 + to;

export class Topology implements LinkTable {
  readonly mode: 'range' | 'explicit';
  readonly rangeM: number;
  readonly defaultQuality: LinkQuality;
  private readonly nodes = new Map<ShortAddress, NodeInfo>();
  private readonly declared = new Set<number>();
  private readonly overrides = new Map<number, LinkQuality>();

  constructor(options: TopologyOptions = {}) {
    this.mode = options.mode ?? 'range';
    this.rangeM = options.rangeM ?? DEFAULT_RANGE_M;
    this.defaultQuality = options.defaultQuality ?? {};
  }

  /** Adds a node; `parent` (already added) makes it that node's child in the routing tree. */
  addNode(address: ShortAddress, position?: Position, parent?: ShortAddress): this {
    if (!Number.isInteger(address) || address < 0 || address >= 0xffff)
      throw new RangeError(`${address} is not a unicast short address`);
    if (this.nodes.has(address)) throw new Error(`node ${address} already in the topology`);
    if (parent !== undefined) {
      const p = this.nodes.get(parent);
      if (!p) throw new Error(`parent ${parent} of ${address} is not in the topology`);
      p.children.push(address);
    }
    this.nodes.set(address, { position, parent, children: [] });
    return this;
  }

  has(address: ShortAddress): boolean {
    return this.nodes.has(address);
  }

  /** All addresses, in the order they were added. */
  get addresses(): ShortAddress[] {
    return [...this.nodes.keys()];
  }

  position(address: ShortAddress): Position | undefined {
    return this.nodes.get(address)?.position;
  }

  parent(address: ShortAddress): ShortAddress | undefined {
    return this.nodes.get(address)?.parent;
  }

  children(address: ShortAddress): readonly ShortAddress[] {
    return this.nodes.get(address)?.children ?? [];
  }

  /** Declares a link (both directions unless `directed`). In 'range' mode it adds to the geometry. */
  connect(a: ShortAddress, b: ShortAddress, directed = false): this {
    this.declared.add(pairKey(a, b));
    if (!directed) this.declared.add(pairKey(b, a));
    return this;
  }

  /** Overrides the quality of a -> b (and b -> a unless `directed`); undefined restores the default. */
  setQuality(a: ShortAddress, b: ShortAddress, quality: LinkQuality | undefined, directed = false): this {
    const set = (k: number) => (quality ? this.overrides.set(k, quality) : this.overrides.delete(k));
    set(pairKey(a, b));
    if (!directed) set(pairKey(b, a));
    return this;
  }

  /** Whether `to` hears `from`. */
  hears(from: ShortAddress, to: ShortAddress): boolean {
    if (from === to) return false;
    const f = this.nodes.get(from);
    const t = this.nodes.get(to);
    if (!f || !t) return false;
    if (this.declared.has(pairKey(from, to))) return true;
    if (this.mode === 'explicit' || !f.position || !t.position) return false;
    return Math.hypot(f.position.x - t.position.x, f.position.y - t.position.y) <= this.rangeM;
  }

  quality(from: ShortAddress, to: ShortAddress): LinkQuality | undefined {
    if (!this.hears(from, to)) return undefined;
    const o = this.overrides.get(pairKey(from, to));
    return o ? { ...this.defaultQuality, ...o } : this.defaultQuality;
  }

  /** The nodes that hear `address`. */
  neighbours(address: ShortAddress): ShortAddress[] {
    return this.addresses.filter((a) => this.hears(address, a));
  }

  private isAncestor(ancestor: ShortAddress, node: ShortAddress): boolean {
    for (let a = this.parent(node); a !== undefined; a = this.parent(a)) if (a === ancestor) return true;
    return false;
  }

  /**
   * The static next hop from `from` toward `to` along the parent tree: down to the child whose
   * subtree holds `to`, else up to the parent. Undefined when from = to, either is unknown, or
   * `to` is outside the tree of `from` (no common root).
   */
  nextHop(from: ShortAddress, to: ShortAddress): ShortAddress | undefined {
    if (from === to || !this.nodes.has(from) || !this.nodes.has(to)) return undefined;
    let child: ShortAddress = to;
    for (let a = this.parent(to); a !== undefined; child = a, a = this.parent(a))
      if (a === from) return child;
    const up = this.parent(from);
    if (up === undefined) return undefined;
    // Going up only helps if `to` is somewhere under a common ancestor.
    let root = from;
    for (let a = this.parent(from); a !== undefined; a = this.parent(a)) root = a;
    return root === to || this.isAncestor(root, to) ? up : undefined;
  }

  /** The route function of one node, as RadioTransport's `nextHop` option takes it. */
  routesOf(from: ShortAddress): (to: ShortAddress) => ShortAddress | undefined {
    return (to) => this.nextHop(from, to);
  }

  /** The parent-child pairs that cannot hear each other both ways (empty for a sound topology). */
  brokenTreeLinks(): Array<[ShortAddress, ShortAddress]> {
    const out: Array<[ShortAddress, ShortAddress]> = [];
    for (const [a, n] of this.nodes)
      if (n.parent !== undefined && !(this.hears(a, n.parent) && this.hears(n.parent, a)))
        out.push([n.parent, a]);
    return out;
  }
}

export interface GeneratorOptions extends Omit<TopologyOptions, 'mode'> {}

/**
 * A star: the gateway at (0, 0) and `motes` motes evenly on a circle of 0.45 * range around it:
 * all in range of the gateway and of each other (one collision domain, no hidden terminals).
 * Every mote's parent is the gateway.
 */
export function starTopology(motes: number, options: GeneratorOptions = {}): Topology {
  const t = new Topology({ ...options, mode: 'range' });
  const r = 0.45 * t.rangeM;
  t.addNode(GATEWAY_ADDRESS, { x: 0, y: 0 });
  for (let i = 0; i < motes; i++) {
    const angle = (2 * Math.PI * i) / motes;
    t.addNode(moteAddress(i), { x: r * Math.cos(angle), y: r * Math.sin(angle) }, GATEWAY_ADDRESS);
  }
  return t;
}

/**
 * A line: the gateway at x = 0, mote i at x = (i + 1) * spacing, spacing 0.75 * range by
 * default, so each node hears only its neighbours (two hops apart is 1.5 * range). Each mote's
 * parent is the node before it; the classic hidden-terminal layout.
 */
export function lineTopology(
  motes: number,
  options: GeneratorOptions & { readonly spacingM?: number } = {},
): Topology {
  const t = new Topology({ ...options, mode: 'range' });
  const spacing = options.spacingM ?? 0.75 * t.rangeM;
  if (spacing > t.rangeM || 2 * spacing <= t.rangeM)
    throw new RangeError(`spacing ${spacing} m must lie in (range/2, range] for neighbours-only links`);
  t.addNode(GATEWAY_ADDRESS, { x: 0, y: 0 });
  for (let i = 0; i < motes; i++)
    t.addNode(moteAddress(i), { x: (i + 1) * spacing, y: 0 }, i === 0 ? GATEWAY_ADDRESS : moteAddress(i - 1));
  return t;
}

/**
 * A tree: the gateway is the root and nodes get up to `fanout` children each, filled breadth
 * first: node j (0 = gateway, j = i + 1 for mote i) has parent floor((j - 1) / fanout). Links are
 * explicit: each node hears only its parent and its children. Positions are a layered layout
 * (level * 0.8 * range down, spread across) for drawing only.
 */
export function treeTopology(motes: number, fanout: number, options: GeneratorOptions = {}): Topology {
  if (!Number.isInteger(fanout) || fanout < 1)
    throw new RangeError(`fanout ${fanout} must be a positive integer`);
  const t = new Topology({ ...options, mode: 'explicit' });
  const addressOf = (j: number) => (j === 0 ? GATEWAY_ADDRESS : moteAddress(j - 1));
  /** Index of the first node of `level` in breadth-first order: 1 + k + ... + k^(level-1). */
  const firstOf = (lvl: number) => {
    let n = 0;
    for (let i = 0; i < lvl; i++) n += fanout ** i;
    return n;
  };
  const level: number[] = [0];
  t.addNode(GATEWAY_ADDRESS, { x: 0, y: 0 });
  for (let j = 1; j <= motes; j++) {
    const p = Math.floor((j - 1) / fanout);
    const lvl = level[p]! + 1;
    level[j] = lvl;
    const x = (j - firstOf(lvl) - (fanout ** lvl - 1) / 2) * 0.8 * t.rangeM;
    t.addNode(addressOf(j), { x, y: lvl * 0.8 * t.rangeM }, addressOf(p));
    t.connect(addressOf(p), addressOf(j));
  }
  return t;
}
