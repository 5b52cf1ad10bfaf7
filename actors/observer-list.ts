/**
 * The inspection observers of a statechart run without an XState actor (ike-sa-run.ts,
 * child-lifecycle.ts): a plain array, created by its owner on the first observer (most SAs are
 * never inspected), and the two things done with it.
 */

/** Adds `observer` to `list`; the subscription takes it out again. */
export function subscribeTo<O>(list: O[], observer: O): { unsubscribe(): void } {
  list.push(observer);
  return {
    unsubscribe: () => {
      const i = list.indexOf(observer);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

/** Hands `e` to every observer of `list` (a copy: one may unsubscribe while it is called). */
export function publishTo<E>(list: readonly ((e: E) => void)[] | undefined, e: E): void {
  if (!list) return;
  for (const o of [...list]) o(e);
}
