import type { Logger } from 'pino';
import type { Clock, Timer } from '../domain/clock.js';
import type { EpochMs, Quote } from '../domain/types.js';
import type { Priority } from '../kalshi/gate.js';

/** The listing the watcher needs: our own quotes, updated within a window (epoch ms bounds). */
export interface OwnQuotesSource {
  quotes(
    filter: {
      userFilter: 'self';
      status?: string;
      minTs?: number;
      maxTs?: number;
      limit?: number;
    },
    options?: { priority?: Priority },
  ): AsyncIterable<Quote>;
}

export interface OwnQuoteWatcherOptions {
  readonly source: OwnQuotesSource;
  readonly logger: Logger;
  readonly clock: Clock;
  /** How often to look for accepts while anything of ours is live. @default 250 */
  readonly intervalMs: number;
  /** Overlap between windows, for clock skew and the exchange's second granularity. @default 2000 */
  readonly slackMs?: number;
  /** How far back the periodic full listing of our open quotes looks. @default 7 days */
  readonly lookbackMs?: number;
  /** Every so often list all our open quotes to find strays the window could miss. @default 15000 */
  readonly fullSweepIntervalMs?: number;
  /**
   * The least time between two periodic looks right now, e.g. while the read budget is slowed
   * after 429s: at 'confirm' priority the looks would otherwise take all of it and starve the
   * pricing reads. Looks asked for by `checkNow` (a pushed accept) are never delayed. @default 0
   */
  readonly minGapMs?: () => number;
  /** Whether anything of ours can change now (no quotes live: no need to spend reads). */
  readonly hasActivity: () => boolean;
  /** Called for every quote of ours the exchange reports as changed recently. */
  readonly onQuote: (quote: Quote, seenAt: EpochMs) => void | Promise<void>;
  /** Called with the complete list of our open quotes at the exchange, listed from `listedAt` on. */
  readonly onOpenQuotes: (quotes: readonly Quote[], listedAt: EpochMs) => void | Promise<void>;
  readonly onError?: (error: unknown) => void;
}

/**
 * Watches our own quotes at the exchange: a cheap, frequent listing of what changed since the
 * last look (accepts, confirms, executions, cancellations) and an occasional full listing of
 * our open quotes (strays from lost responses or an earlier run). Cycles never overlap, and
 * the window only moves forward after a listing succeeded, so no change is missed.
 */
export class OwnQuoteWatcher {
  readonly #options: OwnQuoteWatcherOptions;
  readonly #slackMs: number;
  readonly #lookbackMs: number;
  readonly #fullSweepIntervalMs: number;
  #timer: Timer | undefined;
  #stopped = true;
  #running: Promise<void> | undefined;
  #again = false;
  #windowStart: EpochMs | undefined;
  #lastFullSweep: EpochMs = 0;

  constructor(options: OwnQuoteWatcherOptions) {
    this.#options = options;
    this.#slackMs = options.slackMs ?? 2_000;
    this.#lookbackMs = options.lookbackMs ?? 7 * 24 * 3_600_000;
    this.#fullSweepIntervalMs = options.fullSweepIntervalMs ?? 15_000;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#windowStart = this.#options.clock.now();
    this.#lastFullSweep = this.#options.clock.now();
    this.#schedule(this.#options.intervalMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /**
   * One incremental look now (after a confirm, on a pushed accept). A call during a look makes
   * that look run once more when it ends, so a change that landed meanwhile is not left to the
   * next tick.
   */
  async checkNow(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#incremental();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Lists every open quote of ours at the exchange (startup, shutdown and periodic strays). */
  async listOpen(): Promise<Quote[]> {
    const now = this.#options.clock.now();
    const open: Quote[] = [];
    for await (const quote of this.#options.source.quotes({
      userFilter: 'self',
      status: 'open',
      minTs: now - this.#lookbackMs,
      maxTs: now + 300_000,
      limit: 500,
    })) {
      open.push(quote);
    }
    return open;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#options.clock.schedule(delayMs, () => void this.#tick(), { unref: true });
  }

  async #tick(): Promise<void> {
    const startedAt = this.#options.clock.now();
    try {
      if (this.#options.hasActivity()) await this.checkNow();
      else this.#windowStart = startedAt;
      if (startedAt - this.#lastFullSweep >= this.#fullSweepIntervalMs) {
        this.#lastFullSweep = startedAt;
        const listedAt = this.#options.clock.now();
        await this.#options.onOpenQuotes(await this.listOpen(), listedAt);
      }
    } catch (error) {
      this.#options.onError?.(error);
      this.#options.logger.warn({ err: error }, 'own-quote watch failed; retrying next tick');
    } finally {
      const elapsed = this.#options.clock.now() - startedAt;
      const gap = Math.max(this.#options.intervalMs, this.#options.minGapMs?.() ?? 0);
      this.#schedule(Math.max(0, gap - elapsed));
    }
  }

  async #incremental(): Promise<void> {
    const startedAt = this.#options.clock.now();
    const from = (this.#windowStart ?? startedAt) - this.#slackMs;
    // Accepts are found here and the confirm window is short: this read goes before polls.
    for await (const quote of this.#options.source.quotes(
      { userFilter: 'self', minTs: from, maxTs: startedAt + 300_000, limit: 500 },
      { priority: 'confirm' },
    )) {
      await this.#options.onQuote(quote, this.#options.clock.now());
    }
    this.#windowStart = startedAt;
  }
}
