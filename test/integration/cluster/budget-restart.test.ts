/**
 * The shared budget across a Redis restart that lost every key: the exchange's bucket holds what
 * the instances' local shares left of it, so the shared bucket starts empty, not full.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisBudget } from '../../../src/cluster/budgets.js';
import { ClusterConnection } from '../../../src/cluster/connection.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { systemClock } from '../../../src/domain/clock.js';
import { redisForTest } from './helpers.js';

const logger = pino({ level: 'silent' });
const LIMITS = { read: { refillRate: 10, capacity: 20 }, write: { refillRate: 10, capacity: 20 } };

describe('shared budget across a Redis restart (real redis-server)', () => {
  it('starts the shared bucket empty when Redis returns, as the local share did when it went', async () => {
    const redis = await redisForTest();
    const connection = new ClusterConnection({
      url: redis.url,
      commandTimeoutMs: 200,
      logger,
      clock: systemClock,
    });
    await connection.connect();
    const budget = new RedisBudget({
      connection,
      keys: clusterKeys('budget-restart'),
      limits: LIMITS,
      safety: 1,
      localShare: 0.5,
      clock: systemClock,
      logger,
    });
    try {
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
      const wait = await budget.take('read', 5, 0);
      expect(wait).toBeGreaterThan(0);
      expect(budget.level('read')).toBeLessThan(5);
    } finally {
      await connection.close();
    }
  }, 20_000);
});
