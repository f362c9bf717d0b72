/**
 * Two instances quoting markets of one event (one market each) on one account: the event's
 * limit holds for the account, not per instance — checked on the exchange's own listing of
 * our live quotes, sampled throughout. Without Redis each instance fills the limit alone.
 */
import { describe, expect, it } from 'vitest';
import { simQuotes } from '../../helpers/bot.js';
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

/** The most live quotes of ours on the two markets at once, sampled every 50 ms. */
async function peakOnEvent(patch: Record<string, unknown>): Promise<{ peak: number; each: number[] }> {
  const ts = await startTestSimulator({ userCount: 1, takers: false, walkIntervalMs: 0 });
  const [m1, m2] = await eventMarkets(ts);
  const [a, b] = await twoBots(ts, { ...RISK, ...patch }, [
    { poller: { filters: { marketTickers: [m1] } } },
    { poller: { filters: { marketTickers: [m2] } } },
  ]);
  await createRfqs(ts, m1, 8);
  await createRfqs(ts, m2, 8);
  const user = ts.users[0]!;
  let peak = 0;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const open = await simQuotes(ts, user, 'open');
    peak = Math.max(peak, open.filter((q) => q.market_ticker === m1 || q.market_ticker === m2).length);
    await new Promise((r) => setTimeout(r, 50));
  }
  const each = [a, b].map((bot) => bot.app.store.countLive());
  await Promise.all([a.app.stop('test'), b.app.stop('test')]);
  return { peak, each };
}

describe('shared exposure (real redis-server)', () => {
  it('an event limit holds across two instances on one account', async () => {
    const redis = await redisForTest();
    const { peak } = await peakOnEvent({ cluster: { redis: redis.url, failoverMs: 2_000 } });
    expect(peak).toBe(PER_EVENT);
  }, 40_000);

  it('without Redis each instance fills the limit on its own (the check above can fail)', async () => {
    const { peak } = await peakOnEvent({});
    expect(peak).toBeGreaterThan(PER_EVENT);
  }, 40_000);
});
