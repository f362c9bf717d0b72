import type { Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import { markedValue, type NetPosition } from './position.js';
import type { DailyPnl } from './snapshot.js';
import { dayKey } from './zoned-time.js';

/** A day as journaled: realised P&L net of fees, fees (absent in older journals) and the peak. */
export interface SavedDay {
  readonly day: string;
  readonly realized: Micros;
  readonly fees?: Micros;
  readonly peak: Micros;
}

/** What the tracker needs to know about a market. */
export interface MarkedMarket {
  readonly marketTicker: string;
  readonly position: NetPosition;
  readonly fairValue: Micros | undefined;
}

/**
 * Daily P&L = realised today + Σ over markets (marked P&L now − marked P&L when the day or our
 * observation of the market began). A position loaded from the exchange takes its baseline at
 * its first mark, so losses from before startup are not booked as today's.
 */
export class DailyPnlTracker {
  private day = '';
  private realizedToday: Micros = 0;
  private feesToday: Micros = 0;
  private peak: Micros = 0;
  private readonly baselines = new Map<string, Micros>();
  /** Today's marked moves of markets no longer tracked (flat and quiet, so constant from then on). */
  private forgottenUnrealized: Micros = 0;

  constructor(private readonly timeZone: string) {}

  dayOf(at: EpochMs): string {
    return dayKey(at, this.timeZone);
  }

  /** Starts a new day when `now` is past the boundary; true when a day ended. */
  roll(now: EpochMs, markets: Iterable<MarkedMarket>): boolean {
    const today = dayKey(now, this.timeZone);
    if (today === this.day) return false;
    const first = this.day === '';
    this.day = today;
    if (first) return false;
    this.realizedToday = 0;
    this.feesToday = 0;
    this.peak = 0;
    this.forgottenUnrealized = 0;
    for (const market of markets) {
      if (market.fairValue !== undefined) this.baselines.set(market.marketTicker, this.unrealizedOf(market));
      else if (market.position.contracts === 0) this.baselines.set(market.marketTicker, 0);
      else this.baselines.delete(market.marketTicker);
    }
    return true;
  }

  /**
   * Carries a restarted process's day on: today's realised P&L (net of fees), fees and peak.
   * Ignored when `day` is not today (a new day starts from zero anyway).
   */
  restore(now: EpochMs, saved: SavedDay): boolean {
    const today = dayKey(now, this.timeZone);
    if (saved.day !== today) return false;
    this.day = today;
    this.realizedToday = saved.realized;
    this.feesToday = saved.fees ?? 0;
    this.peak = Math.max(0, saved.peak);
    return true;
  }

  /** Whether `at` falls in the current day (a fill traded yesterday does not count today). */
  isToday(at: EpochMs): boolean {
    return this.day === '' || dayKey(at, this.timeZone) === this.day;
  }

  /** Realised P&L, net of any fee already subtracted by the caller. */
  realize(amount: Micros): void {
    this.realizedToday += amount;
  }

  /** A fee paid today: counted as fees and taken off realised P&L. */
  payFee(fee: Micros): void {
    this.feesToday += fee;
    this.realizedToday -= fee;
  }

  /** Marked value minus cost; 0 (marked at cost) while no fair value is known. */
  unrealizedOf(market: MarkedMarket): Micros {
    if (market.fairValue === undefined) return 0;
    return markedValue(market.position, market.fairValue) - market.position.cost;
  }

  /** A market we start tracking with no position: everything it does counts today. */
  startBaseline(market: MarkedMarket): void {
    this.baselines.set(market.marketTicker, this.unrealizedOf(market));
  }

  /** A market that was flat when the day began: its whole marked P&L is today's. */
  startFromFlat(marketTicker: string): void {
    this.baselines.set(marketTicker, 0);
  }

  forgetBaseline(marketTicker: string): void {
    this.baselines.delete(marketTicker);
  }

  /**
   * The market is no longer tracked (flat, no live quote): what it moved today stays in the total.
   * Flat, it is worth its cost of 0 whatever its mark, so that part never changes again.
   */
  forgetMarket(market: MarkedMarket): void {
    const baseline = this.baselines.get(market.marketTicker);
    if (baseline !== undefined) this.forgottenUnrealized += this.unrealizedOf(market) - baseline;
    this.baselines.delete(market.marketTicker);
  }

  /** A market was marked: the first mark of a loaded position becomes its baseline. */
  observe(market: MarkedMarket): void {
    if (!this.baselines.has(market.marketTicker) && market.fairValue !== undefined) {
      this.baselines.set(market.marketTicker, this.unrealizedOf(market));
    }
  }

  current(markets: Iterable<MarkedMarket>): DailyPnl {
    let unrealized = this.forgottenUnrealized;
    for (const market of markets) {
      const baseline = this.baselines.get(market.marketTicker);
      if (baseline !== undefined) unrealized += this.unrealizedOf(market) - baseline;
    }
    const total = this.realizedToday + unrealized;
    this.peak = Math.max(this.peak, total);
    return Object.freeze({
      day: this.day,
      realized: this.realizedToday,
      fees: this.feesToday,
      unrealized,
      total,
      peak: this.peak,
    });
  }
}
