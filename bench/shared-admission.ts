/**
 * How fast the action queue admits calls against the budget shared through Redis (cluster.redis),
 * against what each tier lets an account spend: every call asks Redis for tokens, and a round
 * trip to a Redis on another host costs a millisecond or more.
 *   npm run bench:shared-admission [-- --calls 3000 --rtt-ms 0,1]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { RedisBudget } from '../src/cluster/budgets.js';
import { ClusterConnection } from '../src/cluster/connection.js';
import { clusterKeys } from '../src/cluster/keys.js';
import { systemClock } from '../src/domain/clock.js';
import { TIER_LIMITS } from '../src/domain/rate-limits.js';
import { ActionQueue } from '../src/throttle/action-queue.js';
import { MAX_GRANT_CALLS } from '../src/throttle/shared-grants.js';
import { startTestRedis } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '3000' }, 'rtt-ms': { type: 'string', default: '0,1' } },
});
const calls = Number(values.calls);
const rtts = values['rtt-ms'].split(',').map(Number);
const TIERS = ['advanced', 'premier', 'prime'] as const;
const logger = pino({ level: 'silent' });

const redis = await startTestRedis();
const connection = new ClusterConnection({
  url: redis.url,
  commandTimeoutMs: 2_000,
  logger,
  clock: systemClock,
});
await connection.connect();
const run = connection.run.bind(connection) as (...args: unknown[]) => Promise<unknown>;

console.log(
  `${calls} creates of 1 token each, tokens on hand (capacity), up to ${MAX_GRANT_CALLS} calls a question`,
);
console.log('tier        Redis RTT  admitted/s  tier refill/s');
for (const rttMs of rtts) {
  // A Redis further away: each script answers rttMs later.
  connection.run = (async (...args: unknown[]) => {
    if (rttMs > 0) await new Promise((r) => setTimeout(r, rttMs));
    return run(...args);
  }) as typeof connection.run;
  for (const tier of TIERS) {
    const limits = TIER_LIMITS[tier];
    const n = Math.min(calls, Math.floor(limits.write.capacity * 0.9));
    const rates: number[] = [];
    for (let round = 0; round < 3; round++) {
      const keys = clusterKeys(`admission-${tier}-${rttMs}-${round}`);
      const shared = new RedisBudget({
        connection,
        keys,
        limits,
        safety: 0.95,
        localShare: 0.5,
        clock: systemClock,
        logger,
      });
      const queue = new ActionQueue({ limits, shared, clock: systemClock, concurrency: 64 });
      const started = performance.now();
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          queue.run(
            {
              endpoint: 'create',
              method: 'POST',
              path: '/bench',
              bucket: 'write',
              cost: 1,
              priority: 'create',
            },
            async () => i,
          ),
        ),
      );
      rates.push(n / ((performance.now() - started) / 1000));
    }
    rates.sort((a, b) => a - b);
    const median = Math.round(rates[1] ?? 0);
    console.log(
      `${tier.padEnd(10)}  ${`${rttMs} ms`.padEnd(9)}  ${String(median).padStart(10)}  ${String(limits.write.refillRate).padStart(13)}`,
    );
  }
}
await connection.close();
await redis.stop();
