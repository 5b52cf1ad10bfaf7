/**
 * The VICI message format (strongSwan's Versatile IKE Control Interface; the protocol is
 * described in strongSwan's src/libcharon/plugins/vici/README.md, "Message format"). Pure: no
 * node: imports, Uint8Array in and out, so that a client (./client.ts) and a server of our own
 * share it.
 *
 * A message is a sequence of elements, each a type octet optionally followed by a name
 * (1-octet length, then the name) and/or a value (2-octet big-endian length, then the octets):
 *
 *   SECTION_START = 1  name          opens a named sub-section of the current section
 *   SECTION_END   = 2                closes the last opened section
 *   KEY_VALUE     = 3  name, value   a key in the current section
 *   LIST_START    = 4  name          opens a named list (lists do not nest)
 *   LIST_ITEM     = 5  value         an item of the open list (only inside a list)
 *   LIST_END      = 6                closes the list
 *
 * Two levels:
 *   - elements (encodeElements / decodeElements): the flat stream; decoding checks the grammar
 *     (balanced sections, list items only in lists, nothing but items in a list);
 *   - the tree (encodeMessage / decodeMessage): a section is an ordered Map from key to a value
 *     (Uint8Array), a list (Uint8Array[]) or a sub-section; keys are unique per section (the
 *     README: "Key names must be unique in the current section"), which decoding checks too.
 *
 * Values are raw octets: charon sends strings (numbers as decimal strings), so viciSection()
 * builds a tree from a plain object of strings, numbers and booleans (yes / no), and viciPlain()
 * reads one back as strings. Names are specified as ASCII; we accept and write UTF-8 (a superset),
 * at most 255 octets. Decoding never throws (a typed ViciDecodeError); encoding throws
 * ViciEncodeError for what does not fit the format (a name over 255 octets, a value over 65535):
 * that is a programming error of the caller, not input.
 */
import { err, ok, type Result } from '../../../ipsec/result.js';

/** Element type octets (README "Message format"). */
export const ViciElementType = {
  SECTION_START: 1,
  SECTION_END: 2,
  KEY_VALUE: 3,
  LIST_START: 4,
  LIST_ITEM: 5,
  LIST_END: 6,
} as const;

/** One element of the stream. */
export type ViciElement =
  | { readonly type: 'section-start'; readonly name: string }
  | { readonly type: 'section-end' }
  | { readonly type: 'key-value'; readonly name: string; readonly value: Uint8Array }
  | { readonly type: 'list-start'; readonly name: string }
  | { readonly type: 'list-item'; readonly value: Uint8Array }
  | { readonly type: 'list-end' };

/** A value in a section: a key's octets, a list of items, or a sub-section. */
export type ViciNode = Uint8Array | readonly Uint8Array[] | ViciSection;
/** A section (the message itself is the implicit root section): keys in the order sent. */
export type ViciSection = ReadonlyMap<string, ViciNode>;

/** Longest name (1-octet length) and value (2-octet length). */
export const VICI_NAME_MAX = 255;
export const VICI_VALUE_MAX = 0xffff;

export type ViciDecodeErrorCode =
  | 'TRUNCATED' // a name or value runs past the end of the input
  | 'UNKNOWN_ELEMENT' // an element type octet other than 1..6
  | 'UNEXPECTED_ELEMENT' // SECTION_END at the root, LIST_ITEM/LIST_END outside a list, anything else inside one
  | 'UNCLOSED' // the input ends inside a section or a list
  | 'DUPLICATE_KEY' // a name used twice in one section
  | 'BAD_NAME'; // a name that is not UTF-8

export interface ViciDecodeError {
  readonly code: ViciDecodeErrorCode;
  /** Octet offset in the input where the problem was found. */
  readonly offset: number;
  readonly message: string;
}

const decodeError = (code: ViciDecodeErrorCode, offset: number, message: string): ViciDecodeError => ({
  code,
  offset,
  message,
});

/** Thrown by encoders for names and values that do not fit the format (a programming error). */
export class ViciEncodeError extends Error {
  override readonly name = 'ViciEncodeError';
}

const encoder = new TextEncoder();
const nameDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const valueDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

function nameBytes(name: string): Uint8Array {
  const b = encoder.encode(name);
  if (b.length > VICI_NAME_MAX)
    throw new ViciEncodeError(`name of ${b.length} octets (at most ${VICI_NAME_MAX}): ${name.slice(0, 40)}`);
  return b;
}

function checkValue(value: Uint8Array, where: string): void {
  if (value.length > VICI_VALUE_MAX)
    throw new ViciEncodeError(`value of ${value.length} octets (at most ${VICI_VALUE_MAX}) at ${where}`);
}

/** Growable output buffer. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  octet(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }

  name(b: Uint8Array): void {
    this.room(1 + b.length);
    this.buf[this.len++] = b.length;
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  value(b: Uint8Array): void {
    this.room(2 + b.length);
    this.buf[this.len++] = b.length >>> 8;
    this.buf[this.len++] = b.length & 0xff;
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeElement(w: Writer, e: ViciElement): void {
  switch (e.type) {
    case 'section-start':
      w.octet(ViciElementType.SECTION_START);
      w.name(nameBytes(e.name));
      return;
    case 'section-end':
      w.octet(ViciElementType.SECTION_END);
      return;
    case 'key-value':
      checkValue(e.value, e.name);
      w.octet(ViciElementType.KEY_VALUE);
      w.name(nameBytes(e.name));
      w.value(e.value);
      return;
    case 'list-start':
      w.octet(ViciElementType.LIST_START);
      w.name(nameBytes(e.name));
      return;
    case 'list-item':
      checkValue(e.value, 'list item');
      w.octet(ViciElementType.LIST_ITEM);
      w.value(e.value);
      return;
    case 'list-end':
      w.octet(ViciElementType.LIST_END);
      return;
  }
}

/**
 * Encodes elements as they are (no grammar check: decodeElements is the judge of a stream;
 * encodeMessage only ever produces valid ones).
 */
export function encodeElements(elements: Iterable<ViciElement>): Uint8Array {
  const w = new Writer();
  for (const e of elements) writeElement(w, e);
  return w.bytes();
}

/**
 * Decodes and checks the element stream of one message (the whole input: its length comes from
 * the packet around it). Values are copies, not views of `bytes`.
 */
export function decodeElements(bytes: Uint8Array): Result<ViciElement[], ViciDecodeError> {
  const r = scan(bytes);
  return r.ok ? ok(r.value.elements) : r;
}

/** decodeElements with the offset of each element (for errors found later, in the tree). */
function scan(bytes: Uint8Array): Result<{ elements: ViciElement[]; offsets: number[] }, ViciDecodeError> {
  const out: ViciElement[] = [];
  const offsets: number[] = [];
  let depth = 0;
  let inList = false;
  let i = 0;
  const readName = (at: number): Result<string, ViciDecodeError> => {
    if (i >= bytes.length) return err(decodeError('TRUNCATED', i, `element at ${at}: name length missing`));
    const n = bytes[i]!;
    if (i + 1 + n > bytes.length)
      return err(decodeError('TRUNCATED', i, `element at ${at}: name of ${n} octets runs past the end`));
    const raw = bytes.subarray(i + 1, i + 1 + n);
    let name: string;
    try {
      name = nameDecoder.decode(raw);
    } catch {
      return err(decodeError('BAD_NAME', i + 1, `element at ${at}: name is not UTF-8`));
    }
    i += 1 + n;
    return ok(name);
  };
  const readValue = (at: number): Result<Uint8Array, ViciDecodeError> => {
    if (i + 2 > bytes.length)
      return err(decodeError('TRUNCATED', i, `element at ${at}: value length missing`));
    const n = (bytes[i]! << 8) | bytes[i + 1]!;
    if (i + 2 + n > bytes.length)
      return err(decodeError('TRUNCATED', i, `element at ${at}: value of ${n} octets runs past the end`));
    const v = bytes.slice(i + 2, i + 2 + n);
    i += 2 + n;
    return ok(v);
  };
  while (i < bytes.length) {
    const at = i;
    offsets.push(at);
    const type = bytes[i++]!;
    if (inList && type !== ViciElementType.LIST_ITEM && type !== ViciElementType.LIST_END) {
      if (type < 1 || type > 6)
        return err(decodeError('UNKNOWN_ELEMENT', at, `unknown element type ${type}`));
      return err(decodeError('UNEXPECTED_ELEMENT', at, `element type ${type} inside a list`));
    }
    switch (type) {
      case ViciElementType.SECTION_START: {
        const name = readName(at);
        if (!name.ok) return name;
        depth++;
        out.push({ type: 'section-start', name: name.value });
        break;
      }
      case ViciElementType.SECTION_END:
        if (depth === 0)
          return err(decodeError('UNEXPECTED_ELEMENT', at, 'SECTION_END with no open section'));
        depth--;
        out.push({ type: 'section-end' });
        break;
      case ViciElementType.KEY_VALUE: {
        const name = readName(at);
        if (!name.ok) return name;
        const value = readValue(at);
        if (!value.ok) return value;
        out.push({ type: 'key-value', name: name.value, value: value.value });
        break;
      }
      case ViciElementType.LIST_START: {
        const name = readName(at);
        if (!name.ok) return name;
        inList = true;
        out.push({ type: 'list-start', name: name.value });
        break;
      }
      case ViciElementType.LIST_ITEM: {
        if (!inList) return err(decodeError('UNEXPECTED_ELEMENT', at, 'LIST_ITEM outside a list'));
        const value = readValue(at);
        if (!value.ok) return value;
        out.push({ type: 'list-item', value: value.value });
        break;
      }
      case ViciElementType.LIST_END:
        if (!inList) return err(decodeError('UNEXPECTED_ELEMENT', at, 'LIST_END with no open list'));
        inList = false;
        out.push({ type: 'list-end' });
        break;
      default:
        return err(decodeError('UNKNOWN_ELEMENT', at, `unknown element type ${type}`));
    }
  }
  if (inList) return err(decodeError('UNCLOSED', i, 'message ends inside a list'));
  if (depth > 0) return err(decodeError('UNCLOSED', i, `message ends inside ${depth} open section(s)`));
  return ok({ elements: out, offsets });
}

const isList = (n: ViciNode): n is readonly Uint8Array[] => Array.isArray(n);
const isValue = (n: ViciNode): n is Uint8Array => n instanceof Uint8Array;

/** The element stream of a tree, in the tree's key order. */
export function* messageElements(section: ViciSection): Generator<ViciElement> {
  for (const [name, node] of section) {
    if (isValue(node)) yield { type: 'key-value', name, value: node };
    else if (isList(node)) {
      yield { type: 'list-start', name };
      for (const value of node) yield { type: 'list-item', value };
      yield { type: 'list-end' };
    } else {
      yield { type: 'section-start', name };
      yield* messageElements(node);
      yield { type: 'section-end' };
    }
  }
}

/** Encodes a tree (the root section) as a message. */
export function encodeMessage(section: ViciSection): Uint8Array {
  return encodeElements(messageElements(section));
}

/** Decodes a message into its tree; keys must be unique per section. */
export function decodeMessage(bytes: Uint8Array): Result<ViciSection, ViciDecodeError> {
  const scanned = scan(bytes);
  if (!scanned.ok) return scanned;
  const { elements, offsets } = scanned.value;
  const root = new Map<string, ViciNode>();
  const stack: Map<string, ViciNode>[] = [root];
  let list: Uint8Array[] | undefined;
  for (const [index, e] of elements.entries()) {
    const at = offsets[index]!;
    const top = stack[stack.length - 1]!;
    const claim = (name: string): ViciDecodeError | undefined =>
      top.has(name)
        ? decodeError('DUPLICATE_KEY', at, `key '${name}' appears twice in one section`)
        : undefined;
    switch (e.type) {
      case 'section-start': {
        const dup = claim(e.name);
        if (dup) return err(dup);
        const sub = new Map<string, ViciNode>();
        top.set(e.name, sub);
        stack.push(sub);
        break;
      }
      case 'section-end':
        stack.pop();
        break;
      case 'key-value': {
        const dup = claim(e.name);
        if (dup) return err(dup);
        top.set(e.name, e.value);
        break;
      }
      case 'list-start': {
        const dup = claim(e.name);
        if (dup) return err(dup);
        list = [];
        top.set(e.name, list);
        break;
      }
      case 'list-item':
        list!.push(e.value);
        break;
      case 'list-end':
        list = undefined;
        break;
    }
  }
  return ok(root);
}

// ---- plain values: what charon sends and expects (strings) ----

/** A scalar for viciSection(): strings as UTF-8, numbers in decimal, booleans as yes / no. */
export type ViciScalarInput = string | number | bigint | boolean | Uint8Array;
export interface ViciInput {
  readonly [key: string]: ViciScalarInput | readonly ViciScalarInput[] | ViciInput | undefined;
}

function scalar(v: ViciScalarInput): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return encoder.encode(v ? 'yes' : 'no');
  return encoder.encode(String(v));
}

/** A tree from a plain object (keys in the object's order; undefined values are left out). */
export function viciSection(input: ViciInput): ViciSection {
  const out = new Map<string, ViciNode>();
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) out.set(k, (v as readonly ViciScalarInput[]).map(scalar));
    else if (typeof v === 'object' && !(v instanceof Uint8Array)) out.set(k, viciSection(v as ViciInput));
    else out.set(k, scalar(v as ViciScalarInput));
  }
  return out;
}

/** A tree read as strings (values decoded as UTF-8, invalid sequences replaced). */
export interface ViciPlain {
  [key: string]: string | string[] | ViciPlain;
}

/**
 * The tree as a plain object of strings. Note that a plain object lists integer-like keys
 * ("1", "2") first, whatever their order in the message: iterate the Map for the order sent.
 */
export function viciPlain(section: ViciSection): ViciPlain {
  const out: ViciPlain = {};
  for (const [k, v] of section) {
    if (isValue(v)) out[k] = valueDecoder.decode(v);
    else if (isList(v)) out[k] = v.map((x) => valueDecoder.decode(x));
    else out[k] = viciPlain(v);
  }
  return out;
}

/** The string value of `key` in `section` (undefined if absent or not a key/value). */
export function viciString(section: ViciSection, key: string): string | undefined {
  const v = section.get(key);
  return v !== undefined && isValue(v) ? valueDecoder.decode(v) : undefined;
}

/** The sub-section `key` of `section` (undefined if absent or not a section). */
export function viciSubsection(section: ViciSection, key: string): ViciSection | undefined {
  const v = section.get(key);
  return v !== undefined && !isValue(v) && !isList(v) ? v : undefined;
}
