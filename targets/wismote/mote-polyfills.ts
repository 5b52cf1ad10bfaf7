/**
 * What the mote bundle needs of the platform and QuickJS lacks, as small as it goes, installed
 * when this module loads (mote-entry.ts imports it first: modules of the stack encode strings at
 * load time). Only where the engine has none.
 */
/**
 * The smallest TextEncoder / TextDecoder (UTF-8 only) where the engine has none (QuickJS): the
 * stack encodes identities and names with them (ipsec/util/bytes.ts utf8, ipsec/ike/identity.ts).
 */
export function polyfillText(): void {
  const g = globalThis as { TextEncoder?: unknown; TextDecoder?: unknown };
  if (typeof g.TextEncoder !== 'function')
    g.TextEncoder = class {
      readonly encoding = 'utf-8';
      encode(s = ''): Uint8Array {
        const bin = unescape(encodeURIComponent(s));
        const out = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
        return out;
      }
    };
  if (typeof g.TextDecoder !== 'function')
    g.TextDecoder = class {
      readonly encoding = 'utf-8';
      decode(b?: ArrayBufferView | ArrayBuffer): string {
        if (!b) return '';
        const u =
          b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        let bin = '';
        for (const c of u) bin += String.fromCharCode(c);
        try {
          return decodeURIComponent(escape(bin));
        } catch {
          return bin; // not UTF-8: one character per octet
        }
      }
    };
}

polyfillText();
