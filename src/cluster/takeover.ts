/**
 * What a new leader does first: the quotes the old leader left at the exchange. Open ones are
 * adopted (tracked with a fresh TTL, counted in exposure) or deleted, as `cluster.takeover`
 * says; accepted ones still inside their confirm window are adopted and handed to last look,
 * which confirms them if everything still holds. Quotes another live instance owns never reach
 * here (the listing is filtered by their claims).
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Quote } from '../domain/types.js';
import { describeError, type QuoteWrites } from '../quotes/context.js';
import type { QuoteManager } from '../quotes/quote-manager.js';
import type { QuoteStore } from '../quotes/quote-store.js';
import { adoptQuote, handleOrphans, type OrphanReport } from '../quotes/startup.js';
import type { RfqBook } from '../rfq/rfq-book.js';
import type { ExposureBook } from '../risk/exposure.js';

export interface TakeoverOptions {
  readonly listOpen: () => Promise<Quote[]>;
  readonly listAccepted: () => Promise<Quote[]>;
  readonly policy: 'adopt' | 'delete';
  readonly client: QuoteWrites;
  readonly store: QuoteStore;
  readonly exposure: ExposureBook;
  readonly book: RfqBook;
  readonly manager: QuoteManager;
  readonly ttlMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface TakeoverReport extends OrphanReport {
  /** Accepted quotes handed to last look. */
  readonly accepts: number;
}

export async function takeOver(options: TakeoverOptions): Promise<TakeoverReport> {
  const { store, exposure, book, client, manager, clock, logger } = options;
  const open = await options.listOpen();
  manager.noteForeign(open.map((q) => q.id));
  const orphans = await handleOrphans({
    open,
    policy: options.policy,
    client,
    store,
    exposure,
    book,
    ttlMs: options.ttlMs,
    logger,
    clock,
  });
  let accepts = 0;
  for (const reported of await options.listAccepted()) {
    if (store.byQuoteId(reported.id) || store.hasLive(reported.rfqId)) continue;
    try {
      const rfq = await client.getRfq(reported.rfqId);
      adoptQuote({ store, exposure, clock, ttlMs: options.ttlMs }, rfq, reported, 'adopted at takeover');
      // The window runs from the exchange's accepted_ts: last look confirms only inside it.
      manager.exchangeReported(reported, clock.now());
      accepts++;
    } catch (error) {
      logger.warn(
        { rfqId: reported.rfqId, quoteId: reported.id, reason: describeError(error) },
        'cannot adopt an accepted quote of the old leader; it will lapse',
      );
    }
  }
  return { ...orphans, accepts };
}
