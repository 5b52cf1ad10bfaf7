/**
 * The key table: every key we read, by its swanctl.conf name (swanctl.conf(5); the `daemon`
 * section uses strongswan.conf(5) charon.* names), with its value syntax; and the strongSwan
 * keys we know but do not implement, which are reported as "unsupported key" rather than
 * "unknown key". Section structure (connections.<name>, local/remote rounds, children.<name>,
 * secrets.ike<suffix>) is in build.ts.
 */
import type { AuthRound, ChildConfig, ConnectionConfig, DaemonConfig } from '../../../ipsec/config/model.js';
import {
  type AuthSpec,
  address,
  addressOrPrefix,
  authMethod,
  bool,
  bytes,
  duration,
  espProposal,
  fileName,
  identity,
  ikeProposal,
  ikeVersion,
  interfaceName,
  list,
  oneOf,
  passphrase,
  positiveDecimal,
  revocationPolicy,
  scalar,
  secretValue,
  sendCertPolicy,
  trafficSelector,
  uint,
  type ValueParser,
  viciUri,
} from './values.js';

export interface KeySpec<T> {
  readonly parse: ValueParser<T>;
  readonly doc: string;
}
export type KeyTable<T> = { readonly [K in keyof T]?: KeySpec<T[K]> };

const key = <T>(parse: ValueParser<T>, doc: string): KeySpec<T> => ({ parse, doc });
const U32 = 0xffff_ffff;

export const DAEMON_KEYS: KeyTable<DaemonConfig> = {
  port: key(scalar(uint(65535)), 'UDP port for IKE (charon.port; 0 = any free port)'),
  port_nat_t: key(scalar(uint(65535)), 'UDP port for IKE/ESP after NAT detection (charon.port_nat_t)'),
  inner_addrs: key(list(addressOrPrefix, { allowEmpty: true }), 'inner (tunnel) addresses of this host'),
  cookie_threshold: key(scalar(uint(U32)), 'half-open IKE SAs before COOKIEs are demanded (0 = never)'),
  cookie_threshold_ip: key(scalar(uint(U32)), 'half-open IKE SAs from one IP before COOKIEs'),
  block_threshold: key(scalar(uint(U32)), 'half-open IKE SAs from one IP before IKE_SA_INITs are dropped'),
  init_limit_half_open: key(
    scalar(uint(U32)),
    'half-open IKE SAs in total before IKE_SA_INITs are dropped (charon.init_limit_half_open; 0 = no limit)',
  ),
  half_open_timeout: key(scalar(duration), 'lifetime of a half-open IKE SA'),
  keep_alive: key(
    scalar(duration),
    'interval of NAT-keepalives behind a NAT (charon.keep_alive; default 20s, 0 = none)',
  ),
  retransmit_timeout: key(scalar(positiveDecimal), 'first retransmission timeout, seconds'),
  retransmit_tries: key(scalar(uint(U32)), 'retransmissions before giving up'),
  retransmit_base: key(scalar(positiveDecimal), 'base of the exponential retransmission backoff'),
  replay_window: key(scalar(uint(U32)), 'default ESP replay window, packets'),
  fragment_size: key(
    scalar(uint(65535)),
    'largest IP datagram of an IKE fragment, IP/UDP headers and non-ESP marker included (charon.fragment_size; 0 = 576 IPv4 / 1280 IPv6)',
  ),
  tun: key(
    scalar(interfaceName),
    "TUN device for this host's own traffic (e.g. ipsec0; empty = the in-process inner host)",
  ),
  tun_mtu: key(scalar(uint(65535, 576)), 'MTU of the TUN device (default 1400, as kernel-libipsec)'),
  tun_table: key(
    scalar(uint(0xffff_fffe, 1)),
    'routing table of the routes through the TUN device (default 220)',
  ),
  path_mtu: key(
    scalar(uint(65535, 576)),
    'with tun: the largest outer IP packet ESP may produce; larger unfragmentable inner packets get ICMP too-big (default 1500)',
  ),
  vici: key(
    scalar(viciUri),
    "VICI socket for strongSwan's swanctl and vici tools: unix:///path/charon.vici or a path (empty = off, the default; --vici overrides)",
  ),
};

type ConnectionKeys = Omit<ConnectionConfig, 'name' | 'local' | 'remote' | 'children'>;

export const CONNECTION_KEYS: KeyTable<ConnectionKeys> = {
  version: key(scalar(ikeVersion), 'IKE version: 2 (or 0 = any, taken as 2)'),
  local_addrs: key(list(address), 'local addresses: IP literals or %any'),
  remote_addrs: key(list(address), 'remote addresses: IP literals or %any'),
  local_port: key(scalar(uint(65535, 1)), 'local IKE port'),
  remote_port: key(scalar(uint(65535, 1)), 'remote IKE port'),
  proposals: key(list(ikeProposal), 'IKE proposals (strongSwan keywords) or default'),
  encap: key(scalar(bool), 'force UDP encapsulation of ESP'),
  mobike: key(scalar(bool), 'MOBIKE (RFC 4555)'),
  fragmentation: key(
    scalar(oneOf({ yes: 'yes', accept: 'accept', force: 'force', no: 'no' })),
    'IKE fragmentation (RFC 7383): yes, accept (announce, never send fragments), force (fragment even if the peer did not announce it) or no',
  ),
  dpd_delay: key(scalar(duration), 'liveness check interval (0 = off)'),
  dpd_timeout: key(scalar(duration), 'liveness timeout'),
  rekey_time: key(scalar(duration), 'IKE SA rekey interval (default 4h)'),
  reauth_time: key(scalar(duration), 'IKE SA reauthentication interval (0 = off)'),
  over_time: key(scalar(duration), 'hard IKE SA lifetime beyond rekey/reauth (default 10 %)'),
  rand_time: key(scalar(duration), 'random reduction of rekey/reauth time'),
  keyingtries: key(scalar(uint(U32)), 'initiation attempts (0 = forever)'),
  unique: key(
    scalar(oneOf({ no: 'no', never: 'never', keep: 'keep', replace: 'replace' })),
    'uniqueness policy',
  ),
  send_cert: key(scalar(sendCertPolicy), 'send our certificate: always, ifasked (default) or never'),
  send_certreq: key(scalar(bool), 'send certificate requests (default yes)'),
};

/** A round's keys; `auth` carries the key type constraints (keyTypes, rsaPss) with it. */
export type RoundKeys = Omit<AuthRound, 'auth' | 'keyTypes' | 'rsaPss'> & { readonly auth: AuthSpec };

export const ROUND_KEYS: KeyTable<RoundKeys> = {
  auth: key(
    scalar(authMethod),
    'authentication method: psk, or signatures with pubkey (default), rsa, rsa/pss, ecdsa, ed25519, ed448',
  ),
  id: key(scalar(identity), 'IKE identity (default %any; with a certificate: its subject)'),
  certs: key(list(fileName), 'certificate files, relative to x509/ (local: ours; remote: the peer pinned)'),
  cacerts: key(list(fileName), 'trusted CA certificate files, relative to x509ca/ (default: all loaded CAs)'),
  pubkeys: key(list(fileName), 'raw public key files, relative to pubkey/'),
  revocation: key(scalar(revocationPolicy), 'remote only: CRL checking strict, ifuri or relaxed (default)'),
};

/** strongSwan's action names and their aliases (vici config.c parse_action). */
const startAction = oneOf({ none: 'none', trap: 'trap', route: 'trap', start: 'start' }, [
  'trap|start',
  'start|trap',
]);
const closeAction = oneOf({
  none: 'none',
  clear: 'none',
  trap: 'trap',
  route: 'trap',
  start: 'start',
  restart: 'start',
});
const dpdAction = oneOf({
  clear: 'clear',
  none: 'clear',
  trap: 'trap',
  route: 'trap',
  restart: 'restart',
  start: 'restart',
});

export const CHILD_KEYS: KeyTable<Omit<ChildConfig, 'name'>> = {
  mode: key(
    scalar(oneOf({ tunnel: 'tunnel', transport: 'transport' }, ['transport_proxy', 'beet', 'pass', 'drop'])),
    'IPsec mode',
  ),
  local_ts: key(list(trafficSelector), 'local traffic selectors (default dynamic)'),
  remote_ts: key(list(trafficSelector), 'remote traffic selectors (default dynamic)'),
  esp_proposals: key(list(espProposal), 'ESP proposals (strongSwan keywords) or default'),
  start_action: key(scalar(startAction), 'after loading: none, trap or start'),
  close_action: key(scalar(closeAction), 'when the peer closes the CHILD SA'),
  dpd_action: key(scalar(dpdAction), 'when the peer is found dead'),
  rekey_time: key(scalar(duration), 'CHILD SA rekey interval (default 1h)'),
  life_time: key(scalar(duration), 'hard CHILD SA lifetime (default 110 % of rekey_time)'),
  rand_time: key(scalar(duration), 'random reduction of rekey_time'),
  rekey_bytes: key(scalar(bytes), 'rekey after this many bytes (0 = off)'),
  life_bytes: key(scalar(bytes), 'hard limit in bytes'),
  rand_bytes: key(scalar(bytes), 'random reduction of rekey_bytes'),
  rekey_packets: key(scalar(uint()), 'rekey after this many packets (0 = off)'),
  life_packets: key(scalar(uint()), 'hard limit in packets'),
  rand_packets: key(scalar(uint()), 'random reduction of rekey_packets'),
  replay_window: key(scalar(uint(U32)), 'replay window in packets (0 = off)'),
  reqid: key(scalar(uint(U32)), 'fixed reqid (0 = automatic)'),
};

export const SECRET_KEYS = {
  secret: key(scalar(secretValue), 'the PSK: a string, 0x<hex> or 0s<base64>'),
  /** `id`, `id<suffix>`: a YAML/JSON list is also accepted; a comma stays part of the identity. */
  id: key(list(identity, { split: false }), 'identities the PSK belongs to'),
};

/** `secrets.private<suffix>` (and rsa, ecdsa, pkcs8): a private key file and its passphrase. */
export const PRIVATE_KEY_SECRET_KEYS = {
  file: key(
    scalar(fileName),
    'key file, relative to the directory of its kind (private/, rsa/, ecdsa/, pkcs8/)',
  ),
  secret: key(scalar(passphrase), 'passphrase of the encrypted key'),
};

/** Secret section types holding private key passphrases (swanctl.conf(5) secrets.private<suffix>...). */
export const PRIVATE_KEY_SECRET_KINDS = ['private', 'rsa', 'ecdsa', 'pkcs8'] as const;

/** Known strongSwan names we do not implement, per section; `prefixes` match name starts. */
export interface Unsupported {
  readonly names: readonly string[];
  readonly prefixes?: readonly string[];
}

export const UNSUPPORTED_ROOT: Unsupported = { names: ['pools', 'authorities'] };

export const UNSUPPORTED_CONNECTION: Unsupported = {
  names: [
    'vips',
    'aggressive',
    'pull',
    'dscp',
    'childless',
    'ppk_id',
    'ppk_required',
    'pools',
    'if_id_in',
    'if_id_out',
    'mediation',
    'mediated_by',
    'mediation_peer',
    'close_action',
    'ocsp',
  ],
};

export const UNSUPPORTED_ROUND: Unsupported = {
  names: ['round', 'eap_id', 'aaa_id', 'xauth_id', 'groups', 'cert_policy', 'ca_id'],
  prefixes: ['cert', 'cacert'],
};

export const UNSUPPORTED_CHILD: Unsupported = {
  names: [
    'ah_proposals',
    'sha256_96',
    'updown',
    'hostaccess',
    'policies',
    'policies_fwd_out',
    'ipcomp',
    'inactivity',
    'priority',
    'interface',
    'mark_in',
    'mark_in_sa',
    'mark_out',
    'set_mark_in',
    'set_mark_out',
    'if_id_in',
    'if_id_out',
    'label',
    'label_mode',
    'tfc_padding',
    'hw_offload',
    'copy_df',
    'copy_ecn',
    'copy_dscp',
    'per_cpu_sas',
  ],
};

/** Secret section types other than ike<suffix> (swanctl.conf(5) "secrets"). */
export const UNSUPPORTED_SECRETS: Unsupported = {
  names: [],
  prefixes: ['eap', 'xauth', 'ntlm', 'ppk', 'pkcs12', 'token'],
};

export function isUnsupported(u: Unsupported, name: string): boolean {
  return u.names.includes(name) || (u.prefixes ?? []).some((p) => name.startsWith(p));
}
