/** Operations per second of `op`, run in growing batches until `ms` have passed (after a warm-up). */
export function measureOps(op: () => void, ms: number, warmupMs: number): number {
  const run = (budget: number): number => {
    let n = 0;
    let batch = 1;
    const start = performance.now();
    let elapsed = 0;
    do {
      for (let i = 0; i < batch; i++) op();
      n += batch;
      elapsed = performance.now() - start;
      if (elapsed < budget / 20) batch *= 2; // grow the batch while far from the deadline
    } while (elapsed < budget);
    return n / (elapsed / 1000);
  };
  run(warmupMs);
  return run(ms);
}
