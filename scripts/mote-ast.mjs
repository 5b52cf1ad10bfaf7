/**
 * The syntax tree the firmware's build passes read (mote-texts.mjs, mote-members.mjs,
 * mote-properties.mjs, mote-enumerated.mjs, mote-strings.mjs): acorn's, of the bundle as a script.
 */
import * as acorn from 'acorn';

/** The tree of `code`, an ES2020 script (the bundle is an IIFE). */
export const parseBundle = (code) => acorn.parse(code, { ecmaVersion: 2020, sourceType: 'script' });

/** Each child node of `node`, with the key it is under. */
export function* children(node) {
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === 'string') yield [v, key];
    } else if (value && typeof value.type === 'string') yield [value, key];
  }
}

/** Calls `f(node, parent, key)` on every node of the tree, below a node only if `f` is not false. */
export function walk(node, f, parent, key) {
  if (f(node, parent, key) === false) return;
  for (const [child, k] of children(node)) walk(child, f, node, k);
}

/** `code` with each [start, end, text] of `edits` (not overlapping) put in place, in one pass. */
export function applyEdits(code, edits) {
  let out = '';
  let at = 0;
  for (const [start, end, text] of [...edits].sort((a, b) => a[0] - b[0])) {
    out += code.slice(at, start) + text;
    at = end;
  }
  return out + code.slice(at);
}
