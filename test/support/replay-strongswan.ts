/**
 * Replaying a recorded strongSwan session (test/vectors/strongswan) against our exchange
 * functions: deterministic IkeDeps that hand out the recorded nonce, SPIs and key-exchange
 * values, peer configs built from a case's proposal strings and identities, and small
 * normalizers to compare decoded payloads with the JSON records.
 */
import { type ConnectionConfig, connectionWithDefaults } from '../../ipsec/config/model.js';
import { CryptoError } from '../../ipsec/crypto/errors.js';
import { nobleProvider } from '../../ipsec/crypto/noble/index.js';
import { seededRandom } from '../../ipsec/crypto/random.js';
import type { CryptoProvider, KeTransform, KeyExchange, RandomBytes } from '../../ipsec/crypto/types.js';
import type { IkeDeps } from '../../ipsec/ike/exchange/session.js';
import { formatIp } from '../../ipsec/ike/identity.js';
import type { IkeSaKeys } from '../../ipsec/ike/keys/ike-keys.js';
import type { Proposal, TrafficSelector } from '../../ipsec/ike/model.js';
import { err, ok } from '../../ipsec/result.js';
import { equalBytes, fromHex, toHex, utf8 } from '../../ipsec/util/bytes.js';
import { pskLookup } from './ike-peers.js';
import type { VectorCase, VectorChildSa, VectorIkeSa, VectorPacket } from './vectors.js';

/** strongSwan's nonce length (charon: NONCE_SIZE = 32 octets). */
export const STRONGSWAN_NONCE_LENGTH = 32;

/** The swanctl-style identity string for a recorded ID, with an explicit type prefix. */
export function idString(id: { type: string; value: string }): string {
  const prefix: Record<string, string> = { RFC822_ADDR: 'email', FQDN: 'fqdn', IPV4_ADDR: 'ipv4' };
  const p = prefix[id.type];
  if (!p) throw new Error(`no identity prefix for ${id.type}`);
  return `${p}:${id.value}`;
}

/** The recorded IKE message of the first IKE SA: `exchange`, request or response. */
export function recordedIke(v: VectorCase, exchange: string, response: boolean): VectorPacket {
  const p = v.packets.find(
    (x) => x.kind === 'ike' && x.ike_sa === 0 && x.exchange === exchange && x.response === response,
  );
  if (!p) throw new Error(`${v.case}: no ${exchange} ${response ? 'response' : 'request'}`);
  return p;
}

/** A configured peer as in the lab's swanctl.conf (see the vectors README). */
export function replayConfig(v: VectorCase, role: 'initiator' | 'responder'): ConnectionConfig {
  const me = role === 'initiator' ? v.ids.initiator : v.ids.responder;
  const peer = role === 'initiator' ? v.ids.responder : v.ids.initiator;
  const initiatorSide = '10.99.2.0/24';
  const responderSide = '10.99.1.0/24';
  return connectionWithDefaults({
    name: v.case,
    local_addrs: [role === 'initiator' ? '10.99.0.1' : '10.99.0.2'],
    remote_addrs: [role === 'initiator' ? '10.99.0.2' : '%any'],
    proposals: [v.ike_proposal],
    encap: true,
    unique: 'never',
    rekey_time: 0,
    local: { auth: 'psk', id: idString(me) },
    remote: { auth: 'psk', id: idString(peer) },
    children: [
      {
        name: 'net',
        mode: 'tunnel',
        local_ts: [role === 'initiator' ? initiatorSide : responderSide],
        remote_ts: [role === 'initiator' ? responderSide : initiatorSide],
        esp_proposals: [v.esp_proposal],
        rekey_time: 0,
        life_time: 0,
      },
    ],
  });
}

/**
 * A KeyExchange that replays one side of the recorded IKE_SA_INIT: its public value is the
 * recorded KE data, and it yields the recorded g^ir only for the recorded peer value.
 */
export function replayKeyExchange(
  transform: KeTransform,
  publicValue: Uint8Array,
  expectedPeer: Uint8Array,
  sharedSecret: Uint8Array,
): KeyExchange & { readonly peersSeen: Uint8Array[] } {
  const peersSeen: Uint8Array[] = [];
  return {
    transform,
    publicValue,
    peersSeen,
    computeSharedSecret(peer) {
      peersSeen.push(peer.slice());
      if (!equalBytes(peer, expectedPeer))
        return err(new CryptoError('INVALID_PUBLIC_VALUE', 'not the recorded peer KE value'));
      return ok(sharedSecret.slice()); // a copy: the caller wipes g^ir after use
    },
    destroy() {},
  };
}

export interface ReplayDeps extends IkeDeps {
  /** Lengths of every random() call, in order. */
  readonly randomCalls: number[];
  /** Every KeyExchange handed out. */
  readonly keyExchanges: ReturnType<typeof replayKeyExchange>[];
  readonly childSpisHandedOut: Uint8Array[];
}

/**
 * IkeDeps for one side (`role`) of the recorded first IKE SA and its IKE_AUTH Child SA:
 * random(32) returns our recorded nonce (once; IVs and padding come from a seeded source),
 * keyExchange() returns the recorded KE value and g^ir, allocChildSpi() our recorded
 * inbound ESP SPI; everything else is the noble provider.
 */
export function replayDeps(
  v: VectorCase,
  role: 'initiator' | 'responder',
  base: CryptoProvider = nobleProvider,
): ReplayDeps {
  const ike: VectorIkeSa = v.ike_sas[0]!;
  const child: VectorChildSa = v.child_sas[0]!;
  const ours = role === 'initiator';
  const nonce = fromHex(ours ? ike.nonce_i : ike.nonce_r);
  const seeded = seededRandom(`strongswan-replay/${v.case}/${role}`);
  const randomCalls: number[] = [];
  let nonceGiven = false;
  const random: RandomBytes = (length) => {
    randomCalls.push(length);
    if (length === STRONGSWAN_NONCE_LENGTH && !nonceGiven) {
      nonceGiven = true;
      return nonce.slice();
    }
    return seeded(length);
  };
  const keyExchanges: ReturnType<typeof replayKeyExchange>[] = [];
  const provider: CryptoProvider = {
    ...base,
    name: `${base.name}+strongswan-replay`,
    keyExchange(transform) {
      if (transform.id !== ike.dh_group)
        throw new Error(`replay: KE method ${transform.id} asked, recorded ${ike.dh_group}`);
      const ke = replayKeyExchange(
        transform,
        fromHex(ours ? ike.ke_i : ike.ke_r),
        fromHex(ours ? ike.ke_r : ike.ke_i),
        fromHex(ike.dh_shared_secret),
      );
      keyExchanges.push(ke);
      return ke;
    },
  };
  const childSpisHandedOut: Uint8Array[] = [];
  return {
    provider,
    random,
    allocChildSpi: () => {
      const spi = fromHex(ours ? child.spi_i : child.spi_r);
      childSpisHandedOut.push(spi);
      return spi;
    },
    findSecret: pskLookup([idString(v.ids.initiator), idString(v.ids.responder)], utf8(v.psk)),
    randomCalls,
    keyExchanges,
    childSpisHandedOut,
  };
}

/** The recorded SK_* of the first IKE SA, with `suite` (the negotiated transforms). */
export function recordedIkeKeys(v: VectorCase, suite: IkeSaKeys['suite']): IkeSaKeys {
  const s = v.ike_sas[0]!;
  return {
    suite,
    skD: fromHex(s.sk_d),
    skAi: fromHex(s.sk_ai),
    skAr: fromHex(s.sk_ar),
    skEi: fromHex(s.sk_ei),
    skEr: fromHex(s.sk_er),
    skPi: fromHex(s.sk_pi),
    skPr: fromHex(s.sk_pr),
  };
}

export function ikeKeysHex(k: IkeSaKeys) {
  return {
    sk_d: toHex(k.skD),
    sk_ai: toHex(k.skAi),
    sk_ar: toHex(k.skAr),
    sk_ei: toHex(k.skEi),
    sk_er: toHex(k.skEr),
    sk_pi: toHex(k.skPi),
    sk_pr: toHex(k.skPr),
  };
}

export function recordedIkeKeysHex(v: VectorCase) {
  const s = v.ike_sas[0]!;
  return {
    sk_d: s.sk_d,
    sk_ai: s.sk_ai,
    sk_ar: s.sk_ar,
    sk_ei: s.sk_ei,
    sk_er: s.sk_er,
    sk_pi: s.sk_pi,
    sk_pr: s.sk_pr,
  };
}

/** A traffic selector in the vectors' JSON form. */
export function tsRecord(ts: TrafficSelector) {
  return {
    ts_type: ts.tsType,
    ip_protocol: ts.ipProtocol,
    start_port: ts.startPort,
    end_port: ts.endPort,
    start: formatIp(ts.startAddress),
    end: formatIp(ts.endAddress),
  };
}

const TRANSFORM_TYPE_NAMES: Record<number, string> = { 1: 'ENCR', 2: 'PRF', 3: 'INTEG', 4: 'DH', 5: 'ESN' };

/**
 * A proposal in the vectors' payload_details form. Transforms are put in Transform Type order
 * (stable: the preference order within a type is kept), because the order across types
 * carries no meaning (RFC 7296 §3.3) and strongSwan writes ENCR, INTEG, PRF, DH while we
 * write them by type number (ENCR, PRF, INTEG, DH).
 */
export function proposalRecord(p: Proposal) {
  return {
    num: p.num,
    protocol: ({ 1: 'IKE', 2: 'AH', 3: 'ESP' } as Record<number, string>)[p.protocolId] ?? `${p.protocolId}`,
    spi: toHex(p.spi),
    transforms: [...p.transforms]
      .sort((a, b) => a.type - b.type)
      .map((t) => ({
        type: TRANSFORM_TYPE_NAMES[t.type] ?? `${t.type}`,
        id: t.id,
        ...(t.keyLength !== undefined ? { key_length: t.keyLength } : {}),
      })),
  };
}

/** A recorded payload_details proposal, transforms in Transform Type order (see proposalRecord). */
// biome-ignore lint/suspicious/noExplicitAny: payload_details entries are documented in the README
export function recordedProposal(p: any) {
  const order: Record<string, number> = { ENCR: 1, PRF: 2, INTEG: 3, DH: 4, ESN: 5 };
  // biome-ignore lint/suspicious/noExplicitAny: see above
  return { ...p, transforms: [...p.transforms].sort((a: any, b: any) => order[a.type]! - order[b.type]!) };
}

/** The recorded SA payload of a packet, as proposalRecord values. */
export function recordedSa(p: VectorPacket) {
  return (recordedDetail(p, 'SA').proposals as unknown[]).map(recordedProposal);
}

/** The decoded payload of `name` ('SA', 'TSi', ...) in a recorded packet's payload_details. */
// biome-ignore lint/suspicious/noExplicitAny: payload_details entries are documented in the README
export function recordedDetail(p: VectorPacket, name: string): any {
  // biome-ignore lint/suspicious/noExplicitAny: see above
  const details = (p as any).payload_details as any[] | undefined;
  const d = details?.find((x) => x.name === name);
  if (!d) throw new Error(`packet ${p.n}: no ${name} in payload_details`);
  return d;
}
