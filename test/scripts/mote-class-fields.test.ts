/**
 * The firmware's build emits class fields as constructor assignments (scripts/build-mote.mjs,
 * `useDefineForClassFields: false`), the Node runtime as defined fields (tsconfig.json, ES2022).
 * The two differ for a field without an initializer that the constructor does not assign (it
 * exists, undefined, under one emit and not under the other) and for a subclass's field that
 * shadows what a base class's constructor set. This holds every class of the firmware's inputs
 * to the rule that keeps subclasses alike: each field without an initializer of a class that
 * extends another is assigned in its constructor. (A field of any class left unset differs only
 * to `in`, `hasOwnProperty` and key enumeration, which the firmware does not use on its class
 * instances; the identical-report tests would show it.)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The firmware's own TypeScript inputs (every suite, and the seed's minimal build). */
async function firmwareSources(): Promise<string[]> {
  const { moteBuildOptions } = (await import(join(root, 'scripts/build-mote.mjs'))) as {
    moteBuildOptions: (minify: boolean, o?: { suite?: string }) => BuildOptions & { write: false };
  };
  const files = new Set<string>();
  for (const o of [{}, { suite: 'seed' }]) {
    const r = await esbuild.build({ ...moteBuildOptions(false, o), metafile: true });
    for (const f of Object.keys((r.metafile as Metafile).inputs)) if (f.endsWith('.ts')) files.add(f);
  }
  return [...files].sort();
}

/**
 * Private members (`#x`) of classes that extend another: the firmware's build makes private
 * names properties (scripts/mote-private.mjs), where a base's `#x` and a subclass's would be one.
 */
function subclassPrivates(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      (ts.isClassDeclaration(n) || ts.isClassExpression(n)) &&
      n.heritageClauses?.some((h) => h.token === ts.SyntaxKind.ExtendsKeyword)
    )
      for (const m of n.members)
        if (m.name && ts.isPrivateIdentifier(m.name))
          found.push(`${file}: ${n.name?.text ?? 'class'}.${m.name.text}`);
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

/** Fields without an initializer that a subclass's constructor leaves unassigned. */
function unassignedSubclassFields(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isClassDeclaration(n) || ts.isClassExpression(n)) && n.heritageClauses) {
      const extendsOther = n.heritageClauses.some((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      const ctor = n.members.find(ts.isConstructorDeclaration);
      const body = ctor?.body?.getText(source) ?? '';
      for (const m of n.members) {
        if (!extendsOther || !ts.isPropertyDeclaration(m) || m.initializer) continue;
        if (
          m.modifiers?.some(
            (x) => x.kind === ts.SyntaxKind.DeclareKeyword || x.kind === ts.SyntaxKind.StaticKeyword,
          )
        )
          continue;
        const name = m.name.getText(source);
        if (!body.includes(`this.${name} =`)) found.push(`${file}: ${n.name?.text ?? 'class'}.${name}`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

describe("the firmware's class fields", () => {
  it('every subclass field without an initializer is assigned in its constructor', async () => {
    const files = await firmwareSources();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((f) => unassignedSubclassFields(f, readFileSync(join(root, f), 'utf8')));
    expect(found).toEqual([]);
  }, 60_000);

  it("no subclass has private members (its #x and its base's would become one property)", async () => {
    const files = await firmwareSources();
    const found = files.flatMap((f) => subclassPrivates(f, readFileSync(join(root, f), 'utf8')));
    expect(found).toEqual([]);
  }, 60_000);

  it('the checks find what they are for', () => {
    const text = `class A extends Error { readonly code: number; other?: string; set = 1; #p = 2;
      constructor(c: number) { super(); this.code = c; } }`;
    expect(unassignedSubclassFields('x.ts', text)).toEqual(['x.ts: A.other']);
    expect(subclassPrivates('x.ts', text)).toEqual(['x.ts: A.#p']);
  });
});
