/**
 * The firmware's private class members as ordinary properties (scripts/build-mote.mjs): ES2020
 * has no `#private` syntax, so esbuild lowers each `#x` to a WeakMap per field and a helper
 * call per access (`__privateGet(this, _x)`), which costs the firmware bytes and every instance
 * heap. This build step rewrites each private name of our TypeScript sources (`#x`, found by
 * TypeScript's parser: never inside a string, a template or a comment) to a property named
 * `__private_x` before esbuild compiles it; the property renaming then shortens it like any
 * other. The privacy is the compiler's (TypeScript checks it on the source), not the engine's.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export const PRIVATE_PREFIX = '__private_';

/** `text` (a TypeScript source) with every private name `#x` written as `__private_x`. */
export function publicPrivates(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const at = [];
  const visit = (n) => {
    if (n.kind === ts.SyntaxKind.PrivateIdentifier) at.push(n.getStart(source));
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.InKeyword &&
      ts.isPrivateIdentifier(n.left)
    )
      throw new Error(`${file}: \`${n.getText(source)}\`: a private brand check has no property form`);
    ts.forEachChild(n, visit);
  };
  visit(source);
  let out = '';
  let from = 0;
  for (const p of at) {
    out += text.slice(from, p) + PRIVATE_PREFIX;
    from = p + 1;
  }
  return out + text.slice(from);
}

/** The esbuild plugin: our sources (not node_modules) through publicPrivates. */
export function publicPrivatesPlugin(root) {
  return {
    name: 'mote-public-privates',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (a) => {
        if (!a.path.startsWith(root) || a.path.includes('/node_modules/')) return undefined;
        const text = readFileSync(a.path, 'utf8');
        return { contents: text.includes('#') ? publicPrivates(a.path, text) : text, loader: 'ts' };
      });
    },
  };
}
