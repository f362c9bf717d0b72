/**
 * What the dashboard reads: the live parts of the running bot (narrowed to the calls it makes)
 * and, when there is one, the journal. The composition root builds this; the dashboard never
 * reaches into the App itself.
 */
import type { Clock } from '../../domain/clock.js';
import type { Centis } from '../../domain/money.js';
import type { EpochMs } from '../../domain/types.js';
import type { JournalHealth } from '../../journal/journal.js';
import type { JournaledFill } from '../../journal/queries.js';
import type { Bucket } from '../../kalshi/gate.js';
import type { QuoteStore } from '../../quotes/quote-store.js';
import type { RfqBook } from '../../rfq/rfq-book.js';
import type { ExposureBook } from '../../risk/exposure.js';
import type { KillSwitch } from '../../risk/kill-switch.js';
import type { RiskLimits } from '../../risk/limits.js';
import type { WindowSchedule } from '../../risk/windows.js';
import type { ActionQueueBudget } from '../../throttle/options.js';
import type { LatencyWindow } from '../latency-window.js';
import type { ReadinessCheck } from '../readiness.js';
import type { SummaryCounters } from '../schedules.js';
import type { RecentActivity } from './activity.js';

export interface ConnectionState {
  readonly authenticated: boolean;
  readonly pushEnabled: boolean;
  readonly pushConnected: boolean;
  readonly lastPollAt: EpochMs | undefined;
  readonly pollIntervalMs: number;
  /** Streamed order books, when streamed (exchange.marketCache.streamBooks with the push). */
  readonly books?: { readonly watched: number; readonly live: number; readonly drifts: number };
}

/** One stored P&L snapshot of the day (the journal's `pnl` events). */
export interface PnlRecord {
  readonly at: EpochMs;
  readonly day: string;
  readonly realized: number;
  readonly total: number;
}

/** The journal as the dashboard reads it (bounded queries only: they run on the event loop). */
export interface DashboardJournal {
  health(): JournalHealth;
  /** Whether fills are being journaled at all (the exchange's fills, recorded by trade id). */
  recordsFills(): boolean;
  /** The newest `limit` fills traded in [from, to), newest first. */
  latestFills(from: EpochMs, to: EpochMs, limit: number): readonly JournaledFill[];
  fillTotals(from: EpochMs, to: EpochMs): { readonly count: number; readonly contracts: Centis };
  /** P&L snapshots recorded in [from, to), oldest first. */
  pnl(from: EpochMs, to: EpochMs): Iterable<PnlRecord>;
}

export interface DashboardSources {
  readonly clock: Clock;
  readonly environment: string;
  readonly dryRun: boolean;
  /** `risk.dayStartTimezone`: where "today" starts. */
  readonly dayTimeZone: string;
  readonly store: Pick<QuoteStore, 'forRfq' | 'live' | 'countLive'>;
  readonly book: Pick<RfqBook, 'all' | 'size'>;
  readonly exposure: Pick<ExposureBook, 'snapshot' | 'riskView'>;
  readonly killSwitch: Pick<KillSwitch, 'state' | 'onChange'>;
  readonly activity: RecentActivity;
  readonly latency: { readonly rfqToQuote: LatencyWindow; readonly acceptToConfirm: LatencyWindow };
  limits(): RiskLimits;
  /** The global schedule first, then each route's own. */
  windows(): readonly WindowSchedule[];
  /** Undefined until the action queue exists (before start). */
  budget(bucket: Bucket): ActionQueueBudget | undefined;
  /** Tokens spent since start, per bucket. */
  tokensSpent(): Readonly<Record<Bucket, number>> | undefined;
  readiness(): readonly ReadinessCheck[];
  connection(): ConnectionState;
  counters(): SummaryCounters;
  /** Undefined while the bot runs without a journal. */
  journal(): DashboardJournal | undefined;
  /** Free text (reasons) passes through this before it leaves the process. */
  redact(text: string): string;
}
