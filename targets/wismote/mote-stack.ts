/**
 * What the mote firmware (mote-entry.ts) takes of the stack: its crypto provider and its
 * configuration. One seam, so the firmware can be cut down to what its profile needs without
 * touching the firmware's logic: the provider carries only the transforms of the suites this
 * build names (mote-build.ts, mote-crypto.ts), a firmware built for one suite refuses to
 * boot with another (rather than failing in its first handshake), as a minimal one refuses
 * a profile with what it lacks, and the proposals come
 * compiled (mote-proposals.ts, with each suite's crypto), so the firmware carries no keyword
 * parser and a one-suite firmware no other suite's proposals.
 */
import type { Config, DaemonConfig, IkeSecret } from '../../ipsec/config/model.js';
import { composeNobleProvider } from '../../ipsec/crypto/noble/compose.js';
import type { CryptoProvider } from '../../ipsec/crypto/types.js';
import { ProtocolId } from '../../ipsec/ike/model.js';
import { provideProposals } from '../../ipsec/ike/proposal/configured.js';
import { MOTE_BUILD_HASHES, MOTE_BUILD_MINIMAL, MOTE_BUILD_SUITES } from './mote-build.js';
import { moteAlgorithms } from './mote-crypto.js';
import { moteConfig, type ProfileOptions } from './profile.js';

export const moteProvider: CryptoProvider = composeNobleProvider(
  moteAlgorithms(MOTE_BUILD_SUITES, MOTE_BUILD_HASHES),
);

/** The mote's Config (profile.ts moteConfig), for a suite this build carries. */
export function moteStackConfig(
  short: number,
  psk: IkeSecret,
  o: ProfileOptions,
  daemon?: Partial<DaemonConfig>,
): Config {
  const suite = MOTE_BUILD_SUITES.find((s) => s.suite === o.suite);
  if (!suite)
    throw new Error(
      `suite ${o.suite}: this firmware carries ${MOTE_BUILD_SUITES.map((s) => s.suite).join(', ')}`,
    );
  if (MOTE_BUILD_MINIMAL) {
    // RFC 7815's minimal initiator (mote-build.ts): what it lacks is refused here, not mid-run.
    if (o.ikeFragmentation)
      throw new Error(
        'IKE fragmentation: this minimal firmware has no RFC 7383 (the every-suite firmware has)',
      );
    if (o.childRekeyTime || o.ikeRekeyTime)
      throw new Error(
        'rekeying: this minimal firmware has no CREATE_CHILD_SA (the every-suite firmware has)',
      );
  }
  const config = moteConfig(short, psk, o, daemon);
  // A compiled profile: the proposals are handed over parsed (the firmware has no parser).
  const compiled = suite.proposals;
  for (const c of config.connections) {
    provideProposals(c.proposals, ProtocolId.IKE, compiled.ike);
    for (const child of c.children) provideProposals(child.esp_proposals, ProtocolId.ESP, compiled.esp);
  }
  return config;
}
