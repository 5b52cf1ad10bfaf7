/**
 * YAML and JSON text -> configuration tree. Both are read with the `yaml` package and its
 * failsafe schema, so every scalar stays text exactly as written (`0x1f` or `010` are not
 * turned into numbers; `yes` is the string yes), the same as a swanctl.conf value. JSON is
 * first checked with JSON.parse, so that only valid JSON is accepted as .json; YAML's node
 * ranges then give line numbers for both. Duplicate keys are errors with their key path.
 * The `yaml` package (about 70 CommonJS modules) is required on the first YAML or JSON file, not
 * at import: a daemon reading swanctl.conf never loads it (start RSS, issue 14).
 */
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import type { LineCounter, Node } from 'yaml';
import { type ConfigError, type ConfigLocation, configError, joinPath } from './errors.js';
import { emptySection, type TreeNode, type TreeSection } from './tree.js';

let Y: typeof YamlModule;
const loadYaml = (): typeof YamlModule => (Y ??= createRequire(import.meta.url)('yaml') as typeof YamlModule);

/** Bound on nesting and alias expansion (YAML aliases can repeat a subtree many times). */
const MAX_DEPTH = 32;
const MAX_NODES = 100_000;

export interface YamlParse {
  readonly tree: TreeSection;
  readonly errors: readonly ConfigError[];
}

interface Walk {
  readonly file: string;
  readonly lines: LineCounter;
  readonly errors: ConfigError[];
  readonly resolveAlias: (n: Node) => Node | undefined;
  nodes: number;
}

const locOf = (w: Walk, n: { range?: unknown } | null | undefined): ConfigLocation => {
  const range = n?.range;
  return Array.isArray(range) && typeof range[0] === 'number'
    ? { file: w.file, line: w.lines.linePos(range[0]).line }
    : { file: w.file };
};

function deref(w: Walk, n: unknown): unknown {
  return Y.isAlias(n) ? w.resolveAlias(n) : n;
}

function scalarText(n: unknown): string | undefined {
  if (n === null || n === undefined) return '';
  if (Y.isScalar(n)) return n.value === null || n.value === undefined ? '' : String(n.value);
  return undefined;
}

function walk(
  w: Walk,
  node: unknown,
  path: string,
  keyLoc: ConfigLocation,
  depth: number,
): TreeNode | undefined {
  const n = deref(w, node);
  if (++w.nodes > MAX_NODES || depth > MAX_DEPTH) {
    if (w.nodes === MAX_NODES + 1 || depth === MAX_DEPTH + 1)
      w.errors.push(configError('SYNTAX', keyLoc, path, 'document nested too deeply or too large'));
    return undefined;
  }
  if (Y.isMap(n)) {
    const entries = new Map<string, TreeNode>();
    const loc = keyLoc.line === undefined ? locOf(w, n) : keyLoc;
    for (const pair of n.items) {
      const key = scalarText(deref(w, pair.key));
      const kloc = locOf(w, pair.key as { range?: unknown });
      if (key === undefined) {
        w.errors.push(configError('SYNTAX', kloc, path, 'keys must be plain strings'));
        continue;
      }
      const kpath = joinPath(path, key);
      const prior = entries.get(key);
      if (prior) {
        w.errors.push(
          configError('DUPLICATE', kloc, kpath, `key set twice (first at line ${prior.loc.line})`),
        );
        continue;
      }
      const child = walk(w, pair.value, kpath, kloc, depth + 1);
      if (child) entries.set(key, child);
    }
    return { kind: 'section', entries, loc, defs: [loc] };
  }
  if (Y.isSeq(n)) {
    const items: string[] = [];
    for (const item of n.items) {
      const text = scalarText(deref(w, item));
      if (text === undefined) {
        w.errors.push(
          configError(
            'EXPECTED_VALUE',
            locOf(w, item as { range?: unknown }),
            path,
            'list items must be plain values',
          ),
        );
        return undefined;
      }
      items.push(text);
    }
    return { kind: 'value', value: items, loc: keyLoc };
  }
  const text = scalarText(n);
  if (text === undefined) {
    w.errors.push(configError('SYNTAX', keyLoc, path, 'unsupported YAML node'));
    return undefined;
  }
  return { kind: 'value', value: text, loc: keyLoc };
}

function jsonSyntaxError(text: string, file: string): ConfigError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    const loc = line === undefined ? { file } : { file, line };
    return configError('SYNTAX', loc, '', `invalid JSON: ${message}`);
  }
}

/** Parses YAML (or, with `json`, strict JSON) into the tree. Never throws. */
export function parseYamlTree(text: string, file: string, json = false): YamlParse {
  const root = emptySection({ file });
  if (json) {
    const e = jsonSyntaxError(text, file);
    if (e) return { tree: root, errors: [e] };
  }
  loadYaml();
  const lines = new Y.LineCounter();
  const errors: ConfigError[] = [];
  try {
    const doc = Y.parseDocument(text, {
      schema: 'failsafe',
      lineCounter: lines,
      uniqueKeys: false,
      prettyErrors: false,
    });
    for (const e of doc.errors) {
      const line = lines.linePos(e.pos[0]).line;
      errors.push(configError('SYNTAX', { file, line }, '', e.message.split('\n')[0] ?? e.message));
    }
    if (errors.length > 0) return { tree: root, errors };
    const w: Walk = {
      file,
      lines,
      errors,
      nodes: 0,
      resolveAlias: (n) => {
        const r = Y.isAlias(n) ? n.resolve(doc) : undefined;
        return r ?? undefined;
      },
    };
    const contents = doc.contents;
    if (contents === null || (Y.isScalar(contents) && scalarText(contents) === ''))
      return { tree: root, errors };
    const tree = walk(w, contents, '', { file }, 0);
    if (tree?.kind !== 'section') {
      if (tree) errors.push(configError('SYNTAX', locOf(w, contents), '', 'the top level must be a mapping'));
      return { tree: root, errors };
    }
    return { tree, errors };
  } catch (e) {
    // defensive: the yaml package may exhaust the stack on pathological nesting
    errors.push(
      configError('SYNTAX', { file }, '', `cannot parse: ${e instanceof Error ? e.message : String(e)}`),
    );
    return { tree: root, errors };
  }
}
