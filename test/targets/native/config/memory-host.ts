import { err, ok } from '../../../../ipsec/result.js';
import type { FileHost } from '../../../../targets/native/config/include.js';

/** An in-memory file system: paths -> contents. */
export function memoryHost(files: Record<string, string>): FileHost {
  return {
    readFile: (p) => (Object.hasOwn(files, p) ? ok(files[p]!) : err('no such file')),
    listDir: (d) => {
      const prefix = d === '.' ? '' : `${d}/`;
      const names = Object.keys(files)
        .filter((p) => p.startsWith(prefix))
        .map((p) => p.slice(prefix.length).split('/')[0]!);
      return names.length > 0 ? ok([...new Set(names)]) : err('no such directory');
    },
  };
}
