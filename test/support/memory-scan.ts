/**
 * Test-only: is a secret still anywhere in this process's memory? Reads /proc/self/mem over the
 * readable anonymous mappings of /proc/self/maps (the V8 heap, the malloc heap where ArrayBuffer
 * backing stores and OpenSSL contexts live, thread stacks) — Linux only.
 *
 * Heap snapshots are no use for this: they do not contain ArrayBuffer contents, and freed memory
 * that still holds a key is exactly what must be found.
 *
 * The secrets are held masked (every octet XOR MASK) and each chunk read is unmasked in place
 * before searching, so neither the reference copies nor the read buffer are found themselves.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MASK = 0x5a;

/** A secret held masked: the raw octets never exist in a buffer of ours. */
export interface MaskedSecret {
  readonly name: string;
  readonly masked: Buffer;
}

/** Masks `bytes` octet by octet (no raw copy is made). */
export function maskSecret(name: string, bytes: Uint8Array): MaskedSecret {
  const masked = Buffer.allocUnsafeSlow(bytes.length);
  for (let i = 0; i < bytes.length; i++) masked[i] = bytes[i]! ^ MASK;
  return { name, masked };
}

export const canScanMemory = (): boolean => process.platform === 'linux' && existsSync('/proc/self/mem');

type Gc = (o?: { type: 'major' | 'minor' }) => void;
let gcFn: Gc | undefined;
/** The --expose-gc function, obtained at run time. */
function gc(): Gc {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as Gc;
  }
  return gcFn;
}

/** Full garbage collections. */
export function fullGc(): void {
  for (let i = 0; i < 4; i++) gc()();
}

/** Young-generation collections only (scavenges): they copy live young objects and leave the old copies in the freed semispace. */
export function minorGc(times = 2): void {
  for (let i = 0; i < times; i++) gc()({ type: 'minor' });
}

interface Region {
  readonly start: number;
  readonly end: number;
  readonly what: string;
}

function regions(): Region[] {
  const out: Region[] = [];
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, s, e, perms, path] = m;
    if (!perms!.startsWith('r')) continue;
    // Anonymous memory, the malloc heap and stacks; not files, not the kernel's pages.
    if (path && !['[heap]', '[stack]'].includes(path) && !path.startsWith('[anon')) continue;
    out.push({ start: Number.parseInt(s!, 16), end: Number.parseInt(e!, 16), what: path || 'anon' });
  }
  return out;
}

/** Where each secret was found: its name and the mappings holding it (empty when gone). */
export function scanMemory(secrets: readonly MaskedSecret[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const fd = openSync('/proc/self/mem', 'r');
  const longest = Math.max(...secrets.map((s) => s.masked.length));
  const CHUNK = 8 << 20;
  const buf = Buffer.allocUnsafeSlow(CHUNK + longest);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
  const mask32 = MASK * 0x01010101;
  try {
    for (const r of regions()) {
      // Chunks overlap by `longest` octets so that a secret across a boundary is found.
      for (let at = r.start; at < r.end; at += CHUNK) {
        const want = Math.min(CHUNK + longest, r.end - at);
        let n: number;
        try {
          n = readSync(fd, buf, 0, want, at);
        } catch {
          break; // an unreadable page (guard pages): the rest of the region is skipped
        }
        const wordCount = Math.ceil(n / 4);
        for (let i = 0; i < wordCount; i++) words[i] = (words[i]! ^ mask32) >>> 0;
        const view = buf.subarray(0, n);
        for (const s of secrets)
          if (view.indexOf(s.masked) >= 0) {
            const where = found.get(s.name) ?? [];
            where.push(`${r.what}@${at.toString(16)}`);
            found.set(s.name, where);
          }
        buf.fill(0);
      }
    }
  } finally {
    closeSync(fd);
  }
  return found;
}
