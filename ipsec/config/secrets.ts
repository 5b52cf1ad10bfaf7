/**
 * Which `secrets.ike*` entry authenticates an IKE SA between our identity and the peer's (the
 * PSK lookup of RFC 7296 §2.15), ranked as strongSwan ranks shared keys: an entry counts if it
 * names either identity, and the best one wins: both identities named (40) over one of them
 * (20) over an entry without ids, which fits anybody (1 + 1). Ties go to the first entry in
 * configuration order.
 */
import { type Identity, identityMatches, parseIdentity } from '../ike/identity.js';
import type { IkeSecret } from './model.js';

/** Match weights, strongSwan's ID_MATCH_PERFECT and ID_MATCH_ANY. */
const PERFECT = 20;
const ANY = 1;

/** True if one of `ids` (config text) names `id`; %any entries name nobody. */
function names(ids: readonly string[], id: Identity): boolean {
  return ids.some((s) => {
    const p = parseIdentity(s);
    return p.ok && p.value !== undefined && identityMatches(p.value, id);
  });
}

function score(ids: readonly string[], id: Identity): number {
  if (ids.length === 0) return ANY;
  return names(ids, id) ? PERFECT : 0;
}

/** The shared key for our identity `local` and the peer's `remote`, or undefined. */
export function findSecret(
  secrets: readonly IkeSecret[],
  local: Identity,
  remote: Identity,
): Uint8Array | undefined {
  let best: IkeSecret | undefined;
  let bestScore = 0;
  for (const s of secrets) {
    const me = score(s.id, local);
    const other = score(s.id, remote);
    if (me === 0 && other === 0) continue; // names neither identity
    if (me + other > bestScore) {
      best = s;
      bestScore = me + other;
    }
  }
  return best?.secret;
}
