/** A tiny aligned text-table printer shared by the benches: numbers right-aligned, text left-aligned. */

export type Cell = string | number;

export interface TableOptions {
  /** Column titles, printed with a rule under them. */
  readonly header?: readonly string[];
  /** Per-column alignment; defaults to right for numbers and left for text (decided per cell). */
  readonly align?: readonly ('left' | 'right')[];
  /** Digits after the decimal point for non-integer numbers (default 2). */
  readonly digits?: number;
  /** Column separator (default two spaces). */
  readonly separator?: string;
}

/** Integers get thousands separators; other numbers `digits` decimals. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats `rows` (and an optional header) as lines of padded columns. */
export function formatTable(rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const digits = options.digits ?? 2;
  const separator = options.separator ?? '  ';
  const text = rows.map((row) => row.map((c) => (typeof c === 'number' ? formatNumber(c, digits) : c)));
  const all = options.header ? [[...options.header], ...text] : text;
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(0, ...all.map((r) => (r[i] ?? '').length)),
  );
  const pad = (s: string, i: number, numeric: boolean): string => {
    const side = options.align?.[i] ?? (numeric ? 'right' : 'left');
    return side === 'right' ? s.padStart(widths[i]!) : s.padEnd(widths[i]!);
  };
  const line = (cells: readonly string[], kinds: readonly boolean[]): string =>
    cells
      .map((c, i) => pad(c, i, kinds[i] ?? false))
      .join(separator)
      .trimEnd();
  const out: string[] = [];
  if (options.header) {
    // Header cells follow the alignment of their column's first data row.
    const kinds = widths.map((_, i) => typeof rows[0]?.[i] === 'number');
    out.push(line(options.header, kinds));
    out.push(widths.map((w) => '-'.repeat(w)).join(separator));
  }
  rows.forEach((row, r) => {
    out.push(
      line(
        text[r]!,
        row.map((c) => typeof c === 'number'),
      ),
    );
  });
  return out.join('\n');
}

/** Prints `formatTable(rows, options)` to stdout, with an optional title line above. */
export function printTable(
  rows: readonly (readonly Cell[])[],
  options: TableOptions & { title?: string } = {},
): void {
  if (options.title) console.log(`\n${options.title}`);
  console.log(formatTable(rows, options));
}
