/**
 * Start RSS (issue 14): while the `ikev2` command loads its modules and the daemon starts, V8
 * would double the young generation's semi-spaces at almost every scavenge (nearly everything
 * allocated then survives: module code, configuration, the supervisor), from 1 MB to 8 MB
 * each, and then keep those pages for as long as the daemon idles: about 4.5 MB of the daemon's
 * start RSS. holdStartFlags() sets V8's semi-space growth factor to 1 before anything is
 * loaded (ikev2.ts), and --optimize-for-size (V8's heap sized and compacted for memory: about
 * 2 MB less) and --no-opt (TurboFan would optimize a few functions hot while loading, and
 * touch its code in the node binary and its zones: about 5 MB); releaseStartFlags() sets
 * V8's defaults back once the daemon has started, so that IKE traffic grows the young
 * generation and the heap and is optimized exactly as before: SA setup under load is unchanged
 * (bench/ike-setup-scale). V8 reads these flags each time it grows or collects the heap or
 * decides to optimize a function, so changing them at run time is safe; --optimize-for-size implies
 * --max-semi-space-size=1 for isolates created later (workers), which the release undoes (0 =
 * V8's default). Heap or compiler flags of the user's own (node's command line, NODE_OPTIONS): all left alone.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default --semi-space-growth-factor. */
const V8_DEFAULT_GROWTH = 2;

let held = false;

const userHeapFlags = (): boolean =>
  [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) =>
    /semi[-_]space|optimize[-_]for[-_]size|turbofan|jitless|(^|\s|-)opt(\s|=|$)/.test(a),
  );

export function holdStartFlags(): void {
  if (held || userHeapFlags()) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--no-opt');
  held = true;
}

export function releaseStartFlags(): void {
  if (!held) return;
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
  setFlagsFromString('--no-optimize-for-size');
  setFlagsFromString('--max-semi-space-size=0');
  setFlagsFromString('--opt');
  held = false;
}
