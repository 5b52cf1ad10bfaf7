/**
 * RFC 7383 messages put back together for display: the inspector sees every SKF fragment as it
 * crosses the wire (each shown as a fragment, its contents opaque); once all fragments of a
 * message have been seen, this adds the whole message, its SK contents decoded, as one more
 * `ike.message` marked `reassembled`. Display only: the IKE SA reassembles for itself
 * (machines/ike-sa.fragments.ts); this uses the same pure functions (ipsec/ike/fragment), with
 * the same integrity check per fragment (§2.6), keeps at most one partial message per IKE SA
 * and direction, and wipes the plaintext once described.
 */

import { DEFAULT_FRAGMENT_LIMITS } from '../../ipsec/ike/fragment/limits.js';
import {
  addFragment,
  discardPartial,
  fragmentIn,
  type PartialMessage,
} from '../../ipsec/ike/fragment/reassembly.js';
import { type SkKeyPair, skKeysForMessage } from '../../ipsec/ike/sk.js';
import { decodePayloadChain } from '../../ipsec/ike/wire/chain.js';
import { describePayloads, type PayloadView } from '../../ipsec/ike/wire/describe.js';
import { isInitiator, isResponse } from '../../ipsec/ike/wire/header.js';
import type { DecodedMessage } from '../../ipsec/ike/wire/message.js';
import { wipe } from '../../ipsec/util/bytes.js';

export interface ReassembledView {
  /** Fragments the message came in. */
  readonly fragments: number;
  /** Octets of all its fragment datagrams. */
  readonly length: number;
  /** The protected payload, its decrypted inner payloads as children. */
  readonly payloads: readonly PayloadView[];
}

interface Partial {
  readonly partial: PartialMessage;
  readonly length: number;
}

export class ReassemblyView {
  private readonly partials = new Map<string, Partial>();

  /**
   * Takes one fragment datagram of IKE SA `sa` (as sent or received), with that SA's keys;
   * returns the whole message when this fragment completes it.
   */
  add(sa: string, direction: 'in' | 'out', decoded: DecodedMessage, raw: Uint8Array, sk: SkKeyPair) {
    const f = fragmentIn(decoded, raw);
    if (!f) return undefined;
    const key = `${sa}|${direction}|${isResponse(decoded.header) ? 'r' : 'q'}`;
    const held = this.partials.get(key);
    const same = held?.partial.messageId === f.messageId ? held : undefined;
    let out: ReturnType<typeof addFragment>;
    try {
      out = addFragment(
        same?.partial,
        f,
        skKeysForMessage(sk, isInitiator(decoded.header)),
        DEFAULT_FRAGMENT_LIMITS,
      );
    } catch {
      return undefined; // keys of an SA that ended: nothing to show
    }
    if (!out.ok) return undefined; // duplicates (retransmissions), forgeries: the fragment rows show them
    if (held && !same) discardPartial(held.partial);
    const length = (same?.length ?? 0) + raw.length;
    if (out.value.kind === 'stored') {
      this.partials.set(key, { partial: out.value.partial, length });
      return undefined;
    }
    this.partials.delete(key);
    const { message } = out.value;
    const inner = decodePayloadChain(message.firstInnerPayload, message.plaintext);
    wipe(message.plaintext); // decoded: the payloads are copies
    const response = isResponse(decoded.header);
    const view: ReassembledView = {
      fragments: f.totalFragments,
      length,
      payloads: [
        {
          type: 'SK',
          fields: { 'Reassembled from': `${f.totalFragments} SKF fragments (RFC 7383)` },
          ...(inner.ok ? { children: describePayloads(inner.value, response) } : {}),
        },
      ],
    };
    return view;
  }

  /** The IKE SA ended: its partial messages go, wiped. */
  forget(sa: string): void {
    for (const [key, p] of this.partials)
      if (key.startsWith(`${sa}|`)) {
        discardPartial(p.partial);
        this.partials.delete(key);
      }
  }
}
