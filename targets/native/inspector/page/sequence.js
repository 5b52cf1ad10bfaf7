/**
 * One IKE SA's timeline as a sequence diagram in HTML: two lifelines (us, the peer), an arrow
 * per IKE message (exchange, Message ID, request/response; retransmissions dashed, fragments
 * tagged), drops and state changes as notes. A message expands to its decoded payloads.
 */

const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** 'IKE_SA_INIT (34)' -> 'IKE_SA_INIT'. */
export const exchangeName = (x) => String(x).replace(/\s*\(\d+\)$/, '');

export function fmtMs(ms) {
  if (ms < 1000) return `+${Math.round(ms)} ms`;
  return `+${(ms / 1000).toFixed(ms < 10000 ? 3 : 1)} s`;
}

function payloadHtml(p) {
  const rows = Object.entries(p.fields ?? {})
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`)
    .join('');
  const kids = (p.children ?? []).map(payloadHtml).join('');
  return `<div class="pl"><div class="pl-h"><span class="ty">${esc(p.type)}</span></div>${rows ? `<table>${rows}</table>` : ''}${kids}</div>`;
}

export function valueText(v) {
  if (v === null || v === undefined) return '?';
  if (typeof v === 'string') return v;
  return Object.entries(v)
    .map(([k, x]) => (typeof x === 'string' ? `${k}.${x}` : `${k}.${valueText(x)}`))
    .join(', ');
}

/**
 * The diagram for `tl` (model.timeline()); `expanded` is a Set of the seq numbers of the open
 * messages; `t0` the time rows are counted from.
 */
export function sequenceHtml(tl, expanded, t0) {
  const ike = tl.ike;
  const role = ike ? (ike.initiator ? 'initiator' : 'responder') : '';
  const out = [
    `<div class="lanes"><div></div><div class="who"><div>us (${esc(role)})<b>${esc(ike?.local ?? '')}</b></div>` +
      `<div>peer<b>${esc(ike?.remote ?? '')}</b></div></div></div>`,
  ];
  if (tl.trimmed)
    out.push(
      `<div class="row note"><div></div><div class="dg"><span>earlier entries dropped</span></div></div>`,
    );
  for (const e of tl.events) {
    const tm = `<div class="tm">${fmtMs(e.t - t0)}</div>`;
    if (e.kind === 'ike.message') {
      const ex = exchangeName(e.exchange);
      const tags = [
        e.retransmission ? '<span class="tag re">retransmission</span>' : '',
        e.fragment ? `<span class="tag fr">fragment ${e.fragment.number}/${e.fragment.total}</span>` : '',
        e.reassembled
          ? `<span class="tag fr">reassembled from ${e.reassembled.fragments} fragments</span>`
          : '',
        e.opaque ? `<span class="tag op">${esc(e.opaque)}</span>` : '',
      ].join('');
      const open = expanded.has(e.seq);
      out.push(
        `<div class="row msg ex-${esc(ex)}" data-seq="${e.seq}" data-exchange="${esc(ex)}" title="click for the payloads">${tm}<div class="dg">` +
          `<div class="lbl"><span class="ex">${esc(ex)}</span> ${e.response ? 'response' : 'request'} · MID ${e.messageId} · ${e.length} B${tags}</div>` +
          `<div class="arrow ${e.direction}${e.retransmission ? ' re' : ''}"></div></div></div>`,
      );
      if (open) {
        const body = e.payloads?.length
          ? e.payloads.map(payloadHtml).join('')
          : '<span class="muted">no payloads</span>';
        const flags = `<div class="muted mono">${esc(e.direction === 'out' ? `${e.local} → ${e.remote}` : `${e.remote} → ${e.local}`)} · ${e.initiatorFlag ? 'I' : ''}${e.response ? 'R' : ''} flags · ${e.length} octets</div>`;
        out.push(
          `<div class="row"><div></div><div class="detail" data-detail="${e.seq}">${flags}${body}</div></div>`,
        );
      }
    } else if (e.kind === 'ike.drop') {
      out.push(
        `<div class="row note drop">${tm}<div class="dg"><span>✕ dropped: ${esc(e.reason)}${e.detail ? ` (${esc(e.detail)})` : ''}</span></div></div>`,
      );
    } else if (e.kind === 'state') {
      const who = e.actor?.startsWith('child:') ? 'Child SA ' : '';
      // A failure is marked as a drop is: the IKE SA gave up (retransmissions, AUTH, a notify).
      const failed = valueText(e.value) === 'failed' || e.status === 'error';
      out.push(
        `<div class="row note${failed ? ' drop' : ''}">${tm}<div class="dg"><span>${who}→ ${esc(valueText(e.value))}${e.status !== 'active' ? ` (${esc(e.status)})` : ''}</span></div></div>`,
      );
    } else if (e.kind === 'created') {
      out.push(`<div class="row note">${tm}<div class="dg"><span>IKE SA created</span></div></div>`);
    }
  }
  return out.join('');
}
