/**
 * Draws a MachineGraph (actors/inspection/events.ts) as SVG: states as boxes, children inside
 * their parent (laid out in a row, then a column, alternating with depth), transitions as
 * labelled curved arrows; the active states and the last transition highlighted.
 */

const LEAF_H = 30;
const PAD = 12;
const HEAD = 20;
const GAP_X = 46;
const GAP_Y = 34;

const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const textWidth = (s, px = 12) => s.length * px * 0.6;

/** 'xstate.after.RETRANSMIT.ikeSa.x.y' -> 'after RETRANSMIT'. */
export function eventLabel(e) {
  const m = /^xstate\.after\.([^.]+)/.exec(e);
  if (m) return `after ${m[1]}`;
  if (e.startsWith('xstate.done.actor.')) return `done ${e.slice(18)}`;
  return e;
}

function buildTree(graph) {
  const nodes = new Map();
  for (const s of graph.states) nodes.set(s.id, { ...s, label: s.id.split('.').pop(), kids: [] });
  const roots = [];
  for (const n of nodes.values()) {
    const p = n.parent ? nodes.get(n.parent) : undefined;
    if (p) p.kids.push(n);
    else roots.push(n);
  }
  return { nodes, roots };
}

/** The child of `kids` that is `id` or holds it. */
function childHolding(kids, id) {
  return kids.find((k) => id === k.id || id.startsWith(`${k.id}.`));
}

/**
 * Ranks of sibling states: the longest path from the initial one along the transitions between
 * them (and their descendants), back edges (found depth-first) left out.
 */
function rank(kids, transitions) {
  const next = new Map(kids.map((k) => [k, []]));
  for (const t of transitions) {
    const a = childHolding(kids, t.source);
    const b = childHolding(kids, t.target);
    if (a && b && a !== b && !next.get(a).includes(b)) next.get(a).push(b);
  }
  const seen = new Map();
  const dag = new Map(kids.map((k) => [k, []]));
  const order = [];
  const dfs = (k) => {
    seen.set(k, 1);
    for (const b of next.get(k)) {
      if (seen.get(b) === 1) continue;
      dag.get(k).push(b);
      if (!seen.has(b)) dfs(b);
    }
    seen.set(k, 2);
    order.push(k);
  };
  dfs(kids.find((k) => k.initial) ?? kids[0]);
  for (const k of kids) if (!seen.has(k)) dfs(k);
  const ranks = new Map();
  for (const k of order.reverse()) {
    const r = ranks.get(k) ?? 0;
    ranks.set(k, r);
    for (const b of dag.get(k)) ranks.set(b, Math.max(ranks.get(b) ?? 0, r + 1));
  }
  const groups = [];
  for (const k of kids) {
    const r = ranks.get(k);
    groups[r] = [...(groups[r] ?? []), k];
  }
  return groups.filter(Boolean);
}

/** Sizes: ranks along x at even depths, along y at odd ones; a rank's states across. */
function measure(n, depth, transitions) {
  for (const k of n.kids) measure(k, depth + 1, transitions);
  if (!n.kids.length) {
    n.w = Math.max(74, textWidth(n.label) + 26);
    n.h = LEAF_H;
    return;
  }
  n.alongX = depth % 2 === 0;
  n.groups = rank(n.kids, transitions);
  const main = (k) => (n.alongX ? k.w : k.h);
  const cross = (k) => (n.alongX ? k.h : k.w);
  const gapMain = n.alongX ? GAP_X : GAP_Y;
  const gapCross = n.alongX ? GAP_Y : GAP_X;
  n.spans = n.groups.map((g) => Math.max(...g.map(main)));
  const mainLen = n.spans.reduce((a, b) => a + b, 0) + gapMain * (n.groups.length - 1);
  const crossLen = Math.max(
    ...n.groups.map((g) => g.reduce((a, k) => a + cross(k), 0) + gapCross * (g.length - 1)),
  );
  const w = n.alongX ? mainLen : crossLen;
  const h = n.alongX ? crossLen : mainLen;
  n.w = Math.max(w, textWidth(n.label, 11) + 20) + 2 * PAD;
  n.h = h + HEAD + 2 * PAD;
}

function place(n, x, y) {
  n.x = x;
  n.y = y;
  if (!n.kids.length) return;
  const innerW = n.w - 2 * PAD;
  const innerH = n.h - HEAD - 2 * PAD;
  let m = 0;
  n.groups.forEach((g, i) => {
    const span = n.spans[i];
    const gap = n.alongX ? GAP_Y : GAP_X;
    const total = g.reduce((a, k) => a + (n.alongX ? k.h : k.w), 0) + gap * (g.length - 1);
    let c = ((n.alongX ? innerH : innerW) - total) / 2;
    for (const k of g) {
      if (n.alongX) {
        place(k, x + PAD + m + (span - k.w) / 2, y + HEAD + PAD + c);
        c += k.h + gap;
      } else {
        place(k, x + PAD + c, y + HEAD + PAD + m + (span - k.h) / 2);
        c += k.w + gap;
      }
    }
    m += span + (n.alongX ? GAP_X : GAP_Y);
  });
}

/** The whole chart: the machine's top-level states as the children of a root at depth 0. */
function layout(roots, transitions) {
  const root = { id: '', label: '', kids: roots };
  measure(root, 0, transitions);
  place(root, -PAD, -HEAD - PAD);
  return { width: root.w - 2 * PAD, height: root.h - HEAD - 2 * PAD };
}

/** Where the segment from the box centre toward (px, py) leaves the box. */
function edgePoint(n, px, py) {
  const cx = n.x + n.w / 2;
  const cy = n.y + n.h / 2;
  const dx = px - cx;
  const dy = py - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const sx = dx === 0 ? Infinity : n.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : n.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [cx + dx * s, cy + dy * s];
}

const ancestorsOrSelf = (id) => id.split('.').map((_, i, a) => a.slice(0, i + 1).join('.'));

/**
 * The SVG for `graph`; `active` lists the active leaf paths ('established.idle'), `previous`
 * those before the last change (for the highlighted transition).
 */
export function chartSvg(graph, active = [], previous = []) {
  const { nodes, roots } = buildTree(graph);
  const { width, height } = layout(roots, graph.transitions);
  const onPath = new Set(active.flatMap(ancestorsOrSelf));
  const leaves = new Set(active);
  // The state left by the last change: the highest ancestor of the previous leaf that is not
  // also an ancestor of the current one; a transition out of it onto the current path is the one taken.
  const left = previous.flatMap(ancestorsOrSelf).find((p) => !onPath.has(p));
  const inside = (id, of) => id === of || id.startsWith(`${of}.`);
  const parts = [];
  const draw = (n) => {
    const cls = ['st'];
    if (n.kids.length) cls.push('compound');
    if (leaves.has(n.id)) cls.push('active');
    else if (onPath.has(n.id)) cls.push('path');
    if (n.final) cls.push('final');
    const tx = n.kids.length ? n.x + 8 : n.x + n.w / 2;
    const ty = n.kids.length ? n.y + 14 : n.y + n.h / 2 + 4;
    const anchor = n.kids.length ? 'start' : 'middle';
    parts.push(
      `<g class="${cls.join(' ')}" data-state="${esc(n.id)}"><rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="${n.kids.length ? 9 : 14}"/>` +
        `<text x="${tx}" y="${ty}" text-anchor="${anchor}">${esc(n.label)}</text>` +
        (n.initial
          ? `<circle class="init" cx="${n.x - 1}" cy="${n.y + (n.kids.length ? 12 : n.h / 2)}" r="3.5"/>`
          : '') +
        '</g>',
    );
    for (const k of n.kids) draw(k);
  };
  for (const r of roots) draw(r);

  const edges = new Map();
  for (const t of graph.transitions) {
    const key = `${t.source}\u0000${t.target}`;
    const e = edges.get(key) ?? { source: t.source, target: t.target, events: new Set() };
    e.events.add(eventLabel(t.event));
    edges.set(key, e);
  }
  // Labels go on top of every arrow, moved up or down until they overlap no other label and no state.
  const taken = [...nodes.values()]
    .filter((n) => !n.kids.length)
    .map((n) => [n.x, n.y, n.x + n.w, n.y + n.h]);
  const labels = [];
  const placeLabel = (text, x, y, cls) => {
    const w = textWidth(text, 10) + 4;
    const box = (dy) => [x - w / 2, y + dy - 11, x + w / 2, y + dy + 1];
    const free = (b) => !taken.some((t) => b[0] < t[2] && t[0] < b[2] && b[1] < t[3] && t[1] < b[3]);
    const dy = [0, -12, 12, -24, 24, -36, 36].find((d) => free(box(d))) ?? 0;
    taken.push(box(dy));
    labels.push(
      `<g class="${cls}"><text x="${x.toFixed(1)}" y="${(y + dy - 2).toFixed(1)}" text-anchor="middle">${esc(text)}</text></g>`,
    );
  };
  for (const e of edges.values()) {
    const a = nodes.get(e.source);
    const b = nodes.get(e.target);
    if (!a || !b) continue;
    // Eventless transitions are dashed and unlabelled (the legend says so).
    const label = [...e.events].filter((x) => x !== 'always').join(', ');
    const hot =
      left !== undefined && inside(e.source, left) && onPath.has(e.target) && !inside(e.target, left);
    const cls = `tr${hot ? ' hot' : ''}${e.events.size === 1 && e.events.has('always') ? ' always' : ''}`;
    let d;
    let lx;
    let ly;
    if (a === b) {
      const x = a.x + a.w - 16;
      const y = a.y;
      d = `M${x} ${y} C${x + 8} ${y - 30} ${x + 40} ${y - 10} ${a.x + a.w} ${y + 8}`;
      lx = x + 24;
      ly = y - 20;
    } else {
      const ax = a.x + a.w / 2;
      const ay = a.y + a.h / 2;
      const bx = b.x + b.w / 2;
      const by = b.y + b.h / 2;
      const len = Math.hypot(bx - ax, by - ay) || 1;
      const bend = Math.min(60, 0.18 * len);
      const mx = (ax + bx) / 2 + ((by - ay) / len) * bend;
      const my = (ay + by) / 2 - ((bx - ax) / len) * bend;
      const [sx, sy] = edgePoint(a, mx, my);
      const [ex, ey] = edgePoint(b, mx, my);
      d = `M${sx.toFixed(1)} ${sy.toFixed(1)} Q${mx.toFixed(1)} ${my.toFixed(1)} ${ex.toFixed(1)} ${ey.toFixed(1)}`;
      lx = 0.25 * sx + 0.5 * mx + 0.25 * ex;
      ly = 0.25 * sy + 0.5 * my + 0.25 * ey;
    }
    parts.push(`<g class="${cls}"><path d="${d}" marker-end="url(#${hot ? 'ahot' : 'a'})"/></g>`);
    if (label) placeLabel(label, lx, ly, cls);
  }
  const marker = (id, color) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${color}"/></marker>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 60}" height="${height + 48}" viewBox="-14 -34 ${width + 60} ${height + 48}" role="img" aria-label="statechart ${esc(graph.id)}">` +
    `<defs>${marker('a', '#566476')}${marker('ahot', '#38bdf8')}</defs>${parts.join('')}${labels.join('')}</svg>`
  );
}
