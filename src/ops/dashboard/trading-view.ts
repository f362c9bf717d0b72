/**
 * The trading half of the dashboard's state: open RFQs with our quote on each, recent accepts,
 * fills, and exposure against every limit. Pure reads of the sources, bounded in size: a
 * book of 10 000 RFQs still makes a table of `DASHBOARD_MAX_RFQ_ROWS`.
 */
import { formatCount, formatDollarsMinimal, type Micros } from '../../domain/money.js';
import type { EpochMs, Rfq } from '../../domain/types.js';
import type { JournaledFill } from '../../journal/queries.js';
import { isLive } from '../../quotes/lifecycle.js';
import type { TrackedQuote } from '../../quotes/quote-store.js';
import type { RiskLimits } from '../../risk/limits.js';
import type { RiskView } from '../../risk/worst-case.js';
import type { AcceptRecord, ExecutionRecord } from './activity.js';
import type {
  AcceptView,
  EventExposureRow,
  ExposureView,
  FillRow,
  FillsView,
  LimitUse,
  MarketExposureRow,
  QuoteRow,
  RfqRow,
  RfqsView,
} from './api-types.js';
import type { DashboardSources } from './sources.js';

export const DASHBOARD_MAX_RFQ_ROWS = 100;
export const DASHBOARD_MAX_ACCEPT_ROWS = 25;
export const DASHBOARD_MAX_FILL_ROWS = 25;
export const DASHBOARD_MAX_EXPOSURE_ROWS = 25;

export const dollars = (micros: Micros): string => formatDollarsMinimal(micros);

export function limitUse(value: number, limit: number, format?: (n: number) => string): LimitUse {
  const utilization = limit > 0 && value > 0 ? Math.round((value / limit) * 10_000) / 10_000 : 0;
  return format ? { value: format(value), limit: format(limit), utilization } : { value, limit, utilization };
}

export function rfqsView(sources: DashboardSources, now: EpochMs): RfqsView {
  const quoted: RfqRow[] = [];
  // The newest unquoted RFQs, kept sorted oldest first so the cut-off is at index 0.
  const newest: Rfq[] = [];
  for (const rfq of sources.book.all()) {
    const quote = sources.store.forRfq(rfq.id);
    if (quote && isLive(quote.state)) {
      quoted.push(rfqRow(rfq, quote, now));
      continue;
    }
    if (newest.length >= DASHBOARD_MAX_RFQ_ROWS && rfq.createdAt <= newest[0]!.createdAt) continue;
    let at = newest.findIndex((other) => other.createdAt > rfq.createdAt);
    if (at < 0) at = newest.length;
    newest.splice(at, 0, rfq);
    if (newest.length > DASHBOARD_MAX_RFQ_ROWS) newest.shift();
  }
  quoted.sort((a, b) => a.ageMs - b.ageMs);
  const rows = quoted.slice(0, DASHBOARD_MAX_RFQ_ROWS);
  for (let i = newest.length - 1; i >= 0 && rows.length < DASHBOARD_MAX_RFQ_ROWS; i--) {
    rows.push(rfqRow(newest[i]!, undefined, now));
  }
  return { open: sources.book.size, liveQuotes: sources.store.countLive(), rows };
}

function rfqRow(rfq: Rfq, quote: TrackedQuote | undefined, now: EpochMs): RfqRow {
  return {
    rfqId: rfq.id,
    marketTicker: rfq.marketTicker,
    ...(rfq.eventTicker ? { eventTicker: rfq.eventTicker } : {}),
    ...(rfq.size.kind === 'contracts'
      ? { contracts: formatCount(rfq.size.contracts) }
      : { targetCost: dollars(rfq.size.targetCost) }),
    ageMs: Math.max(0, now - rfq.createdAt),
    ...(quote ? { quote: quoteRow(quote, now) } : {}),
  };
}

function quoteRow(quote: TrackedQuote, now: EpochMs): QuoteRow {
  return {
    ...(quote.quoteId ? { quoteId: quote.quoteId } : {}),
    state: quote.state,
    strategy: quote.strategy,
    ...(quote.route ? { route: quote.route } : {}),
    yesBid: dollars(quote.yesBid),
    noBid: dollars(quote.noBid),
    yesContracts: formatCount(quote.yesContracts),
    noContracts: formatCount(quote.noContracts),
    ageMs: Math.max(0, now - quote.sentAt),
    ttlLeftMs: Math.max(0, quote.sentAt + quote.ttlMs - now),
  };
}

export function acceptView(record: AcceptRecord, redact: (text: string) => string): AcceptView {
  const { quote } = record;
  return {
    at: record.seenAt,
    rfqId: quote.rfq.id,
    ...(quote.quoteId ? { quoteId: quote.quoteId } : {}),
    marketTicker: quote.rfq.marketTicker,
    strategy: quote.strategy,
    side: record.side,
    contracts: formatCount(record.contracts),
    price: dollars(record.price),
    lastLook: record.lastLook,
    outcome: quote.state,
    ...(record.reason ? { reason: redact(record.reason) } : {}),
    ...(record.confirmLatencyMs !== undefined ? { confirmLatencyMs: record.confirmLatencyMs } : {}),
  };
}

export function journaledFillRow(fill: JournaledFill): FillRow {
  return {
    at: fill.tradedAt,
    marketTicker: fill.marketTicker,
    side: fill.side,
    contracts: formatCount(fill.contracts),
    price: dollars(fill.price),
    fee: dollars(fill.fee),
    tradeId: fill.tradeId,
    ...(fill.rfqId ? { rfqId: fill.rfqId } : {}),
    ...(fill.quoteId ? { quoteId: fill.quoteId } : {}),
    ...(fill.strategy ? { strategy: fill.strategy } : {}),
  };
}

export function executionRow(record: ExecutionRecord): FillRow {
  return {
    at: record.at,
    marketTicker: record.quote.rfq.marketTicker,
    side: record.side,
    contracts: formatCount(record.contracts),
    price: dollars(record.price),
    rfqId: record.quote.rfq.id,
    ...(record.quote.quoteId ? { quoteId: record.quote.quoteId } : {}),
    strategy: record.quote.strategy,
  };
}

/**
 * Fills of the day: the journal's (as the exchange reported them) once it records fills, our
 * own executions otherwise.
 */
export function fillsView(sources: DashboardSources, dayStart: EpochMs, now: EpochMs): FillsView {
  const journal = sources.journal();
  if (journal?.recordsFills()) {
    const totals = journal.fillTotals(dayStart, now + 1);
    return {
      source: 'journal',
      today: { count: totals.count, contracts: formatCount(totals.contracts) },
      recent: journal.latestFills(dayStart, now + 1, DASHBOARD_MAX_FILL_ROWS).map(journaledFillRow),
    };
  }
  const today = sources.activity.executions(dayStart, Number.MAX_SAFE_INTEGER);
  let contracts = 0;
  for (const record of today) contracts += record.contracts;
  return {
    source: 'memory',
    today: { count: today.length, contracts: formatCount(contracts) },
    recent: today.slice(0, DASHBOARD_MAX_FILL_ROWS).map(executionRow),
  };
}

export function exposureView(view: RiskView, limits: RiskLimits, dailyTotal: Micros): ExposureView {
  const perMarket = limits.maxPositionPerMarket;
  const perEvent = limits.maxPositionPerEvent;
  const markets: MarketExposureRow[] = [...view.markets.values()].map((market) => ({
    marketTicker: market.marketTicker,
    eventTicker: market.eventTicker,
    position: formatCount(market.position),
    contracts: limitUse(market.worstContracts, perMarket.contracts, formatCount),
    dollars: limitUse(market.worstLoss, perMarket.dollars, dollars),
    quotes: limitUse(market.liveQuotes, limits.maxOpenQuotesPerMarket),
  }));
  const events: EventExposureRow[] = [...view.events.values()].map((event) => ({
    eventTicker: event.eventTicker,
    contracts: limitUse(event.contracts, perEvent.contracts, formatCount),
    dollars: limitUse(event.dollars, perEvent.dollars, dollars),
    quotes: limitUse(event.liveQuotes, limits.maxOpenQuotesPerEvent),
  }));
  const worst = (row: { contracts: LimitUse; dollars: LimitUse; quotes: LimitUse }) =>
    Math.max(row.contracts.utilization, row.dollars.utilization, row.quotes.utilization);
  markets.sort((a, b) => worst(b) - worst(a) || a.marketTicker.localeCompare(b.marketTicker));
  events.sort((a, b) => worst(b) - worst(a) || a.eventTicker.localeCompare(b.eventTicker));
  return {
    model: limits.exposureModel,
    total: limitUse(view.totalExposure, limits.maxTotalExposure, dollars),
    openQuotes: limitUse(view.liveQuotes, limits.maxOpenQuotes),
    dailyLoss: limitUse(Math.max(0, -dailyTotal), limits.maxDailyLoss, dollars),
    marketCount: markets.length,
    eventCount: events.length,
    markets: markets.slice(0, DASHBOARD_MAX_EXPOSURE_ROWS),
    events: events.slice(0, DASHBOARD_MAX_EXPOSURE_ROWS),
  };
}
