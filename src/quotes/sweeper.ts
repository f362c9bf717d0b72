import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import type { Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import type { QuotingDeps, Route } from './context.js';
import type { TrackedQuote } from './quote-store.js';

export type StaleReason = 'ttl' | 'rfq closed' | 'fair value moved' | 'route window closed' | 'must pull';

export interface SweeperOptions {
  readonly deps: QuotingDeps;
  readonly intervalMs: number;
  readonly routeOf: (quote: TrackedQuote) => Route | undefined;
  /** Pulls a stale quote and, when the reason allows, requotes its RFQ. */
  readonly onStale: (quote: TrackedQuote, reason: StaleReason, detail: string) => void;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Least time between two fair-value checks of one market and route: each may read the order
   * book, and reading every market's book every sweep would spend the read budget. @default 5000
   */
  readonly fairValueCheckMs?: number;
  /** Skip fair-value checks while the read bucket holds fewer tokens (polls and accepts come first). */
  readonly readBudget?: () => number;
  /** Read afresh each sweep: a reload may change it. */
  readonly minReadTokens?: () => number;
  /**
   * Why every open quote must go now (kill switch, window closed, cluster), or undefined. A quote
   * still open then is one whose pull failed: each sweep tries again.
   */
  readonly mustPull?: () => string | undefined;
  /** Executed quotes whose remainder rests on the book (`rest_remainder`). */
  readonly remainders?: () => Iterable<TrackedQuote>;
  /** A remainder whose quote's TTL ended: cancel it through the orders API. */
  readonly onRemainderDue?: (quote: TrackedQuote) => void;
}

interface FairValueCheck {
  readonly at: EpochMs;
  readonly sweep: number;
  readonly pending: Promise<Micros | undefined>;
}

/**
 * Finds our open quotes that should not stay live: any while quoting must stop (a pull that
 * failed), older than their TTL, on an RFQ that closed, outside their route's trading windows,
 * or priced on a fair value that has since moved beyond the tolerance; and remainders resting on
 * the book past their quote's TTL. Runs on an interval (sub-second allowed); sweeps never overlap.
 */
export class Sweeper {
  readonly #options: SweeperOptions;
  #timer: Timer | undefined;
  #running: Promise<void> | undefined;
  /**
   * Each route's (by label) last fair-value check of each market: when, in which sweep, and its
   * answer (shared by the market's other quotes in that sweep). One lookup per quote and sweep.
   */
  readonly #fairValueChecks = new Map<string, Map<string, FairValueCheck>>();
  #sweeps = 0;

  constructor(options: SweeperOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    const { clock, intervalMs } = this.#options;
    this.#timer = repeatEvery(
      clock,
      intervalMs,
      () => {
        if (!this.#running) {
          this.#running = this.sweep()
            .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'sweep failed'))
            .finally(() => {
              this.#running = undefined;
            });
        }
      },
      { unref: true },
    );
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#running;
  }

  /** One sweep over every open quote. */
  async sweep(): Promise<void> {
    const { deps, clock, routeOf, onStale } = this.#options;
    const { book, runner } = deps;
    const now = clock.now();
    const sweep = ++this.#sweeps;
    const { fairValueTolerance: tolerance, closedRfqDeleteAfterMs: closedGraceMs = 0 } = deps.settings();
    const checkEvery = this.#options.fairValueCheckMs ?? 5_000;
    const readsShort =
      (this.#options.readBudget?.() ?? Number.POSITIVE_INFINITY) < (this.#options.minReadTokens?.() ?? 0);
    const mustPull = this.#options.mustPull?.();
    for (const quote of deps.store.liveNow()) {
      if (quote.state !== 'open' || quote.openedAt === undefined) continue;
      const route = routeOf(quote);
      if (mustPull !== undefined) {
        onStale(quote, 'must pull', mustPull);
      } else if (!book.has(quote.rfq.id)) {
        // Still time for the exchange to report it cancelled with its RFQ (closedRfqDeleteAfterMs).
        if (quote.rfqClosedAt !== undefined && now - quote.rfqClosedAt < closedGraceMs) continue;
        onStale(quote, 'rfq closed', 'the RFQ is no longer open');
      } else if (now - quote.openedAt >= quote.ttlMs) {
        onStale(quote, 'ttl', `live for ${now - quote.openedAt} ms (ttl ${quote.ttlMs} ms)`);
      } else if (route?.windows && !route.windows.isActive(now)) {
        onStale(quote, 'route window closed', `outside the trading windows of ${route.label}`);
      } else if (quote.fairValue !== undefined && route && !readsShort) {
        // One fair-value call per market and route per sweep, and at most one per checkEvery.
        const ticker = quote.rfq.marketTicker;
        let ofRoute = this.#fairValueChecks.get(route.label);
        if (ofRoute === undefined) {
          ofRoute = new Map();
          this.#fairValueChecks.set(route.label, ofRoute);
        }
        let check = ofRoute.get(ticker);
        if (check?.sweep !== sweep) {
          if (now - (check?.at ?? 0) < checkEvery) continue;
          check = {
            at: now,
            sweep,
            pending: runner.fairValue(quote.rfq, route).catch(() => undefined),
          };
          ofRoute.set(ticker, check);
        }
        const current = await check.pending;
        if (
          current !== undefined &&
          quote.state === 'open' &&
          Math.abs(current - quote.fairValue) > tolerance
        ) {
          onStale(
            quote,
            'fair value moved',
            `fair value ${quote.fairValue} -> ${current} micros (tolerance ${tolerance})`,
          );
        }
      }
    }
    for (const quote of [...(this.#options.remainders?.() ?? [])]) {
      if (quote.openedAt !== undefined && now - quote.openedAt >= quote.ttlMs)
        this.#options.onRemainderDue?.(quote);
    }
    deps.store.prune();
    let checks = 0;
    for (const ofRoute of this.#fairValueChecks.values()) checks += ofRoute.size;
    if (checks > 10_000) this.#fairValueChecks.clear();
  }
}
