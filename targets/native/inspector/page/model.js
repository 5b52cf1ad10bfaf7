/**
 * The inspector's model: a fold of the inspection stream (actors/inspection/events.ts) into the
 * actor tree, each IKE SA's timeline and the counters. Plain JSON all the way down, so the server
 * can send it whole to a page that connects late. Shared by the server (GET /api/actors,
 * /api/ike/:id/events) and the page (live and replay), so both show the same thing.
 * Plain modern JavaScript: the page loads it as it is (no build step); model.d.ts types it.
 */

/** Most entries kept on one IKE SA's timeline; older ones are dropped (counted in `trimmed`). */
export const TIMELINE_LIMIT = 500;
/** Entries of a timeline that keep their decoded payloads; older messages keep only their header. */
export const PAYLOAD_LIMIT = 100;
/** Most stopped IKE SAs kept (with their Child SAs and timelines); older ones are forgotten. */
export const STOPPED_LIMIT = 100;

export function createModel() {
  return {
    seq: 0,
    t: 0,
    t0: null,
    actors: {},
    timelines: {},
    trimmed: {},
    stopped: [],
    counters: null,
    drops: {},
    unattached: [],
  };
}

function pushTimeline(model, actor, entry) {
  const list = model.timelines[actor] ?? [];
  model.timelines[actor] = list;
  list.push(entry);
  const old = list.length - 1 - PAYLOAD_LIMIT;
  if (old >= 0 && list[old].kind === 'ike.message' && list[old].payloads?.length)
    list[old] = {
      ...list[old],
      payloads: [],
      opaque: `payloads dropped: older than the last ${PAYLOAD_LIMIT} entries`,
    };
  if (list.length > TIMELINE_LIMIT) {
    list.splice(0, list.length - TIMELINE_LIMIT);
    model.trimmed[actor] = (model.trimmed[actor] ?? 0) + 1;
  }
}

/** The IKE SA actor id an actor belongs to (itself for an IKE SA, its parent for a Child SA). */
export function ikeOf(model, actorId) {
  const a = model.actors[actorId];
  if (!a) return undefined;
  if (a.kind === 'ike-sa') return a.id;
  return a.parent && model.actors[a.parent]?.kind === 'ike-sa' ? a.parent : undefined;
}

function sameValue(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function forget(model, id) {
  for (const [cid, c] of Object.entries(model.actors)) if (c.parent === id) delete model.actors[cid];
  delete model.actors[id];
  delete model.timelines[id];
  delete model.trimmed[id];
}

/** Applies one event; returns the model (mutated in place). Unknown kinds are ignored. */
export function apply(model, e) {
  if (!e || typeof e !== 'object') return model;
  if (typeof e.seq === 'number') model.seq = e.seq;
  if (typeof e.t === 'number') {
    model.t = e.t;
    if (model.t0 === null) model.t0 = e.t;
  }
  switch (e.kind) {
    case 'actor.created': {
      model.actors[e.actor] = {
        id: e.actor,
        kind: e.actorKind,
        parent: e.parent ?? null,
        machine: e.machine ?? null,
        value: null,
        status: 'active',
        createdAt: e.t,
        stoppedAt: null,
        ike: e.ike ?? null,
        child: e.child ?? null,
      };
      if (e.actorKind === 'ike-sa') pushTimeline(model, e.actor, { kind: 'created', seq: e.seq, t: e.t });
      break;
    }
    case 'actor.snapshot': {
      const a = model.actors[e.actor];
      if (!a) break;
      const changed = !sameValue(a.value, e.value);
      a.value = e.value;
      a.status = e.status;
      if (e.ike) a.ike = e.ike;
      if (e.child) a.child = e.child;
      // Secrets arrive only when the hub and the server were asked for them (--inspect-keys).
      if (e.keys) a.keys = e.keys;
      const ike = ikeOf(model, e.actor);
      if (changed && ike)
        pushTimeline(model, ike, {
          kind: 'state',
          seq: e.seq,
          t: e.t,
          actor: e.actor,
          value: e.value,
          status: e.status,
        });
      break;
    }
    case 'actor.event': {
      const a = model.actors[e.actor];
      if (a) a.lastEvent = e.event?.type ?? null;
      break;
    }
    case 'actor.stopped': {
      const a = model.actors[e.actor];
      if (!a) break;
      a.status = a.status === 'active' ? 'stopped' : a.status;
      a.stoppedAt = e.t;
      if (a.kind === 'ike-sa') {
        model.stopped.push(a.id);
        while (model.stopped.length > STOPPED_LIMIT) forget(model, model.stopped.shift());
      }
      break;
    }
    case 'ike.message':
    case 'ike.drop': {
      if (e.kind === 'ike.drop') model.drops[e.reason] = (model.drops[e.reason] ?? 0) + 1;
      const ike = e.actor ? ikeOf(model, e.actor) : undefined;
      if (ike) pushTimeline(model, ike, e);
      else {
        model.unattached.push(e);
        if (model.unattached.length > TIMELINE_LIMIT) model.unattached.shift();
      }
      break;
    }
    case 'counters':
      model.counters = {
        ikeSas: e.ikeSas,
        halfOpen: e.halfOpen,
        cookiesSent: e.cookiesSent,
        drops: e.drops,
      };
      break;
  }
  return model;
}

/** Folds a list of events into a fresh model. */
export function fold(events, upTo = events.length) {
  const model = createModel();
  for (let i = 0; i < upTo && i < events.length; i++) apply(model, events[i]);
  return model;
}

/** A state value as dotted paths of its active leaves: { established: 'idle' } -> ['established.idle']. */
export function statePaths(value, prefix = '') {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [prefix + value];
  return Object.entries(value).flatMap(([k, v]) => {
    const inner = statePaths(v, `${prefix}${k}.`);
    return inner.length ? inner : [prefix + k];
  });
}

/** The display state of an IKE SA: its summary's state, else its statechart state. */
export function ikeState(a) {
  if (a.ike?.state) return a.ike.state;
  if (a.status === 'done' || a.status === 'stopped') return 'DESTROYED';
  const top = statePaths(a.value)[0]?.split('.')[0];
  if (top === 'established') return 'ESTABLISHED';
  if (top === 'failed' || top === 'closed') return 'DESTROYED';
  return 'CONNECTING';
}

function view(model, a) {
  return {
    id: a.id,
    kind: a.kind,
    machine: a.machine,
    value: a.value,
    state: a.kind === 'ike-sa' ? ikeState(a) : (a.child?.state ?? statePaths(a.value)[0] ?? null),
    status: a.status,
    createdAt: a.createdAt,
    stoppedAt: a.stoppedAt,
    ageMs: (a.stoppedAt ?? model.t) - a.createdAt,
    ...(a.ike ? { ike: a.ike } : {}),
    ...(a.child ? { child: a.child } : {}),
    ...(a.keys ? { keys: a.keys } : {}),
  };
}

/**
 * The actor tree: supervisor -> IKE SAs -> Child SAs, optionally filtered by connection name,
 * peer (substring of the remote address or id) and state (IKE SA state, case-insensitive).
 */
export function actorTree(model, filter = {}) {
  const all = Object.values(model.actors);
  const sup = all.find((a) => a.kind === 'supervisor');
  const match = (a) => {
    if (filter.connection && a.ike?.connection !== filter.connection) return false;
    if (filter.peer) {
      const p = filter.peer.toLowerCase();
      const hay = `${a.ike?.remote ?? ''} ${a.ike?.remoteId ?? ''}`.toLowerCase();
      if (!hay.includes(p)) return false;
    }
    if (filter.state && ikeState(a).toLowerCase() !== filter.state.toLowerCase()) return false;
    return true;
  };
  const ikeSas = all
    .filter((a) => a.kind === 'ike-sa' && match(a))
    .map((a) => ({
      ...view(model, a),
      children: all.filter((c) => c.kind === 'child-sa' && c.parent === a.id).map((c) => view(model, c)),
    }));
  return {
    id: sup?.id ?? 'supervisor',
    kind: 'supervisor',
    value: sup?.value ?? null,
    status: sup?.status ?? 'active',
    t: model.t,
    seq: model.seq,
    ikeSas,
  };
}

/** The timeline of one IKE SA ('ike:3' or '3'), or undefined when it is unknown. */
export function timeline(model, id) {
  const key = String(id).startsWith('ike:') ? String(id) : `ike:${id}`;
  const a = model.actors[key];
  if (a?.kind !== 'ike-sa') return undefined;
  return {
    actor: key,
    machine: a.machine,
    value: a.value,
    ...(a.ike ? { ike: a.ike } : {}),
    ...(a.keys ? { keys: a.keys } : {}),
    trimmed: model.trimmed[key] ?? 0,
    events: model.timelines[key] ?? [],
  };
}

/**
 * Counters: IKE SAs by state from the actor tree (always current); half-open, cookies sent and
 * drops by reason from the daemon's latest `counters` event, else what the stream showed.
 */
export function counters(model) {
  const byState = {};
  let halfOpen = 0;
  for (const a of Object.values(model.actors)) {
    if (a.kind !== 'ike-sa' || a.stoppedAt !== null) continue;
    const s = ikeState(a);
    byState[s] = (byState[s] ?? 0) + 1;
    if (statePaths(a.value).some((p) => p.startsWith('responder.halfOpen'))) halfOpen++;
  }
  const c = model.counters;
  const nonZero = (o) => Object.fromEntries(Object.entries(o ?? {}).filter(([, n]) => n));
  return {
    ikeSas: byState,
    halfOpen: c ? c.halfOpen : halfOpen,
    cookiesSent: c ? c.cookiesSent : 0,
    drops: nonZero(c ? c.drops : model.drops),
    source: c ? 'daemon' : 'stream',
  };
}
