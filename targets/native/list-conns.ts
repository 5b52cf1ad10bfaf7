/**
 * list-conns: the loaded connections with VICI list-conns names (as an array; VICI nests them
 * by name), and the swanctl --list-conns text for them.
 */
import type { Config } from '../../ipsec/config/model.js';

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
  readonly 'local-1': { readonly class: string; readonly id: string };
  readonly 'remote-1': { readonly class: string; readonly id: string };
  readonly children: readonly ListConnsChild[];
}

const AUTH_CLASS = { psk: 'pre-shared key', pubkey: 'public key' } as const; // swanctl --list-conns

export function buildListConns(config: Pick<Config, 'connections'>): ListConnsEntry[] {
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
    'local-1': { class: AUTH_CLASS[c.local.auth], id: c.local.id },
    'remote-1': { class: AUTH_CLASS[c.remote.auth], id: c.remote.id },
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
    lines.push(`  local ${c['local-1'].class} authentication:`);
    lines.push(`    id: ${c['local-1'].id}`);
    lines.push(`  remote ${c['remote-1'].class} authentication:`);
    lines.push(`    id: ${c['remote-1'].id}`);
    for (const ch of c.children) {
      lines.push(`  ${ch.name}: ${ch.mode}, ${rekeying(ch.rekey_time)}`);
      lines.push(`    local:  ${ch['local-ts'].join(' ')}`);
      lines.push(`    remote: ${ch['remote-ts'].join(' ')}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
