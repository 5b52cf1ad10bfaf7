/**
 * The declarative codec core: a structure is a Table of Fields (one per RFC diagram row), and
 * one generic reader and one generic writer interpret every table.
 *
 * Reader (this file): total. Every read is bounds-checked against the enclosing structure's
 * end (from its length field) and the input end; problems come back as WireError (TRUNCATED
 * past the input, BAD_LENGTH past or short of a declared length, BAD_VALUE from a `check`).
 * Writer (table-writer.ts): throws EncodeError for a value that does not fit its field.
 *
 * Length-like fields (length, count, size, last) are computed by the writer and consumed by the
 * reader; they never appear in decoded values. Named fields become properties of the record.
 */
import { err, ok, type Result } from '../../result.js';
import { type WireError, wireError } from './errors.js';

export type Rec = Record<string, unknown>;

export type Field =
  /** An unsigned big-endian integer value. */
  | { readonly kind: 'uint'; readonly size: 1 | 2 | 4; readonly name: string }
  /** Bit fields packed in `size` octets, most significant first; unnamed parts are reserved (0). */
  | { readonly kind: 'bits'; readonly size: 1 | 2; readonly parts: readonly BitPart[] }
  /** RESERVED octets: sent as zero, ignored on receipt (RFC 7296 §3). */
  | { readonly kind: 'reserved'; readonly size: number }
  /** Total octets of the enclosing structure, this field and everything before it included. */
  | { readonly kind: 'length'; readonly size: 2 }
  /** Number of items of the list (or byteList) field `of`. */
  | { readonly kind: 'count'; readonly size: 1 | 2; readonly of: string }
  /** Octets of the bytes field `of`. */
  | { readonly kind: 'size'; readonly size: 1 | 2; readonly of: string }
  /** "Last Substruc" (RFC 7296 §3.3.1, §3.3.2): 0 for the last item of its list, else `more`. */
  | { readonly kind: 'last'; readonly more: number }
  /**
   * Octets. Length: `length` if a number; a function of the record so far and the octets left;
   * else a preceding `size` field; else the rest of the structure.
   */
  | {
      readonly kind: 'bytes';
      readonly name: string;
      readonly length?: number | ((rec: Rec, remaining: number) => number);
    }
  /** Substructures: `count` of them if a count field names this list, else until the structure ends. */
  | { readonly kind: 'list'; readonly name: string; readonly item: Table }
  /** Equal-sized octet strings (e.g. the SPIs of a Delete payload), counted by a count field. */
  | { readonly kind: 'byteList'; readonly name: string; readonly itemLength: (rec: Rec) => number }
  /** Alternative layouts chosen by an earlier field (e.g. TV or TLV attributes, §3.3.5). */
  | {
      readonly kind: 'when';
      readonly test: (rec: Rec) => boolean;
      readonly ifTrue: readonly Field[];
      readonly ifFalse: readonly Field[];
    };

export interface BitPart {
  readonly name?: string;
  readonly bits: number;
}

export interface Table {
  readonly name: string;
  readonly fields: readonly Field[];
  /** RFC constraints beyond field sizes; returns a description of the violation. Read and write. */
  readonly check?: (rec: Rec) => string | undefined;
  /** Record -> value after reading (default: the record itself). */
  readonly fromRecord?: (rec: Rec) => unknown;
  /** Value -> record before writing (default: the value itself). */
  readonly toRecord?: (value: never) => Rec;
}

// ---------------------------------------------------------------------------------------------
// Reader

interface ReadState {
  readonly bytes: Uint8Array;
  /** Added to positions in errors (the input's offset in the whole message). */
  readonly baseOffset: number;
  pos: number;
}

interface StructCtx {
  readonly table: Table;
  readonly path: string;
  readonly start: number;
  /** End of this structure: from its length field, else the enclosing bound. */
  end: number;
  hasLength: boolean;
  /** Whether `end` comes from a length field (own or an enclosing one) rather than the input end. */
  declared: boolean;
  /** Values of count and size fields, by the name of the field they describe. */
  counts?: Record<string, number>;
  sizes?: Record<string, number>;
  last?: number;
}

export interface ReadOutput {
  readonly value: unknown;
  readonly record: Rec;
  /** Value of the structure's "last" field, if it has one. */
  readonly last?: number;
}

/**
 * Reads one structure at `state.pos`, never past `bound`. `boundDeclared`: the bound is an
 * enclosing structure's length (overruns are BAD_LENGTH), not the input end (TRUNCATED).
 */
export function readStruct(
  table: Table,
  state: ReadState,
  bound: number,
  boundDeclared: boolean,
  path: string,
): Result<ReadOutput, WireError> {
  const ctx: StructCtx = {
    table,
    path,
    start: state.pos,
    end: bound,
    hasLength: false,
    declared: boundDeclared,
  };
  const rec: Rec = {};
  const r = readFields(table.fields, state, ctx, rec);
  if (!r.ok) return r;
  if (ctx.hasLength && state.pos !== ctx.end)
    return fail(state, ctx, 'BAD_LENGTH', `${ctx.end - state.pos} octets left over in ${path}`);
  const problem = table.check?.(rec);
  if (problem !== undefined) return err(wireError('BAD_VALUE', path, state.baseOffset + ctx.start, problem));
  const value = table.fromRecord ? table.fromRecord(rec) : rec;
  return ok(ctx.last === undefined ? { value, record: rec } : { value, record: rec, last: ctx.last });
}

function fail(state: ReadState, ctx: StructCtx, code: 'TRUNCATED' | 'BAD_LENGTH', message: string) {
  const offset = Math.min(state.pos, state.bytes.length);
  return err(wireError(code, ctx.path, state.baseOffset + offset, message));
}

/**
 * Ensures `n` more octets exist inside the structure: BAD_LENGTH past a declared length,
 * TRUNCATED past the end of the input.
 */
function need(state: ReadState, ctx: StructCtx, n: number, what: string): Result<void, WireError> {
  if (state.pos + n <= ctx.end) return ok(undefined);
  const code = ctx.declared ? 'BAD_LENGTH' : 'TRUNCATED';
  return fail(state, ctx, code, `${what} needs ${n} octets, ${Math.max(0, ctx.end - state.pos)} left`);
}

function readUint(bytes: Uint8Array, pos: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 256 + bytes[pos + i]!;
  return v;
}

function readFields(
  fields: readonly Field[],
  state: ReadState,
  ctx: StructCtx,
  rec: Rec,
): Result<void, WireError> {
  const { bytes } = state;
  for (const f of fields) {
    switch (f.kind) {
      case 'uint':
      case 'count':
      case 'size': {
        const r = need(state, ctx, f.size, f.kind === 'uint' ? f.name : `${f.kind} of ${f.of}`);
        if (!r.ok) return r;
        const v = readUint(bytes, state.pos, f.size);
        state.pos += f.size;
        if (f.kind === 'uint') rec[f.name] = v;
        else if (f.kind === 'count') ctx.counts = { ...ctx.counts, [f.of]: v };
        else ctx.sizes = { ...ctx.sizes, [f.of]: v };
        break;
      }
      case 'bits': {
        const r = need(state, ctx, f.size, 'bit fields');
        if (!r.ok) return r;
        const v = readUint(bytes, state.pos, f.size);
        state.pos += f.size;
        let shift = f.size * 8;
        for (const p of f.parts) {
          shift -= p.bits;
          if (p.name !== undefined) rec[p.name] = Math.floor(v / 2 ** shift) % 2 ** p.bits;
        }
        break;
      }
      case 'reserved': {
        const r = need(state, ctx, f.size, 'RESERVED');
        if (!r.ok) return r;
        state.pos += f.size; // RESERVED: ignored on receipt (RFC 7296 §3.2)
        break;
      }
      case 'last': {
        const r = need(state, ctx, 1, 'Last Substruc');
        if (!r.ok) return r;
        ctx.last = bytes[state.pos]!;
        state.pos += 1;
        break;
      }
      case 'length': {
        const r = need(state, ctx, f.size, 'length');
        if (!r.ok) return r;
        const length = readUint(bytes, state.pos, f.size);
        state.pos += f.size;
        if (length < state.pos - ctx.start)
          return fail(state, ctx, 'BAD_LENGTH', `length ${length} shorter than the header`);
        const end = ctx.start + length;
        if (end > ctx.end) {
          state.pos = ctx.start;
          const code = ctx.declared ? 'BAD_LENGTH' : 'TRUNCATED';
          return fail(state, ctx, code, `length ${length} runs ${end - ctx.end} octets past its bound`);
        }
        ctx.end = end;
        ctx.hasLength = true;
        ctx.declared = true;
        break;
      }
      case 'bytes': {
        const remaining = ctx.end - state.pos;
        const n =
          typeof f.length === 'number'
            ? f.length
            : typeof f.length === 'function'
              ? f.length(rec, remaining)
              : (ctx.sizes?.[f.name] ?? remaining);
        if (!Number.isInteger(n) || n < 0) return fail(state, ctx, 'BAD_LENGTH', `bad length for ${f.name}`);
        const r = need(state, ctx, n, f.name);
        if (!r.ok) return r;
        rec[f.name] = bytes.slice(state.pos, state.pos + n);
        state.pos += n;
        break;
      }
      case 'byteList': {
        const count = ctx.counts?.[f.name] ?? 0;
        const n = f.itemLength(rec);
        const r = need(state, ctx, count * n, f.name);
        if (!r.ok) return r;
        const items: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          items.push(bytes.slice(state.pos, state.pos + n));
          state.pos += n;
        }
        rec[f.name] = items;
        break;
      }
      case 'list': {
        const r = readList(f.name, f.item, state, ctx);
        if (!r.ok) return r;
        rec[f.name] = r.value;
        break;
      }
      case 'when': {
        const r = readFields(f.test(rec) ? f.ifTrue : f.ifFalse, state, ctx, rec);
        if (!r.ok) return r;
        break;
      }
    }
  }
  return ok(undefined);
}

function readList(name: string, item: Table, state: ReadState, ctx: StructCtx): Result<unknown[], WireError> {
  const count = ctx.counts?.[name];
  const lastField = item.fields.find((f) => f.kind === 'last');
  const items: unknown[] = [];
  const path = `${ctx.path}/${item.name}`;
  while (count === undefined ? state.pos < ctx.end : items.length < count) {
    const from = state.pos;
    const r = readStruct(item, state, ctx.end, ctx.declared, path);
    if (!r.ok) return r;
    if (state.pos === from) return fail(state, ctx, 'BAD_LENGTH', `empty ${item.name}`);
    if (r.value.last !== undefined) {
      // Last Substruc must say whether another substructure follows (RFC 7296 §3.3.1, §3.3.2).
      const final = count === undefined ? state.pos === ctx.end : items.length === count - 1;
      const more = lastField?.kind === 'last' ? lastField.more : undefined;
      if (r.value.last !== (final ? 0 : more))
        return err(
          wireError(
            'BAD_VALUE',
            path,
            state.baseOffset + from,
            `Last Substruc ${r.value.last} is inconsistent`,
          ),
        );
    }
    items.push(r.value.value);
  }
  return ok(items);
}

/**
 * Reads one structure from `bytes` at `pos`, up to `bound` (the end of the input region:
 * overruns are TRUNCATED). Positions in errors are shifted by `baseOffset`.
 */
export function readTable(
  table: Table,
  bytes: Uint8Array,
  pos: number,
  bound: number,
  baseOffset: number,
): Result<ReadOutput & { readonly end: number }, WireError> {
  const state: ReadState = { bytes, baseOffset, pos };
  const r = readStruct(table, state, bound, false, table.name);
  return r.ok ? ok({ ...r.value, end: state.pos }) : r;
}
