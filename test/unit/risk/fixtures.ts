import { type Centis, contracts, dollars, type Micros } from '../../../src/domain/money.js';
import type { LiveQuote } from '../../../src/domain/quoting.js';
import type { MarketPosition, Rfq, RfqSize, Side } from '../../../src/domain/types.js';
import { type RiskLimits, type RiskLimitsOverrides, resolveRiskLimits } from '../../../src/risk/limits.js';

export const $ = dollars;
export const c = contracts;

export function limits(overrides: RiskLimitsOverrides = {}): RiskLimits {
  return resolveRiskLimits(overrides);
}

/** Limits that never bind, so a test can switch on the one it is about. */
export function looseLimits(overrides: RiskLimitsOverrides = {}): RiskLimits {
  return resolveRiskLimits({
    maxContractsPerQuote: c('1000000'),
    maxDollarsPerQuote: $('1000000'),
    maxOpenQuotes: 10_000,
    maxOpenQuotesPerMarket: 10_000,
    maxOpenQuotesPerEvent: 10_000,
    maxPositionPerMarket: { contracts: c('1000000'), dollars: $('1000000') },
    maxPositionPerEvent: { contracts: c('1000000'), dollars: $('1000000') },
    maxTotalExposure: $('1000000'),
    maxDailyLoss: $('1000000'),
    minEdge: 0,
    ...overrides,
  });
}

export function bySize(count: string): RfqSize {
  return { kind: 'contracts', contracts: c(count) };
}

export function byCost(target: string, excludesFees = false): RfqSize {
  return { kind: 'targetCost', targetCost: $(target), excludesFees };
}

let rfqSeq = 0;
export function rfq(marketTicker: string, size: RfqSize = bySize('10'), eventTicker?: string): Rfq {
  rfqSeq += 1;
  return {
    id: `rfq-${rfqSeq}`,
    creatorId: 'requester',
    marketTicker,
    ...(eventTicker ? { eventTicker } : {}),
    size,
    status: 'open',
    createdAt: 0,
  };
}

export function liveQuote(
  quoteId: string,
  forRfq: Rfq,
  bids: { yesBid: Micros; noBid: Micros; yesContracts: Centis; noContracts: Centis; fairValue?: Micros },
  accepted?: { side: Side; contracts?: Centis },
): LiveQuote {
  return {
    rfq: forRfq,
    quoteId,
    yesBid: bids.yesBid,
    noBid: bids.noBid,
    yesContracts: bids.yesContracts,
    noContracts: bids.noContracts,
    ...(bids.fairValue === undefined ? {} : { fairValue: bids.fairValue }),
    sentAt: 0,
    ...(accepted
      ? {
          acceptedSide: accepted.side,
          ...(accepted.contracts === undefined ? {} : { acceptedContracts: accepted.contracts }),
        }
      : {}),
  };
}

export function marketPosition(ticker: string, position: Centis, cost: Micros): MarketPosition {
  return { ticker, position, marketExposure: cost, realizedPnl: 0, feesPaid: 0, totalTraded: 0 };
}

export { ManualClock } from '../../../src/domain/clock.js';
