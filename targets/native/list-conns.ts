/**
 * list-conns: the loaded connections with VICI list-conns names (as an array; VICI nests them
 * by name), and the swanctl --list-conns text for them.
 */
import type { AuthRound, Config } from '../../ipsec/config/model.js';
import { formatDn } from '../../ipsec/x509/name.js';
import type { LoadedCredentials } from './credentials/load.js';

export interface ListConnsChild {
  readonly name: string;
  readonly mode: 'TUNNEL' | 'TRANSPORT';
  readonly rekey_time: number;
  readonly rekey_bytes: number;
  readonly rekey_packets: number;
  readonly start_action: string;
  readonly esp_proposals: readonly string[];
  readonly 'local-ts': readonly string[];
  readonly 'remote-ts': readonly string[];
}

/** An authentication round; certs and cacerts as subject DNs (the file name when not loaded). */
export interface ListConnsRound {
  readonly class: string;
  readonly id: string;
  readonly certs?: readonly string[];
  readonly cacerts?: readonly string[];
  readonly pubkeys?: readonly string[];
}

export interface ListConnsEntry {
  readonly name: string;
  readonly version: 'IKEv2';
  readonly local_addrs: readonly string[];
  readonly remote_addrs: readonly string[];
  readonly local_port: number;
  readonly remote_port: number;
  readonly proposals: readonly string[];
  readonly encap: boolean;
  readonly unique: string;
  readonly reauth_time: number;
  readonly rekey_time: number;
  readonly 'local-1': ListConnsRound;
  readonly 'remote-1': ListConnsRound;
  readonly children: readonly ListConnsChild[];
}

const AUTH_CLASS = { psk: 'pre-shared key', pubkey: 'public key' } as const; // swanctl --list-conns

function round(r: AuthRound, creds: LoadedCredentials | undefined): ListConnsRound {
  const subject = (kind: 'end-entity' | 'ca', name: string) => {
    const l = creds?.certificates.find((c) => c.kind === kind && c.name === name);
    return l ? formatDn(l.cert.subject) : name;
  };
  return {
    class: AUTH_CLASS[r.auth],
    id: r.id,
    ...(r.certs?.length ? { certs: r.certs.map((n) => subject('end-entity', n)) } : {}),
    ...(r.cacerts?.length ? { cacerts: r.cacerts.map((n) => subject('ca', n)) } : {}),
    ...(r.pubkeys?.length ? { pubkeys: r.pubkeys } : {}),
  };
}

export function buildListConns(
  config: Pick<Config, 'connections'>,
  credentials?: LoadedCredentials,
): ListConnsEntry[] {
  return config.connections.map((c) => ({
    name: c.name,
    version: 'IKEv2',
    local_addrs: c.local_addrs,
    remote_addrs: c.remote_addrs,
    local_port: c.local_port,
    remote_port: c.remote_port,
    proposals: c.proposals,
    encap: c.encap,
    unique: c.unique,
    reauth_time: c.reauth_time,
    rekey_time: c.rekey_time,
    'local-1': round(c.local, credentials),
    'remote-1': round(c.remote, credentials),
    children: c.children.map((ch) => ({
      name: ch.name,
      mode: ch.mode === 'tunnel' ? 'TUNNEL' : 'TRANSPORT',
      rekey_time: ch.rekey_time,
      rekey_bytes: ch.rekey_bytes,
      rekey_packets: ch.rekey_packets,
      start_action: ch.start_action,
      esp_proposals: ch.esp_proposals,
      'local-ts': ch.local_ts,
      'remote-ts': ch.remote_ts,
    })),
  }));
}

const rekeying = (seconds: number) => (seconds > 0 ? `rekeying every ${seconds}s` : 'no rekeying');

/** swanctl --list-conns text. */
export function formatListConns(list: readonly ListConnsEntry[]): string {
  const lines: string[] = [];
  for (const c of list) {
    const reauth = c.reauth_time > 0 ? `reauthentication every ${c.reauth_time}s` : 'no reauthentication';
    lines.push(`${c.name}: IKEv2, ${reauth}, ${rekeying(c.rekey_time)}`);
    lines.push(`  local:  ${c.local_addrs.join(', ')}`);
    lines.push(`  remote: ${c.remote_addrs.join(', ')}`);
    for (const side of ['local', 'remote'] as const) {
      const r = c[`${side}-1`];
      lines.push(`  ${side} ${r.class} authentication:`);
      lines.push(`    id: ${r.id}`);
      for (const cert of r.certs ?? []) lines.push(`    certs: ${cert}`);
      for (const ca of r.cacerts ?? []) lines.push(`    cacerts: ${ca}`);
      for (const key of r.pubkeys ?? []) lines.push(`    pubkeys: ${key}`);
    }
    for (const ch of c.children) {
      lines.push(`  ${ch.name}: ${ch.mode}, ${rekeying(ch.rekey_time)}`);
      lines.push(`    local:  ${ch['local-ts'].join(' ')}`);
      lines.push(`    remote: ${ch['remote-ts'].join(' ')}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
