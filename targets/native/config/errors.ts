/**
 * Configuration errors: every problem in a configuration file is reported with the file, the
 * line (when known) and the full key path, e.g.
 *   `swanctl.conf:12: connections.gw.children.net.esp_propsals: unknown key`.
 * The loader collects all of them and returns them as a list; it never throws for bad input.
 */

export type ConfigErrorCode =
  | 'IO' // the file cannot be read
  | 'SYNTAX' // malformed swanctl.conf / YAML / JSON text
  | 'INCLUDE' // an include statement that cannot be satisfied
  | 'UNKNOWN_KEY' // neither a key of ours nor a known strongSwan key
  | 'UNSUPPORTED_KEY' // a strongSwan key (or section) this implementation does not support
  | 'UNSUPPORTED_VALUE' // a value strongSwan accepts but we do not (auth = pubkey, mode = beet...)
  | 'INVALID_VALUE' // a value that does not parse or is out of range
  | 'EXPECTED_SECTION' // a value where a section belongs
  | 'EXPECTED_VALUE' // a section (or a list of sections) where a value belongs
  | 'MISSING' // a required key or section is absent
  | 'DUPLICATE' // a name or key defined twice
  | 'INCONSISTENT' // values that are valid alone but contradict each other
  | 'MISSING_SECRET'; // a connection without a matching PSK

/** Where a value or section was written. `line` is 1-based; absent when unknown. */
export interface ConfigLocation {
  readonly file: string;
  readonly line?: number;
}

export interface ConfigError {
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly line?: number;
  /** Full key path, e.g. `connections.gw.children.net.mode`; '' for syntax errors. */
  readonly path: string;
  /** The problem alone, without location. */
  readonly detail: string;
  /** `file:line: path: detail` (parts that are unknown are left out). */
  readonly message: string;
}

export function configError(
  code: ConfigErrorCode,
  loc: ConfigLocation,
  path: string,
  detail: string,
): ConfigError {
  const where = loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`;
  const message = path === '' ? `${where}: ${detail}` : `${where}: ${path}: ${detail}`;
  const base = { code, file: loc.file, path, detail, message };
  return loc.line === undefined ? base : { ...base, line: loc.line };
}

/** Joins key path segments: joinPath('connections', 'gw') = 'connections.gw'. */
export const joinPath = (parent: string, name: string): string =>
  parent === '' ? name : `${parent}.${name}`;
