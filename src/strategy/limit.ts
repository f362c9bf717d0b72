import { describeThrown, StrategyStoppedError, StrategyTimeoutError } from './errors.js';

/** How a time-limited call ended. */
export type Limited<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  /** The worker running the call died or was terminated as stuck (worker isolation only). */
  | { readonly kind: 'crashed'; readonly reason: string }
  | { readonly kind: 'stopped' };

const TIMEOUT = Symbol('timeout');
const STOPPED = Symbol('stopped');

/**
 * Callbacks waiting for a parent signal to abort, one real listener per signal: every call in
 * flight adding and removing its own listener costs more than many a strategy call.
 */
const abortWaiters = new WeakMap<AbortSignal, Set<() => void>>();

function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  let waiters = abortWaiters.get(signal);
  if (waiters === undefined) {
    const created = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const waiter of [...created]) waiter();
        created.clear();
      },
      { once: true },
    );
    abortWaiters.set(signal, created);
    waiters = created;
  }
  const set = waiters;
  set.add(callback);
  return () => {
    set.delete(callback);
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `fn` with a time limit. The signal `fn` can ask for aborts when the limit passes
 * (reason: `StrategyTimeoutError`) or when `parent` aborts; a late result or rejection is
 * ignored. A synchronous endless loop cannot be interrupted here: that needs worker isolation.
 * The signal is made on first use only (most calls never look at it), already aborted if the
 * call has ended by then.
 */
export async function callWithLimit<T>(
  call: string,
  timeoutMs: number,
  parent: AbortSignal,
  fn: (signal: () => AbortSignal) => T | PromiseLike<T>,
): Promise<Limited<Awaited<T>>> {
  if (parent.aborted) return { kind: 'stopped' };
  let controller: AbortController | undefined;
  let abortedWith: { readonly reason: unknown } | undefined;
  const abort = (reason: unknown): void => {
    if (abortedWith !== undefined) return;
    abortedWith = { reason };
    controller?.abort(reason);
  };
  const signal = (): AbortSignal => {
    if (controller === undefined) {
      controller = new AbortController();
      if (abortedWith !== undefined) controller.abort(abortedWith.reason);
    }
    return controller.signal;
  };
  let onStop: (() => void) | undefined;
  const unsubscribe = whenAborted(parent, () => {
    abort(parent.reason ?? new StrategyStoppedError());
    onStop?.();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    let returned: T | PromiseLike<T>;
    try {
      returned = fn(signal);
    } catch (error) {
      return { kind: 'threw', error };
    }
    // A synchronous answer is in before any limit could pass.
    if (!isThenable(returned)) return { kind: 'ok', value: returned as Awaited<T> };
    const settled = Promise.resolve(returned).then(
      (value) => ({ kind: 'ok', value }) as const,
      (error: unknown) => ({ kind: 'threw', error }) as const,
    );
    const limit = new Promise<typeof TIMEOUT | typeof STOPPED>((resolve) => {
      // After a busy spell timers run before the I/O that completed meanwhile: let a result
      // already waiting win (setImmediate runs after that I/O).
      timer = setTimeout(() => setImmediate(() => resolve(TIMEOUT)), timeoutMs);
      onStop = () => resolve(STOPPED);
    });
    const winner = await Promise.race([settled, limit]);
    if (winner === TIMEOUT) {
      abort(new StrategyTimeoutError(call, timeoutMs));
      return { kind: 'timeout', timeoutMs };
    }
    if (winner === STOPPED) return { kind: 'stopped' };
    return winner;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

/** The skip reason for a call that did not return: `threw: …`, `timeout after Nms`, `runner stopped`. */
export function failureReason(result: Exclude<Limited<unknown>, { kind: 'ok' }>): string {
  switch (result.kind) {
    case 'threw':
      return `threw: ${describeThrown(result.error)}`;
    case 'timeout':
      return `timeout after ${result.timeoutMs}ms`;
    case 'crashed':
      return `crashed: ${result.reason}`;
    case 'stopped':
      return 'runner stopped';
  }
}
