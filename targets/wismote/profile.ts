/**
 * The mote profile: what a Wismote (MSP430, CC2520, IEEE 802.15.4) runs, and the gateway that
 * serves many of them. A minimal initiator in the spirit of RFC 7815: one IKE proposal and one
 * ESP proposal, PSK, one Child SA in transport mode (the seed's mode), no vendor IDs, no NAT
 * detection (no NAT can sit between a mote and its border router on one 802.15.4 PAN), IKE on
 * port 500 only. Nonces are 16 octets, the shortest RFC 7296 §2.10 allows (and at least half
 * the PRF key size for every PRF offered here).
 *
 * Suites: the seed's (AES-CTR, AES-XCBC, DH group 25) and the RFC 8221 / RFC 8247 IoT choices
 * (AES-CCM-8 with group 19 or 31).
 *
 * Addresses: short address 0x0001 is the gateway, motes are 0x0002.. (transport/radio's plan);
 * IPv6 addresses are the mesh prefix with the IID built from the short address
 * (RFC 4944 §6: 0000:00ff:fe00:XXXX), so 6LoWPAN can elide them.
 */
import {
  type Config,
  type ConnectionConfig,
  connectionWithDefaults,
  DAEMON_DEFAULTS,
  type DaemonConfig,
  type IkeSecret,
} from '../../ipsec/config/model.js';
import type { RandomBytes } from '../../ipsec/crypto/types.js';
import { GATEWAY_SHORT_ADDRESS, radioAddress } from '../../transport/radio/addressing.js';

export interface MoteSuite {
  readonly name: string;
  readonly ike: string;
  readonly esp: string;
  readonly description: string;
}

/** The suites a mote may run; `seed` is the default. */
export const MOTE_SUITES = {
  seed: {
    name: 'seed',
    ike: 'aes128ctr-aesxcbc-prfaesxcbc-ecp192',
    esp: 'aes128ctr-aesxcbc',
    description: "the seed's: AES-CTR, AES-XCBC-96, PRF AES-XCBC, ECP-192 (group 25)",
  },
  'ccm8-ecp256': {
    name: 'ccm8-ecp256',
    ike: 'aes128ccm8-prfsha256-ecp256',
    esp: 'aes128ccm8',
    description: 'RFC 8247/8221 IoT: AES-CCM-8, PRF HMAC-SHA2-256, ECP-256 (group 19)',
  },
  'ccm8-x25519': {
    name: 'ccm8-x25519',
    ike: 'aes128ccm8-prfsha256-x25519',
    esp: 'aes128ccm8',
    description: 'RFC 8247/8221 IoT: AES-CCM-8, PRF HMAC-SHA2-256, Curve25519 (group 31)',
  },
} as const satisfies Record<string, MoteSuite>;

export type MoteSuiteName = keyof typeof MOTE_SUITES;

export const isMoteSuite = (s: string): s is MoteSuiteName => Object.hasOwn(MOTE_SUITES, s);

/** The mesh's addresses: the gateway is 0x0001, motes count up from 0x0002 (transport/radio/topology.ts). */
export { GATEWAY_SHORT_ADDRESS } from '../../transport/radio/addressing.js';

/** The IPv6 address of a short address: fd00::/64 + 0000:00ff:fe00:XXXX (RFC 4944 §6). */
export const meshAddress = (short: number): string => radioAddress(short);

export const GATEWAY_ID = 'gateway@wismote';
export const moteId = (short: number): string => `mote-${short.toString(16).padStart(4, '0')}@wismote`;

/** RFC 7296 §2.10's minimum, and at least half the key of every PRF the suites offer. */
export const MOTE_NONCE_LENGTH = 16;

/** The UDP port readings go to on the gateway (CoAP's, RFC 7252 §6.1). */
export const SENSOR_PORT = 5683;

export interface ProfileOptions {
  readonly suite: MoteSuiteName;
  /**
   * RFC 7383 IKE fragmentation on both ends ('yes'), or none ('no': IKE messages larger than a
   * frame are left to 6LoWPAN fragmentation, and IKE_SA_INIT carries no
   * IKEV2_FRAGMENTATION_SUPPORTED).
   */
  readonly ikeFragmentation?: boolean;
  /** Child SA rekey time in seconds (0 = never); a mote keeps its SA for the whole run by default. */
  readonly childRekeyTime?: number;
  /** IKE SA rekey time in seconds (0 = never). */
  readonly ikeRekeyTime?: number;
}

/** Daemon settings of a mote or the gateway: the charon defaults, unless told otherwise. */
export function radioDaemon(o: Partial<DaemonConfig> = {}): DaemonConfig {
  return { ...DAEMON_DEFAULTS, ...o };
}

/** What both ends of a mote's IKE SA share: one proposal, the minimal initiator's knobs. */
function meshIke(o: ProfileOptions) {
  return {
    proposals: [MOTE_SUITES[o.suite].ike],
    encap: false,
    mobike: false,
    fragmentation: o.ikeFragmentation ? 'yes' : 'no',
    nat_detection: false,
    nonce_length: MOTE_NONCE_LENGTH,
    rekey_time: o.ikeRekeyTime ?? 0,
  } as const;
}

/** The mote's one connection: initiate at once, keep trying (keyingtries 0), restart on loss. */
export function moteConnection(short: number, o: ProfileOptions): ConnectionConfig {
  const suite = MOTE_SUITES[o.suite];
  return connectionWithDefaults({
    name: 'gw',
    local_addrs: [meshAddress(short)],
    remote_addrs: [meshAddress(GATEWAY_SHORT_ADDRESS)],
    ...meshIke(o),
    keyingtries: 0,
    local: { auth: 'psk', id: moteId(short) },
    remote: { auth: 'psk', id: GATEWAY_ID },
    children: [
      {
        name: 'sensor',
        mode: 'transport',
        esp_proposals: [suite.esp],
        start_action: 'start',
        close_action: 'start',
        dpd_action: 'restart',
        rekey_time: o.childRekeyTime ?? 0,
      },
    ],
  });
}

/** The gateway's connection: any mote of the mesh, same suite, transport mode. */
export function gatewayConnection(o: ProfileOptions): ConnectionConfig {
  const suite = MOTE_SUITES[o.suite];
  return connectionWithDefaults({
    name: 'motes',
    local_addrs: [meshAddress(GATEWAY_SHORT_ADDRESS)],
    remote_addrs: ['%any'],
    ...meshIke(o),
    local: { auth: 'psk', id: GATEWAY_ID },
    remote: { auth: 'psk', id: '%any' },
    children: [
      {
        name: 'sensor',
        mode: 'transport',
        esp_proposals: [suite.esp],
        rekey_time: o.childRekeyTime ?? 0,
      },
    ],
  });
}

/**
 * One PSK per mote, drawn from `random` (the simulation's seed): no key is hard-coded or
 * shared between motes (the seed's flaw). The gateway holds all of them.
 */
export function motePsks(shorts: readonly number[], random: RandomBytes): Map<number, IkeSecret> {
  const out = new Map<number, IkeSecret>();
  for (const short of shorts)
    out.set(short, {
      name: `ike-${short.toString(16)}`,
      id: [moteId(short), GATEWAY_ID],
      secret: random(32),
    });
  return out;
}

export function moteConfig(
  short: number,
  psk: IkeSecret,
  o: ProfileOptions,
  daemon?: Partial<DaemonConfig>,
): Config {
  return { daemon: radioDaemon(daemon), connections: [moteConnection(short, o)], secrets: [psk] };
}

export function gatewayConfig(
  psks: Iterable<IkeSecret>,
  o: ProfileOptions,
  daemon?: Partial<DaemonConfig>,
): Config {
  return { daemon: radioDaemon(daemon), connections: [gatewayConnection(o)], secrets: [...psks] };
}
