/**
 * Traffic selectors (RFC 7296 §3.13.1) as the SPD and SAD match them against packets
 * (RFC 4301 §4.4.1.1): an address range, an IP protocol (0 = any) and a port range.
 *
 * Port semantics (RFC 7296 §3.13.1, RFC 4301 §4.4.1.1):
 * - 0..65535 is ANY: it matches every packet, also those without ports (non-initial
 *   fragments, protocols without ports);
 * - 65535..0 (start > end) is OPAQUE: it matches only packets whose ports are unavailable;
 * - for ICMP/ICMPv6 the "port" is Type (high byte) | Code (low byte), for the Mobility
 *   Header MH Type (high byte). These are single per-packet selectors, so both the local
 *   and the remote selector's port range are matched against the same value.
 *
 * Matching reads the Flow (ipsec/packet/flow.ts) in place and allocates nothing.
 */
import { type TrafficSelector, TsType } from '../ike/model.js';
import { tsFromString } from '../ike/ts/text.js';
import type { Flow } from '../packet/flow.js';

export const PORT_ANY_START = 0;
export const PORT_ANY_END = 65535;
/** RFC 7296 §3.13.1: OPAQUE ports are Start Port 65535, End Port 0. */
export const PORT_OPAQUE_START = 65535;
export const PORT_OPAQUE_END = 0;
/** A packet without usable ports (non-initial fragment, portless protocol). */
export const NO_PORT = -1;

/** Lexicographic = numeric order of equal-length big-endian addresses. */
export function compareAddress(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** start <= addr <= end, for an address of the selector's family. */
export function addressInRange(addr: Uint8Array, start: Uint8Array, end: Uint8Array): boolean {
  if (addr.length !== start.length) return false;
  return compareAddress(start, addr) <= 0 && compareAddress(addr, end) <= 0;
}

export const familyLength = (tsType: number): number => (tsType === TsType.TS_IPV6_ADDR_RANGE ? 16 : 4);

/** True for a selector with a consistent family, address lengths and range. */
export function isValidSelector(ts: TrafficSelector): boolean {
  if (ts.tsType !== TsType.TS_IPV4_ADDR_RANGE && ts.tsType !== TsType.TS_IPV6_ADDR_RANGE) return false;
  const len = familyLength(ts.tsType);
  if (ts.startAddress.length !== len || ts.endAddress.length !== len) return false;
  if (compareAddress(ts.startAddress, ts.endAddress) > 0) return false;
  const opaque = ts.startPort === PORT_OPAQUE_START && ts.endPort === PORT_OPAQUE_END;
  return (
    Number.isInteger(ts.ipProtocol) &&
    ts.ipProtocol >= 0 &&
    ts.ipProtocol <= 255 &&
    Number.isInteger(ts.startPort) &&
    Number.isInteger(ts.endPort) &&
    ts.startPort >= 0 &&
    ts.endPort <= 65535 &&
    (opaque || ts.startPort <= ts.endPort)
  );
}

/** The single "port" value of an ICMP / MH flow (RFC 4301 §4.4.1.1), or NO_PORT. */
function typeCodePort(flow: Flow): number {
  if (flow.icmpType === undefined) return NO_PORT;
  return (flow.icmpType << 8) | (flow.icmpCode ?? 0);
}

/** The source-side selector port of a flow: a TCP/UDP/SCTP port, ICMP type|code, or NO_PORT. */
export function flowSrcPort(flow: Flow): number {
  if (flow.nonInitialFragment) return NO_PORT;
  if (flow.srcPort !== undefined) return flow.srcPort;
  return typeCodePort(flow);
}

export function flowDstPort(flow: Flow): number {
  if (flow.nonInitialFragment) return NO_PORT;
  if (flow.dstPort !== undefined) return flow.dstPort;
  return typeCodePort(flow);
}

/** Port match (see the header): ANY matches all, OPAQUE matches only NO_PORT, a range needs a port in it. */
export function portMatches(ts: TrafficSelector, port: number): boolean {
  if (ts.startPort === PORT_ANY_START && ts.endPort === PORT_ANY_END) return true;
  if (ts.startPort > ts.endPort) return port === NO_PORT; // OPAQUE
  return port !== NO_PORT && port >= ts.startPort && port <= ts.endPort;
}

/** Does one endpoint of a packet (address, protocol, port) fall in the selector? */
export function selectorMatches(
  ts: TrafficSelector,
  addr: Uint8Array,
  protocol: number,
  port: number,
): boolean {
  if (ts.ipProtocol !== 0 && ts.ipProtocol !== protocol) return false;
  if (!addressInRange(addr, ts.startAddress, ts.endAddress)) return false;
  return portMatches(ts, port);
}

/** Any selector of the list matches (a list is a union, RFC 7296 §2.9). */
export function anySelectorMatches(
  list: readonly TrafficSelector[],
  addr: Uint8Array,
  protocol: number,
  port: number,
): boolean {
  for (let i = 0; i < list.length; i++) if (selectorMatches(list[i]!, addr, protocol, port)) return true;
  return false;
}

/**
 * The packet matches the local/remote selector pair as seen from our side: outbound packets
 * go local (src) -> remote (dst), inbound packets remote (src) -> local (dst).
 */
export function flowMatches(
  flow: Flow,
  outbound: boolean,
  localTs: readonly TrafficSelector[],
  remoteTs: readonly TrafficSelector[],
): boolean {
  const srcPort = flowSrcPort(flow);
  const dstPort = flowDstPort(flow);
  if (outbound)
    return (
      anySelectorMatches(localTs, flow.src, flow.protocol, srcPort) &&
      anySelectorMatches(remoteTs, flow.dst, flow.protocol, dstPort)
    );
  return (
    anySelectorMatches(localTs, flow.dst, flow.protocol, dstPort) &&
    anySelectorMatches(remoteTs, flow.src, flow.protocol, srcPort)
  );
}

function portRange(port: number): { startPort: number; endPort: number } {
  return port === NO_PORT
    ? { startPort: PORT_ANY_START, endPort: PORT_ANY_END }
    : { startPort: port, endPort: port };
}

function hostSelector(addr: Uint8Array, protocol: number, port: number): TrafficSelector {
  return {
    tsType: addr.length === 16 ? TsType.TS_IPV6_ADDR_RANGE : TsType.TS_IPV4_ADDR_RANGE,
    ipProtocol: protocol,
    ...portRange(port),
    startAddress: addr.slice(),
    endAddress: addr.slice(),
  };
}

/**
 * The selectors of one packet, for an acquire: RFC 7296 §2.9 "the first traffic selector of
 * TSi and TSr ... describe the packet that caused the request" (single addresses, the
 * protocol, single ports). For a portless packet the port range is ANY.
 */
export function packetSelectors(flow: Flow): { local: TrafficSelector; remote: TrafficSelector } {
  return {
    local: hostSelector(flow.src, flow.protocol, flowSrcPort(flow)),
    remote: hostSelector(flow.dst, flow.protocol, flowDstPort(flow)),
  };
}

export interface SelectorOptions {
  /** IP protocol number, 0 = any (default). */
  readonly protocol?: number;
  /** Inclusive port range (default ANY); a single number for one port. */
  readonly ports?: number | readonly [number, number];
}

function withOptions(
  tsType: number,
  start: Uint8Array,
  end: Uint8Array,
  o: SelectorOptions,
): TrafficSelector {
  const ports = o.ports ?? [PORT_ANY_START, PORT_ANY_END];
  const [startPort, endPort] = typeof ports === 'number' ? [ports, ports] : ports;
  return { tsType, ipProtocol: o.protocol ?? 0, startPort, endPort, startAddress: start, endAddress: end };
}

/**
 * A selector from text: `10.1.0.0/16`, `2001:db8::/32`, a single address, or a range
 * `10.0.0.1-10.0.0.9` (swanctl syntax without the `[proto/port]` suffix). Undefined if malformed.
 */
export function selectorFromString(text: string, options: SelectorOptions = {}): TrafficSelector | undefined {
  if (text.includes('[')) return undefined;
  const r = tsFromString(text); // the address part of swanctl's syntax, one parser for both
  return r.ok ? withOptions(r.value.tsType, r.value.startAddress, r.value.endAddress, options) : undefined;
}

/** Like selectorFromString, throwing on malformed text (for trusted literals: tests, config defaults). */
export function mustSelector(text: string, options: SelectorOptions = {}): TrafficSelector {
  const ts = selectorFromString(text, options);
  if (!ts) throw new TypeError(`invalid traffic selector: ${text}`);
  return ts;
}

/** The ICMP/ICMPv6 "port" of a type and code (RFC 4301 §4.4.1.1), for SelectorOptions.ports. */
export const icmpPort = (type: number, code = 0): number => (type << 8) | code;
