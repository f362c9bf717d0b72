/**
 * The dashboard's JSON API (`GET /api/state`, `/api/stream`, `/api/fills`, `/api/pnl`,
 * `/api/budgets`), documented in docs/dashboard.md. Units, everywhere:
 * - dollar amounts are exact decimal strings ("12.34", "-0.0525"), never floats;
 * - contract counts are decimal strings with two places ("10.00");
 * - instants are epoch milliseconds (integers), durations integer or tenth milliseconds;
 * - token counts and utilisations (value ÷ limit) are plain numbers.
 */
import type { LatencySummary } from '../latency-window.js';
import type { ReadinessCheck } from '../readiness.js';

export const DASHBOARD_API_VERSION = 1;

export type Dollars = string;
export type Contracts = string;

export interface DashboardState {
  readonly version: typeof DASHBOARD_API_VERSION;
  /** When this snapshot was built. */
  readonly at: number;
  readonly environment: string;
  readonly dryRun: boolean;
  readonly status: StatusView;
  readonly counters: CountersView;
  readonly rfqs: RfqsView;
  readonly accepts: readonly AcceptView[];
  readonly fills: FillsView;
  readonly pnl: PnlView;
  readonly exposure: ExposureView;
  readonly budgets: BudgetsView;
  readonly latency: LatencyView;
}

export interface StatusView {
  /** Every readiness check passes (what /readyz answers 200 for). */
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
  readonly killSwitch: KillSwitchView;
  readonly windows: readonly WindowView[];
  readonly exchange: ExchangeView;
  readonly journal: JournalView;
}

export interface KillSwitchView {
  readonly active: boolean;
  readonly reason?: string;
  readonly source?: string;
  readonly since?: number;
  /** Trips since the process started. */
  readonly trips: number;
  readonly killFilePresent: boolean;
}

export interface WindowView {
  /** `global`, or the route whose own windows these are. */
  readonly name: string;
  readonly active: boolean;
  /** No windows configured: always active. */
  readonly alwaysActive: boolean;
  readonly activeWindow?: string;
  /** When the state flips next (within eight days). */
  readonly nextChangeAt?: number;
}

export interface ExchangeView {
  readonly authenticated: boolean;
  readonly push: { readonly enabled: boolean; readonly connected: boolean };
  /** Order books from the websocket; absent when books are read per RFQ. */
  readonly books?: { readonly watched: number; readonly live: number; readonly drifts: number };
  readonly poller: {
    readonly lastCycleAt?: number;
    readonly ageMs?: number;
    readonly intervalMs: number;
  };
}

export interface JournalView {
  readonly enabled: boolean;
  readonly ok: boolean;
  readonly error?: string;
  /** Events recorded and not yet committed. */
  readonly pending: number;
  readonly written: number;
  readonly dropped: number;
  readonly lastWriteAt?: number;
}

export interface CountersView {
  readonly rfqsSeen: number;
  readonly quoted: number;
  readonly accepted: number;
  readonly confirmed: number;
  readonly executed: number;
}

export interface RfqsView {
  /** Open RFQs the bot knows. */
  readonly open: number;
  /** Our live quotes (pending, open, deleting). */
  readonly liveQuotes: number;
  /** At most `DASHBOARD_MAX_RFQ_ROWS`: those with a live quote of ours first, then the newest. */
  readonly rows: readonly RfqRow[];
}

export interface RfqRow {
  readonly rfqId: string;
  readonly marketTicker: string;
  readonly eventTicker?: string;
  readonly contracts?: Contracts;
  readonly targetCost?: Dollars;
  readonly ageMs: number;
  readonly quote?: QuoteRow;
}

export interface QuoteRow {
  readonly quoteId?: string;
  readonly state: string;
  readonly strategy: string;
  readonly route?: string;
  readonly yesBid: Dollars;
  readonly noBid: Dollars;
  readonly yesContracts: Contracts;
  readonly noContracts: Contracts;
  /** Since we sent it. */
  readonly ageMs: number;
  /** Until the sweeper pulls it (never below 0). */
  readonly ttlLeftMs: number;
}

export type LastLook = 'pending' | 'confirm' | 'decline';

export interface AcceptView {
  /** When we saw the accept. */
  readonly at: number;
  readonly rfqId: string;
  readonly quoteId?: string;
  readonly marketTicker: string;
  readonly strategy: string;
  readonly side: 'yes' | 'no';
  readonly contracts: Contracts;
  /** Our bid on the side that was hit. */
  readonly price: Dollars;
  readonly lastLook: LastLook;
  /** The quote's state now: accepted, confirming, confirmed, executed, expired, cancelled. */
  readonly outcome: string;
  /** Why last look declined, or why the accept ended without a fill. */
  readonly reason?: string;
  /** From seeing the accept to the exchange confirming (the accept_to_confirm histogram's sample). */
  readonly confirmLatencyMs?: number;
}

export interface FillRow {
  /** When the trade happened (the exchange's time for journaled fills). */
  readonly at: number;
  readonly marketTicker: string;
  /** The outcome we bought. */
  readonly side: 'yes' | 'no';
  readonly contracts: Contracts;
  /** What we paid per contract of `side`. */
  readonly price: Dollars;
  readonly fee?: Dollars;
  readonly tradeId?: string;
  readonly rfqId?: string;
  readonly quoteId?: string;
  readonly strategy?: string;
}

export interface FillsView {
  /**
   * `journal`: fills as the exchange reported them (once the journal records fills);
   * `memory`: our own executions since this process started (the latest 5000).
   */
  readonly source: 'journal' | 'memory';
  /** Fills of the trading day so far. */
  readonly today: { readonly count: number; readonly contracts: Contracts };
  /** Newest first, at most `DASHBOARD_MAX_FILL_ROWS`. */
  readonly recent: readonly FillRow[];
}

export interface PnlView {
  /** The trading day (YYYY-MM-DD in `risk.dayStartTimezone`). */
  readonly day: string;
  readonly dayStartedAt: number;
  /** Realised today, fees included (`pnl_dollars{kind="realised"}`). */
  readonly realized: Dollars;
  readonly unrealized: Dollars;
  /** Realised plus marked to fair value (`pnl_dollars{kind="marked"}`): what maxDailyLoss checks. */
  readonly marked: Dollars;
  /** The day's highest `marked`: the drawdown reference. */
  readonly peak: Dollars;
}

export interface LimitUse {
  readonly value: Dollars | Contracts | number;
  readonly limit: Dollars | Contracts | number;
  /** value ÷ limit (0 when the limit is 0): bars turn amber at 0.75, red at 0.9. */
  readonly utilization: number;
}

export interface MarketExposureRow {
  readonly marketTicker: string;
  readonly eventTicker: string;
  /** Filled net position (+YES / −NO). */
  readonly position: Contracts;
  /** Worst-case contracts against maxPositionPerMarket.contracts. */
  readonly contracts: LimitUse;
  /** Worst-case loss against maxPositionPerMarket.dollars. */
  readonly dollars: LimitUse;
  /** Live quotes against maxOpenQuotesPerMarket. */
  readonly quotes: LimitUse;
}

export interface EventExposureRow {
  readonly eventTicker: string;
  readonly contracts: LimitUse;
  readonly dollars: LimitUse;
  readonly quotes: LimitUse;
}

export interface ExposureView {
  readonly model: string;
  /** Worst-case dollars at risk over every market, against maxTotalExposure (`exposure_dollars`). */
  readonly total: LimitUse;
  /** Live quotes against maxOpenQuotes. */
  readonly openQuotes: LimitUse;
  /** Today's loss (0 when in profit) against maxDailyLoss. */
  readonly dailyLoss: LimitUse;
  readonly marketCount: number;
  readonly eventCount: number;
  /** The most used first, at most `DASHBOARD_MAX_EXPOSURE_ROWS` each. */
  readonly markets: readonly MarketExposureRow[];
  readonly events: readonly EventExposureRow[];
}

export interface BucketView {
  readonly available: number;
  readonly capacity: number;
  /** Tokens per second allowed now (below nominal after a 429). */
  readonly refillRate: number;
  readonly nominalRefillRate: number;
  /** 1, or below 1 while the rate is slowed after a 429 (recovering). */
  readonly slowdown: number;
  /** Tokens only confirms may spend. */
  readonly reserve: number;
  readonly queued: number;
  readonly inFlight: number;
  /** Tokens spent since start (`token_budget_spent_total`). */
  readonly spent: number;
}

export interface BudgetsView {
  readonly read: BucketView;
  readonly write: BucketView;
}

export interface LatencyView {
  readonly rfqToQuote: LatencySummary;
  readonly acceptToConfirm: LatencySummary;
}

/** One second of token use (`/api/budgets`, and the newest in each streamed state). */
export interface BudgetSample {
  readonly at: number;
  readonly readSpent: number;
  readonly writeSpent: number;
  readonly readAvailable: number;
  readonly writeAvailable: number;
}

/** One point of the day's P&L (`/api/pnl`). */
export interface PnlPoint {
  readonly at: number;
  readonly realized: Dollars;
  readonly marked: Dollars;
}

/** Something that just happened, pushed on the stream as `event: activity`. */
export type ActivityEvent =
  | ({ readonly type: 'accept' } & AcceptView)
  /** One of our quotes executed (our own view; the fills table follows the journal when there is one). */
  | ({ readonly type: 'execution' } & FillRow)
  | ({ readonly type: 'kill_switch' } & KillSwitchView);
