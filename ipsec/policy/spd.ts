/**
 * The Security Policy Database (RFC 4301 §4.4.1): an ordered list of rules, each a pair of
 * selector lists (local, remote), a direction and an action PROTECT | BYPASS | DISCARD.
 * The first matching rule wins (§4.4.1: "the SPD is ordered"). As in the seed, a PROTECT
 * rule carries exactly one SA offer: the reqid that binds it to its SAs and the child
 * configuration IKE negotiates when an acquire is raised.
 *
 * Rules are kept compiled per direction, sorted by (priority, insertion order), and replaced
 * copy-on-write on every change, so lookup() is a plain scan without allocation. A change
 * copies its direction's list once with the rule put in (binary search) or left out, never
 * sorts nor scans every policy; removeByReqid finds a reqid's rules in an index.
 */
import type { TrafficSelector } from '../ike/model.js';
import type { Flow } from '../packet/flow.js';
import { err, ok, type Result } from '../result.js';
import { flowMatches, isValidSelector } from './selector.js';

/** RFC 4301 §4.4.1 processing choices. */
export type PolicyAction = 'PROTECT' | 'BYPASS' | 'DISCARD';
/** Outbound, inbound to us, and forwarded through us (tunnel gateways). */
export type PolicyDirection = 'out' | 'in' | 'fwd';
export type IpsecMode = 'tunnel' | 'transport';

/** What IKE negotiates for a PROTECT rule: the connection and child config names (swanctl). */
export interface SaOffer {
  readonly connection?: string;
  readonly child: string;
}

export interface PolicySpec {
  readonly direction: PolicyDirection;
  readonly action: PolicyAction;
  /** Our side: the source of outbound packets, the destination of inbound ones. */
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
  /** Lower first; equal priorities keep insertion order. Default 0. */
  readonly priority?: number;
  /** PROTECT only (required): the SA bundle of this rule (strongSwan's reqid, > 0). */
  readonly reqid?: number;
  /** PROTECT only: the single SA offer of this rule. */
  readonly offer?: SaOffer;
  readonly mode?: IpsecMode;
}

export interface Policy extends PolicySpec {
  readonly id: number;
  readonly priority: number;
}

export type SpdErrorCode = 'invalid-selector' | 'empty-selectors' | 'missing-reqid' | 'unexpected-reqid';

export interface SpdError {
  readonly code: SpdErrorCode;
  readonly message: string;
}

const spdError = (code: SpdErrorCode, message: string): SpdError => ({ code, message });

export function validatePolicy(spec: PolicySpec): SpdError | undefined {
  if (spec.localTs.length === 0 || spec.remoteTs.length === 0)
    return spdError('empty-selectors', 'a policy needs local and remote selectors');
  for (const ts of [...spec.localTs, ...spec.remoteTs])
    if (!isValidSelector(ts)) return spdError('invalid-selector', 'malformed traffic selector');
  if (spec.action === 'PROTECT' && !(Number.isInteger(spec.reqid) && (spec.reqid ?? 0) > 0))
    return spdError('missing-reqid', 'a PROTECT policy needs a reqid > 0');
  if (spec.action !== 'PROTECT' && spec.reqid !== undefined)
    return spdError('unexpected-reqid', `a ${spec.action} policy has no SA`);
  return undefined;
}

const byOrder = (a: Policy, b: Policy): number => a.priority - b.priority || a.id - b.id;

/** Where `p` goes (or is) in `list`, sorted by byOrder: the first index whose rule is not before it. */
function position(list: readonly Policy[], p: Policy): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byOrder(list[mid]!, p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Spd {
  #nextId = 1;
  readonly #byId = new Map<number, Policy>();
  /** PROTECT policies per reqid, in insertion order. */
  readonly #byReqid = new Map<number, Set<Policy>>();
  /** Compiled, sorted rule lists per direction, replaced on change. */
  #out: readonly Policy[] = [];
  #in: readonly Policy[] = [];
  #fwd: readonly Policy[] = [];

  add(spec: PolicySpec): Result<Policy, SpdError> {
    const invalid = validatePolicy(spec);
    if (invalid) return err(invalid);
    const policy: Policy = {
      ...spec,
      localTs: spec.localTs.slice(),
      remoteTs: spec.remoteTs.slice(),
      priority: spec.priority ?? 0,
      id: this.#nextId++,
    };
    this.#byId.set(policy.id, policy);
    if (policy.reqid !== undefined) {
      const set = this.#byReqid.get(policy.reqid);
      if (set) set.add(policy);
      else this.#byReqid.set(policy.reqid, new Set([policy]));
    }
    const list = this.rules(policy.direction);
    const at = position(list, policy);
    const next = list.slice();
    next.splice(at, 0, policy);
    this.#replace(policy.direction, next);
    return ok(policy);
  }

  remove(id: number): Policy | undefined {
    const policy = this.#byId.get(id);
    if (!policy) return undefined;
    this.#byId.delete(id);
    if (policy.reqid !== undefined) {
      const set = this.#byReqid.get(policy.reqid);
      set?.delete(policy);
      if (set?.size === 0) this.#byReqid.delete(policy.reqid);
    }
    const list = this.rules(policy.direction);
    const at = position(list, policy);
    if (list[at] === policy) {
      const next = list.slice();
      next.splice(at, 1);
      this.#replace(policy.direction, next);
    }
    return policy;
  }

  /** Removes every policy of `reqid` (all directions); returns them. */
  removeByReqid(reqid: number): Policy[] {
    const removed = [...(this.#byReqid.get(reqid) ?? [])];
    for (const p of removed) this.remove(p.id);
    return removed;
  }

  get(id: number): Policy | undefined {
    return this.#byId.get(id);
  }

  /** Whether `reqid` has policies (from the reqid index: O(1)). */
  hasReqid(reqid: number): boolean {
    return this.#byReqid.has(reqid);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Every policy in lookup order: out, in, fwd. */
  list(): readonly Policy[] {
    return [...this.#out, ...this.#in, ...this.#fwd];
  }

  /** The rules of one direction in lookup order (the compiled list itself; do not mutate). */
  rules(direction: PolicyDirection): readonly Policy[] {
    return direction === 'out' ? this.#out : direction === 'in' ? this.#in : this.#fwd;
  }

  /** First matching rule, or undefined (the caller's default: RFC 4301 §4.4.1 says DISCARD). */
  lookup(direction: PolicyDirection, flow: Flow): Policy | undefined {
    const rules = this.rules(direction);
    const outbound = direction === 'out';
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (flowMatches(flow, outbound, rule.localTs, rule.remoteTs)) return rule;
    }
    return undefined;
  }

  #replace(direction: PolicyDirection, list: readonly Policy[]): void {
    if (direction === 'out') this.#out = list;
    else if (direction === 'in') this.#in = list;
    else this.#fwd = list;
  }
}
