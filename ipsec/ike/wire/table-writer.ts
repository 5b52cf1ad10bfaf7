/**
 * The generic writer of the declarative codecs (see table.ts for the Field kinds). It throws
 * EncodeError for a value that does not fit its field (see errors.ts for why it throws).
 * Length fields are written as placeholders and patched once the structure is complete.
 */
import { EncodeError } from './errors.js';
import type { Field, Rec, Table } from './table.js';

/** A growable octet buffer. */
export class ByteSink {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  uint(value: number, size: number): void {
    this.reserve(size);
    for (let i = size - 1; i >= 0; i--) {
      this.buf[this.length + i] = value % 256;
      value = Math.floor(value / 256);
    }
    this.length += size;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  patchUint(at: number, value: number, size: number): void {
    for (let i = size - 1; i >= 0; i--) {
      this.buf[at + i] = value % 256;
      value = Math.floor(value / 256);
    }
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function checkUint(path: string, value: unknown, bits: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** bits)
    throw new EncodeError(path, `${String(value)} does not fit ${bits} bits`);
  return value;
}

function checkBytes(path: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new EncodeError(path, 'not a Uint8Array');
  return value;
}

function checkArray(path: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new EncodeError(path, 'not an array');
  return value;
}

/** Writes one structure; `isLast` feeds its "Last Substruc" field. */
export function writeStruct(table: Table, value: unknown, out: ByteSink, path: string, isLast = true): void {
  const rec = (table.toRecord ? table.toRecord(value as never) : value) as Rec;
  if (typeof rec !== 'object' || rec === null) throw new EncodeError(path, 'not an object');
  const start = out.length;
  let lengthAt = -1;
  let lengthSize = 0;
  const writeFields = (fields: readonly Field[]): void => {
    for (const f of fields) {
      switch (f.kind) {
        case 'uint':
          out.uint(checkUint(`${path}/${f.name}`, rec[f.name], f.size * 8), f.size);
          break;
        case 'bits': {
          let v = 0;
          for (const p of f.parts)
            v =
              v * 2 ** p.bits +
              (p.name === undefined ? 0 : checkUint(`${path}/${p.name}`, rec[p.name], p.bits));
          out.uint(v, f.size);
          break;
        }
        case 'reserved':
          out.uint(0, f.size); // RESERVED: MUST be sent as zero (RFC 7296 §3.2)
          break;
        case 'last':
          out.uint(isLast ? 0 : f.more, 1);
          break;
        case 'length':
          lengthAt = out.length;
          lengthSize = f.size;
          out.uint(0, f.size);
          break;
        case 'count': {
          const n = checkArray(`${path}/${f.of}`, rec[f.of]).length;
          out.uint(checkUint(`${path}/${f.of} count`, n, f.size * 8), f.size);
          break;
        }
        case 'size': {
          const n = checkBytes(`${path}/${f.of}`, rec[f.of]).length;
          out.uint(checkUint(`${path}/${f.of} size`, n, f.size * 8), f.size);
          break;
        }
        case 'bytes': {
          const b = checkBytes(`${path}/${f.name}`, rec[f.name]);
          if (typeof f.length === 'number' && b.length !== f.length)
            throw new EncodeError(`${path}/${f.name}`, `must be ${f.length} octets, got ${b.length}`);
          out.bytes(b);
          break;
        }
        case 'byteList': {
          const n = f.itemLength(rec);
          for (const b of checkArray(`${path}/${f.name}`, rec[f.name])) {
            const item = checkBytes(`${path}/${f.name}`, b);
            if (item.length !== n)
              throw new EncodeError(`${path}/${f.name}`, `items must be ${n} octets, got ${item.length}`);
            out.bytes(item);
          }
          break;
        }
        case 'list': {
          const items = checkArray(`${path}/${f.name}`, rec[f.name]);
          items.forEach((item, i) => {
            writeStruct(f.item, item, out, `${path}/${f.item.name}[${i}]`, i === items.length - 1);
          });
          break;
        }
        case 'when':
          writeFields(f.test(rec) ? f.ifTrue : f.ifFalse);
          break;
      }
    }
  };
  writeFields(table.fields);
  const problem = table.check?.(rec); // after the fields: their types are known good by now
  if (problem !== undefined) throw new EncodeError(path, problem);
  if (lengthAt >= 0) {
    const length = out.length - start;
    checkUint(`${path} length`, length, lengthSize * 8);
    out.patchUint(lengthAt, length, lengthSize);
  }
}
