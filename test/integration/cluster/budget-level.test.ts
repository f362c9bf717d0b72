/**
 * The shared budget's level as callers read it (the poller skips a turn below its minimum): it
 * refills between answers from Redis, as the bucket in Redis does, instead of staying at the
 * last answer until the next take, which such a caller never makes.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisBudget } from '../../../src/cluster/budgets.js';
import { ClusterConnection } from '../../../src/cluster/connection.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { redisForTest } from './helpers.js';

const logger = pino({ level: 'silent' });

describe('shared budget level (real redis-server)', () => {
  it('rises between takes at the refill rate, up to the capacity', async () => {
    const redis = await redisForTest();
    const clock = new ManualClock(1_000_000);
    const connection = new ClusterConnection({ url: redis.url, commandTimeoutMs: 500, logger, clock });
    await connection.connect();
    const budget = new RedisBudget({
      connection,
      keys: clusterKeys('budget-level'),
      limits: { read: { refillRate: 10, capacity: 20 }, write: { refillRate: 10, capacity: 20 } },
      safety: 0.5,
      localShare: 0.5,
      clock,
      logger,
    });
    try {
      expect(await budget.take('read', 18, 0)).toBe(0);
      const after = budget.level('read');
      expect(after).toBeLessThan(3);
      clock.advance(1_000); // 10/s at safety 0.5: 5 tokens a second
      expect(budget.level('read')).toBeCloseTo(after + 5, 5);
      clock.advance(60_000);
      expect(budget.level('read')).toBe(20);
    } finally {
      await connection.close();
    }
  }, 20_000);
});
