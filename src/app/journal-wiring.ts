/**
 * Connects what the bot sees and does to the journal: RFQs from the book, decisions and accepts
 * from the quote manager's events, quote transitions from the store, kill-switch changes, and
 * market mids from the market-data cache. Every hook is a `record()`: an array push.
 */
import type { Clock } from '../domain/clock.js';
import type { Fill, OrderBook, Rfq } from '../domain/types.js';
import type { FillRecord } from '../journal/events.js';
import type { Journal } from '../journal/journal.js';
import type { QuoteManagerEvents } from '../quotes/context.js';
import type { QuoteStore, TrackedQuote } from '../quotes/quote-store.js';
import type { RfqBook } from '../rfq/rfq-book.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import { bookMid } from '../strategy/pricing.js';

export interface JournalWiring {
  /** The quote manager's events to journal (merge with the metrics' events). */
  readonly events: QuoteManagerEvents;
  /** Journals a book the bot read: its mid becomes a mark. */
  readonly bookRead: (ticker: string, book: OrderBook) => void;
  readonly dispose: () => void;
}

function rfqSize(rfq: Rfq) {
  return rfq.size.kind === 'contracts'
    ? { contracts: rfq.size.contracts }
    : { targetCost: rfq.size.targetCost };
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
  readonly journal: Journal;
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly killSwitch: KillSwitch;
  readonly clock: Clock;
}): JournalWiring {
  const { journal, store, book, killSwitch, clock } = options;
  const now = () => clock.now();
  const unsubscribe = [
    book.subscribe({
      added: (rfq, source) =>
        journal.record({
          kind: 'rfq_seen',
          at: now(),
          rfqId: rfq.id,
          marketTicker: rfq.marketTicker,
          eventTicker: rfq.eventTicker,
          ...rfqSize(rfq),
          source,
          createdAt: rfq.createdAt,
        }),
      removed: (rfq) => journal.record({ kind: 'rfq_gone', at: now(), rfqId: rfq.id, reason: 'closed' }),
    }),
    store.onTransition((quote, from, details) =>
      journal.record({
        kind: 'quote',
        at: now(),
        ...quoteFields(quote),
        from,
        to: quote.state,
        reason: details.reason,
        yesBid: quote.yesBid,
        noBid: quote.noBid,
        yesContracts: quote.yesContracts,
        noContracts: quote.noContracts,
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
  return {
    events,
    bookRead: (ticker, orderBook) => {
      const mid = bookMid(orderBook);
      if (mid === undefined) return;
      journal.record({ kind: 'mark', at: now(), marketTicker: ticker, mid });
    },
    dispose: () => {
      for (const off of unsubscribe) off();
    },
  };
}

/** A fill of ours as the journal keeps it: with its quote, RFQ and strategy when known. */
export function fillRecord(fill: Fill, at: number, quote?: TrackedQuote): FillRecord {
  return {
    kind: 'fill',
    at,
    tradeId: fill.tradeId,
    orderId: fill.orderId,
    marketTicker: fill.ticker,
    side: fill.outcomeSide,
    contracts: fill.count,
    price: fill.outcomeSide === 'yes' ? fill.yesPrice : fill.noPrice,
    fee: fill.fee,
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
