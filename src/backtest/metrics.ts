/**
 * A run's numbers, computed as the replay goes: the report's accumulator (RFQs, quotes, fills,
 * realised P&L by `applyTrade` netting, fees, skips, refusals), mark-outs resolved by the mids the
 * recording shows later (the report's rule: the first mid in [t + h, t + 2h]), marked P&L and
 * its drawdown sampled over time, and a bounded P&L-over-time series for the chart.
 */
import type { Micros } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';
import type { JournalEvent } from '../journal/events.js';
import {
  MARKOUT_HORIZONS_MS,
  type MarkoutTarget,
  markoutValue,
  ReportAccumulator,
  type ReportFill,
  type ReportRow,
} from '../report/accumulator.js';
import { markedValue, type NetPosition, settlementPnl } from '../risk/position.js';

export interface EquityPoint {
  readonly at: EpochMs;
  /** Realised P&L net of fees so far. */
  readonly realized: Micros;
  /** Realised plus open positions at their last mid. */
  readonly marked: Micros;
}

interface PendingMarkout {
  readonly due: EpochMs;
  readonly until: EpochMs;
  readonly fill: ReportFill;
  readonly target: MarkoutTarget;
}

/** Keeps at most `max` points, evenly thinned as they come: a chart's worth, whatever the length. */
export class SeriesSampler {
  #points: EquityPoint[] = [];
  #stride = 1;
  #seen = 0;
  #last: EquityPoint | undefined;

  constructor(private readonly max = 1_000) {}

  add(point: EquityPoint): void {
    this.#last = point;
    if (this.#seen++ % this.#stride !== 0) return;
    this.#points.push(point);
    if (this.#points.length >= this.max) {
      this.#points = this.#points.filter((_, i) => i % 2 === 0);
      this.#stride *= 2;
    }
  }

  /** The kept points and the latest one. */
  points(): EquityPoint[] {
    const last = this.#last;
    if (last === undefined) return [];
    return this.#points[this.#points.length - 1] === last ? [...this.#points] : [...this.#points, last];
  }
}

export interface RunNumbers {
  readonly total: ReportRow;
  readonly byStrategy: readonly ReportRow[];
  readonly markedPnl: Micros;
  readonly maxDrawdown: Micros;
  readonly series: readonly EquityPoint[];
}

export class RunMetrics {
  readonly acc = new ReportAccumulator({ by: 'strategy', keepPnlPoints: false });
  readonly #pending = new Map<string, PendingMarkout[][]>();
  readonly #sampler = new SeriesSampler();
  #peak: Micros = 0;
  #maxDrawdown: Micros = 0;
  /** Markets with a position, not yet settled: what a sample values (not every market traded). */
  readonly #open = new Set<string>();
  readonly #settled = new Set<string>();
  /** What settlements paid on the positions they closed (part of the marked P&L from then on). */
  #settledPnl: Micros = 0;
  /** Each open market's marked value less cost at its mid, as last sampled, and their sum. */
  readonly #openValues = new Map<string, Micros>();
  #openSum: Micros = 0;
  /** Markets whose position or mid changed since: a sample values only these again. */
  readonly #stale = new Set<string>();

  event(event: JournalEvent): void {
    this.acc.event(event);
  }

  fill(fill: ReportFill): void {
    const target = this.acc.fill(fill);
    const position = this.acc.positions().get(fill.marketTicker);
    if (position !== undefined && position.contracts !== 0 && !this.#settled.has(fill.marketTicker))
      this.#open.add(fill.marketTicker);
    else this.#open.delete(fill.marketTicker);
    this.#stale.add(fill.marketTicker);
    let queues = this.#pending.get(fill.marketTicker);
    if (!queues) {
      queues = MARKOUT_HORIZONS_MS.map(() => []);
      this.#pending.set(fill.marketTicker, queues);
    }
    MARKOUT_HORIZONS_MS.forEach((horizon, i) => {
      queues[i]!.push({ due: fill.tradedAt + horizon, until: fill.tradedAt + 2 * horizon, fill, target });
    });
  }

  /** A mid the recording shows: mark-outs waiting for it resolve (or expire past their window). */
  mark(ticker: string, at: EpochMs, mid: Micros): void {
    const queues = this.#pending.get(ticker);
    if (!queues) return;
    let empty = true;
    queues.forEach((queue, i) => {
      let taken = 0;
      for (const pending of queue) {
        if (pending.due > at) break;
        taken++;
        if (at <= pending.until) this.acc.markout(pending.target, i, markoutValue(pending.fill, mid));
      }
      if (taken > 0) queue.splice(0, taken);
      if (queue.length > 0) empty = false;
    });
    if (empty) this.#pending.delete(ticker);
  }

  /**
   * Drops the mark-outs whose window closed with no mid (a market that settled or went quiet
   * shows none again): a later mid could not resolve them anyway, and they would be kept forever.
   */
  expire(now: EpochMs): void {
    for (const [ticker, queues] of this.#pending) {
      let empty = true;
      for (const queue of queues) {
        let gone = 0;
        while (gone < queue.length && queue[gone]!.until < now) gone++;
        if (gone > 0) queue.splice(0, gone);
        if (queue.length > 0) empty = false;
      }
      if (empty) this.#pending.delete(ticker);
    }
  }

  /** The market settled: its position is worth its payout from now on. */
  settle(ticker: string, result: Side): void {
    const position = this.acc.positions().get(ticker);
    if (position === undefined || position.contracts === 0 || this.#settled.has(ticker)) return;
    this.#settled.add(ticker);
    this.#open.delete(ticker);
    this.#stale.add(ticker);
    this.#settledPnl += settlementPnl(position, result);
  }

  /** The market's mid may have moved (`sample`'s `midOf` answers differently for it from now on). */
  midChanged(ticker: string): void {
    if (this.#openValues.has(ticker) || this.#open.has(ticker)) this.#stale.add(ticker);
  }

  /**
   * Samples marked P&L (open positions at `midOf`) for the drawdown and the chart. Only markets
   * whose position or mid changed (`midChanged`) since the last sample are valued again: a sample
   * per fill over every open market cost more than the fill.
   */
  sample(at: EpochMs, midOf: (ticker: string) => Micros | undefined): void {
    const realized = this.acc.realizedNet;
    if (this.#stale.size > 0) {
      const positions = this.acc.positions();
      for (const ticker of this.#stale) {
        const before = this.#openValues.get(ticker) ?? 0;
        if (this.#open.has(ticker)) {
          const position = positions.get(ticker)!;
          const mid = midOf(ticker);
          const value = mid === undefined ? 0 : markedValue(position, mid) - position.cost;
          this.#openValues.set(ticker, value);
          this.#openSum += value - before;
        } else {
          this.#openValues.delete(ticker);
          this.#openSum -= before;
        }
      }
      this.#stale.clear();
    }
    const marked = realized + this.#settledPnl + this.#openSum;
    if (marked > this.#peak) this.#peak = marked;
    if (this.#peak - marked > this.#maxDrawdown) this.#maxDrawdown = this.#peak - marked;
    this.#sampler.add({ at, realized, marked });
  }

  /** Values what is still open (settlement, else the last mid) and returns the numbers. */
  finish(
    now: EpochMs,
    closingValue: (ticker: string) => { settled?: Side | undefined; mid?: Micros | undefined },
  ): RunNumbers {
    let unrealizedTotal = 0;
    for (const [ticker, position] of this.acc.positions()) {
      if (position.contracts === 0) continue;
      const unrealized = openValue(position, closingValue(ticker));
      unrealizedTotal += unrealized;
      this.acc.open(ticker, position, unrealized, now);
    }
    const { rows, total } = this.acc.rows();
    return {
      total,
      byStrategy: rows,
      markedPnl: this.acc.realizedNet + unrealizedTotal,
      maxDrawdown: this.#maxDrawdown,
      series: this.#sampler.points(),
    };
  }
}

function openValue(position: NetPosition, value: { settled?: Side | undefined; mid?: Micros | undefined }) {
  if (value.settled !== undefined) return settlementPnl(position, value.settled);
  if (value.mid !== undefined) return markedValue(position, value.mid) - position.cost;
  return 0;
}
