/**
 * Negotiation results shared by the SAs that agreed on the same proposal (issue 14: memory per
 * SA): the chosen IKE proposal, its suite and key-schedule suite, and a Child SA's suites are
 * immutable values that thousands of SAs of one connection would otherwise each hold a copy
 * of. At most LIMIT distinct results are kept per kind (a chosen proposal always matches one of
 * ours, so there are few; the limit only bounds what a peer's proposal numbering could add);
 * past it, results are not shared.
 */
import { toHex } from '../../util/bytes.js';
import type { ChildSuite, IkeSuite } from '../keys/suite.js';
import type { Proposal } from '../model.js';
import type { NegotiatedSuite } from './suite.js';

const LIMIT = 64;

const transformsKey = (p: Proposal): string =>
  p.transforms.map((t) => `${t.type}.${t.id}.${t.keyLength ?? ''}`).join(',');

export interface IkeNegotiation {
  readonly chosen: Proposal;
  readonly suite: NegotiatedSuite;
  readonly ikeSuite: IkeSuite;
}

const ikeResults = new Map<string, IkeNegotiation>();

/** The chosen IKE proposal with its suites, shared with every SA that chose the same. */
export function internIkeNegotiation(
  chosen: Proposal,
  suite: NegotiatedSuite,
  toIkeSuite: (s: NegotiatedSuite) => IkeSuite,
): IkeNegotiation {
  const key = `${chosen.num}/${chosen.protocolId}/${toHex(chosen.spi)}/${transformsKey(chosen)}`;
  const known = ikeResults.get(key);
  if (known) return known;
  const made: IkeNegotiation = { chosen, suite, ikeSuite: toIkeSuite(suite) };
  if (ikeResults.size < LIMIT) ikeResults.set(key, made);
  return made;
}

export interface ChildNegotiation {
  readonly suite: NegotiatedSuite;
  readonly childSuite: ChildSuite;
}

const childResults = new Map<string, ChildNegotiation>();

/** A Child SA's suites (they do not depend on its SPI), shared with every Child SA alike. */
export function internChildNegotiation(proposal: Proposal, suite: NegotiatedSuite): ChildNegotiation {
  const key = `${proposal.protocolId}/${transformsKey(proposal)}`;
  const known = childResults.get(key);
  if (known) return known;
  const made: ChildNegotiation = {
    suite,
    childSuite: { encr: suite.encr, ...(suite.integ ? { integ: suite.integ } : {}) },
  };
  if (childResults.size < LIMIT) childResults.set(key, made);
  return made;
}
