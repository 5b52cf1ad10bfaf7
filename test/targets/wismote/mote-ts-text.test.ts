/**
 * targets/wismote/mote-ts-text.ts, the firmware's traffic selector text, against
 * ipsec/ike/ts/text.ts: the same selector for what a mote resolves ('dynamic' as one host
 * address), the parser's error code for the rest, and one text per selector for the reqid key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveTs } from '../../../ipsec/ike/exchange/child.js';
import type { TrafficSelector } from '../../../ipsec/ike/model.js';
import * as full from '../../../ipsec/ike/ts/text.js';
import { formatIp } from '../../../ipsec/packet/address.js';
import * as mote from '../../../targets/wismote/mote-ts-text.js';

const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe("the firmware's traffic selector text", () => {
  it('reads a host address, bare or as a full prefix, as the full parser does', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.boolean(), (bytes, withPrefix) => {
        const text = withPrefix ? `${formatIp(bytes)}/${bytes.length * 8}` : formatIp(bytes);
        expect(mote.tsFromString(text)).toEqual(full.tsFromString(text));
      }),
    );
  });

  it("reads what the stack resolves a mote's 'dynamic' to", () => {
    for (const address of ['fd00::ff:fe00:1', '10.0.0.7']) {
      const resolved = resolveTs(['dynamic'], { address, port: 500 });
      const r = mote.tsFromString(`${address}/${address.includes(':') ? 128 : 32}`);
      expect(resolved.ok && r.ok).toBe(true);
      if (resolved.ok && r.ok) expect([r.value]).toEqual(resolved.value);
    }
  });

  it("refuses the rest of swanctl's syntax with the parser's code and says why", () => {
    for (const text of [
      'fd00::/64',
      '10.0.0.0/24',
      '10.0.0.1-10.0.0.9',
      '10.0.0.1[tcp/80]',
      'fd00::1/128/1',
      '10.0.0.1/',
      'dynamic',
      'not an address',
    ]) {
      const r = mote.tsFromString(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_ADDRESS');
        expect(r.error.text).toBe(text);
        expect(r.error.message).toMatch(/only 'dynamic' selectors/);
      }
    }
  });

  it('writes one text per selector (the reqid key): equal texts, equal selectors', () => {
    const port = fc.integer({ min: 0, max: 65535 });
    const selector = fc.oneof(v4, v6).chain((start) =>
      fc.record({
        tsType: fc.constant(start.length === 4 ? 7 : 8),
        ipProtocol: fc.integer({ min: 0, max: 255 }),
        startPort: port,
        endPort: port,
        startAddress: fc.constant(start),
        endAddress: fc.uint8Array({ minLength: start.length, maxLength: start.length }),
      }),
    );
    fc.assert(
      fc.property(selector, selector, (a: TrafficSelector, b: TrafficSelector) => {
        const same = JSON.stringify({ ...a }) === JSON.stringify({ ...b });
        expect(mote.tsToString(a) === mote.tsToString(b)).toBe(same);
        expect(mote.tsToString(a)).toBe(mote.tsToString({ ...a, startAddress: a.startAddress.slice() }));
      }),
    );
  });
});
