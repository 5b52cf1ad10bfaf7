/**
 * Debian packages a test needs, installed when missing (the CI image is Debian and runs as
 * root; .ci/run installs them too). A test that needs one fails when it cannot be installed:
 * it never skips.
 */
import { execFileSync } from 'node:child_process';

/** Installs `packages` (apt-get) unless `present()` already holds; throws if it still does not. */
export function ensurePackages(what: string, packages: readonly string[], present: () => boolean): void {
  if (present()) return;
  try {
    execFileSync(
      'sh',
      ['-c', `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`],
      { stdio: 'ignore' },
    );
  } catch {
    // reported below, with what to install
  }
  if (!present())
    throw new Error(`${what} is missing and could not be installed (apt-get install ${packages.join(' ')})`);
}

/** Whether `command` runs (found on PATH and exits 0 with `args`). */
export function runs(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
