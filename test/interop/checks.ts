/**
 * Cross-checks between charon's view (swanctl --list-sas --raw) and ours (the supervisor's
 * IKE SA handle): same SPIs, same algorithms, child INSTALLED, and diagnosis on failure.
 */
import { expect } from 'vitest';
import type { IkeSaHandle } from '../../actors/supervisor.js';
import type { NegotiatedSuite } from '../../ipsec/ike/proposal/suite.js';
import { toHex } from '../../ipsec/util/bytes.js';
import { type Charon, type ChildSaInfo, type IkeSaInfo, LAB } from './lab.js';
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

// ---- SA lifecycle: both sides' SAs side by side ----

/** One side's view of the SAs, SPIs in hex (charon's notation). */
export interface SaView {
  readonly ike: readonly {
    readonly state: string;
    readonly spiI: string;
    readonly spiR: string;
    /** name, our inbound SPI, our outbound SPI (charon's mirrored: its spi-out, spi-in), state. */
    readonly children: readonly { name: string; spiIn: string; spiOut: string; state: string }[];
  }[];
}

export interface LifecycleView {
  /** charon's SAs (children with SPIs mirrored into our perspective). */
  readonly charon: SaView;
  readonly ours: SaView;
  /** Our IPsec backend's ESP SAs. */
  readonly backend: readonly { spi: string; direction: string; label?: string; packets: number }[];
}

export async function lifecycleView(charon: Charon, ours: OurHost): Promise<LifecycleView> {
  const sas = await charon.listSas();
  return {
    charon: {
      ike: sas.map((sa) => ({
        state: sa.state,
        spiI: sa.initiatorSpi,
        spiR: sa.responderSpi,
        children: sa.children.map((c) => ({
          name: c.name,
          spiIn: c.spiOut,
          spiOut: c.spiIn,
          state: c.state,
        })),
      })),
    },
    ours: {
      ike: ours.supervisor.ikeSas.map((h) => {
        const s = h.actor.getSnapshot().context.session;
        return {
          state: h.state,
          spiI: toHex(s.spiI),
          spiR: toHex(s.spiR),
          children: h.children.map((c) => ({
            name: c.record.config.name,
            spiIn: toHex(c.record.spiIn),
            spiOut: toHex(c.record.spiOut),
            state: 'INSTALLED',
          })),
        };
      }),
    },
    backend: ours.esp.backend.listSas().map((sa) => ({
      spi: toHex(sa.spi),
      direction: sa.direction,
      ...(sa.label ? { label: sa.label } : {}),
      packets: sa.packets,
    })),
  };
}

/** What both sides agree on: one IKE SA and its children, SPIs in hex, from our side. */
export interface Agreement {
  readonly spiI: string;
  readonly spiR: string;
  readonly children: Readonly<Record<string, { readonly spiIn: string; readonly spiOut: string }>>;
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/**
 * The agreement in `v`, if both sides hold exactly one ESTABLISHED IKE SA with the same SPIs
 * and exactly the children `names` (each once, INSTALLED, the same SPIs mirrored), our backend
 * has exactly their ESP SAs, and no SPI of `gone` appears anywhere.
 */
export function agreement(
  v: LifecycleView,
  names: readonly string[],
  gone: ReadonlySet<string>,
): Agreement | undefined {
  const [c, ...moreC] = v.charon.ike;
  const [o, ...moreO] = v.ours.ike;
  if (!c || !o || moreC.length > 0 || moreO.length > 0) return undefined;
  if (c.state !== 'ESTABLISHED' || o.state !== 'ESTABLISHED') return undefined;
  if (c.spiI !== o.spiI || c.spiR !== o.spiR) return undefined;
  if (gone.has(c.spiI) || gone.has(c.spiR)) return undefined;
  const want = sorted(names);
  if (JSON.stringify(sorted(c.children.map((x) => x.name))) !== JSON.stringify(want)) return undefined;
  if (JSON.stringify(sorted(o.children.map((x) => x.name))) !== JSON.stringify(want)) return undefined;
  const children: Record<string, { spiIn: string; spiOut: string }> = {};
  for (const ch of o.children) {
    const theirs = c.children.find((x) => x.name === ch.name);
    if (theirs?.state !== 'INSTALLED') return undefined;
    if (theirs.spiIn !== ch.spiIn || theirs.spiOut !== ch.spiOut) return undefined;
    if (gone.has(ch.spiIn) || gone.has(ch.spiOut)) return undefined;
    children[ch.name] = { spiIn: ch.spiIn, spiOut: ch.spiOut };
  }
  const expected = sorted(o.children.flatMap((x) => [`in ${x.spiIn}`, `out ${x.spiOut}`]));
  const backend = sorted(v.backend.map((x) => `${x.direction} ${x.spi}`));
  if (JSON.stringify(backend) !== JSON.stringify(expected)) return undefined;
  return { spiI: o.spiI, spiR: o.spiR, children };
}

/**
 * Polls both sides until they agree (see `agreement`): exactly one IKE SA with exactly the
 * children `names`, none of the SPIs in `gone`. Throws with both views when they never do.
 */
export async function waitForAgreement(
  charon: Charon,
  ours: OurHost,
  names: readonly string[],
  gone: Iterable<string> = [],
  timeoutMs = 10_000,
): Promise<Agreement> {
  const exclude = new Set(gone);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await lifecycleView(charon, ours);
    const a = agreement(v, names, exclude);
    if (a) return a;
    if (Date.now() > until)
      throw new Error(
        `no agreement on one IKE SA with children [${names.join(', ')}]` +
          ` without SPIs [${[...exclude].join(', ')}]:\n${JSON.stringify(v, null, 1)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls until neither side has any IKE SA and our backend no ESP SA. */
export async function waitForNothing(charon: Charon, ours: OurHost, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await lifecycleView(charon, ours);
    if (v.charon.ike.length === 0 && v.ours.ike.length === 0 && v.backend.length === 0) return;
    if (Date.now() > until) throw new Error(`SAs left over:\n${JSON.stringify(v, null, 1)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Brings up IKE SA `name` with child `child`, started by `by` (our supervisor.initiate or
 * swanctl --initiate; the connection has the same name on both sides), and waits until both
 * sides agree on it.
 */
export async function establish(
  charon: Charon,
  ours: OurHost,
  by: 'us' | 'charon',
  name: string,
  child = 'net',
): Promise<Agreement> {
  if (by === 'us') await ours.initiate(name, child);
  else {
    const r = await charon.initiate(name, child);
    if (r.code !== 0) throw new Error(`swanctl --initiate failed:\n${r.stdout}${r.stderr}`);
  }
  return waitForAgreement(charon, ours, [child]);
}

/** Packets through one Child SA (given by our SPIs) on both sides: ours in/out, charon's in/out. */
export async function childPackets(
  charon: Charon,
  ours: OurHost,
  child: { readonly spiIn: string; readonly spiOut: string },
): Promise<{ ourIn: number; ourOut: number; charonIn: number; charonOut: number }> {
  const sas = ours.esp.backend.listSas();
  const ourSa = (dir: string, spi: string) =>
    sas.find((x) => x.direction === dir && toHex(x.spi) === spi)?.packets ?? Number.NaN;
  const theirs = (await charon.listSas()).flatMap((s) => s.children).find((c) => c.spiOut === child.spiIn);
  return {
    ourIn: ourSa('in', child.spiIn),
    ourOut: ourSa('out', child.spiOut),
    charonIn: theirs?.packetsIn ?? Number.NaN,
    charonOut: theirs?.packetsOut ?? Number.NaN,
  };
}

/**
 * Three pings each way through `child` (our inner `ourInner` <-> charon's 10.99.1.1): ours answered
 * by charon's kernel, charon's answered by our inner host, and each of the 12 packets counted on
 * exactly this Child SA on both sides (6 in and 6 out each).
 */
export async function expectTraffic(
  charon: Charon,
  ours: OurHost,
  child: { readonly spiIn: string; readonly spiOut: string },
  ourInner: string = LAB.ourInner,
): Promise<void> {
  const before = await childPackets(charon, ours, child);
  expect(await ours.ping(ourInner, LAB.charonInner, 3)).toEqual([1, 2, 3]);
  const p = await charon.ping(LAB.charonInner, ourInner, 3);
  expect(p.stdout, p.stdout + p.stderr).toMatch(/3 packets transmitted, 3 received/);
  const after = await childPackets(charon, ours, child);
  expect({
    ourIn: after.ourIn - before.ourIn,
    ourOut: after.ourOut - before.ourOut,
    charonIn: after.charonIn - before.charonIn,
    charonOut: after.charonOut - before.charonOut,
  }).toEqual({ ourIn: 6, ourOut: 6, charonIn: 6, charonOut: 6 });
}
