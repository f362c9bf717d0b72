import type { Logger } from 'pino';
import type { Clock, Timer } from '../domain/clock.js';
import type { EpochMs, Rfq } from '../domain/types.js';
import type { RequestGate } from '../kalshi/gate.js';
import type { CompiledRfqFilter, ServerSideFilter } from './filters.js';
import type { RfqBook, RfqListing, SnapshotResult } from './rfq-book.js';

/** Most pages a read of the newest open RFQs goes through (the exchange lists newest first). */
const HEAD_MAX_PAGES = 5;

/** The one read the poller needs: a page of RFQs. */
export interface RfqPageSource {
  rfqsPage(
    query: ServerSideFilter & { status: 'open'; limit: number },
    cursor?: string,
  ): Promise<{ readonly items: readonly Rfq[]; readonly cursor?: string | undefined }>;
}

export interface PollerOptions {
  readonly source: RfqPageSource;
  readonly book: RfqBook;
  readonly filter: CompiledRfqFilter;
  readonly gate: RequestGate;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly intervalMs: number;
  /** While push discovery is live, polls only reconcile: poll this much less often. */
  readonly intervalWithPushMs?: number;
  readonly pushConnected?: () => boolean;
  readonly pageSize: number;
  readonly maxPages: number;
  /** Skip a cycle rather than queue reads when the read bucket holds fewer tokens. */
  readonly minReadTokens: number;
  /**
   * Cycles skipped in a row for want of read tokens before the next one lists anyway, its reads
   * waiting their turn in the read lane: other reads (accept polls, market data) that keep the
   * bucket below `minReadTokens` must not starve the listing. @default 3
   */
  readonly maxBudgetSkips?: number;
  /** Our public communications id: RFQs we created are not ours to quote. */
  readonly ownCommunicationsId: () => string | undefined;
  readonly onCycle?: (result: PollCycleResult) => void;
}

/** What a config reload may change in a running poller. */
export type PollerTunables = Pick<
  PollerOptions,
  'filter' | 'pageSize' | 'maxPages' | 'minReadTokens' | 'maxBudgetSkips'
>;

export type PollCycleResult =
  | ({
      readonly kind: 'completed';
      readonly pages: number;
      readonly durationMs: number;
      readonly filtered: number;
    } & SnapshotResult)
  | { readonly kind: 'partial'; readonly pages: number; readonly durationMs: number; readonly reason: string }
  | { readonly kind: 'skipped'; readonly reason: 'overlap' | 'budget' }
  | { readonly kind: 'failed'; readonly durationMs: number; readonly error: unknown };

/**
 * Pages through every open RFQ on an interval and feeds the RFQ book. Cycles never overlap:
 * a tick that finds the previous cycle still running is skipped, and so is one that finds
 * the read budget short (queueing reads would only delay the writes that matter), but never
 * more than `maxBudgetSkips` in a row.
 */
export class RfqPoller {
  #options: PollerOptions;
  #timer: Timer | undefined;
  /** When the scheduled tick is due. */
  #dueAt = Number.POSITIVE_INFINITY;
  /** A cycle was asked for while one ran: the next starts at most this long after it ends. */
  #requested: number | undefined;
  /** A listing is owed (asked for, or the last one did not complete): keep the short interval. */
  #owed = true;
  #running = false;
  #stopped = true;
  /** Bumped by stop(): a cycle that sees it change was stopped mid-way (not merely never started). */
  #stops = 0;
  #inFlight: Promise<PollCycleResult> | undefined;
  #lastCompletedAt: EpochMs | undefined;
  #cyclesStarted = 0;
  #lastCompletedCycle = 0;
  /** Cycles skipped in a row for a short read budget. */
  #budgetSkips = 0;
  #head: Promise<void> | undefined;
  #headAgain = false;
  /** RFQs a head read is for: any it does not find, a full listing must. */
  readonly #wanted = new Set<string>();

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  /** A reload's poller settings: the next cycle or head read takes them (one in flight keeps its own). */
  configure(tunables: PollerTunables): void {
    this.#options = { ...this.#options, ...tunables };
  }

  /** When the last full cycle finished: the readiness watchdog reads it. */
  get lastCompletedAt(): EpochMs | undefined {
    return this.#lastCompletedAt;
  }

  /** Full cycles begun so far; with `lastCompletedCycle`, tells a listing that began later. */
  get cyclesStarted(): number {
    return this.#cyclesStarted;
  }

  /** The ordinal (1-based, in `cyclesStarted`) of the last full cycle that completed; 0 if none. */
  get lastCompletedCycle(): number {
    return this.#lastCompletedCycle;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops ticking and waits for a cycle in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stops++;
    this.#timer?.cancel();
    this.#timer = undefined;
    await Promise.all([this.#inFlight?.catch(() => undefined), this.#head]);
  }

  /**
   * Reads the newest open RFQs, the listing's first pages until one brings nothing new (at most
   * HEAD_MAX_PAGES): the push source left RFQs to the listing (their fee flag needs a read), and
   * a whole listing of 10,000 open RFQs is 100 pages. Adds only (a head is never complete);
   * requests coalesce. Short of read tokens, when it fails, or when `rfqId` is not among the
   * newest (an exchange that lists in another order), a full listing comes within intervalMs.
   */
  requestHead(rfqId?: string): void {
    if (this.#stopped) return;
    if (rfqId !== undefined) this.#wanted.add(rfqId);
    // More than a head read can hold (a burst of thousands): one full listing finds them all.
    if (this.#wanted.size > this.#options.pageSize * HEAD_MAX_PAGES) {
      this.#wanted.clear();
      this.#headAgain = false;
      this.requestCycle();
      return;
    }
    if (this.#head) {
      this.#headAgain = true;
      return;
    }
    if (this.#options.gate.budget('read').available < this.#options.minReadTokens) {
      this.requestCycle(this.#options.intervalMs);
      return;
    }
    this.#head = this.#readHead().finally(() => {
      this.#head = undefined;
      if (this.#headAgain) {
        this.#headAgain = false;
        this.requestHead();
      }
    });
  }

  async #readHead(): Promise<void> {
    const { source, filter, book, clock, logger, pageSize } = this.#options;
    const own = this.#options.ownCommunicationsId();
    const listing = book.beginListing(clock.now(), true);
    let cursor: string | undefined;
    try {
      for (let pages = 0; pages < HEAD_MAX_PAGES; pages++) {
        const page = await source.rfqsPage({ ...filter.server, status: 'open', limit: pageSize }, cursor);
        let fresh = 0;
        for (const rfq of page.items) {
          // Found: one turned away here needs no full listing to look for it.
          this.#wanted.delete(rfq.id);
          if (this.#droppedAsOwn(rfq, own) || filter.reject(rfq) !== undefined) continue;
          if (!book.has(rfq.id)) fresh++;
          listing.add(rfq);
        }
        cursor = page.cursor || undefined;
        if (fresh === 0 || cursor === undefined) break;
      }
    } catch (error) {
      logger.debug({ err: error }, 'reading the newest open RFQs failed; a full listing follows');
      this.requestCycle(this.#options.intervalMs);
    } finally {
      listing.finish(false);
    }
    const missed = [...this.#wanted].some((rfqId) => !book.has(rfqId));
    this.#wanted.clear();
    if (missed) this.requestCycle(this.#options.intervalMs);
  }

  /**
   * Asks for a cycle within `delayMs` (0: now, or right after the one in flight), whatever the
   * interval: pushes were lost, the socket reconnected, or the push source left RFQs to the
   * listing. Requests coalesce; a running poller only moves its next tick earlier.
   */
  requestCycle(delayMs = 0): void {
    if (this.#stopped) return;
    this.#owed = true;
    if (this.#running) {
      this.#requested = Math.min(this.#requested ?? delayMs, delayMs);
      return;
    }
    if (this.#options.clock.now() + delayMs < this.#dueAt) this.#schedule(delayMs);
  }

  /** Runs one cycle now (tests, and the first cycle at startup). */
  async pollOnce(): Promise<PollCycleResult> {
    if (this.#running) return this.#report({ kind: 'skipped', reason: 'overlap' });
    const budget = this.#options.gate.budget('read');
    if (budget.available < this.#options.minReadTokens) {
      const maxSkips = this.#options.maxBudgetSkips ?? 3;
      if (this.#budgetSkips < maxSkips) {
        this.#budgetSkips++;
        return this.#report({ kind: 'skipped', reason: 'budget' });
      }
      this.#options.logger.warn(
        {
          skipped: this.#budgetSkips,
          available: budget.available,
          minReadTokens: this.#options.minReadTokens,
        },
        'RFQ listing skipped for want of read tokens too often: listing now, its reads wait their turn',
      );
    }
    this.#budgetSkips = 0;
    this.#running = true;
    this.#inFlight = this.#cycle().finally(() => {
      this.#running = false;
      const requested = this.#requested;
      this.#requested = undefined;
      if (requested !== undefined) this.requestCycle(requested);
    });
    return this.#inFlight;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    const { clock } = this.#options;
    this.#timer?.cancel();
    this.#dueAt = clock.now() + delayMs;
    this.#timer = clock.schedule(
      delayMs,
      () => {
        this.#timer = undefined;
        this.#dueAt = Number.POSITIVE_INFINITY;
        const startedAt = clock.now();
        void this.pollOnce().finally(() => {
          const next = Math.max(0, this.#interval() - (clock.now() - startedAt));
          // A cycle requested meanwhile may already be due sooner.
          if (this.#options.clock.now() + next < this.#dueAt) this.#schedule(next);
        });
      },
      { unref: true },
    );
  }

  #interval(): number {
    const { intervalMs, intervalWithPushMs, pushConnected } = this.#options;
    return intervalWithPushMs !== undefined && !this.#owed && pushConnected?.()
      ? Math.max(intervalMs, intervalWithPushMs)
      : intervalMs;
  }

  async #cycle(): Promise<PollCycleResult> {
    const { source, filter, book, clock, logger, pageSize, maxPages } = this.#options;
    const startedAt = clock.now();
    const ordinal = ++this.#cyclesStarted;
    const stops = this.#stops;
    const own = this.#options.ownCommunicationsId();
    // Each page goes into the book as it arrives: no array of every open RFQ is built (10,000
    // open RFQs would be 100 pages of objects kept alive across 100 reads, every cycle).
    const listing = book.beginListing(startedAt);
    let filtered = 0;
    let cursor: string | undefined;
    let pages = 0;
    const seenCursors = new Set<string>();
    try {
      do {
        const page = await source.rfqsPage({ ...filter.server, status: 'open', limit: pageSize }, cursor);
        pages++;
        for (const rfq of page.items) {
          if (this.#droppedAsOwn(rfq, own)) continue;
          if (filter.reject(rfq) !== undefined) {
            filtered++;
            continue;
          }
          listing.add(rfq);
        }
        cursor = page.cursor || undefined;
        if (cursor !== undefined) {
          if (seenCursors.has(cursor)) {
            return this.#partial(listing, pages, startedAt, 'the exchange repeated a cursor');
          }
          seenCursors.add(cursor);
        }
        if (cursor !== undefined && pages >= maxPages) {
          return this.#partial(listing, pages, startedAt, `stopped after poller.maxPages=${maxPages} pages`);
        }
        if (this.#stops !== stops && cursor !== undefined) {
          return this.#partial(listing, pages, startedAt, 'poller stopped mid-cycle');
        }
      } while (cursor !== undefined);
    } catch (error) {
      listing.finish(false);
      logger.warn({ err: error, pages }, 'RFQ poll cycle failed');
      return this.#report({ kind: 'failed', durationMs: clock.now() - startedAt, error });
    }
    const result = listing.finish(true);
    this.#lastCompletedAt = clock.now();
    this.#lastCompletedCycle = ordinal;
    if (this.#requested === undefined) this.#owed = false;
    return this.#report({
      kind: 'completed',
      pages,
      durationMs: this.#lastCompletedAt - startedAt,
      filtered,
      ...result,
    });
  }

  /**
   * Whether `rfq` is one of ours (skipped); if so it leaves the book. The push cannot tell
   * (Kalshi sends `rfq_created` with an empty creator_id), so an own RFQ it brought into the book
   * leaves it here, at the first listing that names its creator, however recently it was pushed.
   */
  #droppedAsOwn(rfq: Rfq, own: string | undefined): boolean {
    if (own === undefined || rfq.creatorId !== own) return false;
    if (this.#options.book.has(rfq.id)) this.#options.book.remove(rfq.id);
    return true;
  }

  #partial(listing: RfqListing, pages: number, startedAt: EpochMs, reason: string): PollCycleResult {
    listing.finish(false);
    this.#options.logger.warn({ pages, reason }, 'RFQ poll cycle incomplete; no RFQ treated as gone');
    return this.#report({
      kind: 'partial',
      pages,
      durationMs: this.#options.clock.now() - startedAt,
      reason,
    });
  }

  #report(result: PollCycleResult): PollCycleResult {
    this.#options.onCycle?.(result);
    return result;
  }
}
