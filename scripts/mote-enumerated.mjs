/**
 * The tables a firmware enumerates (scripts/build-mote.mjs minifyMote): their keys are texts
 * (a name lookup's table gives the names the wire's errors print), so the property renaming
 * (mote-properties.mjs, mote-strings.mjs) keeps them. Found through the bundle's scopes: a
 * small resolver of the names a minifier left, many of them one letter bound many times.
 */
import { children, parseBundle } from './mote-ast.mjs';

const ENUMERATE = new Set(['entries', 'keys', 'values']);
const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const BLOCK = new Set([
  'BlockStatement',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'SwitchStatement',
  'CatchClause',
]);

/** Where each name of `ast` is declared: identifier node -> its declaration's binding. */
export function resolveNames(ast) {
  const scopes = new Map();
  const scopeOf = (node) => scopes.get(node) ?? scopes.set(node, new Map()).get(node);
  const declare = (stack, kind, id, binding) => {
    if (id?.type !== 'Identifier') return;
    const target =
      kind === 'var' ? stack.findLast((n) => FUNCTION.has(n.type) || n.type === 'Program') : stack.at(-1);
    scopeOf(target).set(id.name, binding);
  };
  const declarations = (node, stack) => {
    const inner =
      FUNCTION.has(node.type) || BLOCK.has(node.type) || node.type === 'Program' ? [...stack, node] : stack;
    if (node.type === 'VariableDeclaration')
      for (const d of node.declarations) declare(stack, node.kind, d.id, { init: d.init });
    if (node.type === 'FunctionDeclaration') declare(stack, 'var', node.id, { init: node });
    if (node.type === 'ClassDeclaration') declare(stack, 'let', node.id, { init: node });
    if (FUNCTION.has(node.type))
      for (const [i, p] of node.params.entries()) declare(inner, 'var', p, { param: node, index: i });
    if (node.type === 'CatchClause') declare(inner, 'let', node.param, {});
    for (const [c] of children(node)) declarations(c, inner);
  };
  declarations(ast, []);
  const resolved = new Map();
  const resolve = (node, stack) => {
    const inner = scopes.has(node) ? [...stack, node] : stack;
    if (node.type === 'Identifier')
      for (const s of [...inner].reverse()) {
        const binding = scopes.get(s).get(node.name);
        if (binding) {
          resolved.set(node, binding);
          break;
        }
      }
    for (const [c] of children(node))
      if (!(node.type === 'MemberExpression' && c === node.property && !node.computed)) resolve(c, inner);
  };
  resolve(ast, []);
  return resolved;
}

/**
 * The keys of every object literal bound to a name (`const ExchangeType = { IKE_SA_INIT: 34 }`)
 * that the code enumerates: `Object.entries|keys|values(table)`, `for (k in table)`, or the
 * same on a function's parameter where a call passes the table (`nameLookup(ExchangeType,
 * 'EXCHANGE')`, whose keys become the texts of errors), with the tables spread into it
 * (`{ ...NotifyError, ...NotifyStatus }`). Renamed, such keys would reach the firmware's texts
 * as `tn` for IKE_SA_INIT. Names are resolved through their scopes, as the minifier left them.
 */
export function enumeratedKeys(code) {
  const ast = parseBundle(code);
  const binding = resolveNames(ast);
  const enumerated = new Set();
  const calls = [];
  const visit = (node) => {
    const arg =
      node.type === 'CallExpression' &&
      node.callee.type === 'MemberExpression' &&
      node.callee.object.name === 'Object' &&
      ENUMERATE.has(node.callee.property.name)
        ? node.arguments[0]
        : node.type === 'ForInStatement'
          ? node.right
          : undefined;
    if (arg?.type === 'Identifier' && binding.has(arg)) enumerated.add(binding.get(arg));
    if (node.type === 'CallExpression' && node.callee.type === 'Identifier') calls.push(node);
    for (const [c] of children(node)) visit(c);
  };
  visit(ast);
  for (const call of calls) {
    const init = binding.get(call.callee)?.init;
    for (const [i, a] of call.arguments.entries()) {
      const passed = a.type === 'ObjectExpression' ? { init: a } : binding.get(a);
      if (passed && [...enumerated].some((e) => e.param === init && e.index === i)) enumerated.add(passed);
    }
  }
  const keys = new Set();
  const seen = new Set();
  const addKeys = (b) => {
    if (seen.has(b) || b?.init?.type !== 'ObjectExpression') return;
    seen.add(b);
    for (const p of b.init.properties) {
      if (p.type === 'SpreadElement') addKeys(binding.get(p.argument));
      else if (!p.computed) keys.add(p.key.name ?? String(p.key.value));
    }
  };
  for (const b of enumerated) addKeys(b);
  return keys;
}
