/**
 * Issue 13's size goal as a budget: the seed's firmware, as a board flashes it (build-mote
 * --suite seed: RFC 7815's minimal initiator), is at most 48 KB minified and gzipped (zlib,
 * level 9), read as 48,000 bytes. The build is deterministic, so this is no timing: a change
 * that grows the firmware past it has to make room or move the goal, knowingly.
 * `npm run bench:mote` says where the bytes and the heap go.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
interface Build {
  buildMote(o?: { suite?: string }): Promise<{ sizes: { gzip: number } }>;
}

describe("the seed's firmware", () => {
  it('is at most 48 KB minified and gzipped', async () => {
    const { buildMote } = (await import(join(root, 'scripts/build-mote.mjs'))) as Build;
    const { sizes } = await buildMote({ suite: 'seed' });
    expect(sizes.gzip).toBeLessThanOrEqual(48_000);
  }, 120_000);
});
