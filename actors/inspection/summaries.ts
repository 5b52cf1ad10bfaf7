/**
 * What the inspection stream says about an actor, made of plain JSON values: the IKE SA and
 * Child SA summaries of the actor tree, and XState events made safe for display. Secrets
 * (SK_* keys, Child SA keys) appear only in the `keys` fields and only when asked for; nothing
 * else of an IKE session (DH private value, PSK lookups, nonces, raw messages) is ever copied.
 */
import type { ChildSaRecord, IkeSession } from '../../ipsec/ike/exchange/session.js';
import { formatIdentity } from '../../ipsec/ike/identity.js';
import { describeProposal } from '../../ipsec/ike/proposal/keywords.js';
import { tsToString } from '../../ipsec/ike/ts/text.js';
import { exchangeTypeName, payloadTypeName } from '../../ipsec/ike/wire/constants.js';
import { isResponse } from '../../ipsec/ike/wire/header.js';
import type { DecodedMessage } from '../../ipsec/ike/wire/message.js';
import { type Payload, payloadTypeOf } from '../../ipsec/ike/wire/payload-types.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { IkeSaHandle, InstalledChild } from '../supervisor-types.js';
import type { ChildSaSummary, IkeSaSummary } from './events.js';

const endpoint = (e: { readonly address: string; readonly port: number }): string => `${e.address}:${e.port}`;

/** The IKE SA as the actor tree shows it; `keys` adds SK_* (RFC 7296 §2.14) as hex. */
export function ikeSummary(
  session: IkeSession,
  handle: IkeSaHandle | undefined,
  createdAt: number,
  keys: boolean,
): IkeSaSummary {
  const k = session.keys;
  return {
    connection: session.config.name,
    initiator: session.role === 'initiator',
    local: endpoint(handle?.local ?? session.local),
    remote: endpoint(handle?.remote ?? session.remote),
    ...(session.localId ? { localId: formatIdentity(session.localId) } : {}),
    ...(session.remoteId ? { remoteId: formatIdentity(session.remoteId) } : {}),
    spiI: toHex(session.spiI),
    spiR: toHex(session.spiR),
    state: handle?.state ?? 'CONNECTING',
    createdAt,
    ...(handle?.establishedAt !== undefined ? { establishedAt: handle.establishedAt } : {}),
    ...(session.chosen ? { proposal: describeProposal(session.chosen) } : {}),
    ...(keys && k
      ? {
          keys: {
            SK_d: toHex(k.skD),
            SK_ai: toHex(k.skAi),
            SK_ar: toHex(k.skAr),
            SK_ei: toHex(k.skEi),
            SK_er: toHex(k.skEr),
            SK_pi: toHex(k.skPi),
            SK_pr: toHex(k.skPr),
          },
        }
      : {}),
  };
}

/** The Child SA as the actor tree shows it; `keys` adds its KEYMAT (§2.17) as hex. */
export function childSummary(record: ChildSaRecord, state: string, keys: boolean): ChildSaSummary {
  const k = record.keys;
  return {
    name: record.config.name,
    spiIn: toHex(record.spiIn),
    spiOut: toHex(record.spiOut),
    mode: record.mode,
    state,
    localTs: record.localTs.map(tsToString),
    remoteTs: record.remoteTs.map(tsToString),
    ...(keys
      ? {
          keys: {
            encr_i: toHex(k.initiator.encr),
            integ_i: toHex(k.initiator.integ),
            encr_r: toHex(k.responder.encr),
            integ_r: toHex(k.responder.integ),
          },
        }
      : {}),
  };
}

export function childNodeSummary(c: InstalledChild, keys: boolean): ChildSaSummary {
  const value = c.lifecycle.getSnapshot().value;
  return childSummary(c.record, typeof value === 'string' ? value.toUpperCase() : String(value), keys);
}

/** Field names never copied out of an XState event: they hold or lead to secrets or bulk data. */
const WITHHELD = /key|secret|psk|private/i;
const WITHHELD_EXACT = new Set([
  'deps',
  'session',
  'input',
  'sk',
  'ke',
  'skD',
  'skAi',
  'skAr',
  'skEi',
  'skEr',
]);

function safe(v: unknown, depth: number): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  // SPIs (4 or 8 octets) are public; anything longer is shown as its length only.
  if (v instanceof Uint8Array) return v.length <= 8 ? toHex(v) : `${v.length} octets`;
  if (typeof v !== 'object') return undefined; // functions, symbols, bigints
  if (depth >= 3) return Array.isArray(v) ? `[${v.length}]` : '{…}';
  if (Array.isArray(v)) return v.slice(0, 16).map((x) => safe(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (WITHHELD.test(k) || WITHHELD_EXACT.has(k)) continue;
    const s = safe(x, depth + 1);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** An XState event for `actor.event`: its type and display-safe fields. */
export function safeEvent(event: { readonly type: string; readonly [k: string]: unknown }): {
  readonly type: string;
  readonly [field: string]: unknown;
} {
  if (event.type === 'MESSAGE') {
    const d = event.decoded as DecodedMessage | undefined;
    const raw = event.raw as Uint8Array | undefined;
    if (!d) return { type: event.type };
    return {
      type: event.type,
      exchange: exchangeTypeName(d.header.exchangeType),
      messageId: d.header.messageId,
      response: isResponse(d.header),
      length: raw?.length ?? d.header.length,
    };
  }
  if (event.type === 'xstate.init') return { type: event.type };
  if (Array.isArray(event.payloads)) {
    // REQUEST / RESPONSE raised by the IKE SA: the decrypted payloads, by name only.
    const { payloads, ...rest } = event;
    const names = (payloads as Payload[]).map((p) => payloadTypeName(payloadTypeOf(p)));
    const exchange =
      typeof rest.exchangeType === 'number' ? { exchange: exchangeTypeName(rest.exchangeType) } : {};
    return { ...(safe(rest, 0) as Record<string, unknown>), ...exchange, type: event.type, payloads: names };
  }
  return { ...(safe(event, 0) as Record<string, unknown>), type: event.type };
}
