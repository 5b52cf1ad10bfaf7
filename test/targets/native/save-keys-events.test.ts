/**
 * --save-keys at O(1) file work per SA (issue 14): SaveKeys fed with the supervisor's events on
 * virtual time, files in a temp dir, every file call counted through the fs seam.
 *   - N SAs cost N appends (one write per IKE SA, one per Child SA) and no rewrite; the tables
 *     grow line by line and stay byte-for-byte what formatIkeTable / formatEspTable make;
 *   - gone SAs' lines are dropped by one batched rewrite (keepGoneMs, interval, fraction);
 *   - rekeys (Child SA and IKE SA) append the new SPIs, the old ones go on the rewrite;
 *   - close() (daemon stop) flushes and closes the files.
 * The property test over any sequence of events is save-keys-model.test.ts.
 */
import * as nodeFs from 'node:fs';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IkeSaHandle, SupervisorEvent } from '../../../actors/supervisor.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { Daemon } from '../../../targets/native/daemon.js';
import { createLogger } from '../../../targets/native/logger.js';
import {
  ESP_TABLE,
  IKEV2_TABLE,
  SaveKeys,
  type SaveKeysFs,
  type SaveKeysOptions,
} from '../../../targets/native/save-keys.js';
import {
  type EspKeyRow,
  espKeyRows,
  formatEspTable,
  formatIkeTable,
  type IkeKeyRow,
  ikeKeyRow,
} from '../../../targets/native/wireshark-tables.js';
import { twoHosts } from '../../support/two-hosts.js';
import { expectValid, lines, read, tempDirs } from './save-keys-support.js';

const tempDir = tempDirs();

/** node:fs, counting appends (writeSync) and replacements (renameSync). */
function countingFs() {
  const n = { writes: 0, renames: 0, reads: 0 };
  const fs: SaveKeysFs = {
    ...nodeFs,
    writeSync: ((...a: Parameters<typeof nodeFs.writeSync>) => {
      n.writes++;
      return (nodeFs.writeSync as (...x: unknown[]) => number)(...a);
    }) as typeof nodeFs.writeSync,
    renameSync: (a, b) => {
      n.renames++;
      nodeFs.renameSync(a, b);
    },
    readFileSync: ((...a: Parameters<typeof nodeFs.readFileSync>) => {
      n.reads++;
      return nodeFs.readFileSync(...a);
    }) as typeof nodeFs.readFileSync,
  };
  return { fs, n };
}

/** What the tables must hold for these IKE SAs, in this order: the pure formatters' output. */
function expected(handles: readonly IkeSaHandle[]): { ike: string; esp: string } {
  const ike: IkeKeyRow[] = [];
  const esp: EspKeyRow[] = [];
  for (const h of handles) {
    const r = ikeKeyRow(h.actor.getSnapshot().context.session);
    if ('row' in r) ike.push(r.row);
    for (const c of h.children) {
      const e = espKeyRows(h, c);
      if ('rows' in e) esp.push(...e.rows);
    }
  }
  return { ike: formatIkeTable(ike), esp: formatEspTable(esp) };
}

/** Two hosts; the client's events feed a SaveKeys on the pair's virtual clock. */
function attached(o: SaveKeysOptions = {}) {
  const pair = twoHosts({});
  const dir = tempDir();
  const { fs, n } = countingFs();
  const keys = new SaveKeys(dir, undefined, { clock: pair.clock, fs, ...o });
  const setup = { ...n };
  pair.client.supervisor.on((e: SupervisorEvent) => keys.event(e));
  const up = () => {
    const h = pair.client.supervisor.initiate('gw', 'net');
    pair.clock.advance(1000);
    expect(h.state).toBe('ESTABLISHED');
    return h;
  };
  /** File calls since the constructor. */
  const calls = () => ({ writes: n.writes - setup.writes, renames: n.renames - setup.renames });
  return { ...pair, dir, keys, up, calls };
}

describe('save-keys: O(1) per SA', () => {
  it('N SAs cost N appends per table and no rewrite; the tables grow line by line, byte-for-byte', () => {
    const { dir, keys, up, calls, client } = attached();
    const N = 12;
    for (let i = 1; i <= N; i++) {
      up();
      expect(lines(dir, IKEV2_TABLE)).toHaveLength(i);
      expect(lines(dir, ESP_TABLE)).toHaveLength(2 * i);
      expect(calls()).toEqual({ writes: 2 * i, renames: 0 }); // one write per IKE SA, one per Child SA
      expectValid(dir);
    }
    const want = expected(client.supervisor.ikeSas);
    expect(read(dir, IKEV2_TABLE)).toBe(want.ike);
    expect(read(dir, ESP_TABLE)).toBe(want.esp);
    expect(keys.stats).toEqual({ appends: 2 * N, rewrites: 0 });
    // update() with the full list (the old entry point) finds nothing new to write
    expect(keys.update(client.supervisor.ikeSas)).toBe(false);
    expect(calls().writes).toBe(2 * N);
  });

  it('batches deletions into one rewrite per table, then holds exactly the live SAs', () => {
    const { dir, keys, up, calls, client, clock } = attached({
      keepGoneMs: 0,
      rewriteIntervalMs: 1000,
      rewriteFraction: 0.5,
    });
    const all = Array.from({ length: 10 }, () => up());
    // Eight IKE SAs deleted one by one, 50 ms apart (Delete exchanges on the memory network).
    for (const h of all.slice(0, 8)) {
      client.supervisor.terminate(h.uniqueid);
      clock.advance(50);
    }
    expect(all.slice(0, 8).every((h) => h.state === 'DESTROYED')).toBe(true);
    clock.advance(2000);
    expect(calls().renames).toBe(2); // one rewrite of each table for all eight
    expect(keys.stats.rewrites).toBe(2);
    const live = all.slice(8);
    expect(read(dir, IKEV2_TABLE)).toBe(expected(live).ike);
    expect(read(dir, ESP_TABLE)).toBe(expected(live).esp);
    expectValid(dir);
    // Appends go on after a rewrite (the append fd was reopened on the new file).
    const more = up();
    expect(read(dir, IKEV2_TABLE)).toBe(expected([...live, more]).ike);
    expect(read(dir, ESP_TABLE)).toBe(expected([...live, more]).esp);
    keys.close();
  });

  it('keeps the lines of gone SAs for keepGoneMs (captures outlive SAs), then drops them', () => {
    const { dir, keys, up, client, clock } = attached({ keepGoneMs: 60_000 });
    const a = up();
    const b = up();
    const lineOf = (h: IkeSaHandle) => expected([h]).ike;
    const both = { ike: lineOf(a) + lineOf(b), esp: expected([a, b]).esp }; // keys are wiped when gone
    client.supervisor.terminate(a.uniqueid);
    clock.advance(1000);
    expect(a.state).toBe('DESTROYED');
    keys.flush(); // not expired yet: kept
    expect(read(dir, IKEV2_TABLE)).toBe(both.ike);
    expect(read(dir, ESP_TABLE)).toBe(both.esp);
    expect(keys.stats.rewrites).toBe(0);
    clock.advance(60_000); // the timer: a is half of the table now, and expired
    expect(read(dir, IKEV2_TABLE)).toBe(lineOf(b));
    expect(read(dir, ESP_TABLE)).toBe(expected([b]).esp);
    expect(keys.stats.rewrites).toBe(2);
  });

  it('drops a few expired lines only with the fraction reached, or on flush', () => {
    const { dir, keys, up, client, clock } = attached({ keepGoneMs: 0, rewriteFraction: 0.5 });
    const all = Array.from({ length: 4 }, () => up());
    client.supervisor.terminate(all[0]!.uniqueid);
    clock.advance(5000);
    expect(lines(dir, IKEV2_TABLE)).toHaveLength(4); // 1 of 4 < 1/2: not worth a rewrite
    expect(keys.stats.rewrites).toBe(0);
    keys.flush();
    expect(read(dir, IKEV2_TABLE)).toBe(expected(all.slice(1)).ike);
    expect(read(dir, ESP_TABLE)).toBe(expected(all.slice(1)).esp);
  });

  it('a Child SA rekey appends the new SPIs; the old ones go on the rewrite', () => {
    const { dir, keys, up, calls, client, clock } = attached({ keepGoneMs: 0 });
    const h = up();
    const old = h.children[0]!.record;
    expect(client.supervisor.rekeyChild('net')).toBe(true);
    clock.advance(1000);
    expect(h.children).toHaveLength(1);
    const now = h.children[0]!.record;
    expect(toHex(now.spiIn)).not.toBe(toHex(old.spiIn));
    // the new Child SA's two lines were appended with one write; the old ones were dropped
    expect(calls().writes).toBe(3);
    clock.advance(2000);
    keys.flush();
    expect(read(dir, ESP_TABLE)).toBe(expected([h]).esp);
    const spis = lines(dir, ESP_TABLE).map((l) => l.split(',')[3]);
    expect(spis).toEqual([`"0x${toHex(now.spiOut)}"`, `"0x${toHex(now.spiIn)}"`]);
    expect(read(dir, IKEV2_TABLE)).toBe(expected([h]).ike);
  });

  it('an IKE SA rekey appends the new SPIs and keeps the Child SAs it carries', () => {
    const { dir, keys, up, client, clock } = attached({ keepGoneMs: 0 });
    const h = up();
    const child = h.children[0]!.record;
    expect(client.supervisor.rekeyIke(h.uniqueid)).toBe(1);
    clock.advance(2000);
    expect(h.state).toBe('DESTROYED');
    const [next] = client.supervisor.ikeSas;
    expect(next).toBeDefined();
    expect(next!.children.map((c) => c.record)).toEqual([child]); // moved, not rekeyed
    keys.flush();
    expect(read(dir, IKEV2_TABLE)).toBe(expected([next!]).ike);
    expect(read(dir, IKEV2_TABLE)).not.toContain(toHex(h.actor.getSnapshot().context.session.spiI));
    expect(read(dir, ESP_TABLE)).toBe(expected([next!]).esp); // the carried Child SA stays
    // ... and goes when the successor goes
    client.supervisor.terminate(next!.uniqueid);
    clock.advance(2000);
    keys.flush();
    expect(read(dir, IKEV2_TABLE)).toBe('');
    expect(read(dir, ESP_TABLE)).toBe('');
  });

  it('close() (daemon stop) flushes, closes the files and ignores later events', () => {
    const { dir, keys, up, calls, client, clock } = attached({ keepGoneMs: 0 });
    const a = up();
    up();
    client.supervisor.terminate(a.uniqueid);
    clock.advance(100);
    keys.close();
    expect(lines(dir, IKEV2_TABLE)).toHaveLength(1);
    expect(lines(dir, ESP_TABLE)).toHaveLength(2);
    const before = calls();
    up();
    expect(calls()).toEqual(before);
    keys.close(); // idempotent
  });
});

describe('save-keys: the daemon', () => {
  it('closes its tables on stop (daemon.test.ts checks the rows of a real handshake)', async () => {
    const dir = tempDir();
    const conf = join(dir, 'ikev2.conf');
    writeFileSync(conf, 'daemon {\n  port = 0\n  port_nat_t = 0\n}\n');
    const daemon = await Daemon.start({
      configPath: conf,
      controlPath: join(dir, 'ikev2.sock'),
      saveKeysDir: join(dir, 'keys'),
      logger: createLogger({ level: 'silent', out: { write: () => {} } }),
    });
    expect(daemon.saveKeys?.isClosed).toBe(false);
    expect(existsSync(join(dir, 'keys', IKEV2_TABLE))).toBe(true);
    await daemon.stop();
    expect(daemon.saveKeys?.isClosed).toBe(true);
  });
});

// ---- property: fake IKE SAs and Child SAs, driven by random event sequences ----
