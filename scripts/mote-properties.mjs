/**
 * The firmware's property renaming (scripts/build-mote.mjs minifyMote): terser renames the
 * bundle's property names to short ones, except the names it must keep.
 *
 * Renaming a property is safe when every access to it is by its name in the code (`o.x`,
 * `{ x }`); it breaks where a property is reached by a name held as data. Kept, so:
 * - every identifier-like word of every string literal and template text in the bundle (a key
 *   looked up by a string: `on[event.type]`, `'x' in o`, esbuild's `__publicField(this, "x")`,
 *   a state id, an event type, an enum's reverse mapping);
 * - the host boundary (boundaryNames below);
 * - JavaScript's own names (terser's list of built-in and DOM properties).
 * The tests run the renamed firmware in QuickJS and hold its report to the Node runtime's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import ts from 'typescript';

const WORD = /[A-Za-z_$][\w$]*/g;

/** Every identifier-like word of the string literals and template texts of `code`. */
export function wordsOfStrings(code) {
  const words = new Set();
  const add = (text) => {
    for (const w of text.match(WORD) ?? []) words.add(w);
  };
  const visit = (node) => {
    if (node.type === 'Literal' && typeof node.value === 'string') add(node.value);
    if (node.type === 'TemplateElement') add(node.value.cooked ?? node.value.raw);
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const v of value) if (v && typeof v.type === 'string') visit(v);
      } else if (value && typeof value.type === 'string') visit(value);
    }
  };
  visit(acorn.parse(code, { ecmaVersion: 2020, sourceType: 'script' }));
  return words;
}

/**
 * Every identifier and every word of a string in the host boundary's files: the interfaces
 * of targets/wismote/mote-entry.ts and transport/radio/medium-options.ts (what the host passes
 * in as capabilities and options, what it calls and reads back, the entry's exports such as
 * `Mote.createMote`) and targets/wismote/profile.ts (a suite's name, which the host passes and
 * the firmware looks up). More than the boundary needs, never less.
 */
export function boundaryNames(root) {
  const names = new Set();
  for (const file of BOUNDARY) {
    const scanner = ts.createScanner(ts.ScriptTarget.ES2020, true);
    scanner.setText(readFileSync(join(root, file), 'utf8'));
    for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
      if (t === ts.SyntaxKind.Identifier) names.add(scanner.getTokenValue());
      if (t === ts.SyntaxKind.StringLiteral || t === ts.SyntaxKind.NoSubstitutionTemplateLiteral)
        for (const w of scanner.getTokenValue().match(WORD) ?? []) names.add(w);
    }
  }
  return names;
}

const BOUNDARY = [
  'targets/wismote/mote-entry.ts',
  'transport/radio/medium-options.ts',
  'targets/wismote/profile.ts',
];

/** The names property renaming keeps in `code` (a minified firmware). */
export function keptProperties(code, root) {
  return [...new Set([...wordsOfStrings(code), ...boundaryNames(root)])].sort();
}
