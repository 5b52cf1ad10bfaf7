/**
 * A statechart as the inspector draws it (MachineGraph, events.ts), read from the machine
 * definition itself: XState 5's `machine.root` state node tree, each node's `transitions` (its
 * `on` events), `after` (delayed transitions, named by their delay) and `always` (eventless).
 *
 * States are named by their dotted path ('established.idle'); a transition defined on the
 * machine itself (root `on`, taken in any state) has the machine id as its source. A transition
 * without a target (actions only, the state stays) is drawn as a self-loop. Identical edges
 * (one event, several guarded branches to one target) are listed once.
 */
import type { AnyStateMachine } from 'xstate';
import type { MachineGraph } from './events.js';

/** The part of an XState 5 StateNode this walk reads. */
interface NodeLike {
  readonly path: readonly string[];
  readonly type: string;
  readonly states: Readonly<Record<string, NodeLike>>;
  readonly initial?: { readonly target: readonly NodeLike[] };
  readonly transitions: ReadonlyMap<string, readonly EdgeLike[]>;
  readonly after: readonly (EdgeLike & { readonly delay: unknown })[];
  readonly always?: readonly EdgeLike[];
}
interface EdgeLike {
  readonly eventType: string;
  readonly target?: readonly NodeLike[];
}

const AFTER_PREFIX = 'xstate.after.';

function delayName(delay: unknown): string {
  return typeof delay === 'number' ? `after ${delay} ms` : `after ${String(delay)}`;
}

/** The graph of `machine` (ikeSaMachine, childSaMachine, ...). */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const id = machine.id;
  const states: MachineGraph['states'][number][] = [];
  const transitions: MachineGraph['transitions'][number][] = [];
  const seen = new Set<string>();
  const pathOf = (n: NodeLike): string => (n.path.length === 0 ? id : n.path.join('.'));
  const edge = (source: NodeLike, event: string, targets: readonly NodeLike[] | undefined) => {
    for (const t of targets && targets.length > 0 ? targets : [source]) {
      const e = { source: pathOf(source), target: pathOf(t), event };
      const key = `${e.source}\n${e.target}\n${e.event}`;
      if (seen.has(key)) continue;
      seen.add(key);
      transitions.push(e);
    }
  };
  const walk = (n: NodeLike, parent: NodeLike | undefined) => {
    if (parent) {
      const initial = parent.initial?.target.includes(n) ?? false;
      states.push({
        id: pathOf(n),
        ...(parent.path.length > 0 ? { parent: pathOf(parent) } : {}),
        ...(initial ? { initial: true } : {}),
        ...(n.type === 'final' ? { final: true } : {}),
      });
    }
    for (const [event, list] of n.transitions) {
      if (event.startsWith(AFTER_PREFIX)) continue; // listed by `after`, with their delay's name
      for (const t of list) edge(n, event, t.target);
    }
    for (const t of n.after) edge(n, delayName(t.delay), t.target);
    for (const t of n.always ?? []) edge(n, 'always', t.target);
    for (const child of Object.values(n.states)) walk(child, n);
  };
  walk(machine.root as unknown as NodeLike, undefined);
  return { id, states, transitions };
}
