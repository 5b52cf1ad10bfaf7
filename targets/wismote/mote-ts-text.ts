/**
 * The firmware's stand-in for ipsec/ike/ts/text.ts (scripts/build-mote.mjs links it instead):
 * a mote's selectors are 'dynamic' (profile.ts sets no other), which exchange/child.ts resolves
 * to the IKE SA's own address as 'ADDRESS/128' (or '/32'). So the firmware reads one host
 * address and refuses the rest of swanctl's syntax (prefixes, ranges, '[proto/port]') with the
 * parser's own error code: the child is not negotiated, and the error says why. Its tsToString
 * writes every field of the selector ('start-end[proto/start-end]'), one text per selector: the
 * supervisor's reqid key is its only reader on a mote.
 */

import { type TrafficSelector, TsType } from '../../ipsec/ike/model.js';
import type { TsParseError } from '../../ipsec/ike/ts/text.js';
import { formatIp, parseIp } from '../../ipsec/packet/address.js';
import { err, ok, type Result } from '../../ipsec/result.js';

export type { TsParseError } from '../../ipsec/ike/ts/text.js';

export function tsFromString(text: string): Result<TrafficSelector, TsParseError> {
  const [address = '', prefix, extra] = text.trim().split('/');
  const ip = parseIp(address);
  if (!ip || extra !== undefined || (prefix !== undefined && prefix !== `${ip.length * 8}`))
    return err({
      code: 'INVALID_ADDRESS',
      text,
      message: `'${text}': this firmware reads only 'dynamic' selectors (one host address)`,
    });
  return ok({
    tsType: ip.length === 4 ? TsType.TS_IPV4_ADDR_RANGE : TsType.TS_IPV6_ADDR_RANGE,
    ipProtocol: 0,
    startPort: 0,
    endPort: 65535,
    startAddress: ip,
    endAddress: ip.slice(),
  });
}

export const tsToString = (ts: TrafficSelector): string =>
  `${formatIp(ts.startAddress)}-${formatIp(ts.endAddress)}[${ts.ipProtocol}/${ts.startPort}-${ts.endPort}]`;
