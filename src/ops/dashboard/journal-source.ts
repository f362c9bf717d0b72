/**
 * The journal as the dashboard reads it: the journal's read-only connection, bounded queries,
 * and answers cached until the writer has committed something new (a dashboard open all day
 * must not re-read the day's fills every second).
 */
import type { Clock } from '../../domain/clock.js';
import type { EpochMs } from '../../domain/types.js';
import type { PnlSnapshot } from '../../journal/events.js';
import type { Journal } from '../../journal/journal.js';
import { JournalReader } from '../../journal/queries.js';
import type { DashboardJournal, PnlRecord } from './sources.js';

/** Most P&L snapshots held for one day (one every 5 s is 17 280). */
const MAX_PNL_RECORDS = 20_000;

export interface JournalSourceOptions {
  readonly clock: Clock;
  /**
   * A journal answer is reused for this long (unless nothing was written since): SQLite reads
   * are synchronous on the bot's event loop, so the dashboard reads at most this often. @default 5000
   */
  readonly maxAgeMs?: number;
}

export function journalSource(
  journal: Pick<Journal, 'db' | 'health'>,
  options: JournalSourceOptions,
): DashboardJournal {
  const reader = new JournalReader(journal.db);
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const cache = new Map<string, { written: number; at: number; value: unknown }>();
  const cached = <T>(key: string, read: () => T): T => {
    const written = journal.health().written;
    const now = options.clock.now();
    const hit = cache.get(key);
    if (hit && (hit.written === written || now - hit.at < maxAgeMs)) return hit.value as T;
    const value = read();
    if (cache.size > 16) cache.clear();
    cache.set(key, { written, at: now, value });
    return value;
  };
  // P&L snapshots are read incrementally: only rows after the last one seen are parsed.
  const newPnl = journal.db.prepare(
    "SELECT seq, data FROM events WHERE kind = 'pnl' AND seq > ? AND at >= ? ORDER BY seq LIMIT 5000",
  );
  let pnlFrom: EpochMs | undefined;
  let pnlSeq = 0;
  let pnlRecords: PnlRecord[] = [];
  const readPnl = (from: EpochMs, to: EpochMs): PnlRecord[] => {
    if (from !== pnlFrom) {
      pnlFrom = from;
      pnlSeq = 0;
      pnlRecords = [];
    }
    for (;;) {
      const rows = newPnl.all(pnlSeq, from) as { seq: number; data: string }[];
      for (const row of rows) {
        pnlSeq = row.seq;
        const snapshot = JSON.parse(row.data) as PnlSnapshot;
        pnlRecords.push({
          at: snapshot.at,
          day: snapshot.day,
          realized: snapshot.realized,
          total: snapshot.total,
        });
      }
      if (rows.length < 5000) break;
    }
    if (pnlRecords.length > MAX_PNL_RECORDS) pnlRecords = thinned(pnlRecords);
    return pnlRecords.filter((record) => record.at < to);
  };
  return {
    health: () => journal.health(),
    recordsFills: () => cached('recordsFills', () => reader.lastFillAt() !== undefined),
    latestFills: (from, to, limit) =>
      cached(`fills:${from}:${limit}`, () => reader.latestFills(from, to, limit)),
    fillTotals: (from, to) => cached(`totals:${from}`, () => reader.fillTotals(from, to)),
    pnl: (from, to) => cached(`pnl:${from}`, () => readPnl(from, to)),
  };
}

/** Every other record, the newest always kept. */
function thinned(records: readonly PnlRecord[]): PnlRecord[] {
  const out = records.filter((_, index) => index % 2 === 0);
  const last = records.at(-1);
  if (last && out.at(-1) !== last) out.push(last);
  return out;
}
