/**
 * Cross-checks between charon's view (swanctl --list-sas --raw) and ours (the supervisor's
 * IKE SA handle): same SPIs, same algorithms, child INSTALLED, and diagnosis on failure.
 */
import { expect } from 'vitest';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import type { NegotiatedSuite } from '../../ipsec/ike/proposal/suite.js';
import { toHex } from '../../ipsec/util/bytes.js';
import type { Charon, ChildSaInfo, IkeSaInfo } from './lab.js';
import type { OurHost } from './our-host.js';

/** Algorithms as swanctl names them (the names in ipsec/crypto/transforms.ts are the same). */
export interface Algorithms {
  readonly encr: string;
  readonly keysize?: number;
  readonly integ?: string;
  readonly prf?: string;
  readonly dh?: string;
}

/** What our negotiated suite is, in swanctl's names. */
export function ourAlgorithms(s: NegotiatedSuite): Algorithms {
  return {
    encr: s.encr.name,
    ...(s.encr.keyLengthAttribute ? { keysize: s.encr.keyBits } : {}),
    ...(s.integ ? { integ: s.integ.name } : {}),
    ...(s.prf ? { prf: s.prf.name } : {}),
    ...(s.ke ? { dh: s.ke.name } : {}),
  };
}

export function charonIkeAlgorithms(sa: IkeSaInfo): Algorithms {
  return {
    encr: sa.encrAlg,
    ...(sa.encrKeysize && needsKeysize(sa.encrAlg) ? { keysize: Number(sa.encrKeysize) } : {}),
    ...(sa.integAlg ? { integ: sa.integAlg } : {}),
    prf: sa.prfAlg,
    dh: sa.dhGroup,
  };
}

export function charonChildAlgorithms(c: ChildSaInfo): Algorithms {
  return {
    encr: c.encrAlg,
    ...(c.encrKeysize && needsKeysize(c.encrAlg) ? { keysize: Number(c.encrKeysize) } : {}),
    ...(c.integAlg ? { integ: c.integAlg } : {}),
  };
}

/** RFC 7634 §2 and ENCR_NULL: no Key Length attribute (charon may still print a size). */
const needsKeysize = (encr: string) => encr !== 'CHACHA20_POLY1305' && encr !== 'NULL';

/** The IKE SA charon has for `name`, once it is ESTABLISHED with child `child` INSTALLED. */
export async function waitForCharonSa(
  charon: Charon,
  name: string,
  child = 'net',
  timeoutMs = 10_000,
): Promise<IkeSaInfo> {
  const until = Date.now() + timeoutMs;
  let last: IkeSaInfo[] = [];
  for (;;) {
    last = await charon.listSas();
    const sa = last.find(
      (s) =>
        s.name === name &&
        s.state === 'ESTABLISHED' &&
        s.children.some((c) => c.name === child && c.state === 'INSTALLED'),
    );
    if (sa) return sa;
    if (Date.now() > until)
      throw new Error(
        `charon has no ESTABLISHED ${name} with child ${child} INSTALLED: ${JSON.stringify(
          last.map((s) => ({ name: s.name, state: s.state, children: s.children.map((c) => c.state) })),
        )}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Both sides agree on the IKE SA and its first Child SA (SPIs, algorithms, selectors). */
export function expectSameSa(
  sa: IkeSaInfo,
  handle: IkeSaHandle,
  expected?: { ike: Algorithms; esp: Algorithms },
): ChildSaInfo {
  const session = handle.actor.getSnapshot().context.session;
  expect(sa.initiatorSpi).toBe(toHex(session.spiI));
  expect(sa.responderSpi).toBe(toHex(session.spiR));
  expect(sa.initiator).toBe(!handle.initiator);
  if (!session.suite) throw new Error('our IKE SA has no negotiated suite');
  expect(charonIkeAlgorithms(sa)).toEqual(ourAlgorithms(session.suite));
  if (expected) expect(ourAlgorithms(session.suite)).toEqual(expected.ike);
  const ours = handle.children[0]?.record;
  if (!ours) throw new Error('our IKE SA has no child');
  const child = sa.children.find((c) => c.spiIn === toHex(ours.spiOut));
  if (!child) throw new Error(`charon has no child with SPI ${toHex(ours.spiOut)}`);
  expect(child.state).toBe('INSTALLED');
  expect(child.mode).toBe('TUNNEL');
  expect(child.protocol).toBe('ESP');
  expect(child.encap).toBe(true); // RFC 3948: ESP-in-UDP
  expect(child.spiOut).toBe(toHex(ours.spiIn));
  expect(charonChildAlgorithms(child)).toEqual(ourAlgorithms(ours.suite));
  if (expected) expect(ourAlgorithms(ours.suite)).toEqual(expected.esp);
  return child;
}

/** Runs `fn`; on failure adds charon's log tail and our supervisor's log to the error. */
export async function diagnosed<T>(charon: Charon, ours: OurHost, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += `\n--- charon.log (${charon.name}, tail) ---\n${charon.log(60)}\n--- our log ---\n${ours.log
      .slice(-15)
      .map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)}`)
      .join('\n')}\n--- our data plane ---\n${JSON.stringify(ours.esp.pipeline.counters())}`;
    throw err;
  }
}
