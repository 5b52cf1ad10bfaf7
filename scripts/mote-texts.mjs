/**
 * The firmware's texts as numbers (scripts/build-mote.mjs minifyMote), as defmt or Zephyr's
 * dictionary logging do on microcontrollers: every error and log text of the bundle becomes a
 * short code, and the texts stay with the host, in a dictionary written beside the firmware
 * (mote-<suite>.texts.json). The host turns the codes back into the texts wherever the firmware
 * hands it a string: a log line, an error (targets/wismote/mote-texts.ts decodeMoteText).
 *
 * Encoded (targets/wismote/mote-texts.ts has the same constants):
 * - a string literal `"IKE SA failed"` -> START code END;
 * - a template `` `UDP length ${n} < 8` `` -> START code ARG ${n} END, one ARG before each
 *   expression: the expressions still run in the firmware and their values travel as text,
 *   codes of nested texts included.
 * A text is a string with a space in it that nothing uses as a key, a pattern or data: property
 * names, `in` operands, anything a member is read from (`'a b'.split(' ')`), the arguments of
 * string methods that search or split (split, indexOf, includes, replace, ...), of RegExp and
 * of a UTF-8 encoder (the octets of "Key Pad for IKEv2") keep their strings, as does any string
 * equal to a property name of the bundle. Tagged templates and directives are left alone. The
 * rule errs toward keeping: a text it keeps costs bytes, a datum it coded would change what
 * the firmware does. A datum it cannot see (a string held in a variable, then encoded) is the
 * risk left; the firmware's tests hold it to the Node runtime (the same report, datagram for
 * datagram), where such a datum would show.
 */
import { parseBundle, walk } from './mote-ast.mjs';

export const TEXT_START = '\u0001';
export const TEXT_ARG = '\u0002';
export const TEXT_END = '\u0003';

/** String methods whose arguments are patterns or separators, not texts. */
const PATTERN_METHODS = new Set([
  'split',
  'indexOf',
  'lastIndexOf',
  'includes',
  'startsWith',
  'endsWith',
  'replace',
  'replaceAll',
  'match',
  'matchAll',
  'search',
  'padStart',
  'padEnd',
  'localeCompare',
]);

const isText = (s) => / /.test(s) && s.trim().length >= 3;

/** Whether `fn` (a function node) returns `<something>.encode(<its parameter>)`: a UTF-8 encoder. */
function isEncoder(fn) {
  const body =
    fn.body?.type === 'BlockStatement'
      ? fn.body.body.length === 1 && fn.body.body[0].type === 'ReturnStatement'
        ? fn.body.body[0].argument
        : undefined
      : fn.body;
  return (
    body?.type === 'CallExpression' &&
    body.callee.type === 'MemberExpression' &&
    !body.callee.computed &&
    body.callee.property.name === 'encode'
  );
}

/** The names the bundle gives its UTF-8 encoders (`const utf8 = (s) => new TextEncoder().encode(s)`). */
function encoderNames(ast) {
  const names = new Set();
  walk(ast, (n) => {
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.init && isEncoder(n.init))
      names.add(n.id.name);
    if (n.type === 'FunctionDeclaration' && n.id && isEncoder(n)) names.add(n.id.name);
  });
  return names;
}

/**
 * Whether a string in this place is a key, a pattern or data rather than a text. Data: the
 * argument of a UTF-8 encoder (`.encode(...)`, or a function that returns one), the octets of a
 * protocol constant (RFC 7296 §2.15's "Key Pad for IKEv2").
 */
function isKeyOrPattern(parent, key, encoders) {
  if (!parent) return false;
  if (parent.type === 'Property' && key === 'key') return true;
  if (parent.type === 'MemberExpression') return true; // a key, or a string a method works on
  if (parent.type === 'BinaryExpression' && parent.operator === 'in') return true;
  if (parent.type === 'ExpressionStatement' && parent.directive !== undefined) return true;
  if (parent.type === 'TaggedTemplateExpression') return true;
  if ((parent.type === 'CallExpression' || parent.type === 'NewExpression') && key === 'arguments') {
    const c = parent.callee;
    if (c.type === 'Identifier' && c.name === 'RegExp') return true;
    if (c.type === 'MemberExpression' && !c.computed && PATTERN_METHODS.has(c.property.name)) return true;
    if (c.type === 'MemberExpression' && !c.computed && c.property.name === 'encode') return true;
    if (c.type === 'Identifier' && encoders.has(c.name)) return true;
  }
  return false;
}

/**
 * Replaces the texts of `code` (a script) by codes. Returns the code and the dictionary: per
 * code (its index, written in base 36), the text's parts (one for a string; a template's
 * parts between its expressions).
 */
export function encodeTexts(code) {
  const ast = parseBundle(code);
  const keys = new Set();
  walk(ast, (n, parent, key) => {
    if (parent?.type === 'Property' && key === 'key')
      keys.add(n.type === 'Identifier' ? n.name : String(n.value));
    if (parent?.type === 'MemberExpression' && key === 'property' && n.type === 'Identifier')
      keys.add(n.name);
  });
  const encoders = encoderNames(ast);
  const texts = [];
  const codes = new Map();
  const codeOf = (parts) => {
    const k = JSON.stringify(parts);
    if (!codes.has(k)) {
      codes.set(k, texts.length.toString(36));
      texts.push(parts);
    }
    return codes.get(k);
  };
  const edits = [];
  walk(ast, (n, parent, key) => {
    if (isKeyOrPattern(parent, key, encoders)) return n.type === 'TemplateLiteral' ? undefined : false;
    if (n.type === 'Literal' && typeof n.value === 'string' && isText(n.value) && !keys.has(n.value)) {
      edits.push([n.start, n.end, JSON.stringify(TEXT_START + codeOf([n.value]) + TEXT_END)]);
      return false;
    }
    if (n.type === 'TemplateLiteral' && n.quasis.some((q) => isText(q.value.cooked ?? ''))) {
      const parts = n.quasis.map((q) => q.value.cooked);
      if (parts.some((p) => p === undefined)) return undefined;
      edits.push([n.start, n.quasis[0].end, `\`${TEXT_START}${codeOf(parts)}${TEXT_ARG}`]);
      for (let i = 1; i < n.quasis.length; i++) {
        const q = n.quasis[i];
        edits.push([q.start, q.end, i === n.quasis.length - 1 ? TEXT_END : TEXT_ARG]);
      }
      if (n.quasis.length === 1) edits[edits.length - 1][2] = `\`${TEXT_START}${codeOf(parts)}${TEXT_END}`;
    }
    return undefined;
  });
  edits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end, text] of edits) {
    out += code.slice(at, start) + text;
    at = end;
  }
  return { code: out + code.slice(at), texts };
}
