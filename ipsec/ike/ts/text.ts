/**
 * Traffic selectors <-> strongSwan's swanctl.conf text (local_ts / remote_ts, list-sas output):
 *   '10.99.2.0/24', '10.0.0.1-10.0.0.9', 'fec0::/64', '10.0.0.1' (a host),
 *   optionally followed by '[proto/port]': '10.0.0.0/24[tcp/80]', '[udp/1000-2000]', '[tcp]',
 *   '[any/53]', '[tcp/opaque]', '[icmp/8]'.
 * As in strongSwan (vici parse_ts, traffic_selector.c): protocol by name or number ('any' = 0);
 * port by number, range 'a-b', a few service names, 'any' or 'opaque' (Start 65535, End 0,
 * RFC 7296 §3.13.1). For ICMP/ICMPv6 the port fields hold Type (high octet) and Code (low octet)
 * (§3.13.1): a value below 256 is a Type, meaning all its Codes; larger values are taken as-is.
 * 'dynamic' (the IKE SA's own address) and '%any' are resolved by the caller, not here.
 */

import { formatIp, parseIp } from '../../packet/address.js';
import { err, ok, type Result } from '../../result.js';
import { type TrafficSelector, TsType } from '../model.js';
import { bigintToBytes, bytesToBigint, OPAQUE_END_PORT, OPAQUE_START_PORT } from './range.js';

// The address forms are ipsec/packet/address.ts's; re-exported for this module's callers.
export { formatIp, parseIp, parseIpv4, parseIpv6 } from '../../packet/address.js';

export interface TsParseError {
  readonly code: 'INVALID_ADDRESS' | 'INVALID_PROTOCOL' | 'INVALID_PORT' | 'DYNAMIC';
  readonly text: string;
  readonly message: string;
}

const PROTOCOLS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  sctp: 132,
  udplite: 136,
};
const PROTOCOL_NAMES: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  6: 'tcp',
  17: 'udp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'ipv6-icmp',
  132: 'sctp',
  136: 'udplite',
};
const SERVICES: Record<string, number> = {
  ssh: 22,
  domain: 53,
  http: 80,
  ntp: 123,
  https: 443,
  isakmp: 500,
  'ipsec-nat-t': 4500,
};
const ICMP = new Set([1, 58]);

const fail = (code: TsParseError['code'], text: string, message: string) =>
  err<TsParseError>({ code, text, message });

function parseAddresses(s: string): { tsType: number; start: Uint8Array; end: Uint8Array } | undefined {
  const dash = s.indexOf('-');
  if (dash >= 0) {
    const start = parseIp(s.slice(0, dash).trim());
    const end = parseIp(s.slice(dash + 1).trim());
    if (!start || !end || start.length !== end.length || bytesToBigint(start) > bytesToBigint(end)) return;
    return { tsType: start.length === 4 ? TsType.TS_IPV4_ADDR_RANGE : TsType.TS_IPV6_ADDR_RANGE, start, end };
  }
  const [addr = '', prefix, extra] = s.split('/');
  if (extra !== undefined) return;
  const ip = parseIp(addr.trim());
  if (!ip) return;
  const bits = ip.length * 8;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix.trim())) return;
  const len = prefix === undefined ? bits : Number(prefix.trim());
  if (len > bits) return;
  const hostMask = (1n << BigInt(bits - len)) - 1n;
  const v = bytesToBigint(ip) & ~hostMask; // strongSwan masks host bits: 10.0.0.1/24 -> 10.0.0.0/24
  return {
    tsType: ip.length === 4 ? TsType.TS_IPV4_ADDR_RANGE : TsType.TS_IPV6_ADDR_RANGE,
    start: bigintToBytes(v, ip.length),
    end: bigintToBytes(v | hostMask, ip.length),
  };
}

function parseNumber(s: string, max: number): number | undefined {
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(s)) return;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** Parses one traffic selector string (see the module comment). */
export function tsFromString(text: string): Result<TrafficSelector, TsParseError> {
  const m = /^([^[\]]*)(?:\[([^[\]]*)\])?$/.exec(text.trim());
  if (!m) return fail('INVALID_ADDRESS', text, 'malformed selector');
  const addrText = (m[1] ?? '').trim();
  if (addrText === 'dynamic')
    return fail('DYNAMIC', text, "'dynamic' is the IKE SA address: resolve it first");
  const addrs = parseAddresses(addrText);
  if (!addrs) return fail('INVALID_ADDRESS', text, `invalid address or range '${addrText}'`);
  let ipProtocol = 0;
  let startPort = 0;
  let endPort = 65535;
  if (m[2] !== undefined) {
    const [protoText = '', portText] = m[2].split('/', 2).map((x) => x.trim().toLowerCase());
    if (protoText !== '' && protoText !== 'any' && protoText !== '%any') {
      const p = PROTOCOLS[protoText] ?? parseNumber(protoText, 255);
      if (p === undefined) return fail('INVALID_PROTOCOL', text, `unknown protocol '${protoText}'`);
      ipProtocol = p;
    }
    if (portText === 'opaque')
      [startPort, endPort] = [OPAQUE_START_PORT, OPAQUE_END_PORT]; // §3.13.1
    else if (portText !== undefined && portText !== '' && portText !== 'any' && portText !== '%any') {
      const [a = '', b] = portText.split('-', 2);
      const from = SERVICES[a] ?? parseNumber(a, 65535);
      const to = b === undefined ? from : parseNumber(b, 65535);
      if (from === undefined || to === undefined)
        return fail('INVALID_PORT', text, `invalid port '${portText}'`);
      [startPort, endPort] = [from, to];
      if (ICMP.has(ipProtocol)) {
        // §3.13.1: ICMP Type in the high octet; a Type alone means all of its Codes.
        if (startPort < 256) startPort <<= 8;
        if (endPort < 256) endPort = (endPort << 8) | 0xff;
      }
      if (startPort > endPort) return fail('INVALID_PORT', text, `port range '${portText}' is empty`);
    }
  }
  return ok({
    tsType: addrs.tsType,
    ipProtocol,
    startPort,
    endPort,
    startAddress: addrs.start,
    endAddress: addrs.end,
  });
}

/** Parses a list of selector strings; the first error wins. */
export function tsListFromStrings(texts: readonly string[]): Result<TrafficSelector[], TsParseError> {
  const out: TrafficSelector[] = [];
  for (const t of texts) {
    const r = tsFromString(t);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

/** The prefix length when [start, end] is exactly one CIDR block, else undefined. */
function prefixLength(start: Uint8Array, end: Uint8Array): number | undefined {
  const bits = start.length * 8;
  const s = bytesToBigint(start);
  const size = bytesToBigint(end) - s + 1n;
  if (size <= 0n || (size & (size - 1n)) !== 0n || (s & (size - 1n)) !== 0n) return;
  return bits - (size.toString(2).length - 1);
}

function portText(ts: TrafficSelector): string | undefined {
  const { startPort: s, endPort: e } = ts;
  if (s === 0 && e === 65535) return undefined;
  if (s === OPAQUE_START_PORT && e === OPAQUE_END_PORT) return 'opaque';
  if (ICMP.has(ts.ipProtocol) && (s & 0xff) === 0 && (e & 0xff) === 0xff) {
    const [t0, t1] = [s >> 8, e >> 8];
    return t0 === t1 ? `${t0}` : `${t0}-${t1}`;
  }
  return s === e ? `${s}` : `${s}-${e}`;
}

/**
 * Formats a selector as strongSwan does in list-sas: CIDR when the range is one prefix,
 * else 'start-end'; '[proto/port]' when not any. tsFromString reads it back.
 */
export function tsToString(ts: TrafficSelector): string {
  const prefix = prefixLength(ts.startAddress, ts.endAddress);
  const addr =
    prefix !== undefined && ts.startAddress.length === ts.endAddress.length
      ? `${formatIp(ts.startAddress)}/${prefix}`
      : `${formatIp(ts.startAddress)}-${formatIp(ts.endAddress)}`;
  const port = portText(ts);
  if (ts.ipProtocol === 0 && port === undefined) return addr;
  const proto = ts.ipProtocol === 0 ? 'any' : (PROTOCOL_NAMES[ts.ipProtocol] ?? `${ts.ipProtocol}`);
  return port === undefined ? `${addr}[${proto}]` : `${addr}[${proto}/${port}]`;
}
