/**
 * --save-keys at O(1) file work per SA (issue 14): SaveKeys fed with the supervisor's events on
 * virtual time, files in a temp dir, every file call counted through the fs seam.
 *   - N SAs cost N appends (one write per IKE SA, one per Child SA) and no rewrite; the tables
 *     grow line by line and stay byte-for-byte what formatIkeTable / formatEspTable make;
 *   - gone SAs' lines are dropped by one batched rewrite (keepGoneMs, interval, fraction);
 *   - rekeys (Child SA and IKE SA) append the new SPIs, the old ones go on the rewrite;
 *   - close() (daemon stop) flushes and closes the files;
 *   - property: after any sequence of add / rekey / delete events and a flush, the tables list
 *     exactly the live SAs (plus, with a retention, those gone within it), valid at every step.
 */
import * as nodeFs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { IkeSaHandle, SupervisorEvent } from '../../../actors/supervisor.js';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { encrTransform, integTransform } from '../../../ipsec/crypto/transforms.js';
import type { IkeSession } from '../../../ipsec/ike/exchange/session.js';
import { toHex } from '../../../ipsec/util/bytes.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { Daemon } from '../../../targets/native/daemon.js';
import { createLogger } from '../../../targets/native/logger.js';
import {
  ESP_TABLE,
  IKEV2_TABLE,
  SaveKeys,
  type SaveKeysEvent,
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

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ikev2-keys-ev-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

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

const read = (dir: string, table: string) => readFileSync(join(dir, table), 'utf8');
const lines = (dir: string, table: string) =>
  read(dir, table)
    .split('\n')
    .filter((l) => l);

// The UAT line formats (Wireshark's uat_load: comma separated, "quoted" strings, bare hex).
const IKE_LINE = /^[0-9a-f]{16},[0-9a-f]{16},[0-9a-f]*,[0-9a-f]*,"[^"\n]+",[0-9a-f]*,[0-9a-f]*,"[^"\n]+"$/;
const ESP_LINE =
  /^"IPv[46]","[^"\n]+","[^"\n]+","0x[0-9a-f]{8}","[^"\n]+",("0x[0-9a-f]+"|""),"[^"\n]+",("0x[0-9a-f]+"|"")$/;

/** Valid UAT files: empty or complete lines, each of its table's format. */
function expectValid(dir: string): void {
  for (const [table, re] of [
    [IKEV2_TABLE, IKE_LINE],
    [ESP_TABLE, ESP_LINE],
  ] as const) {
    const text = read(dir, table);
    if (text) expect(text.endsWith('\n')).toBe(true);
    for (const l of text.split('\n').slice(0, -1)) expect(l).toMatch(re);
  }
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

const AES_GCM = encrTransform(EncrId.AES_GCM_16, 128)!;
const AES_CBC = encrTransform(EncrId.AES_CBC, 128)!;
const SHA256 = integTransform(IntegId.HMAC_SHA2_256_128)!;

let serial = 0;
const bytes = (n: number) => {
  const b = new Uint8Array(n);
  let x = ++serial;
  for (let i = n - 1; i >= 0 && x; i--, x = Math.floor(x / 256)) b[i] = x & 0xff;
  b[0] = 0x80 | (b[0]! & 0x7f);
  return b;
};

interface FakeChild {
  readonly uniqueid: number;
  readonly record: {
    readonly spiIn: Uint8Array;
    readonly spiOut: Uint8Array;
    readonly suite: { encr: typeof AES_GCM; integ?: typeof SHA256 };
    readonly keys: {
      initiator: { encr: Uint8Array; integ: Uint8Array };
      responder: { encr: Uint8Array; integ: Uint8Array };
    };
    readonly exchangeInitiator: boolean;
  };
  status: 'active' | 'done';
  readonly lifecycle: { getSnapshot(): { status: string } };
}

interface FakeIke {
  readonly uniqueid: number;
  readonly local: { address: string; port: number };
  readonly remote: { address: string; port: number };
  state: IkeSaHandle['state'];
  readonly children: FakeChild[];
  readonly session: IkeSession;
  readonly actor: { getSnapshot(): { context: { session: IkeSession } } };
}

function fakeChild(gcm: boolean): FakeChild {
  const c: FakeChild = {
    uniqueid: ++serial,
    record: {
      spiIn: bytes(4),
      spiOut: bytes(4),
      suite: gcm ? { encr: AES_GCM } : { encr: AES_CBC, integ: SHA256 },
      keys: {
        initiator: { encr: bytes(gcm ? 20 : 16), integ: gcm ? new Uint8Array(0) : bytes(32) },
        responder: { encr: bytes(gcm ? 20 : 16), integ: gcm ? new Uint8Array(0) : bytes(32) },
      },
      exchangeInitiator: true,
    },
    status: 'active',
    lifecycle: { getSnapshot: () => ({ status: c.status }) },
  };
  return c;
}

function fakeIke(v6: boolean): FakeIke {
  const session = {
    spiI: bytes(8),
    spiR: bytes(8),
    suite: { encr: AES_CBC, integ: SHA256 },
    keys: { skEi: bytes(16), skEr: bytes(16), skAi: bytes(32), skAr: bytes(32) },
  } as unknown as IkeSession;
  return {
    uniqueid: ++serial,
    local: { address: v6 ? 'fd00::1' : '10.0.0.1', port: 4500 },
    remote: { address: v6 ? 'fd00::2' : '10.0.0.2', port: 4500 },
    state: 'ESTABLISHED',
    children: [],
    session,
    actor: { getSnapshot: () => ({ context: { session } }) },
  };
}

type Op =
  | { op: 'ike'; v6: boolean; children: number }
  | { op: 'child'; i: number; gcm: boolean }
  | { op: 'rekeyChild'; i: number; j: number }
  | { op: 'rekeyIke'; i: number; closeOldFirst: boolean }
  | { op: 'deleteChild'; i: number; j: number }
  | { op: 'deleteIke'; i: number }
  | { op: 'wait'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('ike' as const), v6: fc.boolean(), children: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('child' as const), i: fc.nat(), gcm: fc.boolean() }),
  fc.record({ op: fc.constant('rekeyChild' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant('rekeyIke' as const), i: fc.nat(), closeOldFirst: fc.boolean() }),
  fc.record({ op: fc.constant('deleteChild' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant('deleteIke' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
);

/** Lines as SaveKeys would append them, for the model. */
const ikeLineOf = (h: FakeIke) => {
  const r = ikeKeyRow(h.session);
  if (!('row' in r)) throw new Error(r.skip);
  return formatIkeTable([r.row]);
};
const espLinesOf = (h: FakeIke, c: FakeChild) => {
  const r = espKeyRows(h, c as never);
  if (!('rows' in r)) throw new Error(r.skip);
  return formatEspTable(r.rows);
};

function runModel(ops: readonly Op[], keepGoneMs: number) {
  const clock = new VirtualClock(1000);
  const dir = tempDir();
  const keys = new SaveKeys(dir, undefined, { clock, keepGoneMs, rewriteIntervalMs: 1000 });
  const ikes: FakeIke[] = [];
  // every line ever appended, in order, with when its SA went (undefined = live)
  const written: { table: 'ike' | 'esp'; text: string; goneAt?: number }[] = [];
  const lineFor = new Map<object, (typeof written)[number]>();
  // the fakes have what SaveKeys reads, not the whole supervisor types
  const send = (e: { type: SaveKeysEvent['type']; handle: FakeIke; child?: FakeChild; old?: FakeIke }) =>
    keys.event(e as unknown as SaveKeysEvent);
  const gone = (x: object) => {
    const w = lineFor.get(x);
    if (w && w.goneAt === undefined) w.goneAt = clock.now();
  };
  const addChild = (h: FakeIke, c: FakeChild) => {
    h.children.push(c);
    const w = { table: 'esp' as const, text: espLinesOf(h, c) };
    written.push(w);
    lineFor.set(c, w);
    send({ type: 'child-installed', handle: h, child: c });
  };
  const removeChild = (h: FakeIke, c: FakeChild) => {
    h.children.splice(h.children.indexOf(c), 1);
    c.status = 'done';
    gone(c);
    send({ type: 'child-removed', handle: h, child: c });
  };
  const closeIke = (h: FakeIke) => {
    ikes.splice(ikes.indexOf(h), 1);
    h.state = 'DESTROYED';
    for (const c of h.children.splice(0)) {
      c.status = 'done'; // the supervisor removes them without child-removed events
      gone(c);
    }
    gone(h);
    send({ type: 'ike-closed', handle: h });
  };
  const establish = (h: FakeIke) => {
    ikes.push(h);
    const w = { table: 'ike' as const, text: ikeLineOf(h) };
    written.push(w);
    lineFor.set(h, w);
    send({ type: 'ike-established', handle: h });
  };
  const pick = <T>(xs: readonly T[], i: number) => (xs.length ? xs[i % xs.length] : undefined);

  for (const o of ops) {
    switch (o.op) {
      case 'ike': {
        const h = fakeIke(o.v6);
        establish(h);
        for (let k = 0; k < o.children; k++) addChild(h, fakeChild(k % 2 === 0));
        break;
      }
      case 'child': {
        const h = pick(ikes, o.i);
        if (h) addChild(h, fakeChild(o.gcm));
        break;
      }
      case 'rekeyChild': {
        const h = pick(ikes, o.i);
        const c = h && pick(h.children, o.j);
        if (h && c) {
          addChild(h, fakeChild(true));
          removeChild(h, c);
        }
        break;
      }
      case 'deleteChild': {
        const h = pick(ikes, o.i);
        const c = h && pick(h.children, o.j);
        if (h && c) removeChild(h, c);
        break;
      }
      case 'rekeyIke': {
        const old = pick(ikes, o.i);
        if (!old) break;
        // the supervisor: the successor is established (no children yet), the children move,
        // ike-rekeyed; the old one closes once its Delete is done (or, in any order, before)
        const next = fakeIke(old.local.address.includes(':'));
        const moved = old.children.splice(0);
        if (o.closeOldFirst) closeIke(old);
        establish(next);
        next.children.push(...moved);
        send({ type: 'ike-rekeyed', handle: next, old });
        if (!o.closeOldFirst) closeIke(old);
        break;
      }
      case 'deleteIke': {
        const h = pick(ikes, o.i);
        if (h) closeIke(h);
        break;
      }
      case 'wait':
        clock.advance(o.ms);
        break;
    }
    expectValid(dir);
    // Between flushes the tables hold every live SA's lines (gone ones may linger).
    const ikeText = read(dir, IKEV2_TABLE);
    for (const w of written)
      if (w.goneAt === undefined && w.table === 'ike') expect(ikeText).toContain(w.text);
  }
  keys.flush();
  const now = clock.now();
  const want = (t: 'ike' | 'esp') =>
    written
      .filter((w) => w.table === t && (w.goneAt === undefined || w.goneAt > now - keepGoneMs))
      .map((w) => w.text)
      .join('');
  expect(read(dir, IKEV2_TABLE)).toBe(want('ike'));
  expect(read(dir, ESP_TABLE)).toBe(want('esp'));
  expectValid(dir);
  keys.close();
  rmSync(dir, { recursive: true, force: true });
}

describe('save-keys: property', () => {
  it('after any add / rekey / delete sequence and a flush, the tables list exactly the live SAs', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => runModel(ops, 0)),
      { numRuns: 150 },
    );
  });

  it('... plus the SAs gone within keepGoneMs', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => runModel(ops, 3000)),
      { numRuns: 150 },
    );
  });
});
