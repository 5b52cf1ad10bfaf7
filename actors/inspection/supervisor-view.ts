/**
 * What the supervisor's inspector computes from the Supervisor's state, apart from the stream
 * plumbing (supervisor-inspector.ts): the counters event, the actor tree for GET /api/actors,
 * and the memory that tells a retransmission (identical octets, RFC 7296 §2.1) from a new message.
 */
import type { FragmentCounters } from '../../machines/ike-sa.types.js';
import type { DosGuard } from '../dos-guard.js';
import type { IpsecBackend } from '../ipsec-backend.js';
import type {
  IkeSaHandle,
  InstalledChild,
  SupervisorCounters,
  SupervisorEvent,
} from '../supervisor-types.js';
import { type ActorNode, GLOBAL } from './hub.js';
import { childNodeSummary, ikeSummary } from './summaries.js';

/** What the inspector reads of the Supervisor (a narrow view, to keep the dependency one-way). */
export interface InspectedSupervisor {
  readonly counters: SupervisorCounters;
  readonly ikeSas: readonly IkeSaHandle[];
  readonly dos: DosGuard;
  fragmentCounters(): FragmentCounters;
  on(listener: (e: SupervisorEvent) => void): () => void;
}

/** The `counters` event (without seq and t): IKE SAs by state, half-open, cookies, drops by reason. */
export function countersEvent(sup: InspectedSupervisor) {
  const c = sup.counters;
  const ikeSas: Record<string, number> = {};
  for (const h of sup.ikeSas) ikeSas[h.state] = (ikeSas[h.state] ?? 0) + 1;
  const drops: Record<string, number> = {
    malformed: c.malformed,
    'unknown-spi': c.unknownSpi,
    dos: c.dosDropped,
    'actor-error': c.actorErrors,
  };
  for (const [reason, n] of Object.entries(sup.fragmentCounters().dropped)) drops[`fragment:${reason}`] = n;
  return { kind: 'counters' as const, ikeSas, halfOpen: sup.dos.halfOpen, cookiesSent: c.cookiesSent, drops };
}

/** The live actors: the supervisor, its IKE SAs, their Child SAs (with the ids the stream uses). */
export function actorTree(
  sup: InspectedSupervisor,
  keys: boolean,
  createdAt: (id: string) => number | undefined,
  childId: (lifecycle: object) => string | undefined,
  traffic: (c: InstalledChild) => ChildTraffic | undefined = () => undefined,
): ActorNode[] {
  const nodes: ActorNode[] = [{ id: GLOBAL, kind: 'supervisor', status: 'active' }];
  for (const h of sup.ikeSas) {
    const id = `ike:${h.uniqueid}`;
    const snap = h.actor.getSnapshot();
    nodes.push({
      id,
      kind: 'ike-sa',
      parent: GLOBAL,
      machine: 'ikeSa',
      value: snap.value,
      status: snap.status,
      ike: ikeSummary(snap.context.session, h, createdAt(id) ?? 0, keys),
    });
    for (const c of h.children) {
      const cs = c.lifecycle.getSnapshot();
      nodes.push({
        id: childId(c.lifecycle) ?? `child:${h.uniqueid}:${c.uniqueid}`,
        kind: 'child-sa',
        parent: id,
        machine: 'childSa',
        value: cs.value,
        status: cs.status,
        child: { ...childNodeSummary(c, keys), ...traffic(c) },
      });
    }
  }
  return nodes;
}

export interface ChildTraffic {
  readonly packetsIn: number;
  readonly bytesIn: number;
  readonly packetsOut: number;
  readonly bytesOut: number;
}

/** A Child SA's packets and bytes each way, from the data plane's SAs (as list-sas shows them). */
export function childTraffic(backend: Pick<IpsecBackend, 'querySa'>, c: InstalledChild): ChildTraffic {
  const sin = backend.querySa({ spi: c.record.spiIn, direction: 'in' });
  const sout = backend.querySa({ spi: c.record.spiOut, direction: 'out' });
  return {
    packetsIn: sin?.packets ?? 0,
    bytesIn: sin?.bytes ?? 0,
    packetsOut: sout?.packets ?? 0,
    bytesOut: sout?.bytes ?? 0,
  };
}

/** FNV-1a over the octets, with the length. */
function fingerprint(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}:${(h >>> 0).toString(16)}`;
}

/** The last octets seen per message key (direction, SPIs, Message ID, flags, fragment), bounded. */
export class Retransmissions {
  private readonly seen = new Map<string, string>();
  constructor(private readonly limit = 4096) {}

  /** True when `raw` is what was last seen under `key`. */
  repeated(key: string, raw: Uint8Array): boolean {
    const print = fingerprint(raw);
    const again = this.seen.get(key) === print;
    this.seen.delete(key);
    this.seen.set(key, print);
    if (this.seen.size > this.limit) this.seen.delete(this.seen.keys().next().value as string);
    return again;
  }
}
