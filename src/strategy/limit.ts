import { abortWaitersOf } from '../domain/abort-waiters.js';
import { scheduleVerdict, systemClock, type Timer } from '../domain/clock.js';
import { describeThrown, StrategyStoppedError, StrategyTimeoutError } from './errors.js';

/** How a time-limited call ended. */
export type Limited<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  /** The worker running the call died or was terminated as stuck (worker isolation only). */
  | { readonly kind: 'crashed'; readonly reason: string }
  | { readonly kind: 'stopped' };

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
  // The call's state lives on an object with methods, not in closures made per call: tsx names
  // every closure defined here (a defineProperty each), which cost more than the calls.
  const state = new CallState(parent);
  const waiters = abortWaitersOf(parent);
  waiters.add(state);
  let timer: Timer | undefined;
  try {
    let returned: T | PromiseLike<T>;
    try {
      returned = fn(() => state.signal());
    } catch (error) {
      return { kind: 'threw', error };
    }
    // A synchronous answer is in before any limit could pass.
    if (!isThenable(returned)) return { kind: 'ok', value: returned as Awaited<T> };
    // One promise the result, the limit and a stop race to settle (not Promise.race over three:
    // fewer promises and turns per call).
    const outcome = await new Promise<Limited<Awaited<T>>>((resolve) => {
      state.settle = resolve;
      // After a busy spell a result may already be waiting: it wins.
      timer = scheduleVerdict(systemClock, timeoutMs, () => resolve({ kind: 'timeout', timeoutMs }));
      Promise.resolve(returned).then(
        (value) => resolve({ kind: 'ok', value }),
        (error: unknown) => resolve({ kind: 'threw', error }),
      );
    });
    if (outcome.kind === 'timeout') state.abort(new StrategyTimeoutError(call, timeoutMs));
    return outcome;
  } finally {
    timer?.cancel();
    waiters.delete(state);
  }
}

/** One call's abort state; its signal is made on first use, already aborted if the call ended. */
class CallState {
  #controller: AbortController | undefined;
  #abortedWith: { readonly reason: unknown } | undefined;
  /** Settles the call's outcome (first settle wins), once the call waits on one. */
  settle: ((outcome: { readonly kind: 'stopped' }) => void) | undefined;

  constructor(private readonly parent: AbortSignal) {}

  abort(reason: unknown): void {
    if (this.#abortedWith !== undefined) return;
    this.#abortedWith = { reason };
    this.#controller?.abort(reason);
  }

  signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith.reason);
    }
    return this.#controller.signal;
  }

  stop(): void {
    this.abort(this.parent.reason ?? new StrategyStoppedError());
    this.settle?.({ kind: 'stopped' });
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
