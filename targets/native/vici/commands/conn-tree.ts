/**
 * VICI `load-conn` message -> the configuration tree the swanctl.conf parser produces
 * (config/tree.ts), so that build.ts applies the same key table, defaults and checks: a
 * connection `swanctl --load-all` sends behaves exactly like the same swanctl.conf section given
 * to `ikev2 daemon --config`.
 *
 * swanctl (load_conns.c) sends each connection as a section named after it; its keys as they
 * are written in the file (values are strings), the list keys (local_addrs, remote_addrs,
 * proposals, esp_proposals, local_ts, remote_ts, vips, pools, groups, cert_policy...) as VICI
 * lists split at commas, and the sub-sections as written (local, remote, local-2, children {
 * net { ... } }). `certs`, `cacerts` and `pubkeys` are lists of file CONTENTS (swanctl reads
 * x509/, x509ca/, pubkey/ itself): `files` turns each into a name the credential store knows.
 *
 * The checks across the whole file are made against the running daemon: a PSK connection needs
 * a secret among `secrets` (those of the daemon's file and those loaded with load-shared, which
 * swanctl sends before load-conn), and fragment_size is the daemon's.
 */
import type { ConnectionConfig, DaemonConfig, IkeSecret } from '../../../../ipsec/config/model.js';
import { err, ok, type Result } from '../../../../ipsec/result.js';
import { buildConfig } from '../../config/build.js';
import { type ConfigError, type ConfigLocation, configError, joinPath } from '../../config/errors.js';
import type { TreeNode, TreeSection } from '../../config/tree.js';
import { checkFragmentSize, checkSecrets } from '../../config/validate.js';
import type { ViciNode, ViciSection } from '../message.js';

/** Where errors of a load-conn message say they are (there is no file and no line). */
export const LOAD_CONN_FILE = 'load-conn';

/** The keys whose list items are credential file contents (swanctl is_file_list_key). */
export type ViciFileListKey = 'certs' | 'cacerts' | 'pubkeys';
const FILE_LIST_KEYS: readonly string[] = ['certs', 'cacerts', 'pubkeys'];

/** A certificate or public key sent in a load-conn round -> the name connections use for it. */
export type ViciFileMapper = (key: ViciFileListKey, data: Uint8Array) => Result<string, string>;

const text = new TextDecoder('utf-8', { ignoreBOM: true });

const isList = (n: ViciNode): n is readonly Uint8Array[] => Array.isArray(n);
const isValue = (n: ViciNode): n is Uint8Array => n instanceof Uint8Array;

interface Conv {
  readonly loc: ConfigLocation;
  readonly files: ViciFileMapper | undefined;
  readonly errors: ConfigError[];
}

/** An auth round section: local, local-2, remote, remote-xyz (build.ts reads `local*`/`remote*`). */
const isRound = (name: string): boolean => name.startsWith('local') || name.startsWith('remote');

/** depth 0: a connection; 1: its rounds and `children`; 2: a child. */
function convertSection(c: Conv, sec: ViciSection, path: string, depth: number): TreeSection {
  const round = depth === 1 && isRound(path.slice(path.lastIndexOf('.') + 1));
  const entries = new Map<string, TreeNode>();
  for (const [name, node] of sec) {
    const kpath = joinPath(path, name);
    if (isValue(node)) {
      entries.set(name, { kind: 'value', value: text.decode(node), loc: c.loc });
    } else if (isList(node)) {
      if (round && FILE_LIST_KEYS.includes(name)) {
        const names: string[] = [];
        for (const data of node) {
          const r = c.files
            ? c.files(name as ViciFileListKey, data)
            : err('credentials sent in load-conn are not supported by this daemon');
          if (r.ok) names.push(r.value);
          else c.errors.push(configError('INVALID_VALUE', c.loc, kpath, r.error));
        }
        entries.set(name, { kind: 'value', value: names, loc: c.loc });
      } else {
        entries.set(name, { kind: 'value', value: node.map((v) => text.decode(v)), loc: c.loc });
      }
    } else {
      entries.set(name, convertSection(c, node, kpath, depth + 1));
    }
  }
  return { kind: 'section', entries, loc: c.loc, defs: [c.loc] };
}

/**
 * The tree of a load-conn request: `connections { <each top-level section> }`, as if read from a
 * swanctl.conf. Top-level key/values or lists (not connections) are errors.
 */
export function loadConnTree(
  request: ViciSection,
  files?: ViciFileMapper,
  file = LOAD_CONN_FILE,
): Result<TreeSection, ConfigError[]> {
  const loc: ConfigLocation = { file };
  const c: Conv = { loc, files, errors: [] };
  const conns = new Map<string, TreeNode>();
  for (const [name, node] of request) {
    if (isValue(node) || isList(node)) {
      c.errors.push(
        configError('EXPECTED_SECTION', loc, name, 'expected a connection section, found a value'),
      );
      continue;
    }
    conns.set(name, convertSection(c, node, joinPath('connections', name), 0));
  }
  if (conns.size === 0 && c.errors.length === 0)
    c.errors.push(configError('MISSING', loc, 'connections', 'no connection in the message'));
  if (c.errors.length > 0) return err(c.errors);
  const connections: TreeSection = { kind: 'section', entries: conns, loc, defs: [loc] };
  return ok({ kind: 'section', entries: new Map([['connections', connections]]), loc, defs: [loc] });
}

export interface LoadConnContext {
  /** The PSKs a psk connection may use (the running daemon's). */
  readonly secrets: readonly IkeSecret[];
  /** The running daemon's settings (fragment_size). */
  readonly daemon: DaemonConfig;
  /** certs/cacerts/pubkeys contents -> names (absent: such rounds are refused). */
  readonly files?: ViciFileMapper;
}

const sectionOf = (root: TreeSection, name: string): TreeSection | undefined => {
  const conns = root.entries.get('connections');
  const s = conns?.kind === 'section' ? conns.entries.get(name) : undefined;
  return s?.kind === 'section' ? s : undefined;
};

/**
 * A load-conn request -> its connections, with the errors build.ts would report for the same
 * swanctl.conf (the whole-file checks made against `ctx`, the running daemon).
 */
export function viciConnections(
  request: ViciSection,
  ctx: LoadConnContext,
): Result<ConnectionConfig[], ConfigError[]> {
  const tree = loadConnTree(request, ctx.files);
  if (!tree.ok) return tree;
  const built = buildConfig(tree.value);
  // buildConfig checks against an empty secrets section and the default daemon settings: those
  // two checks are made again below against the running daemon.
  const fragmentPath = /^connections\.[^.]+\.fragmentation$/;
  const errors = built.ok
    ? []
    : built.error.filter(
        (e) => e.code !== 'MISSING_SECRET' && !(e.code === 'INCONSISTENT' && fragmentPath.test(e.path)),
      );
  if (errors.length > 0) return err(errors);
  // Without those errors the tree builds, except for the two checks: build it again without them.
  const connections = built.ok ? built.value.connections : rebuild(tree.value);
  if (!built.ok && connections.length === 0) return err(built.error);
  const sections = new Map<string, TreeSection>();
  for (const conn of connections) {
    const s = sectionOf(tree.value, conn.name);
    if (s) sections.set(conn.name, s);
  }
  checkSecrets(errors, connections, ctx.secrets, sections);
  checkFragmentSize(errors, ctx.daemon, connections, undefined, sections);
  return errors.length > 0 ? err(errors) : ok([...connections]);
}

/**
 * The connections of a tree whose only errors were the whole-file checks: built one by one with
 * a wildcard secret (checkSecrets then passes) and a fragment_size of 0 (the default budget is
 * the minimum anyway, so no fragmentation error is reported twice).
 */
function rebuild(root: TreeSection): ConnectionConfig[] {
  const loc = root.loc;
  const secrets: TreeSection = {
    kind: 'section',
    loc,
    defs: [loc],
    entries: new Map<string, TreeNode>([
      [
        'ike-vici-check',
        {
          kind: 'section',
          loc,
          defs: [loc],
          entries: new Map([['secret', { kind: 'value', value: 'x', loc }]]),
        },
      ],
    ]),
  };
  const daemon: TreeSection = {
    kind: 'section',
    loc,
    defs: [loc],
    entries: new Map([['fragment_size', { kind: 'value', value: '65535', loc }]]),
  };
  const r = buildConfig({
    ...root,
    entries: new Map([...root.entries, ['secrets', secrets], ['daemon', daemon]]),
  });
  return r.ok ? [...r.value.connections] : [];
}
