import type { Logger } from 'pino';
import type { QuoteManagerEvents } from '../quotes/context.js';
import type { QuoteState } from '../quotes/lifecycle.js';
import type { QuoteStore } from '../quotes/quote-store.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import type { Metrics } from './metrics.js';
import type { SummaryCounters } from './schedules.js';

/**
 * Connects the quote life cycle and the manager's reports to metrics, the summary counters
 * and the kill switch's error counter. Returns the events object the manager reports to.
 */
export function wireQuoteMetrics(options: {
  readonly store: QuoteStore;
  readonly metrics: Metrics;
  readonly counters: SummaryCounters;
  readonly killSwitch: KillSwitch;
  readonly logger: Logger;
}): QuoteManagerEvents {
  const { store, metrics, counters, killSwitch, logger } = options;
  store.onTransition((quote, from, details) => {
    const strategy = quote.strategy;
    const to: QuoteState = quote.state;
    if (to === 'open' && from === 'pending') counters.quoted++;
    if (to === 'accepted') {
      counters.accepted++;
      metrics.quotesAccepted.inc({ strategy });
    }
    if (to === 'deleted') metrics.quotesDeleted.inc({ strategy, reason: shortReason(details.reason) });
    if (to === 'confirmed') counters.confirmed++;
    if (to === 'executed') {
      counters.executed++;
      metrics.quotesExecuted.inc({ strategy });
    }
    if (to === 'expired') metrics.quotesExpired.inc({ strategy });
    metrics.openQuotes.set(store.countLive());
  });
  return {
    rfqSeen: () => {
      counters.rfqsSeen++;
      metrics.rfqsSeen.inc();
    },
    skipped: (rfq, strategy, cause, reason) => {
      metrics.recordSkip(strategy ?? 'none', cause);
      const level = cause === 'no-route' || cause === 'declined' || cause === 'blocked' ? 'debug' : 'info';
      logger[level](
        { rfqId: rfq.id, marketTicker: rfq.marketTicker, strategy, cause, reason },
        'RFQ skipped',
      );
    },
    refused: (_rfq, _strategy, limit) => {
      metrics.riskRejections.inc({ reason: limit });
    },
    created: (quote, rfqToQuoteMs) => {
      metrics.quotesCreated.inc({ strategy: quote.strategy });
      metrics.observeRfqToQuote(quote.strategy, rfqToQuoteMs);
    },
    confirmed: (quote, acceptToConfirmMs) => {
      metrics.quotesConfirmed.inc({ strategy: quote.strategy });
      metrics.observeAcceptToConfirm(quote.strategy, acceptToConfirmMs);
    },
    declined: (quote, reason) => metrics.recordDecline(quote.strategy, reason),
    partialAccept: (quote) => metrics.quotesPartialAccepts.inc({ strategy: quote.strategy }),
    flushed: (quote) => metrics.quotesFlushed.inc({ strategy: quote.strategy }),
    fillsSettled: (quote) => {
      if (quote.fillOutcome)
        metrics.quotesFillOutcome.inc({ strategy: quote.strategy, outcome: quote.fillOutcome });
    },
    fillBooked: (_fill, booked, quote) =>
      metrics.fillsBooked.inc({ source: booked.source, attributed: quote ? 'yes' : 'no' }),
    exchangeResult: (ok) => {
      killSwitch.recordExchangeResult(ok);
    },
  };
}

function shortReason(reason: string | undefined): string {
  if (!reason) return 'unknown';
  const colon = reason.indexOf(':');
  return (colon > 0 ? reason.slice(0, colon) : reason).slice(0, 40);
}
