/**
 * --save-keys DIR: Wireshark decryption tables for every IKE SA and Child SA this daemon has
 * had, like strongSwan's save-keys plugin (and shared/interop/keys2wireshark.sh):
 *   DIR/ikev2_decryption_table   SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"
 *                                (SPIs and keys unquoted lowercase hex, keys with their salt)
 *   DIR/esp_sa                   "IPv4","src","dst","0xSPI","encr","0xKEY","integ","0xKEY"
 *                                (one row per direction; an absent key is "")
 *   DIR/preferences              esp.enable_encryption_decode and esp.enable_authentication_check
 *                                (only if absent), so that WIRESHARK_CONFIG_DIR=DIR tshark -r capture
 *                                decrypts and checks ICVs
 * The rows, their lines and Wireshark's algorithm names are wireshark-tables.ts's; an SA whose
 * cipher Wireshark cannot decrypt (ChaCha20-Poly1305, ESP AES-CCM) is left out with a log line.
 *
 * Cost: O(1) file work per SA (issue 14). A new SA's lines are appended, complete, with one
 * write; rows of SAs that are gone stay (captures outlive SAs) for at least keepGoneMs (default
 * an hour), then a batched rewrite drops them (see SaveKeys). The files are always valid tables:
 * an append is whole lines, a rewrite is write + rename. The tables start empty on each start.
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import type { IkeSaHandle, InstalledChild } from '../../actors/supervisor.js';
import type { IkeSession } from '../../ipsec/ike/exchange/session.js';
import { type Clock, systemClock, type TimerHandle } from '../../ipsec/util/clock.js';
import {
  ESP_KEY_COMMAS,
  ESP_TABLE,
  espKeyRows,
  espLine,
  IKE_KEY_COMMAS,
  IKEV2_TABLE,
  ikeKeyRow,
  ikeLine,
  lineKey,
  WIRESHARK_PREFERENCES,
} from './wireshark-tables.js';

export { ESP_TABLE, IKEV2_TABLE, WIRESHARK_PREFERENCES } from './wireshark-tables.js';

export interface SaveKeysLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The file system calls SaveKeys makes (node:fs by default; a seam for tests). */
export type SaveKeysFs = Pick<
  typeof nodeFs,
  | 'mkdirSync'
  | 'existsSync'
  | 'writeFileSync'
  | 'readFileSync'
  | 'renameSync'
  | 'openSync'
  | 'writeSync'
  | 'closeSync'
>;

export interface SaveKeysOptions {
  /** Timers of the batched rewrite, and when an SA went; default systemClock. */
  readonly clock?: Clock;
  /** Rows of an SA that is gone stay at least this long (ms): captures outlive SAs. Default 1 h. */
  readonly keepGoneMs?: number;
  /** A rewrite that drops rows happens at most once per this (ms). Default 1000. */
  readonly rewriteIntervalMs?: number;
  /** ... and only once the rows to drop are at least this share of a table (0..1). Default 0.5. */
  readonly rewriteFraction?: number;
  readonly fs?: SaveKeysFs;
}

export const SAVE_KEYS_DEFAULTS = {
  keepGoneMs: 3_600_000,
  rewriteIntervalMs: 1000,
  rewriteFraction: 0.5,
} as const;

type ChildLike = Pick<InstalledChild, 'record'> & {
  readonly uniqueid?: number;
  /** Done (final state) once the supervisor removed the Child SA. */
  readonly lifecycle: { getSnapshot(): { readonly status: string } };
};

type HandleLike = Pick<IkeSaHandle, 'uniqueid' | 'local' | 'remote' | 'state'> & {
  readonly children: readonly ChildLike[];
  readonly actor: { getSnapshot(): { readonly context: { readonly session: IkeSession } } };
};

/** The supervisor events SaveKeys follows (SupervisorEvent, structurally). */
export type SaveKeysEvent =
  | { readonly type: 'ike-established' | 'ike-failed' | 'ike-closed'; readonly handle: HandleLike }
  | {
      readonly type: 'child-installed' | 'child-removed';
      readonly handle: HandleLike;
      readonly child: ChildLike;
    }
  | { readonly type: 'ike-rekeyed'; readonly handle: HandleLike; readonly old: HandleLike };

/** One table file: appended to through one fd opened in append mode. */
class Table {
  fd: number | undefined;
  /** Lines in the file. */
  lines = 0;
  /** Line key -> how many of its oldest lines the next rewrite drops. */
  readonly drop = new Map<string, number>();
  dropping = 0;

  constructor(
    readonly path: string,
    readonly keyCommas: number,
  ) {}
}

interface IkeEntry {
  /** The key of its line while that line is live. */
  key: string | undefined;
  /** Its row was written, or will never be (skipped). */
  done: boolean;
  /** The IKE SA is gone; the entry stays while Child SAs it carried are still up (moving on rekey). */
  closed: boolean;
  readonly children: ChildLike[];
}

interface ChildEntry {
  owner: HandleLike;
  /** The keys of its two lines (none if it was not written). */
  readonly keys: readonly string[];
}

interface Gone {
  readonly table: Table;
  readonly key: string;
  readonly at: number;
}

/**
 * Keeps DIR's tables up to date from the supervisor's events, at O(1) file work per SA: a new
 * IKE SA or Child SA appends its complete line(s) with one write to a file opened in append
 * mode; a gone SA's lines are only marked, and dropped by a rewrite (read, filter, write a
 * temporary file, rename) once they are older than keepGoneMs, at most once per
 * rewriteIntervalMs and only when they are rewriteFraction of the table (so each rewrite
 * drops at least that share of what it copies); flush() and close() drop every expired line
 * at once. The files are valid tables at every moment.
 */
export class SaveKeys {
  private readonly fs: SaveKeysFs;
  private readonly clock: Clock;
  private readonly keepGoneMs: number;
  private readonly intervalMs: number;
  private readonly fraction: number;
  private readonly ikeTable: Table;
  private readonly espTable: Table;
  private readonly ikes = new Map<HandleLike, IkeEntry>();
  private readonly children = new Map<ChildLike, ChildEntry>();
  /** Lines of gone SAs in the order they went (times never decrease); `head` = first not expired. */
  private gone: Gone[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;
  private lastCheck: number;
  private closed = false;
  /** Appends and rewrites so far (for tests and the bench). */
  readonly stats = { appends: 0, rewrites: 0 };

  constructor(
    readonly dir: string,
    private readonly logger?: SaveKeysLogger,
    o: SaveKeysOptions = {},
  ) {
    this.fs = o.fs ?? nodeFs;
    this.clock = o.clock ?? systemClock;
    this.keepGoneMs = o.keepGoneMs ?? SAVE_KEYS_DEFAULTS.keepGoneMs;
    this.intervalMs = o.rewriteIntervalMs ?? SAVE_KEYS_DEFAULTS.rewriteIntervalMs;
    this.fraction = o.rewriteFraction ?? SAVE_KEYS_DEFAULTS.rewriteFraction;
    this.lastCheck = this.clock.now();
    this.ikeTable = new Table(join(dir, IKEV2_TABLE), IKE_KEY_COMMAS);
    this.espTable = new Table(join(dir, ESP_TABLE), ESP_KEY_COMMAS);
    const fs = this.fs;
    fs.mkdirSync(dir, { recursive: true });
    const prefs = join(dir, 'preferences');
    if (!fs.existsSync(prefs)) fs.writeFileSync(prefs, WIRESHARK_PREFERENCES);
    for (const t of [this.ikeTable, this.espTable]) this.replace(t, '');
  }

  /** Follows one supervisor event: appends what came up, marks what went. */
  event(e: SaveKeysEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'ike-established':
      case 'ike-rekeyed': // the successor carries the old IKE SA's Child SAs: they move to it
        this.ikeUp(e.handle);
        break;
      case 'child-installed':
        this.childUp(e.handle, e.child);
        break;
      case 'child-removed':
        this.childDown(e.child);
        break;
      case 'ike-closed':
      case 'ike-failed':
        this.ikeDown(e.handle);
        break;
    }
  }

  /**
   * Appends the rows of every IKE SA and Child SA in `handles` not written yet (gone SAs are
   * not detected here: that takes the events). True if it appended anything.
   */
  update(handles: readonly HandleLike[]): boolean {
    const before = this.stats.appends;
    for (const h of handles) if (h.state !== 'DESTROYED') this.ikeUp(h);
    return this.stats.appends !== before;
  }

  /** Drops every line of an SA gone for keepGoneMs or longer now (one rewrite per table at most). */
  flush(): void {
    this.check(true);
  }

  /** close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** flush(), then closes the files; later events are ignored. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of [this.ikeTable, this.espTable]) this.closeFd(t);
  }

  private ikeUp(h: HandleLike): IkeEntry {
    let entry = this.ikes.get(h);
    if (!entry) {
      entry = { key: undefined, done: false, closed: false, children: [] };
      this.ikes.set(h, entry);
    }
    if (!entry.done) {
      const r = ikeKeyRow(h.actor.getSnapshot().context.session);
      if ('row' in r) {
        const line = ikeLine(r.row);
        entry.done = true;
        if (this.append(this.ikeTable, line, 1)) entry.key = lineKey(line, IKE_KEY_COMMAS);
      } else if (r.skip !== 'no keys yet') {
        entry.done = true;
        this.logger?.info({ ike: h.uniqueid, reason: r.skip }, 'save-keys: IKE SA not written');
      }
    }
    for (const c of h.children) this.childUp(h, c, entry);
    return entry;
  }

  private childUp(h: HandleLike, c: ChildLike, entry?: IkeEntry): void {
    const known = this.children.get(c);
    if (known) {
      if (known.owner !== h) {
        const from = this.ikes.get(known.owner);
        if (from) this.detach(known.owner, from, c);
        known.owner = h;
        (entry ?? this.ikeUp(h)).children.push(c);
      }
      return;
    }
    const owner = entry ?? this.ikeUp(h);
    if (this.children.has(c)) return; // ikeUp(h) just wrote it (it is in h.children)
    const r = espKeyRows(h, c);
    let keys: string[] = [];
    if ('rows' in r) {
      const lines = r.rows.map(espLine);
      if (this.append(this.espTable, lines.join(''), lines.length))
        keys = lines.map((l) => lineKey(l, ESP_KEY_COMMAS));
    } else {
      this.logger?.info(
        { ike: h.uniqueid, child: c.uniqueid, reason: r.skip },
        'save-keys: Child SA not written',
      );
    }
    this.children.set(c, { owner: h, keys });
    owner.children.push(c);
  }

  private childDown(c: ChildLike): void {
    const e = this.children.get(c);
    if (!e) return;
    this.children.delete(c);
    const owner = this.ikes.get(e.owner);
    if (owner) this.detach(e.owner, owner, c);
    for (const key of e.keys) this.markGone(this.espTable, key);
  }

  private ikeDown(h: HandleLike): void {
    const entry = this.ikes.get(h);
    if (!entry) return;
    entry.closed = true;
    if (entry.key !== undefined) this.markGone(this.ikeTable, entry.key);
    entry.key = undefined;
    // Its Child SAs went with it, except those a rekey moved to the successor (still up).
    for (const c of [...entry.children]) if (c.lifecycle.getSnapshot().status === 'done') this.childDown(c);
    if (entry.children.length === 0) this.ikes.delete(h);
  }

  private detach(h: HandleLike, entry: IkeEntry, c: ChildLike): void {
    const i = entry.children.indexOf(c);
    if (i >= 0) entry.children.splice(i, 1);
    if (entry.closed && entry.children.length === 0) this.ikes.delete(h);
  }

  private markGone(table: Table, key: string): void {
    this.gone.push({ table, key, at: this.clock.now() });
    this.schedule();
  }

  /** Moves the lines gone for keepGoneMs into their tables' drop lists. */
  private expire(): void {
    const now = this.clock.now();
    const gone = this.gone;
    let i = this.head;
    for (; i < gone.length; i++) {
      const g = gone[i]!;
      if (g.at + this.keepGoneMs > now) break;
      g.table.drop.set(g.key, (g.table.drop.get(g.key) ?? 0) + 1);
      g.table.dropping++;
    }
    if (i === gone.length) {
      this.gone = [];
      this.head = 0;
    } else if (i > 1024 && i * 2 > gone.length) {
      this.gone = gone.slice(i);
      this.head = 0;
    } else this.head = i;
  }

  private due(t: Table): boolean {
    return t.dropping > 0 && t.dropping >= this.fraction * t.lines;
  }

  /** One timer at a time, at most one check per rewriteIntervalMs. */
  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    const next = this.gone[this.head];
    if (!next && !this.due(this.ikeTable) && !this.due(this.espTable)) return;
    const now = this.clock.now();
    const at = Math.max(next ? next.at + this.keepGoneMs : now, this.lastCheck + this.intervalMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.check(false);
    }, at - now);
  }

  private check(force: boolean): void {
    if (this.closed) return;
    this.lastCheck = this.clock.now();
    this.expire();
    for (const t of [this.ikeTable, this.espTable])
      if (t.dropping > 0 && (force || this.due(t))) this.rewrite(t);
    this.schedule();
  }

  /** The table without its dropped lines: read, filter, write a temporary file, rename. */
  private rewrite(t: Table): void {
    const drop = t.drop;
    try {
      const kept: string[] = [];
      for (const line of this.fs.readFileSync(t.path, 'utf8').split('\n')) {
        if (!line) continue;
        const key = lineKey(line, t.keyCommas);
        const n = drop.get(key);
        if (n === undefined) kept.push(line);
        else if (n > 1) drop.set(key, n - 1);
        else drop.delete(key);
      }
      this.replace(t, kept.length ? `${kept.join('\n')}\n` : '');
      t.lines = kept.length;
      this.stats.rewrites++;
    } catch (e) {
      this.logger?.warn({ dir: this.dir, err: e }, 'save-keys: cannot rewrite the key tables');
    }
    drop.clear();
    t.dropping = 0;
  }

  /** Replaces the file (write + rename) and reopens it for appending. */
  private replace(t: Table, text: string): void {
    const tmp = `${t.path}.tmp`;
    this.fs.writeFileSync(tmp, text, { mode: 0o600 });
    this.fs.renameSync(tmp, t.path);
    this.closeFd(t);
    t.fd = this.fs.openSync(t.path, 'a', 0o600);
  }

  private append(t: Table, text: string, lines: number): boolean {
    try {
      t.fd ??= this.fs.openSync(t.path, 'a', 0o600);
      this.fs.writeSync(t.fd, text);
      t.lines += lines;
      this.stats.appends++;
      return true;
    } catch (e) {
      this.logger?.warn({ dir: this.dir, err: e }, 'save-keys: cannot write the key tables');
      return false;
    }
  }

  private closeFd(t: Table): void {
    if (t.fd === undefined) return;
    try {
      this.fs.closeSync(t.fd);
    } catch {
      // already closed
    }
    t.fd = undefined;
  }
}
