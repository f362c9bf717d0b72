/** Something to stop when a signal aborts. */
export interface AbortWaiter {
  stop(): void;
}

const waitersBySignal = new WeakMap<AbortSignal, Set<AbortWaiter>>();

/**
 * The waiters stopped when `signal` aborts, behind one real listener per signal: a listener for
 * each call in flight costs more than many a call, and past ten Node warns of a leak
 * (MaxListenersExceededWarning). Add a waiter for a call, delete it when the call ends; look at
 * `signal.aborted` first (a waiter added after the abort is never stopped).
 */
export function abortWaitersOf(signal: AbortSignal): Set<AbortWaiter> {
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const created = new Set<AbortWaiter>();
    signal.addEventListener(
      'abort',
      () => {
        for (const waiter of [...created]) waiter.stop();
        created.clear();
      },
      { once: true },
    );
    waitersBySignal.set(signal, created);
    waiters = created;
  }
  return waiters;
}
