/** fast-check arbitraries for 6LoWPAN tests: link addresses, context tables, IPv6 addresses that hit every IPHC mode. */
import fc from 'fast-check';
import {
  type AddressContext,
  addressContext,
  type ContextTable,
  iidOfLinkAddress,
  type LinkAddress,
} from '../../../../transport/radio/sixlowpan/iphc.js';

export const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

export const linkAddress: fc.Arbitrary<LinkAddress> = fc.oneof(fc.integer({ min: 0, max: 0xffff }), bytes(8));

export const context: fc.Arbitrary<AddressContext> = fc
  .tuple(bytes(16), fc.oneof(fc.constant(64), fc.integer({ min: 0, max: 128 })))
  .map(([p, l]) => addressContext(p, l));

export const FD00 = addressContext(Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0), 64);

/** Up to 16 contexts, some missing; often fd00::/64 as context 0. */
export const contextTable: fc.Arbitrary<ContextTable> = fc
  .tuple(fc.boolean(), fc.array(fc.option(context, { nil: undefined }), { maxLength: 16 }))
  .map(([fd00, rest]) => (fd00 ? [FD00, ...rest.slice(1)] : rest));

const withPrefix = (prefix: Uint8Array, length: number, rest: Uint8Array): Uint8Array => {
  const a = rest.slice();
  for (let i = 0; i < 16; i++) {
    const n = Math.max(0, Math.min(8, length - 8 * i));
    const mask = (0xff00 >>> n) & 0xff;
    a[i] = (prefix[i]! & mask) | (a[i]! & ~mask & 0xff);
  }
  return a;
};

const concat = (...parts: ArrayLike<number>[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const SHORT_IID_HEAD = [0, 0, 0, 0xff, 0xfe, 0];
const FE80 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0];

/** An address likely to be compressible some way against `link` and `contexts`. */
export function address(link: LinkAddress, contexts: ContextTable, multicastOk: boolean) {
  const ctxs = contexts.filter((c): c is AddressContext => c !== undefined);
  const options: fc.Arbitrary<Uint8Array>[] = [
    bytes(16),
    fc.constant(new Uint8Array(16)),
    bytes(8).map((iid) => concat(FE80, iid)),
    bytes(2).map((x) => concat(FE80, SHORT_IID_HEAD, x)),
    fc.constant(concat(FE80, iidOfLinkAddress(link))),
  ];
  for (const c of ctxs) {
    options.push(
      bytes(16).map((r) => withPrefix(c.prefix, c.length, concat(r.subarray(0, 8), iidOfLinkAddress(link)))),
      bytes(16).map((r) =>
        withPrefix(c.prefix, c.length, concat(r.subarray(0, 8), SHORT_IID_HEAD, r.subarray(14))),
      ),
      bytes(16).map((r) => withPrefix(c.prefix, c.length, r)),
      bytes(16).map((r) => withPrefix(c.prefix, Math.min(c.length, 64), r)),
    );
    if (multicastOk)
      options.push(
        bytes(6).map((x) =>
          concat(
            [0xff, x[0]!, x[1]!, Math.min(c.length, 64)],
            withPrefix(c.prefix, Math.min(c.length, 64), new Uint8Array(16)).subarray(0, 8),
            x.subarray(2),
          ),
        ),
      );
  }
  if (multicastOk)
    options.push(
      fc.constant(concat([0xff, 0x02], new Uint8Array(13), [1])),
      bytes(6).map((x) => concat([0xff, x[0]!], new Uint8Array(9), x.subarray(1))),
      bytes(4).map((x) => concat([0xff, x[0]!], new Uint8Array(11), x.subarray(1))),
      bytes(1).map((x) => concat([0xff, 0x02], new Uint8Array(13), x)),
      bytes(15).map((x) => concat([0xff], x)),
    );
  return fc.oneof(...options);
}

/** IPv6 header fields with every TF / HLIM form likely. */
export const trafficClass = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 0, max: 255 }),
);
export const flowLabel = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xfffff }));
export const hopLimit = fc.oneof(fc.constantFrom(1, 64, 255), fc.integer({ min: 0, max: 255 }));
export const port = fc.oneof(
  fc.integer({ min: 0xf0b0, max: 0xf0bf }),
  fc.integer({ min: 0xf000, max: 0xf0ff }),
  fc.constantFrom(500, 4500),
  fc.integer({ min: 0, max: 0xffff }),
);
