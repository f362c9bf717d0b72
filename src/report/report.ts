/**
 * The P&L report: what the journal says happened in a period, grouped by market, event, series,
 * strategy, day or hour. Pure over the journal's rows; money stays in integer micros and sizes in
 * centis until the printer formats them.
 */
import { CENTIS_PER_CONTRACT, type Centis, type Micros, mulDiv, ONE_DOLLAR } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';
import type { JournalReader } from '../journal/queries.js';
import { applyTrade, FLAT, markedValue, type NetPosition, settlementPnl } from '../risk/position.js';

export type GroupBy = 'market' | 'event' | 'series' | 'strategy' | 'day' | 'hour';
export const GROUP_BYS: readonly GroupBy[] = ['market', 'event', 'series', 'strategy', 'day', 'hour'];
export const MARKOUT_HORIZONS_MS: readonly number[] = [10_000, 60_000, 300_000];

export interface ReportOptions {
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly by?: GroupBy | undefined;
  /** Where "now" is for marking open positions (the report's own clock). */
  readonly now: EpochMs;
}

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
  readonly filledContracts: Centis;
  /** Quotes with a fill ÷ RFQs quoted, 0–1 (a float: a ratio, not money). */
  readonly fillRate: number;
  readonly realized: Micros;
  readonly fees: Micros;
  /** Open position valued at the last mid (or settlement) minus its cost. */
  readonly unrealized: Micros;
  readonly openContracts: Centis;
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

export interface Report {
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly by: GroupBy | 'total';
  readonly rows: readonly ReportRow[];
  readonly total: ReportRow;
  readonly pnlOverTime: readonly PnlPoint[];
}

interface Accumulator {
  rfqs: Set<string>;
  quoted: Set<string>;
  accepted: number;
  confirmed: number;
  filledQuotes: Set<string>;
  filledContracts: Centis;
  realized: Micros;
  fees: Micros;
  unrealized: Micros;
  openContracts: Centis;
  markouts: { fills: number; total: Micros }[];
  skips: Map<string, number>;
  refusals: Map<string, number>;
  latencies: number[];
}

function accumulator(): Accumulator {
  return {
    rfqs: new Set(),
    quoted: new Set(),
    accepted: 0,
    confirmed: 0,
    filledQuotes: new Set(),
    filledContracts: 0,
    realized: 0,
    fees: 0,
    unrealized: 0,
    openContracts: 0,
    markouts: MARKOUT_HORIZONS_MS.map(() => ({ fills: 0, total: 0 })),
    skips: new Map(),
    refusals: new Map(),
    latencies: [],
  };
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** The series of a market or event ticker: what precedes the first dash. */
export function seriesOf(ticker: string): string {
  const dash = ticker.indexOf('-');
  return dash < 0 ? ticker : ticker.slice(0, dash);
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** What a contract of `side` bought at `price` gained when the YES mid moved to `mid`. */
function markoutPerContract(side: Side, price: Micros, mid: Micros): Micros {
  return side === 'yes' ? mid - price : ONE_DOLLAR - mid - price;
}

export function buildReport(reader: JournalReader, options: ReportOptions): Report {
  const { from, to, by, now } = options;
  const groups = new Map<string, Accumulator>();
  const total = accumulator();
  const eventOf = new Map<string, string>();
  const strategyOfRfq = new Map<string, string>();
  const keyFor = (at: EpochMs, market: string | undefined, strategy: string | undefined): string => {
    switch (by) {
      case undefined:
        return 'total';
      case 'market':
        return market ?? '(none)';
      case 'event':
        return (market && eventOf.get(market)) ?? market ?? '(none)';
      case 'series':
        return seriesOf((market && eventOf.get(market)) ?? market ?? '(none)');
      case 'strategy':
        return strategy ?? '(none)';
      case 'day':
        return new Date(at).toISOString().slice(0, 10);
      case 'hour':
        return `${new Date(at).toISOString().slice(0, 13)}:00`;
    }
  };
  const touch = (at: EpochMs, market: string | undefined, strategy: string | undefined) => {
    const key = keyFor(at, market, strategy);
    let group = groups.get(key);
    if (!group) {
      group = accumulator();
      groups.set(key, group);
    }
    return [group, total] as const;
  };

  for (const event of reader.events(from, to)) {
    switch (event.kind) {
      case 'rfq_seen':
        if (event.eventTicker) eventOf.set(event.marketTicker, event.eventTicker);
        for (const g of touch(event.at, event.marketTicker, undefined)) g.rfqs.add(event.rfqId);
        break;
      case 'decision':
        if (event.strategy) strategyOfRfq.set(event.rfqId, event.strategy);
        if (event.outcome === 'skip')
          for (const g of touch(event.at, event.marketTicker, event.strategy))
            bump(g.skips, event.cause ?? 'skip');
        break;
      case 'refusal':
        for (const g of touch(event.at, event.marketTicker, event.strategy)) bump(g.refusals, event.limit);
        break;
      case 'quote':
        if (event.to === 'open')
          for (const g of touch(event.at, event.marketTicker, event.strategy)) g.quoted.add(event.rfqId);
        if (event.to === 'accepted')
          for (const g of touch(event.at, event.marketTicker, event.strategy)) g.accepted++;
        if (event.to === 'confirmed')
          for (const g of touch(event.at, event.marketTicker, event.strategy)) g.confirmed++;
        break;
      case 'confirm':
        if (event.ok)
          for (const g of touch(event.at, event.marketTicker, event.strategy))
            g.latencies.push(event.latencyMs);
        break;
      default:
        break;
    }
  }

  // Fills since the journal began build each market's position, so realised P&L in the period
  // nets against positions opened before it; only what is realised inside [from, to) counts.
  const positions = new Map<string, NetPosition>();
  const pnlOverTime: PnlPoint[] = [];
  let cumulative = 0;
  for (const fill of reader.fills(0, to)) {
    const position = positions.get(fill.marketTicker) ?? FLAT;
    const outcome = applyTrade(position, fill.side, fill.contracts, fill.price);
    positions.set(fill.marketTicker, outcome.position);
    if (fill.tradedAt < from) continue;
    const strategy = fill.strategy ?? (fill.rfqId ? strategyOfRfq.get(fill.rfqId) : undefined);
    for (const g of touch(fill.tradedAt, fill.marketTicker, strategy)) {
      g.realized += outcome.realized;
      g.fees += fill.fee;
      g.filledContracts += fill.contracts;
      if (fill.quoteId) g.filledQuotes.add(fill.quoteId);
      MARKOUT_HORIZONS_MS.forEach((horizon, i) => {
        const mark = reader.markAtOrAfter(
          fill.marketTicker,
          fill.tradedAt + horizon,
          fill.tradedAt + horizon * 2,
        );
        if (!mark) return;
        g.markouts[i]!.fills++;
        g.markouts[i]!.total += mulDiv(
          markoutPerContract(fill.side, fill.price, mark.mid),
          fill.contracts,
          CENTIS_PER_CONTRACT,
          'floor',
        );
      });
    }
    cumulative += outcome.realized - fill.fee;
    pnlOverTime.push({ at: fill.tradedAt, realized: cumulative });
  }

  for (const [market, position] of positions) {
    if (position.contracts === 0) continue;
    const settlement = reader.settlement(market);
    const mark = reader.lastMark(market, now);
    const unrealized =
      settlement !== undefined
        ? settlementPnl(position, settlement)
        : mark !== undefined
          ? markedValue(position, mark) - position.cost
          : 0;
    for (const g of touch(now, market, undefined)) {
      g.unrealized += unrealized;
      g.openContracts += position.contracts;
    }
  }

  const finish = (key: string, a: Accumulator): ReportRow => {
    const sorted = [...a.latencies].sort((x, y) => x - y);
    return {
      key,
      rfqsSeen: a.rfqs.size,
      quoted: a.quoted.size,
      accepted: a.accepted,
      confirmed: a.confirmed,
      filledQuotes: a.filledQuotes.size,
      filledContracts: a.filledContracts,
      fillRate: a.quoted.size === 0 ? 0 : a.filledQuotes.size / a.quoted.size,
      realized: a.realized,
      fees: a.fees,
      unrealized: a.unrealized,
      openContracts: a.openContracts,
      markouts: MARKOUT_HORIZONS_MS.map((horizonMs, i) => ({ horizonMs, ...a.markouts[i]! })),
      skips: Object.fromEntries([...a.skips].sort()),
      refusals: Object.fromEntries([...a.refusals].sort()),
      confirmLatencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length },
    };
  };
  const rows = [...groups]
    .filter(([key]) => by !== undefined || key !== 'total')
    .map(([key, a]) => finish(key, a))
    .sort((x, y) => x.key.localeCompare(y.key));
  return { from, to, by: by ?? 'total', rows, total: finish('total', total), pnlOverTime };
}
