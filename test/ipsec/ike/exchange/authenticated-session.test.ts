/**
 * authenticatedSession (issue 14: memory per IKE SA): once IKE_AUTH is done, neither side's
 * session holds what only IKE_SA_INIT and IKE_AUTH needed (RealMessage1/2, Ni/Nr, the key
 * exchange, the cookie, the pending Child SA request), while SK_d and the SK keys stay and
 * CREATE_CHILD_SA (new Child SA, IKE SA rekey) still works; the same for a rekeyed IKE SA.
 */
import { describe, expect, it } from 'vitest';
import {
  buildChildRequest,
  buildIkeRekeyRequest,
  type CreateChildRequest,
  handleCreateChildRequest,
  handleCreateChildResponse,
} from '../../../../ipsec/ike/exchange/create-child.js';
import {
  buildAuthRequest,
  handleAuthRequest,
  handleAuthResponse,
} from '../../../../ipsec/ike/exchange/ike-auth.js';
import {
  buildInitRequest,
  handleInitResponse,
  newInitiatorSession,
} from '../../../../ipsec/ike/exchange/ike-sa-init.js';
import { encodeFor } from '../../../../ipsec/ike/exchange/messages.js';
import {
  authenticatedSession,
  type ChildSaRecord,
  type IkeDeps,
  type IkeSession,
} from '../../../../ipsec/ike/exchange/session.js';
import { ExchangeType } from '../../../../ipsec/ike/wire/constants.js';
import { toHex } from '../../../../ipsec/util/bytes.js';
import {
  CLIENT_ADDR,
  clientConfig,
  GATEWAY_ADDR,
  gatewayConfig,
  gatewayHandleInit,
  ikeProposals,
  openMessage,
  SPI_I,
  testDeps,
} from '../../../support/ike-peers.js';

const COOKIE = new Uint8Array([0xc0, 0x0c, 0x1e, 0x5a, 1, 2, 3, 4]);

/** What only IKE_SA_INIT / IKE_AUTH needed. */
const START_ONLY = ['initRequest', 'initResponse', 'ni', 'nr', 'ke', 'cookie', 'pendingChild'] as const;

interface Established {
  readonly i: IkeSession;
  readonly r: IkeSession;
  readonly iDeps: IkeDeps;
  readonly rDeps: IkeDeps;
  readonly iChild?: ChildSaRecord;
  readonly rChild?: ChildSaRecord;
  /** The sessions just before IKE_AUTH completed on each side (they held everything). */
  readonly iBefore: IkeSession;
  readonly rBefore: IkeSession;
}

/** IKE_SA_INIT + IKE_AUTH between the two pure sessions, messages encoded and opened. */
function establish(withChild = true): Established {
  const iDeps = testDeps('auth-session-i', 0xc0000001);
  const rDeps = testDeps('auth-session-r', 0xd0000001);
  const cConf = clientConfig();
  const gConf = gatewayConfig();
  // A cookie as echoed after a COOKIE round (§2.6): the initiator's session carries it.
  let i: IkeSession = {
    ...newInitiatorSession(cConf, ikeProposals(cConf), CLIENT_ADDR, GATEWAY_ADDR, SPI_I),
    cookie: COOKIE,
  };
  const req = buildInitRequest(i, iDeps);
  i = req.session;
  const init = gatewayHandleInit(gConf, rDeps, req.bytes);
  if (init.kind !== 'accepted') throw new Error(`rejected: ${init.failure.reason}`);
  const resp = openMessage(i, init.response);
  const keyed = handleInitResponse(i, iDeps, resp.header.spiR, resp.payloads, init.response);
  if (keyed.kind !== 'established') throw new Error('IKE_SA_INIT not established');
  i = keyed.session;

  const authReq = buildAuthRequest(i, iDeps, withChild ? i.config.children[0] : undefined);
  if (!authReq.ok) throw new Error(authReq.failure.reason);
  const iBefore = authReq.session;
  const rBefore = init.session;
  const answer = handleAuthRequest(rBefore, rDeps, openMessage(rBefore, authReq.bytes).payloads, [gConf]);
  if (answer.kind !== 'established') throw new Error(answer.failure.reason);
  const done = handleAuthResponse(iBefore, iDeps, openMessage(iBefore, answer.response).payloads);
  if (done.kind !== 'established') throw new Error(done.failure.reason);
  return {
    i: done.session,
    r: answer.session,
    iDeps,
    rDeps,
    ...(done.child ? { iChild: done.child } : {}),
    ...(answer.child ? { rChild: answer.child } : {}),
    iBefore,
    rBefore,
  };
}

function expectAuthenticated(s: IkeSession): void {
  for (const field of START_ONLY) expect(s, field).not.toHaveProperty(field);
  // What the SA needs from here on stays.
  expect(s.keys).toBeDefined();
  expect(s.sk).toBeDefined();
  expect(s.chosen).toBeDefined();
  expect(s.suite).toBeDefined();
  expect(s.localId).toBeDefined();
  expect(s.remoteId).toBeDefined();
  const k = s.keys!;
  for (const key of [k.skD, k.skEi, k.skEr, k.skPi, k.skPr]) {
    expect(key.length).toBeGreaterThan(0);
    expect(key.some((b) => b !== 0)).toBe(true); // not wiped
  }
}

function expectMirroredKeys(a: IkeSession, b: IkeSession): void {
  const ka = a.keys!;
  const kb = b.keys!;
  expect(toHex(ka.skD)).toBe(toHex(kb.skD));
  expect(toHex(ka.skEi)).toBe(toHex(kb.skEi));
  expect(toHex(ka.skEr)).toBe(toHex(kb.skEr));
  expect(toHex(ka.skAi)).toBe(toHex(kb.skAi));
  expect(toHex(ka.skAr)).toBe(toHex(kb.skAr));
}

/** One CREATE_CHILD_SA, SK-protected both ways: `a` initiates the exchange, `b` answers. */
function createChildExchange(
  a: { s: IkeSession; deps: IkeDeps },
  b: { s: IkeSession; deps: IkeDeps; children: readonly ChildSaRecord[] },
  build: () => { request: CreateChildRequest; payloads: Parameters<typeof encodeFor>[2]['payloads'] },
  messageId: number,
) {
  const { request, payloads } = build();
  const reqBytes = encodeFor(a.s, a.deps, {
    exchangeType: ExchangeType.CREATE_CHILD_SA,
    messageId,
    response: false,
    payloads,
  });
  let next = 0x7700;
  const answer = handleCreateChildRequest(
    b.s,
    b.deps,
    openMessage(b.s, reqBytes).payloads,
    b.children,
    () => new Uint8Array([0x42, 0, 0, 0, 0, 0, (next >> 8) & 0xff, next++ & 0xff]),
  );
  const respBytes = encodeFor(b.s, b.deps, {
    exchangeType: ExchangeType.CREATE_CHILD_SA,
    messageId,
    response: true,
    payloads: answer.payloads,
  });
  const outcome = handleCreateChildResponse(a.s, a.deps, request, openMessage(a.s, respBytes).payloads);
  return { answer, outcome };
}

function newChild(
  a: { s: IkeSession; deps: IkeDeps },
  b: { s: IkeSession; deps: IkeDeps },
  messageId: number,
) {
  const { answer, outcome } = createChildExchange(
    a,
    { ...b, children: [] },
    () => {
      const built = buildChildRequest(a.s, a.deps, a.s.config.children[0]!);
      if (!built.ok) throw new Error(built.error);
      return built.value;
    },
    messageId,
  );
  if (answer.kind !== 'child') throw new Error(`refused: ${answer.kind}`);
  if (outcome.kind !== 'child') throw new Error(`child not created: ${outcome.kind}`);
  expect(toHex(outcome.child.spiIn)).toBe(toHex(answer.child.spiOut));
  expect(toHex(outcome.child.spiOut)).toBe(toHex(answer.child.spiIn));
  expect(toHex(outcome.child.keys.initiator.encr)).toBe(toHex(answer.child.keys.initiator.encr));
  expect(toHex(outcome.child.keys.responder.encr)).toBe(toHex(answer.child.keys.responder.encr));
  return { mine: outcome.child, theirs: answer.child };
}

function rekeyIke(
  a: { s: IkeSession; deps: IkeDeps },
  b: { s: IkeSession; deps: IkeDeps },
  messageId: number,
) {
  const newSpiI = new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, messageId]);
  const { answer, outcome } = createChildExchange(
    a,
    { ...b, children: [] },
    () => {
      const built = buildIkeRekeyRequest(a.s, a.deps, newSpiI);
      if (!built.ok) throw new Error(built.error);
      return built.value;
    },
    messageId,
  );
  if (answer.kind !== 'ike') throw new Error(`rekey refused: ${answer.kind}`);
  if (outcome.kind !== 'ike') throw new Error(`rekey failed: ${outcome.kind}`);
  return { initiator: outcome.session, responder: answer.session };
}

describe('authenticatedSession after IKE_AUTH', () => {
  it('the IKE_AUTH inputs were there before (the test sees what it checks)', () => {
    const { iBefore, rBefore } = establish();
    for (const field of ['initRequest', 'initResponse', 'ni', 'nr', 'cookie', 'pendingChild'] as const)
      expect(iBefore[field], field).toBeDefined();
    for (const field of ['initRequest', 'initResponse', 'ni', 'nr'] as const)
      expect(rBefore[field], field).toBeDefined();
  });

  it('initiator and responder drop RealMessage1/2, Ni/Nr, the key exchange and the cookie; keys stay', () => {
    const { i, r, iChild, rChild } = establish();
    expect(iChild).toBeDefined();
    expect(rChild).toBeDefined();
    expectAuthenticated(i);
    expectAuthenticated(r);
    expectMirroredKeys(i, r);
  });

  it('also when IKE_AUTH creates no Child SA', () => {
    const { i, r, iChild, rChild } = establish(false);
    expect(iChild).toBeUndefined();
    expect(rChild).toBeUndefined();
    expectAuthenticated(i);
    expectAuthenticated(r);
    expectMirroredKeys(i, r);
  });

  it('CREATE_CHILD_SA still creates Child SAs both ways afterwards (SK_d and SK_e/SK_a kept)', () => {
    const { i, r, iDeps, rDeps } = establish();
    const I = { s: i, deps: iDeps };
    const R = { s: r, deps: rDeps };
    const first = newChild(I, R, 2);
    expect(first.mine.exchangeInitiator).toBe(true);
    // The responder of IKE_SA_INIT may start one as well (its own message IDs).
    const second = newChild(R, I, 0);
    expect(second.mine.exchangeInitiator).toBe(true);
    expect(toHex(second.mine.keys.initiator.encr)).not.toBe(toHex(first.mine.keys.initiator.encr));
  });

  it('an IKE SA rekey works afterwards, and the new sessions hold none of it either', () => {
    const { i, r, iDeps, rDeps } = establish();
    const rekeyed = rekeyIke({ s: i, deps: iDeps }, { s: r, deps: rDeps }, 2);
    const ni = rekeyed.initiator;
    const nr = rekeyed.responder;
    expect(ni.role).toBe('initiator');
    expect(nr.role).toBe('responder');
    expect(toHex(ni.spiI)).toBe(toHex(nr.spiI));
    expect(toHex(ni.spiR)).toBe(toHex(nr.spiR));
    expectAuthenticated(ni);
    expectAuthenticated(nr);
    expectMirroredKeys(ni, nr);
    expect(toHex(ni.keys!.skD)).not.toBe(toHex(i.keys!.skD));

    // The new IKE SA (message IDs from 0) creates Child SAs and rekeys again.
    newChild({ s: ni, deps: iDeps }, { s: nr, deps: rDeps }, 0);
    const again = rekeyIke({ s: nr, deps: rDeps }, { s: ni, deps: iDeps }, 1);
    expect(again.initiator.role).toBe('initiator');
    expectAuthenticated(again.initiator);
    expectAuthenticated(again.responder);
    expectMirroredKeys(again.initiator, again.responder);
    newChild({ s: again.initiator, deps: rDeps }, { s: again.responder, deps: iDeps }, 0);
  });

  it('keeps everything else of the session as it was', () => {
    const { iBefore } = establish();
    const out = authenticatedSession(iBefore);
    const expected: Record<string, unknown> = { ...iBefore };
    for (const field of START_ONLY) delete expected[field];
    expect(out).toEqual(expected);
    expect(Object.keys(out).sort()).toEqual(Object.keys(expected).sort());
    expect(out.keys).toBe(iBefore.keys);
    expect(out.sk).toBe(iBefore.sk);
  });
});
