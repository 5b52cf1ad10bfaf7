/**
 * Building a Config in code: `defineConfig` fills the swanctl.conf defaults (DAEMON_DEFAULTS,
 * connectionWithDefaults, childWithDefaults) and checks what the swanctl loader would refuse
 * (proposals, identities, traffic selectors, a PSK per connection that uses one, ports), so that a mistake is
 * one clear exception when the app starts rather than an IKE SA that never comes up.
 * Portable: no node: imports.
 */
import {
  type ChildInput,
  type Config,
  type ConnectionConfig,
  type ConnectionInput,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
  type DaemonConfig,
  type IkeSecret,
} from '../../ipsec/config/model.js';
import { type IdentityPattern, parseIdentity } from '../../ipsec/ike/identity.js';
import { ProtocolId } from '../../ipsec/ike/model.js';
import { parseProposals } from '../../ipsec/ike/proposal/keywords.js';
import { tsFromString } from '../../ipsec/ike/ts/text.js';
import { equalBytes, utf8 } from '../../ipsec/util/bytes.js';

/** A pre-shared key. A string secret is used as its UTF-8 octets, exactly (no 0x / 0s prefixes). */
export interface SecretInput {
  /** Names the secret in error messages; default `ike-<index>`. */
  readonly name?: string;
  /** The identities it is for (swanctl identity syntax); empty or absent = any identity. */
  readonly id?: readonly string[];
  readonly secret: string | Uint8Array;
}

export interface ConfigInput {
  /** Daemon settings; anything left out is DAEMON_DEFAULTS (ports 500 and 4500, ...). */
  readonly daemon?: Partial<DaemonConfig>;
  /** Connections as swanctl.conf names them; every key but name, local, remote, children is optional. */
  readonly connections: readonly ConnectionInput[];
  readonly secrets?: readonly SecretInput[];
}

/** Thrown by defineConfig: `problems` lists every mistake found, one line each. */
export class ConfigValidationError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigValidationError';
    this.problems = problems;
  }
}

const sameIdentity = (a: IdentityPattern | null, b: IdentityPattern | null): boolean =>
  a !== null &&
  b !== null &&
  (a === undefined || b === undefined || (a.type === b.type && equalBytes(a.data, b.data)));

function identity(problems: string[], where: string, text: string): IdentityPattern | null {
  const r = parseIdentity(text);
  if (r.ok) return r.value;
  problems.push(`${where}: ${r.error}`);
  return null;
}

function checkChild(problems: string[], where: string, child: ChildInput): void {
  if (child.esp_proposals) {
    const p = parseProposals(child.esp_proposals, ProtocolId.ESP);
    if (!p.ok) problems.push(`${where}.esp_proposals: ${p.error.message}`);
  }
  for (const key of ['local_ts', 'remote_ts'] as const) {
    for (const ts of child[key] ?? []) {
      if (ts.trim() === 'dynamic') continue;
      const r = tsFromString(ts);
      if (!r.ok) problems.push(`${where}.${key}: '${ts}': ${r.error.message}`);
    }
  }
  const soft = child.rekey_time;
  const hard = child.life_time;
  if (soft !== undefined && hard !== undefined && soft > 0 && hard > 0 && soft >= hard)
    problems.push(`${where}: rekey_time (${soft}) must be less than life_time (${hard})`);
}

function checkConnection(problems: string[], c: ConnectionInput, secrets: readonly IkeSecret[]): void {
  const where = `connections.${c.name}`;
  if (c.proposals) {
    const p = parseProposals(c.proposals, ProtocolId.IKE);
    if (!p.ok) problems.push(`${where}.proposals: ${p.error.message}`);
  }
  const local = identity(problems, `${where}.local.id`, c.local.id);
  const remote = identity(problems, `${where}.remote.id`, c.remote.id);
  if (c.reauth_time !== undefined && c.reauth_time > 0)
    problems.push(`${where}.reauth_time: IKE reauthentication is not supported (use rekey_time)`);
  const childNames = new Set<string>();
  for (const child of c.children) {
    if (childNames.has(child.name)) problems.push(`${where}.children: '${child.name}' appears twice`);
    childNames.add(child.name);
    checkChild(problems, `${where}.children.${child.name}`, child);
  }
  if (local === null || remote === null) return; // already reported
  if (c.local.auth !== 'psk' && c.remote.auth !== 'psk') return; // signatures: PeerOptions.credentials
  // strongSwan's shared-key lookup: a secret without ids matches anything, else either side's id.
  const found = secrets.some(
    (s) =>
      s.id.length === 0 ||
      s.id.some((id) => {
        const r = parseIdentity(id);
        return r.ok && (sameIdentity(r.value, local) || sameIdentity(r.value, remote));
      }),
  );
  if (!found) problems.push(`${where}: no secret for local id '${c.local.id}' or remote id '${c.remote.id}'`);
}

/**
 * A complete Config from the parts an app cares about, with swanctl.conf's defaults for the rest.
 * Throws ConfigValidationError listing every problem found.
 */
export function defineConfig(input: ConfigInput): Config {
  const problems: string[] = [];
  const daemon: DaemonConfig = { ...DAEMON_DEFAULTS, ...input.daemon };
  if (daemon.port !== 0 && daemon.port === daemon.port_nat_t)
    problems.push(`daemon: port and port_nat_t are both ${daemon.port}`);
  const secrets: IkeSecret[] = (input.secrets ?? []).map((s, i) => {
    const name = s.name ?? `ike-${i}`;
    for (const id of s.id ?? []) identity(problems, `secrets.${name}.id`, id);
    const given: unknown = s.secret;
    const secret =
      typeof given === 'string' ? utf8(given) : given instanceof Uint8Array ? given.slice() : undefined;
    if (!secret) problems.push(`secrets.${name}: the secret is ${typeof given}, not a string or Uint8Array`);
    else if (secret.length === 0) problems.push(`secrets.${name}: empty secret`);
    return { name, id: [...(s.id ?? [])], secret: secret ?? new Uint8Array(0) };
  });
  const names = new Set<string>();
  for (const c of input.connections) {
    if (names.has(c.name)) problems.push(`connections: '${c.name}' appears twice`);
    names.add(c.name);
    checkConnection(problems, c, secrets);
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  const connections: ConnectionConfig[] = input.connections.map(connectionWithDefaults);
  return { daemon, connections, secrets };
}
