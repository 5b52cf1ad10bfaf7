/**
 * Start RSS (issue 14): while the `ikev2` command loads its modules and the daemon starts, V8
 * would double the young generation's semi-spaces at almost every scavenge (nearly everything
 * allocated then survives: module code, configuration, the supervisor), from 1 MB to 8 MB
 * each, and then keep those pages for as long as the daemon idles: about 4.5 MB of the daemon's
 * start RSS. holdYoungGeneration() sets V8's semi-space growth factor to 1 before anything is
 * loaded (ikev2.ts); releaseYoungGeneration() sets V8's default (2) back once the daemon has
 * started, so that IKE traffic grows the young generation exactly as before: SA setup under load
 * is unchanged, only its first scavenges run on the small space (bench/ike-setup-scale).
 * V8 reads the factor each time it grows the space, so changing it at run time is safe. An
 * explicit --semi-space-growth-factor or --*-semi-space-size on node's command line is left alone.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default --semi-space-growth-factor. */
const V8_DEFAULT_GROWTH = 2;

let held = false;

export function holdYoungGeneration(): void {
  if (held || process.execArgv.some((a) => a.includes('semi-space'))) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

export function releaseYoungGeneration(): void {
  if (!held) return;
  setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
  held = false;
}
