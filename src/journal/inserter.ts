/**
 * Writes batches of events in one transaction each: every event into `events`, and the RFQ, run
 * and fill summaries into their own tables. Runs in the journal's writer thread (and directly in
 * tests and tools).
 */
import type { JournalDatabase } from './database.js';
import type { JournalEvent } from './events.js';

export interface BatchResult {
  readonly written: number;
  /** Fills already in the journal (seen on the websocket and again in a listing). */
  readonly duplicateFills: number;
}

export class JournalInserter {
  readonly #insertEvent;
  readonly #insertRun;
  readonly #stopRun;
  readonly #upsertRfq;
  readonly #rfqGone;
  readonly #insertFill;
  readonly #batch;

  constructor(db: JournalDatabase) {
    this.#insertEvent = db.prepare(
      `INSERT INTO events (at, kind, run_id, rfq_id, quote_id, market, strategy, data)
       VALUES (@at, @kind, @runId, @rfqId, @quoteId, @market, @strategy, @data)`,
    );
    this.#insertRun = db.prepare(
      `INSERT OR REPLACE INTO runs (run_id, started_at, git_commit, config_hash, environment, pid)
       VALUES (@runId, @at, @commit, @configHash, @environment, @pid)`,
    );
    this.#stopRun = db.prepare(
      `UPDATE runs SET stopped_at = @at, stop_reason = @reason, open_at_exit = @openAtExit WHERE run_id = @runId`,
    );
    this.#upsertRfq = db.prepare(
      `INSERT INTO rfqs (rfq_id, market, event, contracts, target_cost, source, created_at, first_seen, last_seen)
       VALUES (@rfqId, @marketTicker, @eventTicker, @contracts, @targetCost, @source, @createdAt, @at, @at)
       ON CONFLICT (rfq_id) DO UPDATE SET last_seen = excluded.last_seen`,
    );
    this.#rfqGone = db.prepare(
      `UPDATE rfqs SET gone_at = @at, gone_reason = @reason, last_seen = MAX(last_seen, @at)
       WHERE rfq_id = @rfqId AND gone_at IS NULL`,
    );
    this.#insertFill = db.prepare(
      `INSERT OR IGNORE INTO fills (trade_id, order_id, market, side, contracts, price, fee, is_taker,
         traded_at, recorded_at, rfq_id, quote_id, strategy, run_id)
       VALUES (@tradeId, @orderId, @marketTicker, @side, @contracts, @price, @fee, @isTaker,
         @tradedAt, @at, @rfqId, @quoteId, @strategy, @runId)`,
    );
    this.#batch = db.transaction((events: readonly JournalEvent[], runId: string | null): BatchResult => {
      let written = 0;
      let duplicateFills = 0;
      for (const event of events) {
        if (!this.#summarise(event, runId)) {
          duplicateFills++;
          continue;
        }
        this.#insertEvent.run(eventRow(event, runId));
        written++;
      }
      return { written, duplicateFills };
    });
  }

  /** Writes the events in one transaction; all or nothing. */
  write(events: readonly JournalEvent[], runId: string | undefined): BatchResult {
    return this.#batch(events, runId ?? null);
  }

  /** Updates the summary tables; false for a fill that is already journaled (skip its event). */
  #summarise(event: JournalEvent, runId: string | null): boolean {
    switch (event.kind) {
      case 'run_started':
        this.#insertRun.run(event);
        return true;
      case 'run_stopped':
        this.#stopRun.run(event);
        return true;
      case 'rfq_seen':
        this.#upsertRfq.run({
          eventTicker: null,
          contracts: null,
          targetCost: null,
          createdAt: null,
          ...definedOnly(event),
        });
        return true;
      case 'rfq_gone':
        this.#rfqGone.run(event);
        return true;
      case 'fill':
        return (
          this.#insertFill.run({
            rfqId: null,
            quoteId: null,
            strategy: null,
            ...definedOnly(event),
            isTaker: event.isTaker ? 1 : 0,
            runId,
          }).changes > 0
        );
      default:
        return true;
    }
  }
}

function definedOnly<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}

function eventRow(event: JournalEvent, runId: string | null) {
  const e = event as Partial<Record<'rfqId' | 'quoteId' | 'marketTicker' | 'strategy', string>>;
  return {
    at: event.at,
    kind: event.kind,
    runId: 'runId' in event ? event.runId : runId,
    rfqId: e.rfqId ?? null,
    quoteId: e.quoteId ?? null,
    market: e.marketTicker ?? null,
    strategy: e.strategy ?? null,
    data: JSON.stringify(event),
  };
}
