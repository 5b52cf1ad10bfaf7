/**
 * The IKE SA statechart's context at its start (ike-sa.machine.ts): from the actor's input,
 * with what nothing per SA needs yet shared (issue 14: memory per SA).
 */
import { equalBytes } from '../ipsec/util/bytes.js';
import { emptyFragmentState, NO_FRAGMENTATION } from './ike-sa.outbound.js';
import { DEFAULT_TIMING, type IkeSaContext, type IkeSaInput, type IkeSaStats } from './ike-sa.types.js';

/** rekey_time minus a random share of rand_time (swanctl.conf), in ms; 0 = never. */
function ikeRekeyMs(
  input: { session: { config: { rekey_time: number; rand_time: number } } },
  random: (n: number) => Uint8Array,
): number {
  const { rekey_time, rand_time } = input.session.config;
  if (rekey_time <= 0) return 0;
  const r = random(2);
  const share = ((r[0]! << 8) | r[1]!) / 0x10000;
  return Math.round(1000 * Math.max(1, rekey_time - share * Math.min(rand_time, rekey_time)));
}

/**
 * XState keeps an actor's input for the actor's whole life (Actor.options.input): once the
 * context holds what it needs, the input lets go of what is per SA (the first session, the
 * responder's decoded IKE_SA_INIT request and candidate connections, the initiator's first
 * child, the Child SAs a rekeyed IKE SA took over), so that only the context decides how long
 * they live (issue 14: memory per SA). Shared parts (deps, timing, fragmentation) stay.
 */
function releaseStartInput<T>(input: IkeSaInput, context: T): T {
  const held = input as Partial<
    Record<'session' | 'candidates' | 'firstChild' | 'initMessage' | 'established', unknown>
  >;
  delete held.session;
  delete held.candidates;
  delete held.firstChild;
  delete held.initMessage;
  delete held.established;
  return context;
}

/** No work queued, no rekey collision: shared by every IKE SA until it has some (never mutated). */
export const NONE: readonly never[] = Object.freeze([]);
/** The counters of an IKE SA that has not retransmitted or dropped anything (never mutated). */
const NO_STATS: IkeSaStats = Object.freeze({ retransmits: 0, retransmittedResponses: 0, dropped: 0 });

/** The context of a new IKE SA actor; lets go of the input's per-SA parts (releaseStartInput). */
export function initialContext(input: IkeSaInput): IkeSaContext {
  return releaseStartInput(input, {
    deps: input.deps,
    timing: input.timing ?? DEFAULT_TIMING,
    session: input.session,
    // Only a responder picks its connection at IKE_AUTH (by the peer's identity).
    candidates: input.candidates ?? (input.session.role === 'responder' ? [input.session.config] : NONE),
    ...(input.firstChild ? { firstChild: input.firstChild } : {}),
    ...(input.initMessage ? { initMessage: input.initMessage } : {}),
    nextMessageId: 0,
    peerMessageId: 0,
    children: input.established?.children ?? NONE,
    queue: NONE,
    peerRekeys: NONE,
    retired: input.established?.retired ?? false,
    startEstablished: input.established !== undefined,
    ikeRekeyMs: ikeRekeyMs(input, input.deps.random),
    stats: NO_STATS,
    fragmentation: input.fragmentation ?? NO_FRAGMENTATION,
    fragments: emptyFragmentState(),
  });
}

/** The Child SA whose inbound SPI is `spiIn`. */
export const childBySpi = (ctx: Pick<IkeSaContext, 'children'>, spiIn: Uint8Array) =>
  ctx.children.find((c) => equalBytes(c.spiIn, spiIn));
