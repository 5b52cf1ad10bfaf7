/**
 * What the --save-keys tests share (save-keys-events.test.ts, save-keys-model.test.ts):
 * temporary key directories, removed after each test, and the tables' text and line formats.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { ESP_TABLE, IKEV2_TABLE } from '../../../targets/native/save-keys.js';

/** A maker of temporary directories, each removed after the test that made it. */
export function tempDirs(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'ikev2-keys-ev-'));
    dirs.push(d);
    return d;
  };
}

export const read = (dir: string, table: string) => readFileSync(join(dir, table), 'utf8');
export const lines = (dir: string, table: string) =>
  read(dir, table)
    .split('\n')
    .filter((l) => l);

// The UAT line formats (Wireshark's uat_load: comma separated, "quoted" strings, bare hex).
export const IKE_LINE =
  /^[0-9a-f]{16},[0-9a-f]{16},[0-9a-f]*,[0-9a-f]*,"[^"\n]+",[0-9a-f]*,[0-9a-f]*,"[^"\n]+"$/;
export const ESP_LINE =
  /^"IPv[46]","[^"\n]+","[^"\n]+","0x[0-9a-f]{8}","[^"\n]+",("0x[0-9a-f]+"|""),"[^"\n]+",("0x[0-9a-f]+"|"")$/;

/** Valid UAT files: empty or complete lines, each of its table's format. */
export function expectValid(dir: string): void {
  for (const [table, re] of [
    [IKEV2_TABLE, IKE_LINE],
    [ESP_TABLE, ESP_LINE],
  ] as const) {
    const text = read(dir, table);
    if (text) expect(text.endsWith('\n')).toBe(true);
    for (const l of text.split('\n').slice(0, -1)) expect(l).toMatch(re);
  }
}
