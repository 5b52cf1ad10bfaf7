/**
 * Control answers and line framing: answers of several MB (arrays and not), array elements
 * without a JSON form, BigInt and cycle errors, the MAX_LINE boundary, answers in flight kept
 * apart, a slow client, and lineReader under any chunking.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlRequest, lineReader, MAX_LINE, MAX_REPLY_LINE } from '../../../targets/native/control.js';
import { serve, socketPath } from '../../support/control-server.js';

/**
 * Writes `data` on one connection, each piece a write of its own after the previous one was
 * flushed, and collects whole answer lines (split on bytes, decoded per line) until `n` have
 * come or the daemon closes the connection; reads nothing for the first `readAfterMs`.
 */
function exchange(
  path: string,
  data: readonly (string | Uint8Array)[],
  n: number,
  readAfterMs = 0,
): Promise<{ lines: string[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    if (readAfterMs) {
      s.pause();
      setTimeout(() => s.resume(), readAfterMs);
    }
    const lines: string[] = [];
    let pending: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      s.destroy();
      resolve({ lines, closed });
    };
    s.on('data', (d: Buffer) => {
      let chunk = d;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10)) {
        lines.push(Buffer.concat([...pending, chunk.subarray(0, i)]).toString('utf8'));
        pending = [];
        chunk = chunk.subarray(i + 1);
      }
      if (chunk.length) pending.push(chunk);
      if (lines.length >= n) finish(false);
    });
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('error', (e) => (settled ? undefined : reject(e)));
    void (async () => {
      for (const piece of data) {
        if (s.destroyed) return;
        await new Promise<void>((r) => s.write(piece, () => r()));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
  });
}

/** Strings that JSON must escape, astral and non-ASCII characters, lone surrogates. */
const AWKWARD = [
  '"quoted"',
  'back\\slash',
  'line\nfeed\r\t',
  '\u0000\u001f\u007f',
  '\u2028\u2029',
  'é日本語',
  '😀🇪🇺',
  '\ud800',
];

/** An array whose JSON is several MB: `n` SA-like objects with awkward strings. */
function bigArray(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => ({
    uniqueid: i,
    name: `${tag}-${i}`,
    remote: `CN=peer ${i}, O=${AWKWARD[i % AWKWARD.length]}`,
    state: i % 3 ? 'ESTABLISHED' : 'REKEYING',
    children: [{ spiIn: (0xc0000000 + i).toString(16), bytes: i * 1500, ts: ['10.1.0.0/16', '10.2.0.0/16'] }],
    note: i % 97 === 0 ? null : AWKWARD.slice(0, (i % AWKWARD.length) + 1).join(' '),
  }));
}

describe('control socket', () => {
  it('delivers an array answer of several MB intact, byte for byte as one JSON.stringify', async () => {
    const path = socketPath();
    const result = bigArray(20_000, 'ike');
    await serve(path, { list: () => result });
    const expected = JSON.stringify({ id: 'q"1', ok: true, result });
    expect(Buffer.byteLength(expected)).toBeGreaterThan(4 * 1024 * 1024); // several MB, many write pieces
    await expect(controlRequest(path, 'list')).resolves.toEqual(result);
    const { lines } = await exchange(path, ['{"id":"q\\"1","command":"list"}\n'], 1);
    expect(lines).toHaveLength(1);
    expect(lines[0] === expected).toBe(true);
  });

  it('writes array elements without a JSON form as JSON.stringify does', async () => {
    const path = socketPath();
    const holes: unknown[] = new Array(3);
    holes[1] = 'middle';
    const result = [
      undefined,
      () => 1,
      Symbol('s'),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      new Date(0),
      { toJSON: () => ({ via: 'toJSON' }) },
      { dropped: undefined, kept: 1 },
      [],
      {},
      null,
      holes,
    ];
    await serve(path, { odd: () => result, empty: () => [], nothing: () => undefined });
    const { lines } = await exchange(
      path,
      ['{"id":1,"command":"odd"}\n{"id":2,"command":"empty"}\n{"id":3,"command":"nothing"}\n'],
      3,
    );
    expect(lines.sort()).toEqual(
      [
        JSON.stringify({ id: 1, ok: true, result }),
        JSON.stringify({ id: 2, ok: true, result: [] }),
        JSON.stringify({ id: 3, ok: true, result: null }),
      ].sort(),
    );
  });

  it('delivers a non-array answer of several MB intact', async () => {
    const path = socketPath();
    const result = {
      blob: AWKWARD.join('|').repeat(40_000),
      nested: { sas: bigArray(5_000, 'child') },
    };
    await serve(path, { dump: () => result });
    expect(JSON.stringify(result).length).toBeGreaterThan(2 * 1024 * 1024);
    await expect(controlRequest(path, 'dump')).resolves.toEqual(result);
  });

  it('answers a failing large array with a clean error line, not a broken result', async () => {
    const path = socketPath();
    const warnings: string[] = [];
    await serve(
      path,
      // Elements that JSON.stringify throws on, after more than a write piece of good ones.
      {
        bigint: () => [...bigArray(6_000, 'x'), { n: 1n }],
        cycle: () => [...bigArray(6_000, 'y'), cyclic()],
      },
      warnings,
    );
    await expect(controlRequest(path, 'bigint')).rejects.toThrow(/BigInt/);
    await expect(controlRequest(path, 'cycle')).rejects.toThrow(/circular/i);
    expect(warnings).toEqual(['control: command failed', 'control: command failed']);
  });

  it('still reads request lines of MAX_LINE bytes, and closes on a longer one', async () => {
    const path = socketPath();
    await serve(path, { echo: (args) => args.pad });
    // A request of exactly MAX_LINE bytes (newline not counted), with 2- and 4-byte characters,
    // sent in pieces that cut characters in two.
    const head = '{"id":1,"command":"echo","args":{"pad":"';
    const tail = '"}}';
    const unit = 'é😀x'; // 2 + 4 + 1 bytes
    const room = MAX_LINE - Buffer.byteLength(head + tail);
    const pad = unit.repeat(Math.floor(room / 7)) + 'y'.repeat(room % 7);
    const line = Buffer.from(`${head}${pad}${tail}\n`);
    expect(line.length).toBe(MAX_LINE + 1);
    const cuts = [1, 4097, 30_001, 50_002, MAX_LINE];
    const pieces = cuts.map((c, i) => line.subarray(i ? cuts[i - 1] : 0, c)).concat(line.subarray(MAX_LINE));
    const ok = await exchange(path, pieces, 1);
    expect(ok.lines.map((l) => JSON.parse(l))).toEqual([{ id: 1, ok: true, result: pad }]);

    // One byte more: an error line, then the connection is closed; the next request on it
    // is not read.
    const long = `${head}${pad}z${tail}\n{"id":2,"command":"echo","args":{"pad":"after"}}\n`;
    const over = await exchange(path, [long], 2);
    expect(over.closed).toBe(true);
    expect(over.lines.map((l) => JSON.parse(l))).toEqual([
      { id: null, ok: false, error: `request line longer than ${MAX_LINE} bytes` },
    ]);
    // The client sees that error too.
    await expect(controlRequest(path, 'echo', { pad: 'x'.repeat(MAX_LINE) })).rejects.toThrow(
      `request line longer than ${MAX_LINE} bytes`,
    );
    expect(MAX_REPLY_LINE).toBeGreaterThan(MAX_LINE);
  });

  it('keeps two large answers in flight on one connection apart', async () => {
    const path = socketPath();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a = bigArray(8_000, 'a');
    const b = bigArray(6_000, 'b');
    await serve(path, {
      first: async (_args, ctx) => {
        ctx.event({ waiting: true });
        await gate;
        return a;
      },
      second: async (_args, ctx) => {
        release();
        await gate;
        ctx.event({ released: true });
        return b;
      },
    });
    const { lines } = await exchange(
      path,
      ['{"id":1,"command":"first"}\n', '{"id":2,"command":"second"}\n'],
      4,
    );
    expect(lines).toHaveLength(4);
    expect(lines).toEqual(
      expect.arrayContaining([
        JSON.stringify({ id: 1, event: { waiting: true } }),
        JSON.stringify({ id: 2, event: { released: true } }),
      ]),
    );
    const finals = lines.filter((l) => !l.includes('"event"'));
    expect(finals).toHaveLength(2);
    expect(finals.includes(JSON.stringify({ id: 1, ok: true, result: a }))).toBe(true);
    expect(finals.includes(JSON.stringify({ id: 2, ok: true, result: b }))).toBe(true);
  });

  it('lets no other line into a large answer while the client is slow to read it', async () => {
    const path = socketPath();
    const result = bigArray(8_000, 'slow');
    await serve(path, {
      // Events every few ms while the answer below waits in the socket for the client.
      tick: async (_args, ctx) => {
        for (let i = 0; i < 20; i++) {
          await new Promise((r) => setTimeout(r, 3));
          ctx.event({ i });
        }
        return 'ticked';
      },
      list: async () => {
        await new Promise((r) => setTimeout(r, 10));
        return result;
      },
    });
    const { lines } = await exchange(
      path,
      ['{"id":1,"command":"tick"}\n{"id":2,"command":"list"}\n'],
      22,
      150,
    );
    expect(lines).toHaveLength(22);
    expect(
      lines
        .filter((l) => l.startsWith('{"id":2,'))
        .map((l) => l === JSON.stringify({ id: 2, ok: true, result })),
    ).toEqual([true]);
    expect(lines.filter((l) => l.startsWith('{"id":1,')).map((l) => JSON.parse(l))).toEqual([
      ...Array.from({ length: 20 }, (_, i) => ({ id: 1, event: { i } })),
      { id: 1, ok: true, result: 'ticked' },
    ]);
  });
});

/** An object that refers to itself. */
function cyclic(): unknown {
  const o: Record<string, unknown> = { name: 'loop' };
  o.self = o;
  return o;
}

/**
 * Property: lineReader (both ends of the socket) yields exactly the non-blank lines of a UTF-8
 * byte stream however it is cut into chunks, a line of up to `max` bytes whole, and stops with
 * one overflow at the first line longer than `max` (terminated or not).
 */
describe('lineReader', () => {
  it('splits any chunking of a stream into its lines, up to the first overlong one', () => {
    const text = fc.array(fc.string({ unit: fc.constantFrom('a', ' ', 'é', '日', '😀', '\n', '\n') }), {
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        text,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 0, max: 24 }),
        (parts, cutsRaw, max) => {
          const bytes = Buffer.from(parts.join(''));
          const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
          const chunks = [0, ...cuts].map((c, i, all) => bytes.subarray(c, all[i + 1] ?? bytes.length));

          const got: string[] = [];
          let overflows = 0;
          const feed = lineReader(
            (l) => got.push(l),
            () => overflows++,
            max,
          );
          for (const c of chunks) feed(c);

          // The model: split the whole stream at once.
          const want: string[] = [];
          let wantOverflow = 0;
          const pieces = bytes.toString('utf8').split('\n');
          for (let i = 0; i < pieces.length; i++) {
            const piece = pieces[i]!;
            const terminated = i < pieces.length - 1;
            if (Buffer.byteLength(piece) > max) {
              wantOverflow = 1;
              break;
            }
            if (terminated && piece.trim()) want.push(piece);
          }
          expect(got).toEqual(want);
          expect(overflows).toBe(wantOverflow);
        },
      ),
      { numRuns: 300 },
    );
  });
});
