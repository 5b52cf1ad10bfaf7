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
const MAX_ROW = 1180;

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

function measure(n, depth) {
  for (const k of n.kids) measure(k, depth + 1);
  if (!n.kids.length) {
    n.w = Math.max(74, textWidth(n.label) + 26);
    n.h = LEAF_H;
    return;
  }
  n.dir = depth % 2 === 0 ? 'col' : 'row';
  const ws = n.kids.map((k) => k.w);
  const hs = n.kids.map((k) => k.h);
  if (n.dir === 'row') {
    n.w = ws.reduce((a, b) => a + b, 0) + GAP_X * (n.kids.length - 1) + 2 * PAD;
    n.h = Math.max(...hs) + HEAD + 2 * PAD;
  } else {
    n.w = Math.max(...ws, textWidth(n.label, 11) + 20) + 2 * PAD;
    n.h = hs.reduce((a, b) => a + b, 0) + GAP_Y * (n.kids.length - 1) + HEAD + 2 * PAD;
  }
}

function place(n, x, y) {
  n.x = x;
  n.y = y;
  if (!n.kids.length) return;
  let cx = x + PAD;
  let cy = y + HEAD + PAD;
  for (const k of n.kids) {
    if (n.dir === 'row') {
      place(k, cx, cy + (n.h - HEAD - 2 * PAD - k.h) / 2);
      cx += k.w + GAP_X;
    } else {
      place(k, x + (n.w - k.w) / 2, cy);
      cy += k.h + GAP_Y;
    }
  }
}

/** Top-level states in rows (wrapped at MAX_ROW), each row centred vertically. */
function layout(roots) {
  for (const r of roots) measure(r, 0);
  const rows = [[]];
  let width = 0;
  for (const r of roots) {
    const row = rows[rows.length - 1];
    if (row.length && width + r.w > MAX_ROW) {
      rows.push([r]);
      width = r.w + GAP_X;
    } else {
      row.push(r);
      width += r.w + GAP_X;
    }
  }
  let y = 10;
  let W = 0;
  for (const row of rows) {
    const h = Math.max(...row.map((r) => r.h));
    let x = 10;
    for (const r of row) {
      place(r, x, y + (h - r.h) / 2);
      x += r.w + GAP_X;
    }
    W = Math.max(W, x);
    y += h + GAP_Y + 10;
  }
  return { width: W, height: y };
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
  const { width, height } = layout(roots);
  const onPath = new Set(active.flatMap(ancestorsOrSelf));
  const leaves = new Set(active);
  const before = new Set(previous.flatMap(ancestorsOrSelf));
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
  for (const e of edges.values()) {
    const a = nodes.get(e.source);
    const b = nodes.get(e.target);
    if (!a || !b) continue;
    const label = [...e.events].join(', ');
    const hot =
      before.size > 0 &&
      before.has(e.source) &&
      onPath.has(e.target) &&
      !(onPath.has(e.source) && before.has(e.target));
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
    parts.push(
      `<g class="${cls}"><path d="${d}" marker-end="url(#${hot ? 'ahot' : 'a'})"/>` +
        `<text x="${lx.toFixed(1)}" y="${(ly - 3).toFixed(1)}" text-anchor="middle">${esc(label)}</text></g>`,
    );
  }
  const marker = (id, color) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${color}"/></marker>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-10 -30 ${width + 40} ${height + 30}" role="img" aria-label="statechart ${esc(graph.id)}">` +
    `<defs>${marker('a', '#566476')}${marker('ahot', '#38bdf8')}</defs>${parts.join('')}</svg>`
  );
}
