import { describe, expect, it } from 'vitest';
import type { Side } from '../../../src/domain/types.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { restoreFromFills } from '../../../src/risk/fill-replay.js';
import { RiskConfigError } from '../../../src/risk/limits.js';
import { applyTrade } from '../../../src/risk/position.js';
import { riskView } from '../../../src/risk/worst-case.js';
import { $, bySize, c, liveQuote, looseLimits, ManualClock, marketPosition, rfq } from './fixtures.js';

const T0 = Date.parse('2026-03-09T15:00:00Z');

function open(
  book: ExposureBook,
  id: string,
  marketTicker: string,
  yesBid: string,
  noBid: string,
  count: string,
) {
  return book.quoteOpened(
    liveQuote(id, rfq(marketTicker, bySize(count)), {
      yesBid: $(yesBid),
      noBid: $(noBid),
      yesContracts: c(count),
      noContracts: c(count),
    }),
  );
}

let trades = 0;

/** A fill of our order `orderId`, as the exchange reports it. */
function tradeOf(orderId: string, marketTicker: string, side: Side, price: string, count: string, fee = '0') {
  return {
    tradeId: `t${++trades}`,
    orderId,
    marketTicker,
    side,
    contracts: c(count),
    price: $(price),
    fee: $(fee),
    tradedAt: T0,
  };
}

/** The quote executes and its order fills in full at its bid, in one fill. */
function execute(
  book: ExposureBook,
  id: string,
  marketTicker: string,
  side: Side,
  bid: string,
  count: string,
) {
  book.quoteExecuted(id);
  book.linkOrder(id, `order-${id}`);
  book.applyFill({ ...tradeOf(`order-${id}`, marketTicker, side, bid, count), tradedAt: book.now() });
  return book.quoteFillsDone(id) !== undefined;
}

function fill(book: ExposureBook, id: string, marketTicker: string, side: Side, bid: string, count: string) {
  open(book, id, marketTicker, side === 'yes' ? bid : '0', side === 'no' ? bid : '0', count);
  book.quoteAccepted(id, side);
  book.quoteConfirmed(id);
  return execute(book, id, marketTicker, side, bid, count);
}

describe('ExposureBook life cycle', () => {
  it('tracks the markets a snapshot lists, and totals the worst case as a risk view does', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    open(book, 'q1', 'KX-A', '0.40', '0.50', '10');
    expect(fill(book, 'q2', 'KX-B', 'yes', '0.30', '5')).toBe(true);
    open(book, 'q3', 'KX-C', '0.20', '0.10', '3');
    book.quoteRemoved('q3');
    expect([...book.trackedMarkets()]).toEqual([...book.snapshot().positions.keys()]);
    expect([...book.trackedMarkets()]).toEqual(['KX-A', 'KX-B']);
    const limits = looseLimits();
    expect(book.totalExposure(limits)).toBe(book.riskView(limits).totalExposure);
    expect(book.totalExposure(limits)).toBeGreaterThan(0);
  });

  it('moves a quote open → accepted → confirmed → executed; only its fill makes position, once', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    expect(open(book, 'q1', 'KXA-26-A', '0.40', '0.50', '10')).toBe(true);
    expect(open(book, 'q1', 'KXA-26-A', '0.40', '0.50', '10')).toBe(false);
    expect(book.snapshot().quotes.get('q1')?.state).toBe('open');
    expect(book.quoteAccepted('q1', 'no')).toBe(true);
    expect(book.quoteAccepted('q1', 'no')).toBe(false);
    expect(book.snapshot().quotes.get('q1')).toMatchObject({
      state: 'accepted',
      accepted: { side: 'no', bid: $('0.50'), contracts: c('10'), cost: $('5') },
      acceptedAt: T0,
    });
    expect(book.position('KXA-26-A')).toBe(0);
    expect(book.quoteConfirmed('q1')).toBe(true);
    expect(book.quoteExecuted('q1')).toBe(true);
    expect(book.quoteExecuted('q1')).toBe(false);
    // executed books nothing: the accept stays reserved until the fills are in
    expect(book.position('KXA-26-A')).toBe(0);
    expect(book.liveQuote('q1')).toMatchObject({ state: 'executed', accepted: { contracts: c('10') } });
    expect(book.linkOrder('q1', 'o1')).toBe(true);
    const trade = tradeOf('o1', 'KXA-26-A', 'no', '0.50', '10');
    expect(book.applyFill(trade)).toMatchObject({ kind: 'booked', quoteId: 'q1', position: c('-10') });
    expect(book.applyFill(trade)).toEqual({ kind: 'duplicate' });
    expect(book.liveQuote('q1')).toMatchObject({ filled: c('10'), accepted: { contracts: 0, cost: 0 } });
    expect(book.quoteFillsDone('q1')).toEqual({ filled: c('10'), reserved: c('10') });
    expect(book.position('KXA-26-A')).toBe(c('-10'));
    expect(book.snapshot().positions.get('KXA-26-A')).toMatchObject({ contracts: c('-10'), cost: $('5') });
    expect(book.snapshot().quotes.size).toBe(0);
    expect(book.finishedState('q1')).toBe('executed');
    // late or unknown events change nothing
    expect(book.quoteLapsed('q1')).toBe(false);
    expect(book.quoteRemoved('nope')).toBe(false);
    expect(open(book, 'q1', 'KXA-26-A', '0.40', '0.50', '10')).toBe(false);
  });

  it('lapsed and removed quotes leave no exposure and no position', () => {
    const book = new ExposureBook();
    open(book, 'q1', 'KXA-26-A', '0.40', '0.50', '10');
    open(book, 'q2', 'KXA-26-A', '0.40', '0.50', '10');
    book.quoteAccepted('q1', 'yes');
    expect(book.quoteLapsed('q1')).toBe(true);
    expect(book.quoteRemoved('q2')).toBe(true);
    const view = riskView(book.snapshot(), { openQuoteWeightPpm: 1_000_000 });
    expect(view.totalExposure).toBe(0);
    expect(view.liveQuotes).toBe(0);
    expect(book.position('KXA-26-A')).toBe(0);
    expect(book.quoteExecuted('q1')).toBe(false);
  });

  it('adopts quotes found at startup, accepted ones included', () => {
    const book = new ExposureBook();
    const q = liveQuote(
      'q9',
      rfq('KXA-26-A', bySize('10')),
      { yesBid: $('0.40'), noBid: $('0.50'), yesContracts: c('10'), noContracts: c('10') },
      { side: 'yes', contracts: c('4') },
    );
    book.quoteOpened(q);
    expect(book.liveQuote('q9')).toMatchObject({
      state: 'accepted',
      accepted: { side: 'yes', contracts: c('4'), cost: $('1.6') },
    });
  });

  it('nets YES against NO as the exchange does and realises the pairs at $1', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    fill(book, 'a', 'KXA-26-A', 'yes', '0.40', '100');
    fill(book, 'b', 'KXA-26-A', 'no', '0.50', '60');
    // 60 pairs: $60 paid out against 60 × 0.40 + 60 × 0.50 = $54
    expect(book.snapshot().positions.get('KXA-26-A')).toMatchObject({ contracts: c('40'), cost: $('16') });
    expect(book.snapshot().pnl.realized).toBe($('6'));
    fill(book, 'c', 'KXA-26-A', 'no', '0.55', '100');
    // 40 pairs: $40 − $16 − 40 × 0.55 = $2; 60 NO left at $33
    expect(book.snapshot().positions.get('KXA-26-A')).toMatchObject({ contracts: c('-60'), cost: $('33') });
    expect(book.snapshot().pnl.realized).toBe($('8'));
  });

  it('keeps the worst case unchanged when an accepted quote executes, even through netting', () => {
    const book = new ExposureBook();
    book.loadPositions([marketPosition('KXA-26-A', c('-100'), $('40'))]);
    open(book, 'q1', 'KXA-26-A', '0.50', '0', '150');
    open(book, 'q2', 'KXA-26-A', '0', '0.30', '20');
    book.quoteAccepted('q1', 'yes');
    const before = riskView(book.snapshot(), { openQuoteWeightPpm: 1_000_000 }).markets.get('KXA-26-A');
    execute(book, 'q1', 'KXA-26-A', 'yes', '0.50', '150');
    const after = riskView(book.snapshot(), { openQuoteWeightPpm: 1_000_000 }).markets.get('KXA-26-A');
    // the YES direction (all YES hit, NO wins) is exactly preserved; the NO direction gains the
    // credit the pending accept could not give while it might still lapse
    const yesDirection = (m: typeof before) => (m ? m.baseLossIfNo + m.yesHits.cost : Number.NaN);
    expect(yesDirection(after)).toBe(yesDirection(before));
    expect(before?.worstLoss).toBe($('46'));
    expect(after?.worstLoss).toBe($('15'));
    expect(after?.worstContracts).toBeLessThanOrEqual(before?.worstContracts ?? 0);
    expect(book.position('KXA-26-A')).toBe(c('50'));
    // flat and quiet: the market's episode ends and the book forgets the market
    book.quoteRemoved('q2');
    fill(book, 'q3', 'KXA-26-A', 'no', '0.40', '50');
    expect(book.snapshot().positions.has('KXA-26-A')).toBe(false);
    expect(riskView(book.snapshot(), { openQuoteWeightPpm: 1_000_000 }).totalExposure).toBe(0);
  });

  it('reserves a quote under a provisional id and renames it when the exchange answers', () => {
    const book = new ExposureBook();
    open(book, 'pending:rfq-1', 'KXA-26-A', '0.40', '0.50', '10');
    expect(riskView(book.snapshot(), { openQuoteWeightPpm: 1_000_000 }).liveQuotes).toBe(1);
    expect(book.renameQuote('pending:rfq-1', 'q-real')).toBe(true);
    expect(book.liveQuote('pending:rfq-1')).toBeUndefined();
    expect(book.liveQuote('q-real')).toMatchObject({ quoteId: 'q-real', state: 'open' });
    expect(book.renameQuote('pending:rfq-1', 'q-other')).toBe(false);
    open(book, 'pending:rfq-2', 'KXA-26-A', '0.40', '0.50', '10');
    expect(book.renameQuote('pending:rfq-2', 'q-real')).toBe(false);
    expect(book.quoteRemoved('pending:rfq-2')).toBe(true);
    expect(book.quoteAccepted('q-real', 'yes')).toBe(true);
  });

  it('maps markets to events: RFQ hint, lookup, loaded event positions, then the ticker prefix', () => {
    const book = new ExposureBook({ eventOf: (ticker) => (ticker === 'ODD' ? 'ODD-EVENT' : undefined) });
    book.loadPositions(
      [marketPosition('KXMULTI-26JAN-B-X', c('5'), $('2'))],
      [
        {
          eventTicker: 'KXMULTI-26JAN',
          totalCost: 0,
          totalCostShares: 0,
          eventExposure: 0,
          realizedPnl: 0,
          feesPaid: 0,
        },
      ],
    );
    expect(book.eventFor('KXMULTI-26JAN-B-X')).toBe('KXMULTI-26JAN');
    expect(book.eventFor('ODD')).toBe('ODD-EVENT');
    expect(book.eventFor('KXA-26-A', 'HINTED')).toBe('HINTED');
    expect(book.eventFor('KXA-26-A')).toBe('KXA-26');
    book.quoteOpened(
      liveQuote('q1', rfq('KXB-26-A', bySize('1'), 'KXB-EVT'), {
        yesBid: $('0.1'),
        noBid: 0,
        yesContracts: c('1'),
        noContracts: 0,
      }),
    );
    expect(book.eventFor('KXB-26-A', 'OTHER')).toBe('KXB-EVT');
    fill(book, 'q2', 'KXMULTI-26JAN-C', 'yes', '0.2', '3');
    expect(book.eventPosition('KXMULTI-26JAN')).toBe(c('8'));
  });

  it('rejects an unknown day time zone', () => {
    expect(() => new ExposureBook({ dayTimeZone: 'Mars/Olympus' })).toThrow(RiskConfigError);
  });
});

describe('ExposureBook reconciliation', () => {
  it('reports every market where we and the exchange differ, then adopts the exchange', () => {
    const book = new ExposureBook();
    book.loadPositions([
      marketPosition('KXA-26-A', c('10'), $('4')),
      marketPosition('KXB-26-A', c('-5'), $('2')),
    ]);
    const found = book.reconcile([
      marketPosition('KXA-26-A', c('12'), $('5')),
      marketPosition('KXC-26-A', c('3'), $('1')),
    ]);
    expect(found).toEqual(
      expect.arrayContaining([
        { marketTicker: 'KXA-26-A', ours: c('10'), theirs: c('12'), oursCost: $('4'), theirsCost: $('5') },
        { marketTicker: 'KXB-26-A', ours: c('-5'), theirs: 0, oursCost: $('2'), theirsCost: 0 },
        { marketTicker: 'KXC-26-A', ours: 0, theirs: c('3'), oursCost: 0, theirsCost: $('1') },
      ]),
    );
    expect(found).toHaveLength(3);
    expect(book.position('KXA-26-A')).toBe(c('12'));
    expect(book.position('KXB-26-A')).toBe(0);
    expect(book.position('KXC-26-A')).toBe(c('3'));
    expect(
      book.reconcile([
        marketPosition('KXA-26-A', c('12'), $('5')),
        marketPosition('KXC-26-A', c('3'), $('1')),
      ]),
    ).toEqual([]);
  });

  it('never books an execution from positions: accepts stay reserved, the difference is reported', () => {
    const book = new ExposureBook();
    open(book, 'q1', 'KXA-26-A', '0.40', '0.50', '10');
    open(book, 'q2', 'KXA-26-A', '0.40', '0.50', '7');
    book.quoteAccepted('q1', 'yes');
    book.quoteAccepted('q2', 'no');
    book.quoteConfirmed('q2');
    // +10 − 7 = +3 could be q1 and q2 executing, or anything else: only fills say
    expect(book.reconcile([marketPosition('KXA-26-A', c('3'), $('7.5'))])).toEqual([
      { marketTicker: 'KXA-26-A', ours: 0, theirs: c('3'), oursCost: 0, theirsCost: $('7.5') },
    ]);
    expect(book.liveQuote('q1')?.state).toBe('accepted');
    expect(book.liveQuote('q2')?.state).toBe('confirmed');
    expect(book.position('KXA-26-A')).toBe(c('3'));
  });

  it('reconciles only the markets asked for', () => {
    const book = new ExposureBook();
    book.loadPositions([marketPosition('KXA-26-A', c('10'), $('4'))]);
    const exchange = [
      marketPosition('KXA-26-A', c('12'), $('5')),
      marketPosition('KXB-26-A', c('1'), $('1')),
    ];
    expect(book.reconcile(exchange, new Set(['KXB-26-A'])).map((d) => d.marketTicker)).toEqual(['KXB-26-A']);
    expect(book.position('KXA-26-A')).toBe(c('10'));
  });
});

describe('ExposureBook daily P&L', () => {
  it('resets realised P&L at midnight of the day time zone, not UTC', () => {
    // 23:30 in New York on Sunday 8 March 2026 (EDT since 07:00Z) is 03:30Z on the 9th
    const clock = new ManualClock(Date.parse('2026-03-09T03:30:00Z'));
    const book = new ExposureBook({ clock, dayTimeZone: 'America/New_York' });
    fill(book, 'a', 'KXA-26-A', 'yes', '0.60', '100');
    fill(book, 'b', 'KXA-26-A', 'no', '0.50', '100');
    expect(book.snapshot().pnl).toMatchObject({ day: '2026-03-08', realized: $('-10'), total: $('-10') });
    clock.advanceTo(Date.parse('2026-03-09T03:59:00Z'));
    expect(book.snapshot().pnl.realized).toBe($('-10'));
    clock.advanceTo(Date.parse('2026-03-09T04:00:00Z'));
    expect(book.snapshot().pnl).toMatchObject({ day: '2026-03-09', realized: 0, total: 0, peak: 0 });
  });

  it('marks open positions to fair value and counts only today’s moves after a day boundary', () => {
    const clock = new ManualClock(Date.parse('2026-01-05T12:00:00Z'));
    const book = new ExposureBook({ clock });
    fill(book, 'a', 'KXA-26-A', 'yes', '0.60', '100');
    book.markToMarket(new Map([['KXA-26-A', $('0.45')]]));
    expect(book.snapshot().pnl).toMatchObject({ realized: 0, unrealized: $('-15'), total: $('-15') });
    expect(book.snapshot().positions.get('KXA-26-A')?.unrealized).toBe($('-15'));
    clock.advanceTo(Date.parse('2026-01-06T00:00:00Z'));
    expect(book.snapshot().pnl).toMatchObject({ unrealized: 0, total: 0 });
    book.markToMarket([['KXA-26-A', $('0.40')]]);
    expect(book.snapshot().pnl.total).toBe($('-5'));
    book.markToMarket([['KXA-26-A', $('0.70')]]);
    expect(book.snapshot().pnl).toMatchObject({ total: $('25'), peak: $('25') });
    book.markToMarket([['KXA-26-A', $('0.50')]]);
    expect(book.snapshot().pnl).toMatchObject({ total: $('5'), peak: $('25') });
    book.settleMarket('KXA-26-A', 'no');
    // settling realises −$60 of which −$15 was yesterday's
    expect(book.snapshot().pnl).toMatchObject({ realized: $('-60'), unrealized: $('15'), total: $('-45') });
  });

  it('does not book losses from before startup: a loaded position takes its baseline at its first mark', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    book.loadPositions([marketPosition('KXA-26-A', c('100'), $('60'))]);
    book.markToMarket([['KXA-26-A', $('0.40')]]);
    expect(book.snapshot().pnl.total).toBe(0);
    book.markToMarket([['KXA-26-A', $('0.35')]]);
    expect(book.snapshot().pnl.total).toBe($('-5'));
  });

  it('realises the fees the fills carry, and counts them apart', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    open(book, 'q1', 'KXA-26-A', '0.50', '0', '100');
    book.quoteAccepted('q1', 'yes');
    book.quoteExecuted('q1');
    book.linkOrder('q1', 'o1');
    book.applyFill(tradeOf('o1', 'KXA-26-A', 'yes', '0.50', '100', '0.44'));
    book.quoteFillsDone('q1');
    expect(book.snapshot().pnl).toMatchObject({ realized: $('-0.44'), fees: $('0.44') });
    const limits = looseLimits();
    expect(book.riskView(limits).markets.get('KXA-26-A')?.worstLoss).toBe($('50.44'));
  });
});

describe('ExposureBook markets that went quiet', () => {
  it('forgets a flat market with no live quote, keeping its day in the P&L and its event', () => {
    const clock = new ManualClock(T0);
    const book = new ExposureBook({ clock });
    // A day of short-lived markets: each is quoted, filled, marked, closed out and settles.
    for (let i = 0; i < 500; i++) {
      const ticker = `KXDAY-M${i}-A`;
      book.quoteOpened(
        liveQuote(`q${i}`, rfq(ticker, bySize('10'), `KXDAY-M${i}`), {
          yesBid: $('0.40'),
          noBid: $('0.50'),
          yesContracts: c('10'),
          noContracts: c('10'),
        }),
      );
      book.quoteAccepted(`q${i}`, 'yes');
      execute(book, `q${i}`, ticker, 'yes', '0.40', '10');
      book.markToMarket([[ticker, $('0.45')]]);
      book.settleMarket(ticker, 'no');
    }
    const snapshot = book.snapshot();
    // Each lost its $4: realised −$2,000; the marks (+$0.50 each) were undone by the settlement.
    expect(snapshot.pnl).toMatchObject({ realized: $('-2000'), unrealized: 0, total: $('-2000') });
    expect(snapshot.positions.size).toBe(0);
    expect(riskView(snapshot, { openQuoteWeightPpm: 1_000_000 })).toMatchObject({
      totalExposure: 0,
      liveQuotes: 0,
    });
    // Its event stays what it was, whatever a later RFQ says.
    expect(book.eventFor('KXDAY-M7-A', 'OTHER')).toBe('KXDAY-M7');
  });

  it('keeps a forgotten market’s marked move from the day’s baseline in the day’s P&L', () => {
    const clock = new ManualClock(Date.parse('2026-01-05T12:00:00Z'));
    const book = new ExposureBook({ clock });
    fill(book, 'a', 'KXA-26-A', 'yes', '0.60', '100');
    book.markToMarket([['KXA-26-A', $('0.45')]]);
    clock.advanceTo(Date.parse('2026-01-06T00:00:00Z'));
    // Today starts at −$15 marked; closing at 0.50 realises −$10 (yesterday's −$15 and today's +$5).
    fill(book, 'b', 'KXA-26-A', 'no', '0.50', '100');
    expect(book.snapshot().positions.has('KXA-26-A')).toBe(false);
    expect(book.snapshot().pnl).toMatchObject({ realized: $('-10'), unrealized: $('15'), total: $('5') });
    // Trading it again starts from flat.
    fill(book, 'c', 'KXA-26-A', 'yes', '0.50', '10');
    book.markToMarket([['KXA-26-A', $('0.70')]]);
    expect(book.snapshot().pnl).toMatchObject({ realized: $('-10'), unrealized: $('17'), total: $('7') });
  });
});

describe('ExposureBook fills', () => {
  it('books a fill at its own price, even one no quote claims, once per trade id', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    const trade = tradeOf('stranger', 'KXA-26-A', 'yes', '0.37', '4', '0.02');
    expect(book.applyFill(trade)).toMatchObject({ kind: 'booked', realized: 0, fee: $('0.02'), today: true });
    expect(book.applyFill({ ...trade })).toEqual({ kind: 'duplicate' });
    expect(book.snapshot().positions.get('KXA-26-A')).toMatchObject({ contracts: c('4'), cost: $('1.48') });
    expect(book.quoteOfOrder('stranger')).toBeUndefined();
  });

  it('shrinks the pending fill as partial fills come, and counts fills that came before the link', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    open(book, 'q1', 'KXA-26-A', '0.40', '0.50', '10');
    book.quoteAccepted('q1', 'yes');
    book.quoteConfirmed('q1');
    book.quoteExecuted('q1');
    // the push beat the report naming the order
    book.applyFill(tradeOf('o1', 'KXA-26-A', 'yes', '0.40', '3'));
    expect(book.liveQuote('q1')?.accepted?.contracts).toBe(c('10'));
    book.linkOrder('q1', 'o1');
    expect(book.liveQuote('q1')).toMatchObject({
      filled: c('3'),
      accepted: { contracts: c('7'), cost: $('2.8') },
    });
    book.applyFill(tradeOf('o1', 'KXA-26-A', 'yes', '0.39', '2'));
    expect(book.liveQuote('q1')).toMatchObject({ filled: c('5'), accepted: { contracts: c('5') } });
    // the rest was cancelled (post-only crossing): only the filled 5 remain
    expect(book.quoteFillsDone('q1')).toEqual({ filled: c('5'), reserved: c('10') });
    expect(book.riskView(looseLimits()).markets.get('KXA-26-A')).toMatchObject({
      position: c('5'),
      liveQuotes: 0,
    });
  });

  it('reserves the whole offered side when the remainder rests', () => {
    const book = new ExposureBook();
    book.quoteOpened(
      liveQuote('q1', rfq('KXA-26-A', bySize('10')), {
        yesBid: $('0.40'),
        noBid: $('0.50'),
        yesContracts: c('10'),
        noContracts: c('10'),
      }),
      { restRemainder: true },
    );
    book.quoteAccepted('q1', 'no', c('4'));
    expect(book.liveQuote('q1')?.accepted).toMatchObject({ side: 'no', contracts: c('10') });
  });

  it('remembers as many trade ids as it is told to (a backtest needs seconds, not a day)', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0), ledgerMemory: 3 });
    const trades = ['1', '2', '3', '4'].map((n) => ({
      ...tradeOf(`o${n}`, 'KXA-26-A', 'yes', '0.5', '1'),
      tradeId: `x${n}`,
    }));
    for (const trade of trades) expect(book.applyFill(trade).kind).toBe('booked');
    expect(book.applyFill(trades[3]!).kind).toBe('duplicate');
    expect(book.applyFill(trades[0]!).kind).toBe('booked');
  });

  it('refuses a broken fill without touching the books', () => {
    const book = new ExposureBook();
    for (const broken of [
      { contracts: 0 },
      { price: 1_000_001 },
      { fee: -1 },
      { tradeId: '' },
      { side: 'maybe' as Side },
    ]) {
      expect(book.applyFill({ ...tradeOf('o', 'KXA-26-A', 'yes', '0.5', '1'), ...broken }).kind).toBe(
        'invalid',
      );
    }
    expect(book.snapshot().positions.size).toBe(0);
    expect(book.snapshot().pnl).toMatchObject({ realized: 0, fees: 0 });
  });

  it('moves the position but not today’s P&L for a fill traded before the day began', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    book.applyFill(tradeOf('o', 'KXA-26-A', 'yes', '0.50', '10'));
    const late = { ...tradeOf('o', 'KXA-26-A', 'no', '0.40', '10', '0.1'), tradedAt: T0 - 86_400_000 };
    expect(book.applyFill(late)).toMatchObject({ kind: 'booked', realized: $('1'), today: false });
    expect(book.position('KXA-26-A')).toBe(0);
    expect(book.snapshot().pnl).toMatchObject({ realized: 0, fees: 0 });
  });
});

describe('restoreFromFills', () => {
  it('rebuilds today’s realised P&L, fees and cost basis from fills, checked against the exchange', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    book.loadPositions([
      marketPosition('KXA-26-A', c('40'), $('16.5')),
      marketPosition('KXB-26-A', c('5'), $('2')),
    ]);
    const yesterday = T0 - 86_400_000;
    const fills = [
      { ...tradeOf('o1', 'KXA-26-A', 'yes', '0.40', '100', '0.5'), tradedAt: yesterday },
      { ...tradeOf('o2', 'KXA-26-A', 'no', '0.50', '60', '0.25'), tradedAt: T0 - 1_000 },
      tradeOf('o3', 'KXC-26-A', 'no', '0.30', '10', '0.05'),
    ];
    const report = restoreFromFills(book, fills, { peak: $('9') });
    // 60 pairs close today: $60 − 60 × 0.40 − 60 × 0.50 = $6, less today's fees of $0.30
    expect(report).toMatchObject({ fills: 3, fillsToday: 2, realized: $('5.7'), fees: $('0.3') });
    expect(book.snapshot().pnl).toMatchObject({ realized: $('5.7'), fees: $('0.3'), peak: $('9') });
    // A's replay reaches the exchange's 40: its cost basis is the replay's ($16)
    expect(book.snapshot().positions.get('KXA-26-A')).toMatchObject({ contracts: c('40'), cost: $('16') });
    // B predates the fills and C is not at the exchange: the exchange's numbers stay
    expect(report.unexplained.map((d) => d.marketTicker).sort()).toEqual(['KXB-26-A', 'KXC-26-A']);
    expect(book.position('KXB-26-A')).toBe(c('5'));
    expect(book.position('KXC-26-A')).toBe(0);
    // the trades are booked: the same fills pushed again count nothing
    for (const fill of fills) expect(book.applyFill(fill).kind).toBe('duplicate');
  });

  it('counts the whole marked P&L of a position the day built from flat, as before the restart', () => {
    const book = new ExposureBook({ clock: new ManualClock(T0) });
    book.loadPositions([
      marketPosition('KXA-26-A', c('10'), $('6.8')),
      marketPosition('KXB-26-A', c('10'), $('6.8')),
    ]);
    const yesterday = T0 - 86_400_000;
    const fills = [
      tradeOf('o1', 'KXA-26-A', 'yes', '0.68', '10'),
      { ...tradeOf('o2', 'KXB-26-A', 'yes', '0.68', '10'), tradedAt: yesterday },
    ];
    restoreFromFills(book, fills, undefined);
    book.markToMarket(
      new Map([
        ['KXA-26-A', $('0.30')],
        ['KXB-26-A', $('0.30')],
      ]),
    );
    // A, bought today: 10 × $0.30 − $6.80 is today's loss. B was held when the day began: what
    // it lost before the restart is unknown, so it counts from its first mark.
    expect(book.snapshot().pnl).toMatchObject({ realized: 0, unrealized: -$('3.8'), total: -$('3.8') });
  });
});

describe('applyTrade', () => {
  it('rounds the released cost down and the closing cost up, as the exchange does', () => {
    const start = { contracts: c('3'), cost: $('1') };
    const { position, realized } = applyTrade(start, 'no', c('1'), $('0.333333'));
    expect(position.contracts).toBe(c('2'));
    // $1 × 1/3 released rounds down to 0.333333; the rest stays in cost
    expect(position.cost).toBe($('0.666667'));
    expect(realized).toBe($('1') - $('0.333333') - $('0.333333'));
    // the closing part costs price × closed rounded up, the rest of the fill opens at what is left
    const across = applyTrade({ contracts: c('1'), cost: $('0.5') }, 'no', c('3'), $('0.333333'));
    expect(across.position).toEqual({ contracts: c('-2'), cost: $('0.999999') - $('0.333333') });
  });
});
