/**
 * Fills into the app: the record of positions, realised P&L and fees. At startup today's P&L and
 * each market's cost basis are rebuilt from fills — the journal's, plus the exchange's since the
 * last journaled one (those are journaled now) — and checked against the exchange's positions;
 * while running, the websocket's `fill` channel feeds the intake and its losses ask the listing.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { EpochMs, Fill } from '../domain/types.js';
import type { Journal } from '../journal/journal.js';
import { JournalReader } from '../journal/queries.js';
import type { CommunicationsStream, FillFilter, ListOptions } from '../kalshi/index.js';
import { toBookFill } from '../quotes/fill-intake.js';
import type { BookFill, ExposureBook } from '../risk/exposure.js';
import { restoreFromFills } from '../risk/fill-replay.js';
import { fillRecord } from './journal-wiring.js';

/** How far before the last journaled fill the exchange's fills are listed (a crash loses the journal's tail). */
export const RESTORE_SLACK_MS = 10 * 60_000;
/** Without a journaled fill: a day back covers the whole of today in any time zone. */
export const RESTORE_LOOKBACK_MS = 24 * 3_600_000;

export interface FillRestoreOptions {
  readonly source: { fills(filter?: FillFilter, opts?: ListOptions): AsyncIterable<Fill> };
  readonly exposure: ExposureBook;
  readonly journal: Journal | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface FillRestoreResult {
  /** The newest fill replayed (where the periodic listing resumes), or when the listing began. */
  readonly newest: EpochMs;
  readonly missed: number;
}

/** Startup, after the exchange's positions are loaded: see the module comment. */
export async function restoreDayFromFills(options: FillRestoreOptions): Promise<FillRestoreResult> {
  const { source, exposure, journal, clock, logger } = options;
  const now = clock.now();
  const reader = journal ? new JournalReader(journal.db) : undefined;
  const journaled: BookFill[] = (reader?.fills(0, now + 1) ?? []).map((fill) => ({
    tradeId: fill.tradeId,
    orderId: fill.orderId,
    marketTicker: fill.marketTicker,
    side: fill.side,
    contracts: fill.contracts,
    price: fill.price,
    fee: fill.fee,
    tradedAt: fill.tradedAt,
  }));
  const known = new Set(journaled.map((fill) => fill.tradeId));
  const lastFillAt = reader?.lastFillAt();
  const since = lastFillAt !== undefined ? lastFillAt - RESTORE_SLACK_MS : now - RESTORE_LOOKBACK_MS;
  const missed: Fill[] = [];
  for await (const fill of source.fills({ minTs: since, limit: 1000 }, { priority: 'read' })) {
    if (known.has(fill.tradeId)) continue;
    known.add(fill.tradeId);
    missed.push(fill);
    journal?.record(fillRecord(fill, now));
  }
  const fills = [...journaled, ...missed.map(toBookFill)];
  const saved = reader?.lastPnl(exposure.dayOf(now), now - 2 * 86_400_000);
  const report = restoreFromFills(exposure, fills, saved);
  for (const d of report.unexplained) {
    // A market the exchange holds that the fills do not reach is worth a look; one the fills hold
    // and the exchange does not has most likely settled.
    logger[d.theirs !== 0 ? 'warn' : 'debug'](
      { marketTicker: d.marketTicker, replayed: d.ours, exchange: d.theirs },
      "position not reached by the fills replayed: the exchange's is kept",
    );
  }
  logger.info(
    {
      journaled: journaled.length,
      missed: missed.length,
      fillsToday: report.fillsToday,
      realized: report.realized,
      fees: report.fees,
      unexplained: report.unexplained.length,
    },
    "today's P&L rebuilt from fills",
  );
  const newest = fills.reduce((max, fill) => Math.max(max, fill.tradedAt), since);
  return { newest, missed: missed.length };
}

/**
 * The `fill` channel into the intake; whatever it may have lost (while unsubscribed, a sequence
 * gap, an unreadable fill) the listing brings.
 */
export function wireFillPush(
  stream: Pick<CommunicationsStream, 'on'>,
  to: { readonly take: (fill: Fill) => void; readonly sync: (reason: string) => void },
): void {
  stream.on('fill', (event) => to.take(event.fill));
  stream.on('fillsConnected', () => to.sync('fill channel subscribed'));
  stream.on('gap', (gap) => {
    if (gap.channel === 'fill') to.sync('fill channel gap');
  });
  stream.on('malformed', (error) => {
    if (error.frameType === 'fill') to.sync('unreadable fill push');
  });
}
