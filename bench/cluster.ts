/**
 * Two instances on one simulator key under a flood of RFQs (short TTLs churn creates and
 * deletes): the share of the account's write budget they use together, and the 429s, with the
 * budget shared through Redis and, for comparison, without.
 *   npx tsx bench/cluster.ts [--seconds 10] [--write-rate 40]
 */
import { parseArgs } from 'node:util';
import { type ChaosBot, createRfqs, sleep, startChaosBot, startWorld } from '../test/chaos/world.js';
import { startTestRedis } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, 'write-rate': { type: 'string', default: '40' } },
});
const seconds = Number(values.seconds);
const rate = Number(values['write-rate']);
const WRITE = { refillRate: rate, capacity: rate };

async function run(redisUrl: string | undefined) {
  const world = await startWorld({
    rateLimits: { read: { refillRate: 2000, capacity: 2000 }, write: WRITE },
  });
  const markets = [...world.markets.values()]
    .filter((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'))
    .slice(0, 12)
    .map((m) => m.ticker);
  const patch = {
    ...(redisUrl ? { cluster: { redis: redisUrl, failoverMs: 3_000 } } : {}),
    poller: { intervalMs: 200, websocket: false },
    quoting: { ttlMs: 300, sweepIntervalMs: 100, acceptPollIntervalMs: 200 },
    exchange: { confirmReserveTokens: 6 },
  };
  const bots: ChaosBot[] = [];
  for (const half of [markets.slice(0, 6), markets.slice(6)]) {
    bots.push(
      await startChaosBot(world, { ...patch, poller: { ...patch.poller, filters: { marketTickers: half } } }),
    );
  }
  for (const market of markets) await createRfqs(world, market, 8, 10);
  await sleep(2_000);
  const stats = async () => (await world.admin<Record<string, number>>('GET', '/_sim/stats')).body;
  const before = await stats();
  const startedAt = Date.now();
  await sleep(seconds * 1_000);
  const after = await stats();
  const elapsed = (Date.now() - startedAt) / 1_000;
  const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const tokens = 2 * d('quotesCreated') + 2 * d('quotesDeleted') + 10 * d('confirms');
  const perInstance = bots.map((b) => b.app.queue.stats().write.tokensSpent);
  await Promise.all(bots.map((b) => b.app.stop('bench')));
  await world.stop();
  return { used: tokens / (rate * elapsed), rateLimited: d('rateLimited'), tokens, perInstance };
}

const redis = await startTestRedis();
try {
  const shared = await run(redis.url);
  const alone = await run(undefined);
  const line = (name: string, r: Awaited<ReturnType<typeof run>>) =>
    `${name.padEnd(22)} write budget used ${(r.used * 100).toFixed(1)}% (${r.tokens} tokens in ${seconds} s at ${rate}/s), 429s ${r.rateLimited}, tokens per instance ${r.perInstance.map((n) => Math.round(n)).join(' / ')}`;
  process.stdout.write(`${line('shared through Redis', shared)}\n${line('without Redis', alone)}\n`);
} finally {
  await redis.stop();
}
