/**
 * The configuration model the actors read, with strongSwan swanctl.conf names and defaults
 * (swanctl.conf(5)): `connections.<name>` with `local`, `remote` and `children.<name>`, and
 * `secrets.ike<suffix>`. Durations are seconds, volumes bytes/packets (0 = none).
 * Parsed values only; the file syntax (swanctl.conf, YAML, JSON) is read in targets/.
 */

export type StartAction = 'none' | 'trap' | 'start';
export type CloseAction = 'none' | 'trap' | 'start';
export type DpdAction = 'clear' | 'trap' | 'restart';
/** swanctl `fragmentation` (IKE fragmentation, RFC 7383); meanings in ipsec/ike/fragment/mode.ts. */
export type FragmentationMode = 'yes' | 'accept' | 'force' | 'no';

/** swanctl `revocation`: how a missing or unreachable CRL is taken (we read CRL files only). */
export type RevocationPolicy = 'strict' | 'ifuri' | 'relaxed';
/** swanctl `send_cert`. */
export type SendCert = 'always' | 'ifasked' | 'never';

export interface AuthRound {
  /**
   * 'psk', or 'pubkey' for signatures with certificates or raw public keys (swanctl's `pubkey`,
   * `rsa`, `ecdsa`, `ed25519`, `ed448` all mean 'pubkey' with `keyTypes` saying which keys).
   */
  readonly auth: 'psk' | 'pubkey';
  /** swanctl identity syntax (see ipsec/ike/identity.ts); '%any' for any remote identity. */
  readonly id: string;
  /**
   * Key types the round accepts (remote) or may use (local), from `auth = rsa|ecdsa|ed25519|ed448`;
   * empty or absent = any. `rsa/pss` (strongSwan's constraint) is `rsaPss`.
   */
  readonly keyTypes?: readonly ('rsa' | 'ecdsa' | 'ed25519' | 'ed448')[];
  /** `auth = rsa/pss` (or `pubkey-...-rsa/pss`): RSA signatures use RSASSA-PSS. */
  readonly rsaPss?: boolean;
  /** Certificate files (swanctl `certs`, relative to x509/): local = ours, remote = the peer's. */
  readonly certs?: readonly string[];
  /** CA certificate files this round trusts (swanctl `cacerts`, relative to x509ca/); empty = all loaded CAs. */
  readonly cacerts?: readonly string[];
  /** Raw public keys (swanctl `pubkeys`, relative to pubkey/). */
  readonly pubkeys?: readonly string[];
  /** Remote rounds: how CRLs are required (swanctl default: relaxed). */
  readonly revocation?: RevocationPolicy;
}

export interface ChildConfig {
  readonly name: string;
  readonly mode: 'tunnel' | 'transport';
  /** Traffic selectors as strings: CIDR, ranges, 'dynamic' (the IKE SA's own address). */
  readonly local_ts: readonly string[];
  readonly remote_ts: readonly string[];
  /** strongSwan proposal keyword strings; a KE group means PFS on CREATE_CHILD_SA. */
  readonly esp_proposals: readonly string[];
  readonly start_action: StartAction;
  readonly close_action: CloseAction;
  readonly dpd_action: DpdAction;
  readonly rekey_time: number;
  readonly life_time: number;
  readonly rand_time: number;
  readonly rekey_bytes: number;
  readonly life_bytes: number;
  readonly rand_bytes: number;
  readonly rekey_packets: number;
  readonly life_packets: number;
  readonly rand_packets: number;
  readonly replay_window: number;
  /** 0 = assign automatically. */
  readonly reqid: number;
}

export interface ConnectionConfig {
  readonly name: string;
  readonly version: 2;
  readonly local_addrs: readonly string[];
  readonly remote_addrs: readonly string[];
  readonly local_port: number;
  readonly remote_port: number;
  readonly proposals: readonly string[];
  readonly encap: boolean;
  readonly mobike: boolean;
  /** IKE fragmentation (RFC 7383): yes (default), accept, force or no. */
  readonly fragmentation: FragmentationMode;
  readonly dpd_delay: number;
  readonly dpd_timeout: number;
  readonly rekey_time: number;
  readonly reauth_time: number;
  readonly over_time: number;
  readonly rand_time: number;
  readonly keyingtries: number;
  readonly unique: 'no' | 'never' | 'keep' | 'replace';
  readonly local: AuthRound;
  readonly remote: AuthRound;
  /** swanctl `send_cert` (default ifasked). */
  readonly send_cert?: SendCert;
  /** swanctl `send_certreq` (default yes). */
  readonly send_certreq?: boolean;
  readonly children: readonly ChildConfig[];
  /**
   * Not swanctl keys (no file sets them): the knobs of a minimal initiator in the spirit of
   * RFC 7815, for the mote profile (targets/wismote). `nat_detection: false` sends no
   * NAT_DETECTION_* notifies where no NAT can be (default true); `nonce_length` is the octets of
   * our Ni / Nr (default 32; RFC 7296 §2.10 allows 16 and up, and at least half the PRF key).
   */
  readonly nat_detection?: boolean;
  readonly nonce_length?: number;
}

export interface IkeSecret {
  readonly name: string;
  /** Identities this secret is for; empty = any. */
  readonly id: readonly string[];
  readonly secret: Uint8Array;
}

/** Directories of private keys in the swanctl layout, the `secrets` section types naming them. */
export type PrivateKeyKind = 'private' | 'rsa' | 'ecdsa' | 'pkcs8';

/**
 * `secrets.private<suffix>` (or rsa, ecdsa, pkcs8): the passphrase of an encrypted private key
 * file, named relative to the directory of its kind (private/, rsa/...) or absolute.
 */
export interface PrivateKeySecret {
  readonly name: string;
  readonly kind: PrivateKeyKind;
  readonly file: string;
  readonly secret?: string;
}

/** Daemon settings (the `daemon` section; strongSwan's charon.* names where they exist). */
export interface DaemonConfig {
  readonly port: number;
  readonly port_nat_t: number;
  readonly inner_addrs: readonly string[];
  readonly cookie_threshold: number;
  readonly cookie_threshold_ip: number;
  readonly block_threshold: number;
  /** Half-open IKE SAs in total at which new IKE_SA_INITs are dropped (0 = no limit). */
  readonly init_limit_half_open: number;
  readonly half_open_timeout: number;
  /** charon.keep_alive: seconds between NAT-keepalives (RFC 3948 §4) behind a NAT; 0 = none. */
  readonly keep_alive: number;
  readonly retransmit_timeout: number;
  readonly retransmit_tries: number;
  readonly retransmit_base: number;
  readonly replay_window: number;
  /**
   * charon.fragment_size: the largest IP datagram carrying an IKE fragment, IP and UDP headers
   * and the non-ESP marker included (0 = 576 for IPv4, 1280 for IPv6, RFC 7383 §2.5.1).
   */
  readonly fragment_size: number;
  /**
   * The TUN device carrying this host's own traffic through the Child SAs (as strongSwan's
   * kernel-libipsec `ipsec0`); empty = the in-process inner host (no device).
   */
  readonly tun: string;
  /** MTU of the TUN device (kernel-libipsec's default: 1400). */
  readonly tun_mtu: number;
  /** Routing table of the routes through the TUN device (charon.routing_table: 220). */
  readonly tun_table: number;
  /**
   * The largest outer IP packet ESP may produce (IP and UDP headers included): an inner packet
   * that cannot be fragmented and would exceed it is answered with ICMP "fragmentation
   * needed" / ICMPv6 "packet too big" (RFC 1191, RFC 8201) instead of being sent.
   */
  readonly path_mtu: number;
  /**
   * The VICI socket (strongSwan's control protocol, for swanctl and the vici bindings): a Unix
   * socket path; empty = no VICI server.
   */
  readonly vici: string;
}

export interface Config {
  readonly daemon: DaemonConfig;
  readonly connections: readonly ConnectionConfig[];
  readonly secrets: readonly IkeSecret[];
  /** Passphrases of private key files (`secrets.private<suffix>`...); absent = none. */
  readonly privateKeySecrets?: readonly PrivateKeySecret[];
}

/** charon defaults (strongswan.conf(5)). */
export const DAEMON_DEFAULTS: DaemonConfig = {
  port: 500,
  port_nat_t: 4500,
  inner_addrs: [],
  cookie_threshold: 30,
  cookie_threshold_ip: 3,
  block_threshold: 5,
  init_limit_half_open: 0,
  half_open_timeout: 30,
  keep_alive: 20,
  retransmit_timeout: 4,
  retransmit_tries: 5,
  retransmit_base: 1.8,
  replay_window: 32,
  fragment_size: 1280,
  tun: '',
  tun_mtu: 1400,
  tun_table: 220,
  path_mtu: 1500,
  vici: '',
};

const HOUR = 3600;

/** swanctl.conf(5) defaults for a connection; derived values (over_time...) are filled by withDefaults. */
export const CONNECTION_DEFAULTS = {
  version: 2,
  local_addrs: ['%any'],
  remote_addrs: ['%any'],
  local_port: 500,
  remote_port: 500,
  proposals: ['default'],
  encap: false,
  mobike: true,
  fragmentation: 'yes',
  dpd_delay: 0,
  dpd_timeout: 0,
  rekey_time: 4 * HOUR,
  reauth_time: 0,
  keyingtries: 1,
  unique: 'no',
} as const;

export const CHILD_DEFAULTS = {
  mode: 'tunnel',
  local_ts: ['dynamic'],
  remote_ts: ['dynamic'],
  esp_proposals: ['default'],
  start_action: 'none',
  close_action: 'none',
  dpd_action: 'clear',
  rekey_time: HOUR,
  rekey_bytes: 0,
  rekey_packets: 0,
  replay_window: 32,
  reqid: 0,
} as const;

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type ChildInput = Optional<ChildConfig, Exclude<keyof ChildConfig, 'name'>>;
export type ConnectionInput = Optional<
  Omit<ConnectionConfig, 'children'>,
  Exclude<keyof ConnectionConfig, 'name' | 'local' | 'remote' | 'children'>
> & { readonly children: readonly ChildInput[] };

/** swanctl: life_time defaults to 110 % of rekey_time, rand_time to life_time - rekey_time. */
function lifetimes(rekey: number, life: number | undefined, rand: number | undefined) {
  const l = life ?? (rekey > 0 ? Math.round(rekey * 1.1) : 0);
  return { life: l, rand: rand ?? Math.max(0, l - rekey) };
}

export function childWithDefaults(c: ChildInput): ChildConfig {
  const rekey_time = c.rekey_time ?? CHILD_DEFAULTS.rekey_time;
  const t = lifetimes(rekey_time, c.life_time, c.rand_time);
  const rekey_bytes = c.rekey_bytes ?? 0;
  const b = lifetimes(rekey_bytes, c.life_bytes, c.rand_bytes);
  const rekey_packets = c.rekey_packets ?? 0;
  const p = lifetimes(rekey_packets, c.life_packets, c.rand_packets);
  return {
    ...CHILD_DEFAULTS,
    ...c,
    rekey_time,
    life_time: t.life,
    rand_time: t.rand,
    rekey_bytes,
    life_bytes: b.life,
    rand_bytes: b.rand,
    rekey_packets,
    life_packets: p.life,
    rand_packets: p.rand,
  };
}

export function connectionWithDefaults(c: ConnectionInput): ConnectionConfig {
  const rekey_time = c.rekey_time ?? CONNECTION_DEFAULTS.rekey_time;
  const over_time = c.over_time ?? Math.round(rekey_time * 0.1); // swanctl: 10 % of rekey/reauth time
  return {
    ...CONNECTION_DEFAULTS,
    ...c,
    rekey_time,
    over_time,
    rand_time: c.rand_time ?? over_time,
    children: c.children.map(childWithDefaults),
  };
}
