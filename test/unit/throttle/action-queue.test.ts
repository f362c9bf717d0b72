import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { TIER_LIMITS, type TierLimits } from '../../../src/domain/rate-limits.js';
import type { Priority } from '../../../src/kalshi/gate.js';
import { ActionQueue, GateConfigError, TokenCostError } from '../../../src/throttle/action-queue.js';
import { flush, Harness, RateLimitError, WINDOWS_MS, worstWindow } from './gate-harness.js';

const basic = TIER_LIMITS.basic;
const SAFE_WRITE = basic.write.refillRate * 0.95;
const SAFE_READ = basic.read.refillRate * 0.95;

describe('ActionQueue token budgets', () => {
  it('sends at once while tokens last, then at 95% of the refill rate, never above the budget', async () => {
    const h = new Harness({ limits: basic, concurrency: 100 });
    const t0 = h.clock.now();
    for (let i = 0; i < 1000; i++) h.call(h.spec('create'));
    // (100 − 10 reserve) / 2 go straight away, synchronously inside run().
    expect(h.sends).toHaveLength(45);
    await h.runToEnd();
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
    const last = h.sends[h.sends.length - 1]!.t - t0;
    const ideal = ((1000 - 45) * 2 * 1000) / SAFE_WRITE;
    expect(last).toBeGreaterThanOrEqual(ideal - 1);
    expect(last).toBeLessThanOrEqual(ideal + 100);
    expect(worstWindow(h.sends, basic.write, SAFE_WRITE, WINDOWS_MS).excess).toBeLessThanOrEqual(1e-9);
    expect(h.gate.stats().write.tokensSpent).toBe(2000);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('keeps every sliding window of a mixed schedule within capacity + rate × window', async () => {
    const h = new Harness({ limits: basic });
    const start = h.clock.now();
    const costs = [1, 2, 5, 10, 20];
    const priorities: Priority[] = ['create', 'delete', 'confirm', 'read'];
    let n = 0;
    // Bursts every 250 ms for 12 s: creates in flocks, deletes, confirms, reads of both buckets.
    for (let burst = 0; burst < 48; burst++) {
      h.clock.schedule(burst * 250, () => {
        const size = burst % 5 === 0 ? 60 : 12;
        for (let i = 0; i < size; i++) {
          n++;
          const priority = priorities[(n * 7 + burst) % 4]!;
          const bucket = n % 3 === 0 ? 'read' : priority === 'read' ? 'read' : 'write';
          const cost = priority === 'create' ? 2 : costs[(n + burst) % costs.length]!;
          const rateLimited = n % 41 === 0;
          h.call(h.spec(priority, { bucket, cost }), {
            latencyMs: 5 + ((n * 37) % 190),
            failWith: (attempt) => (rateLimited && attempt === 1 ? new RateLimitError('429') : undefined),
          });
        }
      });
    }
    await h.runToEnd();
    expect(h.calls.length).toBeGreaterThan(800);
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
    for (const bucket of ['read', 'write'] as const) {
      const rate = bucket === 'read' ? SAFE_READ : SAFE_WRITE;
      const worst = worstWindow(h.sendsOf(bucket), basic[bucket], rate, WINDOWS_MS);
      expect(worst.excess, JSON.stringify(worst)).toBeLessThanOrEqual(1e-9);
      // Also a real test of the budget: the bucket was actually used, not idled.
      expect(h.sendsOf(bucket).length).toBeGreaterThan(100);
    }
    expect(h.sends.some((s) => s.attempt > 1)).toBe(true);
    expect(h.clock.now() - start).toBeGreaterThan(12_000);
  });

  it('reads and writes have independent budgets: a write backlog does not delay reads', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 500; i++) h.call(h.spec('create'));
    await h.runFor(1_000);
    const read = h.call(h.spec('read', { cost: 10 }));
    expect(h.sends[h.sends.length - 1]!.id).toBe(read.id);
    await h.runToEnd();
  });

  it('budget() reports available tokens, capacity, the rate in use and the queue', async () => {
    const h = new Harness({ limits: basic, concurrency: 100 });
    expect(h.gate.budget('read')).toMatchObject({ bucket: 'read', available: 400, capacity: 400, queued: 0 });
    expect(h.gate.budget('read').refillRate).toBeCloseTo(SAFE_READ, 9);
    for (let i = 0; i < 50; i++) h.call(h.spec('read', { cost: 10 }));
    const snapshot = h.gate.budget('read');
    expect(snapshot.available).toBe(0);
    expect(snapshot.queued).toBe(10);
    expect(snapshot.inFlight).toBe(40);
    expect(snapshot.nominalRefillRate).toBe(200);
    await h.runFor(100);
    expect(h.gate.budget('read').queued).toBe(9);
    await h.runToEnd();
    h.clock.advance(5_000);
    expect(h.gate.budget('read').available).toBe(400);
  });
});

describe('ActionQueue priorities', () => {
  it('sends a confirm submitted behind 1,000 queued creates next, without waiting', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 1000; i++) h.call(h.spec('create'));
    await h.runFor(1_234);
    const sentBefore = h.sends.length;
    expect(h.gate.budget('write').queued).toBeGreaterThan(850);
    const submittedAt = h.clock.now();
    const confirm = h.call(h.spec('confirm'));
    expect(h.sends[sentBefore]?.id).toBe(confirm.id);
    expect(h.sends[sentBefore]?.t).toBe(submittedAt);
    await h.runToEnd();
  });

  it('a second confirm waits at most its cost / rate, and no create goes in between', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 1000; i++) h.call(h.spec('create'));
    await h.runFor(777);
    const submittedAt = h.clock.now();
    const first = h.call(h.spec('confirm'));
    const second = h.call(h.spec('confirm'));
    await h.runFor(1_000);
    const at = (id: number) => h.sends.findIndex((s) => s.id === id);
    expect(at(second.id)).toBe(at(first.id) + 1);
    const waited = h.sends[at(second.id)]!.t - submittedAt;
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(Math.ceil((10 * 1000) / SAFE_WRITE) + 1);
    await h.runToEnd();
  });

  it('deletes overtake queued creates; FIFO holds within each priority', async () => {
    const h = new Harness({ limits: basic });
    const creates = Array.from({ length: 300 }, () => h.call(h.spec('create')));
    await h.runFor(500);
    const deletes = Array.from({ length: 20 }, () => h.call(h.spec('delete')));
    await h.runToEnd();
    const order = h.sends.map((s) => s.id);
    const firstDelete = order.indexOf(deletes[0]!.id);
    const lastDelete = order.indexOf(deletes[deletes.length - 1]!.id);
    // All deletes went in a row, ahead of every create still queued when they arrived.
    expect(order.slice(firstDelete, lastDelete + 1)).toEqual(deletes.map((d) => d.id));
    expect(creates.filter((c) => order.indexOf(c.id) > lastDelete).length).toBeGreaterThan(200);
    expect(order.filter((id) => id < 300)).toEqual(creates.map((c) => c.id));
  });

  it('creates alone never take the write bucket below the reserve; confirms may', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 400; i++) h.call(h.spec('create'));
    await h.runFor(3_000);
    const createLevels = h.sends.map((s) => s.levelAfter);
    expect(Math.min(...createLevels)).toBeGreaterThanOrEqual(10);
    expect(Math.min(...createLevels)).toBeLessThan(12);
    h.call(h.spec('confirm'));
    expect(h.sends[h.sends.length - 1]!.levelAfter).toBeLessThan(2);
    await h.runToEnd();
    expect(
      Math.min(...h.sends.filter((s) => s.priority === 'create').map((s) => s.levelAfter)),
    ).toBeGreaterThanOrEqual(10);
  });

  it('deletes spend the reserve only with deletesUseReserve', async () => {
    for (const deletesUseReserve of [false, true]) {
      const h = new Harness({ limits: basic, deletesUseReserve });
      for (let i = 0; i < 200; i++) h.call(h.spec('delete'));
      await h.runFor(2_000);
      const lowest = Math.min(...h.sends.map((s) => s.levelAfter));
      if (deletesUseReserve) expect(lowest).toBeLessThan(2);
      else expect(lowest).toBeGreaterThanOrEqual(10);
      await h.runToEnd();
    }
  });
});

describe('ActionQueue concurrency', () => {
  const roomy: TierLimits = {
    read: { refillRate: 100_000, capacity: 100_000 },
    write: { refillRate: 100_000, capacity: 100_000 },
  };

  it('bounds calls in flight and keeps slots for confirms', async () => {
    const h = new Harness({ limits: roomy, concurrency: 8, confirmSlots: 2 });
    const reads = Array.from({ length: 20 }, () => h.call(h.spec('read'), { hang: true }));
    expect(h.sends).toHaveLength(6);
    const confirms = Array.from({ length: 3 }, () => h.call(h.spec('confirm'), { hang: true }));
    expect(h.sends).toHaveLength(8);
    expect(h.sends.slice(6).map((s) => s.id)).toEqual([confirms[0]!.id, confirms[1]!.id]);
    reads[0]!.release();
    await flush();
    // The freed slot goes to the waiting confirm, not to the older reads.
    expect(h.sends[8]!.id).toBe(confirms[2]!.id);
    for (const call of [...reads, ...confirms]) call.release();
    for (let i = 0; i < 10; i++) {
      await flush();
      for (const call of h.calls) call.release();
    }
    await h.gate.onIdle();
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
    expect(h.sends).toHaveLength(23);
  });
});

describe('ActionQueue configuration', () => {
  it('adopts new limits at run time', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 300; i++) h.call(h.spec('create'));
    await h.runFor(1_000);
    const sentAtBasic = h.sends.length;
    h.gate.setLimits(TIER_LIMITS.advanced);
    const before = h.sends.length;
    await h.runFor(500);
    // Advanced: 285 tokens/s usable, three times Basic's.
    expect(h.sends.length - before).toBeGreaterThan(65);
    expect(sentAtBasic).toBeLessThan(100);
    expect(h.gate.budget('write')).toMatchObject({ capacity: 600, nominalRefillRate: 300 });
    await h.runToEnd();
  });

  it('rejects queued calls that no longer fit after the capacity shrinks', async () => {
    const h = new Harness({ limits: TIER_LIMITS.advanced });
    for (let i = 0; i < 60; i++) h.call(h.spec('confirm', { cost: 10 }));
    const big = h.call(h.spec('confirm', { cost: 150 }));
    h.gate.setLimits(basic);
    await flush();
    expect(big.status).toBe('rejected');
    expect(big.error).toBeInstanceOf(TokenCostError);
    expect(() => h.gate.setLimits({ ...basic, write: { refillRate: 10, capacity: 10 } })).toThrow(
      GateConfigError,
    );
    await h.runToEnd();
  });

  it('refuses a cost the bucket can never give', async () => {
    const h = new Harness({ limits: basic });
    await expect(h.gate.run(h.spec('create', { cost: 91 }), async () => 1)).rejects.toMatchObject({
      name: 'TokenCostError',
      code: 'invalid_token_cost',
      room: 90,
    });
    await expect(h.gate.run(h.spec('confirm', { cost: -1 }), async () => 1)).rejects.toBeInstanceOf(
      TokenCostError,
    );
    await expect(h.gate.run(h.spec('confirm', { cost: 100 }), async () => 1)).resolves.toBe(1);
  });

  it('validates its options', () => {
    const clock = new ManualClock();
    expect(() => new ActionQueue({ limits: basic, clock, safetyFactor: 1.5 })).toThrow(GateConfigError);
    expect(() => new ActionQueue({ limits: basic, clock, reserve: { write: 100 } })).toThrow(/reserve.write/);
    expect(() => new ActionQueue({ limits: basic, clock, concurrency: 4, confirmSlots: 4 })).toThrow(
      GateConfigError,
    );
    expect(
      () => new ActionQueue({ limits: { ...basic, read: { refillRate: 0, capacity: 1 } }, clock }),
    ).toThrow(/refillRate/);
  });

  it('reports admissions with their wait, and survives a hook that throws', async () => {
    const waits: number[] = [];
    const h = new Harness({
      limits: basic,
      concurrency: 100,
      hooks: {
        onAdmit: (_spec, waitedMs) => {
          waits.push(waitedMs);
          throw new Error('broken metrics');
        },
      },
    });
    for (let i = 0; i < 50; i++) h.call(h.spec('create'));
    await h.runToEnd();
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
    expect(waits).toHaveLength(50);
    expect(waits.slice(0, 45).every((w) => w === 0)).toBe(true);
    expect(waits[49]).toBeGreaterThanOrEqual(100);
  });
});
