/**
 * The shared rate budget (RedisBudget) against a real redis-server: the level callers read, and
 * the bucket after a Redis restart that lost every key.
 */
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RedisBudget } from '../../../src/cluster/budgets.js';
import { ClusterConnection } from '../../../src/cluster/connection.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { type Clock, ManualClock, systemClock } from '../../../src/domain/clock.js';
import { redisForTest } from './helpers.js';

const logger = pino({ level: 'silent' });
const LIMITS = { read: { refillRate: 10, capacity: 20 }, write: { refillRate: 10, capacity: 20 } };

/** A budget on its own connection (closed when the test ends), half the budget while Redis is down. */
async function sharedBudget(url: string, clock: Clock, safety: number) {
  const connection = new ClusterConnection({ url, commandTimeoutMs: 500, logger, clock });
  await connection.connect();
  onTestFinished(() => connection.close());
  const budget = new RedisBudget({
    connection,
    keys: clusterKeys('shared-budget'),
    limits: LIMITS,
    safety,
    localShare: 0.5,
    clock,
    logger,
  });
  return { connection, budget };
}

describe('shared budget (real redis-server)', () => {
  // The poller skips a turn below its minimum instead of taking: a level that stayed at Redis's
  // last answer until the next take would never rise for it.
  it('reads as refilled between takes at the refill rate, up to the capacity', async () => {
    const redis = await redisForTest();
    const clock = new ManualClock(1_000_000);
    const { budget } = await sharedBudget(redis.url, clock, 0.5);
    expect(await budget.take('read', 18, 0)).toBe(0);
    const after = budget.level('read');
    expect(after).toBeLessThan(3);
    clock.advance(1_000); // 10/s at safety 0.5: 5 tokens a second
    expect(budget.level('read')).toBeCloseTo(after + 5, 5);
    clock.advance(60_000);
    expect(budget.level('read')).toBe(20);
  }, 20_000);

  // One question for several queued calls (SharedGrants): whole calls' worth, above the floor.
  it('takes up to the tokens wanted in whole costs, never below the floor, and takes back what is returned', async () => {
    const redis = await redisForTest();
    const { budget } = await sharedBudget(redis.url, systemClock, 0.1); // 1 token/s: little refill meanwhile
    const first = await budget.takeUpTo('write', 2, 16, 5);
    // 20 in the bucket, 5 kept: 2 + six more calls of 2, not eight.
    expect(first).toEqual({ taken: 14, waitMs: 0 });
    const second = await budget.takeUpTo('write', 2, 16, 5);
    expect(second.taken).toBe(0);
    expect(second.waitMs).toBeGreaterThan(0);
    expect(await budget.take('write', -14, 0)).toBe(0);
    expect(await budget.takeUpTo('write', 3, 9, 0)).toEqual({ taken: 9, waitMs: 0 });
    expect(budget.level('write')).toBeGreaterThanOrEqual(11);
    expect(budget.level('write')).toBeLessThan(12);
  }, 20_000);

  // The exchange's bucket holds what the instances' local shares left of it.
  it('starts the shared bucket empty when Redis returns, as the local share did when it went', async () => {
    const redis = await redisForTest();
    const { connection, budget } = await sharedBudget(redis.url, systemClock, 1);
    // Up: a fresh shared bucket is full.
    expect(await budget.take('read', 5, 0)).toBe(0);
    expect(budget.level('read')).toBeGreaterThanOrEqual(14);

    await redis.kill();
    for (let i = 0; i < 100 && connection.up; i++) await new Promise((r) => setTimeout(r, 20));
    expect(connection.up).toBe(false);
    // Down: the local share starts empty, so a take must wait.
    expect(await budget.take('read', 5, 0)).toBeGreaterThan(0);

    await redis.restart();
    for (let i = 0; i < 200 && !connection.up; i++) await new Promise((r) => setTimeout(r, 20));
    expect(connection.up).toBe(true);
    // Redis lost the key; without the reset it would hand out a full bucket at once.
    expect(await budget.take('read', 5, 0)).toBeGreaterThan(0);
    expect(budget.level('read')).toBeLessThan(5);
  }, 20_000);
});
