/**
 * MarketWarmer over a real MarketDataCache with a manual clock: the markets pricing asked for
 * are read again in batches before their copy runs out, so later RFQs do not read them alone;
 * markets not asked for within the window are let go; failures are logged once and retried.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { FeeSchedule } from '../../../src/domain/fees.js';
import type { EventInfo, Market, OrderBook } from '../../../src/domain/types.js';
import { MarketDataCache } from '../../../src/market/market-cache.js';
import { MARKETS_PER_READ, MarketWarmer } from '../../../src/market/market-warmer.js';
import { testMarket } from '../../../src/strategy/memory-data.js';
import { capturingLogger } from '../../helpers/bot.js';

const TTL_MS = 10_000;

function setup(options: { windowMs?: number; maxMarkets?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const singleReads: string[] = [];
  const batches: string[][] = [];
  let failNext = 0;
  let version = 0;
  const data = new MarketDataCache({
    reads: {
      getMarket: async (ticker) => {
        singleReads.push(ticker);
        return testMarket({ ticker, eventTicker: 'KXE-1' });
      },
      getOrderBook: async () => ({}) as OrderBook,
      getEvent: async () => ({}) as EventInfo,
      getSeriesFees: async () => ({}) as FeeSchedule,
    },
    positions: { position: () => 0, eventPosition: () => 0 },
    clock,
    marketTtlMs: TTL_MS,
    onMarketAsked: (ticker) => warmer.asked(ticker),
  });
  const log = capturingLogger('info');
  const warmer = new MarketWarmer({
    markets: data,
    read: async (tickers): Promise<Market[]> => {
      batches.push([...tickers]);
      if (failNext > 0) {
        failNext--;
        throw new Error('503 from the exchange');
      }
      version++;
      // The exchange may leave out a ticker it no longer lists.
      return tickers
        .filter((t) => !t.endsWith('-GONE'))
        .map((ticker) =>
          testMarket({ ticker, eventTicker: 'KXE-1', lastPrice: `0.${String(version).padStart(2, '0')}` }),
        );
    },
    clock,
    marketTtlMs: TTL_MS,
    windowMs: options.windowMs ?? 60_000,
    maxMarkets: options.maxMarkets ?? 1000,
    logger: log.logger,
  });
  /** Lets the refresh's promises run. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  /** Moves the clock on by `ms`, one warmer look at a time. */
  const pass = async (ms: number) => {
    for (let left = ms; left > 0; left -= TTL_MS / 2) {
      clock.advance(Math.min(left, TTL_MS / 2));
      await settle();
    }
  };
  return {
    clock,
    data,
    warmer,
    singleReads,
    batches,
    log,
    pass,
    failNext: (n: number) => {
      failNext = n;
    },
  };
}

describe('MarketWarmer', () => {
  it('reads the markets pricing asked for again before they expire: later asks read nothing alone', async () => {
    const { data, warmer, singleReads, batches, pass } = setup();
    warmer.start();
    await data.market('KXA-1');
    await data.market('KXB-1');
    expect(singleReads).toEqual(['KXA-1', 'KXB-1']);
    for (let i = 0; i < 6; i++) {
      await pass(TTL_MS / 2);
      await data.market('KXA-1');
    }
    // 30 s on: one batch a look with both markets, and no single read since the first.
    expect(singleReads).toEqual(['KXA-1', 'KXB-1']);
    expect(batches.length).toBeGreaterThanOrEqual(5);
    for (const batch of batches) expect(batch.sort()).toEqual(['KXA-1', 'KXB-1']);
    // The value is the batch's, not the first read's.
    expect(data.cachedMarket('KXB-1')?.lastPrice).toBe(batches.length * 10_000);
    warmer.stop();
  });

  it('lets a market go once nobody asked for it within the window, and then reads it alone again', async () => {
    const { data, warmer, singleReads, batches, pass } = setup({ windowMs: 20_000 });
    warmer.start();
    await data.market('KXA-1');
    await pass(60_000);
    const read = batches.filter((b) => b.includes('KXA-1')).length;
    // Kept while asked for within 20 s (about four looks), not for the whole minute.
    expect(read).toBeGreaterThanOrEqual(3);
    expect(read).toBeLessThanOrEqual(5);
    expect(warmer.size).toBe(0);
    await data.market('KXA-1');
    expect(singleReads).toEqual(['KXA-1', 'KXA-1']);
    warmer.stop();
  });

  it(`reads ${MARKETS_PER_READ} a request, at most maxMarkets a look, the soonest to expire first`, async () => {
    const { clock, data, warmer, batches, pass } = setup({ maxMarkets: 150 });
    const early = Array.from({ length: 100 }, (_, i) => `KXA-${i}`);
    const later = Array.from({ length: 150 }, (_, i) => `KXB-${i}`);
    for (const ticker of early) await data.market(ticker);
    clock.advance(1_000);
    for (const ticker of later) await data.market(ticker);
    // The first asked are read again alone (their grid changed, say): now they expire last.
    clock.advance(1_000);
    for (const ticker of early) {
      data.expireMarket(ticker);
      await data.market(ticker);
    }
    warmer.start();
    await pass(TTL_MS / 2);
    expect(batches.map((b) => b.length)).toEqual([100, 50]);
    expect(new Set(batches.flat())).toEqual(new Set(later));
    warmer.stop();
  });

  it('tracks at most twice maxMarkets, letting the longest unasked go first', async () => {
    const { data, warmer, clock, batches, pass } = setup({ maxMarkets: 10 });
    for (let i = 0; i < 25; i++) {
      await data.market(`KXM-${i}`);
      clock.advance(10);
    }
    // KXM-0 to 4 were let go; asked again, KXM-0 is back, and KXM-5 goes.
    await data.market('KXM-0');
    expect(warmer.size).toBe(20);
    warmer.start();
    await pass(TTL_MS / 2);
    // Ten a look, the soonest to expire first: KXM-0 (read first) and KXM-6 to 14.
    expect(batches).toHaveLength(1);
    expect(new Set(batches[0])).toEqual(
      new Set(['KXM-0', ...Array.from({ length: 9 }, (_, i) => `KXM-${i + 6}`)]),
    );
    warmer.stop();
  });

  it('logs a failed refresh once, tries again at the next look, and says when it works again', async () => {
    const { data, warmer, singleReads, batches, log, pass, failNext } = setup();
    warmer.start();
    await data.market('KXA-1');
    failNext(2);
    await pass(TTL_MS);
    expect(batches).toHaveLength(2);
    expect(log.lines.filter((l) => l.msg === 'market refresh failed')).toHaveLength(1);
    // Expired meanwhile: pricing reads it alone, as without the warmer.
    await data.market('KXA-1');
    expect(singleReads).toEqual(['KXA-1', 'KXA-1']);
    await pass(TTL_MS / 2);
    expect(log.lines.some((l) => l.msg === 'market refresh works again')).toBe(true);
    warmer.stop();
  });

  it('leaves a market the exchange no longer lists to expire, and reads nothing after stop', async () => {
    const { data, warmer, singleReads, batches, pass } = setup();
    warmer.start();
    await data.market('KXA-GONE');
    await pass(TTL_MS);
    expect(data.marketFreshForMs('KXA-GONE')).toBe(0);
    await data.market('KXA-GONE');
    expect(singleReads).toEqual(['KXA-GONE', 'KXA-GONE']);
    warmer.stop();
    const before = batches.length;
    await pass(3 * TTL_MS);
    expect(batches).toHaveLength(before);
  });

  it('says nothing of a read the shutdown refused once stopped', async () => {
    const clock = new ManualClock(1_000_000);
    const log = capturingLogger('info');
    let refuse: (error: Error) => void = () => undefined;
    const warmer = new MarketWarmer({
      markets: { marketFreshForMs: () => 0, putMarkets: () => undefined },
      read: () =>
        new Promise((_, reject) => {
          refuse = reject;
        }),
      clock,
      marketTtlMs: TTL_MS,
      windowMs: 60_000,
      maxMarkets: 1000,
      logger: log.logger,
    });
    warmer.asked('KXA-1');
    warmer.start();
    const refreshing = warmer.refresh();
    warmer.stop();
    refuse(new Error('the queue is closing'));
    await refreshing;
    expect(log.lines.filter((l) => (l.level ?? 0) >= 40)).toEqual([]);
  });
});
