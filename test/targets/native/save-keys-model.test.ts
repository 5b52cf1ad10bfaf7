/**
 * --save-keys as a model (issue 14): after any sequence of add / rekey / delete events and a
 * flush, the tables list exactly the live SAs (plus, with a retention, those gone within it),
 * valid at every step. SaveKeys is fed fakes with what it reads of the supervisor's handles,
 * on virtual time, files in a temp dir.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IkeSaHandle } from '../../../actors/supervisor.js';
import { EncrId, IntegId } from '../../../ipsec/crypto/ids.js';
import { encrTransform, integTransform } from '../../../ipsec/crypto/transforms.js';
import type { IkeSession } from '../../../ipsec/ike/exchange/session.js';
import { VirtualClock } from '../../../ipsec/util/clock.js';
import { ESP_TABLE, IKEV2_TABLE, SaveKeys, type SaveKeysEvent } from '../../../targets/native/save-keys.js';
import {
  espKeyRows,
  formatEspTable,
  formatIkeTable,
  ikeKeyRow,
} from '../../../targets/native/wireshark-tables.js';
import { expectValid, read, tempDirs } from './save-keys-support.js';

const tempDir = tempDirs();

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
