/**
 * The proposals a configuration lists (a connection's `proposals`, a child's `esp_proposals`),
 * parsed once per list and kept as long as the list lives: an SA reads its configuration's
 * proposals without parsing the keywords again. A firmware whose configuration is compiled in
 * (targets/wismote: a "compiled profile") hands over its lists already parsed with
 * `provideProposals` and is built without the keyword parser.
 *
 * The proposals returned are shared: callers copy before they change one (an SPI, say).
 */
import { err, ok, type Result } from '../../result.js';
import type { Proposal } from '../model.js';
import { type KeywordError, parseProposals } from './keywords.js';

type Parsed = Result<readonly Proposal[], KeywordError>;

const parsed = new WeakMap<readonly string[], Map<number, Parsed>>();

/** The proposals of `list` for `protocolId` (ProtocolId.IKE or ESP), parsed on first use. */
export function configuredProposals(list: readonly string[], protocolId: number): Parsed {
  let byProtocol = parsed.get(list);
  if (!byProtocol) {
    byProtocol = new Map();
    parsed.set(list, byProtocol);
  }
  let r = byProtocol.get(protocolId);
  if (!r) {
    const p = parseProposals(list, protocolId);
    r = p.ok ? ok(Object.freeze(p.value)) : err(p.error);
    byProtocol.set(protocolId, r);
  }
  return r;
}

/** Gives `list` its proposals without parsing (a compiled configuration). */
export function provideProposals(
  list: readonly string[],
  protocolId: number,
  proposals: readonly Proposal[],
): void {
  const byProtocol = parsed.get(list) ?? new Map<number, Parsed>();
  byProtocol.set(protocolId, ok(Object.freeze([...proposals])));
  parsed.set(list, byProtocol);
}
