import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateConfigError, TokenBucket } from '../../../src/throttle/token-bucket.js';
import { worstWindow } from './gate-harness.js';

const T0 = 1_000_000;

describe('TokenBucket', () => {
  it('starts full, refills continuously at rate × safetyFactor, and caps at capacity', () => {
    const bucket = new TokenBucket({ budget: { refillRate: 100, capacity: 100 }, now: T0 });
    expect(bucket.level(T0)).toBe(100);
    expect(bucket.tryTake(100, 0, T0)).toBe(true);
    bucket.answered(100, T0);
    expect(bucket.level(T0 + 100)).toBeCloseTo(9.5, 9);
    expect(bucket.level(T0 + 10_000)).toBe(100);
    expect(bucket.spent).toBe(100);
  });

  it('refills no further than capacity less the tokens of unanswered calls', () => {
    // The exchange's bucket is full and stops filling while our calls wait there untaken; when
    // it takes them, it is emptier than a model that took them at sending and kept filling.
    const bucket = new TokenBucket({ budget: { refillRate: 100, capacity: 100 }, safetyFactor: 1, now: T0 });
    expect(bucket.tryTake(30, 0, T0)).toBe(true);
    expect(bucket.unanswered).toBe(30);
    expect(bucket.level(T0 + 1_000)).toBe(70);
    expect(bucket.canTake(71, 0, T0 + 1_000)).toBe(false);
    // Room that only an answer can make is not waited for on a timer.
    expect(bucket.msUntil(71, T0 + 1_000)).toBe(Number.POSITIVE_INFINITY);
    bucket.answered(30, T0 + 1_000);
    expect(bucket.unanswered).toBe(0);
    expect(bucket.level(T0 + 1_100)).toBeCloseTo(80, 9);
    expect(bucket.level(T0 + 2_000)).toBe(100);
  });

  it('honours the floor and reports when a target will be reached', () => {
    const bucket = new TokenBucket({
      budget: { refillRate: 200, capacity: 400 },
      safetyFactor: 1,
      initialFill: 0,
      now: T0,
    });
    expect(bucket.canTake(10, 0, T0)).toBe(false);
    expect(bucket.msUntil(10, T0)).toBe(50);
    expect(bucket.tryTake(10, 0, T0 + 50)).toBe(true);
    expect(bucket.msUntil(20, T0 + 50)).toBe(100);
    expect(bucket.tryTake(10, 10, T0 + 149)).toBe(false);
    expect(bucket.tryTake(10, 10, T0 + 150)).toBe(true);
    expect(bucket.msUntil(401, T0 + 150)).toBe(Number.POSITIVE_INFINITY);
    expect(bucket.msUntil(0, T0 + 150)).toBe(0);
  });

  it('on a fresh 429 empties, shrinks the rate, and recovers linearly', () => {
    const bucket = new TokenBucket({
      budget: { refillRate: 100, capacity: 100 },
      safetyFactor: 1,
      backoff: { backoffFactor: 0.5, minFactor: 0.2, recoveryMs: 1_000 },
      now: T0,
    });
    expect(bucket.penalize(T0, T0 + 10)).toBe(true);
    expect(bucket.level(T0 + 10)).toBe(0);
    expect(bucket.rateAt(T0 + 10)).toBe(50);
    expect(bucket.rateAt(T0 + 510)).toBe(75);
    // ∫ over the linear climb: mean rate 75 for 1 s, then full rate.
    expect(bucket.level(T0 + 1_010)).toBeCloseTo(75, 9);
    expect(bucket.level(T0 + 1_110)).toBeCloseTo(85, 9);
    // Stale (sent before the last penalty): ignored. Fresh ones compound down to minFactor.
    expect(bucket.penalize(T0 + 5, T0 + 1_200)).toBe(false);
    expect(bucket.level(T0 + 1_200)).toBeCloseTo(94, 9);
    for (let i = 0; i < 5; i++) bucket.penalize(T0 + 2_000 + i, T0 + 2_000 + i);
    expect(bucket.rateAt(T0 + 2_004)).toBeCloseTo(20, 9);
  });

  it('adopts a new budget keeping its level, capped at the new capacity', () => {
    const bucket = new TokenBucket({ budget: { refillRate: 300, capacity: 600 }, now: T0 });
    bucket.setBudget({ refillRate: 100, capacity: 100 }, T0);
    expect(bucket.level(T0)).toBe(100);
    expect(bucket.rateAt(T0)).toBeCloseTo(95, 9);
    expect(() => bucket.setBudget({ refillRate: -1, capacity: 100 }, T0)).toThrow(GateConfigError);
  });

  it('does not refill while the clock steps backwards', () => {
    const bucket = new TokenBucket({ budget: { refillRate: 100, capacity: 100 }, initialFill: 0, now: T0 });
    expect(bucket.level(T0 - 5_000)).toBe(0);
    expect(bucket.level(T0 + 100)).toBeCloseTo(9.5, 9);
  });

  it('validates its options', () => {
    const budget = { refillRate: 10, capacity: 10 };
    expect(() => new TokenBucket({ budget, safetyFactor: 0, now: 0 })).toThrow(/safetyFactor/);
    expect(() => new TokenBucket({ budget, initialFill: 2, now: 0 })).toThrow(/initialFill/);
    expect(() => new TokenBucket({ budget: { refillRate: 10, capacity: Number.NaN }, now: 0 })).toThrow(
      /budget.capacity/,
    );
    const error = (() => {
      try {
        new TokenBucket({ budget, backoff: { backoffFactor: 2, minFactor: 0.1, recoveryMs: 1 }, now: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({
      name: 'GateConfigError',
      code: 'invalid_gate_config',
      field: 'backoff.backoffFactor',
    });
  });

  it('never lets greedy spending exceed capacity + safe rate × window (property)', () => {
    const op = fc.record({
      dt: fc.integer({ min: 0, max: 400 }),
      cost: fc.integer({ min: 0, max: 30 }),
      fail: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 500 }),
        fc.integer({ min: 30, max: 1_000 }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        fc.array(op, { minLength: 1, maxLength: 300 }),
        (refillRate, capacity, safetyFactor, ops) => {
          const bucket = new TokenBucket({ budget: { refillRate, capacity }, safetyFactor, now: 0 });
          const taken: { t: number; cost: number }[] = [];
          let t = 0;
          for (const { dt, cost, fail } of ops) {
            t += dt;
            // Take as much as allowed at this instant, as a flood would.
            while (bucket.tryTake(cost, 0, t) && cost > 0 && taken.length < 5_000) taken.push({ t, cost });
            if (fail) bucket.penalize(t, t);
          }
          const worst = worstWindow(
            taken,
            { refillRate, capacity },
            refillRate * safetyFactor,
            [0, 1, 10, 100, 1_000, 10_000],
          );
          return worst.excess <= 1e-6;
        },
      ),
      { seed: 20_260_801, numRuns: 200 },
    );
  });
});
