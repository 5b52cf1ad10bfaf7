import { describe, expect, test } from 'vitest';
import type { FileHost } from '../../../../targets/native/config/include.js';
import { parseSwanctl } from '../../../../targets/native/config/swanctl-parser.js';
import type { TreeNode, TreeSection } from '../../../../targets/native/config/tree.js';
import { memoryHost } from './memory-host.js';

const get = (tree: TreeSection, path: string): TreeNode | undefined => {
  let node: TreeNode | undefined = tree;
  for (const name of path.split('.')) node = node?.kind === 'section' ? node.entries.get(name) : undefined;
  return node;
};
const val = (tree: TreeSection, path: string) => {
  const n = get(tree, path);
  return n?.kind === 'value' ? n.value : n;
};
const line = (tree: TreeSection, path: string) => get(tree, path)?.loc.line;
const messages = (text: string, host?: FileHost, file = 'swanctl.conf') =>
  parseSwanctl(text, file, host).errors.map((e) => e.message);

describe('swanctl.conf settings syntax (strongswan.conf(5))', () => {
  test('sections, nested sections, values to the end of the line, comments', () => {
    const { tree, errors } = parseSwanctl(
      [
        '# comment',
        'a = b   c  # the value is "b c"',
        'outer {',
        '  inner { x = 1 }   # on one line: the value ends at }',
        '',
        '  y = with = sign',
        '}',
        'empty =',
      ].join('\n'),
      'swanctl.conf',
    );
    expect(errors).toEqual([]);
    expect(val(tree, 'a')).toBe('b c');
    expect(val(tree, 'outer.inner.x')).toBe('1');
    expect(val(tree, 'outer.y')).toBe('with = sign');
    expect(val(tree, 'empty')).toBe('');
    expect([
      line(tree, 'a'),
      line(tree, 'outer'),
      line(tree, 'outer.inner.x'),
      line(tree, 'outer.y'),
    ]).toEqual([2, 3, 4, 6]);
    expect([...tree.entries.keys()]).toEqual(['a', 'outer', 'empty']);
  });

  test('quoted strings: #, } and blanks kept; escapes; multi-line strings count lines', () => {
    const { tree, errors } = parseSwanctl(
      [
        's = " a # b } "',
        't = "q\\"uote\\\\ \\n\\t\\x"',
        'u = "two',
        'lines" and more',
        'v = "con\\',
        'tinued"',
        'w = 1',
      ].join('\n'),
      'swanctl.conf',
    );
    expect(errors).toEqual([]);
    expect(val(tree, 's')).toBe(' a # b } ');
    expect(val(tree, 't')).toBe('q"uote\\ \n\tx');
    expect(val(tree, 'u')).toBe('two\nlines and more');
    expect(val(tree, 'v')).toBe('continued');
    expect(line(tree, 'u')).toBe(3);
    expect(line(tree, 'w')).toBe(7);
  });

  test('`include = x` and `include { }` are an ordinary key and section', () => {
    const { tree, errors } = parseSwanctl('include = x\ninclude {\n}\n', 'swanctl.conf');
    expect(errors.map((e) => e.message)).toEqual([
      'swanctl.conf:2: include: already set as a value, cannot be a section',
    ]);
    expect(val(tree, 'include')).toBe('x');
  });

  test('same-named sections merge; a key set twice is an error', () => {
    const { tree, errors } = parseSwanctl('s {\n a = 1\n}\ns {\n b = 2\n a = 3\n}\n', 'swanctl.conf');
    expect(val(tree, 's.a')).toBe('1');
    expect(val(tree, 's.b')).toBe('2');
    expect((get(tree, 's') as TreeSection).defs.map((d) => d.line)).toEqual([1, 4]);
    expect(errors.map((e) => e.message)).toEqual(['swanctl.conf:6: s.a: key set twice (first at line 2)']);
  });

  test('section references inherit: own values win, sub-sections merge, references chain', () => {
    const text = [
      'conns {',
      '  base { a = 1\n b = 2\n sub { x = 1\n y = 2 } }',
      '  mid : conns.base { b = 3 }',
      '  top : conns.mid, conns.other { sub { y = 9 } }',
      '  other { c = 4 }',
      '}',
    ].join('\n');
    const { tree, errors } = parseSwanctl(text, 'swanctl.conf');
    expect(errors).toEqual([]);
    expect([val(tree, 'conns.mid.a'), val(tree, 'conns.mid.b')]).toEqual(['1', '3']);
    expect([val(tree, 'conns.top.a'), val(tree, 'conns.top.b'), val(tree, 'conns.top.c')]).toEqual([
      '1',
      '3',
      '4',
    ]);
    expect([val(tree, 'conns.top.sub.x'), val(tree, 'conns.top.sub.y')]).toEqual(['1', '9']);
    expect(line(tree, 'conns.top.a')).toBe(2); // inherited values keep where they were written
  });

  test('bad references: unknown and circular', () => {
    expect(messages('a : nowhere { }\nb : c { }\nc : b { }\n')).toEqual([
      "swanctl.conf:1: a: reference to unknown section 'nowhere'",
      "swanctl.conf:3: c: circular section reference 'b'",
      "swanctl.conf:2: b: circular section reference 'c'",
    ]);
  });

  test('syntax errors are collected, each with file and line', () => {
    expect(messages('a {\n  b = 1\n')).toEqual(["swanctl.conf:1: section 'a' is not closed: missing '}'"]);
    expect(messages('a {\n}\n}\nb = 2\n}')).toEqual([
      "swanctl.conf:3: unexpected '}': no section is open",
      "swanctl.conf:5: unexpected '}': no section is open",
    ]);
    expect(messages('a = "open\nb = 1\n')).toEqual([
      'swanctl.conf:1: unterminated string (missing closing ")',
    ]);
    expect(messages('x y = 1\n"q" = 2\n= 3\nc { d }\nok = 1\n')).toEqual([
      "swanctl.conf:1: expected '=', '{' or ':' after 'x', found 'y'",
      'swanctl.conf:2: unexpected string: only values may be quoted',
      "swanctl.conf:2: unexpected '='",
      "swanctl.conf:3: unexpected '='",
      "swanctl.conf:4: expected '=', '{' or ':' after 'd', found '}'",
    ]);
    expect(messages('a : { }\n')).toEqual([
      "swanctl.conf:1: section 'a': expected references and '{', found '{'",
    ]);
  });

  test('recovery keeps braces balanced: one error does not cascade', () => {
    const { tree, errors } = parseSwanctl('bad line {\n x = 1\n}\ngood { y = 2 }\n', 'swanctl.conf');
    expect(errors.map((e) => e.message)).toEqual([
      "swanctl.conf:1: expected '=', '{' or ':' after 'bad', found 'line'",
    ]);
    expect(val(tree, 'good.y')).toBe('2');
    expect(get(tree, 'bad')).toBeUndefined();
  });
});

describe('include', () => {
  const files = {
    'etc/swanctl.conf': 'connections {\n  include conf.d/*.conf\n}\nsecrets {\n  include secrets.inc\n}\n',
    'etc/conf.d/b.conf': 'b { x = 2 }\n',
    'etc/conf.d/a.conf': 'a {\n  x = 1\n}\n',
    'etc/conf.d/c.txt': 'not { included }\n',
    'etc/secrets.inc': 'ike { secret = s }\n',
  };

  test('relative to the including file; globs in sorted order; into the enclosing section', () => {
    const { tree, errors } = parseSwanctl(files['etc/swanctl.conf'], 'etc/swanctl.conf', memoryHost(files));
    expect(errors).toEqual([]);
    expect([...(get(tree, 'connections') as TreeSection).entries.keys()]).toEqual(['a', 'b']);
    expect(val(tree, 'secrets.ike.secret')).toBe('s');
    expect(get(tree, 'connections.a.x')?.loc).toEqual({ file: 'etc/conf.d/a.conf', line: 2 });
  });

  test('a missing file is an error; a glob matching nothing is not', () => {
    const host = memoryHost(files);
    expect(
      messages('x {\n  include missing.conf\n  include none/*.conf\n}\n', host, 'etc/swanctl.conf'),
    ).toEqual(["etc/swanctl.conf:2: x: include 'missing.conf': no such file"]);
    expect(messages('include "/abs/missing.conf"\n', host)).toEqual([
      "swanctl.conf:1: include '/abs/missing.conf': no such file",
    ]);
  });

  test('errors inside included files name those files', () => {
    const host = memoryHost({ 'main.conf': 'include sub.conf\n', 'sub.conf': 'a {\n' });
    expect(messages('include sub.conf\n', host, 'main.conf')).toEqual([
      "sub.conf:1: section 'a' is not closed: missing '}'",
    ]);
  });

  test('recursive includes stop at the depth limit; no host means no includes', () => {
    const host = memoryHost({ 'loop.conf': 'include loop.conf\n' });
    expect(messages('include loop.conf\n', host, 'loop.conf')).toEqual([
      "loop.conf:1: include 'loop.conf': includes nested too deeply",
    ]);
    expect(messages('include x.conf\n')).toEqual([
      "swanctl.conf:1: include 'x.conf': no file access here (use loadConfigFile)",
    ]);
  });
});
