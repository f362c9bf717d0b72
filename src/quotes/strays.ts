import type { EpochMs, Quote } from '../domain/types.js';
import { describeError, type QuotingDeps } from './context.js';
import type { KeyedSerializer } from './keyed-serializer.js';

/** How many foreign quote ids are remembered. */
const MAX_FOREIGN_IDS = 10_000;
/** Open strays created during this run, within this window, that suggest another quoter. */
export const FOREIGN_QUOTER_STRAYS = 3;
export const FOREIGN_QUOTER_WINDOW_MS = 60_000;
/** The warning about another quoter is repeated at most this often. */
const FOREIGN_QUOTER_REPEAT_MS = 600_000;

/**
 * Quotes of ours at the exchange that this run does not track: left by an earlier run (found at
 * startup) or by a create whose answer was lost. Open ones are deleted; their ids are remembered
 * so that none is ever taken for a create of ours whose response is still on its way.
 */
export class StrayQuotes {
  readonly #foreign = new Set<string>();
  /**
   * Strays whose delete is queued or in flight. Every listing names them again until the delete
   * lands; queueing one per listing piled up hundreds of deletes behind a slowed write budget
   * (two bots on one key, listing every 200 ms), and a stop then waited for all of them.
   */
  readonly #deleting = new Set<string>();
  readonly #startedAt: EpochMs;
  /** When recent strays created during this run were found. */
  #recentStrays: EpochMs[] = [];
  #warnedAt: EpochMs | undefined;

  constructor(
    private readonly deps: QuotingDeps,
    private readonly serial: KeyedSerializer,
  ) {
    this.#startedAt = deps.clock.now();
  }

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

  /**
   * On an RFQ this run quoted, a stray can be one of our own creates landing late: its answer
   * was lost (our quote there has its prices and no id), or a create's outcome was uncertain
   * within the last minute (a time-out, a 5xx: the client may have sent it again meanwhile).
   */
  #mayBeOurLateCreate(reported: Quote): boolean {
    const mine = this.deps.store.forRfq(reported.rfqId);
    if (mine === undefined) return false;
    if (mine.quoteId === undefined && mine.yesBid === reported.yesBid && mine.noBid === reported.noBid)
      return true;
    const uncertainAt = this.deps.lastUncertainCreateAt?.() ?? 0;
    return uncertainAt > 0 && this.deps.clock.now() - uncertainAt < FOREIGN_QUOTER_WINDOW_MS;
  }

  /**
   * Open strays created while this run was up that no create of ours explains (see
   * `#mayBeOurLateCreate`): several within a minute are most likely another
   * process quoting with the same key, each deleting the other's quotes and neither counting
   * the other's exposure. Said once, loudly, with what to do.
   */
  #strayOfThisRun(): void {
    const now = this.deps.clock.now();
    this.#recentStrays = this.#recentStrays.filter((at) => now - at < FOREIGN_QUOTER_WINDOW_MS);
    this.#recentStrays.push(now);
    if (this.#recentStrays.length < FOREIGN_QUOTER_STRAYS) return;
    if (this.#warnedAt !== undefined && now - this.#warnedAt < FOREIGN_QUOTER_REPEAT_MS) return;
    this.#warnedAt = now;
    this.deps.logger.error(
      { strays: this.#recentStrays.length, windowMs: FOREIGN_QUOTER_WINDOW_MS },
      'open quotes of ours keep appearing that this run did not create: another process may be quoting with this API key (run one bot per key, or join them with cluster.redis)',
    );
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
    if (this.#deleting.has(reported.id)) return;
    log.warn('deleting an open quote of ours that we do not track (stray)');
    this.noteForeign([reported.id]);
    if (reported.createdAt >= this.#startedAt && !this.#mayBeOurLateCreate(reported)) this.#strayOfThisRun();
    this.#deleting.add(reported.id);
    void this.serial.run(reported.rfqId, async () => {
      try {
        await client.deleteQuote(reported.rfqId, reported.id, { priority: 'delete' });
      } catch (error) {
        log.warn(
          { reason: describeError(error) },
          'deleting a stray quote failed; will retry on the next listing',
        );
      } finally {
        this.#deleting.delete(reported.id);
      }
    });
  }
}
