/**
 * Several instances on one account through a real redis-server (issue 19): shared write
 * budget under a flood, an event limit across two instances, kill -9 of the leader with a
 * standby taking over, and Redis killed and restarted mid-run. The monitor watches the account
 * as a whole: every quote of the key at the exchange, and each instance's account-wide view.
 */
import type { SimQuote } from '../helpers/bot.js';
import { merge } from '../helpers/config.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { type ChaosProcess, spawnChaosBot } from './process.js';
import type { Scenario, ScenarioContext } from './scenario.js';
import { acceptQuote, ourQuotes, sleep, startChaosBot, until } from './world.js';

type Raw = Record<string, unknown>;

/** Two in-process instances on the world's key; the second joins the monitor too. */
async function startPair(ctx: ScenarioContext, patch: Raw, second: Raw = {}): Promise<void> {
  await ctx.startBot(patch);
  const other = await startChaosBot(ctx.world, merge(merge(ctx.scenario.botPatch ?? {}, patch), second));
  ctx.others.push(other);
  ctx.monitor.attachAlso(other.app);
}

async function redisStats(redis: TestRedis): Promise<{ reservations: number }> {
  const client = redis.client();
  const keys = await client.keys('krm:*:resv');
  return { reservations: keys.length === 0 ? 0 : await client.hlen(keys[0]!) };
}

function createsBy(ctx: ScenarioContext): number[] {
  return [ctx.bot, ...ctx.others].map((bot) => bot?.app.queue.stats().write.sent ?? 0);
}

function clusterBudget(): Scenario {
  let redis: TestRedis | undefined;
  const WRITE = { refillRate: 30, capacity: 30 };
  let before: Record<string, number> = {};
  let used = 0;
  return {
    name: 'cluster-budget',
    summary: 'two instances on one key, a flood of RFQs with 1 s TTL churn for 8 s: one shared write budget',
    world: { rateLimits: { read: { refillRate: 1000, capacity: 1000 }, write: WRITE } },
    botPatch: { quoting: { ttlMs: 1_000 }, exchange: { confirmReserveTokens: 10 } },
    // The flood ends with the fault: its RFQs left open would keep both instances' 1 s TTL churn
    // (deletes and re-quotes) saturating the write budget, and the probes would queue behind it.
    traffic: { rfqEveryMs: 150, closeShare: 0.1, withdrawAtStop: true },
    async start(ctx) {
      redis = await startTestRedis();
      // Busy markets split between the two: on the same RFQs the instance whose push is handled
      // first (both run in this process) won every claim, and the other often sent nothing.
      const { busy, probe } = ctx.world;
      const markets = (own: readonly string[]) => ({
        poller: { filters: { marketTickers: [...own, ...probe] } },
      });
      await startPair(
        ctx,
        merge({ cluster: { redis: redis.url, failoverMs: 3_000 } }, markets(busy.slice(0, 2))),
        markets(busy.slice(2)),
      );
    },
    async fault(ctx) {
      await sleep(1_000);
      before = (await ctx.world.admin<Record<string, number>>('GET', '/_sim/stats')).body;
      const from = Date.now();
      await sleep(8_000);
      const after = (await ctx.world.admin<Record<string, number>>('GET', '/_sim/stats')).body;
      const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      const tokens = 2 * d('quotesCreated') + 2 * d('quotesDeleted') + 10 * d('confirms');
      used = tokens / ((WRITE.refillRate * (Date.now() - from)) / 1000);
      ctx.notes['writeBudgetUsed'] = `${(used * 100).toFixed(1)}%`;
      ctx.notes['writesPerInstance'] = createsBy(ctx).join('/');
    },
    verify(ctx) {
      const problems: string[] = [];
      if (used < 0.85)
        problems.push(`the two instances used ${(used * 100).toFixed(1)}% of the write budget (< 85%)`);
      if (createsBy(ctx).some((n) => n === 0)) problems.push('not exercised: one instance sent nothing');
      return problems;
    },
    cleanup() {
      void redis?.stop();
    },
  };
}

function clusterExposure(): Scenario {
  let redis: TestRedis | undefined;
  return {
    name: 'cluster-exposure',
    summary: 'two instances quoting the same busy events, event limits tight: the account stays within them',
    botPatch: {
      risk: { maxOpenQuotesPerEvent: 3, maxPositionPerEvent: { contracts: '120', dollars: '300' } },
      quoting: { ttlMs: 2_000 },
    },
    traffic: { rfqEveryMs: 300 },
    async start(ctx) {
      redis = await startTestRedis();
      await startPair(ctx, { cluster: { redis: redis.url, failoverMs: 3_000 } });
    },
    async fault(ctx) {
      await sleep(8_000);
      ctx.notes['writesPerInstance'] = createsBy(ctx).join('/');
    },
    async verify(ctx) {
      const bots = [ctx.bot, ...ctx.others];
      // Exercised when each instance met the shared limits: it sent quotes, or its guard refused
      // some because of the account's exposure (the other instance may hold the room throughout).
      const refused = await Promise.all(
        bots.map(async (b) =>
          b ? (await b.app.metrics.riskRejections.get()).values.reduce((sum, v) => sum + v.value, 0) : 0,
        ),
      );
      const creates = createsBy(ctx);
      ctx.notes['refusedPerInstance'] = refused.join('/');
      return bots.length < 2 || creates.some((n, i) => n === 0 && refused[i] === 0)
        ? ['not exercised: one instance neither sent a quote nor met a limit']
        : [];
    },
    cleanup() {
      void redis?.stop();
    },
  };
}

function clusterFailover(): Scenario {
  let redis: TestRedis | undefined;
  let proc: ChaosProcess | undefined;
  let accepted: string | undefined;
  let killedAt = 0;
  let tookOverMs = Number.NaN;
  return {
    name: 'cluster-failover',
    summary:
      'kill -9 of the leader (a process) with quotes open and an accept pending; the standby takes over',
    botPatch: { exchange: { confirmWindowMs: 5_000, hvmConfirmWindowMs: 3_000 } },
    // The requester never closes its RFQs here: a close cancels the accepted quote under test
    // before anyone could confirm it (about 1 run in 7 picked such an RFQ).
    traffic: { closeShare: 0 },
    async start(ctx) {
      redis = await startTestRedis();
      const group = { cluster: { redis: redis.url, group: 'desk', failoverMs: 5_000 } };
      proc = spawnChaosBot(ctx.world, {
        ...group,
        quoting: { acceptPollIntervalMs: 1_000 },
        poller: { websocket: false },
      });
      await until(() => /now the leader/.test(proc!.output()), 15_000);
      ctx.external = true;
      await ctx.startBot(group);
    },
    async fault(ctx) {
      if (!proc) throw new Error('the leader process did not start');
      await sleep(1_500);
      const standard = (q: SimQuote) => ctx.world.markets.get(q.market_ticker)?.high_volatility === false;
      accepted = await until(async () => {
        for (const quote of (await ourQuotes(ctx.world, 'open')).filter(standard)) {
          if (await acceptQuote(ctx.world, quote)) return quote.id;
        }
        return undefined;
      }, 5_000);
      proc.kill('SIGKILL');
      killedAt = Date.now();
      await proc.exited;
      ctx.monitor.recordEarlierRun(await ourQuotes(ctx.world));
      const at = await until(
        () => (ctx.bot?.app.cluster?.membership.leading() ? Date.now() : undefined),
        8_000,
      );
      tookOverMs = at === undefined ? Number.NaN : at - killedAt;
      ctx.notes['takeoverMs'] = tookOverMs;
      await sleep(Math.max(0, killedAt + 5_000 - Date.now()));
      ctx.external = false;
      const untracked = (await ourQuotes(ctx.world, 'open')).filter(
        (q) => !ctx.bot?.app.store.byQuoteId(q.id),
      );
      if (untracked.length > 0) {
        ctx.monitor.violate(
          'no orphan after takeover',
          'orphans',
          `${untracked.length} open quote(s) untracked 5 s after the leader died: ${untracked.map((q) => q.id).join(', ')}`,
        );
      }
      await sleep(3_000);
    },
    verify(ctx, quotes) {
      const problems: string[] = [];
      if (!(tookOverMs < 5_000)) problems.push(`the standby took ${tookOverMs} ms to take over (limit 5000)`);
      if (!accepted) return [...problems, 'not exercised: no accept pending at kill time'];
      const q = quotes.find((x) => x.id === accepted);
      const confirmedAt = typeof q?.['confirmed_ts'] === 'string' ? Date.parse(q['confirmed_ts']) : 0;
      const acceptedAt = typeof q?.['accepted_ts'] === 'string' ? Date.parse(q['accepted_ts']) : 0;
      if (confirmedAt > 0) ctx.notes['confirmedAfterAcceptMs'] = confirmedAt - acceptedAt;
      if (confirmedAt === 0)
        problems.push(
          `quote ${accepted}, accepted when the leader died, was never confirmed (${q?.status}, ${q?.['cancellation_reason'] ?? 'no cancellation reason'})`,
        );
      else if (confirmedAt - acceptedAt > 5_000)
        problems.push(`quote ${accepted} confirmed after its window`);
      return problems;
    },
    cleanup() {
      proc?.kill('SIGKILL');
      void redis?.stop();
    },
  };
}

function clusterRedisRestart(): Scenario {
  let redis: TestRedis | undefined;
  let sawDown = false;
  let republished = -1;
  let live = -1;
  return {
    name: 'cluster-redis-restart',
    summary: 'Redis killed (every key lost) for 2.5 s and started again while two instances quote',
    botPatch: { risk: { maxOpenQuotesPerEvent: 4 } },
    async start(ctx) {
      redis = await startTestRedis();
      await startPair(ctx, { cluster: { redis: redis.url, failoverMs: 10_000 } });
    },
    async fault(ctx) {
      await sleep(1_500);
      await redis!.kill();
      const until2 = Date.now() + 2_500;
      while (Date.now() < until2) {
        if ([ctx.bot, ...ctx.others].every((b) => b?.app.cluster?.connection.up === false)) sawDown = true;
        await sleep(100);
      }
      await redis!.restart();
      await until(
        () => [ctx.bot, ...ctx.others].every((b) => b?.app.cluster?.readiness().ok) || undefined,
        5_000,
      );
      await sleep(1_000);
      republished = (await redisStats(redis!)).reservations;
      live = [ctx.bot, ...ctx.others].reduce((n, b) => n + (b?.app.exposure.liveQuotes().length ?? 0), 0);
      ctx.notes['republished'] = `${republished}/${live}`;
      await sleep(3_000);
    },
    verify() {
      const problems: string[] = [];
      if (!sawDown) problems.push('not exercised: the instances never saw Redis down');
      if (republished < live)
        problems.push(`after the restart Redis holds ${republished} reservations for ${live} live quotes`);
      return problems;
    },
    cleanup() {
      void redis?.stop();
    },
  };
}

export function clusterScenarios(): Scenario[] {
  return [clusterBudget(), clusterExposure(), clusterFailover(), clusterRedisRestart()];
}
