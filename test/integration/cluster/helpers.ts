/** Shared pieces of the cluster tests: a world of one simulator key, Redis, and bots on both. */
import { onTestFinished } from 'vitest';
import type { AppOverrides } from '../../../src/app/app.js';
import { type StartedBot, startBot } from '../../helpers/bot.js';
import { merge } from '../../helpers/config.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestSimulator, type TestSimulator } from '../../helpers/simulator.js';

type Raw = Record<string, unknown>;

export interface SimMarketInfo {
  readonly ticker: string;
  readonly event_ticker: string;
  readonly status: string;
  readonly high_volatility: boolean;
}

export async function redisForTest(options: { aof?: boolean } = {}): Promise<TestRedis> {
  const redis = await startTestRedis(options);
  onTestFinished(() => redis.stop());
  return redis;
}

export async function activeMarkets(ts: TestSimulator): Promise<SimMarketInfo[]> {
  const { body } = await ts.admin<{ markets: SimMarketInfo[] }>('GET', '/_sim/markets');
  return body.markets.filter((m) => m.status === 'active' && !m.ticker.startsWith('KXMVE'));
}

export async function createRfqs(
  ts: TestSimulator,
  market: string,
  count: number,
  contracts = 10,
): Promise<string[]> {
  const res = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
    market_ticker: market,
    count,
    contracts,
  });
  if (res.status !== 201) throw new Error(`creating RFQs failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ids;
}

export async function simStats(ts: TestSimulator): Promise<Record<string, number>> {
  return (await ts.admin<Record<string, number>>('GET', '/_sim/stats')).body;
}

/** Two bots on the same simulator key (one account); each may get its own extra patch. */
export async function twoBots(
  ts: TestSimulator,
  patch: Raw,
  own: readonly [Raw, Raw] = [{}, {}],
  overrides: readonly [AppOverrides, AppOverrides] = [{}, {}],
): Promise<[StartedBot, StartedBot]> {
  const user = ts.users[0]!;
  const a = await startBot(ts, user, merge(patch, own[0]), overrides[0]);
  const b = await startBot(ts, user, merge(patch, own[1]), overrides[1]);
  return [a, b];
}

/** Bot patches that split markets between two instances (two strategies on two market sets). */
export function splitMarkets(markets: readonly string[]): [Raw, Raw] {
  const half = Math.ceil(markets.length / 2);
  return [
    { poller: { filters: { marketTickers: markets.slice(0, half) } } },
    { poller: { filters: { marketTickers: markets.slice(half) } } },
  ];
}

export { startTestSimulator };
