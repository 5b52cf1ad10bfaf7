/**
 * Configuration file -> Config. The syntax follows the file extension: `.conf` is swanctl.conf
 * (strongSwan settings syntax, with `include`), `.yaml`/`.yml` YAML and `.json` JSON, all three
 * holding the same tree: `daemon`, `connections` and `secrets` (see build.ts, schema.ts).
 * parseConfigText is pure (includes go through an optional FileHost); loadConfigFile reads the
 * file system. Neither throws: every problem is a ConfigError with file, line and key path.
 * Errors come in two rounds: all syntax errors of the text, else all errors of meaning.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Config } from '../../../ipsec/config/model.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import { buildConfig } from './build.js';
import { type ConfigError, configError } from './errors.js';
import type { FileHost } from './include.js';
import { parseSwanctl } from './swanctl-parser.js';
import { parseYamlTree } from './yaml-tree.js';

export type { ConfigError, ConfigErrorCode } from './errors.js';
export type { FileHost } from './include.js';

export type ConfigFormat = 'swanctl' | 'yaml' | 'json';

export function formatOf(path: string): ConfigFormat | undefined {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === 'conf'
    ? 'swanctl'
    : ext === 'yaml' || ext === 'yml'
      ? 'yaml'
      : ext === 'json'
        ? 'json'
        : undefined;
}

/** Parses configuration text; `fileName` names it in errors (and anchors relative includes). */
export function parseConfigText(
  text: string,
  format: ConfigFormat,
  fileName: string,
  host?: FileHost,
): Result<Config, ConfigError[]> {
  const parsed =
    format === 'swanctl'
      ? parseSwanctl(text, fileName, host)
      : parseYamlTree(text, fileName, format === 'json');
  // After syntax (or include) errors the tree is incomplete: checking its meaning would mostly
  // report consequences (a section that swallowed the next one, a connection without its secret).
  if (parsed.errors.length > 0) return err([...parsed.errors]);
  return buildConfig(parsed.tree);
}

const reason = (e: unknown): string =>
  (e as { code?: string }).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);

/** node:fs access for include statements. */
export const nodeFileHost: FileHost = {
  readFile(path) {
    try {
      return ok(readFileSync(path, 'utf8'));
    } catch (e) {
      return err(reason(e));
    }
  },
  listDir(path) {
    try {
      return ok(readdirSync(path));
    } catch (e) {
      return err(reason(e));
    }
  },
};

/** Reads and parses a configuration file, the syntax chosen by its extension. */
export function loadConfigFile(path: string, host: FileHost = nodeFileHost): Result<Config, ConfigError[]> {
  const format = formatOf(path);
  if (!format)
    return err([
      configError(
        'IO',
        { file: path },
        '',
        'unknown configuration format: use .conf (swanctl), .yaml/.yml or .json',
      ),
    ]);
  const text = host.readFile(path);
  if (!text.ok) return err([configError('IO', { file: path }, '', `cannot read: ${text.error}`)]);
  return parseConfigText(text.value, format, path, host);
}
