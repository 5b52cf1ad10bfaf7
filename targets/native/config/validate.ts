/**
 * Checks across keys, after each value parsed on its own, so that a broken configuration never
 * starts a half-working daemon:
 * - CHILD SA soft limits below hard limits (rekey_time < life_time, same for bytes and packets,
 *   when both are set: 0 means none);
 * - a child that is started or trapped at load time, or on dpd_action / close_action, needs a
 *   concrete remote address;
 * - reauth_time = 0: IKE reauthentication is not implemented;
 * - distinct IKE and NAT-T ports;
 * - every connection with a psk round has a PSK: an ike secret whose ids include its local or remote identity
 *   (strongSwan's mem_cred shared-key lookup: either side matching suffices, a secret without
 *   ids matches everything; a %any identity is only known at run time, so any secret will do);
 * - daemon.fragment_size leaves room, over UDP, for at least one octet of plaintext per IKE
 *   fragment with every IKE proposal of every connection that sends fragments (RFC 7383 §2.5).
 */
import type { ConnectionConfig, DaemonConfig, IkeSecret } from '../../../ipsec/config/model.js';
import { minimumBudgetForConnection } from '../../../ipsec/ike/fragment/fragment.js';
import { fragmentSizeProblems, udpDatagramOverhead } from '../../../ipsec/ike/fragment/size.js';
import { type IdentityPattern, parseIdentity } from '../../../ipsec/ike/identity.js';
import { equalBytes } from '../../../ipsec/util/bytes.js';
import { type ConfigError, configError, joinPath } from './errors.js';
import type { TreeNode, TreeSection } from './tree.js';

const entry = (sec: TreeSection | undefined, name: string): TreeNode | undefined => sec?.entries.get(name);
const sub = (sec: TreeSection | undefined, name: string): TreeSection | undefined => {
  const n = entry(sec, name);
  return n?.kind === 'section' ? n : undefined;
};

const LIMITS = [
  ['rekey_time', 'life_time'],
  ['rekey_bytes', 'life_bytes'],
  ['rekey_packets', 'life_packets'],
] as const;

export function checkConnection(
  errors: ConfigError[],
  conn: ConnectionConfig,
  sec: TreeSection,
  path: string,
): void {
  const childrenSec = sub(sec, 'children');
  for (const child of conn.children) {
    const csec = sub(childrenSec, child.name);
    const cpath = joinPath(joinPath(path, 'children'), child.name);
    for (const [soft, hard] of LIMITS) {
      const s = child[soft];
      const h = child[hard];
      if (s > 0 && h > 0 && s >= h) {
        const at = entry(csec, hard) ? hard : soft;
        const loc = entry(csec, at)?.loc ?? csec?.loc ?? sec.loc;
        errors.push(
          configError(
            'INCONSISTENT',
            loc,
            joinPath(cpath, at),
            `${soft} (${s}) must be less than ${hard} (${h})`,
          ),
        );
      }
    }
    const actions = [
      ['start_action', child.start_action, 'none'],
      ['dpd_action', child.dpd_action, 'clear'],
      ['close_action', child.close_action, 'none'],
    ] as const;
    for (const [key, value, off] of actions) {
      if (value === off || !conn.remote_addrs.every((a) => a === '%any')) continue;
      const loc = entry(csec, key)?.loc ?? csec?.loc ?? sec.loc;
      errors.push(
        configError(
          'INCONSISTENT',
          loc,
          joinPath(cpath, key),
          `${key} = ${value} needs remote_addrs with the peer's address, not %any`,
        ),
      );
    }
  }
  // IKE reauthentication (a new IKE SA from scratch, RFC 7296 §2.8.3) is not implemented: a
  // configured interval would silently never happen.
  if (conn.reauth_time > 0) {
    errors.push(
      configError(
        'UNSUPPORTED_VALUE',
        entry(sec, 'reauth_time')?.loc ?? sec.loc,
        joinPath(path, 'reauth_time'),
        'IKE reauthentication is not supported: use rekey_time (reauth_time = 0)',
      ),
    );
  }
}

export function checkDaemon(
  errors: ConfigError[],
  daemon: DaemonConfig,
  sec: TreeSection,
  path: string,
): void {
  if (daemon.port !== 0 && daemon.port === daemon.port_nat_t) {
    const at = entry(sec, 'port_nat_t') ? 'port_nat_t' : 'port';
    errors.push(
      configError(
        'INCONSISTENT',
        entry(sec, at)?.loc ?? sec.loc,
        joinPath(path, at),
        `port and port_nat_t are both ${daemon.port}`,
      ),
    );
  }
}

const parsed = (id: string): IdentityPattern | null => {
  const r = parseIdentity(id);
  return r.ok ? r.value : null; // ids were validated when read; null never matches
};

const sameId = (a: IdentityPattern | null, b: IdentityPattern | null): boolean =>
  a !== null &&
  b !== null &&
  (a === undefined || b === undefined || (a.type === b.type && equalBytes(a.data, b.data)));

/** Connections (by name, with their sections for error locations) without a matching PSK. */
export function checkSecrets(
  errors: ConfigError[],
  connections: readonly ConnectionConfig[],
  secrets: readonly IkeSecret[],
  sections: ReadonlyMap<string, TreeSection>,
): void {
  for (const conn of connections) {
    if (conn.local.auth !== 'psk' && conn.remote.auth !== 'psk') continue; // signatures: no PSK
    const ids = [parsed(conn.local.id), parsed(conn.remote.id)];
    const found = secrets.some(
      (s) => s.id.length === 0 || s.id.some((id) => ids.some((c) => sameId(parsed(id), c))),
    );
    if (found) continue;
    const sec = sections.get(conn.name);
    errors.push(
      configError(
        'MISSING_SECRET',
        sec?.loc ?? { file: '' },
        `connections.${conn.name}`,
        `no PSK for local id '${conn.local.id}' or remote id '${conn.remote.id}': add secrets { ike-${conn.name} { id = ... secret = ... } }`,
      ),
    );
  }
}

/**
 * A fragment_size too small to carry any plaintext in an IKE fragment over UDP (worst case:
 * the NAT-T port, with the non-ESP marker; IPv6 unless every remote address is IPv4).
 */
export function checkFragmentSize(
  errors: ConfigError[],
  daemon: DaemonConfig,
  connections: readonly ConnectionConfig[],
  daemonSection: TreeSection | undefined,
  sections: ReadonlyMap<string, TreeSection>,
): void {
  const at = entry(daemonSection, 'fragment_size');
  for (const p of fragmentSizeProblems(
    connections,
    daemon.fragment_size,
    udpDatagramOverhead,
    minimumBudgetForConnection,
  ))
    errors.push(
      configError(
        'INCONSISTENT',
        at?.loc ?? sections.get(p.connection)?.loc ?? { file: '' },
        at ? 'daemon.fragment_size' : `connections.${p.connection}.fragmentation`,
        `fragment_size ${daemon.fragment_size} leaves ${p.budget} octets of IKE message per datagram over UDP; the IKE proposals of connection '${p.connection}' need at least ${p.needed} for one octet of plaintext per fragment (or set fragmentation = accept or no)`,
      ),
    );
}
