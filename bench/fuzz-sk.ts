/**
 * Long fuzzing runs after the SK payload (issue 18): `npm run fuzz -- --count N --seed S
 * [--state NAME] [--per-world K] [--seconds T]`. Prints throughput, outcomes and, if an invariant breaks,
 * the seed, the input's index and recipe and the plaintext it encrypted (exit 1).
 */
import { FUZZ_STATES, type FuzzState, formatRecipe, fuzz } from '../test/support/fuzz-sk.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const count = Number(arg('count') ?? 100_000);
const seed = Number(arg('seed') ?? 1);
const state = arg('state');
const perWorld = arg('per-world');
/** Stops after this many seconds (whatever --count says): for runs that must fit a budget. */
const budget = Number(arg('seconds') ?? Number.POSITIVE_INFINITY);
if (state !== undefined && !FUZZ_STATES.includes(state as FuzzState)) {
  console.error(`--state: one of ${FUZZ_STATES.join(', ')}`);
  process.exit(2);
}
const started = performance.now();
let last = started;
const report = fuzz({
  count,
  seed,
  ...(state ? { states: [state as FuzzState] } : {}),
  ...(perWorld ? { perWorld: Number(perWorld) } : {}),
  onProgress: (done) => {
    const now = performance.now();
    if (now - started > budget * 1000) return true;
    if (now - last < 10_000) return false;
    last = now;
    console.log(`  ${done} inputs, ${Math.round(done / ((now - started) / 1000))} inputs/s`);
    return false;
  },
});
const seconds = (performance.now() - started) / 1000;
console.log(
  `fuzz-sk seed ${seed}${state ? ` state ${state}` : ''}: ${report.inputs} inputs in ${seconds.toFixed(1)} s, ${Math.round(report.inputs / seconds)} inputs/s, ${report.worlds} worlds`,
);
console.log('outcomes:', JSON.stringify(report.outcomes));
console.log('by state/role:', JSON.stringify(report.byState));
console.log('inputs:', JSON.stringify(report.modes));
if (report.failure) {
  const f = report.failure;
  console.error(
    `INVARIANT BROKEN at input #${f.index} (seed ${f.seed}, world ${f.world}, ${f.state}/${f.role}): ${f.violation}`,
  );
  console.error(`recipe: ${formatRecipe(f.recipe)}`);
  if (f.input) console.error(`input: ${JSON.stringify(f.input)}`);
  process.exit(1);
}
