/**
 * The one clock: time and one-shot timers. Every part takes a `Clock` instead of calling
 * `Date.now()` or `setTimeout`, so tests (and the simulator's deterministic runs, and backtests)
 * drive time with `ManualClock` instead of waiting for it.
 */
import type { EpochMs } from './types.js';

/** A scheduled callback that has not fired yet. Cancelling a fired or cancelled timer is a no-op. */
export interface Timer {
  cancel(): void;
}

export interface ScheduleOptions {
  /** A real timer that alone must not keep the process alive (risk and housekeeping timers). */
  readonly unref?: boolean;
}

export interface Clock {
  now(): EpochMs;
  /** Runs `fn` once, `delayMs` (≥ 0) from now. */
  schedule(delayMs: number, fn: () => void, options?: ScheduleOptions): Timer;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  schedule(delayMs: number, fn: () => void, options?: ScheduleOptions): Timer {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    if (options?.unref) handle.unref();
    return {
      cancel() {
        clearTimeout(handle);
      },
    };
  },
});

/**
 * `clock.schedule` for a time-out's verdict: `fn` runs once the I/O that arrived meanwhile has
 * been read. An event-loop turn runs its timers before it reads I/O, so after a stall of this
 * thread (a long collection, a starved container) a plain timer condemns an answer that is
 * already waiting. Cancelling also drops a verdict already due.
 */
export function scheduleVerdict(clock: Clock, delayMs: number, fn: () => void): Timer {
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const timer = clock.schedule(delayMs, () => {
    immediate = setImmediate(fn);
  });
  return {
    cancel() {
      timer.cancel();
      if (immediate !== undefined) clearImmediate(immediate);
    },
  };
}

/**
 * Runs `fn` every `intervalMs` on `clock` until the returned timer is cancelled. The next run is
 * scheduled after `fn` returns, so a slow run delays the next instead of piling up behind it.
 */
export function repeatEvery(
  clock: Clock,
  intervalMs: number,
  fn: () => void,
  options?: ScheduleOptions,
): Timer {
  let current: Timer | undefined;
  let cancelled = false;
  const tick = (): void => {
    current = clock.schedule(
      intervalMs,
      () => {
        if (cancelled) return;
        try {
          fn();
        } finally {
          if (!cancelled) tick();
        }
      },
      options,
    );
  };
  tick();
  return {
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
  };
}

/** Resolves after `ms` on `clock` (at once when `signal` aborts). */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.schedule(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A clock `offsetMs` ahead of (or behind) the system clock, with real timers. */
export function shiftedClock(offsetMs: number): Clock {
  return Object.freeze({
    now: () => Date.now() + offsetMs,
    schedule: systemClock.schedule,
  });
}

interface PendingTimer {
  readonly at: EpochMs;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire synchronously inside `advanceTo`, in due-time
 * order (ties in scheduling order), each seeing `now()` equal to its own due time.
 *
 * @example
 * const clock = new ManualClock(1_000);
 * clock.schedule(50, () => console.log(clock.now())); // logs 1050
 * clock.advance(100);
 */
export class ManualClock implements Clock {
  #now: EpochMs;
  #seq = 0;
  /** Sorted by (at, seq). */
  #timers: PendingTimer[] = [];

  constructor(startMs: EpochMs = 0) {
    this.#now = startMs;
  }

  now(): EpochMs {
    return this.#now;
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    let lo = 0;
    let hi = this.#timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.#timers[mid]!;
      if (other.at < timer.at || (other.at === timer.at && other.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#timers.splice(lo, 0, timer);
    const timers = this;
    // A method, not an arrow property: tsx names those, a defineProperty per timer.
    return {
      cancel() {
        timers.#cancel(timer);
      },
    };
  }

  #cancel(timer: PendingTimer): void {
    const index = this.#timers.indexOf(timer);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** Due time of the earliest pending timer. */
  nextTimerAt(): EpochMs | undefined {
    return this.#timers[0]?.at;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves to `timeMs` (never backwards), firing every timer due by then, including ones they schedule. */
  advanceTo(timeMs: EpochMs): void {
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > timeMs) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = Math.max(this.#now, timeMs);
  }

  /** Moves to `timeMs` without firing timers, as a stepped system clock does; they fire on the next advance. */
  jumpTo(timeMs: EpochMs): void {
    this.#now = Math.max(this.#now, timeMs);
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + Math.max(0, ms));
  }

  /**
   * Like `advance`, but yields to pending promise callbacks and I/O after each timer fires: for
   * code that awaits between timers (a timer whose callback awaits, then schedules the next).
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const next = this.#timers[0]?.at;
      if (next === undefined || next > target) break;
      this.advanceTo(next);
    }
    this.#now = Math.max(this.#now, target);
  }
}
