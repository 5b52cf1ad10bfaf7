/**
 * The firmware's rxjs (targets/wismote/mote-rx.ts) against rxjs: the same sequences of next,
 * error, complete, subscribe and unsubscribe through the shapes the stack builds (a Subject's
 * asObservable; map/filter chains; merge of a Subject, a piped observable and an array; share
 * with two branches; Subscription.add) give the same notifications in the same order, and
 * errors end up in the same places (a stage's error down the chain, a consumer's rethrown from
 * a timer).
 */
import * as rx from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as mote from '../../../targets/wismote/mote-rx.js';

type Lib = typeof mote;

/** Runs `scenario` with a library and returns what it logged, and what reached a timer. */
function trace(lib: Lib, scenario: (lib: Lib, log: (s: string) => void) => void): string[] {
  const out: string[] = [];
  const log = (s: string) => out.push(s);
  scenario(lib, log);
  try {
    vi.runAllTimers();
  } catch (e) {
    log(`timer threw ${(e as Error).message}`);
  }
  for (;;) {
    try {
      vi.runAllTimers();
      break;
    } catch (e) {
      log(`timer threw ${(e as Error).message}`);
    }
  }
  return out;
}

const same = (scenario: (lib: Lib, log: (s: string) => void) => void) => {
  const expected = trace(rx as unknown as Lib, scenario);
  const actual = trace(mote, scenario);
  expect(actual).toEqual(expected);
  return actual;
};

const observer = (name: string, log: (s: string) => void) => ({
  next: (v: unknown) => log(`${name} next ${String(v)}`),
  error: (e: unknown) => log(`${name} error ${(e as Error).message}`),
  complete: () => log(`${name} complete`),
});

describe('mote-rx behaves as rxjs', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a Subject through asObservable: snapshots, unsubscribe during next, complete, late subscriber', () => {
    const out = same((lib, log) => {
      const s = new lib.Subject<number>();
      const o = s.asObservable();
      const a = o.subscribe(observer('a', log));
      let b: { unsubscribe(): void } | undefined;
      b = o.subscribe({
        next: (v) => {
          log(`b next ${v}`);
          a.unsubscribe();
          if (v === 2) b?.unsubscribe();
          o.subscribe(observer(`c${v}`, log));
        },
      });
      s.next(1);
      s.next(2);
      s.next(3);
      log(`observed ${s.observed}`);
      s.complete();
      s.next(4);
      o.subscribe(observer('late', log));
      log(`observed ${s.observed}`);
    });
    expect(out.length).toBeGreaterThan(5);
  });

  it('map/filter chains: indices, a stage that throws ends its chain, the consumer that throws is reported', () => {
    same((lib, log) => {
      const s = new lib.Subject<number>();
      s.pipe(
        lib.map((v: number, i: number) => v * 10 + i),
        lib.filter((v: number) => v % 2 === 0),
        lib.map((v: number) => {
          if (v > 40) throw new Error(`stage ${v}`);
          return v;
        }),
      ).subscribe(observer('chain', log));
      s.pipe(lib.filter((_v: number, i: number) => i !== 1)).subscribe((v) => {
        log(`consumer ${v}`);
        if (v === 3) throw new Error(`consumer ${v}`);
      });
      for (let v = 1; v <= 7; v++) s.next(v);
      s.error(new Error('end'));
    });
  });

  it('merge of a subject, a piped observable and an array; complete when all have', () => {
    same((lib, log) => {
      const a = new lib.Subject<string>();
      const b = new lib.Subject<string>();
      const m = lib.merge(a, b.asObservable().pipe(lib.filter((v: string) => v !== 'skip')), ['x', 'y']);
      const sub = m.subscribe(observer('m', log));
      a.next('a1');
      b.next('b1');
      b.next('skip');
      a.complete();
      b.next('b2');
      b.complete();
      log(`closed ${sub.closed}`);
      lib.merge(a.asObservable(), []).subscribe(observer('empty', log));
      const c = new lib.Subject<string>();
      const one = lib.merge(c.asObservable(), []).subscribe(observer('one', log));
      c.next('c1');
      one.unsubscribe();
      c.next('c2');
      log(`c observed ${c.observed}`);
    });
  });

  it('merge: an error from one source ends the merge and unsubscribes the others', () => {
    same((lib, log) => {
      const a = new lib.Subject<string>();
      const b = new lib.Subject<string>();
      lib.merge(a, b).subscribe(observer('m', log));
      a.next('a');
      b.error(new Error('b failed'));
      a.next('after');
      log(`a observed ${a.observed}`);
    });
  });

  it('share: one connection for two branches, reset when both leave, reconnect, and on complete', () => {
    same((lib, log) => {
      const src = new lib.Subject<number>();
      let subscribed = 0;
      const counted = new lib.Observable<number>((sub) => {
        subscribed++;
        log(`connect ${subscribed}`);
        const inner = src.subscribe({
          next: (v) => sub.next(v),
          complete: () => sub.complete(),
        });
        return () => {
          log(`disconnect ${subscribed}`);
          inner.unsubscribe();
        };
      });
      const shared = counted.pipe(
        lib.map((v: number) => v + 1),
        lib.share(),
      );
      const x = shared.pipe(lib.filter((v: number) => v % 2 === 0)).subscribe(observer('even', log));
      const y = shared.pipe(lib.filter((v: number) => v % 2 === 1)).subscribe(observer('odd', log));
      src.next(1);
      src.next(2);
      x.unsubscribe();
      src.next(3);
      y.unsubscribe();
      src.next(4);
      const z = shared.subscribe(observer('again', log));
      src.next(5);
      src.complete();
      log(`closed ${z.closed}`);
      shared.subscribe(observer('after complete', log));
    });
  });

  it('Subscription.add: teardowns run once, in order, and at once on a closed subscription', () => {
    same((lib, log) => {
      const s = new lib.Subject<number>();
      const sub = s.subscribe((v) => log(`v ${v}`));
      const other = new lib.Subject<number>().subscribe((v) => log(`other ${v}`));
      sub.add(other);
      sub.add(() => log('teardown 1'));
      sub.add(() => log('teardown 2'));
      s.next(1);
      sub.unsubscribe();
      sub.unsubscribe();
      log(`other closed ${other.closed}`);
      sub.add(() => log('teardown late'));
      s.next(2);
    });
  });
});
