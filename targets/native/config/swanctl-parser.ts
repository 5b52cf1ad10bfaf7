/**
 * swanctl.conf text -> configuration tree, after libstrongswan's settings_parser.y:
 *   statements : (NEWLINE | setting | section | include)*
 *   setting    : NAME '=' value
 *   section    : NAME [':' NAME (',' NAME)*] '{' statements '}'
 * Same-named sections merge and `name : connections.other { ... }` inherits the referenced
 * section (strongswan.conf(5) "references": full paths from the root; own settings win; nested
 * sections merge). Deviations, both stricter than strongSwan: a key set twice in one section
 * is an error (strongSwan keeps the last one silently), and so is a reference to a section that
 * does not exist. Errors are collected; parsing goes on after each one.
 */
import { type ConfigError, type ConfigLocation, configError, joinPath } from './errors.js';
import { expandGlob, type FileHost, hasGlob, resolveIncludePath } from './include.js';
import { lexSwanctl, type Token } from './swanctl-lexer.js';
import type { TreeNode, TreeSection } from './tree.js';

/** strongSwan's include depth limit (settings_parser MAX_INCLUDE_DEPTH). */
const MAX_INCLUDE_DEPTH = 10;
/** Bound on section nesting (ours; strongSwan has none): keeps recursion shallow. */
const MAX_NESTING = 32;
/** Bound on section-reference expansion, so that reference chains cannot blow up. */
const MAX_RESOLUTIONS = 10_000;

interface MValue {
  readonly kind: 'value';
  readonly value: string;
  readonly loc: ConfigLocation;
}
interface MSection {
  readonly kind: 'section';
  readonly entries: Map<string, MValue | MSection>;
  readonly loc: ConfigLocation;
  readonly defs: ConfigLocation[];
  readonly refs: { readonly path: string; readonly loc: ConfigLocation }[];
}
interface Open {
  readonly sec: MSection;
  readonly path: string;
  readonly name: string;
  readonly line: number;
}
interface Ctx {
  readonly errors: ConfigError[];
  readonly host: FileHost | undefined;
}

const newSection = (loc: ConfigLocation): MSection => ({
  kind: 'section',
  entries: new Map(),
  loc,
  defs: [loc],
  refs: [],
});

const describe = (tok: Token): string =>
  tok.t === 'name'
    ? `'${tok.text}'`
    : tok.t === 'value'
      ? "'='"
      : tok.t === 'nl'
        ? 'end of line'
        : `'${tok.t}'`;

function openSection(ctx: Ctx, top: Open, name: string, loc: ConfigLocation): Open {
  const path = joinPath(top.path, name);
  const line = loc.line ?? 0;
  const existing = top.sec.entries.get(name);
  if (existing?.kind === 'section') {
    existing.defs.push(loc);
    return { sec: existing, path, name, line };
  }
  const sec = newSection(loc);
  if (existing)
    ctx.errors.push(configError('DUPLICATE', loc, path, 'already set as a value, cannot be a section'));
  else top.sec.entries.set(name, sec);
  return { sec, path, name, line };
}

function setValue(ctx: Ctx, top: Open, name: string, value: string, loc: ConfigLocation): void {
  const path = joinPath(top.path, name);
  const existing = top.sec.entries.get(name);
  if (existing?.kind === 'section')
    ctx.errors.push(configError('DUPLICATE', loc, path, 'already a section, cannot be set as a value'));
  else if (existing)
    ctx.errors.push(
      configError('DUPLICATE', loc, path, `key set twice (first at line ${existing.loc.line})`),
    );
  else top.sec.entries.set(name, { kind: 'value', value, loc });
}

function include(ctx: Ctx, file: string, top: Open, pattern: string, line: number, depth: number): void {
  const loc = { file, line };
  if (!ctx.host) {
    ctx.errors.push(
      configError('INCLUDE', loc, top.path, `include '${pattern}': no file access here (use loadConfigFile)`),
    );
    return;
  }
  if (depth >= MAX_INCLUDE_DEPTH) {
    ctx.errors.push(
      configError('INCLUDE', loc, top.path, `include '${pattern}': includes nested too deeply`),
    );
    return;
  }
  const resolved = resolveIncludePath(file, pattern);
  const glob = hasGlob(resolved);
  for (const path of glob ? expandGlob(resolved, ctx.host) : [resolved]) {
    const text = ctx.host.readFile(path);
    if (!text.ok) {
      if (!glob)
        ctx.errors.push(configError('INCLUDE', loc, top.path, `include '${pattern}': ${text.error}`));
      continue;
    }
    parseInto(ctx, path, text.value, top, depth + 1);
  }
}

/** Parses one file's statements into `outer` (the section an include statement stands in). */
function parseInto(ctx: Ctx, file: string, text: string, outer: Open, depth: number): void {
  const tokens = lexSwanctl(text);
  const stack: Open[] = [outer];
  const syntax = (line: number, detail: string) =>
    ctx.errors.push(configError('SYNTAX', { file, line }, '', detail));
  let p = 0;
  const skipLine = (name: string) => {
    // keep braces balanced while skipping, so that one error does not cascade
    while (p < tokens.length && tokens[p]!.t !== 'nl') {
      if (tokens[p]!.t === '{')
        stack.push({ sec: newSection({ file }), path: '', name, line: tokens[p]!.line });
      else if (tokens[p]!.t === '}' && stack.length > 1) stack.pop();
      p++;
    }
  };
  while (p < tokens.length) {
    const tok = tokens[p++]!;
    const top = stack[stack.length - 1]!;
    switch (tok.t) {
      case 'nl':
        break;
      case 'error':
        syntax(tok.line, tok.message);
        break;
      case '}':
        if (stack.length > 1) stack.pop();
        else syntax(tok.line, "unexpected '}': no section is open");
        break;
      case 'include':
        include(ctx, file, top, tok.path, tok.line, depth);
        break;
      case 'name': {
        const next = tokens[p];
        const loc = { file, line: tok.line };
        if (next?.t === 'value') {
          p++;
          setValue(ctx, top, tok.text, next.text, loc);
        } else if (next?.t === '{') {
          p++;
          if (stack.length > MAX_NESTING) {
            syntax(tok.line, `section '${tok.text}' is nested too deeply (more than ${MAX_NESTING} levels)`);
            stack.push({ sec: newSection(loc), path: '', name: tok.text, line: tok.line });
          } else stack.push(openSection(ctx, top, tok.text, loc));
        } else if (next?.t === ':') {
          p++;
          const refs: string[] = [];
          while (tokens[p]?.t === 'name') {
            refs.push((tokens[p++] as { text: string }).text);
            if (tokens[p]?.t !== ',') break;
            p++;
          }
          if (refs.length === 0 || tokens[p]?.t !== '{') {
            const at = tokens[p];
            syntax(
              tok.line,
              `section '${tok.text}': expected references and '{', found ${at ? describe(at) : 'end of file'}`,
            );
            skipLine(tok.text);
            break;
          }
          p++;
          const opened = openSection(ctx, top, tok.text, loc);
          for (const path of refs) opened.sec.refs.push({ path, loc });
          stack.push(opened);
        } else {
          syntax(
            tok.line,
            `expected '=', '{' or ':' after '${tok.text}', found ${next ? describe(next) : 'end of file'}`,
          );
          skipLine(tok.text);
        }
        break;
      }
      default:
        syntax(tok.line, `unexpected ${describe(tok)}`);
        skipLine('?');
    }
  }
  while (stack.length > 1) {
    const open = stack.pop()!;
    syntax(open.line, `section '${open.name}' is not closed: missing '}'`);
  }
}

function lookup(root: MSection, path: string): MSection | undefined {
  let sec: MSection | undefined = root;
  for (const name of path.split('.')) {
    const next: MValue | MSection | undefined = sec?.entries.get(name);
    sec = next?.kind === 'section' ? next : undefined;
  }
  return sec;
}

/** Own entries first; inherited ones after; sections of the same name merge, own values win. */
function merge(own: Map<string, TreeNode>, inherited: TreeSection): void {
  for (const [name, node] of inherited.entries) {
    const mine = own.get(name);
    if (!mine) own.set(name, node);
    else if (mine.kind === 'section' && node.kind === 'section') {
      const entries = new Map(mine.entries);
      merge(entries, node);
      own.set(name, { ...mine, entries });
    }
  }
}

function resolve(
  ctx: Ctx,
  root: MSection,
  sec: MSection,
  path: string,
  visiting: Set<MSection>,
  budget: { n: number },
): TreeSection {
  visiting.add(sec);
  const entries = new Map<string, TreeNode>();
  for (const [name, node] of sec.entries) {
    entries.set(
      name,
      node.kind === 'value' ? node : resolve(ctx, root, node, joinPath(path, name), visiting, budget),
    );
  }
  for (const ref of sec.refs) {
    const target = lookup(root, ref.path);
    if (--budget.n < 0) {
      if (budget.n === -1)
        ctx.errors.push(configError('SYNTAX', ref.loc, path, 'too many section references'));
    } else if (!target)
      ctx.errors.push(configError('SYNTAX', ref.loc, path, `reference to unknown section '${ref.path}'`));
    else if (visiting.has(target))
      ctx.errors.push(configError('SYNTAX', ref.loc, path, `circular section reference '${ref.path}'`));
    else merge(entries, resolve(ctx, root, target, ref.path, visiting, budget));
  }
  visiting.delete(sec);
  return { kind: 'section', entries, loc: sec.loc, defs: sec.defs };
}

export interface SwanctlParse {
  readonly tree: TreeSection;
  readonly errors: readonly ConfigError[];
}

/** Parses swanctl.conf text. `host` serves include statements (absent: includes are errors). */
export function parseSwanctl(text: string, file: string, host?: FileHost): SwanctlParse {
  const ctx: Ctx = { errors: [], host };
  const root = newSection({ file });
  parseInto(ctx, file, text, { sec: root, path: '', name: '', line: 0 }, 0);
  const tree = resolve(ctx, root, root, '', new Set(), { n: MAX_RESOLUTIONS });
  return { tree, errors: ctx.errors };
}
