/**
 * PEM (RFC 7468): `-----BEGIN label-----` base64 `-----END label-----` blocks. Portable base64 (no
 * Buffer/atob dependency). RFC 1421 style headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ...")
 * are skipped; an encrypted block is flagged so a caller can say why it cannot load it.
 */

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
  /** True when the block carries 'Proc-Type: 4,ENCRYPTED' (RFC 1421 §4.6.1.1). */
  readonly encrypted?: boolean;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Standard base64 (RFC 4648 §4) without whitespace; undefined when malformed. */
export function base64Decode(text: string): Uint8Array | undefined {
  const s = text.replace(/=+$/, '');
  if (text.length % 4 !== 0 && text.length !== s.length) return undefined;
  if (s.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of s) {
    const v = B64_INDEX.get(c);
    if (v === undefined) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function base64Encode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=';
    s += i + 2 < bytes.length ? B64[n & 63]! : '=';
  }
  return s;
}

const BLOCK = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every well-formed PEM block of `text`, in order; malformed blocks are skipped. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1]!;
    const lines = m[2]!.split(/\r?\n/);
    let encrypted = false;
    // RFC 1421 §4.4 headers: "Name: value" lines before an empty line.
    if (lines.some((l) => /^[A-Za-z-]+:/.test(l))) {
      while (lines.length > 0 && lines[0]!.trim() !== '') {
        const header = lines.shift()!;
        if (/^Proc-Type:\s*4\s*,\s*ENCRYPTED/i.test(header)) encrypted = true;
      }
    }
    const der = base64Decode(lines.join('').replace(/\s+/g, ''));
    if (!der) continue;
    out.push(encrypted ? { label, der, encrypted } : { label, der });
  }
  return out;
}

/** RFC 7468 §2: base64 in lines of 64 characters. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${label}-----\n`;
}

/** Whether a file's contents look like PEM rather than DER (a '-----BEGIN ' after optional text). */
export function looksLikePem(bytes: Uint8Array): boolean {
  if (bytes.length === 0 || bytes[0] === 0x30) return false;
  const head = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 4096)));
  return head.includes('-----BEGIN ');
}
