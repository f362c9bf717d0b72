import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenBudget } from '../../../src/domain/rate-limits.js';
import { type Bucket, GateRejectedError, PRIORITY_ORDER, type Priority } from '../../../src/kalshi/gate.js';
import { TokenCostError } from '../../../src/throttle/action-queue.js';
import { expectEqual, expectIs } from '../../helpers/hot-expect.js';
import { Harness, RateLimitError, WINDOWS_MS, worstWindow } from './gate-harness.js';

const budgetArb = fc.record({
  refillRate: fc.integer({ min: 5, max: 150 }),
  capacity: fc.integer({ min: 26, max: 250 }),
});

const callArb = fc.record({
  at: fc.integer({ min: 0, max: 3_000 }),
  priority: fc.constantFrom<Priority>(...PRIORITY_ORDER),
  bucket: fc.constantFrom<Bucket>('read', 'write'),
  cost: fc.constantFrom(0, 1, 2, 5, 10, 25),
  latencyMs: fc.integer({ min: 0, max: 300 }),
  rateLimitedAttempts: fc.oneof(
    { arbitrary: fc.constant(0), weight: 12 },
    { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 },
  ),
  deadlineIn: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 3_000 }), weight: 1 },
  ),
});

const scenarioArb = fc.record({
  read: budgetArb,
  write: budgetArb,
  safetyFactor: fc.constantFrom(0.8, 0.95, 1),
  concurrency: fc.integer({ min: 3, max: 40 }),
  writeReserve: fc.integer({ min: 0, max: 20 }),
  calls: fc.array(callArb, { minLength: 20, maxLength: 200, size: 'max' }),
});

describe('ActionQueue over random schedules (property)', () => {
  it('never exceeds a budget, settles every call, and keeps FIFO within a priority', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const limits = { read: scenario.read, write: scenario.write };
        const h = new Harness({
          limits,
          safetyFactor: scenario.safetyFactor,
          concurrency: scenario.concurrency,
          confirmSlots: 2,
          reserve: { write: Math.min(scenario.writeReserve, scenario.write.capacity - 1) },
          maxRateLimitRetries: 2,
        });
        const t0 = h.clock.now();
        for (const c of scenario.calls) {
          h.clock.schedule(c.at, () => {
            const deadline = c.deadlineIn === undefined ? {} : { deadline: h.clock.now() + c.deadlineIn };
            h.call(h.spec(c.priority, { bucket: c.bucket, cost: c.cost, ...deadline }), {
              latencyMs: c.latencyMs,
              failWith: (attempt) =>
                attempt <= c.rateLimitedAttempts ? new RateLimitError('429') : undefined,
            });
          });
        }
        await h.runToEnd(50_000);
        await h.gate.onIdle();

        for (const bucket of ['read', 'write'] as const) {
          const budget: TokenBudget = limits[bucket];
          const worst = worstWindow(
            h.sendsOf(bucket),
            budget,
            budget.refillRate * scenario.safetyFactor,
            WINDOWS_MS,
          );
          if (worst.excess > 1e-6)
            expect(worst.excess, `${bucket} ${JSON.stringify(worst)}`).toBeLessThanOrEqual(1e-6);
        }
        for (const call of h.calls) {
          if (call.status === 'pending') expect(call.status).not.toBe('pending');
          if (call.status === 'fulfilled') continue;
          const e = call.error;
          const expected =
            (e instanceof GateRejectedError && e.reason === 'deadline' && call.spec.deadline !== undefined) ||
            (e instanceof RateLimitError && call.attempts === 3) ||
            e instanceof TokenCostError;
          if (!expected) expect(expected, String(e)).toBe(true);
          if (e instanceof GateRejectedError)
            expectIs(
              h.sends.every((s) => s.id !== call.id || s.t < call.spec.deadline!),
              true,
            );
        }
        // First attempts leave each (bucket, priority) lane in submission order.
        const firsts = h.sends.filter((s) => s.attempt === 1);
        for (const bucket of ['read', 'write'] as const)
          for (const priority of PRIORITY_ORDER) {
            const ids = firsts.filter((s) => s.bucket === bucket && s.priority === priority).map((s) => s.id);
            expectEqual(
              ids,
              [...ids].sort((a, b) => a - b),
            );
          }
        expect(h.clock.pendingTimers).toBe(0);
        expect(h.clock.now()).toBeGreaterThanOrEqual(t0);
      }),
      { seed: 20_260_801, numRuns: 60 },
    );
  });
});
