import type { Quote } from '../domain/types.js';
import { describeError, type QuotingDeps } from './context.js';
import type { KeyedSerializer } from './keyed-serializer.js';

/** How many foreign quote ids are remembered. */
const MAX_FOREIGN_IDS = 10_000;

/**
 * Quotes of ours at the exchange that this run does not track: left by an earlier run (found at
 * startup) or by a create whose answer was lost. Open ones are deleted; their ids are remembered
 * so that none is ever taken for a create of ours whose response is still on its way.
 */
export class StrayQuotes {
  readonly #foreign = new Set<string>();

  constructor(
    private readonly deps: QuotingDeps,
    private readonly serial: KeyedSerializer,
  ) {}

  /** Whether the id is one of ours this run did not create. */
  isForeign(quoteId: string): boolean {
    return this.#foreign.has(quoteId);
  }

  /** Remembers ids this run did not create. Bounded: the oldest are forgotten first. */
  noteForeign(quoteIds: Iterable<string>): void {
    for (const id of quoteIds) {
      this.#foreign.delete(id);
      this.#foreign.add(id);
    }
    for (const id of this.#foreign) {
      if (this.#foreign.size <= MAX_FOREIGN_IDS) break;
      this.#foreign.delete(id);
    }
  }

  /** A quote of ours the exchange reports and we do not track: deletes it if it is open. */
  handle(reported: Quote): void {
    const { logger, client } = this.deps;
    const log = logger.child({ rfqId: reported.rfqId, quoteId: reported.id, status: reported.status });
    if (reported.status !== 'open') {
      if (reported.status === 'accepted') log.warn('an accepted quote we do not track: not confirming it');
      // Its report books nothing; fills on its order are booked (unattributed) as they come.
      if (reported.status === 'executed') log.warn('an executed quote we do not track: ignoring its report');
      return;
    }
    log.warn('deleting an open quote of ours that we do not track (stray)');
    this.noteForeign([reported.id]);
    void this.serial.run(reported.rfqId, async () => {
      try {
        await client.deleteQuote(reported.rfqId, reported.id, { priority: 'delete' });
      } catch (error) {
        log.warn(
          { reason: describeError(error) },
          'deleting a stray quote failed; will retry on the next listing',
        );
      }
    });
  }
}
