/**
 * The firmware's rxjs (scripts/build-mote.mjs links it where the stack imports 'rxjs'): the
 * part of rxjs 7 a mote runs, ported with its semantics (Subject, Observable with pipe,
 * Subscription, map, filter, merge, share), in ~2 KiB instead of rxjs's 13 KiB and tslib's 2
 * (its `merge` and `share` reach `innerFrom`, which converts promises, async iterables and
 * streams). What the stack imports of rxjs on a mote is exactly that: the ESP pipeline's
 * stages (actors/esp-pipeline.ts), the SAD's and SPD's notices, the radio transport's
 * datagrams. test/targets/wismote/mote-rx.test.ts runs the same sequences through both.
 *
 * Kept from rxjs because behaviour depends on it: a Subject emits to a snapshot of its
 * observers; a subscriber is stopped once it errored, completed or was unsubscribed; an error
 * thrown by a stage (map, filter's predicate) becomes that chain's error notification and ends
 * the chain; an error thrown by the final observer, or an error notification nobody handles, is
 * rethrown from a setTimeout (rxjs's reportUnhandledError) and the chain goes on; unsubscribing
 * a subscriber unsubscribes its upstream; share connects on its first subscriber and resets
 * when the last one leaves or its source ends. Left out: schedulers, promises and iterables as
 * inputs, the deprecated synchronous error handling, `config` hooks (none is set by the stack).
 */

// biome-ignore lint/suspicious/noConfusingVoidType: a producer or an operator may return nothing
type Teardown = Subscription | (() => void) | undefined | void;

/** What a stage or the final consumer receives. */
export interface Observer<T> {
  next(value: T): void;
  error(err: unknown): void;
  complete(): void;
}

type PartialObserver<T> = Partial<Observer<T>> | ((value: T) => void) | undefined;

export type OperatorFunction<A, B> = (source: Observable<A>) => Observable<B>;

const rethrow = (err: unknown): void => {
  setTimeout(() => {
    throw err;
  });
};

export class Subscription {
  declare closed: boolean;
  declare private parents: Subscription[];
  declare private finalizers: (Subscription | (() => void))[] | null;
  declare private readonly initial?: () => void;
  constructor(initial?: () => void) {
    this.closed = false;
    this.parents = [];
    this.finalizers = null;
    this.initial = initial;
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.parents.splice(0)) p.remove(this);
    let errors: unknown[] | undefined;
    const run = (f: () => void) => {
      try {
        f();
      } catch (e) {
        errors ??= [];
        errors.push(...(e instanceof UnsubscriptionError ? e.errors : [e]));
      }
    };
    if (this.initial) run(this.initial);
    const finalizers = this.finalizers;
    this.finalizers = null;
    for (const f of finalizers ?? []) run(() => exec(f));
    if (errors) throw new UnsubscriptionError(errors);
  }

  add(teardown: Teardown): void {
    if (!teardown || teardown === this) return;
    if (this.closed) {
      exec(teardown);
      return;
    }
    if (teardown instanceof Subscription) {
      if (teardown.closed || teardown.parents.includes(this)) return;
      teardown.parents.push(this);
    }
    this.finalizers ??= [];
    this.finalizers.push(teardown);
  }

  remove(teardown: Subscription | (() => void)): void {
    remove(this.finalizers, teardown);
    if (teardown instanceof Subscription) remove(teardown.parents, this);
  }
}

const exec = (f: Subscription | (() => void)) => (f instanceof Subscription ? f.unsubscribe() : f());
const remove = <T>(list: T[] | null, item: T) => {
  const i = list ? list.indexOf(item) : -1;
  if (i >= 0) list!.splice(i, 1);
};

export class UnsubscriptionError extends Error {
  declare readonly errors: unknown[];
  constructor(errors: unknown[]) {
    super(`${errors.length} errors occurred during unsubscription`);
    this.errors = errors;
    this.name = 'UnsubscriptionError';
  }
}

/**
 * rxjs's Subscriber: a SafeSubscriber when `observer` is the consumer's (errors it throws are
 * reported, not propagated), an OperatorSubscriber when `onNext` is a stage's (errors it throws
 * go down the chain as an error notification).
 */
class Subscriber<T> extends Subscription implements Observer<T> {
  declare stopped: boolean;
  declare private destination: Observer<unknown> | null;
  declare private readonly onNext?: (value: T) => void;
  declare private readonly onComplete?: () => void;
  declare private readonly onFinalize?: () => void;
  declare private readonly consumer?: Partial<Observer<T>>;
  constructor(
    destination: Observer<unknown> | null,
    onNext?: (value: T) => void,
    onComplete?: () => void,
    onFinalize?: () => void,
    consumer?: Partial<Observer<T>>,
  ) {
    super();
    this.stopped = false;
    this.destination = destination;
    this.onNext = onNext;
    this.onComplete = onComplete;
    this.onFinalize = onFinalize;
    this.consumer = consumer;
    if (destination instanceof Subscription) destination.add(this);
  }
  next(value: T): void {
    if (this.stopped) return;
    if (this.consumer) this.consume(() => this.consumer!.next?.(value));
    else if (!this.onNext) this.destination!.next(value);
    else
      try {
        this.onNext(value);
      } catch (err) {
        this.destination!.error(err);
      }
  }
  error(err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.consumer) {
      const handler = this.consumer.error;
      this.consume(handler ? () => handler(err) : () => rethrow(err));
      this.unsubscribe();
      return;
    }
    try {
      this.destination!.error(err);
    } finally {
      this.unsubscribe();
    }
  }
  complete(): void {
    if (this.stopped) return;
    this.stopped = true;
    const onComplete = this.onComplete;
    try {
      if (this.consumer) this.consume(() => this.consumer!.complete?.());
      else if (onComplete)
        try {
          onComplete();
        } catch (err) {
          this.destination!.error(err);
        }
      else this.destination!.complete();
    } finally {
      this.unsubscribe();
    }
  }
  override unsubscribe(): void {
    if (this.closed) return;
    this.stopped = true;
    super.unsubscribe();
    this.destination = null;
    this.onFinalize?.();
  }
  private consume(f: () => void): void {
    try {
      f();
    } catch (err) {
      rethrow(err);
    }
  }
}

const toSubscriber = <T>(o: PartialObserver<T> | Subscriber<T>): Subscriber<T> =>
  o instanceof Subscriber
    ? o
    : new Subscriber<T>(
        null,
        undefined,
        undefined,
        undefined,
        typeof o === 'function' || !o ? { next: o } : o,
      );

export class Observable<T> {
  declare source?: Observable<unknown>;
  declare operator?: (this: Subscriber<T>, source: Observable<unknown>) => Teardown;
  declare private readonly producer?: (subscriber: Subscriber<T>) => Teardown;
  constructor(producer?: (subscriber: Subscriber<T>) => Teardown) {
    this.producer = producer;
  }

  subscribe(observer?: PartialObserver<T>): Subscription {
    const subscriber = toSubscriber(observer);
    if (this.operator) subscriber.add(this.operator.call(subscriber, this.source!));
    else if (this.source) subscriber.add(this.source.subscribe(subscriber as PartialObserver<unknown>));
    else
      try {
        subscriber.add(this.subscribeTo(subscriber));
      } catch (err) {
        subscriber.error(err);
      }
    return subscriber;
  }

  protected subscribeTo(subscriber: Subscriber<T>): Teardown {
    return this.producer?.(subscriber);
  }

  pipe(): Observable<T>;
  pipe<A>(a: OperatorFunction<T, A>): Observable<A>;
  pipe<A, B>(a: OperatorFunction<T, A>, b: OperatorFunction<A, B>): Observable<B>;
  pipe<A, B, C>(
    a: OperatorFunction<T, A>,
    b: OperatorFunction<A, B>,
    c: OperatorFunction<B, C>,
  ): Observable<C>;
  pipe(...ops: OperatorFunction<unknown, unknown>[]): Observable<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: the overloads above type the chain
  pipe(...ops: OperatorFunction<any, any>[]): Observable<unknown> {
    return ops.reduce((o, op) => op(o), this as Observable<unknown>);
  }

  /** rxjs's operate(): an Observable that runs `init` on the source for each subscriber. */
  lift<R>(init: (source: Observable<T>, subscriber: Subscriber<R>) => void): Observable<R> {
    const o = new Observable<R>();
    o.source = this;
    o.operator = function (source) {
      try {
        init(source as Observable<T>, this);
      } catch (err) {
        this.error(err);
      }
    };
    return o;
  }
}

export class Subject<T> extends Observable<T> implements Observer<T> {
  declare private observers: Subscriber<T>[];
  declare private snapshot: Subscriber<T>[] | null;
  declare private stopped: boolean;
  declare private failed: boolean;
  declare private thrown: unknown;
  constructor() {
    super();
    this.observers = [];
    this.snapshot = null;
    this.stopped = this.failed = false;
  }

  next(value: T): void {
    if (this.stopped) return;
    this.snapshot ??= [...this.observers];
    for (const o of this.snapshot) o.next(value);
  }
  error(err: unknown): void {
    if (this.stopped) return;
    this.failed = this.stopped = true;
    this.thrown = err;
    while (this.observers.length) this.observers.shift()!.error(err);
  }
  complete(): void {
    if (this.stopped) return;
    this.stopped = true;
    while (this.observers.length) this.observers.shift()!.complete();
  }
  get observed(): boolean {
    return this.observers.length > 0;
  }
  protected override subscribeTo(subscriber: Subscriber<T>): Teardown {
    if (this.failed) subscriber.error(this.thrown);
    else if (this.stopped) subscriber.complete();
    if (this.stopped) return;
    this.snapshot = null;
    this.observers.push(subscriber);
    return new Subscription(() => {
      this.snapshot = null;
      remove(this.observers, subscriber);
    });
  }
  asObservable(): Observable<T> {
    const o = new Observable<T>();
    o.source = this;
    return o;
  }
}

export const map =
  <T, R>(project: (value: T, index: number) => R): OperatorFunction<T, R> =>
  (source) =>
    source.lift<R>((s, out) => {
      let i = 0;
      s.subscribe(new Subscriber<T>(out, (v) => out.next(project(v, i++))));
    });

export function filter<T, S extends T>(
  predicate: (value: T, index: number) => value is S,
): OperatorFunction<T, S>;
export function filter<T>(predicate: (value: T, index: number) => boolean): OperatorFunction<T, T>;
export function filter<T>(predicate: (value: T, index: number) => boolean): OperatorFunction<T, T> {
  return (source) =>
    source.lift<T>((s, out) => {
      let i = 0;
      s.subscribe(new Subscriber<T>(out, (v) => predicate(v, i++) && out.next(v)));
    });
}

/** rxjs's merge of Observables and arrays (mergeAll over `from(sources)`; one source as is). */
export function merge<T>(...sources: (Observable<T> | readonly T[])[]): Observable<T> {
  const from = (s: Observable<T> | readonly T[]): Observable<T> =>
    s instanceof Observable
      ? s
      : new Observable<T>((out) => {
          for (let i = 0; i < s.length && !out.closed; i++) out.next(s[i]!);
          out.complete();
        });
  if (sources.length === 1) return from(sources[0]!);
  return new Observable<T>((out) => {
    let active = 0;
    let outerDone = false;
    const check = () => outerDone && !active && out.complete();
    for (let i = 0; i < sources.length && !out.closed; i++) {
      active++;
      let innerDone = false;
      from(sources[i]!).subscribe(
        new Subscriber<T>(
          out,
          (v) => out.next(v),
          () => {
            innerDone = true;
          },
          () => {
            if (!innerDone) return;
            try {
              active--;
              check();
            } catch (err) {
              out.error(err);
            }
          },
        ),
      );
    }
    outerDone = true;
    check();
  });
}

/** rxjs's share() with its defaults: reset on error, on complete and when no one listens. */
export function share<T>(): OperatorFunction<T, T> {
  return (wrapper) => {
    let connection: Subscriber<T> | undefined;
    let subject: Subject<T> | undefined;
    let refCount = 0;
    let ended = false;
    const reset = () => {
      connection = subject = undefined;
      ended = false;
    };
    return wrapper.lift<T>((source, out) => {
      refCount++;
      subject ??= new Subject<T>();
      const dest = subject;
      out.add(() => {
        refCount--;
        if (refCount === 0 && !ended) {
          const conn = connection;
          reset();
          conn?.unsubscribe();
        }
      });
      dest.subscribe(out);
      if (!connection && refCount > 0) {
        connection = toSubscriber<T>({
          next: (v) => dest.next(v),
          error: (err) => {
            ended = true;
            reset();
            dest.error(err);
          },
          complete: () => {
            ended = true;
            reset();
            dest.complete();
          },
        });
        source.subscribe(connection);
      }
    });
  };
}
