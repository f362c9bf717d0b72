import type { Clock } from '../domain/time.js';
import type { EpochMs } from '../domain/types.js';

export interface TimerHandle {
  cancel(): void;
}

/**
 * The simulator's notion of time: `now()` plus one-shot timers. Real time by default; a
 * `ManualClock` makes life-cycle timing (confirm windows, execution delays, takers)
 * deterministic in tests.
 */
export interface SimClock extends Clock {
  setTimer(fn: () => void, delayMs: number): TimerHandle;
}

export const realClock: SimClock = Object.freeze({
  now: () => Date.now(),
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(timer) };
  },
});

interface PendingTimer {
  readonly at: EpochMs;
  readonly order: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Time that moves only when told to: `advance(ms)` runs every timer that falls due, in order. */
export class ManualClock implements SimClock {
  private current: EpochMs;
  private order = 0;
  private timers: PendingTimer[] = [];

  constructor(start: EpochMs = Date.now()) {
    this.current = start;
  }

  now(): EpochMs {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer: PendingTimer = {
      at: this.current + Math.max(0, delayMs),
      order: this.order++,
      fn,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing due timers (including ones they schedule) in time order. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: PendingTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.order < next.order)))
          next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  /** Timers still waiting (for tests). */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

/**
 * Tracks every timer set through it so the simulator can cancel all of them on stop:
 * no timer outlives its simulator.
 */
export class TimerScope implements SimClock {
  private readonly live = new Set<TimerHandle>();
  private closed = false;

  constructor(private readonly clock: SimClock) {}

  now(): EpochMs {
    return this.clock.now();
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    if (this.closed) return { cancel: () => {} };
    const handle: TimerHandle = this.clock.setTimer(() => {
      this.live.delete(handle);
      if (!this.closed) fn();
    }, delayMs);
    this.live.add(handle);
    return {
      cancel: () => {
        handle.cancel();
        this.live.delete(handle);
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const handle of this.live) handle.cancel();
    this.live.clear();
  }
}
