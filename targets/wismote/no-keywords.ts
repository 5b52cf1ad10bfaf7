/**
 * The firmware's stand-in for ipsec/ike/proposal/keywords.ts (scripts/build-mote.mjs links it
 * instead): a mote's proposals are compiled in (mote-proposals.ts, handed over with
 * provideProposals), so the firmware carries no keyword parser. A list that was not compiled in
 * is refused as the parser refuses an unknown keyword.
 */

import type { Proposal } from '../../ipsec/ike/model.js';
import type { KeywordError } from '../../ipsec/ike/proposal/keywords.js';
import { err, type Result } from '../../ipsec/result.js';

export type { KeywordError } from '../../ipsec/ike/proposal/keywords.js';

export function parseProposals(
  text: string | readonly string[],
  _protocolId: number,
): Result<Proposal[], KeywordError> {
  const token = typeof text === 'string' ? text : text.join(',');
  return err({
    code: 'UNKNOWN_KEYWORD',
    proposal: token,
    message: `'${token}': this firmware has no proposal parser (its proposals are compiled in)`,
  });
}
