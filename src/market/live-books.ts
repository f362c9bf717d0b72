/**
 * Order books kept current by the exchange's `orderbook_delta` websocket channel, for the
 * markets pricing asked for lately: a snapshot, then each change applied in order. A book is
 * served only while it is known to be whole; anything that may have lost a change (a gap, a
 * reconnect, a change that does not fit the book) withdraws it until its next snapshot, and
 * the reader falls back to a REST read meanwhile.
 */
import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import type { Centis, Micros } from '../domain/money.js';
import { RecentMap } from '../domain/recent.js';
import type { BookLevel, EpochMs, OrderBook, Side } from '../domain/types.js';

/** What streams the books: the communications stream with its `books` option. */
export interface BookFeed {
  watchBooks(tickers: readonly string[]): void;
  unwatchBooks(tickers: readonly string[]): void;
  /** Fresh snapshots of these books. */
  resyncBooks(tickers: readonly string[]): void;
}

export interface LiveBooksOptions {
  readonly clock: Clock;
  /** A market not asked for this long is no longer streamed. */
  readonly windowMs: number;
  /** Most markets streamed at once; past it the longest unasked is let go. */
  readonly maxMarkets: number;
  /**
   * Every this long each live book is snapshotted again and compared with the book its changes
   * built: the exchange's snapshot is the truth, and a difference is counted as drift. 0: never.
   */
  readonly resyncMs?: number;
  readonly logger?: Logger;
}

interface LiveBook {
  readonly levels: Record<Side, Map<Micros, Centis>>;
  /** The book as served, built on the first read after a change. */
  view: OrderBook | undefined;
}

export interface LiveBooksStats {
  /** Markets streamed (asked for within the window). */
  readonly watched: number;
  /** Of those, books whole and served. */
  readonly live: number;
  /** Changes that did not fit their book (a resynchronisation each). */
  readonly inconsistencies: number;
  /** Snapshots that differed from the live book they replaced: changes lost without a trace. */
  readonly drifts: number;
  /** Snapshots received for watched markets (first ones, repairs and scheduled checks). */
  readonly snapshots: number;
}

export class LiveBooks {
  readonly #options: LiveBooksOptions;
  /**
   * Watched markets by last ask; past `maxMarkets` the longest unasked is let go (and
   * unwatched), as are those not asked for within the window.
   */
  readonly #asked: RecentMap<string, EpochMs>;
  readonly #books = new Map<string, LiveBook>();
  #feed: BookFeed | undefined;
  #timer: Timer | undefined;
  #resyncTimer: Timer | undefined;
  #inconsistencies = 0;
  #drifts = 0;
  #snapshots = 0;

  constructor(options: LiveBooksOptions) {
    this.#options = options;
    this.#asked = new RecentMap(options.maxMarkets, (ticker) => {
      this.#books.delete(ticker);
      this.#feed?.unwatchBooks([ticker]);
    });
  }

  get stats(): LiveBooksStats {
    return {
      watched: this.#asked.size,
      live: this.#books.size,
      inconsistencies: this.#inconsistencies,
      drifts: this.#drifts,
      snapshots: this.#snapshots,
    };
  }

  /** The stream to watch through (it may connect later; it is told what is already asked). */
  attach(feed: BookFeed): void {
    this.#feed = feed;
    if (this.#asked.size > 0) feed.watchBooks([...this.#asked.keys()]);
  }

  start(): void {
    if (this.#timer) return;
    const every = Math.max(1, Math.floor(this.#options.windowMs / 2));
    this.#timer = repeatEvery(this.#options.clock, every, () => this.#letGoUnasked(), { unref: true });
    const resyncMs = this.#options.resyncMs ?? 0;
    if (resyncMs > 0) {
      this.#resyncTimer = repeatEvery(
        this.#options.clock,
        resyncMs,
        () => {
          if (this.#books.size > 0) this.#feed?.resyncBooks([...this.#books.keys()]);
        },
        { unref: true },
      );
    }
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#resyncTimer?.cancel();
    this.#resyncTimer = undefined;
  }

  /**
   * The market's book when the stream holds it whole, else undefined (read it over REST). Asking
   * starts streaming it.
   */
  read(ticker: string): OrderBook | undefined {
    const known = this.#asked.has(ticker);
    this.#asked.set(ticker, this.#options.clock.now());
    if (!known) {
      this.#feed?.watchBooks([ticker]);
      return undefined;
    }
    const book = this.#books.get(ticker);
    if (!book) return undefined;
    book.view ??= viewOf(ticker, book);
    return book.view;
  }

  snapshot(ticker: string, yes: readonly BookLevel[], no: readonly BookLevel[]): void {
    if (!this.#asked.has(ticker)) return;
    this.#snapshots++;
    const levels = { yes: levelMap(yes), no: levelMap(no) };
    const held = this.#books.get(ticker);
    const same =
      held !== undefined && sameLevels(held.levels.yes, levels.yes) && sameLevels(held.levels.no, levels.no);
    // Unchanged: the book served stays the same object (nothing new to journal).
    if (same) return;
    // In the stream's order a snapshot shows what every change before it built: a live book that
    // differs lost a change without a sequence gap.
    if (held) {
      this.#drifts++;
      this.#options.logger?.[this.#drifts === 1 ? 'warn' : 'debug'](
        { ticker, drifts: this.#drifts },
        'streamed order book differed from the exchange snapshot; replaced',
      );
    }
    this.#books.set(ticker, { levels, view: undefined });
  }

  delta(ticker: string, side: Side, price: Micros, delta: Centis): void {
    const book = this.#books.get(ticker);
    if (!book) return;
    const levels = book.levels[side];
    const count = (levels.get(price) ?? 0) + delta;
    if (count < 0 || !Number.isSafeInteger(count)) {
      // A change to a level we do not hold: something was missed. Withdraw and re-read.
      this.#inconsistencies++;
      this.#books.delete(ticker);
      this.#options.logger?.warn(
        { ticker, side, price, delta },
        'order book change does not fit; resynchronising',
      );
      this.#feed?.resyncBooks([ticker]);
      return;
    }
    if (count === 0) levels.delete(price);
    else levels.set(price, count);
    book.view = undefined;
  }

  /** These books may have missed changes: not served until their next snapshot. */
  lost(tickers: readonly string[] | 'all'): void {
    if (tickers === 'all') this.#books.clear();
    else for (const ticker of tickers) this.#books.delete(ticker);
  }

  #letGoUnasked(): void {
    const before = this.#options.clock.now() - this.#options.windowMs;
    this.#asked.forgetWhile((at) => at <= before);
  }
}

function levelMap(levels: readonly BookLevel[]): Map<Micros, Centis> {
  const map = new Map<Micros, Centis>();
  for (const level of levels) if (level.count > 0) map.set(level.price, level.count);
  return map;
}

function sameLevels(a: Map<Micros, Centis>, b: Map<Micros, Centis>): boolean {
  if (a.size !== b.size) return false;
  for (const [price, count] of a) if (b.get(price) !== count) return false;
  return true;
}

function sideView(levels: Map<Micros, Centis>): readonly BookLevel[] {
  const out: BookLevel[] = [];
  for (const [price, count] of levels) out.push(Object.freeze({ price, count }));
  out.sort((a, b) => a.price - b.price);
  return Object.freeze(out);
}

function viewOf(ticker: string, book: LiveBook): OrderBook {
  return Object.freeze({ ticker, yes: sideView(book.levels.yes), no: sideView(book.levels.no) });
}
