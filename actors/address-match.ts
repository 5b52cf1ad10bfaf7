import { parseIp } from '../ipsec/packet/address.js';

/** swanctl local_addrs / remote_addrs matching: %any, an address, or a CIDR prefix. */
export function addressMatches(patterns: readonly string[], address: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => {
    if (p === '%any' || p === '%any4' || p === '%any6' || p === '0.0.0.0/0' || p === '::/0') return true;
    const [net, bits] = p.split('/');
    if (bits === undefined) return p === address;
    const a = parseIp(address);
    const n = parseIp(net ?? '');
    if (!a || !n || a.length !== n.length) return false;
    let left = Number(bits);
    for (let i = 0; i < a.length && left > 0; i++, left -= 8) {
      const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
      if ((a[i]! & mask) !== (n[i]! & mask)) return false;
    }
    return true;
  });
}
