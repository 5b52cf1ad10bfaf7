/**
 * The firmware's property renaming (scripts/build-mote.mjs minifyMote): terser renames the
 * bundle's property names to short ones, except the names it must keep.
 *
 * Renaming a property is safe when every access to it is by its name in the code (`o.x`,
 * `{ x }`); it breaks where a property is reached by a name held as data. keptProperties lists
 * every name the bundle may reach so (the unused-members pass, mote-members.mjs, keeps a member
 * of any of them); the renaming itself then renames a name held as a string along with its
 * property (mote-strings.mjs), and keeps only the boundary's, JavaScript's, the enumerated
 * tables' keys and the strings that are not names. The names:
 * - every string literal and template text of the bundle, whole and cut at its dots (a key
 *   looked up by a string: `on[event.type]`, `'x' in o`, `counters[reason]`, a suite's name;
 *   a state path `#ikeSa.closed`, which the statechart walks a part at a time). Not every word
 *   of it: a drop reason `'queue-full'` or a text `'SA payload without proposals'` is never cut
 *   into keys (no code splits a string at a hyphen or a space to look up what it names), so
 *   `queue` and `payload` are renamed where they are ours (-0.2 KiB gzipped);
 * - the host boundary (boundaryNames below);
 * - the keys of a table the code enumerates (mote-enumerated.mjs: a name lookup's table,
 *   whose keys are the texts it returns);
 * - JavaScript's own names (jsBuiltinNames below). Not terser's default list, which adds the
 *   DOM's names to a few constructors' own: a firmware runs where there is no DOM, and the DOM's
 *   words (`session`, `reason`, `code`, `table`, `destroy`) are our names too (-0.5 KiB gzipped).
 * The tests run the renamed firmware in QuickJS and hold its report to the Node runtime's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { parseBundle, walk } from './mote-ast.mjs';
import { enumeratedKeys } from './mote-enumerated.mjs';

const WORD = /[A-Za-z_$][\w$]*/g;

/**
 * The string literals and template texts of `code`, each whole (terser renames a quoted key
 * too: `{ 'ccm8-x25519': ... }`, looked up by a suite's name) and each part between its dots,
 * without a leading `#` (a state id) or `@` (`@xstate.snapshot`).
 */
export function wordsOfStrings(code) {
  const words = new Set();
  const add = (text) => {
    words.add(text);
    for (const part of text.split('.')) words.add(part).add(part.replace(/^[#@]/, ''));
  };
  walk(parseBundle(code), (node) => {
    if (node.type === 'Literal' && typeof node.value === 'string') add(node.value);
    if (node.type === 'TemplateElement') add(node.value.cooked ?? node.value.raw);
  });
  return words;
}

/** Per root: the boundary's files are read once per build process. */
const boundaries = new Map();

/**
 * The names a host reads or passes across the boundary: the members of the interfaces listed
 * here (what the host passes in as capabilities and options, what it calls and reads back), the
 * entry's exports (`Mote.createMote`) and every word of a string of targets/wismote/profile.ts
 * (a suite's name, which the host passes and the firmware looks up). A member whose type is
 * an interface of ours is a boundary only if that interface is listed too: `Mote.host` and
 * `Mote.sensor` are the Node runtime's view, which the QuickJS host never reads.
 */
export function boundaryNames(root) {
  const known = boundaries.get(root);
  if (known) return known;
  const names = new Set();
  for (const [file, interfaces] of BOUNDARY) {
    const sf = ts.createSourceFile(
      file,
      readFileSync(join(root, file), 'utf8'),
      ts.ScriptTarget.ES2020,
      true,
    );
    const visit = (node) => {
      if (ts.isInterfaceDeclaration(node) && interfaces.includes(node.name.text))
        for (const m of node.members) if (m.name) names.add(m.name.getText(sf));
      if (interfaces === EXPORTS && isExported(node))
        for (const d of ts.isVariableStatement(node) ? node.declarationList.declarations : [node])
          if (d.name) names.add(d.name.getText(sf));
      if (interfaces === STRINGS && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)))
        for (const w of node.text.match(WORD) ?? []) names.add(w);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  boundaries.set(root, names);
  return names;
}

const EXPORTS = 'exports';
const STRINGS = 'strings';
const isExported = (node) =>
  (ts.isFunctionDeclaration(node) || ts.isVariableStatement(node) || ts.isClassDeclaration(node)) &&
  !!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** [file, the interfaces of it that cross the boundary | EXPORTS | STRINGS]. */
export const BOUNDARY = [
  ['targets/wismote/mote-entry.ts', ['MoteCapabilities', 'MoteProbe', 'MoteOptions', 'MoteStats', 'Mote']],
  ['targets/wismote/mote-entry.ts', EXPORTS],
  ['transport/radio/medium-options.ts', ['MediumOptions']],
  ['transport/radio/topology.ts', ['LinkQuality']],
  ['targets/wismote/profile.ts', STRINGS],
];

/** Read once: a fresh realm's globals do not change. */
let builtins;

/**
 * Every property name of ECMAScript's built-ins: what a fresh realm's global object reaches
 * through own properties and prototypes (with the iterators, generators and promises the
 * syntax makes), and the names the language's protocols read from objects of ours (an
 * iterator's result, a property descriptor, a thenable, a settled promise's record, a match,
 * an error) or the host's (crypto.getRandomValues, UTF-8 encoders, timers, the console).
 */
export function jsBuiltinNames() {
  if (builtins) return builtins;
  const reached = vm.runInNewContext(`(() => {
    const names = new Set(), seen = new Set();
    const visit = (o) => {
      if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
      seen.add(o);
      for (const k of Object.getOwnPropertyNames(o)) {
        names.add(k);
        const d = Object.getOwnPropertyDescriptor(o, k);
        visit(d.value);
        visit(d.get);
      }
      visit(Object.getPrototypeOf(o));
    };
    visit(globalThis);
    for (const o of [[][Symbol.iterator](), new Map().entries(), new Set().values(), ''[Symbol.iterator](),
      /a/g[Symbol.matchAll]('a'), /a/g, (function* () {})(), (async function* () {})(), (async () => {})(),
      new AggregateError([])]) visit(o);
    return [...names];
  })()`);
  builtins = new Set([...reached, ...PROTOCOL_NAMES]);
  return builtins;
}

const PROTOCOL_NAMES = [
  ...['done', 'value', 'return', 'throw', 'next', 'then', 'catch', 'finally', 'toJSON'],
  ...['get', 'set', 'writable', 'enumerable', 'configurable'],
  ...['status', 'reason', 'index', 'input', 'groups', 'indices', 'lastIndex'],
  ...['message', 'name', 'stack', 'cause', 'errors', 'callee', 'caller', '__proto__'],
  ...['crypto', 'getRandomValues', 'TextEncoder', 'TextDecoder', 'encode', 'decode', 'encodeInto'],
  ...['read', 'written', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
  ...['queueMicrotask', 'console', 'log', 'warn', 'error', 'info', 'debug'],
];

/**
 * The names property renaming keeps in `code` (a minified firmware). A firmware that parses JSON
 * is refused: its keys would be names held as data that no string of the bundle holds whole.
 */
export function keptProperties(code, root) {
  if (/\bJSON\.parse\b/.test(code))
    throw new Error('the firmware calls JSON.parse: its keys would be renamed');
  return [
    ...new Set([
      ...wordsOfStrings(code),
      ...enumeratedKeys(code),
      ...boundaryNames(root),
      ...jsBuiltinNames(),
    ]),
  ].sort();
}
