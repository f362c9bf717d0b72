import type { Logger } from 'pino';
import { type Clock, sleepOn } from '../domain/clock.js';
import type { Quote } from '../domain/types.js';
import { describeError, type QuoteWrites } from './context.js';

export interface StragglerOptions {
  /** Lists every open quote of ours at the exchange (the own-quote watcher's full listing). */
  readonly listOpen: () => Promise<Quote[]>;
  readonly client: Pick<QuoteWrites, 'deleteQuote'>;
  readonly clock: Clock;
  /** Epoch ms: nothing more is tried from then on. */
  readonly deadline: number;
  /**
   * Epoch ms until which a create that ended without an answer may still land: an empty
   * listing before then is looked at again once it has passed.
   */
  readonly settleAt: number;
  readonly logger: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The last step of shutdown: lists our open quotes at the exchange and deletes them, until none
 * is left or time runs out (at most five rounds). Returns how many were still open at the last
 * look, or -1 when the exchange could not be asked at all.
 */
export async function deleteStragglers(options: StragglerOptions): Promise<number> {
  const { listOpen, client, clock, deadline, settleAt, logger: log } = options;
  const sleep = options.sleep ?? ((ms: number) => sleepOn(options.clock, ms));
  let remaining = 0;
  for (let attempt = 0; attempt < 5 && clock.now() < deadline; attempt++) {
    const open = await listOpen().catch((error: unknown) => {
      log.warn({ reason: describeError(error) }, 'cannot list our open quotes at shutdown');
      return undefined;
    });
    if (open === undefined) {
      remaining = -1;
      await sleep(250);
      continue;
    }
    remaining = open.length;
    if (remaining === 0) {
      const wait = Math.min(settleAt, deadline) - clock.now();
      if (wait <= 0) return 0;
      log.info({ waitMs: wait }, 'a quote create timed out lately and may still land; looking again');
      await sleep(wait);
      attempt--; // the wait ends at settleAt or the deadline, so this repeats at most once
      continue;
    }
    log.warn({ count: remaining }, 'quotes of ours still open at the exchange; deleting them');
    await Promise.all(
      open.map((quote) =>
        client.deleteQuote(quote.rfqId, quote.id, { priority: 'delete' }).catch((error: unknown) => {
          log.warn({ rfqId: quote.rfqId, quoteId: quote.id, reason: describeError(error) }, 'delete failed');
        }),
      ),
    );
  }
  return remaining;
}
