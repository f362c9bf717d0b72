/**
 * Reads of the journal for restore, reports and exports. Every query takes epoch-ms bounds and
 * returns integers (micros, centis), as the rest of the bot.
 */
import type { Centis, Micros } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';
import type { JournalDatabase } from './database.js';
import type { JournalEvent, JournalEventKind, KillSwitchChange, PnlSnapshot } from './events.js';

export interface JournaledFill {
  readonly tradeId: string;
  readonly orderId: string;
  readonly marketTicker: string;
  readonly side: Side;
  readonly contracts: Centis;
  readonly price: Micros;
  readonly fee: Micros;
  readonly isTaker: boolean;
  readonly tradedAt: EpochMs;
  readonly rfqId?: string;
  readonly quoteId?: string;
  readonly strategy?: string;
}

interface FillRow {
  trade_id: string;
  order_id: string;
  market: string;
  side: Side;
  contracts: number;
  price: number;
  fee: number;
  is_taker: number;
  traded_at: number;
  rfq_id: string | null;
  quote_id: string | null;
  strategy: string | null;
}

function fillFromRow(row: FillRow): JournaledFill {
  return {
    tradeId: row.trade_id,
    orderId: row.order_id,
    marketTicker: row.market,
    side: row.side,
    contracts: row.contracts,
    price: row.price,
    fee: row.fee,
    isTaker: row.is_taker === 1,
    tradedAt: row.traded_at,
    ...(row.rfq_id !== null ? { rfqId: row.rfq_id } : {}),
    ...(row.quote_id !== null ? { quoteId: row.quote_id } : {}),
    ...(row.strategy !== null ? { strategy: row.strategy } : {}),
  };
}

export class JournalReader {
  constructor(readonly db: JournalDatabase) {}

  /** Fills traded in [from, to), oldest first. */
  fills(from: EpochMs, to: EpochMs): JournaledFill[] {
    const rows = this.db
      .prepare('SELECT * FROM fills WHERE traded_at >= ? AND traded_at < ? ORDER BY traded_at, trade_id')
      .all(from, to) as FillRow[];
    return rows.map(fillFromRow);
  }

  /** The newest `limit` fills traded in [from, to), newest first (the dashboard's table). */
  latestFills(from: EpochMs, to: EpochMs, limit: number): JournaledFill[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM fills WHERE traded_at >= ? AND traded_at < ? ORDER BY traded_at DESC, trade_id DESC LIMIT ?',
      )
      .all(from, to, limit) as FillRow[];
    return rows.map(fillFromRow);
  }

  /** How many fills traded in [from, to), and their contracts summed. */
  fillTotals(from: EpochMs, to: EpochMs): { count: number; contracts: Centis } {
    const row = this.db
      .prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(contracts), 0) AS c FROM fills WHERE traded_at >= ? AND traded_at < ?',
      )
      .get(from, to) as { n: number; c: number };
    return { count: row.n, contracts: row.c };
  }

  /** When the newest journaled fill traded: where a restart resumes reading the exchange's fills. */
  lastFillAt(): EpochMs | undefined {
    const row = this.db.prepare('SELECT MAX(traded_at) AS at FROM fills').get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** The last P&L snapshot written for `day` (the day key the risk book uses). */
  lastPnl(day: string, since: EpochMs): PnlSnapshot | undefined {
    // `since` bounds the walk to recent snapshots (a day at any offset is within two): without
    // it a day with no snapshot yet read every snapshot ever journaled.
    const row = this.db
      .prepare(
        "SELECT data FROM events WHERE kind = 'pnl' AND at >= ? AND json_extract(data, '$.day') = ? ORDER BY at DESC, seq DESC LIMIT 1",
      )
      .get(since, day) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as PnlSnapshot) : undefined;
  }

  /** The newest kill-switch change at or after `since`. */
  lastKillSwitch(since: EpochMs): KillSwitchChange | undefined {
    const row = this.db
      .prepare("SELECT data FROM events WHERE kind = 'kill_switch' AND at >= ? ORDER BY seq DESC LIMIT 1")
      .get(since) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as KillSwitchChange) : undefined;
  }

  /** The first mid of `market` seen at or after `at`. */
  markAtOrAfter(market: string, at: EpochMs, notAfter: EpochMs): { at: EpochMs; mid: Micros } | undefined {
    const row = this.db
      .prepare(
        "SELECT at, json_extract(data, '$.mid') AS mid FROM events WHERE kind = 'mark' AND market = ? AND at >= ? AND at <= ? ORDER BY at LIMIT 1",
      )
      .get(market, at, notAfter) as { at: number; mid: number } | undefined;
    return row;
  }

  /** The last mid of `market` seen at or before `at`. */
  lastMark(market: string, at: EpochMs): Micros | undefined {
    const row = this.db
      .prepare(
        "SELECT json_extract(data, '$.mid') AS mid FROM events WHERE kind = 'mark' AND market = ? AND at <= ? ORDER BY at DESC LIMIT 1",
      )
      .get(market, at) as { mid: number } | undefined;
    return row?.mid;
  }

  /** How `market` settled, when the journal saw it settle. */
  settlement(market: string): Side | undefined {
    const row = this.db
      .prepare(
        "SELECT json_extract(data, '$.result') AS result FROM events WHERE kind = 'settlement' AND market = ? ORDER BY seq DESC LIMIT 1",
      )
      .get(market) as { result: Side } | undefined;
    return row?.result;
  }

  /** Events in [from, to) in recorded order, optionally of some kinds only; streamed, not loaded. */
  *events(from: EpochMs, to: EpochMs, kinds?: readonly JournalEventKind[]): Generator<JournalEvent> {
    const filter = kinds && kinds.length > 0 ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const statement = this.db.prepare(
      `SELECT data FROM events WHERE at >= ? AND at < ?${filter} ORDER BY seq`,
    );
    for (const row of statement.iterate(from, to, ...(kinds ?? [])) as Iterable<{ data: string }>) {
      yield JSON.parse(row.data) as JournalEvent;
    }
  }

  counts(): Record<string, number> {
    const rows = this.db.prepare('SELECT kind, COUNT(*) AS n FROM events GROUP BY kind').all() as {
      kind: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }
}
