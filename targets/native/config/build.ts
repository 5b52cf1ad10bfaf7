/**
 * Configuration tree -> Config (ipsec/config/model.ts): applies the key table (schema.ts) to
 * the section structure of swanctl.conf(5) plus our `daemon` section:
 *   daemon { ... }
 *   connections { <name> { <keys>  local[<suffix>] { auth id certs... }  remote[<suffix>] { ... }
 *                          children { <name> { <keys> } } } }
 *   secrets { ike<suffix> { id[<suffix>] = ...  secret = ... }
 *             private<suffix> (rsa, ecdsa, pkcs8) { file = ...  secret = ... } }
 * then the checks that need more than one value (validate.ts). All errors are collected.
 */
import {
  type AuthRound,
  type ChildInput,
  type Config,
  type ConnectionConfig,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
  type IkeSecret,
  type PrivateKeyKind,
  type PrivateKeySecret,
} from '../../../ipsec/config/model.js';
import { err, ok, type Result } from '../../../ipsec/result.js';
import { type ConfigError, configError, joinPath } from './errors.js';
import {
  CHILD_KEYS,
  CONNECTION_KEYS,
  DAEMON_KEYS,
  isUnsupported,
  type KeyTable,
  PRIVATE_KEY_SECRET_KEYS,
  PRIVATE_KEY_SECRET_KINDS,
  ROUND_KEYS,
  SECRET_KEYS,
  UNSUPPORTED_CHILD,
  UNSUPPORTED_CONNECTION,
  UNSUPPORTED_ROOT,
  UNSUPPORTED_ROUND,
  UNSUPPORTED_SECRETS,
  type Unsupported,
} from './schema.js';
import type { TreeNode, TreeSection } from './tree.js';
import { checkConnection, checkDaemon, checkFragmentSize, checkSecrets } from './validate.js';

type Errors = ConfigError[];

function section(errors: Errors, node: TreeNode, path: string): TreeSection | undefined {
  if (node.kind === 'section') return node;
  errors.push(configError('EXPECTED_SECTION', node.loc, path, 'expected a section { ... }, found a value'));
  return undefined;
}

function duplicate(errors: Errors, sec: TreeSection, path: string, what: string): void {
  const [first, ...again] = sec.defs;
  for (const loc of again)
    errors.push(configError('DUPLICATE', loc, path, `${what} defined twice (first at line ${first?.line})`));
}

/**
 * Reads the keys of `table` from `sec`. Other names go to `other` (sub-sections), then are
 * "unsupported key" if strongSwan knows them, else "unknown key".
 */
function readKeys<T>(
  errors: Errors,
  sec: TreeSection,
  path: string,
  table: KeyTable<T>,
  unsupported: Unsupported,
  other: (name: string, node: TreeNode, path: string) => boolean = () => false,
): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [name, node] of sec.entries) {
    const kpath = joinPath(path, name);
    const spec = Object.hasOwn(table, name) ? table[name as keyof T] : undefined;
    if (spec) {
      if (node.kind === 'section') {
        errors.push(configError('EXPECTED_VALUE', node.loc, kpath, 'expected a value, found a section'));
        continue;
      }
      const r = spec.parse(node.value);
      if (r.ok) out[name] = r.value;
      else for (const p of r.error) errors.push(configError(p.code, node.loc, kpath, p.detail));
    } else if (!other(name, node, kpath)) {
      const known = isUnsupported(unsupported, name);
      errors.push(
        configError(
          known ? 'UNSUPPORTED_KEY' : 'UNKNOWN_KEY',
          node.loc,
          kpath,
          known ? 'unsupported key' : 'unknown key',
        ),
      );
    }
  }
  return out as Partial<T>;
}

function readRound(
  errors: Errors,
  sec: TreeSection,
  path: string,
  side: 'local' | 'remote',
): AuthRound | undefined {
  const round = readKeys(errors, sec, path, ROUND_KEYS, UNSUPPORTED_ROUND);
  if (round.auth === undefined && sec.entries.has('auth')) return undefined; // reported
  const revocation = sec.entries.get('revocation');
  if (side === 'local' && revocation) {
    errors.push(
      configError(
        'UNSUPPORTED_KEY',
        revocation.loc,
        joinPath(path, 'revocation'),
        'revocation applies to remote rounds only (the peer certificate)',
      ),
    );
    return undefined;
  }
  const { auth = { auth: 'pubkey' }, id = '%any', ...files } = round; // swanctl default: pubkey
  return { ...auth, id, ...files };
}

function readChild(errors: Errors, name: string, sec: TreeSection, path: string): ChildInput {
  duplicate(errors, sec, path, `child '${name}'`);
  return { ...readKeys(errors, sec, path, CHILD_KEYS, UNSUPPORTED_CHILD), name };
}

function readConnection(
  errors: Errors,
  name: string,
  sec: TreeSection,
  path: string,
): ConnectionConfig | undefined {
  duplicate(errors, sec, path, `connection '${name}'`);
  const children: ChildInput[] = [];
  const auth: Partial<Record<'local' | 'remote', AuthRound>> = {};
  const seen = { local: false, remote: false };
  const before = errors.length;
  const fields = readKeys(errors, sec, path, CONNECTION_KEYS, UNSUPPORTED_CONNECTION, (key, node, kpath) => {
    const side = key.startsWith('local') ? 'local' : key.startsWith('remote') ? 'remote' : undefined;
    if (side && (node.kind === 'section' || key === side)) {
      const s = section(errors, node, kpath);
      if (s && seen[side])
        errors.push(
          configError('UNSUPPORTED_KEY', s.loc, kpath, `only one ${side} authentication round is supported`),
        );
      else if (s) {
        seen[side] = true;
        auth[side] = readRound(errors, s, kpath, side);
      }
      return true;
    }
    if (key !== 'children') return false;
    const s = section(errors, node, kpath);
    for (const [child, cnode] of s?.entries ?? []) {
      const cpath = joinPath(kpath, child);
      const cs = section(errors, cnode, cpath);
      if (cs) children.push(readChild(errors, child, cs, cpath));
    }
    return true;
  });
  for (const side of ['local', 'remote'] as const) {
    if (!seen[side] && !sec.entries.has(side))
      errors.push(
        configError(
          'MISSING',
          sec.loc,
          joinPath(path, side),
          `missing ${side} { auth = ...  id = ... } section`,
        ),
      );
  }
  if (errors.length > before || !auth.local || !auth.remote) return undefined;
  const conn = connectionWithDefaults({ ...fields, name, local: auth.local, remote: auth.remote, children });
  checkConnection(errors, conn, sec, path);
  return conn;
}

function readSecret(errors: Errors, name: string, sec: TreeSection, path: string): IkeSecret | undefined {
  duplicate(errors, sec, path, `secret '${name}'`);
  const ids: string[] = [];
  let secret: Uint8Array | undefined;
  let bad = false;
  for (const [key, node] of sec.entries) {
    const kpath = joinPath(path, key);
    const spec = key === 'secret' ? SECRET_KEYS.secret : key.startsWith('id') ? SECRET_KEYS.id : undefined;
    if (!spec) {
      errors.push(configError('UNKNOWN_KEY', node.loc, kpath, 'unknown key'));
    } else if (node.kind === 'section') {
      errors.push(configError('EXPECTED_VALUE', node.loc, kpath, 'expected a value, found a section'));
    } else {
      const r = spec.parse(node.value);
      if (!r.ok) {
        for (const p of r.error) errors.push(configError(p.code, node.loc, kpath, p.detail));
        bad = true;
      } else if (r.value instanceof Uint8Array) secret = r.value;
      else ids.push(...r.value);
    }
  }
  if (!secret && !bad)
    errors.push(configError('MISSING', sec.loc, joinPath(path, 'secret'), 'missing secret'));
  return secret && !bad ? { name, id: ids, secret } : undefined;
}

/** `secrets.private<suffix>` (rsa, ecdsa, pkcs8): `file` and its passphrase `secret`. */
function readPrivateKeySecret(
  errors: Errors,
  kind: PrivateKeyKind,
  name: string,
  sec: TreeSection,
  path: string,
): PrivateKeySecret | undefined {
  duplicate(errors, sec, path, `secret '${name}'`);
  const before = errors.length;
  const r = readKeys(errors, sec, path, PRIVATE_KEY_SECRET_KEYS, { names: [] });
  if (r.file === undefined && !sec.entries.has('file'))
    errors.push(configError('MISSING', sec.loc, joinPath(path, 'file'), 'missing file (the key file name)'));
  if (errors.length > before || r.file === undefined) return undefined;
  return { name, kind, file: r.file, ...(r.secret !== undefined ? { secret: r.secret } : {}) };
}

const privateKeyKind = (entry: string): PrivateKeyKind | undefined =>
  PRIVATE_KEY_SECRET_KINDS.find((k) => entry.startsWith(k));

/** Tree -> Config, or every error found. */
export function buildConfig(root: TreeSection): Result<Config, ConfigError[]> {
  const errors: Errors = [];
  let daemon = DAEMON_DEFAULTS;
  const connections: ConnectionConfig[] = [];
  const secrets: IkeSecret[] = [];
  const privateKeySecrets: PrivateKeySecret[] = [];
  const connectionSections = new Map<string, TreeSection>();
  let daemonSection: TreeSection | undefined;
  let secretsBroken = false; // then "no PSK" errors would only repeat the secrets' own errors
  readKeys(errors, root, '', {}, UNSUPPORTED_ROOT, (name, node, path) => {
    if (name !== 'daemon' && name !== 'connections' && name !== 'secrets') return false;
    const sec = section(errors, node, path);
    if (!sec) return true;
    const before = errors.length;
    if (name === 'daemon') {
      daemon = { ...DAEMON_DEFAULTS, ...readKeys(errors, sec, path, DAEMON_KEYS, { names: [] }) };
      daemonSection = sec;
      checkDaemon(errors, daemon, sec, path);
    }
    for (const [entry, child] of name === 'daemon' ? [] : sec.entries) {
      const epath = joinPath(path, entry);
      const keyKind = name === 'secrets' ? privateKeyKind(entry) : undefined;
      if (keyKind) {
        const s = section(errors, child, epath);
        const secret = s && readPrivateKeySecret(errors, keyKind, entry, s, epath);
        if (secret) privateKeySecrets.push(secret);
        continue;
      }
      if (name === 'secrets' && !entry.startsWith('ike')) {
        const known = isUnsupported(UNSUPPORTED_SECRETS, entry);
        errors.push(
          known
            ? configError(
                'UNSUPPORTED_KEY',
                child.loc,
                epath,
                'unsupported secret type: only ike<suffix> (PSK) and private, rsa, ecdsa, pkcs8<suffix> (key passphrases)',
              )
            : configError('UNKNOWN_KEY', child.loc, epath, 'unknown secret type'),
        );
        continue;
      }
      const s = section(errors, child, epath);
      if (!s) continue;
      if (name === 'secrets') {
        const secret = readSecret(errors, entry, s, epath);
        if (secret) secrets.push(secret);
      } else {
        const conn = readConnection(errors, entry, s, epath);
        if (conn) {
          connections.push(conn);
          connectionSections.set(entry, s);
        }
      }
    }
    if (name === 'secrets' && errors.length > before) secretsBroken = true;
    return true;
  });
  if (!secretsBroken) checkSecrets(errors, connections, secrets, connectionSections);
  checkFragmentSize(errors, daemon, connections, daemonSection, connectionSections);
  if (errors.length > 0) return err(errors);
  return ok({ daemon, connections, secrets, ...(privateKeySecrets.length > 0 ? { privateKeySecrets } : {}) });
}
