/**
 * DIR/timeline.svg: one row per node, time left to right, a mark for every frame the node put
 * on the air, coloured by what it carried (IKE exchange, ESP, ACK). Frames are binned by pixel
 * column so that a long run with many motes stays a small file; a marker shows when each mote's
 * Child SA came up, and a dashed line each scenario event. Pure: returns the SVG text.
 */
import type { AirEvent } from '../../transport/radio/types.js';

export interface TimelineMarker {
  /** Node (short address) the marker belongs to; undefined = all rows (a scenario event). */
  readonly node?: number;
  readonly atMs: number;
  readonly label: string;
}

export interface TimelineInput {
  readonly nodes: readonly { readonly id: number; readonly label: string }[];
  readonly events: readonly AirEvent[];
  readonly startMs: number;
  readonly endMs: number;
  readonly markers: readonly TimelineMarker[];
  /** The category of a frame (its row colour): from the tag the radio transport set. */
  readonly categoryOf: (e: AirEvent) => string;
}

export const CATEGORY_COLOURS: Readonly<Record<string, string>> = {
  IKE_SA_INIT: '#1f77b4',
  IKE_AUTH: '#d62728',
  CREATE_CHILD_SA: '#9467bd',
  INFORMATIONAL: '#8c564b',
  ESP: '#2ca02c',
  ACK: '#bbbbbb',
  other: '#7f7f7f',
};

const WIDTH = 1000;
const ROW = 14;
const LEFT = 90;
const TOP = 40;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function timelineSvg(t: TimelineInput): string {
  const span = Math.max(1, t.endMs - t.startMs);
  const x = (ms: number) => LEFT + ((ms - t.startMs) / span) * WIDTH;
  const rowOf = new Map(t.nodes.map((n, i) => [n.id, i]));
  const height = TOP + t.nodes.length * ROW + 50;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + 20}" height="${height}" font-family="monospace" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="14" font-size="12">frames on air per node (${(span / 1000).toFixed(1)} s)</text>`,
  ];
  // Legend.
  let lx = LEFT;
  for (const [name, colour] of Object.entries(CATEGORY_COLOURS)) {
    out.push(`<rect x="${lx}" y="22" width="8" height="8" fill="${colour}"/>`);
    out.push(`<text x="${lx + 11}" y="30">${name}</text>`);
    lx += 14 + name.length * 6.5;
  }
  for (const [i, n] of t.nodes.entries()) {
    const y = TOP + i * ROW;
    if (i % 2 === 0) out.push(`<rect x="${LEFT}" y="${y}" width="${WIDTH}" height="${ROW}" fill="#f6f6f6"/>`);
    out.push(`<text x="4" y="${y + ROW - 3}">${esc(n.label)}</text>`);
  }
  // Bin: one mark per (row, pixel column, category); later categories draw over ACKs.
  const bins = new Map<string, { row: number; col: number; cat: string; x0: number; x1: number }>();
  for (const e of t.events) {
    const row = rowOf.get(e.src);
    if (row === undefined) continue;
    const cat = e.kind === 'ack' ? 'ACK' : t.categoryOf(e);
    const x0 = x(e.start);
    const x1 = Math.max(x(e.end), x0 + 1);
    const col = Math.floor(x0);
    const key = `${row}/${col}/${cat}`;
    const b = bins.get(key);
    if (b) b.x1 = Math.max(b.x1, x1);
    else bins.set(key, { row, col, cat, x0, x1 });
  }
  const order = (c: string) => (c === 'ACK' ? 0 : 1);
  for (const b of [...bins.values()].sort((a, c) => order(a.cat) - order(c.cat))) {
    const colour = CATEGORY_COLOURS[b.cat] ?? CATEGORY_COLOURS.other;
    const y = TOP + b.row * ROW + 2;
    out.push(
      `<rect x="${b.x0.toFixed(1)}" y="${y}" width="${(b.x1 - b.x0).toFixed(1)}" height="${ROW - 4}" fill="${colour}"/>`,
    );
  }
  for (const m of t.markers) {
    const mx = x(m.atMs).toFixed(1);
    if (m.node === undefined) {
      const bottom = TOP + t.nodes.length * ROW;
      out.push(
        `<line x1="${mx}" y1="${TOP}" x2="${mx}" y2="${bottom}" stroke="black" stroke-dasharray="4 3"/>`,
      );
      out.push(`<text x="${mx}" y="${bottom + 12}">${esc(m.label)}</text>`);
      continue;
    }
    const row = rowOf.get(m.node);
    if (row === undefined) continue;
    const y = TOP + row * ROW;
    out.push(
      `<path d="M${mx} ${y} l4 ${ROW / 2} l-4 ${ROW / 2} l-4 ${-ROW / 2} z" fill="gold" stroke="black" stroke-width="0.5"><title>${esc(m.label)}</title></path>`,
    );
  }
  // Time axis.
  const axisY = TOP + t.nodes.length * ROW + 26;
  for (let i = 0; i <= 10; i++) {
    const ms = t.startMs + (span * i) / 10;
    const ax = x(ms).toFixed(1);
    out.push(`<line x1="${ax}" y1="${axisY - 4}" x2="${ax}" y2="${axisY}" stroke="black"/>`);
    out.push(
      `<text x="${ax}" y="${axisY + 12}" text-anchor="middle">${((ms - t.startMs) / 1000).toFixed(0)} s</text>`,
    );
  }
  out.push(`<line x1="${LEFT}" y1="${axisY}" x2="${LEFT + WIDTH}" y2="${axisY}" stroke="black"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
