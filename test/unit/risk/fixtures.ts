import { type Centis, contracts, dollars, type Micros } from '../../../src/domain/money.js';
import type { Clock } from '../../../src/domain/time.js';
import type { MarketPosition, Rfq, RfqSize, Side } from '../../../src/domain/types.js';
import { type RiskLimits, type RiskLimitsOverrides, resolveRiskLimits } from '../../../src/risk/limits.js';
import type { Timers } from '../../../src/risk/timers.js';
import type { LiveQuote } from '../../../src/strategy/types.js';

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

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
}

/** Timers driven by a ManualClock: `advance` fires due callbacks in order. */
export class ManualTimers implements Timers {
  private seq = 0;
  private readonly pending = new Map<number, { due: number; callback: () => void }>();
  constructor(private readonly clock: ManualClock) {}

  setTimeout(callback: () => void, ms: number): unknown {
    this.seq += 1;
    this.pending.set(this.seq, { due: this.clock.time + Math.max(0, ms), callback });
    return this.seq;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Moves the clock to `to`, firing every timer due on the way at its due time. */
  advanceTo(to: number): void {
    for (;;) {
      let next: [number, { due: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (!next || entry[1].due < next[1].due) next = entry;
      if (!next || next[1].due > to) break;
      this.pending.delete(next[0]);
      this.clock.time = next[1].due;
      next[1].callback();
    }
    this.clock.time = to;
  }
}
