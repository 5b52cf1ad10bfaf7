/** Runs `op` in growing batches until `ms` have passed; returns the operations and seconds taken. */
function runFor(op: () => void, ms: number): { ops: number; seconds: number } {
  let n = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) op();
    n += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 20) batch *= 2; // grow the batch while far from the deadline
  } while (elapsed < ms);
  return { ops: n, seconds: elapsed / 1000 };
}

/** Operations per second of `op`, run in growing batches until `ms` have passed (after a warm-up). */
export function measureOps(op: () => void, ms: number, warmupMs: number): number {
  runFor(op, warmupMs);
  const { ops, seconds } = runFor(op, ms);
  return ops / seconds;
}

export interface Comparison {
  /** Operations per second of `a` and `b` over all their trials. */
  readonly a: number;
  readonly b: number;
  /** a / b over all trials. */
  readonly ratio: number;
  /** The 25th and 75th percentile of the per-pair ratios: how much the machine moved meanwhile. */
  readonly low: number;
  readonly high: number;
}

/**
 * Rates of `a` and `b` measured side by side: short trials of `trialMs` alternate between
 * the two (ab, ba, ab, ...) until each has run `ms`, so that a machine that speeds up or slows
 * down (other processes, frequency, a neighbour on the host) moves both sides alike. The rates
 * are totals over all trials: a garbage collection that one side's allocations trigger lands in
 * that side's trial and counts against it.
 */
export function compareOps(a: () => void, b: () => void, ms: number, trialMs = 20): Comparison {
  runFor(a, trialMs);
  runFor(b, trialMs);
  const total = { a: { ops: 0, seconds: 0 }, b: { ops: 0, seconds: 0 } };
  const pairs: number[] = [];
  for (let i = 0; total.a.seconds * 1000 < ms; i++) {
    const first = i % 2 === 0 ? a : b;
    const second = first === a ? b : a;
    const r1 = runFor(first, trialMs);
    const r2 = runFor(second, trialMs);
    const [ra, rb] = first === a ? [r1, r2] : [r2, r1];
    total.a.ops += ra.ops;
    total.a.seconds += ra.seconds;
    total.b.ops += rb.ops;
    total.b.seconds += rb.seconds;
    pairs.push(ra.ops / ra.seconds / (rb.ops / rb.seconds));
  }
  pairs.sort((x, y) => x - y);
  const at = (q: number): number => pairs[Math.min(pairs.length - 1, Math.floor(q * pairs.length))]!;
  const rateA = total.a.ops / total.a.seconds;
  const rateB = total.b.ops / total.b.seconds;
  return { a: rateA, b: rateB, ratio: rateA / rateB, low: at(0.25), high: at(0.75) };
}
