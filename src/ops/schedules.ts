import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { type Clock, repeatEvery, sleepOn, type Timer } from '../domain/clock.js';
import {
  type Centis,
  formatContracts,
  formatDollarsMinimal,
  formatUsd,
  type Micros,
  ONE_DOLLAR,
} from '../domain/money.js';
import type { EpochMs, MarketPosition } from '../domain/types.js';
import type { MarketDataCache } from '../market/market-cache.js';
import type { QuoteStore } from '../quotes/quote-store.js';
import type { RfqBook } from '../rfq/rfq-book.js';
import type { ExposureBook } from '../risk/exposure.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import type { RiskLimits } from '../risk/limits.js';
import type { Metrics } from './metrics.js';

export interface ScheduleDeps {
  readonly exposure: ExposureBook;
  readonly killSwitch: KillSwitch;
  readonly data: MarketDataCache;
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly limits: () => RiskLimits;
  /** The exchange's positions, for reconciliation. */
  readonly positions: () => Promise<readonly MarketPosition[]>;
  /** Books the fills the exchange lists and we lack (before positions are compared). */
  readonly syncFills?: () => Promise<void>;
  /** Every fill before `through` is booked: a fill sync begun then left our positions as the exchange's. */
  readonly fillsCaughtUp?: (through: EpochMs) => void;
}

export interface ScheduleSettings {
  readonly reconcileCron: string;
  /**
   * A difference is adopted only if it is still there this long later, after the fills are
   * synced again: a fill on its way is not a mismatch. @default 1000
   */
  readonly reconcileRecheckMs?: number;
  readonly markIntervalMs: number;
  readonly summaryIntervalMs: number;
}

export interface SummaryCounters {
  rfqsSeen: number;
  quoted: number;
  accepted: number;
  confirmed: number;
  executed: number;
}

/**
 * Our mark for P&L: the middle of the top of book, an empty side standing for its bound
 * (no bid: $0, no ask: $1); the last trade price only when the book is empty.
 */
export async function markPrice(data: MarketDataCache, ticker: string): Promise<Micros | undefined> {
  const market = await data.market(ticker);
  const hasBid = market.yesBid > 0;
  const hasAsk = market.yesAsk > 0 && market.yesAsk < ONE_DOLLAR;
  if (!hasBid && !hasAsk) return market.lastPrice > 0 ? market.lastPrice : undefined;
  const bid = hasBid ? market.yesBid : 0;
  const ask = hasAsk ? market.yesAsk : ONE_DOLLAR;
  return ask >= bid ? Math.round((bid + ask) / 2) : market.lastPrice;
}

/** Markets where our filled position and the exchange's differ (nothing adopted). */
function differingMarkets(exposure: ExposureBook, theirs: readonly MarketPosition[]): Set<string> {
  const ours = exposure.snapshot().positions;
  const found = new Set<string>();
  const listed = new Set<string>();
  for (const position of theirs) {
    listed.add(position.ticker);
    if ((ours.get(position.ticker)?.contracts ?? 0) !== position.position) found.add(position.ticker);
  }
  for (const [ticker, position] of ours)
    if (!listed.has(ticker) && position.contracts !== 0) found.add(ticker);
  return found;
}

/**
 * The bot's periodic chores: reconcile positions with the exchange (node-cron), mark positions
 * to market and check the loss limits, publish gauges, and print a one-line summary.
 */
export class Schedules {
  readonly #tasks: ScheduledTask[] = [];
  readonly #timers: Timer[] = [];
  readonly counters: SummaryCounters = { rfqsSeen: 0, quoted: 0, accepted: 0, confirmed: 0, executed: 0 };
  #reconciling = false;

  constructor(
    private readonly deps: ScheduleDeps,
    private readonly settings: ScheduleSettings,
  ) {}

  start(): void {
    const { logger } = this.deps;
    this.#tasks.push(
      cron.schedule(this.settings.reconcileCron, () => void this.reconcile(), {
        name: 'reconcile-positions',
        noOverlap: true,
      }),
    );
    // Exposure and P&L gauges exist from the first scrape, not only after the first mark.
    this.#publish();
    this.#every(this.settings.markIntervalMs, () => this.mark());
    if (this.settings.summaryIntervalMs > 0)
      this.#every(this.settings.summaryIntervalMs, () => this.summary());
    logger.debug({ reconcileCron: this.settings.reconcileCron }, 'schedules started');
  }

  stop(): void {
    for (const task of this.#tasks.splice(0)) void task.stop();
    for (const timer of this.#timers.splice(0)) timer.cancel();
  }

  /**
   * Compares our positions with the exchange's, the fills synced first; a difference still there
   * on a second look (fills synced again) is logged loudly, counted and the exchange's adopted.
   */
  async reconcile(): Promise<number> {
    if (this.#reconciling) return 0;
    this.#reconciling = true;
    const { exposure, metrics, logger } = this.deps;
    try {
      const syncedFrom = this.deps.clock.now();
      await this.deps.syncFills?.();
      const differing = differingMarkets(exposure, await this.deps.positions());
      if (differing.size === 0) {
        this.deps.fillsCaughtUp?.(syncedFrom);
        return 0;
      }
      await sleepOn(this.deps.clock, this.settings.reconcileRecheckMs ?? 1_000);
      await this.deps.syncFills?.();
      const positions = await this.deps.positions();
      const still = differingMarkets(exposure, positions);
      const discrepancies = exposure.reconcile(
        positions,
        new Set([...differing].filter((ticker) => still.has(ticker))),
      );
      for (const d of discrepancies) {
        metrics.reconcileDiscrepancies.inc({ kind: 'position' });
        logger.error(
          {
            marketTicker: d.marketTicker,
            ours: d.ours,
            theirs: d.theirs,
            oursCost: d.oursCost,
            theirsCost: d.theirsCost,
          },
          'POSITION MISMATCH with the exchange: adopting the exchange position',
        );
      }
      return discrepancies.length;
    } catch (error) {
      logger.warn({ err: error }, 'position reconciliation failed; will retry on schedule');
      return 0;
    } finally {
      this.#reconciling = false;
    }
  }

  /** Marks positions to market, publishes exposure and P&L, and lets the kill switch check the loss. */
  async mark(): Promise<void> {
    const { exposure, data, killSwitch } = this.deps;
    const snapshot = exposure.snapshot();
    const marks = new Map<string, Micros>();
    await Promise.all(
      [...snapshot.positions.keys()].map(async (ticker) => {
        const price = await markPrice(data, ticker).catch(() => undefined);
        if (price !== undefined) marks.set(ticker, price);
      }),
    );
    exposure.markToMarket(marks);
    const after = this.#publish();
    killSwitch.checkPnl(after.pnl.total, after.pnl.peak);
  }

  /** Sets the exposure, P&L and count gauges from the book as it stands. */
  #publish(): ReturnType<ExposureBook['snapshot']> {
    const { exposure, metrics, store, book } = this.deps;
    const snapshot = exposure.snapshot();
    metrics.setPnl('realised', snapshot.pnl.realized);
    metrics.setPnl('marked', snapshot.pnl.total);
    metrics.setPnl('fees', snapshot.pnl.fees);
    metrics.setExposure(exposure.riskView(this.deps.limits()).totalExposure);
    metrics.openQuotes.set(store.countLive());
    metrics.rfqsOpen.set(book.size);
    return snapshot;
  }

  summary(): void {
    const { exposure, store, logger } = this.deps;
    const snapshot = exposure.snapshot();
    const c = this.counters;
    const fillRate = c.quoted === 0 ? 0 : Math.round((c.executed / c.quoted) * 1000) / 10;
    let net: Centis = 0;
    for (const position of snapshot.positions.values()) net += Math.abs(position.contracts);
    logger.info(
      {
        rfqsSeen: c.rfqsSeen,
        quoted: c.quoted,
        accepted: c.accepted,
        confirmed: c.confirmed,
        executed: c.executed,
        fillRatePct: fillRate,
        liveQuotes: store.countLive(),
        markets: snapshot.positions.size,
        pnl: formatDollarsMinimal(snapshot.pnl.total),
      },
      `summary: ${c.rfqsSeen} RFQs seen, ${c.quoted} quoted, ${c.executed} executed (${fillRate}% fill), ` +
        `${store.countLive()} live, position ${formatContracts(net)} contracts over ${snapshot.positions.size} markets, ` +
        `P&L ${formatUsd(snapshot.pnl.total)} (marked)`,
    );
  }

  #every(ms: number, run: () => unknown): void {
    let busy = false;
    const timer = repeatEvery(
      this.deps.clock,
      ms,
      () => {
        if (busy) return;
        busy = true;
        Promise.resolve()
          .then(run)
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'scheduled task failed'))
          .finally(() => {
            busy = false;
          });
      },
      { unref: true },
    );
    this.#timers.push(timer);
  }
}
