/**
 * Retry policy. Reads retry on anything not final. Writes never retry blindly: each write
 * operation decides by the error's retry class (a 429 was not processed; a 5xx, a time-out or
 * a dropped connection may have been). Kalshi sends no Retry-After, so backoff is exponential
 * with jitter; the gate owns rate-limit pacing and sees every attempt.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../domain/clock.js';
import { retryClassOf } from './errors.js';

export interface RetryPolicy {
  /** Attempts for a read, the first included. @default 4 */
  readonly readAttempts: number;
  /** Attempts for a create or delete, the first included. @default 3 */
  readonly writeAttempts: number;
  /** Attempts for a confirm (also bounded by its deadline). @default 6 */
  readonly confirmAttempts: number;
  /** First backoff delay. @default 250 */
  readonly baseDelayMs: number;
  /** Longest backoff delay. @default 4000 */
  readonly maxDelayMs: number;
  /** First backoff between confirm attempts: HVM windows are 3 s. @default 50 */
  readonly confirmBaseDelayMs: number;
  /** @default 400 */
  readonly confirmMaxDelayMs: number;
  /**
   * Reconciling a lost create_quote adopts our quotes created up to this long before the
   * attempt began (clock skew between us and the exchange). @default 5000
   */
  readonly reconcileSlackMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  readAttempts: 4,
  writeAttempts: 3,
  confirmAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  confirmBaseDelayMs: 50,
  confirmMaxDelayMs: 400,
  reconcileSlackMs: 5000,
});

/** Fills defaults and checks every value; throws a RangeError naming the bad one. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  for (const key of ['readAttempts', 'writeAttempts', 'confirmAttempts'] as const) {
    if (!Number.isSafeInteger(policy[key]) || policy[key] < 1) {
      throw new RangeError(`retry.${key} must be an integer of at least 1, got ${String(policy[key])}`);
    }
  }
  for (const key of [
    'baseDelayMs',
    'maxDelayMs',
    'confirmBaseDelayMs',
    'confirmMaxDelayMs',
    'reconcileSlackMs',
  ] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) {
      throw new RangeError(`retry.${key} must be a non-negative number, got ${String(policy[key])}`);
    }
  }
  return Object.freeze(policy);
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential, capped, with "equal
 * jitter" (half fixed, half random) so retries spread out yet never fire at once.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const defaultSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : undefined);
};

/**
 * For idempotent requests (reads, deletes): anything not final is worth another attempt (429,
 * 5xx, network, time-out, a malformed 2xx).
 */
export function isRetryableIdempotent(error: unknown): boolean {
  const retry = retryClassOf(error);
  return retry === 'transient' || retry === 'may-have-landed';
}

export interface RetryLoopArgs<T> {
  readonly attempts: number;
  readonly run: (attempt: number) => Promise<T>;
  /** Whether a failure of attempt `attempt` (1-based) is worth another try. */
  readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  /** Delay before retry number `retry` (1-based). */
  readonly delayFor: (retry: number) => number;
  readonly sleep: Sleep;
  readonly clock: Clock;
  /** No attempt starts at or after this epoch ms: the last error is thrown instead. */
  readonly deadline?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Built when the signal fires during a backoff sleep. */
  readonly abortError: () => Error;
  readonly onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
}

export async function retryLoop<T>(args: RetryLoopArgs<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await args.run(attempt);
    } catch (error) {
      if (attempt >= args.attempts || !args.shouldRetry(error, attempt)) throw error;
      const wait = args.delayFor(attempt);
      if (args.deadline !== undefined && args.clock.now() + wait >= args.deadline) throw error;
      args.onRetry?.(error, attempt, wait);
      await pause(wait, args.sleep, args.signal, args.abortError);
    }
  }
}

/** Sleeps, turning an abort of the caller's signal into `abortError()`. */
export async function pause(
  ms: number,
  sleep: Sleep,
  signal: AbortSignal | undefined,
  abortError: () => Error,
): Promise<void> {
  if (signal?.aborted) throw abortError();
  try {
    await sleep(ms, signal);
  } catch (error) {
    if (signal?.aborted) throw abortError();
    throw error;
  }
  if (signal?.aborted) throw abortError();
}
