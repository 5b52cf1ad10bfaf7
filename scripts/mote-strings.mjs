/**
 * The firmware's names held as data, renamed with the properties they name
 * (scripts/build-mote.mjs minifyMote, after mote-properties.mjs decided what the renaming keeps).
 *
 * The stack holds many property names as strings: a statechart's event types (`{ type: 'TASK' }`
 * beside `on: { TASK: ... }`), state names and targets (`'#ikeSa.closed'`), guards and actions
 * named in its definitions, the IKE codec's field names (`{ name: 'exchangeType' }`, read as
 * `rec[f.name]`), counters keyed by reason. Keeping each such name whole cost 1.1 KiB gzipped.
 * Renaming the string with the property keeps every lookup the same: terser renames the
 * properties and reports its choices (its name cache), then every string literal and template
 * text equal to a renamed name, or made of such names between dots, becomes the new name.
 * Identical strings stay identical, so comparisons and lookups by them hold.
 *
 * Left as they are (fixedNames): the host boundary's names and the mote profile's words
 * (what the host passes in or reads back: a suite's name, `dynamic`), JavaScript's own names
 * and `typeof`'s answers (a string compared with what the engine says), and the keys of the
 * tables the code enumerates (their keys are texts). A string that leaves the firmware some
 * other way carries the short name: the QuickJS tests hold every suite's firmware to the Node
 * runtime's report.json, and an error's text may name an event or a state by its short name.
 */
import { applyEdits, parseBundle, walk } from './mote-ast.mjs';
import { enumeratedKeys } from './mote-enumerated.mjs';
import { boundaryNames, jsBuiltinNames, wordsOfStrings } from './mote-properties.mjs';

const NAME = /^[A-Za-z_$][\w$]*$/;
const TYPEOF = ['undefined', 'object', 'boolean', 'number', 'bigint', 'string', 'symbol', 'function'];

/** The names a string of `code` may hold that keep their own name. */
export function fixedNames(code, root) {
  return new Set([...boundaryNames(root), ...jsBuiltinNames(), ...enumeratedKeys(code), ...TYPEOF]);
}

/**
 * What terser's property renaming leaves in `code`: the fixed names, and every string or part of
 * one that is not a name (`'ccm8-x25519'`, a quoted key terser would rename otherwise).
 */
export function reservedNames(code, root) {
  const texts = [...wordsOfStrings(code)].filter((w) => !NAME.test(w));
  return [...new Set([...texts, ...fixedNames(code, root)])].sort();
}

/** terser's name cache as original -> renamed. */
export const renamedProperties = (nameCache) =>
  new Map(Object.entries(nameCache.props?.props ?? {}).map(([k, v]) => [k.slice(1), v]));

/** `text` with each part between dots that `renamed` renamed (after a `#` or `@`) renamed. */
function renameText(text, renamed) {
  return text
    .split('.')
    .map((part) => {
      const sign = /^[#@]/.test(part) ? part[0] : '';
      return sign + (renamed.get(part.slice(sign.length)) ?? part.slice(sign.length));
    })
    .join('.');
}

/** `code` with its string literals and template texts renamed as its properties were. */
export function renameStrings(code, renamed) {
  const edits = [];
  walk(parseBundle(code), (node) => {
    if (node.type === 'Literal' && typeof node.value === 'string') {
      const r = renameText(node.value, renamed);
      if (r !== node.value) edits.push([node.start, node.end, JSON.stringify(r)]);
    }
    if (node.type === 'TemplateElement') {
      const r = renameText(node.value.raw, renamed);
      if (r !== node.value.raw) edits.push([node.start, node.end, r]);
    }
  });
  return applyEdits(code, edits);
}
