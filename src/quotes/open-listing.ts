import type { EpochMs, Quote } from '../domain/types.js';
import { isExchangeFault, NotFoundError } from '../kalshi/index.js';
import { describeError, exposureId, type QuotingDeps } from './context.js';
import type { KeyedSerializer } from './keyed-serializer.js';
import { stateOf, type TrackedQuote } from './quote-store.js';
import type { StrayQuotes } from './strays.js';

export interface OpenListingOptions {
  readonly deps: QuotingDeps;
  readonly serial: KeyedSerializer;
  readonly strays: StrayQuotes;
  /** What the exchange says of one of our quotes (the manager's `exchangeReported`). */
  readonly reported: (quote: Quote, at: EpochMs) => void;
  /** A quote the exchange flushed was freed: release its route and quote its RFQ again. */
  readonly flushed: (quote: TrackedQuote) => Promise<void>;
}

/**
 * The full listing of our open quotes against what we track: strays are deleted, and an open
 * quote of ours missing from it is asked about by id. How a flush differs from a lost create:
 * a flushed quote has an id the exchange answers 404 for (Kalshi no longer keeps open quotes
 * across a server roll, changelog 2026-06-25), so it is gone and its RFQ is quoted afresh; a
 * create whose answer was lost has no id, and the client looks for it among our quotes on the
 * RFQ before ever sending again.
 */
export class OpenListing {
  constructor(private readonly options: OpenListingOptions) {}

  async reconcile(open: readonly Quote[], listedAt?: EpochMs): Promise<void> {
    const { deps, strays, serial } = this.options;
    const { store } = deps;
    const listed = new Set<string>();
    for (const reported of open) {
      listed.add(reported.id);
      const quote = store.byQuoteId(reported.id);
      if (quote) continue;
      const pending = store.forRfq(reported.rfqId);
      if (pending?.state === 'pending') continue; // its create is in flight; the watcher will match it
      strays.handle(reported);
    }
    if (listedAt === undefined) return;
    const missing = [...store.live()].filter(
      (quote) =>
        quote.state === 'open' &&
        quote.quoteId !== undefined &&
        !listed.has(quote.quoteId) &&
        quote.openedAt !== undefined &&
        quote.openedAt < listedAt,
    );
    await Promise.all(missing.map((quote) => serial.run(quote.rfq.id, () => this.#unlisted(quote))));
  }

  /**
   * An open quote of ours the full listing lacks: a 404 means it is gone, so it stops counting
   * against our limits and its RFQ is priced again instead of waiting for the TTL pull.
   */
  async #unlisted(quote: TrackedQuote): Promise<void> {
    const { client, store, exposure, clock, logger, events } = this.options.deps;
    if (quote.state !== 'open' || quote.quoteId === undefined) return;
    let reported: Quote | undefined;
    try {
      reported = await client.getQuote(quote.rfq.id, quote.quoteId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) {
        if (isExchangeFault(error)) events.exchangeResult?.(false);
        logger.warn(
          { rfqId: quote.rfq.id, quoteId: quote.quoteId, reason: describeError(error) },
          'cannot look up a quote missing from the listing; will ask again on the next one',
        );
        return;
      }
    }
    if (reported) {
      this.options.reported(reported, clock.now());
      return;
    }
    if (stateOf(quote) !== 'open') return;
    store.transition(quote, 'cancelled', { reason: 'flushed by the exchange: it no longer knows the quote' });
    exposure.quoteRemoved(exposureId(quote));
    events.flushed?.(quote);
    await this.options.flushed(quote);
  }
}
