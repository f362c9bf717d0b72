/**
 * The report's arithmetic, fed one event at a time: the SQL report (`npm run report`) feeds it
 * the journal's rows, the backtest feeds it the events of a replay as they happen. One place
 * computes RFQs seen and quoted, fills, realised P&L (`applyTrade` netting, the exchange's rule),
 * fees, mark-outs, skips and refusals. Memory is bounded: the per-RFQ de-duplication remembers
 * the most recent ids only.
 */
import { CENTIS_PER_CONTRACT, type Centis, type Micros, mulDiv, ONE_DOLLAR } from '../domain/money.js';
import { RecentMap, RecentSet } from '../domain/recent.js';
import type { EpochMs, Side } from '../domain/types.js';
import type { JournalEvent } from '../journal/events.js';
import { applyTrade, FLAT, type NetPosition } from '../risk/position.js';
import { dayKey, hourKey } from '../risk/zoned-time.js';

export type GroupBy = 'market' | 'event' | 'series' | 'strategy' | 'day' | 'hour';
export const GROUP_BYS: readonly GroupBy[] = ['market', 'event', 'series', 'strategy', 'day', 'hour'];
export const MARKOUT_HORIZONS_MS: readonly number[] = [10_000, 60_000, 300_000];

export interface Markout {
  readonly horizonMs: number;
  /** Fills with a mid seen at the horizon. */
  readonly fills: number;
  /** Σ (mid after − price paid) × contracts, from our side's point of view. */
  readonly total: Micros;
}

export interface ReportRow {
  readonly key: string;
  readonly rfqsSeen: number;
  readonly quoted: number;
  readonly accepted: number;
  readonly confirmed: number;
  readonly filledQuotes: number;
  /** Fills (trades) of ours: one per trade id. */
  readonly fills: number;
  readonly filledContracts: Centis;
  /** Quotes with a fill ÷ RFQs quoted, 0–1 (a float: a ratio, not money). */
  readonly fillRate: number;
  readonly realized: Micros;
  readonly fees: Micros;
  /** Open position valued at the last mid (or settlement) minus its cost. */
  readonly unrealized: Micros;
  /** Contracts held at the end, YES and NO alike (a sum of sizes: YES and NO of different markets do not net). */
  readonly openContracts: Centis;
  /** Of `openContracts`, those held as YES and as NO. */
  readonly openYes: Centis;
  readonly openNo: Centis;
  readonly markouts: readonly Markout[];
  readonly skips: Readonly<Record<string, number>>;
  readonly refusals: Readonly<Record<string, number>>;
  readonly confirmLatencyMs: { readonly p50: number | null; readonly p99: number | null; readonly n: number };
}

export interface PnlPoint {
  readonly at: EpochMs;
  /** Cumulative realised P&L net of fees since the period began. */
  readonly realized: Micros;
}

/** A fill as the report needs it (a journaled fill, or one a backtest made). */
export interface ReportFill {
  readonly marketTicker: string;
  readonly side: Side;
  readonly contracts: Centis;
  readonly price: Micros;
  readonly fee: Micros;
  readonly tradedAt: EpochMs;
  readonly rfqId?: string | undefined;
  readonly quoteId?: string | undefined;
  readonly strategy?: string | undefined;
}

/** The rows a fill was credited to: where its mark-outs go once the mids are known. */
export type MarkoutTarget = readonly Accumulator[];

/** How many RFQ ids each row remembers to count an RFQ once. */
const IDS_REMEMBERED = 20_000;

interface Accumulator {
  readonly rfqs: RecentSet<string>;
  rfqsSeen: number;
  readonly quotedSet: RecentSet<string>;
  quoted: number;
  accepted: number;
  confirmed: number;
  readonly filledSet: RecentSet<string>;
  filledQuotes: number;
  fills: number;
  filledContracts: Centis;
  realized: Micros;
  fees: Micros;
  unrealized: Micros;
  openYes: Centis;
  openNo: Centis;
  readonly markouts: { fills: number; total: Micros }[];
  readonly skips: Map<string, number>;
  readonly refusals: Map<string, number>;
  /** Confirm latencies as value → count: exact percentiles in memory bounded by distinct values. */
  readonly latencies: Map<number, number>;
}

function accumulator(): Accumulator {
  return {
    rfqs: new RecentSet(IDS_REMEMBERED),
    rfqsSeen: 0,
    quotedSet: new RecentSet(IDS_REMEMBERED),
    quoted: 0,
    accepted: 0,
    confirmed: 0,
    filledSet: new RecentSet(IDS_REMEMBERED),
    filledQuotes: 0,
    fills: 0,
    filledContracts: 0,
    realized: 0,
    fees: 0,
    unrealized: 0,
    openYes: 0,
    openNo: 0,
    markouts: MARKOUT_HORIZONS_MS.map(() => ({ fills: 0, total: 0 })),
    skips: new Map(),
    refusals: new Map(),
    latencies: new Map(),
  };
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** The series of a market or event ticker: what precedes the first dash. */
export function seriesOf(ticker: string): string {
  const dash = ticker.indexOf('-');
  return dash < 0 ? ticker : ticker.slice(0, dash);
}

/** The nearest-rank percentile of counted values (`[value, count]` in ascending value order). */
function percentile(counts: readonly (readonly [number, number])[], n: number, p: number): number | null {
  if (n === 0) return null;
  const rank = Math.min(n - 1, Math.ceil((p / 100) * n) - 1);
  let seen = 0;
  for (const [value, count] of counts) {
    seen += count;
    if (seen > rank) return value;
  }
  return null;
}

/** What a contract of `side` bought at `price` gained when the YES mid moved to `mid`. */
export function markoutPerContract(side: Side, price: Micros, mid: Micros): Micros {
  return side === 'yes' ? mid - price : ONE_DOLLAR - mid - price;
}

/** A fill's mark-out at one horizon: (mid after − price) × contracts, rounded down. */
export function markoutValue(fill: Pick<ReportFill, 'side' | 'price' | 'contracts'>, mid: Micros): Micros {
  return mulDiv(markoutPerContract(fill.side, fill.price, mid), fill.contracts, CENTIS_PER_CONTRACT, 'floor');
}

export class ReportAccumulator {
  readonly #by: GroupBy | undefined;
  readonly #groups = new Map<string, Accumulator>();
  readonly #total = accumulator();
  readonly #eventOf = new Map<string, string>();
  readonly #strategyOfRfq = new RecentMap<string, string>(IDS_REMEMBERED);
  readonly #positions = new Map<string, NetPosition>();
  readonly #pnlOverTime: PnlPoint[] | undefined;
  readonly #timeZone: string;
  #cumulative: Micros = 0;

  constructor(
    options: {
      readonly by?: GroupBy | undefined;
      readonly keepPnlPoints?: boolean;
      /** Where days and hours of `by: day|hour` start. @default 'UTC' */
      readonly timeZone?: string;
    } = {},
  ) {
    this.#by = options.by;
    this.#timeZone = options.timeZone ?? 'UTC';
    this.#pnlOverTime = options.keepPnlPoints === false ? undefined : [];
  }

  #key(at: EpochMs, market: string | undefined, strategy: string | undefined): string {
    switch (this.#by) {
      case undefined:
        return 'total';
      case 'market':
        return market ?? '(none)';
      case 'event':
        return (market && this.#eventOf.get(market)) ?? market ?? '(none)';
      case 'series':
        return seriesOf((market && this.#eventOf.get(market)) ?? market ?? '(none)');
      case 'strategy':
        return strategy ?? '(none)';
      case 'day':
        return dayKey(at, this.#timeZone);
      case 'hour':
        return hourKey(at, this.#timeZone);
    }
  }

  #touch(at: EpochMs, market: string | undefined, strategy: string | undefined): MarkoutTarget {
    const key = this.#key(at, market, strategy);
    let group = this.#groups.get(key);
    if (!group) {
      group = accumulator();
      this.#groups.set(key, group);
    }
    return [group, this.#total];
  }

  /** The strategy that priced an RFQ (from its decision), for fills that do not name one. */
  strategyOf(rfqId: string): string | undefined {
    return this.#strategyOfRfq.get(rfqId);
  }

  /** Every journal event but fills (they go through `fill`). */
  event(event: JournalEvent): void {
    switch (event.kind) {
      case 'rfq_seen':
        if (event.eventTicker) this.#eventOf.set(event.marketTicker, event.eventTicker);
        for (const g of this.#touch(event.at, event.marketTicker, undefined))
          if (g.rfqs.add(event.rfqId)) g.rfqsSeen++;
        break;
      case 'decision':
        if (event.strategy) this.#strategyOfRfq.set(event.rfqId, event.strategy);
        if (event.outcome === 'skip')
          for (const g of this.#touch(event.at, event.marketTicker, event.strategy))
            bump(g.skips, event.cause ?? 'skip');
        break;
      case 'refusal':
        for (const g of this.#touch(event.at, event.marketTicker, event.strategy))
          bump(g.refusals, event.limit);
        break;
      case 'quote':
        if (event.to === 'open')
          for (const g of this.#touch(event.at, event.marketTicker, event.strategy))
            if (g.quotedSet.add(event.rfqId)) g.quoted++;
        if (event.to === 'accepted')
          for (const g of this.#touch(event.at, event.marketTicker, event.strategy)) g.accepted++;
        if (event.to === 'confirmed')
          for (const g of this.#touch(event.at, event.marketTicker, event.strategy)) g.confirmed++;
        break;
      case 'confirm':
        if (event.ok)
          for (const g of this.#touch(event.at, event.marketTicker, event.strategy))
            g.latencies.set(event.latencyMs, (g.latencies.get(event.latencyMs) ?? 0) + 1);
        break;
      default:
        break;
    }
  }

  /**
   * A fill, in trade order. Fills before the period (`counted` false) only build positions, so
   * P&L realised in the period nets against positions opened before it. Returns the rows its
   * mark-outs go to (empty when not counted).
   */
  fill(fill: ReportFill, counted = true): MarkoutTarget {
    const position = this.#positions.get(fill.marketTicker) ?? FLAT;
    const outcome = applyTrade(position, fill.side, fill.contracts, fill.price);
    this.#positions.set(fill.marketTicker, outcome.position);
    if (!counted) return [];
    const strategy = fill.strategy ?? (fill.rfqId ? this.#strategyOfRfq.get(fill.rfqId) : undefined);
    const target = this.#touch(fill.tradedAt, fill.marketTicker, strategy);
    for (const g of target) {
      g.realized += outcome.realized;
      g.fees += fill.fee;
      g.fills++;
      g.filledContracts += fill.contracts;
      if (fill.quoteId && g.filledSet.add(fill.quoteId)) g.filledQuotes++;
    }
    this.#cumulative += outcome.realized - fill.fee;
    this.#pnlOverTime?.push({ at: fill.tradedAt, realized: this.#cumulative });
    return target;
  }

  /** Credits a fill's mark-out at horizon `index` (of MARKOUT_HORIZONS_MS). */
  markout(target: MarkoutTarget, index: number, value: Micros): void {
    for (const g of target) {
      g.markouts[index]!.fills++;
      g.markouts[index]!.total += value;
    }
  }

  /** Cumulative realised P&L net of fees so far. */
  get realizedNet(): Micros {
    return this.#cumulative;
  }

  positions(): ReadonlyMap<string, NetPosition> {
    return this.#positions;
  }

  /** Values an open position (at its settlement or last mid, by the caller) in the rows of `now`. */
  open(market: string, position: NetPosition, unrealized: Micros, now: EpochMs): void {
    for (const g of this.#touch(now, market, undefined)) {
      g.unrealized += unrealized;
      if (position.contracts > 0) g.openYes += position.contracts;
      else g.openNo -= position.contracts;
    }
  }

  rows(): { readonly rows: readonly ReportRow[]; readonly total: ReportRow } {
    const rows = [...this.#groups]
      .filter(([key]) => this.#by !== undefined || key !== 'total')
      .map(([key, a]) => finish(key, a))
      .sort((x, y) => x.key.localeCompare(y.key));
    return { rows, total: finish('total', this.#total) };
  }

  get pnlOverTime(): readonly PnlPoint[] {
    return this.#pnlOverTime ?? [];
  }
}

function finish(key: string, a: Accumulator): ReportRow {
  const counts = [...a.latencies].sort((x, y) => x[0] - y[0]);
  let n = 0;
  for (const [, count] of counts) n += count;
  return {
    key,
    rfqsSeen: a.rfqsSeen,
    quoted: a.quoted,
    accepted: a.accepted,
    confirmed: a.confirmed,
    filledQuotes: a.filledQuotes,
    fills: a.fills,
    filledContracts: a.filledContracts,
    fillRate: a.quoted === 0 ? 0 : a.filledQuotes / a.quoted,
    realized: a.realized,
    fees: a.fees,
    unrealized: a.unrealized,
    openContracts: a.openYes + a.openNo,
    openYes: a.openYes,
    openNo: a.openNo,
    markouts: MARKOUT_HORIZONS_MS.map((horizonMs, i) => ({ horizonMs, ...a.markouts[i]! })),
    skips: Object.fromEntries([...a.skips].sort()),
    refusals: Object.fromEntries([...a.refusals].sort()),
    confirmLatencyMs: { p50: percentile(counts, n, 50), p99: percentile(counts, n, 99), n },
  };
}
