/**
 * The P&L report: what the journal says happened in a period, grouped by market, event, series,
 * strategy, day or hour. Pure over the journal's rows; money stays in integer micros and sizes in
 * centis until the printer formats them.
 */
import type { EpochMs } from '../domain/types.js';
import type { JournalReader } from '../journal/queries.js';
import { markedValue, settlementPnl } from '../risk/position.js';
import {
  type GroupBy,
  MARKOUT_HORIZONS_MS,
  markoutValue,
  type PnlPoint,
  ReportAccumulator,
  type ReportRow,
} from './accumulator.js';

export {
  GROUP_BYS,
  type GroupBy,
  MARKOUT_HORIZONS_MS,
  type Markout,
  type PnlPoint,
  type ReportRow,
  seriesOf,
} from './accumulator.js';

export interface ReportOptions {
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly by?: GroupBy | undefined;
  /** Where "now" is for marking open positions (the report's own clock). */
  readonly now: EpochMs;
  /** The zone `--by day|hour` reads days and hours in (`risk.dayStartTimezone`). @default 'UTC' */
  readonly timeZone?: string;
}

export interface Report {
  readonly from: EpochMs;
  readonly to: EpochMs;
  readonly by: GroupBy | 'total';
  readonly timeZone: string;
  readonly rows: readonly ReportRow[];
  readonly total: ReportRow;
  readonly pnlOverTime: readonly PnlPoint[];
}

export function buildReport(reader: JournalReader, options: ReportOptions): Report {
  const { from, to, by, now, timeZone = 'UTC' } = options;
  const acc = new ReportAccumulator({ by, timeZone });
  for (const event of reader.events(from, to)) acc.event(event);

  // Fills since the journal began build each market's position, so realised P&L in the period
  // nets against positions opened before it; only what is realised inside [from, to) counts.
  for (const fill of reader.fills(0, to)) {
    const target = acc.fill(fill, fill.tradedAt >= from);
    MARKOUT_HORIZONS_MS.forEach((horizon, i) => {
      if (target.length === 0) return;
      const mark = reader.markAtOrAfter(
        fill.marketTicker,
        fill.tradedAt + horizon,
        fill.tradedAt + horizon * 2,
      );
      if (mark) acc.markout(target, i, markoutValue(fill, mark.mid));
    });
  }

  for (const [market, position] of acc.positions()) {
    if (position.contracts === 0) continue;
    const settlement = reader.settlement(market);
    const mark = reader.lastMark(market, now);
    const unrealized =
      settlement !== undefined
        ? settlementPnl(position, settlement)
        : mark !== undefined
          ? markedValue(position, mark) - position.cost
          : 0;
    acc.open(market, position, unrealized, now);
  }
  const { rows, total } = acc.rows();
  return { from, to, by: by ?? 'total', timeZone, rows, total, pnlOverTime: acc.pnlOverTime };
}
