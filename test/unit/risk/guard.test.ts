import { describe, expect, it } from 'vitest';
import { contractsForTargetCost } from '../../../src/domain/sizing.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { evaluateConfirm, evaluateQuote, type QuoteRequest } from '../../../src/risk/guard.js';
import type { RiskLimits } from '../../../src/risk/limits.js';
import { type ExposureSnapshot, emptyExposure } from '../../../src/risk/snapshot.js';
import { $, byCost, bySize, c, liveQuote, looseLimits, marketPosition, rfq } from './fixtures.js';

function request(
  marketTicker: string,
  yesBid: string,
  noBid: string,
  size = bySize('10'),
  extra: Partial<QuoteRequest> = {},
): QuoteRequest {
  return { rfq: rfq(marketTicker, size), intent: { yesBid: $(yesBid), noBid: $(noBid) }, ...extra };
}

function bookWith(positions: [string, string, string][] = []): ExposureBook {
  const book = new ExposureBook();
  book.loadPositions(positions.map(([ticker, count, cost]) => marketPosition(ticker, c(count), $(cost))));
  return book;
}

function openQuote(
  book: ExposureBook,
  id: string,
  marketTicker: string,
  yesBid: string,
  noBid: string,
  count: string,
) {
  book.quoteOpened(
    liveQuote(id, rfq(marketTicker, bySize(count)), {
      yesBid: $(yesBid),
      noBid: $(noBid),
      yesContracts: c(count),
      noContracts: c(count),
    }),
  );
}

function expectRefused(decision: ReturnType<typeof evaluateQuote>, limit: string) {
  expect(decision.approved).toBe(false);
  if (!decision.approved) expect(decision.limit).toBe(limit);
}

function clipAndRefuse(limits: RiskLimits) {
  return {
    clip: { ...limits, onBreach: 'clip' as const },
    refuse: { ...limits, onBreach: 'refuse' as const },
  };
}

describe('evaluateQuote', () => {
  it('approves a quote inside every default limit and reports its contracts per side', () => {
    const decision = evaluateQuote(
      {
        rfq: rfq('KXA-26-A', bySize('10')),
        intent: { yesBid: $('0.45'), noBid: $('0.50'), fairValue: $('0.48') },
      },
      emptyExposure(),
      looseLimits({ minEdge: $('0.01') }),
    );
    expect(decision).toEqual({
      approved: true,
      yesBid: $('0.45'),
      noBid: $('0.50'),
      yesContracts: c('10'),
      noContracts: c('10'),
      clippedSides: [],
      clips: [],
    });
  });

  it('maxContractsPerQuote: target-cost sides differ, so only the oversized side is clipped', () => {
    const size = byCost('100');
    const yesContracts = contractsForTargetCost($('100'), $('0.90'), false);
    const noContracts = contractsForTargetCost($('100'), $('0.05'), false);
    expect(yesContracts).toBeGreaterThan(c('500'));
    expect(noContracts).toBeLessThan(c('500'));
    const { clip, refuse } = clipAndRefuse(looseLimits({ maxContractsPerQuote: c('500') }));
    const clipped = evaluateQuote(request('KXA-26-A', '0.90', '0.05', size), emptyExposure(), clip);
    expect(clipped).toMatchObject({
      approved: true,
      yesBid: 0,
      noBid: $('0.05'),
      yesContracts: 0,
      noContracts,
      clippedSides: ['yes'],
    });
    if (clipped.approved) expect(clipped.clips[0]?.limit).toBe('maxContractsPerQuote');
    const refused = evaluateQuote(request('KXA-26-A', '0.90', '0.05', size), emptyExposure(), refuse);
    expectRefused(refused, 'maxContractsPerQuote');
    if (!refused.approved) expect(refused.reason).toContain('yes side offers');
  });

  it('maxContractsPerQuote: refuses when both sides breach, even when clipping', () => {
    const { clip } = clipAndRefuse(looseLimits({ maxContractsPerQuote: c('500') }));
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.30', '0.30', bySize('600')), emptyExposure(), clip),
      'maxContractsPerQuote',
    );
  });

  it('maxDollarsPerQuote: bid × contracts per side', () => {
    const { clip, refuse } = clipAndRefuse(looseLimits({ maxDollarsPerQuote: $('250') }));
    // yes: 500 × 0.60 = $300 (breach); no: 500 × 0.30 = $150
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.60', '0.30', bySize('500')), emptyExposure(), refuse),
      'maxDollarsPerQuote',
    );
    expect(
      evaluateQuote(request('KXA-26-A', '0.60', '0.30', bySize('500')), emptyExposure(), clip),
    ).toMatchObject({
      approved: true,
      yesBid: 0,
      noBid: $('0.30'),
      clippedSides: ['yes'],
    });
    // exactly at the limit passes
    expect(
      evaluateQuote(request('KXA-26-A', '0.50', '0.30', bySize('500')), emptyExposure(), refuse).approved,
    ).toBe(true);
  });

  it('counts maker fees in dollars at risk when the series charges them', () => {
    const fees = { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 } as const;
    const limit = looseLimits({ maxDollarsPerQuote: $('50') });
    // 100 × 0.50 = $50 exactly; the maker fee pushes it over
    expect(
      evaluateQuote(request('KXA-26-A', '0.50', '0', bySize('100')), emptyExposure(), limit).approved,
    ).toBe(true);
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.50', '0', bySize('100'), { fees }), emptyExposure(), limit),
      'maxDollarsPerQuote',
    );
  });

  it('open-quote counts: total, per market, per event; a replaced quote does not count', () => {
    const book = bookWith();
    openQuote(book, 'q1', 'KXE-26-A', '0.40', '0.40', '1');
    openQuote(book, 'q2', 'KXE-26-B', '0.40', '0.40', '1');
    const snap = book.snapshot();
    expectRefused(
      evaluateQuote(request('KXF-26-A', '0.4', '0.4'), snap, looseLimits({ maxOpenQuotes: 2 })),
      'maxOpenQuotes',
    );
    const perMarket = looseLimits({ maxOpenQuotesPerMarket: 1 });
    expectRefused(
      evaluateQuote(request('KXE-26-A', '0.4', '0.4'), snap, perMarket),
      'maxOpenQuotesPerMarket',
    );
    expect(
      evaluateQuote(
        request('KXE-26-A', '0.4', '0.4', bySize('1'), { replacesQuoteId: 'q1' }),
        snap,
        perMarket,
      ).approved,
    ).toBe(true);
    expect(evaluateQuote(request('KXE-26-C', '0.4', '0.4'), snap, perMarket).approved).toBe(true);
    expectRefused(
      evaluateQuote(request('KXE-26-C', '0.4', '0.4'), snap, looseLimits({ maxOpenQuotesPerEvent: 2 })),
      'maxOpenQuotesPerEvent',
    );
    // accepted quotes are still live
    book.quoteAccepted('q1', 'yes');
    expectRefused(
      evaluateQuote(request('KXF-26-A', '0.4', '0.4'), book.snapshot(), looseLimits({ maxOpenQuotes: 2 })),
      'maxOpenQuotes',
    );
    book.quoteExecuted('q1');
    book.quoteFillsDone('q1');
    expect(
      evaluateQuote(request('KXF-26-A', '0.4', '0.4'), book.snapshot(), looseLimits({ maxOpenQuotes: 2 }))
        .approved,
    ).toBe(true);
  });

  it('maxPositionPerMarket.contracts: a side that would grow the position past the limit is declined', () => {
    const snap = bookWith([['KXA-26-A', '80', '40']]).snapshot();
    const { clip, refuse } = clipAndRefuse(looseLimits({ maxPositionPerMarket: { contracts: c('100') } }));
    expect(evaluateQuote(request('KXA-26-A', '0.40', '0.40', bySize('30')), snap, clip)).toMatchObject({
      approved: true,
      yesBid: 0,
      noBid: $('0.40'),
      clippedSides: ['yes'],
    });
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.40', '0.40', bySize('30')), snap, refuse),
      'maxPositionPerMarket.contracts',
    );
  });

  it('worst case counts every live quote as hit; the expected model with rate 0 does not', () => {
    const book = bookWith();
    openQuote(book, 'q1', 'KXA-26-A', '0.40', '0.40', '60');
    const worst = looseLimits({ maxPositionPerMarket: { contracts: c('100') }, onBreach: 'clip' });
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.40', '0.40', bySize('50')), book.snapshot(), worst),
      'maxPositionPerMarket.contracts',
    );
    const expected = { ...worst, exposureModel: 'expected' as const };
    expect(
      evaluateQuote(request('KXA-26-A', '0.40', '0.40', bySize('50')), book.snapshot(), expected).approved,
    ).toBe(true);
    // half hit rate: 30 + 50 = 80 fits, 30 + 80 = 110 does not
    const half = { ...expected, expectedHitRatePpm: 500_000 };
    expect(
      evaluateQuote(request('KXA-26-A', '0.40', '0.40', bySize('70')), book.snapshot(), half).approved,
    ).toBe(true);
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.40', '0.40', bySize('80')), book.snapshot(), half),
      'maxPositionPerMarket.contracts',
    );
    // an accepted quote always counts in full, in its direction only
    book.quoteAccepted('q1', 'yes');
    const decision = evaluateQuote(
      request('KXA-26-A', '0.40', '0.40', bySize('50')),
      book.snapshot(),
      expected,
    );
    expect(decision).toMatchObject({ approved: true, yesBid: 0, noBid: $('0.40') });
  });

  it('maxPositionPerMarket.dollars: loss if the market resolves against us; hedges are allowed', () => {
    // long 100 YES for $40: loses $40 if NO wins
    const snap = bookWith([['KXA-26-A', '100', '40']]).snapshot();
    const { clip, refuse } = clipAndRefuse(looseLimits({ maxPositionPerMarket: { dollars: $('50') } }));
    // yes 100 × 0.20 → $60 if NO wins; no 100 × 0.50 → loses $40 − $100 + $50 = −$10 if YES wins
    expect(evaluateQuote(request('KXA-26-A', '0.20', '0.50', bySize('100')), snap, clip)).toMatchObject({
      approved: true,
      yesBid: 0,
      noBid: $('0.50'),
    });
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.20', '0.50', bySize('100')), snap, refuse),
      'maxPositionPerMarket.dollars',
    );
    // already above the limit: a risk-reducing side still passes, a growing one does not
    const over = bookWith([['KXA-26-A', '100', '80']]).snapshot();
    expect(evaluateQuote(request('KXA-26-A', '0', '0.50', bySize('100')), over, refuse).approved).toBe(true);
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.01', '0', bySize('100')), over, refuse),
      'maxPositionPerMarket.dollars',
    );
  });

  it('maxPositionPerEvent: markets of an event add up', () => {
    const snap = bookWith([['KXE-26-A', '100', '40']]).snapshot();
    const contractsLimit = looseLimits({ maxPositionPerEvent: { contracts: c('150') }, onBreach: 'clip' });
    expectRefused(
      evaluateQuote(request('KXE-26-B', '0.40', '0.40', bySize('60')), snap, contractsLimit),
      'maxPositionPerEvent.contracts',
    );
    expect(
      evaluateQuote(request('KXE-26-B', '0.40', '0.40', bySize('50')), snap, contractsLimit).approved,
    ).toBe(true);
    expect(
      evaluateQuote(request('KXF-26-B', '0.40', '0.40', bySize('60')), snap, contractsLimit).approved,
    ).toBe(true);
    const dollarsLimit = looseLimits({ maxPositionPerEvent: { dollars: $('60') }, onBreach: 'clip' });
    // B: 60 × 0.40 = $24 either way; $40 + $24 > $60
    expectRefused(
      evaluateQuote(request('KXE-26-B', '0.40', '0.40', bySize('60')), snap, dollarsLimit),
      'maxPositionPerEvent.dollars',
    );
    expect(
      evaluateQuote(request('KXE-26-B', '0.30', '0.30', bySize('60')), snap, dollarsLimit).approved,
    ).toBe(true);
  });

  it('maxPositionPerEvent uses the event the caller resolved', () => {
    const snap = bookWith([['KXE-26-A', '100', '40']]).snapshot();
    const limit = looseLimits({ maxPositionPerEvent: { contracts: c('150') } });
    const elsewhere = request('ODD-TICKER', '0.40', '0.40', bySize('60'), { eventTicker: 'KXE-26' });
    expectRefused(evaluateQuote(elsewhere, snap, limit), 'maxPositionPerEvent.contracts');
  });

  it('maxTotalExposure: worst-case losses of every market add up', () => {
    const snap = bookWith([
      ['KXA-26-A', '100', '50'],
      ['KXB-26-A', '-100', '40'],
    ]).snapshot();
    const limit = looseLimits({ maxTotalExposure: $('100') });
    expectRefused(
      evaluateQuote(request('KXC-26-A', '0.30', '0.30', bySize('50')), snap, limit),
      'maxTotalExposure',
    );
    expect(evaluateQuote(request('KXC-26-A', '0.20', '0.20', bySize('50')), snap, limit).approved).toBe(true);
  });

  it('maxDailyLoss: refuses everything once the day is below the limit', () => {
    const limit = looseLimits({ maxDailyLoss: $('500') });
    const pnl = (total: string) => ({
      day: '2026-01-05',
      realized: $(total),
      fees: 0,
      unrealized: 0,
      total: $(total),
      peak: 0,
    });
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.1', '0.1'), emptyExposure(0, pnl('-500.01')), limit),
      'maxDailyLoss',
    );
    expect(
      evaluateQuote(request('KXA-26-A', '0.1', '0.1'), emptyExposure(0, pnl('-500')), limit).approved,
    ).toBe(true);
  });

  it('minEdge: each side against the fair value; skipped without one', () => {
    const { clip, refuse } = clipAndRefuse(looseLimits({ minEdge: $('0.01') }));
    const intent = (fairValue?: string) => ({
      rfq: rfq('KXA-26-A'),
      intent: { yesBid: $('0.495'), noBid: $('0.45'), ...(fairValue ? { fairValue: $(fairValue) } : {}) },
    });
    // yes edge 0.005 < 0.01; no edge 0.50 − 0.45 = 0.05
    expect(evaluateQuote(intent('0.50'), emptyExposure(), clip)).toMatchObject({
      yesBid: 0,
      noBid: $('0.45'),
      clippedSides: ['yes'],
    });
    expectRefused(evaluateQuote(intent('0.50'), emptyExposure(), refuse), 'minEdge');
    expect(evaluateQuote(intent('0.505'), emptyExposure(), refuse).approved).toBe(true);
    expect(evaluateQuote(intent(), emptyExposure(), refuse).approved).toBe(true);
  });

  it('refuses on a tripped kill switch, outside the windows, and on malformed intents', () => {
    const limit = looseLimits();
    const tripped = { gates: { killSwitch: { tripped: true, reason: 'kill file' } } };
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.4', '0.4', bySize('1'), tripped), emptyExposure(), limit),
      'killSwitch',
    );
    const closed = { gates: { windowOpen: false } };
    expectRefused(
      evaluateQuote(request('KXA-26-A', '0.4', '0.4', bySize('1'), closed), emptyExposure(), limit),
      'tradingWindow',
    );
    expectRefused(evaluateQuote(request('KXA-26-A', '0', '0'), emptyExposure(), limit), 'invalidQuote');
    expectRefused(evaluateQuote(request('KXA-26-A', '0.6', '0.5'), emptyExposure(), limit), 'invalidQuote');
    expectRefused(evaluateQuote(request('KXA-26-A', '1', '0'), emptyExposure(), limit), 'invalidQuote');
  });
});

describe('evaluateConfirm (last look)', () => {
  function accepted(book: ExposureBook, id: string, marketTicker: string, side: 'yes' | 'no', count: string) {
    const q = liveQuote(id, rfq(marketTicker, bySize(count)), {
      yesBid: $('0.40'),
      noBid: $('0.50'),
      yesContracts: c(count),
      noContracts: c(count),
      fairValue: $('0.45'),
    });
    book.quoteOpened(q);
    book.quoteAccepted(id, side);
    return { ...q, acceptedSide: side };
  }

  it('approves an accept that fits and returns the size and cost that will trade', () => {
    const book = bookWith();
    const quote = accepted(book, 'q1', 'KXA-26-A', 'yes', '10');
    expect(evaluateConfirm(quote, book.snapshot(), looseLimits())).toEqual({
      approved: true,
      side: 'yes',
      contracts: c('10'),
      cost: $('4'),
    });
  });

  it('re-checks position limits with current exposure: a position that grew since admission refuses', () => {
    const book = bookWith();
    const quote = accepted(book, 'q1', 'KXA-26-A', 'yes', '50');
    const limit = looseLimits({ maxPositionPerMarket: { contracts: c('100') } });
    expect(evaluateConfirm(quote, book.snapshot(), limit).approved).toBe(true);
    book.reconcile([marketPosition('KXA-26-A', c('70'), $('30'))]);
    const decision = evaluateConfirm(quote, book.snapshot(), limit);
    expect(decision).toMatchObject({ approved: false, limit: 'maxPositionPerMarket.contracts' });
  });

  it('counts other pending accepts as filled, but not open quotes', () => {
    const book = bookWith();
    const limit = looseLimits({ maxPositionPerMarket: { contracts: c('100') } });
    openQuote(book, 'open-1', 'KXA-26-A', '0.30', '0.30', '90');
    const first = accepted(book, 'q1', 'KXA-26-A', 'yes', '60');
    expect(evaluateConfirm(first, book.snapshot(), limit).approved).toBe(true);
    const second = accepted(book, 'q2', 'KXA-26-A', 'yes', '50');
    expect(evaluateConfirm(second, book.snapshot(), limit)).toMatchObject({
      approved: false,
      limit: 'maxPositionPerMarket.contracts',
    });
    // the pending NO accept offsets nothing: it can lapse
    const third = accepted(book, 'q3', 'KXA-26-A', 'no', '50');
    expect(evaluateConfirm(third, book.snapshot(), limit).approved).toBe(true);
  });

  it('uses the accepted size of a partial accept', () => {
    const book = bookWith();
    const q = liveQuote('q1', rfq('KXA-26-A', bySize('100')), {
      yesBid: $('0.40'),
      noBid: $('0.50'),
      yesContracts: c('100'),
      noContracts: c('100'),
    });
    book.quoteOpened(q);
    book.quoteAccepted('q1', 'no', c('20'));
    const decision = evaluateConfirm(
      { ...q, acceptedSide: 'no', acceptedContracts: c('20') },
      book.snapshot(),
      looseLimits(),
    );
    expect(decision).toEqual({ approved: true, side: 'no', contracts: c('20'), cost: $('10') });
  });

  it('refuses a declined side, a missing side, a tripped kill switch, a loss breach and a stale edge', () => {
    const book = bookWith();
    const q = liveQuote('q1', rfq('KXA-26-A'), {
      yesBid: $('0.40'),
      noBid: 0,
      yesContracts: c('10'),
      noContracts: 0,
    });
    book.quoteOpened(q);
    const limit = looseLimits({ minEdge: $('0.01'), maxDailyLoss: $('500') });
    expect(evaluateConfirm({ ...q, acceptedSide: 'no' }, book.snapshot(), limit)).toMatchObject({
      limit: 'declinedSide',
    });
    expect(evaluateConfirm(q, book.snapshot(), limit)).toMatchObject({ limit: 'invalidQuote' });
    const yes = { ...q, acceptedSide: 'yes' as const };
    const gates = { killSwitch: { tripped: true } };
    expect(evaluateConfirm(yes, book.snapshot(), limit, { gates })).toMatchObject({ limit: 'killSwitch' });
    const losing: ExposureSnapshot = {
      ...book.snapshot(),
      pnl: { day: 'd', realized: 0, fees: 0, unrealized: $('-600'), total: $('-600'), peak: 0 },
    };
    expect(evaluateConfirm(yes, losing, limit)).toMatchObject({ limit: 'maxDailyLoss' });
    expect(evaluateConfirm(yes, book.snapshot(), limit, { fairValue: $('0.405') })).toMatchObject({
      limit: 'minEdge',
    });
    expect(evaluateConfirm(yes, book.snapshot(), limit, { fairValue: $('0.45') }).approved).toBe(true);
    expect(evaluateConfirm(yes, book.snapshot(), limit, { fairValue: Number.NaN })).toMatchObject({
      limit: 'invalidQuote',
    });
  });
});
