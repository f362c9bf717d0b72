/**
 * Drives an ActionQueue on a ManualClock: calls whose sends take simulated time, a
 * timeline of every send, and a sliding-window check of the token budgets.
 */

import { ManualClock } from '../../../src/domain/clock.js';
import type { TokenBudget } from '../../../src/domain/rate-limits.js';
import type { Bucket, Priority, RequestSpec } from '../../../src/kalshi/gate.js';
import { ActionQueue, type ActionQueueOptions } from '../../../src/throttle/action-queue.js';

/** What the client throws on a 429; the gate recognises it by name only. */
export class RateLimitError extends Error {
  override readonly name = 'RateLimitError';
  readonly code = 'rate_limited';
}

export interface SendRecord {
  readonly t: number;
  readonly id: number;
  readonly bucket: Bucket;
  readonly priority: Priority;
  readonly cost: number;
  readonly attempt: number;
  /** The bucket's level right after the tokens were taken. */
  readonly levelAfter: number;
}

export interface CallBehaviour {
  /** Simulated round trip. @default 20 */
  readonly latencyMs?: number;
  /** Error the send fails with on a given attempt (1-based), if any. */
  readonly failWith?: (attempt: number) => Error | undefined;
  /** Never answers (for concurrency and drain tests). */
  readonly hang?: boolean;
}

export interface TrackedCall {
  readonly id: number;
  readonly spec: RequestSpec;
  status: 'pending' | 'fulfilled' | 'rejected';
  value?: unknown;
  error?: unknown;
  attempts: number;
  /** Finishes a hanging send. */
  release(): void;
}

const DEFAULT_COST: Record<Priority, number> = { confirm: 10, delete: 2, create: 2, read: 10 };

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Harness {
  readonly clock: ManualClock;
  readonly gate: ActionQueue;
  readonly sends: SendRecord[] = [];
  readonly calls: TrackedCall[] = [];

  constructor(options: Omit<ActionQueueOptions, 'clock'>, startMs = 1_000_000) {
    this.clock = new ManualClock(startMs);
    this.gate = new ActionQueue({ ...options, clock: this.clock });
  }

  spec(priority: Priority, overrides: Partial<RequestSpec> = {}): RequestSpec {
    const bucket = overrides.bucket ?? (priority === 'read' ? 'read' : 'write');
    return {
      endpoint: `${priority}_${bucket}`,
      method: bucket === 'read' ? 'GET' : 'POST',
      path: `/test/${priority}`,
      bucket,
      cost: DEFAULT_COST[priority],
      priority,
      ...overrides,
    };
  }

  call(spec: RequestSpec, behaviour: CallBehaviour = {}): TrackedCall {
    const id = this.calls.length;
    let release = () => {};
    const tracked: TrackedCall = { id, spec, status: 'pending', attempts: 0, release: () => release() };
    this.calls.push(tracked);
    const send = () => {
      tracked.attempts++;
      const attempt = tracked.attempts;
      const levelAfter = this.gate.budget(spec.bucket).available;
      this.sends.push({
        t: this.clock.now(),
        id,
        bucket: spec.bucket,
        priority: spec.priority,
        cost: spec.cost,
        attempt,
        levelAfter,
      });
      return new Promise<string>((resolve, reject) => {
        const finish = () => {
          const error = behaviour.failWith?.(attempt);
          if (error) reject(error);
          else resolve(`ok:${id}`);
        };
        if (behaviour.hang) release = finish;
        else this.clock.schedule(behaviour.latencyMs ?? 20, finish);
      });
    };
    this.gate.run(spec, send).then(
      (value) => {
        tracked.status = 'fulfilled';
        tracked.value = value;
      },
      (error: unknown) => {
        tracked.status = 'rejected';
        tracked.error = error;
      },
    );
    return tracked;
  }

  /** Fires timers one instant at a time up to `timeMs`, letting promises settle in between. */
  async runUntil(timeMs: number): Promise<void> {
    await flush();
    for (;;) {
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > timeMs) break;
      this.clock.advanceTo(next);
      await flush();
    }
    this.clock.advanceTo(timeMs);
    await flush();
  }

  async runFor(ms: number): Promise<void> {
    await this.runUntil(this.clock.now() + ms);
  }

  /** Runs until no timer is left; fails if that takes more than `maxSteps` timer instants. */
  async runToEnd(maxSteps = 100_000): Promise<void> {
    await flush();
    for (let step = 0; step < maxSteps; step++) {
      const next = this.clock.nextTimerAt();
      if (next === undefined) return;
      this.clock.advanceTo(next);
      await flush();
    }
    throw new Error(`still busy after ${maxSteps} timer steps`);
  }

  sendsOf(bucket: Bucket): SendRecord[] {
    return this.sends.filter((s) => s.bucket === bucket);
  }
}

export interface WindowExcess {
  readonly excess: number;
  readonly start: number;
  readonly windowMs: number;
  readonly spent: number;
  readonly allowed: number;
}

/**
 * The worst `spent − (capacity + rate × window)` over every window [t, t + w] that starts at a
 * send instant t (the worst window always does), for each window length w.
 */
export function worstWindow(
  sends: readonly { readonly t: number; readonly cost: number }[],
  budget: TokenBudget,
  ratePerSec: number,
  windowsMs: readonly number[],
): WindowExcess {
  const sorted = [...sends].sort((a, b) => a.t - b.t);
  const prefix = [0];
  for (const s of sorted) prefix.push(prefix[prefix.length - 1]! + s.cost);
  const upperBound = (time: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.t <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let worst: WindowExcess = { excess: Number.NEGATIVE_INFINITY, start: 0, windowMs: 0, spent: 0, allowed: 0 };
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!.t;
    if (i > 0 && sorted[i - 1]!.t === start) continue;
    for (const windowMs of windowsMs) {
      const spent = prefix[upperBound(start + windowMs)]! - prefix[i]!;
      const allowed = budget.capacity + (ratePerSec * windowMs) / 1000;
      if (spent - allowed > worst.excess)
        worst = { excess: spent - allowed, start, windowMs, spent, allowed };
    }
  }
  return worst;
}

export const WINDOWS_MS = [0, 1, 5, 10, 21, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000];
