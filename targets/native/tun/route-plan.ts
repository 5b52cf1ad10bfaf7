/**
 * Which routes the TUN device needs, from the SPD's policies (pure; tun-host.ts runs the `ip`
 * commands). As kernel-libipsec: every outbound PROTECT policy of a tunnel-mode Child SA
 * (installed with the SA, or a trap policy waiting for its first packet: start_action = trap)
 * routes its remote traffic selectors through the device, so the host's own packets for them
 * reach the SPD; the route goes with the last policy that needed it. Each selector's range
 * becomes the fewest exact prefixes (ipsec/policy/prefixes.ts); a prefix needed by two policies
 * (a Child SA and its trap, or a rekeyed SA and its successor) is counted, not installed twice.
 * The source address of a route is the device's first address inside the policy's local
 * selectors, so that the kernel picks a source the SPD protects.
 *
 * Transport-mode policies get no route: their inner packets are addressed to the peer's outer
 * address, and a route through the device would carry the IKE and ESP datagrams into the
 * tunnel as well.
 */

import { formatIp } from '../../../ipsec/packet/address.js';
import {
  type Prefix,
  prefixContains,
  prefixToString,
  rangeToPrefixes,
} from '../../../ipsec/policy/prefixes.js';
import { addressInRange } from '../../../ipsec/policy/selector.js';
import type { Policy } from '../../../ipsec/policy/spd.js';

export interface PlannedRoute {
  /** 'a.b.c.d/len' or an IPv6 prefix. */
  readonly prefix: string;
  readonly family: 4 | 6;
  readonly src?: string;
}

interface Held {
  readonly route: PlannedRoute;
  readonly parsed: Prefix;
  count: number;
}

const routed = (p: Policy) => p.direction === 'out' && p.action === 'PROTECT' && p.mode !== 'transport';

export class RoutePlan {
  readonly #routes = new Map<string, Held>();
  /** The prefixes each routed policy took a count of (by policy id). */
  readonly #byPolicy = new Map<number, readonly string[]>();

  /** `addresses`: the device's own addresses (from daemon.inner_addrs). */
  constructor(private readonly addresses: readonly Uint8Array[]) {}

  /** A policy was added: the routes to install now (prefixes no other policy needed yet). */
  added(policy: Policy): PlannedRoute[] {
    if (!routed(policy) || this.#byPolicy.has(policy.id)) return [];
    const out: PlannedRoute[] = [];
    const keys: string[] = [];
    for (const ts of policy.remoteTs) {
      for (const parsed of rangeToPrefixes(ts.startAddress, ts.endAddress)) {
        const prefix = prefixToString(parsed);
        if (keys.includes(prefix)) continue;
        keys.push(prefix);
        const held = this.#routes.get(prefix);
        if (held) {
          held.count++;
          continue;
        }
        const src = this.#sourceFor(policy, parsed.address.length);
        const route: PlannedRoute = {
          prefix,
          family: parsed.address.length === 4 ? 4 : 6,
          ...(src ? { src } : {}),
        };
        this.#routes.set(prefix, { route, parsed, count: 1 });
        out.push(route);
      }
    }
    this.#byPolicy.set(policy.id, keys);
    return out;
  }

  /** A policy was removed: the routes no remaining policy needs. */
  removed(policy: Policy): PlannedRoute[] {
    const keys = this.#byPolicy.get(policy.id);
    if (!keys) return [];
    this.#byPolicy.delete(policy.id);
    const out: PlannedRoute[] = [];
    for (const prefix of keys) {
      const held = this.#routes.get(prefix);
      if (!held) continue;
      if (--held.count === 0) {
        this.#routes.delete(prefix);
        out.push(held.route);
      }
    }
    return out;
  }

  /** The routes held now. */
  routes(): PlannedRoute[] {
    return [...this.#routes.values()].map((h) => h.route);
  }

  /** Whether a held route covers `address` (a peer's outer address needs an exclude route then). */
  covers(address: Uint8Array): boolean {
    for (const h of this.#routes.values()) if (prefixContains(h.parsed, address)) return true;
    return false;
  }

  #sourceFor(policy: Policy, length: number): string | undefined {
    for (const a of this.addresses) {
      if (a.length !== length) continue;
      if (
        policy.localTs.some(
          (t) => t.startAddress.length === length && addressInRange(a, t.startAddress, t.endAddress),
        )
      )
        return formatIp(a);
    }
    return undefined;
  }
}
