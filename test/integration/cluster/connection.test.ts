/**
 * The Redis connection's command time-out against a real redis-server: a reply that came while
 * the bot's thread was stalled counts (the connection stays up, quoting goes on); a Redis that
 * does not answer still times out and is marked down.
 */
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ClusterConnection, RedisUnavailableError } from '../../../src/cluster/connection.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { systemClock } from '../../../src/domain/clock.js';
import { redisForTest } from './helpers.js';

const logger = pino({ level: 'silent' });
const TIMEOUT_MS = 100;

async function connected(url: string): Promise<ClusterConnection> {
  const connection = new ClusterConnection({ url, commandTimeoutMs: TIMEOUT_MS, logger, clock: systemClock });
  expect(await connection.connect()).toBe(true);
  onTestFinished(() => connection.close());
  return connection;
}

/** A bucket take of one token (the script every quote's admission runs). */
const take = (connection: ClusterConnection) =>
  connection.run('bucketTake', clusterKeys('connection-test').bucket('write'), 10, 20, 1, 0);

function stallThread(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // a long collection or a starved container: the event loop does not turn
  }
}

describe('Redis command time-out (real redis-server)', () => {
  it('counts a reply that came while the thread was stalled past the time-out', async () => {
    const redis = await redisForTest();
    const connection = await connected(redis.url);
    const reply = take(connection);
    stallThread(3 * TIMEOUT_MS);
    await expect(reply).resolves.toEqual([1, 0, expect.any(String), '1']);
    expect(connection.up).toBe(true);
  }, 20_000);

  it('still gives up on a Redis that does not answer, and marks it down', async () => {
    const redis = await redisForTest();
    const connection = await connected(redis.url);
    await take(connection);
    redis.pause();
    onTestFinished(() => redis.resume());
    const startedAt = Date.now();
    await expect(take(connection)).rejects.toThrow(RedisUnavailableError);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(Date.now() - startedAt).toBeLessThan(TIMEOUT_MS + 1_000);
    expect(connection.up).toBe(false);
  }, 20_000);

  // The plain commands the bot sends (presence removal at shutdown, the re-publish after a
  // restart) may not hang on a silent Redis either: shutdown waits on one of them.
  it('gives up on a plain command to a silent Redis as on a script', async () => {
    const redis = await redisForTest();
    const connection = await connected(redis.url);
    await connection.command('set', (r) => r.set('connection-test', '1'));
    redis.pause();
    onTestFinished(() => redis.resume());
    const startedAt = Date.now();
    await expect(connection.command('del', (r) => r.del('connection-test'))).rejects.toThrow(
      /Redis del failed: .*timed out/,
    );
    expect(Date.now() - startedAt).toBeLessThan(TIMEOUT_MS + 1_000);
    expect(connection.up).toBe(false);
  }, 20_000);
});
