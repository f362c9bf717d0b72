import { describe, expect, it } from 'vitest';
import { RecordedMarket } from '../../../src/backtest/market-replay.js';
import type { BookRead, MarketInfo, MarketMark } from '../../../src/journal/events.js';
import { book, MARKET, market, T0 } from './support.js';

const mark = (at: number, mid: number, yesBid: number, yesAsk: number): MarketMark => ({
  kind: 'mark',
  at,
  marketTicker: MARKET,
  mid,
  yesBid,
  yesAsk,
});

describe('RecordedMarket', () => {
  it('serves the same market after a mark while a book gives its bid and ask', async () => {
    const recorded = new RecordedMarket();
    recorded.market(market(T0) as MarketInfo);
    recorded.book(book(T0, 450_000, 500_000) as BookRead);
    const before = await recorded.getMarket(MARKET);
    recorded.mark(mark(T0 + 1_000, 470_000, 460_000, 480_000));
    const after = await recorded.getMarket(MARKET);
    expect(after).toBe(before);
    expect([after.yesBid, after.yesAsk]).toEqual([450_000, 500_000]);
    expect(recorded.mid(MARKET)).toBe(470_000);
  });

  it('serves a mark’s bid and ask where no book was recorded, and a new book’s once one is', async () => {
    const recorded = new RecordedMarket();
    recorded.market(market(T0) as MarketInfo);
    recorded.mark(mark(T0, 455_000, 450_000, 460_000));
    const first = await recorded.getMarket(MARKET);
    expect([first.yesBid, first.yesAsk]).toEqual([450_000, 460_000]);
    recorded.mark(mark(T0 + 1_000, 475_000, 470_000, 480_000));
    const second = await recorded.getMarket(MARKET);
    expect([second.yesBid, second.yesAsk]).toEqual([470_000, 480_000]);
    recorded.book(book(T0 + 2_000, 400_000, 550_000) as BookRead);
    const third = await recorded.getMarket(MARKET);
    expect([third.yesBid, third.yesAsk]).toEqual([400_000, 450_000]);
  });
});
