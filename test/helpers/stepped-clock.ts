import type { Clock, ScheduleOptions, Timer } from '../../src/domain/clock.js';
import type { EpochMs } from '../../src/domain/types.js';

interface Pending {
  readonly at: EpochMs;
  readonly fn: () => void;
  readonly unref: boolean;
  handle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Real time, `offsetMs` away from the system clock, that a test can step forward at once: every
 * pending timer is re-armed for the new time, so one that is now due fires at once and the rest
 * keep their instants. Shared by a bot and its simulator, it skips the dull part of a wait (the
 * minutes before a trading window ends) while both go on running on real timers.
 */
export class SteppedClock implements Clock {
  #offsetMs: number;
  readonly #pending = new Set<Pending>();

  constructor(offsetMs = 0) {
    this.#offsetMs = offsetMs;
  }

  now(): EpochMs {
    return Date.now() + this.#offsetMs;
  }

  schedule(delayMs: number, fn: () => void, options?: ScheduleOptions): Timer {
    const timer: Pending = {
      at: this.now() + Math.max(0, delayMs),
      fn,
      unref: options?.unref === true,
      handle: undefined,
    };
    this.#pending.add(timer);
    this.#arm(timer);
    return {
      cancel: () => {
        clearTimeout(timer.handle);
        this.#pending.delete(timer);
      },
    };
  }

  /** Moves time forward by `ms` (not backwards): timers due by then fire at once. */
  step(ms: number): void {
    this.#offsetMs += Math.max(0, ms);
    for (const timer of this.#pending) {
      clearTimeout(timer.handle);
      this.#arm(timer);
    }
  }

  #arm(timer: Pending): void {
    timer.handle = setTimeout(
      () => {
        this.#pending.delete(timer);
        timer.fn();
      },
      Math.max(0, timer.at - this.now()),
    );
    if (timer.unref) timer.handle.unref();
  }
}
