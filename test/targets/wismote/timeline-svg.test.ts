/**
 * timeline-svg.ts: rows per node, frames coloured by category, ACKs, markers per node and
 * global markers, unknown nodes skipped, and binning by pixel column so that big runs stay small.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTag } from '../../../targets/wismote/classify.js';
import { CATEGORY_COLOURS, type TimelineInput, timelineSvg } from '../../../targets/wismote/timeline-svg.js';
import type { AirEvent } from '../../../transport/radio/types.js';

const frame = (src: number, start: number, tag?: string, kind: AirEvent['kind'] = 'data'): AirEvent => ({
  start,
  end: start + 4,
  src,
  dst: src === 1 ? 2 : 1,
  kind,
  bytes: 127,
  ...(tag !== undefined ? { tag } : {}),
});

const input = (o: Partial<TimelineInput> = {}): TimelineInput => ({
  nodes: [
    { id: 1, label: 'gateway' },
    { id: 2, label: 'mote 2' },
  ],
  events: [
    frame(2, 1000, '2|IKE_SA_INIT|i'),
    frame(1, 2000, '2|IKE_SA_INIT|r'),
    frame(2, 3000, '2|IKE_AUTH|i'),
    frame(1, 3005, undefined, 'ack'),
    frame(2, 6000, '2|ESP'),
  ],
  startMs: 0,
  endMs: 10_000,
  markers: [
    { node: 2, atMs: 4000, label: 'mote 2 <Child SA>' },
    { atMs: 5000, label: 'reboot & restart' },
  ],
  categoryOf: (e) => parseTag(e).category,
  ...o,
});

/** The frame marks (not the legend's squares, the row stripes or the background). */
const marks = (svg: string) =>
  [
    ...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="10" fill="(#[0-9a-f]{6})"\/>/g),
  ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), fill: m[4]! }));

describe('timelineSvg', () => {
  it('draws a row per node, a mark per frame in its category colour, ACKs, and the markers', () => {
    const svg = timelineSvg(input());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('>gateway</text>');
    expect(svg).toContain('>mote 2</text>');
    const m = marks(svg);
    expect(m).toHaveLength(5);
    const ROW0 = 42;
    const ROW1 = 56;
    // ACKs are drawn first, under the rest; then in input order.
    expect(m.map((r) => [r.fill, r.y])).toEqual([
      [CATEGORY_COLOURS.ACK, ROW0],
      [CATEGORY_COLOURS.IKE_SA_INIT, ROW1],
      [CATEGORY_COLOURS.IKE_SA_INIT, ROW0],
      [CATEGORY_COLOURS.IKE_AUTH, ROW1],
      [CATEGORY_COLOURS.ESP, ROW1],
    ]);
    // Time left to right: 1000 ms of 10 000 is 100 px past the left margin (90).
    expect(m[1]!.x).toBe(190);
    expect(m[4]!.x).toBe(690);
    // A 4 ms frame is 0.4 px: drawn at least 1 px wide.
    expect(m[1]!.width).toBe(1);
    // The mote's marker: a gold diamond on its row with its label escaped.
    expect(svg.match(/fill="gold"/g)).toHaveLength(1);
    expect(svg).toContain('<path d="M490.0 54 ');
    expect(svg).toContain('<title>mote 2 &lt;Child SA&gt;</title>');
    // The global marker: a dashed line over every row, with its label.
    expect(svg).toContain(
      '<line x1="590.0" y1="40" x2="590.0" y2="68" stroke="black" stroke-dasharray="4 3"/>',
    );
    expect(svg).toContain('>reboot &amp; restart</text>');
  });

  it('the colours of categories absent from the run are only in the legend', () => {
    const svg = timelineSvg(input());
    const fills = new Set(marks(svg).map((m) => m.fill));
    expect(fills.has(CATEGORY_COLOURS.INFORMATIONAL!)).toBe(false);
    expect(fills.has(CATEGORY_COLOURS.CREATE_CHILD_SA!)).toBe(false);
    // The legend names every category.
    for (const name of Object.keys(CATEGORY_COLOURS)) expect(svg).toContain(`>${name}</text>`);
  });

  it('an untagged data frame and an unknown category are drawn in the colour of other', () => {
    const svg = timelineSvg(input({ events: [frame(2, 1000), frame(2, 3000, '2|SOMETHING')], markers: [] }));
    expect(marks(svg).map((m) => m.fill)).toEqual([CATEGORY_COLOURS.other, CATEGORY_COLOURS.other]);
  });

  it('skips frames and markers of nodes without a row', () => {
    const svg = timelineSvg(
      input({
        events: [frame(9, 1000, '9|IKE_AUTH|i'), frame(2, 2000, '2|ESP')],
        markers: [{ node: 9, atMs: 100, label: 'nine' }],
      }),
    );
    expect(marks(svg).map((m) => m.fill)).toEqual([CATEGORY_COLOURS.ESP]);
    // Nothing else was drawn for node 9: the same SVG as without its frame and marker.
    expect(svg).toBe(timelineSvg(input({ events: [frame(2, 2000, '2|ESP')], markers: [] })));
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('gold');
    expect(svg).not.toContain('nine');
  });

  it('frames in one pixel column of one row and category collapse into one mark', () => {
    // 10 s over 1000 px: 10 ms a column. Ten frames within 1000..1009 ms, one category.
    const events = Array.from({ length: 10 }, (_, i) => frame(2, 1000 + i, '2|IKE_AUTH|i'));
    const m = marks(timelineSvg(input({ events, markers: [] })));
    expect(m).toHaveLength(1);
    // From the first frame to the end of the last, each at least 1 px: 190 .. 190.9 + 1.
    expect(m[0]!.x).toBe(190);
    expect(m[0]!.x + m[0]!.width).toBeCloseTo(191.9, 1);
    // Another category in the same column is its own mark; so is another row.
    const mixed = marks(
      timelineSvg(
        input({ events: [...events, frame(2, 1001, '2|ESP'), frame(1, 1001, '2|IKE_AUTH|r')], markers: [] }),
      ),
    );
    expect(mixed).toHaveLength(3);
  });

  it('100 000 frames make a bounded number of marks (at most rows × columns × categories)', () => {
    const nodes = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, label: `n${i + 1}` }));
    const tags = ['IKE_SA_INIT|i', 'IKE_AUTH|r', 'ESP'];
    const events: AirEvent[] = [];
    for (let i = 0; i < 100_000; i++)
      events.push(frame((i % 5) + 1, (i * 37) % 3_600_000, `2|${tags[i % 3]}`, i % 7 === 0 ? 'ack' : 'data'));
    const svg = timelineSvg(input({ nodes, events, startMs: 0, endMs: 3_600_000, markers: [] }));
    const n = marks(svg).length;
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThanOrEqual(5 * 1001 * 4);
    expect(svg.length).toBeLessThan(2_000_000);
  });

  it('property: every frame of a known node lies within some mark of its row and colour (to the pixel)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            src: fc.constantFrom(1, 2),
            start: fc.integer({ min: 0, max: 9_990 }),
            tag: fc.constantFrom('2|IKE_SA_INIT|i', '2|IKE_AUTH|r', '2|ESP', '2|INFORMATIONAL|i'),
            ack: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (fs) => {
          const events = fs.map((f) => frame(f.src, f.start, f.tag, f.ack ? 'ack' : 'data'));
          const m = marks(timelineSvg(input({ events, markers: [] })));
          expect(m.length).toBeLessThanOrEqual(events.length);
          for (const e of events) {
            const x = 90 + e.start / 10;
            const y = e.src === 1 ? 42 : 56;
            const colour = e.kind === 'ack' ? CATEGORY_COLOURS.ACK : CATEGORY_COLOURS[parseTag(e).category];
            expect(
              // A mark starts at the first frame of its column in input order: within a pixel.
              m.some((r) => r.y === y && r.fill === colour && r.x - 1 <= x && x <= r.x + r.width + 0.05),
              `${e.src} ${e.start} ${e.tag} ${e.kind}`,
            ).toBe(true);
          }
        },
      ),
      { seed: 1000 },
    );
  });

  it('an empty span does not divide by zero', () => {
    const svg = timelineSvg(input({ startMs: 5, endMs: 5, events: [frame(2, 5, '2|ESP')], markers: [] }));
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('Infinity');
  });
});
