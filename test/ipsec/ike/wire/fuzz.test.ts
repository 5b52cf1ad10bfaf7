/**
 * Mutation fuzzing of the decoders: real strongSwan messages, their decrypted inner chains and
 * generated messages are truncated, bit-flipped, extended, spliced and given wrong length
 * fields. Over 100 000 mutants per run (deterministic seed): decodeMessage/decodePayloadChain
 * never throw and return either a value or a WireError whose offset lies within the input; a
 * decoded value re-encodes without throwing and that encoding is a fixed point; checkRules
 * never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkRules,
  decodeMessage,
  decodePayloadChain,
  encodeMessage,
  encodePayloadChain,
  isResponse,
  type WireError,
} from '../../../../ipsec/ike/wire/index.js';
import { fromHex, toHex } from '../../../../ipsec/util/bytes.js';
import { arbMessage } from '../../../support/ike-arbitraries.js';
import { loadStrongswanVectors } from '../../../support/vectors.js';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const randomBytes = (r: Rand, n: number) => Uint8Array.from({ length: n }, () => int(r, 256));

/** A generic payload header along a chain: where it starts and which octet announces its type. */
interface HeaderAt {
  readonly typeAt: number;
  readonly headerAt: number;
}

/** The generic payload headers along a chain whose first type is announced at `typeAt`. */
function headersOf(bytes: Uint8Array, start: number, typeAt: number, firstType: number): HeaderAt[] {
  const out: HeaderAt[] = [];
  let pos = start;
  let type = firstType;
  let at = typeAt;
  while (type !== 0 && pos + 4 <= bytes.length) {
    out.push({ typeAt: at, headerAt: pos });
    if (type === 46 || type === 53) break;
    const len = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (len < 4) break;
    type = bytes[pos]!;
    at = pos;
    pos += len;
  }
  return out;
}

function mutate(
  r: Rand,
  input: Uint8Array,
  headers: readonly HeaderAt[],
  lengths: readonly number[],
): Uint8Array {
  let b = input.slice();
  const rounds = 1 + int(r, 3);
  for (let k = 0; k < rounds; k++) {
    switch (int(r, 9)) {
      case 0: // truncation
        b = b.slice(0, int(r, b.length + 1));
        break;
      case 1: // bit flips
        for (let i = 1 + int(r, 8); i > 0 && b.length > 0; i--) b[int(r, b.length)]! ^= 1 << int(r, 8);
        break;
      case 2: {
        // a generic payload length field: off by a little, zero, maximal or random
        const at = lengths.length > 0 && r() < 0.8 ? lengths[int(r, lengths.length)]! : int(r, b.length);
        if (at + 1 >= b.length) break;
        const old = (b[at]! << 8) | b[at + 1]!;
        const choices = [old + 1 + int(r, 8), old - 1 - int(r, 8), 0, 3, 4, 0xffff, int(r, 0x10000)];
        const v = choices[int(r, choices.length)]! & 0xffff;
        b[at] = v >> 8;
        b[at + 1] = v & 0xff;
        break;
      }
      case 3: {
        // any 16-bit field (substructure lengths, counts, SPI sizes...)
        if (b.length < 2) break;
        const at = int(r, b.length - 1);
        const v = r() < 0.5 ? int(r, 0x10000) : int(r, 64);
        b[at] = v >> 8;
        b[at + 1] = v & 0xff;
        break;
      }
      case 4: {
        // extension
        const tail = randomBytes(r, 1 + int(r, 64));
        const n = new Uint8Array(b.length + tail.length);
        n.set(b);
        n.set(tail, b.length);
        b = n;
        break;
      }
      case 5: {
        // insertion in the middle
        const at = int(r, b.length + 1);
        const ins = randomBytes(r, 1 + int(r, 16));
        const n = new Uint8Array(b.length + ins.length);
        n.set(b.subarray(0, at));
        n.set(ins, at);
        n.set(b.subarray(at), at + ins.length);
        b = n;
        break;
      }
      case 6: {
        // deletion of a range
        const at = int(r, b.length + 1);
        const end = Math.min(b.length, at + int(r, 16));
        const n = new Uint8Array(b.length - (end - at));
        n.set(b.subarray(0, at));
        n.set(b.subarray(end), at);
        b = n;
        break;
      }
      case 7: {
        // a payload becomes an unknown type, critical or not (§2.5)
        const h = headers[int(r, headers.length)];
        if (!h || h.headerAt + 1 >= b.length || h.typeAt >= b.length) break;
        b[h.typeAt] = 60 + int(r, 190);
        if (r() < 0.5) b[h.headerAt + 1]! |= 0x80;
        break;
      }
      default: {
        // interesting octets, e.g. into Next Payload fields
        const vals = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 33, 41, 46, 53, 99];
        for (let i = 1 + int(r, 3); i > 0 && b.length > 0; i--)
          b[int(r, b.length)] = vals[int(r, vals.length)]!;
      }
    }
  }
  return b;
}

/** Sets the IKE header Length to the mutant's real size, so decoding goes past the header. */
function fixHeaderLength(b: Uint8Array): void {
  if (b.length < 28) return;
  new DataView(b.buffer, b.byteOffset).setUint32(24, b.length);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const CODES = new Set([
  'TRUNCATED',
  'BAD_LENGTH',
  'BAD_VALUE',
  'UNSUPPORTED_CRITICAL_PAYLOAD',
  'INVALID_MAJOR_VERSION',
]);

function checkError(e: WireError, input: Uint8Array, base = 0): void {
  if (!CODES.has(e.code) || ![1, 5, 7].includes(e.notify)) throw new Error(`bad error ${JSON.stringify(e)}`);
  if (!Number.isInteger(e.offset) || e.offset < base || e.offset > base + input.length)
    throw new Error(`offset ${e.offset} outside [${base}, ${base + input.length}] for ${toHex(input)}`);
}

const cases = loadStrongswanVectors();
const vectorMessages = cases.flatMap((c) =>
  c.packets.filter((p) => p.kind === 'ike').map((p) => fromHex(p.hex)),
);
const innerChains = cases.flatMap((c) =>
  c.packets
    .filter((p) => p.kind === 'ike' && p.sk)
    .map((p) => ({ first: p.sk.inner_first_payload as number, bytes: fromHex(p.sk.plaintext_hex) })),
);
const generated = fc.sample(arbMessage, { numRuns: 100, seed: 7 }).map((m) => encodeMessage(m));

describe('mutation fuzzing', () => {
  it('decoders are total on more than 100 000 mutants', () => {
    const r = prng(0x1ce2);
    const seen = new Map<string, number>();
    const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    let total = 0;

    const messageSeeds = [...vectorMessages, ...generated];
    for (const [i, seed] of messageSeeds.entries()) {
      const headers = headersOf(seed, 28, 16, seed[16]!);
      const lengths = [24, ...headers.map((h) => h.headerAt + 2)];
      const rounds = i < vectorMessages.length ? 500 : 300;
      for (let k = 0; k < rounds; k++, total++) {
        const m = mutate(r, seed, headers, lengths);
        if (r() < 0.6) fixHeaderLength(m);
        const res = decodeMessage(m);
        if (!res.ok) {
          checkError(res.error, m);
          note(res.error.code);
          continue;
        }
        note('ok');
        const { header, payloads } = res.value;
        checkRules(header.exchangeType, isResponse(header), payloads, []);
        const again = encodeMessage({ header, payloads });
        const re = decodeMessage(again);
        if (!re.ok)
          throw new Error(`re-encoding of ${toHex(m)} does not decode: ${JSON.stringify(re.error)}`);
        if (!sameBytes(encodeMessage(re.value), again))
          throw new Error(`re-encoding of ${toHex(m)} is not stable`);
      }
    }

    for (const { first, bytes } of innerChains) {
      const headers = headersOf(bytes, 0, -1, first).filter((h) => h.typeAt >= 0);
      const lengths = headers.map((h) => h.headerAt + 2);
      for (let k = 0; k < 300; k++, total++) {
        const m = mutate(r, bytes, headers, lengths);
        const type = r() < 0.1 ? int(r, 256) : first;
        const res = decodePayloadChain(type, m, 1000);
        if (!res.ok) {
          checkError(res.error, m, 1000);
          note(`inner ${res.error.code}`);
          continue;
        }
        note('inner ok');
        checkRules(37, false, [], res.value);
        const again = encodePayloadChain(res.value);
        const re = decodePayloadChain(type, again);
        if (!re.ok)
          throw new Error(`re-encoding of ${toHex(m)} does not decode: ${JSON.stringify(re.error)}`);
        if (!sameBytes(encodePayloadChain(re.value), again))
          throw new Error(`re-encoding of ${toHex(m)} is not stable`);
      }
    }

    expect(total).toBeGreaterThanOrEqual(100_000);
    // The mutants reach every kind of outcome, not just the header checks.
    for (const k of [
      'ok',
      'TRUNCATED',
      'BAD_LENGTH',
      'BAD_VALUE',
      'UNSUPPORTED_CRITICAL_PAYLOAD',
      'INVALID_MAJOR_VERSION',
    ])
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(100);
    for (const k of [
      'inner ok',
      'inner TRUNCATED',
      'inner BAD_LENGTH',
      'inner BAD_VALUE',
      'inner UNSUPPORTED_CRITICAL_PAYLOAD',
    ])
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(100);
  });
});
