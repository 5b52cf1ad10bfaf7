/**
 * IKE fragmentation (RFC 7383) as the supervisor sees it: the size of IKE message one datagram
 * carries on an IKE SA's current path, and the fragment counters of its IKE SAs.
 *
 * daemon.fragment_size (charon.fragment_size) is a whole datagram; the transport says what of
 * it is not IKE (`ikeDatagramOverhead`): by default IP + UDP headers and the non-ESP marker on
 * the NAT-T port pair. The budget is read at every send, so it follows NAT-T floats (§2.23).
 */
import type { Config, DaemonConfig } from '../ipsec/config/model.js';
import { minimumBudgetForConnection } from '../ipsec/ike/fragment/fragment.js';
import { DEFAULT_FRAGMENT_LIMITS, type FragmentLimits } from '../ipsec/ike/fragment/limits.js';
import { discardPartial } from '../ipsec/ike/fragment/reassembly.js';
import {
  type FragmentSizeProblem,
  fragmentSizeProblems,
  ikeMessageBudget,
} from '../ipsec/ike/fragment/size.js';
import type { FragmentCounters, FragmentSettings } from '../machines/ike-sa.types.js';
import type { Endpoint } from '../transport/types.js';
import { addFragmentCounters, type FragmentsOf, fragmentCounters } from './ike-fragment-counters.js';
import type { IkeSaHandle } from './supervisor-types.js';

/** Octets of a datagram to `remote` that are not the IKE message (`natT`: non-ESP marker used). */
export type IkeDatagramOverhead = (remote: Endpoint, natT: boolean) => number;

/** daemon.fragment_size cannot carry any plaintext in an IKE fragment on this transport. */
export class FragmentSizeError extends Error {
  readonly code = 'FRAGMENT_SIZE_TOO_SMALL';
  constructor(
    readonly fragmentSize: number,
    readonly problems: readonly FragmentSizeProblem[],
  ) {
    super(
      `daemon.fragment_size ${fragmentSize} is too small for IKE fragments (RFC 7383): ${problems
        .map(
          (p) =>
            `connection '${p.connection}' gets ${p.budget} octets of IKE message per datagram, its IKE proposals need at least ${p.needed}`,
        )
        .join('; ')} (raise fragment_size, or set fragmentation = accept or no)`,
    );
    this.name = 'FragmentSizeError';
  }
}

/**
 * Refuses a configuration whose fragment size leaves no plaintext in a fragment for some
 * connection that sends fragments, on the worst path of this transport (see size.ts).
 */
export function assertFragmentSize(config: Config, overhead: IkeDatagramOverhead): void {
  const problems = fragmentSizeProblems(
    config.connections,
    config.daemon.fragment_size,
    (address, natT) => overhead({ address, port: 0 }, natT),
    minimumBudgetForConnection,
  );
  if (problems.length > 0) throw new FragmentSizeError(config.daemon.fragment_size, problems);
}

/** The fragmentation settings of one IKE SA; `path()` is its handle once it exists. */
export function fragmentSettings(
  daemon: DaemonConfig,
  overhead: IkeDatagramOverhead,
  path: () => Pick<IkeSaHandle, 'remote' | 'natT'> | undefined,
  limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS,
): FragmentSettings {
  return {
    messageBudget: () => {
      const p = path();
      return p
        ? ikeMessageBudget(daemon.fragment_size, p.remote.address, overhead(p.remote, p.natT))
        : Number.POSITIVE_INFINITY;
    },
    limits,
  };
}

/**
 * An IKE SA is destroyed: its decrypted fragments still held for reassembly are zeroed, and
 * its counters are added to `past` (the supervisor's totals of the IKE SAs it no longer has).
 */
export function endFragments(past: FragmentCounters, h: FragmentsOf): FragmentCounters {
  const { request, response } = h.actor.getSnapshot().context.fragments;
  discardPartial(request);
  discardPartial(response);
  return addFragmentCounters(past, fragmentCounters(h));
}
