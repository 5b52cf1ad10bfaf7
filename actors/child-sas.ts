/**
 * Installing a negotiated Child SA in the IPsec backend: both ESP SAs (keys by direction,
 * RFC 7296 §2.17), lifetimes with jitter (swanctl.conf), and the PROTECT policies of its reqid.
 */
import type { ChildConfig } from '../ipsec/config/model.js';
import type { RandomBytes } from '../ipsec/crypto/types.js';
import type { ChildSaRecord } from '../ipsec/ike/exchange/session.js';
import type { Lifetimes } from '../ipsec/policy/lifetime.js';
import type { Result } from '../ipsec/result.js';
import type { Endpoint } from '../transport/types.js';
import type { BackendError, IpsecBackend } from './ipsec-backend.js';

export interface ChildInstallContext {
  readonly backend: IpsecBackend;
  readonly random: RandomBytes;
  readonly reqid: number;
  /** Default replay window (daemon.replay_window) when the child sets none. */
  readonly replayWindow: number;
  /** The ESP-in-UDP endpoints: the NAT-T ports (the IKE ports once IKE has floated, §2.23). */
  readonly local: Endpoint;
  readonly remote: Endpoint;
}

/** Installs both directions and, for the first SA of its reqid, the policies. Returns the failures. */
export function installChildSas(x: ChildInstallContext, c: ChildSaRecord): BackendError[] {
  const { backend, reqid } = x;
  // §2.17: keys.initiator protects traffic from the exchange initiator.
  const outKeys = c.exchangeInitiator ? c.keys.initiator : c.keys.responder;
  const inKeys = c.exchangeInitiator ? c.keys.responder : c.keys.initiator;
  const common = {
    reqid,
    mode: c.mode,
    esn: c.suite.esn,
    replayWindow: c.config.replay_window || x.replayWindow,
    // Userspace ESP has no raw IP socket: it is always ESP-in-UDP (RFC 3948), like charon's
    // kernel-libipsec. Both peers must agree, hence `encap = yes` or a detected NAT (§2.23).
    encap: true,
    localTs: c.localTs,
    remoteTs: c.remoteTs,
    label: c.config.name,
    lifetimes: childLifetimes(c.config, x.random),
  };
  const integ = (k: typeof outKeys) =>
    c.suite.integ ? { integ: { transform: c.suite.integ, key: k.integ } } : {};
  const results: Result<unknown, BackendError>[] = [
    backend.addSa({
      ...common,
      spi: c.spiIn,
      direction: 'in',
      src: x.remote,
      dst: x.local,
      encr: { transform: c.suite.encr, key: inKeys.encr },
      ...integ(inKeys),
    }),
    backend.addSa({
      ...common,
      spi: c.spiOut,
      direction: 'out',
      src: x.local,
      dst: x.remote,
      encr: { transform: c.suite.encr, key: outKeys.encr },
      ...integ(outKeys),
    }),
  ];
  if (!backend.hasPolicies(reqid)) {
    for (const direction of ['out', 'in'] as const)
      results.push(
        backend.addPolicy({
          direction,
          action: 'PROTECT',
          reqid,
          localTs: c.localTs,
          remoteTs: c.remoteTs,
          mode: c.mode,
        }),
      );
  }
  return results.flatMap((r) => (r.ok ? [] : [r.error]));
}

/** swanctl child lifetimes: soft = rekey_* less a random share of rand_* (jitter), hard = life_*. */
export function childLifetimes(c: ChildConfig, random: RandomBytes): Lifetimes {
  const jitter = (rand: number) => {
    const r = random(2);
    return Math.floor((((r[0]! << 8) | r[1]!) / 0x10000) * rand);
  };
  const soft = (rekey: number, rand: number) =>
    rekey > 0 ? Math.max(1, rekey - jitter(Math.min(rand, rekey))) : undefined;
  const limit = (o: {
    seconds?: number | undefined;
    bytes?: number | undefined;
    packets?: number | undefined;
  }) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v > 0));
  return {
    soft: limit({
      seconds: soft(c.rekey_time, c.rand_time),
      bytes: soft(c.rekey_bytes, c.rand_bytes),
      packets: soft(c.rekey_packets, c.rand_packets),
    }),
    hard: limit({ seconds: c.life_time, bytes: c.life_bytes, packets: c.life_packets }),
  };
}
