/**
 * The firmware's unused class members (scripts/build-mote.mjs minifyMote): a method, getter or
 * setter of a class that nothing in the bundle can reach is left out. A bundler drops unused
 * functions and classes but never a class's members: the stack's classes serve the daemon too,
 * and what only VICI or the inspector calls (`listSas`, `querySa`, `fragmentCounters`...) rides
 * along into every firmware.
 *
 * A member is reachable when its name is:
 * - read or written as a property anywhere (`o.name`, `o?.name`, `super.name`, `C.name`), of
 *   any object: a name shared by two classes keeps both;
 * - a key of a destructuring pattern (`const { name } = o`);
 * - one of `kept`: the names the property renaming keeps (scripts/mote-properties.mjs), that is
 *   every word of a string of the bundle (a name held as data: `o[name]`), the host boundary
 *   and JavaScript's own (`then`, `next`, `toString`...).
 * Computed members (`[Symbol.iterator]()`) and constructors always stay. Leaving a member out
 * can leave another unreachable: it repeats until nothing changes. The same heuristic as the
 * renaming, and the same guard: the QuickJS tests hold the firmware to the Node runtime.
 */
import { applyEdits, parseBundle, walk } from './mote-ast.mjs';

const keyName = (key) => (key.type === 'Identifier' ? key.name : String(key.value));

/** One pass: the names `code` reaches as properties, and the class members it defines. */
function scan(code) {
  const reached = new Set();
  const members = [];
  walk(parseBundle(code), (node) => {
    if (node.type === 'MemberExpression' && !node.computed) reached.add(node.property.name);
    if (node.type === 'ObjectPattern')
      for (const p of node.properties) if (p.type === 'Property' && !p.computed) reached.add(keyName(p.key));
    if (node.type === 'MethodDefinition' && !node.computed && node.kind !== 'constructor') members.push(node);
  });
  return { reached, members };
}

/**
 * `code` without the class members nothing reaches (see above), and their names
 * (`name`, `static name`, `get name`, `set name`), for the build's report and the tests.
 */
export function dropUnusedMembers(code, kept) {
  const dropped = [];
  for (;;) {
    const { reached, members } = scan(code);
    const unused = members.filter((m) => !kept.has(keyName(m.key)) && !reached.has(keyName(m.key)));
    if (unused.length === 0) return { code, dropped };
    for (const m of unused.sort((a, b) => b.start - a.start)) {
      const kind = m.kind === 'method' ? '' : `${m.kind} `;
      dropped.push(`${m.static ? 'static ' : ''}${kind}${keyName(m.key)}`);
    }
    code = applyEdits(
      code,
      unused.map((m) => [m.start, m.end, '']),
    );
  }
}
