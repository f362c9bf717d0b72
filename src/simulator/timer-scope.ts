import type { Clock, Timer } from '../domain/clock.js';
import type { EpochMs } from '../domain/types.js';

/**
 * Tracks every timer set through it so the simulator can cancel all of them on stop:
 * no timer outlives its simulator.
 */
export class TimerScope implements Clock {
  private readonly live = new Set<Timer>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  now(): EpochMs {
    return this.clock.now();
  }

  schedule(delayMs: number, fn: () => void): Timer {
    if (this.closed) return { cancel: () => {} };
    const handle: Timer = this.clock.schedule(delayMs, () => {
      this.live.delete(handle);
      if (!this.closed) fn();
    });
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
