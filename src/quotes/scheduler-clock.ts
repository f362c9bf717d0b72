/**
 * Time and one-shot timers for schedulers. Production uses the system clock; tests drive a
 * `ManualSchedulerClock` step by step, so no test depends on real time or on fake-timer patching
 * of library internals.
 */

import type { Clock } from '../domain/time.js';

/** A scheduled callback that has not fired yet. Cancelling a fired or cancelled timer is a no-op. */
export interface Timer {
  cancel(): void;
}

export interface SchedulerClock extends Clock {
  /** Runs `fn` once, `delayMs` (≥ 0) from now. */
  schedule(delayMs: number, fn: () => void): Timer;
}

export const systemSchedulerClock: SchedulerClock = Object.freeze({
  now: () => Date.now(),
  schedule(delayMs: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
});

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire synchronously inside `advanceTo`, in due-time
 * order (ties in scheduling order), each seeing `now()` equal to its own due time.
 *
 * @example
 * const clock = new ManualSchedulerClock(1_000);
 * clock.schedule(50, () => console.log(clock.now())); // logs 1050
 * clock.advance(100);
 */
export class ManualSchedulerClock implements SchedulerClock {
  #now: number;
  #seq = 0;
  /** Sorted by (at, seq). */
  #timers: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
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
    return {
      cancel: () => {
        const index = this.#timers.indexOf(timer);
        if (index >= 0) this.#timers.splice(index, 1);
      },
    };
  }

  /** Due time of the earliest pending timer. */
  nextTimerAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves to `timeMs` (never backwards), firing every timer due by then, including ones they schedule. */
  advanceTo(timeMs: number): void {
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > timeMs) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = Math.max(this.#now, timeMs);
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
}
