/**
 * strongSwan's swanctl for the VICI tests (issue 17): Debian's strongswan-swanctl with the
 * plugins its default load list names (libstrongswan-extra-plugins: without them every swanctl
 * run starts with a "failed to load" line per plugin on stderr), installed if missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensurePackages } from './debian-packages.js';

const find = (): string | undefined => ['/usr/sbin/swanctl', '/usr/bin/swanctl'].find((p) => existsSync(p));

/** swanctl is there and loads its plugins without a complaint (it need not reach a daemon). */
function clean(): boolean {
  const path = find();
  return (
    path !== undefined &&
    !spawnSync(path, ['--stats'], { encoding: 'utf8' }).stderr.includes('failed to load')
  );
}

/** The path of swanctl, installing the packages first if they are not there. */
export function ensureSwanctl(): string {
  ensurePackages('swanctl', ['strongswan-swanctl', 'libstrongswan-extra-plugins'], clean);
  return find()!;
}
