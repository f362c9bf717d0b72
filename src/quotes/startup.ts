import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Quote, Rfq } from '../domain/types.js';
import type { RfqBook } from '../rfq/rfq-book.js';
import type { ExposureBook } from '../risk/exposure.js';
import { describeError, exposureView, type QuoteWrites } from './context.js';
import type { QuoteStore, TrackedQuote } from './quote-store.js';

export type StartupPolicy = 'delete' | 'adopt';

export interface OrphanReport {
  readonly found: number;
  readonly deleted: number;
  readonly adopted: number;
  readonly failed: number;
}

export interface OrphanOptions {
  readonly open: readonly Quote[];
  readonly policy: StartupPolicy;
  readonly client: QuoteWrites;
  readonly store: QuoteStore;
  readonly exposure: ExposureBook;
  readonly book: RfqBook;
  readonly ttlMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Our open quotes found at startup (left by an earlier run, e.g. after `kill -9`): deleted,
 * or adopted — tracked with the TTL from now, so the sweeper pulls them in due course and
 * exposure counts them. Adoption needs the RFQ; a quote whose RFQ cannot be read is deleted.
 */
/**
 * Tracks a quote of ours found at the exchange (left by an earlier run, or by a leader that
 * died) as open, with its exposure: the quote manager then runs it like one it sent.
 */
export function adoptQuote(
  deps: Pick<OrphanOptions, 'store' | 'exposure' | 'clock' | 'ttlMs'>,
  rfq: Rfq,
  quote: Quote,
  reason: string,
): TrackedQuote {
  const tracked = deps.store.begin({
    rfq,
    strategy: 'adopted',
    route: undefined,
    yesBid: quote.yesBid,
    noBid: quote.noBid,
    yesContracts: quote.yesContracts ?? quote.contracts,
    noContracts: quote.noContracts ?? quote.contracts,
    fairValue: undefined,
    ttlMs: deps.ttlMs,
    adopted: true,
    rfqSeenAt: deps.clock.now(),
    restRemainder: quote.restRemainder === true,
  });
  deps.store.transition(tracked, 'open', { quoteId: quote.id, reason });
  deps.exposure.quoteOpened(exposureView(tracked), { restRemainder: quote.restRemainder === true });
  return tracked;
}

export async function handleOrphans(options: OrphanOptions): Promise<OrphanReport> {
  const { open, policy, client, store, book, logger } = options;
  let deleted = 0;
  let adopted = 0;
  let failed = 0;
  await Promise.all(
    open.map(async (quote) => {
      const log = logger.child({ rfqId: quote.rfqId, quoteId: quote.id });
      if (policy === 'adopt') {
        try {
          const rfq = await client.getRfq(quote.rfqId);
          if (rfq.status === 'open' && !store.hasLive(rfq.id)) {
            adoptQuote(options, rfq, quote, 'adopted at startup');
            book.upsert(rfq, 'startup');
            adopted++;
            return;
          }
        } catch (error) {
          log.warn(
            { reason: describeError(error) },
            'cannot adopt a quote whose RFQ cannot be read; deleting it',
          );
        }
      }
      try {
        await client.deleteQuote(quote.rfqId, quote.id, { priority: 'delete' });
        deleted++;
        log.info('deleted a quote left open by an earlier run');
      } catch (error) {
        failed++;
        log.error({ reason: describeError(error) }, 'could not delete a quote left open by an earlier run');
      }
    }),
  );
  return { found: open.length, deleted, adopted, failed };
}
