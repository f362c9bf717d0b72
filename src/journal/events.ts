/**
 * What the journal records: one event per thing the bot saw or did. Money and sizes are integers
 * (micros, centis) as everywhere inside the bot; the export and the recording format turn them into
 * the exchange's decimal strings.
 */
import type { FeeSchedule } from '../domain/fees.js';
import type { PriceGrid } from '../domain/grid.js';
import type { Centis, Micros } from '../domain/money.js';
import type { BookLevel, EpochMs, Side } from '../domain/types.js';

/** Where the RFQ was learnt of; `exchange` in a simulator recording (the exchange's own view). */
export type RfqSource = 'push' | 'poll' | 'startup' | 'exchange';

export interface RunStarted {
  readonly kind: 'run_started';
  readonly at: EpochMs;
  readonly runId: string;
  readonly commit: string;
  readonly configHash: string;
  readonly environment: string;
  readonly pid: number;
}

export interface RunStopped {
  readonly kind: 'run_stopped';
  readonly at: EpochMs;
  readonly runId: string;
  readonly reason: string;
  /** Our quotes still open at the exchange after shutdown; -1 when it could not be checked. */
  readonly openAtExit: number;
}

export interface RfqSeen {
  readonly kind: 'rfq_seen';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly marketTicker: string;
  readonly eventTicker?: string | undefined;
  readonly contracts?: Centis | undefined;
  readonly targetCost?: Micros | undefined;
  /** A target-cost RFQ whose target leaves the requester's fees out (sizing differs). */
  readonly targetCostExcludesFees?: boolean | undefined;
  readonly source: RfqSource;
  /** When the exchange says the RFQ was created. */
  readonly createdAt?: EpochMs | undefined;
}

export interface RfqGone {
  readonly kind: 'rfq_gone';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly reason: string;
}

/** A strategy's answer for an RFQ: a quote (after validation and snapping) or a skip. */
export interface Decision {
  readonly kind: 'decision';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly marketTicker: string;
  readonly strategy?: string | undefined;
  readonly outcome: 'quote' | 'skip';
  readonly yesBid?: Micros | undefined;
  readonly noBid?: Micros | undefined;
  readonly fairValue?: Micros | undefined;
  readonly cause?: string | undefined;
  readonly reason?: string | undefined;
}

export interface Refusal {
  readonly kind: 'refusal';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly marketTicker: string;
  readonly strategy?: string | undefined;
  readonly limit: string;
  /** The numbers the limit compared (micros or centis, named by the guard). */
  readonly values?: Readonly<Record<string, number | string>> | undefined;
}

export interface QuoteTransition {
  readonly kind: 'quote';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly quoteId?: string | undefined;
  readonly marketTicker: string;
  readonly strategy: string;
  readonly from: string;
  readonly to: string;
  readonly reason?: string | undefined;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  readonly yesContracts: Centis;
  readonly noContracts: Centis;
}

export interface AcceptDecision {
  readonly kind: 'accept';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly quoteId: string;
  readonly marketTicker: string;
  readonly strategy?: string | undefined;
  readonly side: Side;
  readonly contracts: Centis;
  readonly decision: 'confirm' | 'lapse';
  readonly reason?: string | undefined;
}

export interface ConfirmResult {
  readonly kind: 'confirm';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly quoteId: string;
  readonly marketTicker: string;
  readonly strategy?: string | undefined;
  readonly ok: boolean;
  /** From the accept's start to the exchange's answer. */
  readonly latencyMs: number;
  readonly error?: string | undefined;
}

/** A trade of ours as the exchange reports it (GET /portfolio/fills or the `fill` channel). */
export interface FillRecord {
  readonly kind: 'fill';
  readonly at: EpochMs;
  readonly tradeId: string;
  readonly orderId: string;
  readonly marketTicker: string;
  /** The outcome we bought. */
  readonly side: Side;
  readonly contracts: Centis;
  /** What we paid per contract of `side`. */
  readonly price: Micros;
  readonly fee: Micros;
  readonly isTaker: boolean;
  /** When the exchange made the trade. */
  readonly tradedAt: EpochMs;
  readonly rfqId?: string | undefined;
  readonly quoteId?: string | undefined;
  readonly strategy?: string | undefined;
}

export interface KillSwitchChange {
  readonly kind: 'kill_switch';
  readonly at: EpochMs;
  readonly tripped: boolean;
  readonly reason: string;
  readonly source: string;
}

export interface ConfigReload {
  readonly kind: 'config_reload';
  readonly at: EpochMs;
  readonly trigger: string;
  readonly applied: boolean;
  readonly configHash?: string | undefined;
  readonly changed?: readonly string[] | undefined;
  readonly reason?: string | undefined;
}

/** A market's mid as the bot saw it (for marks, mark-outs and backtests). */
export interface MarketMark {
  readonly kind: 'mark';
  readonly at: EpochMs;
  readonly marketTicker: string;
  readonly mid: Micros;
  readonly yesBid?: Micros | undefined;
  readonly yesAsk?: Micros | undefined;
}

/** A market settled: positions in it pay $1 per contract of the winning side. */
export interface MarketSettled {
  readonly kind: 'settlement';
  readonly at: EpochMs;
  readonly marketTicker: string;
  readonly result: Side;
}

/** The day's P&L state, written periodically so a restart restores the drawdown peak. */
export interface PnlSnapshot {
  readonly kind: 'pnl';
  readonly at: EpochMs;
  readonly day: string;
  readonly realized: Micros;
  readonly fees: Micros;
  readonly unrealized: Micros;
  readonly total: Micros;
  readonly peak: Micros;
}

/**
 * A market's reference data as the bot read it (first read, then whenever it changes): what a
 * backtest serves strategies as `ctx.data.market()` and `fees()`.
 */
export interface MarketInfo {
  readonly kind: 'market';
  readonly at: EpochMs;
  readonly marketTicker: string;
  readonly eventTicker: string;
  readonly seriesTicker?: string | undefined;
  readonly status: string;
  /** The market's valid prices (micros inside, dollar strings in a recording). */
  readonly priceGrid: PriceGrid;
  readonly fees?: FeeSchedule | undefined;
  readonly lastPrice?: Micros | undefined;
  readonly closeTime?: EpochMs | undefined;
}

/** An order book as read from the exchange: bids on both sides, ascending, best last. */
export interface BookRead {
  readonly kind: 'book';
  readonly at: EpochMs;
  readonly marketTicker: string;
  readonly yes: readonly BookLevel[];
  readonly no: readonly BookLevel[];
}

/** A requester accepted a quote: ours in the bot's journal, anyone's in an exchange recording. */
export interface QuoteAccepted {
  readonly kind: 'quote_accepted';
  readonly at: EpochMs;
  readonly rfqId: string;
  readonly quoteId: string;
  readonly marketTicker: string;
  /** Ours: the strategy that priced it; an exchange recording: the maker's label. */
  readonly strategy?: string | undefined;
  readonly side: Side;
  /** The accepted side's bid: what the maker pays per contract of `side`. */
  readonly price: Micros;
  /** Contracts the requester took (at most what the side offered). */
  readonly contracts: Centis;
  /** What the side offered. */
  readonly offered?: Centis | undefined;
  /** When the exchange says it was accepted (`at` is when it was seen). */
  readonly acceptedAt?: EpochMs | undefined;
}

export type JournalEvent =
  | RunStarted
  | RunStopped
  | RfqSeen
  | RfqGone
  | Decision
  | Refusal
  | QuoteTransition
  | AcceptDecision
  | ConfirmResult
  | FillRecord
  | KillSwitchChange
  | ConfigReload
  | MarketMark
  | MarketSettled
  | PnlSnapshot
  | MarketInfo
  | BookRead
  | QuoteAccepted;

export type JournalEventKind = JournalEvent['kind'];

export const JOURNAL_EVENT_KINDS: readonly JournalEventKind[] = Object.freeze([
  'run_started',
  'run_stopped',
  'rfq_seen',
  'rfq_gone',
  'decision',
  'refusal',
  'quote',
  'accept',
  'confirm',
  'fill',
  'kill_switch',
  'config_reload',
  'mark',
  'settlement',
  'pnl',
  'market',
  'book',
  'quote_accepted',
]);
