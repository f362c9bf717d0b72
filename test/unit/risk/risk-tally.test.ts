import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Side } from '../../../src/domain/types.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { keptView, type RiskViewOptions, riskView } from '../../../src/risk/worst-case.js';
import { expectEqual } from '../../helpers/hot-expect.js';
import { $, bySize, c, liveQuote, marketPosition, rfq } from './fixtures.js';

/*
 * The book keeps the worst case as running totals (`current().riskView`); `riskView(snapshot)`
 * recomputes it from scratch. For any sequence of quotes, accepts, fills, settlements, loads and
 * day rolls, and any weighting or left-out quote, the two agree on every market, event and total.
 */

const MARKETS = ['KXONE-26-A', 'KXONE-26-B', 'KXTWO-26-A', 'KXTHREE-26-A'] as const;
const T0 = Date.parse('2026-03-09T15:00:00Z');

type Op =
  | { kind: 'open'; market: number; yes: number; no: number; size: number; rests: boolean }
  | { kind: 'accept'; quote: number; side: Side; part: number }
  | { kind: 'confirm'; quote: number }
  | { kind: 'fill'; quote: number; part: number }
  | { kind: 'done'; quote: number }
  | { kind: 'remove'; quote: number }
  | { kind: 'lapse'; quote: number }
  | { kind: 'stray'; market: number; side: Side; price: number; size: number }
  | { kind: 'settle'; market: number; side: Side }
  | { kind: 'load'; market: number; size: number }
  | { kind: 'mark'; market: number; mid: number }
  | { kind: 'restore'; realized: number }
  | { kind: 'day' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    market: fc.nat(3),
    yes: fc.integer({ min: 0, max: 60 }),
    no: fc.integer({ min: 0, max: 35 }),
    size: fc.integer({ min: 1, max: 5_000 }),
    rests: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('accept' as const),
    quote: fc.nat(30),
    side: fc.constantFrom<Side>('yes', 'no'),
    part: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant('confirm' as const), quote: fc.nat(30) }),
  fc.record({
    kind: fc.constant('fill' as const),
    quote: fc.nat(30),
    part: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant('done' as const), quote: fc.nat(30) }),
  fc.record({ kind: fc.constant('remove' as const), quote: fc.nat(30) }),
  fc.record({ kind: fc.constant('lapse' as const), quote: fc.nat(30) }),
  fc.record({
    kind: fc.constant('stray' as const),
    market: fc.nat(3),
    side: fc.constantFrom<Side>('yes', 'no'),
    price: fc.integer({ min: 1, max: 99 }),
    size: fc.integer({ min: 1, max: 3_000 }),
  }),
  fc.record({
    kind: fc.constant('settle' as const),
    market: fc.nat(3),
    side: fc.constantFrom<Side>('yes', 'no'),
  }),
  fc.record({
    kind: fc.constant('load' as const),
    market: fc.nat(3),
    size: fc.integer({ min: -2_000, max: 2_000 }),
  }),
  fc.record({ kind: fc.constant('mark' as const), market: fc.nat(3), mid: fc.integer({ min: 1, max: 99 }) }),
  fc.record({
    kind: fc.constant('restore' as const),
    realized: fc.integer({ min: -5_000_000, max: 5_000_000 }),
  }),
  fc.constant({ kind: 'day' as const }),
);

function apply(book: ExposureBook, clock: ManualClock, op: Op, ids: string[], trades: { n: number }): void {
  const id = (n: number) => ids[n % Math.max(1, ids.length)] ?? 'none';
  const fillOf = (quoteId: string, part: number) => {
    const quote = book.liveQuote(quoteId);
    const accepted = quote?.accepted;
    if (!accepted || accepted.contracts <= 0) return;
    const contracts = Math.max(1, Math.floor((accepted.contracts * part) / 100));
    if (quote.orderId === undefined) book.linkOrder(quoteId, `o-${quoteId}`);
    book.applyFill({
      tradeId: `t${++trades.n}`,
      orderId: `o-${quoteId}`,
      marketTicker: quote.marketTicker,
      side: accepted.side,
      contracts,
      price: accepted.bid,
      fee: 0,
      tradedAt: clock.now(),
    });
  };
  switch (op.kind) {
    case 'open': {
      const quoteId = `q${ids.length}`;
      ids.push(quoteId);
      const market = MARKETS[op.market]!;
      book.quoteOpened(
        liveQuote(quoteId, rfq(market, bySize(String(op.size / 100))), {
          yesBid: op.yes * 10_000,
          noBid: op.no * 10_000,
          yesContracts: op.yes > 0 ? op.size : 0,
          noContracts: op.no > 0 ? op.size : 0,
        }),
        { restRemainder: op.rests },
      );
      return;
    }
    case 'accept': {
      const quote = book.liveQuote(id(op.quote));
      const offered = op.side === 'yes' ? quote?.yes.contracts : quote?.no.contracts;
      if (offered)
        book.quoteAccepted(id(op.quote), op.side, Math.max(1, Math.floor((offered * op.part) / 100)));
      return;
    }
    case 'confirm':
      book.quoteConfirmed(id(op.quote));
      return;
    case 'fill':
      fillOf(id(op.quote), op.part);
      return;
    case 'done':
      book.quoteFillsDone(id(op.quote));
      return;
    case 'remove':
      book.quoteRemoved(id(op.quote));
      return;
    case 'lapse':
      book.quoteLapsed(id(op.quote));
      return;
    case 'stray':
      book.applyFill({
        tradeId: `t${++trades.n}`,
        orderId: `stray-${trades.n}`,
        marketTicker: MARKETS[op.market]!,
        side: op.side,
        contracts: op.size,
        price: op.price * 10_000,
        fee: 0,
        tradedAt: clock.now(),
      });
      return;
    case 'settle':
      book.settleMarket(MARKETS[op.market]!, op.side);
      return;
    case 'load':
      book.loadPositions([marketPosition(MARKETS[op.market]!, op.size, Math.abs(op.size) * 4_000)]);
      return;
    case 'mark':
      book.markToMarket([[MARKETS[op.market]!, op.mid * 10_000]]);
      return;
    case 'restore':
      book.restoreDay({
        day: book.dayOf(clock.now()),
        realized: op.realized,
        peak: Math.max(0, op.realized),
      });
      return;
    case 'day':
      clock.advance(86_400_000);
      return;
  }
}

describe('the risk tally', () => {
  it('agrees with riskView of a snapshot after any sequence of changes, and so does the day’s P&L', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const clock = new ManualClock(T0);
        const book = new ExposureBook({ clock });
        const ids: string[] = [];
        const trades = { n: 0 };
        for (const op of ops) {
          apply(book, clock, op, ids, trades);
          // The P&L current() keeps between changes, against a snapshot's computed afresh.
          const pnl = book.current().pnl;
          expectEqual(pnl, book.snapshot().pnl);
          const live = ids.filter((quoteId) => book.liveQuote(quoteId) !== undefined);
          const options: RiskViewOptions[] = [
            { openQuoteWeightPpm: 1_000_000 },
            { openQuoteWeightPpm: 0 },
            { openQuoteWeightPpm: 333_333 },
            { openQuoteWeightPpm: 1_000_000, exclude: live[0] },
            { openQuoteWeightPpm: 0, exclude: live[live.length - 1] },
          ];
          for (const option of options) {
            const tallied = keptView(book.current().riskView(option));
            expectEqual(tallied, riskView(book.snapshot(), option));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to be read after the book changed', () => {
    const book = new ExposureBook();
    const view = book.current().riskView({ openQuoteWeightPpm: 1_000_000 });
    book.quoteOpened(
      liveQuote('q1', rfq('KXA-26-A', bySize('10')), {
        yesBid: $('0.40'),
        noBid: 0,
        yesContracts: c('10'),
        noContracts: 0,
      }),
    );
    expect(() => view.markets.get('KXA-26-A')).toThrow(/after the exposure book changed/);
    expect(
      book.current().riskView({ openQuoteWeightPpm: 1_000_000 }).markets.get('KXA-26-A')?.liveQuotes,
    ).toBe(1);
  });
});
