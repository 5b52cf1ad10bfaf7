/**
 * strongSwan's swanctl for the VICI tests (issue 17): Debian's strongswan-swanctl, installed if
 * missing (the CI image is Debian; .ci/run installs it too). A test that needs it fails when it
 * cannot be installed: it never skips.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const find = (): string | undefined => ['/usr/sbin/swanctl', '/usr/bin/swanctl'].find((p) => existsSync(p));

/** The path of swanctl, installing the package first if it is not there. */
export function ensureSwanctl(): string {
  const found = find();
  if (found) return found;
  execFileSync(
    'sh',
    ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y strongswan-swanctl'],
    { stdio: 'ignore' },
  );
  const installed = find();
  if (!installed)
    throw new Error('swanctl is missing and could not be installed (apt-get install strongswan-swanctl)');
  return installed;
}
