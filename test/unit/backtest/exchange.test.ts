import { describe, expect, it } from 'vitest';
import { BacktestExchange } from '../../../src/backtest/exchange.js';
import { RecordedMarket } from '../../../src/backtest/market-replay.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Quote, Rfq } from '../../../src/domain/types.js';
import { MARKET, T0 } from './support.js';

function rfq(id: string): Rfq {
  return {
    id,
    creatorId: 'requester',
    marketTicker: MARKET,
    size: { kind: 'contracts', contracts: 1_000 },
    status: 'open',
    createdAt: T0,
  };
}

function exchange(confirmWindowMs = 3_000) {
  const clock = new ManualClock(T0);
  const reported: Quote[] = [];
  const ex = new BacktestExchange({
    clock,
    market: new RecordedMarket(),
    confirmWindowMs: () => confirmWindowMs,
    executionDelayMs: () => 0,
    report: (quote) => reported.push(quote),
    opened: () => undefined,
    filled: () => undefined,
  });
  return { clock, ex, reported };
}

describe('the backtest exchange', () => {
  it('forgets a closed RFQ’s quotes a while later, an accept nobody confirmed included', async () => {
    const { clock, ex } = exchange();
    ex.rfqOpened(rfq('r1'));
    const lapsed = await ex.createQuote({ rfqId: 'r1', yesBid: 400_000, noBid: 0, restRemainder: false });
    expect(ex.accept(lapsed, 'yes', 1_000)).toBe(true);
    ex.rfqOpened(rfq('r2'));
    const confirmed = await ex.createQuote({ rfqId: 'r2', yesBid: 400_000, noBid: 0, restRemainder: false });
    ex.accept(confirmed, 'yes', 1_000);
    await ex.confirmQuote('r2', confirmed, { deadline: clock.now() + 3_000 });
    clock.advance(1_000);
    ex.rfqClosed('r1');
    ex.rfqClosed('r2');
    // Later closes make the exchange forget what closed more than two minutes before them.
    for (let i = 3; i < 6; i++) {
      clock.advance(121_000);
      ex.rfqOpened(rfq(`r${i}`));
      ex.rfqClosed(`r${i}`);
    }
    expect(ex.quote(lapsed)).toBeUndefined();
    expect(ex.quote(confirmed)).toBeUndefined();
  });

  it('keeps a quote whose confirm window is still open', async () => {
    const { clock, ex: slow } = exchange(600_000);
    slow.rfqOpened(rfq('r1'));
    const quoteId = await slow.createQuote({ rfqId: 'r1', yesBid: 400_000, noBid: 0, restRemainder: false });
    slow.accept(quoteId, 'yes', 1_000);
    slow.rfqClosed('r1');
    clock.advance(121_000);
    slow.rfqOpened(rfq('r2'));
    slow.rfqClosed('r2');
    expect(slow.quote(quoteId)?.status).toBe('accepted');
  });
});
