/**
 * Connects what the bot sees and does to the journal: RFQs from the book, decisions and accepts
 * from the quote manager's events, quote transitions from the store, kill-switch changes, and
 * market mids from the market-data cache. Every hook is a `record()`: an array push.
 */
import type { Clock } from '../domain/clock.js';
import type { FeeSchedule } from '../domain/fees.js';
import { type Micros, ONE_DOLLAR } from '../domain/money.js';
import { RecentMap } from '../domain/recent.js';
import type { EventInfo, Fill, Market, OrderBook, Rfq } from '../domain/types.js';
import type { FillRecord, JournalEvent, MarketInfo } from '../journal/events.js';
import type { QuoteManagerEvents } from '../quotes/context.js';
import { toBookFill } from '../quotes/fill-intake.js';
import { isLive } from '../quotes/lifecycle.js';
import type { QuoteStore, TrackedQuote } from '../quotes/quote-store.js';
import type { RfqBook } from '../rfq/rfq-book.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import { bookMid } from '../strategy/pricing.js';

/** Where journaled events go: the SQLite journal, a recording file (`--record`), or both. */
export interface JournalSink {
  record(event: JournalEvent): void;
}

export interface JournalWiring {
  /** The quote manager's events to journal (merge with the metrics' events). */
  readonly events: QuoteManagerEvents;
  /** Journals a book the bot read: the book itself, and its mid as a mark. */
  readonly bookRead: (ticker: string, book: OrderBook) => void;
  /** Journals a market the bot read, when its reference data changed (for backtests). */
  readonly marketRead: (market: Market) => void;
  /** Journals a market's fee schedule (and series) when it changed. */
  readonly feesRead: (ticker: string, fees: FeeSchedule, event: EventInfo) => void;
  readonly dispose: () => void;
  /** The bot thread's time in these hooks (building events, recording them): what quoting pays. */
  readonly cost: WiringCost;
}

export interface WiringCost {
  /** RFQs the book added: the hooks' time per RFQ is `busyMs / rfqs`. */
  rfqs: number;
  calls: number;
  busyMs: number;
  maxCallMs: number;
}

/** `fn`, its time added to `cost`: a clock read costs ~40 ns against a hook's microseconds. */
function timed<A extends unknown[]>(cost: WiringCost, fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    const started = performance.now();
    try {
      fn(...args);
    } finally {
      const took = performance.now() - started;
      cost.calls++;
      cost.busyMs += took;
      if (took > cost.maxCallMs) cost.maxCallMs = took;
    }
  };
}

function timedHooks<T extends object>(cost: WiringCost, hooks: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, hook] of Object.entries(hooks)) {
    out[name] = typeof hook === 'function' ? timed(cost, hook as (...args: unknown[]) => void) : hook;
  }
  return out as T;
}

/** Markets whose last journaled data is remembered (a day's trading touches far fewer). */
const MARKETS_REMEMBERED = 10_000;

function rfqSize(rfq: Rfq) {
  return rfq.size.kind === 'contracts'
    ? { contracts: rfq.size.contracts }
    : { targetCost: rfq.size.targetCost, targetCostExcludesFees: rfq.size.excludesFees };
}

function quoteFields(quote: TrackedQuote) {
  return {
    rfqId: quote.rfq.id,
    quoteId: quote.quoteId,
    marketTicker: quote.rfq.marketTicker,
    strategy: quote.strategy,
  };
}

export function wireJournal(options: {
  readonly journal: JournalSink;
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly killSwitch: KillSwitch;
  readonly clock: Clock;
}): JournalWiring {
  const { journal, store, book, killSwitch, clock } = options;
  const now = () => clock.now();
  const cost: WiringCost = { rfqs: 0, calls: 0, busyMs: 0, maxCallMs: 0 };
  const unsubscribe = [
    book.subscribe(
      timedHooks(cost, {
        added: (rfq, source) => {
          cost.rfqs++;
          journal.record({
            kind: 'rfq_seen',
            at: now(),
            rfqId: rfq.id,
            marketTicker: rfq.marketTicker,
            eventTicker: rfq.eventTicker,
            ...rfqSize(rfq),
            source,
            createdAt: rfq.createdAt,
          });
        },
        removed: (rfq) => journal.record({ kind: 'rfq_gone', at: now(), rfqId: rfq.id, reason: 'closed' }),
      }),
    ),
    store.onTransition(
      timed(cost, (quote, from, details) => {
        journal.record({
          kind: 'quote',
          at: now(),
          // Spelled out: a spread of a fresh object per transition cost as much as the rest.
          rfqId: quote.rfq.id,
          quoteId: quote.quoteId,
          marketTicker: quote.rfq.marketTicker,
          strategy: quote.strategy,
          from,
          to: quote.state,
          reason: details.reason,
          yesBid: quote.yesBid,
          noBid: quote.noBid,
          yesContracts: quote.yesContracts,
          noContracts: quote.noContracts,
        });
        // What the requester did, self-contained for backtests' recorded-accept taker model.
        const newlyAccepted = quote.state === 'accepted' && isLive(from);
        if (newlyAccepted && quote.acceptedSide !== undefined && quote.quoteId !== undefined) {
          const side = quote.acceptedSide;
          journal.record({
            kind: 'quote_accepted',
            at: now(),
            ...quoteFields(quote),
            quoteId: quote.quoteId,
            side,
            price: side === 'yes' ? quote.yesBid : quote.noBid,
            contracts: quote.acceptedContracts ?? 0,
            offered: side === 'yes' ? quote.yesContracts : quote.noContracts,
          });
        }
      }),
    ),
    killSwitch.onChange((state, previous) => {
      if (state.tripped === previous.tripped) return;
      journal.record({
        kind: 'kill_switch',
        at: now(),
        tripped: state.tripped,
        reason: state.reason ?? previous.reason ?? '',
        source: state.source ?? 'unknown',
      });
    }),
  ];
  const accept = (quote: TrackedQuote, decision: 'confirm' | 'lapse', reason?: string) => {
    if (quote.quoteId === undefined || quote.acceptedSide === undefined) return;
    journal.record({
      kind: 'accept',
      at: now(),
      ...quoteFields(quote),
      quoteId: quote.quoteId,
      side: quote.acceptedSide,
      contracts: quote.acceptedContracts ?? 0,
      decision,
      reason,
    });
  };
  const events: QuoteManagerEvents = {
    priced: (rfq, strategy, intent) =>
      journal.record({
        kind: 'decision',
        at: now(),
        rfqId: rfq.id,
        marketTicker: rfq.marketTicker,
        strategy,
        outcome: 'quote',
        yesBid: intent.yesBid,
        noBid: intent.noBid,
        fairValue: intent.fairValue,
      }),
    skipped: (rfq, strategy, cause, reason) =>
      journal.record({
        kind: 'decision',
        at: now(),
        rfqId: rfq.id,
        marketTicker: rfq.marketTicker,
        strategy,
        outcome: 'skip',
        cause,
        reason,
      }),
    refused: (rfq, strategy, limit, reason) =>
      journal.record({
        kind: 'refusal',
        at: now(),
        rfqId: rfq.id,
        marketTicker: rfq.marketTicker,
        strategy,
        limit,
        values: { reason },
      }),
    lastLookPassed: (quote) => accept(quote, 'confirm'),
    declined: (quote, reason) => accept(quote, 'lapse', reason),
    confirmed: (quote, latencyMs) => {
      if (quote.quoteId === undefined) return;
      journal.record({
        kind: 'confirm',
        at: now(),
        ...quoteFields(quote),
        quoteId: quote.quoteId,
        ok: true,
        latencyMs,
      });
    },
    fillBooked: (fill, _booked, quote) => journal.record(fillRecord(fill, now(), quote)),
    confirmFailed: (quote, latencyMs, error) => {
      if (quote.quoteId === undefined) return;
      journal.record({
        kind: 'confirm',
        at: now(),
        ...quoteFields(quote),
        quoteId: quote.quoteId,
        ok: false,
        latencyMs,
        error,
      });
    },
  };
  // The last market data journaled per ticker: only changes are written again. Bounded: a
  // market forgotten and read again is journaled again, which costs a line.
  // The market objects last read: the cache hands out the same object until it reads again.
  const lastRead = new Map<string, Market>();
  const marketSeen = new RecentMap<string, MarketInfo>(MARKETS_REMEMBERED, (ticker) =>
    lastRead.delete(ticker),
  );
  const recordMarket = (info: MarketInfo) => {
    const previous = marketSeen.get(info.marketTicker);
    if (previous !== undefined && sameMarketInfo(previous, info)) return;
    marketSeen.set(info.marketTicker, info);
    journal.record(info);
  };
  const reads: Pick<JournalWiring, 'bookRead' | 'marketRead' | 'feesRead'> = {
    bookRead: (ticker, orderBook) => {
      journal.record({ kind: 'book', at: now(), marketTicker: ticker, yes: orderBook.yes, no: orderBook.no });
      const mid = bookMid(orderBook);
      if (mid === undefined) return;
      journal.record({ kind: 'mark', at: now(), marketTicker: ticker, mid });
    },
    marketRead: (market) => {
      if (lastRead.get(market.ticker) === market) return;
      lastRead.set(market.ticker, market);
      const previous = marketSeen.get(market.ticker);
      recordMarket({
        kind: 'market',
        at: now(),
        marketTicker: market.ticker,
        eventTicker: market.eventTicker,
        ...(previous?.seriesTicker !== undefined ? { seriesTicker: previous.seriesTicker } : {}),
        status: market.status,
        priceGrid: market.priceGrid,
        ...(previous?.fees !== undefined ? { fees: previous.fees } : {}),
        ...(market.lastPrice > 0 ? { lastPrice: market.lastPrice } : {}),
        ...(market.closeTime !== undefined ? { closeTime: market.closeTime } : {}),
      });
      // The mark step reads every held market's top of book: mids after our fills (mark-outs)
      // even where no new RFQ makes the bot read the book.
      const mid = topOfBookMid(market);
      if (mid !== undefined) journal.record({ kind: 'mark', at: now(), marketTicker: market.ticker, mid });
    },
    feesRead: (ticker, fees, event) => {
      const previous = marketSeen.get(ticker);
      if (previous === undefined) return; // the market read comes first and is journaled then
      const seriesTicker = event.seriesTicker || undefined;
      const known = previous.fees;
      // Asked on every fees() call: most are the same answer.
      if (
        known?.type === fees.type &&
        known.multiplierPpm === fees.multiplierPpm &&
        previous.seriesTicker === seriesTicker
      )
        return;
      recordMarket({
        ...previous,
        at: now(),
        seriesTicker,
        fees: { type: fees.type, multiplierPpm: fees.multiplierPpm },
      });
    },
  };
  return {
    events: timedHooks(cost, events),
    ...timedHooks(cost, reads),
    dispose: () => {
      for (const off of unsubscribe) off();
    },
    cost,
  };
}

/** The mid of a market's best YES bid and ask, as `bookMid`; undefined unless both sides are quoted. */
function topOfBookMid(market: Market): Micros | undefined {
  const { yesBid, yesAsk } = market;
  if (yesBid <= 0 || yesAsk <= 0 || yesAsk >= ONE_DOLLAR || yesAsk < yesBid) return undefined;
  return Math.floor((yesBid + yesAsk) / 2);
}

function sameMarketInfo(a: MarketInfo, b: MarketInfo): boolean {
  return (
    a.eventTicker === b.eventTicker &&
    a.seriesTicker === b.seriesTicker &&
    a.status === b.status &&
    a.lastPrice === b.lastPrice &&
    a.closeTime === b.closeTime &&
    a.fees?.type === b.fees?.type &&
    a.fees?.multiplierPpm === b.fees?.multiplierPpm &&
    a.priceGrid.length === b.priceGrid.length &&
    a.priceGrid.every(
      (band, i) =>
        band.start === b.priceGrid[i]!.start &&
        band.end === b.priceGrid[i]!.end &&
        band.step === b.priceGrid[i]!.step,
    )
  );
}

/** A fill of ours as the journal keeps it: with its quote, RFQ and strategy when known. */
export function fillRecord(fill: Fill, at: number, quote?: TrackedQuote): FillRecord {
  const booked = toBookFill(fill);
  return {
    kind: 'fill',
    at,
    ...booked,
    isTaker: fill.isTaker,
    tradedAt: fill.createdAt ?? at,
    ...(quote ? { rfqId: quote.rfq.id, quoteId: quote.quoteId, strategy: quote.strategy } : {}),
  };
}

/** One events object calling each of `parts` in turn (metrics, journal, …). */
export function combineEvents(...parts: readonly QuoteManagerEvents[]): QuoteManagerEvents {
  const combined: Record<string, (...args: unknown[]) => void> = {};
  for (const part of parts) {
    for (const [name, handler] of Object.entries(part) as [string, (...args: unknown[]) => void][]) {
      const previous = combined[name];
      combined[name] = previous
        ? (...args) => {
            previous(...args);
            handler(...args);
          }
        : handler;
    }
  }
  return combined as QuoteManagerEvents;
}
