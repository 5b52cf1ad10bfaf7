/**
 * Tokens of strongSwan's settings syntax (strongswan.conf(5), used by swanctl.conf(5)),
 * following libstrongswan's settings_lexer.l:
 * - `#` starts a comment to the end of the line; newlines separate statements;
 * - names are runs of characters other than `#{}=:,"` and white space;
 * - after `=` the value runs to the end of the line, a `#` or a `}` (which are not part of it);
 *   its white-space-separated parts are joined with single spaces; parts may be quoted strings
 *   "..." with the escapes \n \r \t, a backslash before a newline continues the line, and a
 *   backslash before any other character stands for that character (so \" and \\);
 * - `include <path>` (path optionally quoted) includes files;
 * - `{`, `}`, `:` and `,` (section references: `name : ref1, ref2 {`).
 * Lexer errors become `error` tokens; the lexer never throws.
 */

export type Token =
  | { readonly t: 'name'; readonly text: string; readonly line: number }
  | { readonly t: 'value'; readonly text: string; readonly line: number }
  | { readonly t: 'include'; readonly path: string; readonly line: number }
  | { readonly t: 'nl' | '{' | '}' | ':' | ','; readonly line: number }
  | { readonly t: 'error'; readonly message: string; readonly line: number };

const isNameChar = (c: string): boolean => !'#{}=:,"\r\n\t '.includes(c);
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r';

export function lexSwanctl(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;

  /** A quoted string starting at src[i] === '"'; leaves i after the closing quote. */
  const lexString = (): string | undefined => {
    const startLine = line;
    let s = '';
    i++;
    while (i < n) {
      const c = src[i]!;
      if (c === '"') {
        i++;
        return s;
      }
      if (c === '\\') {
        const d = src[i + 1];
        if (d === undefined) break;
        i += 2;
        if (d === 'n') s += '\n';
        else if (d === 'r') s += '\r';
        else if (d === 't') s += '\t';
        else if (d === '\n')
          line++; // an escaped newline continues the line
        else if (d === '\r' && src[i] === '\n') {
          i++;
          line++;
        } else s += d;
        continue;
      }
      if (c === '\n') line++;
      s += c;
      i++;
    }
    i = n;
    unterminated = startLine;
    return undefined;
  };
  let unterminated: number | undefined;
  const flushUnterminated = () => {
    if (unterminated === undefined) return;
    out.push({ t: 'error', message: 'unterminated string (missing closing ")', line: unterminated });
    unterminated = undefined;
  };

  /** The value after '=': up to a newline, '#' or '}' (not consumed). */
  const lexValue = (): void => {
    const startLine = line;
    const parts: string[] = [];
    for (;;) {
      while (isBlank(src[i])) i++;
      const c = src[i];
      if (c === undefined || c === '\n' || c === '#' || c === '}') break;
      if (c === '"') {
        const s = lexString();
        if (s === undefined) break;
        parts.push(s);
        continue;
      }
      const start = i;
      while (i < n && !'#}"\n\t \r'.includes(src[i]!)) i++;
      parts.push(src.slice(start, i));
    }
    out.push({ t: 'value', text: parts.join(' '), line: startLine });
    flushUnterminated();
  };

  /** After `include` and blanks: the path, then nothing but a comment up to the newline. */
  const lexInclude = (): void => {
    const startLine = line;
    let path: string | undefined;
    if (src[i] === '"') path = lexString();
    else {
      const start = i;
      while (i < n && !isBlank(src[i]) && src[i] !== '\n' && src[i] !== '#') i++;
      path = src.slice(start, i);
    }
    if (path === undefined) {
      flushUnterminated();
      return;
    }
    while (isBlank(src[i])) i++;
    if (i < n && src[i] !== '\n' && src[i] !== '#') {
      out.push({ t: 'error', message: 'unexpected text after the include path', line: startLine });
      while (i < n && src[i] !== '\n') i++;
      return;
    }
    out.push({ t: 'include', path, line: startLine });
  };

  while (i < n) {
    const c = src[i]!;
    if (isBlank(c)) {
      i++;
    } else if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '\n') {
      out.push({ t: 'nl', line });
      line++;
      i++;
    } else if (c === '{' || c === '}' || c === ':' || c === ',') {
      out.push({ t: c, line });
      i++;
    } else if (c === '=') {
      i++;
      lexValue();
    } else if (c === '"') {
      out.push({ t: 'error', message: 'unexpected string: only values may be quoted', line });
      lexString();
      flushUnterminated();
    } else {
      const start = i;
      while (i < n && isNameChar(src[i]!)) i++;
      const text = src.slice(start, i);
      if (text === 'include' && isBlank(src[i])) {
        let k = i;
        while (isBlank(src[k])) k++;
        const d = src[k];
        // `include = x` or `include {` is an ordinary key or section called include
        if (d !== undefined && !'={}:,#\n'.includes(d)) {
          i = k;
          lexInclude();
          continue;
        }
      }
      out.push({ t: 'name', text, line });
    }
  }
  return out;
}
