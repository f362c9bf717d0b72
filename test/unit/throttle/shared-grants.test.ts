/**
 * Admission against a shared bucket (cluster.redis): one question takes tokens for several
 * queued calls, the tokens left go back, and tokens taken for a call allowed into the confirm
 * reserve never serve a call that is not.
 */
import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../../src/domain/clock.js';
import { TIER_LIMITS } from '../../../src/domain/rate-limits.js';
import type { Bucket, Priority } from '../../../src/kalshi/gate.js';
import type { QueuedAction } from '../../../src/throttle/lanes.js';
import {
  MAX_GRANT_CALLS,
  type SharedBudget,
  SharedGrants,
  type SharedTake,
} from '../../../src/throttle/shared-grants.js';
import { Harness } from './gate-harness.js';

/** The Redis script's rules in memory (refill by the clock, floor, whole costs), answering after `roundTripMs`. */
class MemoryBudget implements SharedBudget {
  tokens: number;
  #at: number;
  readonly questions: { cost: number; want: number; floor: number }[] = [];
  readonly givenBack: number[] = [];

  constructor(
    /** The clock of the queue that asks (made after this budget). */
    private readonly clockOf: () => Clock,
    private readonly rate: number,
    private readonly capacity: number,
    private readonly roundTripMs = 5,
  ) {
    this.tokens = capacity;
    this.#at = Number.NaN;
  }

  private get clock(): Clock {
    return this.clockOf();
  }

  #refill(): void {
    const now = this.clock.now();
    if (Number.isNaN(this.#at)) this.#at = now;
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.#at) * this.rate) / 1000);
    this.#at = now;
  }

  #answer<T>(value: () => T): Promise<T> {
    return new Promise((resolve) => this.clock.schedule(this.roundTripMs, () => resolve(value())));
  }

  take(_bucket: Bucket, cost: number, floor: number): Promise<number> {
    if (cost < 0) {
      this.givenBack.push(-cost);
      this.#refill();
      this.tokens = Math.min(this.capacity, this.tokens - cost);
      return Promise.resolve(0);
    }
    return this.takeUpTo(_bucket, cost, cost, floor).then((t) => t.waitMs);
  }

  takeUpTo(_bucket: Bucket, cost: number, want: number, floor: number): Promise<SharedTake> {
    this.questions.push({ cost, want, floor });
    return this.#answer(() => {
      this.#refill();
      if (this.tokens - cost < floor)
        return {
          taken: 0,
          waitMs: Math.max(1, Math.ceil(((cost + floor - this.tokens) * 1000) / this.rate)),
        };
      const more = cost > 0 ? Math.floor(Math.min(want - cost, this.tokens - floor - cost) / cost) * cost : 0;
      this.tokens -= cost + Math.max(0, more);
      return { taken: cost + Math.max(0, more), waitMs: 0 };
    });
  }

  rateLimited(): void {
    this.tokens = 0;
  }
  level(): number {
    this.#refill();
    return this.tokens;
  }
  setLimits(): void {}
}

function action(priority: Priority, cost: number): QueuedAction {
  const spec = {
    endpoint: priority,
    method: 'POST',
    path: `/${priority}`,
    bucket: 'write',
    cost,
    priority,
  } as const;
  return {
    seq: 0,
    spec,
    send: async () => undefined,
    resolve: () => undefined,
    reject: () => undefined,
    state: 'queued',
    queuedAt: 0,
    attempts: 0,
    rateLimited: 0,
    cleanup: [],
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Grants on a shared bucket refilling at `rate` tokens/s up to `capacity`, answering in 5 ms. */
function grantsOn(rate: number, capacity: number) {
  const clock = new ManualClock(1_000_000);
  const budget = new MemoryBudget(() => clock, rate, capacity);
  return { clock, budget, grants: new SharedGrants('write', budget, clock, () => undefined) };
}

/** The shared bucket's answer to the question out arrives. */
async function answered(clock: ManualClock): Promise<void> {
  clock.advance(5);
  await flush();
}

describe('SharedGrants', () => {
  it('takes the tokens of several queued calls in one question, and gives back what they leave', async () => {
    const { clock, budget, grants } = grantsOn(10, 100);
    const create = action('create', 2);
    expect(grants.ready(create, 10, 3)).toBe(false);
    await answered(clock);
    expect(budget.questions).toEqual([{ cost: 2, want: 6, floor: 10 }]);
    expect(grants.held).toBe(6);
    expect(grants.ready(create, 10, 3)).toBe(true);
    grants.consume(create);
    expect(grants.ready(create, 10, 2)).toBe(true);
    grants.consume(create);
    expect(grants.held).toBe(2);
    // The third call was cancelled: its tokens go back to the shared bucket.
    grants.idle();
    expect(budget.givenBack).toEqual([2]);
    expect(grants.held).toBe(0);
    expect(grants.spent).toBe(4);
    expect(budget.tokens).toBeCloseTo(96, 5);
  });

  it('asks for at most MAX_GRANT_CALLS calls, and never takes past the floor', async () => {
    const { clock, budget, grants } = grantsOn(0.001, 20);
    grants.ready(action('create', 2), 10, 1_000);
    await answered(clock);
    expect(budget.questions[0]?.want).toBe(2 * MAX_GRANT_CALLS);
    // 20 in the bucket, 10 kept for confirms: five creates' worth.
    expect(grants.held).toBe(10);
    expect(budget.tokens).toBeCloseTo(10, 2);
  });

  it('never spends tokens taken for a confirm on a create, which may not use the reserve', async () => {
    const { clock, budget, grants } = grantsOn(10, 100);
    const confirm = action('confirm', 10);
    const create = action('create', 2);
    grants.ready(confirm, 0, 1);
    await answered(clock);
    expect(grants.held).toBe(10);
    // The confirm left the queue (its deadline passed): the create behind it asks for itself.
    expect(grants.ready(create, 30, 1)).toBe(false);
    expect(budget.givenBack).toEqual([10]);
    expect(budget.questions.at(-1)).toEqual({ cost: 2, want: 2, floor: 30 });
    await answered(clock);
    expect(grants.held).toBe(2);
    // The other way round is safe: tokens taken above the reserve serve a confirm.
    const cheapConfirm = action('confirm', 2);
    expect(grants.ready(cheapConfirm, 0, 1)).toBe(true);
  });
});

describe('ActionQueue on a shared bucket', () => {
  it('sends a queue of creates at one question per several calls, within the budget', async () => {
    const limits = TIER_LIMITS.basic;
    let harness: Harness | undefined;
    const budget = new MemoryBudget(() => harness!.clock, limits.write.refillRate, limits.write.capacity, 20);
    harness = new Harness({ limits, concurrency: 100, shared: budget });
    const h = harness;
    const t0 = h.clock.now();
    for (let i = 0; i < 40; i++) h.call(h.spec('create'));
    await h.runToEnd();
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
    expect(budget.questions.length).toBeLessThanOrEqual(Math.ceil(40 / MAX_GRANT_CALLS) + 1);
    // One call per question took 40 round trips of 20 ms.
    expect(h.sends.at(-1)!.t - t0).toBeLessThan(200);
    // Never past the reserve the queue keeps for confirms.
    expect(budget.tokens).toBeGreaterThanOrEqual(h.gate.budget('write').reserve - 1e-9);
  });
});
