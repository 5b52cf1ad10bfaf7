/**
 * The firmware's xstate (scripts/build-mote.mjs links it where the stack imports 'xstate'): an
 * interpreter of the same statechart definitions (machines/ike-sa.*.ts, child-sa.machine.ts)
 * with XState 5's semantics for the subset those machines use, in ~3 KiB instead of xstate's
 * 12.5. What the stack takes of xstate at run time is exactly this: `setup` (actions, guards,
 * delays; `createMachine`, `createStateConfig`, `assign`, `enqueueActions`, `raise`, `cancel`),
 * `assign`, `enqueueActions` (enqueue(action), .assign, .raise, .cancel, check),
 * `initialTransition`, and a machine's `provide`, `getInitialSnapshot` and `transition`, driven
 * with a hand-made actor scope (actors/ike-sa-run.ts, actors/child-lifecycle.ts).
 * test/targets/wismote/mote-xstate.test.ts runs the same machines through both.
 *
 * Kept from XState because behaviour depends on it (the SCXML algorithm as XState 5 runs it):
 * hierarchical states with `id`, `#id.path`, sibling and `.child` targets, `reenter`; transition
 * selection from the atomic state up, first enabled candidate in document order; a microstep
 * runs exit actions (deepest first), the transition's, then entry actions (outermost first),
 * each assign seen by the actions after it; guards and actions by name from the
 * implementations, inline, or `{ type, params }`; an action reaches the scope's
 * `actionExecutor` as `{ type, params, info, exec }` while the step is resolved (raise and
 * cancel too, as 'xstate.raise' / 'xstate.cancel'; assign and enqueueActions do not); a
 * macrostep takes eventless transitions until none is enabled, then the next raised event;
 * `after` is a delayed raise of `xstate.after.<delay>.<state id>` appended to the state's entry
 * and cancelled on its exit; delayed raise and cancel go through `scope.defer` to the system's
 * scheduler; a top-level final state makes the snapshot 'done' and runs every exit action; an
 * initial step that throws gives an 'error' snapshot, a later step's error is thrown.
 * Left out, with an Error when a definition asks for it: parallel and history states, invoke,
 * onDone, output, tags, wildcard events, object `initial`; and snapshots carry status, value,
 * context, output, error and machine only (no matches, hasTag, can, children). A guard that
 * throws throws its own error (XState wraps it in 'Unable to evaluate guard ...').
 */

// biome-ignore lint/suspicious/noExplicitAny: the interpreter takes the machines' own types through
type Any = any;
type Snapshot = Any;

interface Transition {
  readonly target?: Node[];
  readonly source: Node;
  readonly reenter: boolean;
  readonly actions: Any[];
  readonly guard?: Any;
}

interface Node {
  /** Its definition. */
  readonly c: Any;
  readonly key: string;
  readonly parent?: Node;
  id: string;
  type: string;
  order: number;
  /** The initial child of a compound state. */
  init?: Node;
  states: Record<string, Node>;
  entry: Any[];
  exit: Any[];
  on: Map<string, Transition[]>;
  always?: Transition[];
}

const no = (what: string): never => {
  throw new Error(`mote-xstate: no ${what}`);
};
const list = (v: Any): Any[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A built-in action: `resolve` gives [snapshot, params of `execute`, further actions]. */
const builtin = (type: string, resolve: Any, execute?: Any): Any =>
  Object.assign(() => {}, { type, resolve, execute });

/** A value, or what a function of the action's arguments and params gives. */
const expr = (v: Any, args: Any, params: Any) => (typeof v === 'function' ? v(args, params) : v);

export const assign = (assignment: Any): Any =>
  builtin('xstate.assign', (_: Any, s: Snapshot, args: Any, params: Any) => {
    let update = assignment;
    if (typeof assignment === 'function') update = assignment(args, params);
    else {
      update = {};
      for (const k of Object.keys(assignment)) update[k] = expr(assignment[k], args, params);
    }
    return [clone(s, { context: { ...s.context, ...update } })];
  });

export const raise = (event: Any, options?: { id?: string; delay?: Any }): Any =>
  builtin(
    'xstate.raise',
    (_: Any, s: Snapshot, args: Any, params: Any, queue: Any[]) => {
      if (typeof event === 'string') no('raise of a string');
      const e = expr(event, args, params);
      let delay = options?.delay;
      if (typeof delay === 'string') delay = s.machine.implementations.delays[delay];
      delay = expr(delay, args, params);
      if (typeof delay !== 'number') queue.push(e);
      return [s, { event: e, id: options?.id, delay }];
    },
    (scope: Any, p: Any) => {
      if (typeof p.delay === 'number')
        scope.defer(() => scope.system.scheduler.schedule(scope.self, scope.self, p.event, p.delay, p.id));
    },
  );

export const cancel = (sendId: Any): Any =>
  builtin(
    'xstate.cancel',
    (_: Any, s: Snapshot, args: Any, params: Any) => [s, { sendId: expr(sendId, args, params) }],
    (scope: Any, p: Any) => scope.defer(() => scope.system.scheduler.cancel(scope.self, p.sendId)),
  );

export const enqueueActions = (collect: Any): Any =>
  builtin('xstate.enqueueActions', (scope: Any, s: Snapshot, args: Any, params: Any) => {
    const actions: Any[] = [];
    const enqueue = Object.assign((a: Any) => void actions.push(a), {
      assign: (a: Any) => void actions.push(assign(a)),
      raise: (e: Any, o?: Any) => void actions.push(raise(e, o)),
      cancel: (id: Any) => void actions.push(cancel(id)),
    });
    const check = (g: Any) => guard(g, s.context, args.event, s);
    collect(
      { context: args.context, event: args.event, enqueue, check, self: scope.self, system: scope.system },
      params,
    );
    return [s, undefined, actions];
  });

function guard(g: Any, context: Any, event: Any, s: Snapshot): boolean {
  const inline = typeof g === 'function';
  const name = typeof g === 'string' ? g : g.type;
  const f = inline ? g : s.machine.implementations.guards[name];
  if (!f) throw new Error(`Guard '${name}' is not implemented.`);
  if (typeof f !== 'function') return guard(f, context, event, s);
  return f(
    { context, event },
    inline || typeof g === 'string' ? undefined : expr(g.params, { context, event }, 0),
  );
}

/** Resolves `actions` in order (each sees the context the ones before it left) and hands them to the executor. */
function run(s: Snapshot, event: Any, scope: Any, actions: Any[], queue: Any[]): Snapshot {
  for (const a of actions) {
    const f =
      typeof a === 'function' ? a : s.machine.implementations.actions[typeof a === 'string' ? a : a.type];
    const info = { context: s.context, event, self: scope.self, system: scope.system };
    const params =
      typeof a === 'function' || typeof a === 'string'
        ? undefined
        : expr(a.params, { context: s.context, event }, 0);
    if (!f?.resolve) {
      const type = typeof a === 'string' ? a : typeof a === 'object' ? a.type : a.name || '(anonymous)';
      scope.actionExecutor({ type, info, params, exec: f });
      continue;
    }
    const [next, p, more] = f.resolve(scope, s, info, params, queue);
    s = next;
    if (f.execute) scope.actionExecutor({ type: f.type, info, params: p, exec: () => f.execute(scope, p) });
    if (more) s = run(s, event, scope, more, queue);
  }
  return s;
}

/** XState's isDescendant: strictly below `p`; everything is below `undefined`. */
function below(n: Node, p: Node | undefined): boolean {
  while (n.parent && n.parent !== p) n = n.parent;
  return n.parent === p;
}

function ancestors(n: Node, to?: Node): Node[] {
  const out: Node[] = [];
  for (let m = n === to ? undefined : n.parent; m && m !== to; m = m.parent) out.push(m);
  return out;
}

const atomic = (s: Snapshot): Node => s._nodes.find((n: Node) => !n.init);

/** The state value of the active states (one chain: no parallel states). */
function stateValue(nodes: Node[]): Any {
  const leaf = nodes.find((n) => !n.init);
  if (!leaf?.parent) return {};
  let v: Any = leaf.key;
  for (let n = leaf.parent; n.parent; n = n.parent) v = { [n.key]: v };
  return v;
}

const clone = (s: Snapshot, change: Any): Snapshot => {
  const next = { ...s, ...change };
  next.value = stateValue(next._nodes);
  return next;
};

/** The state that a transition's exits and entries stay within (undefined: the whole machine). */
function domain(t: Transition): Node | undefined {
  const targets = t.target || [];
  if (!t.reenter && targets.every((n) => n === t.source || below(n, t.source))) return t.source;
  const [head, ...tail] = [...targets, t.source];
  for (const a of ancestors(head!)) if (tail.every((n) => below(n, a))) return a;
  if (t.reenter) return undefined;
  let root = t.source;
  while (root.parent) root = root.parent;
  return root;
}

const byOrder = (a: Node, b: Node) => a.order - b.order;

/** https://www.w3.org/TR/scxml/#microstepProcedure as XState runs it, for one transition. */
function microstep(
  t: Transition | undefined,
  s: Snapshot,
  scope: Any,
  event: Any,
  queue: Any[],
  initial?: boolean,
) {
  if (!t) return s;
  const nodes: Node[] = [...s._nodes];
  const d = domain(t);
  if (!initial && t.target?.length) {
    const exit = nodes.filter((n) => below(n, d) || (t.reenter && n === d && t.source === d)).sort(byOrder);
    for (const n of exit.reverse()) {
      s = run(s, event, scope, n.exit, queue);
      nodes.splice(nodes.indexOf(n), 1);
    }
  }
  s = run(s, event, scope, t.actions, queue);
  const enter = new Set<Node>();
  const rd = !t.source.parent && t.reenter ? undefined : d;
  for (const n of t.target || []) {
    if (t.source !== n || t.source !== d || t.reenter) enter.add(n);
    for (let c = n.init; c; c = c.init) enter.add(c);
    for (const a of ancestors(n, d)) if (!rd || below(a, rd)) enter.add(a);
  }
  for (const n of [...enter].sort(byOrder)) {
    if (!nodes.includes(n)) nodes.push(n);
    s = run(s, event, scope, n.entry, queue);
    if (n.type === 'final') {
      if (n.parent) queue.push({ type: `xstate.done.state.${n.parent.id}` });
      if (!n.parent?.parent) s = clone(s, { status: 'done', output: undefined });
    }
  }
  if (s.status === 'done')
    s = run(
      s,
      event,
      scope,
      [...nodes]
        .sort(byOrder)
        .reverse()
        .flatMap((n) => n.exit),
      queue,
    );
  return nodes.length === s._nodes.length && nodes.every((n) => s._nodes.includes(n))
    ? s
    : clone(s, { _nodes: nodes });
}

/** The first enabled transition from the atomic state up (`on` of `event`, or eventless). */
function select(s: Snapshot, event: Any, eventless?: boolean): Transition | undefined {
  for (let n: Node | undefined = atomic(s); n; n = n.parent)
    for (const t of (eventless ? n.always : n.on.get(event.type)) || [])
      if (t.guard === undefined || guard(t.guard, s.context, event, s)) return t;
  return undefined;
}

function macrostep(s: Snapshot, event: Any, scope: Any, queue: Any[]): Snapshot {
  const step = (t: Transition | undefined) => {
    s = microstep(t, s, scope, event, queue);
    scope.system._sendInspectionEvent({
      type: '@xstate.microstep',
      actorRef: scope.self,
      event,
      snapshot: s,
      _transitions: t ? [t] : [],
    });
  };
  if (event.type !== 'xstate.init') step(select(s, event));
  let eventless = true;
  while (s.status === 'active') {
    let t: Transition | undefined = eventless ? select(s, event, true) : undefined;
    const before: Snapshot = t ? s : undefined;
    if (!t) {
      if (!queue.length) break;
      event = queue.shift();
      t = select(s, event);
    }
    step(t);
    eventless = s !== before;
  }
  return s;
}

const transitions = (v: Any): Any[] =>
  (Array.isArray(v) ? v : [v]).map((t) => (t === undefined || typeof t === 'string' ? { target: t } : t));

export function createMachine(config: Any, implementations: Any = {}): Any {
  const ids = new Map<string, Node>();
  const all: Node[] = [];
  const machineId = config.id || '(machine)';
  const make = (c: Any, key: string, parent?: Node, path = machineId): Node => {
    for (const k of ['invoke', 'onDone', 'output', 'tags', 'history', 'route']) if (k in c) no(k);
    const keys = Object.keys(c.states || {});
    const n: Node = {
      c,
      key,
      parent,
      id: c.id || path,
      type: c.type || (keys.length ? 'compound' : 'atomic'),
      order: all.length,
      states: {},
      entry: list(c.entry).slice(),
      exit: list(c.exit).slice(),
      on: new Map(),
    };
    if (!['compound', 'atomic', 'final'].includes(n.type)) no(n.type);
    all.push(n);
    ids.set(n.id, n);
    for (const k of keys) n.states[k] = make(c.states[k], k, n, `${path}.${k}`);
    if (keys.length) n.init = n.states[c.initial] || no(`initial ${c.initial} in ${n.id}`);
    return n;
  };
  const root = make(config, machineId);
  const path = (n: Node, p: string) => {
    for (const k of p.split('.')) {
      if (!k) break;
      n = n.states[k] || no(`state ${k} in ${n.id}`);
    }
    return n;
  };
  const target = (n: Node, t: string): Node => {
    if (t[0] === '#') {
      const [id, ...rest] = t.slice(1).split('.');
      return path(ids.get(id!) || no(`state #${id}`), rest.join('.'));
    }
    if (t[0] === '.') return n.parent ? path(n.parent, n.key + t) : path(n, t.slice(1));
    return n.parent ? path(n.parent, t) : no(`target ${t} from the root`);
  };
  const format = (n: Node, c: Any): Transition => ({
    ...c,
    target: c.target === undefined || c.target === '' ? undefined : list(c.target).map((t) => target(n, t)),
    source: n,
    reenter: c.reenter ?? false,
    actions: list(c.actions),
  });
  for (const n of all) {
    const c = n.c;
    for (const e of Object.keys(c.on || {})) {
      if (!e || e.includes('*')) no(`event '${e}'`);
      n.on.set(
        e,
        transitions(c.on[e]).map((t) => format(n, t)),
      );
    }
    for (const k of Object.keys(c.after || {})) {
      const delay = Number.isNaN(+k) ? k : +k;
      const type = `xstate.after.${delay}.${n.id}`;
      n.entry.push(raise({ type }, { id: type, delay }));
      n.exit.push(cancel(type));
      const ts = list(typeof c.after[k] === 'string' ? { target: c.after[k] } : c.after[k]);
      n.on.set(type, [...(n.on.get(type) || []), ...ts.map((t) => format(n, t))]);
    }
    if (c.always) n.always = transitions(c.always).map((t) => format(n, t));
  }
  const initialNodes = () => {
    const out = [root];
    for (let n = root.init; n; n = n.init) out.push(n);
    return out;
  };
  const machine = {
    id: machineId,
    config,
    root,
    implementations: {
      actions: implementations.actions || {},
      guards: implementations.guards || {},
      delays: implementations.delays || {},
    },
    provide: (more: Any) => {
      const own = machine.implementations as Any;
      const merged: Any = {};
      for (const k of ['actions', 'guards', 'delays']) merged[k] = { ...own[k], ...more[k] };
      return createMachine(config, merged);
    },
    getInitialSnapshot(scope: Any, input?: Any): Snapshot {
      const init = { type: 'xstate.init', input };
      const queue: Any[] = [];
      const context = config.context;
      let s: Snapshot = clone(
        { status: 'active', machine, _nodes: [root] },
        { context: typeof context === 'function' ? {} : context || {} },
      );
      try {
        if (typeof context === 'function')
          s = clone(s, { context: { ...context({ input, self: scope.self }) } });
        const t = { target: initialNodes(), source: root, reenter: true, actions: [] };
        return macrostep(microstep(t, s, scope, init, queue, true), init, scope, queue);
      } catch (error) {
        return clone(s, { _nodes: initialNodes(), status: 'error', error });
      }
    },
    transition: (s: Snapshot, event: Any, scope: Any): Snapshot => macrostep(s, event, scope, []),
  };
  return machine;
}

export const setup = ({ actions, guards, delays }: Any) => ({
  assign,
  raise,
  cancel,
  enqueueActions,
  createStateConfig: (c: Any) => c,
  createMachine: (c: Any) => createMachine(c, { actions, guards, delays }),
});

/** As XState's: the initial snapshot and the actions of the initial step, none executed. */
export function initialTransition(machine: Any, input?: Any): [Snapshot, Any[]] {
  const actions: Any[] = [];
  const nop = () => {};
  const scope = {
    defer: nop,
    system: { scheduler: { schedule: nop, cancel: nop }, _sendInspectionEvent: nop },
    actionExecutor: (a: Any) => actions.push(a),
  };
  return [machine.getInitialSnapshot(scope, input), actions];
}
