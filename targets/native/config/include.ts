/**
 * File access for swanctl.conf `include` statements, behind a small host interface so that
 * parsing stays free of I/O (load.ts supplies a node:fs host; tests may supply a map).
 * As in strongSwan: a relative path is relative to the directory of the including file; a
 * pattern with glob characters (* ? [...]) includes every match in sorted order and matching
 * nothing is not an error; a plain path that does not exist is an error.
 */
import { posix } from 'node:path';
import type { Result } from '../../../ipsec/result.js';

export interface FileHost {
  readFile(path: string): Result<string, string>;
  /** Entry names of a directory (not paths). */
  listDir(path: string): Result<readonly string[], string>;
}

export const hasGlob = (pattern: string): boolean => /[*?[]/.test(pattern);

export function resolveIncludePath(includingFile: string, path: string): string {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(posix.dirname(includingFile), path);
}

/** fnmatch(3)-style match of one path component (no '/' in name). */
function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files a glob pattern names, sorted per directory like glob(3). */
export function expandGlob(pattern: string, host: FileHost): string[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p) => p !== '');
  let candidates = [absolute ? '/' : ''];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of candidates) {
      if (!hasGlob(part)) {
        next.push(dir === '' ? part : posix.join(dir, part));
        continue;
      }
      const names = host.listDir(dir === '' ? '.' : dir);
      if (!names.ok) continue;
      let re: RegExp;
      try {
        re = componentRegExp(part);
      } catch {
        continue; // a bracket expression that is no valid character class matches nothing
      }
      const hidden = part.startsWith('.');
      for (const name of [...names.value].sort()) {
        if ((hidden || !name.startsWith('.')) && re.test(name))
          next.push(dir === '' ? name : posix.join(dir, name));
      }
    }
    candidates = next;
  }
  return candidates;
}
