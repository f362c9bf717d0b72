/**
 * The leader lease and its fencing token against a real redis-server: a stale leader's create
 * or confirm is refused locally before it reaches the exchange, and a leader cut off from
 * Redis stops quoting and deletes its quotes once its lease can have run out.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ClusterConnection } from '../../../src/cluster/connection.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { Membership } from '../../../src/cluster/membership.js';
import { systemClock } from '../../../src/domain/clock.js';
import { capturingLogger, simQuotes, startBot } from '../../helpers/bot.js';
import { waitFor } from '../../helpers/simulator.js';
import { activeMarkets, createRfqs, redisForTest, startTestSimulator } from './helpers.js';

const logger = pino({ level: 'silent' });

async function member(url: string, group: string) {
  const connection = new ClusterConnection({ url, commandTimeoutMs: 200, logger, clock: systemClock });
  await connection.connect();
  const membership = new Membership({
    connection,
    keys: clusterKeys('lease-test'),
    group,
    failoverMs: 1_000,
    clock: systemClock,
    logger,
    fillsBookedThrough: () => 0,
  });
  return { connection, membership };
}

describe('leader lease (real redis-server)', () => {
  it('one leader at a time; a stale token is refused by the fence check', async () => {
    const redis = await redisForTest();
    const a = await member(redis.url, 'g');
    const b = await member(redis.url, 'g');
    try {
      await new Promise((r) => setTimeout(r, a.membership.ttlMs + 50));
      await a.membership.tick();
      await b.membership.tick();
      expect([a.membership.leading(), b.membership.leading()].filter(Boolean)).toHaveLength(1);
      const [leader, other] = a.membership.leading() ? [a, b] : [b, a];
      expect(await leader.membership.mayWrite()).toBe(true);
      expect(await other.membership.mayWrite()).toBe(false);
      // Someone else's token in the lease (as after a takeover the old leader did not see).
      await redis.client().set(clusterKeys('lease-test').lease('g'), '99:someone:else', 'PX', 5_000);
      expect(await leader.membership.mayWrite()).toBe(false);
      expect(leader.membership.leading()).toBe(false);
    } finally {
      await a.connection.close();
      await b.connection.close();
    }
  }, 20_000);

  it('a leader cut off from Redis pulls its quotes once its lease can have run out', async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({ userCount: 1, takers: false, walkIntervalMs: 0 });
    const user = ts.users[0]!;
    const bot = await startBot(ts, user, {
      cluster: { redis: redis.url, group: 'desk', failoverMs: 2_000 },
      poller: { intervalMs: 150, websocket: false },
      quoting: { ttlMs: 60_000 },
    });
    for (let i = 0; i < 100 && !bot.app.cluster?.membership.leading(); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(bot.app.cluster?.membership.leading()).toBe(true);
    const [market] = await activeMarkets(ts);
    await createRfqs(ts, market!.ticker, 3);
    for (let i = 0; i < 100 && (await simQuotes(ts, user, 'open')).length < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await simQuotes(ts, user, 'open')).toHaveLength(3);

    redis.pause();
    const pausedAt = Date.now();
    let open = 3;
    for (let i = 0; i < 100 && open > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      open = (await simQuotes(ts, user, 'open')).length;
    }
    expect(open).toBe(0);
    // Not before the lease could have run out (TTL 1.2 s less a tenth), and not long after.
    expect(Date.now() - pausedAt).toBeGreaterThan(500);
    expect(Date.now() - pausedAt).toBeLessThan(2_000 + 1_500);
    expect(bot.app.cluster?.membership.leading()).toBe(false);

    redis.resume();
    for (let i = 0; i < 200 && (await simQuotes(ts, user, 'open')).length < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(bot.app.cluster?.membership.leading()).toBe(true);
    expect(await simQuotes(ts, user, 'open')).toHaveLength(3);
  }, 30_000);

  it('a first join is quiet: the gate goes from starting to quoting, with no lapse, pull or re-sync', async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({ userCount: 1, takers: false, walkIntervalMs: 0 });
    const { logger, lines } = capturingLogger('info');
    await startBot(ts, ts.users[0]!, { cluster: { redis: redis.url, failoverMs: 2_000 } }, { logger });
    await waitFor(() => lines.some((l) => l.msg === 'cluster gate: quoting'), {
      what: 'the cluster gate to open',
    });
    const cluster = lines.filter((l) => String(l.msg).startsWith('cluster'));
    expect(cluster.filter((l) => String(l.msg).startsWith('cluster gate')).map((l) => l.msg)).toEqual([
      'cluster gate: quoting',
    ]);
    expect(cluster.filter((l) => /lapsed|answers again|re-publish|unreachable/.test(String(l.msg)))).toEqual(
      [],
    );
  }, 20_000);
});
