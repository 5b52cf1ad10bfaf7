/**
 * The load of bench/ike-setup.ts: the charon initiator, driven over VICI, brings up `sas` IKE SAs
 * each with its Child SA, `inFlight` at a time (charon's `reuse_ikesa = no`: every initiate makes
 * a new IKE SA).
 *
 * How: `initiate` with timeout -1 (charon starts the IKE SA, sends IKE_SA_INIT and answers at
 * once) on a few command connections, and one connection registered for `child-updown`: every
 * "up" event is one IKE SA with its Child SA established on the initiator, and frees a slot for
 * the next initiate. Not a blocking initiate per SA (timeout >= 0): charon then attaches a
 * logger at the most verbose level to its bus for every waiting initiate, formatting every
 * debug message of every SA for each of them (a 300-SA trial here: 8.3 ms of initiator CPU per
 * SA at 64 in flight, the initiator the bottleneck at 187 SA/s; with timeout -1, 1.3 ms and
 * 690 SA/s), and holds a worker thread each (64 in flight needed `threads` > 64).
 *
 * charon 5.9.8 raises no event for an SA that fails before it is established, so a watchdog
 * reconciles: after `stallMs` without progress, what is in flight but no longer half-open on the
 * initiator (`stats`) counts as lost and its slot is freed; a run ends when every SA is up,
 * refused or lost.
 */
import { ViciClient, ViciError } from '../../targets/native/vici/client.js';
import {
  type ViciSection,
  viciPlain,
  viciString,
  viciSubsection,
} from '../../targets/native/vici/message.js';

export interface LoadResult {
  /** child-updown "up" events: IKE SA + Child SA established. */
  readonly up: number;
  /** initiate answered success = no. */
  readonly refused: number;
  /** Started, never came up (found by the watchdog). */
  readonly lost: number;
  /** errmsg -> how often (refused only). */
  readonly errors: ReadonlyMap<string, number>;
  /** From the first initiate to the last "up" (or to the end, if none came up). */
  readonly wallMs: number;
  /** Times the watchdog found no progress. */
  readonly stalls: number;
}

export interface LoadOptions {
  readonly sas: number;
  readonly inFlight: number;
  readonly ike: string;
  readonly child: string;
  /** No progress for this long: reconcile with the initiator's half-open count. */
  readonly stallMs: number;
  /** Command connections to spread the initiates over (default 4). */
  readonly connections?: number;
}

export async function runLoad(viciPath: string, o: LoadOptions): Promise<LoadResult> {
  const clients: ViciClient[] = [];
  try {
    const events = await connectPatiently(viciPath);
    clients.push(events);
    for (let i = 0; i < (o.connections ?? 4); i++) clients.push(await connectPatiently(viciPath));
    const commands = clients.slice(1);
    let issued = 0;
    let inFlight = 0;
    let awaitingReply = 0;
    let up = 0;
    let refused = 0;
    let lost = 0;
    let stalls = 0;
    let next = 0;
    const errors = new Map<string, number>();
    let start = 0;
    let lastUp = 0;
    let lastProgress = 0;
    let finish: () => void = () => {};
    let fail: (e: unknown) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const check = () => {
      if (up + refused + lost >= o.sas) finish();
    };
    const pump = () => {
      while (inFlight < o.inFlight && issued < o.sas) {
        issued++;
        inFlight++;
        awaitingReply++;
        const c = commands[next++ % commands.length]!;
        c.initiate({ child: o.child, ike: o.ike, timeoutMs: -1, initLimits: false, loglevel: -1 }).then(
          (r) => {
            awaitingReply--;
            if (r.success) return;
            refused++;
            inFlight--;
            lastProgress = performance.now();
            const why = r.errmsg ?? '(no errmsg)';
            errors.set(why, (errors.get(why) ?? 0) + 1);
            check();
            pump();
          },
          fail,
        );
      }
    };
    const onUpdown = (m: ViciSection) => {
      if (viciString(m, 'up') !== 'yes') return;
      up++;
      inFlight--;
      lastUp = lastProgress = performance.now();
      check();
      pump();
    };
    await events.register('child-updown', onUpdown);
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress < o.stallMs || awaitingReply > 0) return;
      stalls++;
      lastProgress = performance.now();
      events.stats().then((s) => {
        const ikesas = s.ikesas;
        const halfOpen =
          typeof ikesas === 'object' && !Array.isArray(ikesas) ? Number(ikesas['half-open']) : 0;
        const gone = inFlight - (Number.isFinite(halfOpen) ? halfOpen : 0);
        if (gone > 0) {
          lost += gone;
          inFlight -= gone;
        }
        check();
        pump();
      }, fail);
    }, 250);
    start = lastProgress = performance.now();
    pump();
    try {
      await finished;
    } finally {
      clearInterval(watchdog);
    }
    const end = up > 0 ? lastUp : performance.now();
    return { up, refused, lost, errors, wallMs: end - start, stalls };
  } finally {
    for (const c of clients) c.close();
  }
}

/**
 * ViciClient.connect, again while the socket says EAGAIN: charon's vici socket has a listen
 * backlog of 3, so a burst of connections finds it full until charon has accepted the others.
 */
async function connectPatiently(viciPath: string, timeoutMs = 10_000): Promise<ViciClient> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await ViciClient.connect(viciPath);
    } catch (e) {
      if (!(e instanceof ViciError && /EAGAIN/.test(e.message)) || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** IKE SAs of a charon (over VICI) that are ESTABLISHED with an INSTALLED Child SA. */
export async function charonEstablished(viciPath: string): Promise<number> {
  const c = await connectPatiently(viciPath);
  try {
    let n = 0;
    for (const event of await c.listSas()) {
      for (const [, ike] of event) {
        if (!(ike instanceof Map)) continue;
        const children = viciSubsection(ike, 'child-sas');
        const installed =
          children !== undefined &&
          [...children.values()].some((ch) => ch instanceof Map && viciPlain(ch).state === 'INSTALLED');
        if (viciString(ike, 'state') === 'ESTABLISHED' && installed) n++;
      }
    }
    return n;
  } finally {
    c.close();
  }
}
