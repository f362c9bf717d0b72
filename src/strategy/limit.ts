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
 * Runs `fn` with a time limit. The signal handed to `fn` aborts when the limit passes
 * (reason: `StrategyTimeoutError`) or when `parent` aborts; a late result or rejection is
 * ignored. A synchronous endless loop cannot be interrupted here: that needs worker isolation.
 */
export async function callWithLimit<T>(
  call: string,
  timeoutMs: number,
  parent: AbortSignal,
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
): Promise<Limited<Awaited<T>>> {
  if (parent.aborted) return { kind: 'stopped' };
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason ?? new StrategyStoppedError());
  parent.addEventListener('abort', onParentAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    let work: Promise<Awaited<T>>;
    try {
      work = Promise.resolve(fn(controller.signal)) as Promise<Awaited<T>>;
    } catch (error) {
      return { kind: 'threw', error };
    }
    const settled = work.then(
      (value) => ({ kind: 'ok', value }) as const,
      (error: unknown) => ({ kind: 'threw', error }) as const,
    );
    const limit = new Promise<typeof TIMEOUT | typeof STOPPED>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
      onAbort = () => resolve(STOPPED);
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    const winner = await Promise.race([settled, limit]);
    if (winner === TIMEOUT) {
      controller.abort(new StrategyTimeoutError(call, timeoutMs));
      return { kind: 'timeout', timeoutMs };
    }
    if (winner === STOPPED) return { kind: 'stopped' };
    return winner;
  } finally {
    clearTimeout(timer);
    if (onAbort) controller.signal.removeEventListener('abort', onAbort);
    parent.removeEventListener('abort', onParentAbort);
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
