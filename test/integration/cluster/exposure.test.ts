/**
 * Two instances quoting markets of one event (one market each) on one account: the event's
 * limit holds for the account, not per instance — checked on the exchange's own listing of
 * our live quotes, sampled throughout. Without Redis each instance fills the limit alone.
 */
import { describe, expect, it } from 'vitest';
import { simQuotes, startBot } from '../../helpers/bot.js';
import { merge } from '../../helpers/config.js';
import type { TestSimulator } from '../../helpers/simulator.js';
import { activeMarkets, createRfqs, redisForTest, startTestSimulator, twoBots } from './helpers.js';

const PER_EVENT = 3;
const RISK = {
  risk: {
    maxOpenQuotesPerEvent: PER_EVENT,
    maxPositionPerEvent: { contracts: '1000', dollars: '1000' },
  },
  poller: { intervalMs: 150, websocket: false },
  quoting: { ttlMs: 1_500, sweepIntervalMs: 100 },
};

async function eventMarkets(ts: TestSimulator): Promise<[string, string]> {
  const byEvent = new Map<string, string[]>();
  for (const m of await activeMarkets(ts))
    byEvent.set(m.event_ticker, [...(byEvent.get(m.event_ticker) ?? []), m.ticker]);
  const pair = [...byEvent.values()].find((list) => list.length >= 2);
  if (!pair) throw new Error('no event with two markets');
  return [pair[0]!, pair[1]!];
}

/**
 * The most live quotes of ours on the two markets at once, sampled every 50 ms for 5 s — or, with
 * `until`, until it holds (at most 20 s: a loaded machine quotes slowly). `quoted` says whether
 * each instance had a quote live at some point and `refused` how often its risk guard said no.
 */
async function peakOnEvent(
  patch: Record<string, unknown>,
  options: { until?: (peak: number) => boolean; accounts?: 1 | 2 } = {},
): Promise<{ peak: number; quoted: boolean[]; refused: number[] }> {
  const { until, accounts = 1 } = options;
  const ts = await startTestSimulator({ userCount: accounts, takers: false, walkIntervalMs: 0 });
  const [m1, m2] = await eventMarkets(ts);
  const own: [Record<string, unknown>, Record<string, unknown>] = [
    { poller: { filters: { marketTickers: [m1] } } },
    { poller: { filters: { marketTickers: [m2] } } },
  ];
  const users = ts.users.slice(0, accounts);
  const [a, b] =
    accounts === 1
      ? await twoBots(ts, { ...RISK, ...patch }, own)
      : await Promise.all(own.map((o, i) => startBot(ts, ts.users[i]!, merge({ ...RISK, ...patch }, o))));
  await createRfqs(ts, m1, 8);
  await createRfqs(ts, m2, 8);
  let peak = 0;
  const quoted = [false, false];
  const deadline = Date.now() + (until ? 20_000 : 5_000);
  while (Date.now() < deadline && !(until?.(peak) ?? false)) {
    const open = (await Promise.all(users.map((user) => simQuotes(ts, user, 'open')))).flat();
    peak = Math.max(peak, open.filter((q) => q.market_ticker === m1 || q.market_ticker === m2).length);
    [m1, m2].forEach((market, i) => {
      if (open.some((q) => q.market_ticker === market)) quoted[i] = true;
    });
    await new Promise((r) => setTimeout(r, 50));
  }
  const refused = await Promise.all(
    [a!, b!].map(async (bot) =>
      (await bot.app.metrics.riskRejections.get()).values.reduce((sum, v) => sum + v.value, 0),
    ),
  );
  await Promise.all([a!.app.stop('test'), b!.app.stop('test')]);
  return { peak, quoted, refused };
}

describe('shared exposure (real redis-server)', () => {
  it('an event limit holds across two instances on one account', async () => {
    const redis = await redisForTest();
    const { peak, quoted, refused } = await peakOnEvent({ cluster: { redis: redis.url, failoverMs: 2_000 } });
    // Both instances wanted to quote: each had a quote live or was turned away by the account's limit.
    expect(quoted.map((live, i) => live || refused[i]! > 0)).toEqual([true, true]);
    expect(peak).toBe(PER_EVENT);
  }, 40_000);

  it('two instances that do not share (here: two accounts) each fill the limit on their own: the check above can fail', async () => {
    // One account without Redis is no control: each instance deletes the other's quotes as strays.
    const { peak } = await peakOnEvent({}, { until: (seen) => seen > PER_EVENT, accounts: 2 });
    expect(peak).toBeGreaterThan(PER_EVENT);
  }, 40_000);
});
