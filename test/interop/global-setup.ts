/**
 * vitest globalSetup for the interop tests: a runtime folder (SWANLAB_RUN, inherited by the
 * test workers), the lab's namespaces with PEER_NS=root plus our IPv6 addresses on its veth,
 * and on the way out teardown.sh (stops every charon of this run, deletes the namespaces).
 * Needs root and the lab's packages (setup.sh; `npm run test:interop` runs it first).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { labDir, netnsUp, teardown } from './lab.js';

export default async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new Error('the interop tests need root (network namespaces, port 500)');
  if (!existsSync(path.join(labDir, 'charon.sh')))
    throw new Error(`interop lab not found at ${labDir} (set SWANLAB_DIR)`);
  if (!existsSync('/usr/lib/ipsec/charon') || !existsSync('/usr/sbin/swanctl'))
    throw new Error(`strongSwan is not installed: run ${path.join(labDir, 'setup.sh')}`);
  const ownRun = !process.env.SWANLAB_RUN;
  if (ownRun) process.env.SWANLAB_RUN = mkdtempSync(path.join(tmpdir(), 'swanlab-run-'));
  try {
    await netnsUp();
  } catch (e) {
    await teardown();
    throw e;
  }
  return async () => {
    const out = await teardown();
    if (process.env.SWANLAB_INTEROP_VERBOSE) console.log(out);
    if (ownRun && !process.env.SWANLAB_KEEP)
      rmSync(process.env.SWANLAB_RUN!, { recursive: true, force: true });
  };
}
