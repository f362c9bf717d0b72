import type { Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import type { BookFill } from './book-types.js';
import type { ExposureBook } from './exposure.js';
import { applyTrade, FLAT, type NetPosition } from './position.js';
import type { PositionDiscrepancy } from './reconcile.js';

export interface FillReplay {
  /** Each market's position after the fills, from flat, by the exchange's netting rule. */
  readonly positions: ReadonlyMap<string, NetPosition>;
  /** Realised by netting (fees not included) on fills of the day `isToday` accepts. */
  readonly realizedToday: Micros;
  readonly feesToday: Micros;
  readonly fillsToday: number;
  /** Markets traded today whose position was flat when the day began. */
  readonly flatAtDayStart: ReadonlySet<string>;
}

/** Replays fills (oldest first) from flat: the rule the book, the report and the monitor share. */
export function replayFills(fills: readonly BookFill[], isToday: (at: EpochMs) => boolean): FillReplay {
  const positions = new Map<string, NetPosition>();
  let realizedToday = 0;
  let feesToday = 0;
  let fillsToday = 0;
  const tradedToday = new Set<string>();
  const flatAtDayStart = new Set<string>();
  for (const fill of fills) {
    const before = positions.get(fill.marketTicker) ?? FLAT;
    if (isToday(fill.tradedAt) && !tradedToday.has(fill.marketTicker)) {
      tradedToday.add(fill.marketTicker);
      if (before.contracts === 0) flatAtDayStart.add(fill.marketTicker);
    }
    const outcome = applyTrade(before, fill.side, fill.contracts, fill.price);
    positions.set(fill.marketTicker, outcome.position);
    if (!isToday(fill.tradedAt)) continue;
    realizedToday += outcome.realized;
    feesToday += fill.fee;
    fillsToday++;
  }
  return { positions, realizedToday, feesToday, fillsToday, flatAtDayStart };
}

export interface RestoreReport {
  readonly fills: number;
  readonly fillsToday: number;
  /** Today's realised P&L net of fees, and the fees. */
  readonly realized: Micros;
  readonly fees: Micros;
  /**
   * Markets whose replayed position differs from the exchange's (a position older than the fills
   * replayed, or a fill missing): the exchange's numbers stay.
   */
  readonly unexplained: readonly PositionDiscrepancy[];
}

/**
 * Startup, after `loadPositions`: rebuilds today's realised P&L and fees and each market's cost
 * basis from fills (the journal's and the exchange's since), every trade marked as booked so a
 * later push or listing of it counts once. Where the replay reaches the exchange's position its
 * cost basis is kept (so later netting realises what the exchange realises); elsewhere the
 * exchange's position stays and the market is reported.
 */
export function restoreFromFills(
  book: ExposureBook,
  fills: readonly BookFill[],
  saved: { readonly peak: Micros } | undefined,
): RestoreReport {
  const sorted = [...fills].sort((a, b) => a.tradedAt - b.tradedAt || (a.tradeId < b.tradeId ? -1 : 1));
  const day = book.dayOf(book.now());
  const replay = replayFills(sorted, (at) => book.dayOf(at) === day);
  const unexplained: PositionDiscrepancy[] = [];
  const tickers = new Set([...replay.positions.keys(), ...book.snapshot().positions.keys()]);
  for (const ticker of tickers) {
    const found = book.restorePosition(ticker, replay.positions.get(ticker) ?? FLAT);
    if (found) unexplained.push(found);
    else if (replay.flatAtDayStart.has(ticker)) book.countFromFlat(ticker);
  }
  for (const fill of sorted) book.noteBooked(fill);
  const realized = replay.realizedToday - replay.feesToday;
  book.restoreDay({ day, realized, fees: replay.feesToday, peak: Math.max(saved?.peak ?? 0, realized) });
  return {
    fills: sorted.length,
    fillsToday: replay.fillsToday,
    realized,
    fees: replay.feesToday,
    unexplained,
  };
}
