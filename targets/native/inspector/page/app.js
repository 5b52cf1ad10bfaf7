/**
 * The inspector page: connects to /ws, folds the stream with model.js, draws the actor tree
 * (left), the selected IKE SA's statechart and timeline (right) and the counters (top). In
 * replay mode it holds the whole recording and a slider picks how much of it is applied.
 * Read-only: it never sends anything to the server.
 */
import { chartSvg } from './chart.js';
import { actorTree, apply, counters, createModel, fold, statePaths, timeline } from './model.js';
import { fmtMs, sequenceHtml } from './sequence.js';

const $ = (id) => document.getElementById(id);
const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const token = new URLSearchParams(location.search).get('token');

const ui = {
  mode: 'live',
  machines: new Map(),
  model: createModel(),
  events: [],
  pos: 0,
  selected: decodeURIComponent(location.hash.slice(1)) || null,
  expanded: new Set(),
  lastEventAt: Date.now(),
  playing: null,
};

function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function bytes(n) {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

const shortSpi = (s) => (s ? s.replace(/^0+(?=.{8})/, '') : '?');

function renderCounters() {
  const c = counters(ui.model);
  const states = ['ESTABLISHED', 'CONNECTING', 'DELETING'];
  const chips = states.map(
    (s) => `<span class="chip" data-counter="${s}">${s} <b>${c.ikeSas[s] ?? 0}</b></span>`,
  );
  chips.push(`<span class="chip">half-open <b>${c.halfOpen}</b></span>`);
  chips.push(`<span class="chip">cookies sent <b>${c.cookiesSent}</b></span>`);
  const drops = Object.entries(c.drops ?? {});
  const total = drops.reduce((a, [, n]) => a + n, 0);
  const sub = drops.map(([r, n]) => `${esc(r)} ${n}`).join(', ');
  chips.push(
    `<span class="chip${total ? ' bad' : ''}" data-counter="drops">drops <b>${total}</b>${sub ? `<span class="sub">${sub}</span>` : ''}</span>`,
  );
  $('counters').innerHTML = chips.join('');
}

function filters() {
  const f = {};
  if ($('f-conn').value) f.connection = $('f-conn').value;
  if ($('f-peer').value.trim()) f.peer = $('f-peer').value.trim();
  if ($('f-state').value) f.state = $('f-state').value;
  return f;
}

function renderTree() {
  const now = ui.model.t + (ui.mode === 'live' ? Date.now() - ui.lastEventAt : 0);
  const conns = new Set(
    Object.values(ui.model.actors)
      .map((a) => a.ike?.connection)
      .filter(Boolean),
  );
  const sel = $('f-conn');
  const have = new Set([...sel.options].map((o) => o.value));
  for (const c of [...conns].sort()) if (!have.has(c)) sel.add(new Option(c, c));
  const tree = actorTree(ui.model, filters());
  const html = [
    `<div class="sup">supervisor · <b>${tree.ikeSas.length}</b> IKE SA${tree.ikeSas.length === 1 ? '' : 's'} shown</div>`,
  ];
  for (const s of tree.ikeSas) {
    const i = s.ike ?? {};
    const ms = (s.stoppedAt ?? now) - s.createdAt;
    html.push(
      `<div class="ike s-${esc(s.state)}${s.id === ui.selected ? ' sel' : ''}" data-id="${esc(s.id)}">` +
        `<div class="r1"><b>${esc(i.connection ?? '?')}</b><span class="muted">#${esc(s.id.replace(/^ike:/, ''))}</span>` +
        `<span class="pill ${esc(s.state)}">${esc(s.state)}</span><span class="age">${age(ms)}</span></div>` +
        `<div class="r2 mono">${esc(i.local ?? '')} ${i.initiator ? '→' : '←'} ${esc(i.remote ?? '')}</div>` +
        `<div class="r3">${esc(i.localId ?? '')} ↔ ${esc(i.remoteId ?? '')}</div>` +
        `<div class="r3 mono">SPIs ${shortSpi(i.spiI)}_i ${shortSpi(i.spiR)}_r</div>`,
    );
    for (const c of s.children) {
      const ch = c.child ?? {};
      const traffic =
        ch.packetsIn !== undefined || ch.packetsOut !== undefined
          ? ` · ${ch.packetsIn ?? 0}/${ch.packetsOut ?? 0} pkts · ${bytes(ch.bytesIn ?? 0)}/${bytes(ch.bytesOut ?? 0)}`
          : '';
      const st = (c.state ?? '').toUpperCase();
      html.push(
        `<div class="child" data-child="${esc(c.id)}"><b>${esc(ch.name ?? c.id)}</b> <span class="pill ${esc(st)}">${esc(st)}</span> ` +
          `<span class="cs mono">in ${esc(ch.spiIn ?? '?')} out ${esc(ch.spiOut ?? '?')}${esc(traffic)}</span></div>`,
      );
    }
    html.push('</div>');
  }
  $('tree').innerHTML = html.join('');
}

/** Keys (only with --inspect-keys), folded away. */
function keysHtml(keys) {
  if (!keys) return '';
  const rows = Object.entries(keys)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`)
    .join('');
  return `<details class="keys"><summary>keys (--inspect-keys)</summary><table class="mono">${rows}</table></details>`;
}

function renderDetail() {
  const tl = ui.selected ? timeline(ui.model, ui.selected) : undefined;
  $('empty').hidden = !!tl;
  $('sa').hidden = !tl;
  if (!tl) return;
  const a = ui.model.actors[tl.actor];
  const i = tl.ike ?? {};
  const kv = (k, v) => (v ? `<span class="kv">${k} <b>${esc(v)}</b></span>` : '');
  const state = statePaths(tl.value).join(', ') || '?';
  $('sa-head').innerHTML =
    `<h1>${esc(i.connection ?? tl.actor)} <span class="muted">${esc(tl.actor)}</span></h1>` +
    kv('state', state) +
    kv('role', i.initiator === undefined ? '' : i.initiator ? 'initiator' : 'responder') +
    kv('proposal', i.proposal) +
    kv('SPIs', i.spiI ? `${i.spiI}_i ${i.spiR}_r` : '') +
    kv('ids', i.localId ? `${i.localId} ↔ ${i.remoteId}` : '') +
    keysHtml(i.keys ?? tl.keys);
  const graph = ui.machines.get(tl.machine ?? a?.machine);
  $('chart-name').textContent = graph ? graph.id : '';
  const states = tl.events.filter((e) => e.kind === 'state' && e.actor === tl.actor);
  const prev = states.length > 1 ? statePaths(states[states.length - 2].value) : [];
  $('chart').innerHTML = graph
    ? chartSvg(graph, statePaths(tl.value), prev)
    : '<div class="muted">no statechart for this machine in the stream</div>';
  $('seq').innerHTML = sequenceHtml(tl, ui.expanded, a?.createdAt ?? 0);
}

let frame = 0;
function render() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderCounters();
    renderTree();
    renderDetail();
    if (ui.mode === 'replay') {
      $('r-slider').max = String(ui.events.length);
      $('r-slider').value = String(ui.pos);
      const t0 = ui.events[0]?.t ?? 0;
      $('r-at').textContent = `event ${ui.pos} / ${ui.events.length} · ${fmtMs(ui.model.t - t0)}`;
    }
  });
}

function seek(pos) {
  const p = Math.max(0, Math.min(ui.events.length, pos));
  if (p >= ui.pos) for (let k = ui.pos; k < p; k++) apply(ui.model, ui.events[k]);
  else ui.model = fold(ui.events, p);
  ui.pos = p;
  render();
}

function play() {
  if (ui.playing) {
    clearInterval(ui.playing);
    ui.playing = null;
    $('r-play').textContent = 'play';
    return;
  }
  if (ui.pos >= ui.events.length) seek(0);
  $('r-play').textContent = 'pause';
  ui.playing = setInterval(() => {
    if (ui.pos >= ui.events.length) play();
    else seek(ui.pos + 1);
  }, 120);
}

function onMessage(msg) {
  if (msg.type === 'hello') {
    ui.mode = msg.mode;
    ui.machines = new Map((msg.machines ?? []).map((g) => [g.id, g]));
    $('mode').textContent = msg.mode === 'replay' ? 'REPLAY' : 'LIVE';
    $('mode').className = `badge ${msg.mode}`;
    $('replay').hidden = msg.mode !== 'replay';
    ui.recording = msg.recording ?? null;
  } else if (msg.type === 'state') {
    ui.model = msg.state;
    ui.lastEventAt = Date.now();
  } else if (msg.type === 'events') {
    ui.events = msg.events;
    const r = ui.recording;
    $('link').textContent =
      `${r?.file ? `${r.file} · ` : ''}${msg.events.length} events${r?.started ? `, recorded ${r.started}` : ''}`;
    ui.pos = 0;
    ui.model = createModel();
    seek(ui.events.length);
  } else if (msg.type === 'event') {
    apply(ui.model, msg.event);
    ui.lastEventAt = Date.now();
  }
  if (!ui.selected) {
    const first = Object.values(ui.model.actors).find((a) => a.kind === 'ike-sa');
    if (first) ui.selected = first.id;
  }
  render();
}

function connect() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = token ? `?token=${encodeURIComponent(token)}` : '';
  url.hash = '';
  const ws = new WebSocket(url);
  ws.onopen = () => {
    if (ui.mode === 'live') $('link').textContent = 'connected';
    $('link').className = 'link';
  };
  ws.onmessage = (m) => onMessage(JSON.parse(m.data));
  ws.onclose = () => {
    if (ui.mode === 'replay') return;
    $('link').textContent = 'disconnected, retrying…';
    $('link').className = 'link down';
    setTimeout(connect, 2000);
  };
}

$('tree').addEventListener('click', (ev) => {
  const card = ev.target.closest('.ike');
  if (!card) return;
  ui.selected = card.dataset.id;
  ui.expanded.clear();
  history.replaceState(null, '', `${location.search}#${encodeURIComponent(ui.selected)}`);
  render();
});
$('seq').addEventListener('click', (ev) => {
  const row = ev.target.closest('.msg');
  if (!row) return;
  const seq = Number(row.dataset.seq);
  if (ui.expanded.has(seq)) ui.expanded.delete(seq);
  else ui.expanded.add(seq);
  render();
});
for (const id of ['f-conn', 'f-peer', 'f-state']) $(id).addEventListener('input', render);
$('r-slider').addEventListener('input', () => seek(Number($('r-slider').value)));
$('r-first').addEventListener('click', () => seek(0));
$('r-prev').addEventListener('click', () => seek(ui.pos - 1));
$('r-next').addEventListener('click', () => seek(ui.pos + 1));
$('r-last').addEventListener('click', () => seek(ui.events.length));
$('r-play').addEventListener('click', play);
setInterval(() => ui.mode === 'live' && renderTree(), 1000);
connect();
