/**
 * Traffic selectors as boxes: address range x IP protocol range x port range, so that
 * intersection, subset and "covered by a union" are per-dimension interval operations.
 *
 * Encoding (RFC 7296 §3.13.1):
 * - addresses are unsigned integers (bigint: IPv6 is 128 bits), ranges inclusive;
 * - IP Protocol ID 0 means any protocol: the interval [0, 255]; otherwise [p, p];
 * - ports: Start Port 0 and End Port 65535 mean any port, and "any" includes OPAQUE
 *   (RFC 4301 §4.4.1: ANY includes OPAQUE); OPAQUE is Start 65535, End 0. We map OPAQUE to -1,
 *   so any = [-1, 65535], OPAQUE = [-1, -1] and a real range [s, e] keeps its values.
 *   For ICMP and ICMPv6 the port fields carry Type (high octet) and Code (low octet) and are
 *   compared as 16-bit numbers like ports (§3.13.1).
 */
import { type TrafficSelector, TsType } from '../model.js';

/** OPAQUE ports on the wire (§3.13.1). */
export const OPAQUE_START_PORT = 65535;
export const OPAQUE_END_PORT = 0;
const OPAQUE = -1;
const MAX_PORT = 65535;
const MAX_PROTOCOL = 255;

export interface TsBox {
  readonly tsType: number;
  readonly addr: readonly [bigint, bigint];
  readonly proto: readonly [number, number];
  readonly port: readonly [number, number];
}

const ADDRESS_LENGTH: Record<number, number> = {
  [TsType.TS_IPV4_ADDR_RANGE]: 4,
  [TsType.TS_IPV6_ADDR_RANGE]: 16,
};

export function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function bigintToBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = v;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/**
 * The box of a selector, or undefined when it cannot be honoured: an unknown TS Type, an address
 * of the wrong length, start above end, or a port range that is neither a range nor OPAQUE.
 */
export function toBox(ts: TrafficSelector): TsBox | undefined {
  const length = ADDRESS_LENGTH[ts.tsType];
  if (length === undefined || ts.startAddress.length !== length || ts.endAddress.length !== length) return;
  const a0 = bytesToBigint(ts.startAddress);
  const a1 = bytesToBigint(ts.endAddress);
  if (a0 > a1) return;
  if (!Number.isInteger(ts.ipProtocol) || ts.ipProtocol < 0 || ts.ipProtocol > MAX_PROTOCOL) return;
  const proto: [number, number] = ts.ipProtocol === 0 ? [0, MAX_PROTOCOL] : [ts.ipProtocol, ts.ipProtocol];
  const { startPort: s, endPort: e } = ts;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > MAX_PORT) return;
  let port: [number, number];
  if (s === OPAQUE_START_PORT && e === OPAQUE_END_PORT) port = [OPAQUE, OPAQUE];
  else if (s > e) return;
  else port = s === 0 && e === MAX_PORT ? [OPAQUE, MAX_PORT] : [s, e];
  return { tsType: ts.tsType, addr: [a0, a1], proto, port };
}

/** The selector of a box built by this module's operations (from valid selectors). */
export function fromBox(b: TsBox): TrafficSelector {
  const length = ADDRESS_LENGTH[b.tsType] ?? 16;
  const [p0, p1] = b.port;
  const [startPort, endPort] =
    p0 === OPAQUE && p1 === OPAQUE
      ? [OPAQUE_START_PORT, OPAQUE_END_PORT]
      : p0 === OPAQUE
        ? [0, p1] // [-1, 65535] is any; [-1, e] only arises inside union arithmetic
        : [p0, p1];
  return {
    tsType: b.tsType,
    ipProtocol: b.proto[0] === 0 && b.proto[1] === MAX_PROTOCOL ? 0 : b.proto[0],
    startPort,
    endPort,
    startAddress: bigintToBytes(b.addr[0], length),
    endAddress: bigintToBytes(b.addr[1], length),
  };
}

type Interval<T extends number | bigint> = readonly [T, T];

function overlap<T extends number | bigint>(a: Interval<T>, b: Interval<T>): [T, T] | undefined {
  // biome-ignore lint/complexity/useMathMinMax: bigint intervals (Math.max/min take numbers only)
  const lo = a[0] > b[0] ? a[0] : b[0];
  // biome-ignore lint/complexity/useMathMinMax: bigint intervals
  const hi = a[1] < b[1] ? a[1] : b[1];
  return lo <= hi ? [lo, hi] : undefined;
}

const within = <T extends number | bigint>(a: Interval<T>, b: Interval<T>) => a[0] >= b[0] && a[1] <= b[1];

/** The intersection of two boxes, or undefined when empty (different TS Types never meet). */
export function intersectBox(a: TsBox, b: TsBox): TsBox | undefined {
  if (a.tsType !== b.tsType) return;
  const addr = overlap(a.addr, b.addr);
  const proto = overlap(a.proto, b.proto);
  const port = overlap(a.port, b.port);
  if (!addr || !proto || !port) return;
  return { tsType: a.tsType, addr, proto, port };
}

export function boxWithin(a: TsBox, b: TsBox): boolean {
  return (
    a.tsType === b.tsType && within(a.addr, b.addr) && within(a.proto, b.proto) && within(a.port, b.port)
  );
}

/** a minus b as disjoint boxes (at most two per dimension). */
function subtract(a: TsBox, b: TsBox): TsBox[] {
  const i = intersectBox(a, b);
  if (!i) return [a];
  const out: TsBox[] = [];
  let rest: TsBox = a;
  // Peel off the parts of `rest` outside `i` one dimension at a time.
  if (rest.addr[0] < i.addr[0]) out.push({ ...rest, addr: [rest.addr[0], i.addr[0] - 1n] });
  if (rest.addr[1] > i.addr[1]) out.push({ ...rest, addr: [i.addr[1] + 1n, rest.addr[1]] });
  rest = { ...rest, addr: i.addr };
  if (rest.proto[0] < i.proto[0]) out.push({ ...rest, proto: [rest.proto[0], i.proto[0] - 1] });
  if (rest.proto[1] > i.proto[1]) out.push({ ...rest, proto: [i.proto[1] + 1, rest.proto[1]] });
  rest = { ...rest, proto: i.proto };
  if (rest.port[0] < i.port[0]) out.push({ ...rest, port: [rest.port[0], i.port[0] - 1] });
  if (rest.port[1] > i.port[1]) out.push({ ...rest, port: [i.port[1] + 1, rest.port[1]] });
  return out;
}

/** Whether box `a` lies inside the union of `list` (exact, by box subtraction). */
export function boxCoveredBy(a: TsBox, list: readonly TsBox[]): boolean {
  let pieces: TsBox[] = [a];
  for (const b of list) {
    pieces = pieces.flatMap((p) => subtract(p, b));
    if (pieces.length === 0) return true;
  }
  return pieces.length === 0;
}

/** A single packet (or flow) for coverage tests: port OPAQUE when the ports are not available. */
export interface TsPoint {
  readonly tsType: number;
  readonly address: bigint;
  readonly ipProtocol: number;
  readonly port: number | 'opaque';
}

export function boxContainsPoint(b: TsBox, p: TsPoint): boolean {
  const port = p.port === 'opaque' ? OPAQUE : p.port;
  return (
    b.tsType === p.tsType &&
    p.address >= b.addr[0] &&
    p.address <= b.addr[1] &&
    p.ipProtocol >= b.proto[0] &&
    p.ipProtocol <= b.proto[1] &&
    port >= b.port[0] &&
    port <= b.port[1]
  );
}

/** Whether a selector holds exactly one address (the §2.9 "packet" form). */
export const isSingleAddress = (b: TsBox): boolean => b.addr[0] === b.addr[1];
